"""Look at graphs and molecules before training: :func:`inspect_graphs`.

Per part: how many graphs, their sizes (nodes and edges), graphs without edges, the labels
and their balance; across parts: identical graphs (leakage). Two molecules are identical when
their canonical SMILES are equal (RDKit); two other graphs when they list the same node codes
in the same order and the same set of edges with the same codes (no search for isomorphisms:
graphs renumbered differently count as different).

For molecules two more checks: rows RDKit cannot read (listed with their lines, where training
stops at the first), and molecules whose canonical SMILES differ but whose standard InChIKeys
are equal (tautomers, charge-separated and neutral forms of one compound): within a part they
are repeated measurements, across parts a leak the SMILES comparison misses.

Examples
--------
>>> import numpy as np
>>> from biodl.data.graphs import GraphSet
>>> g = GraphSet.from_lists(ids=["a", "b", "c"], node_codes=[np.zeros(2), np.zeros(2), np.ones(1)],
...                         edges=[np.array([[0, 1]]), np.array([[0, 1]]), np.zeros((0, 2))])
>>> result = inspect_graphs({"train": g}, {"train": None})
>>> result.parts[0].duplicate_graphs, result.parts[0].no_edges
(1, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from biodl.data.checks.assemble import assemble, check_arguments
from biodl.data.checks.common import N_EXAMPLES, digest, find_overlaps
from biodl.data.checks.labels import resolve_task
from biodl.data.checks.part import KindTerms, PartBase, part_histogram, slashed, span
from biodl.data.checks.result import (
    Finding,
    Histogram,
    Inspection,
    LabelSummary,
    count_with_examples,
    integer_histogram,
)
from biodl.data.graphs import GraphSet

__all__ = [
    "GRAPHS",
    "GraphPart",
    "graph_hashes",
    "inchikey_findings",
    "inspect_graphs",
    "unreadable_findings",
]

GRAPHS = KindTerms(
    "graph",
    "graph",
    "graphs",
    baseline="the fingerprint / Weisfeiler–Lehman baselines",
    data=GraphSet,
    reader="Read it with biodl.kinds.graph.read_graphs",
)


def graph_hashes(graphs: GraphSet) -> list[bytes]:
    """A digest of each graph: its canonical SMILES for molecules, else its arrays."""
    if graphs.smiles is not None:
        return [digest(s.encode()) for s in graphs.smiles]
    out = []
    for i in range(len(graphs)):
        nodes = slice(graphs.node_offsets[i], graphs.node_offsets[i + 1])
        edges = slice(graphs.edge_offsets[i], graphs.edge_offsets[i + 1])
        pairs = np.hstack([graphs.edges[edges], graphs.edge_codes[edges]]).astype(np.int64)
        pairs = pairs[np.lexsort(pairs.T[::-1])] if len(pairs) else pairs
        head = np.array([nodes.stop - nodes.start, len(pairs)], dtype=np.int64).tobytes()
        body = np.ascontiguousarray(graphs.node_codes[nodes]).tobytes() + pairs.tobytes()
        out.append(digest(head + body + graphs.node_values[nodes].tobytes()))
    return out


@dataclass
class GraphPart(PartBase):
    """Summary of one part of graphs.

    Parameters
    ----------
    name, source : str
    n : int
        Graphs.
    nodes_min, nodes_median, nodes_max : float
        Nodes per graph.
    edges_median, edges_max : float
        Directed edges per graph (an undirected bond counts twice).
    node_edges, node_counts : list
        Histogram of the nodes per graph.
    no_edges : int
        Graphs without any edge.
    no_edges_examples : list of str
    label_columns : list of str
    labels : list of LabelSummary
    duplicate_graphs : int
        Graphs identical to an earlier graph of this part (canonical SMILES for molecules).
    duplicate_examples : list of str
    duplicate_ids : int
    """

    terms: ClassVar[KindTerms] = GRAPHS

    name: str
    source: str
    n: int
    nodes_min: float
    nodes_median: float
    nodes_max: float
    edges_median: float
    edges_max: float
    node_edges: list[float]
    node_counts: list[int]
    no_edges: int
    no_edges_examples: list[str]
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_graphs: int
    duplicate_examples: list[str]
    duplicate_ids: int

    def headline(self) -> str:
        """Size of the part and of its graphs."""
        return (
            f"{self.n} graphs, nodes {span(self.nodes_min, self.nodes_max, self.nodes_median)}; "
            f"{self.no_edges} without edges"
        )

    def kind_rows(self) -> list[tuple[str, str]]:
        """Nodes and edges per graph, graphs without edges."""
        return [
            (
                "Nodes min / median / max",
                slashed(self.nodes_min, self.nodes_median, self.nodes_max),
            ),
            ("Edges median / max", slashed(self.edges_median, self.edges_max)),
            ("Graphs without edges", count_with_examples(self.no_edges, self.no_edges_examples)),
        ]


def _part_findings(part: GraphPart, first: bool) -> list[Finding]:
    if not part.no_edges:
        return []
    return [
        Finding(
            "info",
            f"{part.name}: {part.no_edges} of {part.n} graphs have no edges (e.g. "
            f"{', '.join(part.no_edges_examples)}).",
            "Nothing to do if they are single atoms or isolated nodes; message passing then "
            "sees only each node's own features.",
            "no_edges",
        )
    ]


def unreadable_findings(
    unreadable: Mapping[str, Sequence[str]], sizes: Mapping[str, int]
) -> list[Finding]:
    """One warning per part with rows RDKit cannot read, with the first few of them."""
    out = []
    for name, where in unreadable.items():
        if where:
            total = sizes.get(name, 0) + len(where)
            more = "; ..." if len(where) > N_EXAMPLES else ""
            out.append(
                Finding(
                    "warning",
                    f"{name}: {len(where)} of {total} molecules cannot be read by RDKit "
                    f"({'; '.join(where[:N_EXAMPLES])}{more}).",
                    "Correct or remove those rows; `biodl train` stops at the first of them unless "
                    "--skip-invalid drops them (the run's notes then give the count).",
                    "unreadable_molecules",
                )
            )
    return out


def inchikey_findings(parts: Mapping[str, GraphSet]) -> list[Finding]:
    """Molecules with different canonical SMILES but one standard InChIKey, within and across
    parts (RDKit's InChI; molecules whose InChI fails are left out)."""
    from biodl.data.molecules import rdkit_chem

    if not all(g.smiles is not None for g in parts.values()):
        return []
    chem = rdkit_chem()
    seen: dict[str, list[tuple[str, str, str]]] = {}  # key -> (part, id, canonical SMILES)
    for name, graphs in parts.items():
        for gid, smiles in zip(graphs.ids, graphs.smiles or [], strict=True):
            mol = chem.MolFromSmiles(smiles)
            key = chem.MolToInchiKey(mol) if mol is not None else ""
            if key:
                seen.setdefault(key, []).append((name, gid, smiles))
    groups = [g for g in seen.values() if len({s for _, _, s in g}) > 1]
    within = [g for g in groups if len({p for p, _, _ in g}) == 1]
    across = [g for g in groups if len({p for p, _, _ in g}) > 1]

    def show(group: list[tuple[str, str, str]]) -> str:
        return " = ".join(f"{p}:{i} {s}" for p, i, s in group[:3])

    out = []
    if across:
        out.append(
            Finding(
                "warning",
                f"{len(across)} compounds appear in more than one part under different SMILES "
                "(same standard InChIKey), e.g. "
                f"{'; '.join(show(g) for g in across[:N_EXAMPLES])}.",
                "These are one compound written two ways (tautomers, charge forms): remove them "
                "from the evaluation parts, or split with --split scaffold.",
                "inchikey_overlap",
            )
        )
    if within:
        out.append(
            Finding(
                "info",
                f"{len(within)} compounds appear more than once within a part under different "
                f"SMILES (same standard InChIKey), e.g. "
                f"{'; '.join(show(g) for g in within[:N_EXAMPLES])}.",
                "Check whether their labels agree; keep one row per compound or average them.",
                "inchikey_duplicates",
            )
        )
    return out


def _summarise(
    name: str, graphs: GraphSet, labels: pd.DataFrame | None, hashes: list[bytes], task: str | None
) -> GraphPart:
    nodes, edges = graphs.n_nodes, graphs.n_edges
    bins, counts = integer_histogram(nodes)
    empty = np.flatnonzero(edges == 0)
    return GraphPart.build(
        name,
        graphs,
        hashes,
        labels,
        task,  # type: ignore[arg-type]
        nodes_min=float(nodes.min()),
        nodes_median=float(np.median(nodes)),
        nodes_max=float(nodes.max()),
        edges_median=float(np.median(edges)),
        edges_max=float(edges.max()),
        node_edges=bins,
        node_counts=counts,
        no_edges=len(empty),
        no_edges_examples=[graphs.ids[i] for i in empty[:N_EXAMPLES]],
    )


def inspect_graphs(
    parts: Mapping[str, GraphSet],
    labels: Mapping[str, pd.DataFrame | None],
    *,
    task: str = "auto",
    unreadable: Mapping[str, Sequence[str]] | None = None,
) -> Inspection:
    """Summarise graphs before training and list what to fix.

    Parameters
    ----------
    parts : mapping of str to GraphSet
        Named parts in order (the first is the training part).
    labels : mapping of str to DataFrame or None
        The label table of each part (None when unlabelled).
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}, default "auto"
    unreadable : mapping of str to sequence of str, optional
        Per part, the molecules RDKit could not read (``'line N: SMILES'``), dropped from
        ``parts`` by the reader.

    Returns
    -------
    Inspection
        Part summaries (:class:`GraphPart`), identical graphs across parts, findings, and a
        histogram of the nodes per graph of each part.
    """
    check_arguments(GRAPHS, parts, task)
    resolved = resolve_task([labels.get(name) for name in parts], task)
    hashes = {name: graph_hashes(graphs) for name, graphs in parts.items()}
    summaries = [
        _summarise(name, graphs, labels.get(name), hashes[name], resolved)
        for name, graphs in parts.items()
    ]
    overlaps = find_overlaps({name: (g.ids, hashes[name]) for name, g in parts.items()})
    figures: list[Histogram] = [
        part_histogram(
            p,
            "Graph sizes",
            caption="Number of graphs per number of nodes.",
            xlabel="Nodes",
            unit="graphs",
            edges=p.node_edges,
            counts=p.node_counts,
            marker=p.nodes_median,
        )
        for p in summaries
    ]
    identity = (
        "Two molecules are identical when their canonical SMILES are equal; two other graphs "
        "when their node codes and edges (with codes) are equal, node for node."
    )
    return assemble(
        GRAPHS,
        resolved,
        summaries,
        overlaps,
        identity=identity,
        part_findings=_part_findings,
        before=unreadable_findings(unreadable or {}, {n: len(g) for n, g in parts.items()}),
        after=inchikey_findings(parts),
        figures=figures,
    )
