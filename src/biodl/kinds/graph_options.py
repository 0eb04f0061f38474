"""Options of graphs and molecules (``--kind graph``; see docs/graphs.md), declared once.

This module imports only :mod:`biodl.options`, so ``biodl --help`` reads it without the kind
(and without PyTorch Geometric or RDKit).

Examples
--------
>>> GraphOptions().wl_iterations, GraphOptions().skip_invalid
(3, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from biodl.options import READING, document, option

__all__ = ["GRAPH_PANEL", "GraphOptions"]

#: The help panel of these options.
GRAPH_PANEL = "Graphs and molecules"


@document
@dataclass
class GraphOptions:
    """How graphs are read and what the classical baselines see."""

    smiles_column: str | None = option(
        help="Molecules: the SMILES column of a CSV/TSV (default: the column named smiles).",
        panel=GRAPH_PANEL,
        commands=READING,
    )
    skip_invalid: bool = option(
        False,
        help="Molecules: drop rows whose SMILES RDKit cannot parse (counted in the warnings) "
        "instead of stopping at the first.",
        panel=GRAPH_PANEL,
        commands=(*READING, "predict", "evaluate", "explain"),
    )
    wl_iterations: int = option(
        3,
        help="Graphs: Weisfeiler–Lehman rounds (subtree height) of the baseline features of "
        "TU graphs.",
        panel=GRAPH_PANEL,
    )
