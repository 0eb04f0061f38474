"""Weisfeiler–Lehman subtree features of graphs (Shervashidze et al. 2011), for the baselines.

Each node starts with a label made of its codes (``GraphSet.node_codes``); at each of
``iterations`` rounds its label becomes a hash of its own label and the multiset of its
neighbours' labels (with the label of the edge to each neighbour, when edges have codes). A
graph's features are how often each label (of every round, the starting one included) occurs
in it: the WL subtree kernel is the dot product of these vectors.

The labels are 64-bit hashes computed with array operations (no Python loop over nodes), so the
same subtree gets the same label in every part; :class:`WLFeatures` keeps the labels seen in
the training graphs as columns, and labels seen only in other parts are dropped.

Examples
--------
>>> import numpy as np
>>> from biodl.data.graphs import GraphSet
>>> path = GraphSet.from_lists(ids=["p"], node_codes=[np.zeros(3)],
...                            edges=[np.array([[0, 1], [1, 0], [1, 2], [2, 1]])])
>>> features = WLFeatures.fit(path, iterations=1)
>>> features(path).toarray().tolist()  # 3 nodes; 2 ends and 1 middle after one round
[[3.0, 2.0, 1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from biodl.data.graphs import GraphSet

__all__ = ["WLFeatures", "wl_labels"]

_SALT = np.uint64(0x632BE59BD9B4E019)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a well-spread 64-bit hash of each value."""
    z = values.astype(np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def wl_labels(graphs: GraphSet, iterations: int) -> list[np.ndarray]:
    """The ``(nodes,)`` uint64 label of every node at rounds 0..``iterations``.

    Parameters
    ----------
    graphs : GraphSet
    iterations : int
        Rounds of relabelling (the subtree height).
    """
    label = np.zeros(len(graphs.node_codes), dtype=np.uint64)
    for column in graphs.node_codes.T:
        label = _mix(label ^ _mix(column.astype(np.uint64) + np.uint64(1)))
    rounds = [label]
    if iterations == 0:
        return rounds
    graph_of_edge = np.repeat(np.arange(len(graphs)), graphs.n_edges)
    first = graphs.node_offsets[graph_of_edge]
    source = graphs.edges[:, 0].astype(np.int64) + first
    target = graphs.edges[:, 1].astype(np.int64) + first
    edge_label = np.zeros(len(source), dtype=np.uint64)
    for column in graphs.edge_codes.T:
        edge_label = _mix(edge_label ^ _mix(column.astype(np.uint64) + np.uint64(7)))
    with np.errstate(over="ignore"):
        for _ in range(iterations):
            # The neighbour's hash is salted so that it never cancels the node's own label.
            message = _mix(_mix(label[source] ^ _SALT) + edge_label)
            total = np.zeros(len(label), dtype=np.uint64)
            np.add.at(total, target, message)  # a sum of hashes: order-free multiset hash
            label = _mix(label * np.uint64(0x9E3779B97F4A7C15) + total)
            rounds.append(label)
    return rounds


@dataclass
class WLFeatures:
    """WL subtree counts over the labels seen in the training graphs (see module docstring).

    Attributes
    ----------
    iterations : int
    vocabulary : dict of int to int
        Label hash -> column.
    description : str
    """

    iterations: int
    vocabulary: dict[int, int]
    description: str

    @classmethod
    def fit(cls, train: GraphSet, *, iterations: int = 3) -> WLFeatures:
        """Columns for every label of the training graphs, in order of first occurrence."""
        labels = np.concatenate(wl_labels(train, iterations))
        unique, first = np.unique(labels, return_index=True)
        ordered = unique[np.argsort(first, kind="stable")]
        vocabulary = {int(h): k for k, h in enumerate(ordered.tolist())}
        text = (
            f"Weisfeiler–Lehman subtree counts ({iterations} iterations, "
            f"{len(vocabulary)} labels seen in training)"
        )
        return cls(iterations, vocabulary, text)

    def __call__(self, part: GraphSet) -> sp.csr_matrix:
        """``(graphs, labels)`` sparse counts of each training label in each graph."""
        labels = np.concatenate(wl_labels(part, self.iterations))
        graph = np.tile(np.repeat(np.arange(len(part)), part.n_nodes), self.iterations + 1)
        keys = np.array(list(self.vocabulary), dtype=np.uint64)
        columns = np.array(list(self.vocabulary.values()), dtype=np.int64)
        order = np.argsort(keys)
        keys, columns = keys[order], columns[order]
        position = np.searchsorted(keys, labels)
        position[position == len(keys)] = 0
        known = keys[position] == labels if len(keys) else np.zeros(len(labels), dtype=bool)
        counts = sp.csr_matrix(
            (np.ones(int(known.sum())), (graph[known], columns[position[known]])),
            shape=(len(part), len(self.vocabulary)),
        )
        counts.sum_duplicates()
        return counts
