"""Options of graphs and molecules (``--kind graph``; see docs/graphs.md), declared once.

This module imports only :mod:`biodl.options`, so ``biodl --help`` reads it without the kind
(and without PyTorch Geometric or RDKit).

Examples
--------
>>> GraphOptions().wl_iterations
3
"""

from __future__ import annotations

from dataclasses import dataclass

from biodl.options import document, option

__all__ = ["GRAPH_PANEL", "GraphOptions"]

#: The help panel of these options.
GRAPH_PANEL = "Graphs and molecules"


@document
@dataclass
class GraphOptions:
    """How graphs are read and what the classical baselines see."""

    wl_iterations: int = option(
        3,
        help="Graphs: Weisfeiler–Lehman rounds (subtree height) of the baseline features of "
        "TU graphs.",
        panel=GRAPH_PANEL,
    )
