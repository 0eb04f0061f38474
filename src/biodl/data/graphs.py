"""Graphs stored compactly: concatenated node and edge arrays plus offsets (no object per graph).

A :class:`GraphSet` holds any number of graphs the way :class:`biodl.data.records.RecordSet`
holds records: every node of every graph in one array, every edge in another, and
``node_offsets``/``edge_offsets`` saying where each graph starts. Nodes and edges carry integer
codes (categorical fields: a TU node label, an atom's element, a bond's type) and float values
(continuous attributes); the network one-hot encodes the codes per batch, so the store stays
small. Edges are directed ``(source, target)`` pairs numbered within their graph (an undirected
bond is stored twice), so taking a subset of graphs never renumbers anything.

:meth:`GraphSet.gather` makes one batch: the selected graphs' arrays concatenated, edges
renumbered to batch positions, and the number of nodes of each graph.

Examples
--------
>>> import numpy as np
>>> g = GraphSet.from_lists(
...     ids=["a", "b"],
...     node_codes=[np.array([[0], [1]]), np.array([[1], [1], [2]])],
...     edges=[np.array([[0, 1], [1, 0]]), np.array([[0, 2], [2, 0]])],
... )
>>> len(g), g.n_nodes.tolist(), g.subset(np.array([1])).ids
(2, [2, 3], ['b'])
>>> g.gather(np.array([1, 0])).edges.tolist()
[[0, 2], [2, 0], [3, 4], [4, 3]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["GraphBatchArrays", "GraphSet", "ranges"]


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + count)`` for each pair, without a Python loop.

    Examples
    --------
    >>> ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    shift = np.repeat(np.asarray(starts, dtype=np.int64) - (ends - counts), counts)
    return np.arange(total, dtype=np.int64) + shift


@dataclass
class GraphBatchArrays:
    """The arrays of a batch of graphs (numbers are batch positions).

    Attributes
    ----------
    n_nodes : (graphs,) int64
    node_codes : (nodes, node fields) int64
    node_values : (nodes, node values) float32
    edges : (edges, 2) int64
        Source and target node of each edge, numbered within the batch.
    edge_codes : (edges, edge fields) int64
    edge_values : (edges, edge values) float32
    """

    n_nodes: np.ndarray
    node_codes: np.ndarray
    node_values: np.ndarray
    edges: np.ndarray
    edge_codes: np.ndarray
    edge_values: np.ndarray


@dataclass
class GraphSet:
    """Graphs in concatenated arrays (see the module docstring).

    Attributes
    ----------
    ids : list of str
        One id per graph.
    node_offsets, edge_offsets : (graphs + 1,) int64
        Graph ``i`` owns nodes ``node_offsets[i]:node_offsets[i + 1]`` (and likewise edges).
    node_codes : (nodes, len(node_fields)) int32
        Categorical node fields, each coded 0, 1, ...
    node_values : (nodes, len(value_names)) float32
        Continuous node attributes (may have no columns).
    edges : (edges, 2) int32
        Source and target of each directed edge, numbered within its graph.
    edge_codes : (edges, len(edge_fields)) int32
    edge_values : (edges, len(edge_value_names)) float32
    node_fields, edge_fields : tuple of str
        Names of the code columns, e.g. ('label',) or ('element', 'degree', ...).
    value_names, edge_value_names : tuple of str
        Names of the value columns.
    source : str
        The file or folder read, for messages.
    smiles : list of str or None
        Molecules: the SMILES each graph was built from (canonical), else None.
    """

    ids: list[str]
    node_offsets: np.ndarray
    edge_offsets: np.ndarray
    node_codes: np.ndarray
    node_values: np.ndarray
    edges: np.ndarray
    edge_codes: np.ndarray
    edge_values: np.ndarray
    node_fields: tuple[str, ...] = ()
    edge_fields: tuple[str, ...] = ()
    value_names: tuple[str, ...] = ()
    edge_value_names: tuple[str, ...] = ()
    source: str = ""
    smiles: list[str] | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_nodes(self) -> np.ndarray:
        """``(graphs,)`` number of nodes of each graph."""
        return np.diff(self.node_offsets)

    @property
    def n_edges(self) -> np.ndarray:
        """``(graphs,)`` number of directed edges of each graph."""
        return np.diff(self.edge_offsets)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (ids and SMILES not counted)."""
        arrays = (self.node_offsets, self.edge_offsets, self.node_codes, self.node_values)
        more = (self.edges, self.edge_codes, self.edge_values)
        return int(sum(a.nbytes for a in arrays + more))

    def subset(self, index: np.ndarray) -> GraphSet:
        """The graphs at ``index``, in that order (arrays copied, edges not renumbered)."""
        index = np.asarray(index, dtype=np.int64)
        nodes = ranges(self.node_offsets[index], self.n_nodes[index])
        edges = ranges(self.edge_offsets[index], self.n_edges[index])
        return GraphSet(
            ids=[self.ids[i] for i in index],
            node_offsets=_offsets(self.n_nodes[index]),
            edge_offsets=_offsets(self.n_edges[index]),
            node_codes=self.node_codes[nodes],
            node_values=self.node_values[nodes],
            edges=self.edges[edges],
            edge_codes=self.edge_codes[edges],
            edge_values=self.edge_values[edges],
            node_fields=self.node_fields,
            edge_fields=self.edge_fields,
            value_names=self.value_names,
            edge_value_names=self.edge_value_names,
            source=self.source,
            smiles=None if self.smiles is None else [self.smiles[i] for i in index],
            extra={k: v[index] for k, v in self.extra.items()},
        )

    def gather(self, index: np.ndarray) -> GraphBatchArrays:
        """One batch of the graphs at ``index``: arrays concatenated, edges renumbered."""
        index = np.asarray(index, dtype=np.int64)
        counts = self.n_nodes[index]
        edge_counts = self.n_edges[index]
        nodes = ranges(self.node_offsets[index], counts)
        edges = ranges(self.edge_offsets[index], edge_counts)
        first = np.repeat(_offsets(counts)[:-1], edge_counts)
        return GraphBatchArrays(
            n_nodes=counts.astype(np.int64),
            node_codes=self.node_codes[nodes].astype(np.int64),
            node_values=self.node_values[nodes],
            edges=self.edges[edges].astype(np.int64) + first[:, None],
            edge_codes=self.edge_codes[edges].astype(np.int64),
            edge_values=self.edge_values[edges],
        )

    @classmethod
    def from_lists(
        cls,
        *,
        ids: Sequence[str],
        node_codes: Sequence[np.ndarray],
        edges: Sequence[np.ndarray],
        edge_codes: Sequence[np.ndarray] | None = None,
        node_fields: tuple[str, ...] = ("label",),
        edge_fields: tuple[str, ...] = (),
        source: str = "",
        smiles: list[str] | None = None,
    ) -> GraphSet:
        """Build from one array per graph (small sets and tests; readers build arrays)."""
        n_nodes = np.array([len(c) for c in node_codes], dtype=np.int64)
        n_edges = np.array([len(e) for e in edges], dtype=np.int64)
        width = len(node_fields)
        codes = np.concatenate([np.asarray(c).reshape(-1, width) for c in node_codes])
        edge_array = np.concatenate([np.asarray(e).reshape(-1, 2) for e in edges])
        ewidth = len(edge_fields)
        if edge_codes is None:
            ecodes = np.zeros((len(edge_array), ewidth), dtype=np.int32)
        else:
            ecodes = np.concatenate([np.asarray(c).reshape(-1, ewidth) for c in edge_codes])
        return cls(
            ids=list(ids),
            node_offsets=_offsets(n_nodes),
            edge_offsets=_offsets(n_edges),
            node_codes=codes.astype(np.int32),
            node_values=np.zeros((len(codes), 0), dtype=np.float32),
            edges=edge_array.astype(np.int32),
            edge_codes=ecodes.astype(np.int32),
            edge_values=np.zeros((len(edge_array), 0), dtype=np.float32),
            node_fields=node_fields,
            edge_fields=edge_fields,
            source=source,
            smiles=smiles,
        )


def _offsets(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out
