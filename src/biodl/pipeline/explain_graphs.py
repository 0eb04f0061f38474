"""What an explanation shows for graphs and molecules (for :mod:`biodl.pipeline.explain_figures`).

The network's node features are attributed (:mod:`biodl.interpret.inputs` pads them to
``(graphs, max nodes, features)``); :func:`graph_section` turns that into

* per-node attributions stored compactly in ``attributions.npz``: ``attributions`` and
  ``inputs`` ``(nodes, features)`` (every graph's real nodes, concatenated), ``node_offsets``
  ``(graphs + 1,)`` and ``node_attributions`` ``(nodes,)``: each node's features summed (for
  ``saliency`` only the features the node has, non-zero inputs), in the node order of the
  data (a molecule's atoms in the order of RDKit's parse of its SMILES);
* the summary's ``peak_attribution`` / ``peak_index``: the largest |node attribution| of each
  graph and that node;
* molecules: the drawn molecules with their atom attributions as RDKit similarity maps
  (``plots/atoms.png``) and a table of atom environments (an atom with its bonded neighbours)
  ranked by mean attribution;
* other graphs (TU format, no chemistry to draw): a table of node labels ranked the same way.

Examples
--------
>>> # graph_section(section, info, part, cfg, Path("plots"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.config import ExplainConfig
from biodl.report.html import Figure, Table

__all__ = ["TABLE_GRAPHS", "TOP_LABELS", "graph_section", "node_values"]

#: Rows of the environment / node-label table in the report: half with the largest mean
#: attribution, half with the smallest.
TOP_LABELS = 20

#: Molecules whose atom environments enter the table (the first ones of the data): finding a
#: molecule's atoms in its canonical SMILES costs about a millisecond.
TABLE_GRAPHS = 5_000


def node_values(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The real nodes of padded ``(graphs, max nodes, ...)`` values, concatenated
    ``(nodes, ...)`` graph by graph."""
    width = values.shape[1] if values.ndim > 1 else 0
    real = np.arange(width)[None, :] < np.asarray(counts)[:, None]
    return values[real]


def _peaks(node: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest |value| of each graph and its node (local index)."""
    size = np.abs(node)
    counts = np.diff(offsets)
    graph = np.repeat(np.arange(len(counts)), counts)
    peak = np.maximum.reduceat(size, offsets[:-1]) if len(size) else np.zeros(len(counts))
    first = np.full(len(counts), -1, dtype=np.int64)
    hits = np.flatnonzero(size == peak[graph])[::-1]  # the first hit of each graph wins
    first[graph[hits]] = hits - offsets[graph[hits]]
    return peak.astype(np.float32), first


def graph_section(
    section: Any, info: dict[str, Any], part: Any, cfg: ExplainConfig, folder: Path
) -> None:
    """Add the graph arrays, the molecule drawings and the ranking table to ``section``."""
    found = section.attributions
    counts = np.asarray(part.n_nodes)
    offsets = np.asarray(part.node_offsets, dtype=np.int64)
    flat = node_values(found.values, counts).astype(np.float32)
    inputs = node_values(found.inputs, counts).astype(np.float32)
    # saliency is a gradient at every feature, present or not: keep the node's own values
    # (as sequences draw it at their own letter); the other methods are zero where x is
    own = flat * (inputs != 0) if cfg.method == "saliency" else flat
    node = own.sum(axis=1)
    section.arrays.update(
        attributions=flat,
        inputs=inputs,
        node_offsets=offsets,
        node_attributions=node.astype(np.float32),
    )
    peak, where = _peaks(node, offsets)
    section.summary["peak_attribution"] = peak
    section.summary["peak_index"] = where
    top = np.zeros(len(node), dtype=bool)
    top[offsets[:-1] + np.maximum(where, 0)] = len(node) > 0
    smiles = getattr(part, "smiles", None)
    if smiles is not None:
        _molecules(section, part, node, top, offsets, folder)
    else:
        _labels(section, part, node, top)


def _local_edges(part: Any, g: int) -> np.ndarray:
    lo, hi = part.edge_offsets[g], part.edge_offsets[g + 1]
    return np.asarray(part.edges[lo:hi])


def _molecules(
    section: Any,
    part: Any,
    node: np.ndarray,
    top: np.ndarray,
    offsets: np.ndarray,
    folder: Path,
) -> None:
    from biodl.report.molecule_attributions import (
        atom_order,
        draw_atom_attributions,
        environment_table,
        environments,
    )

    orders: dict[int, list[int] | None] = {}

    def order_of(g: int) -> list[int] | None:
        if g not in orders:
            codes = part.node_codes[offsets[g] : offsets[g + 1]]
            orders[g] = atom_order(part.smiles[g], codes, _local_edges(part, g))
        return orders[g]

    drawn, weights, titles, missed = [], [], [], 0
    for g in section.shown:
        order = order_of(int(g))
        if order is None:
            missed += 1
            continue
        values = np.zeros(len(order), dtype=np.float64)
        values[order] = node[offsets[g] : offsets[g + 1]]
        drawn.append(part.smiles[g])
        weights.append(values)
        out = section.attributions.outputs[g]
        titles.append(f"{section.ids[g]}: {section.target_names[section.target[g]]} {out:.2f}")
    if drawn:
        path = draw_atom_attributions(drawn, weights, titles, folder / "atoms.png")
        section.figures.append(
            Figure(
                "Atom attributions",
                path,
                "Each atom's attribution (summed over its features) drawn as a similarity "
                "map: red where the atom raises the explained output, blue where it lowers it; "
                "each molecule is scaled to its own largest value (under its title).",
            )
        )
    labels: list[str] = []
    keep: list[np.ndarray] = []
    for g in range(min(len(part), TABLE_GRAPHS)):
        order = order_of(g)
        if order is None:
            continue
        env = environments(part.smiles[g])
        labels += [env[a] for a in order]
        keep.append(np.arange(offsets[g], offsets[g + 1]))
    rows = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    table = environment_table(labels, node[rows], top[rows])
    section.tables.append(_table(table, "Atom environment", "atom environments"))
    used = min(len(part), TABLE_GRAPHS)
    text = (
        f"Atom attributions: the features of every atom attributed, summed per atom "
        f"(attributions.npz: node_attributions with node_offsets). The table ranks atom "
        f"environments (an atom, written first, with its bonded neighbours) of "
        f"{used:,} molecules by mean attribution; top_atom counts the molecules in which that "
        f"atom has the largest |attribution|."
    )
    if missed:
        text += f" {missed} molecule(s) could not be matched to their SMILES and are not drawn."
    section.text.append(("Atom attributions", text))


def _labels(section: Any, part: Any, node: np.ndarray, top: np.ndarray) -> None:
    from biodl.report.molecule_attributions import environment_table

    fields = list(part.node_fields)
    codes = np.asarray(part.node_codes)
    if fields and codes.shape[1]:
        labels = [
            ", ".join(f"{f} {int(c)}" for f, c in zip(fields, row, strict=True)) for row in codes
        ]
    else:
        labels = ["node"] * len(node)
    table = environment_table(labels, node, top)
    section.tables.append(_table(table, "Node label", "node labels"))
    section.text.append(
        (
            "Node attributions",
            "The features of every node attributed and summed per node (attributions.npz: "
            "node_attributions with node_offsets). These graphs carry no chemistry to draw; "
            "the table ranks the node labels by mean attribution (top_atom: the graphs in "
            "which a node of that label has the largest |attribution|).",
        )
    )


def _table(table: pd.DataFrame, first: str, what: str) -> Table:
    shown = table.head(TOP_LABELS // 2)
    tail = table.tail(min(TOP_LABELS // 2, max(0, len(table) - len(shown))))
    rows = [
        [str(r["label"]), int(r["atoms"]), float(r["mean_attribution"]),
         float(r["mean_abs_attribution"]), int(r["top_atom"])]
        for r in pd.concat([shown, tail]).to_dict("records")
    ]  # fmt: skip
    return Table(
        f"Most important {what}",
        [first, "Count", "Mean attribution", "Mean |attribution|", "Largest in graph"],
        rows,
        f"The {what} (seen at least 3 times) that raise the explained output most, then those "
        "that lower it most.",
        sortable=True,
    )
