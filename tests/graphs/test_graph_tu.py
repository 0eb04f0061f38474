"""TU graph folders: compact store, counts that disagree named by file and line, WL features."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from graph_data import planted_graphs, write_tu

from biodl.data.graphs import GraphSet, ranges
from biodl.data.tu import looks_like_tu, read_tu
from biodl.data.wl import WLFeatures
from biodl.errors import DataError
from biodl.kinds import detect_kind


def test_read_tu_is_compact_and_exact(tu_folder: Path) -> None:
    codes, edges, labels = planted_graphs()
    graphs, table = read_tu(tu_folder)
    assert len(graphs) == 160 and table["label"].tolist() == labels
    assert graphs.n_nodes.tolist() == [len(c) for c in codes]
    assert graphs.node_codes.shape == (sum(len(c) for c in codes), 1)  # one array, not 160
    assert graphs.node_offsets.shape == (161,) and graphs.edges.dtype == np.int32
    k = 7
    own = graphs.edges[graphs.edge_offsets[k] : graphs.edge_offsets[k + 1]]
    assert sorted(map(tuple, own.tolist())) == sorted(map(tuple, edges[k].tolist()))
    assert graphs.node_codes[graphs.node_offsets[k] : graphs.node_offsets[k + 1], 0].tolist() == (
        codes[k].tolist()
    )
    assert looks_like_tu(tu_folder) and detect_kind(tu_folder) == "graph"


def test_subset_and_gather_renumber_only_in_batches(tu_folder: Path) -> None:
    graphs, _ = read_tu(tu_folder)
    part = graphs.subset(np.array([5, 2]))
    assert part.ids == [graphs.ids[5], graphs.ids[2]]
    assert part.n_nodes.tolist() == [graphs.n_nodes[5], graphs.n_nodes[2]]
    batch = part.gather(np.array([1, 0]))
    first = int(graphs.n_nodes[2])
    assert batch.edges[: graphs.n_edges[2]].max() < first  # graph 2 comes first
    assert batch.edges[graphs.n_edges[2] :].min() >= first  # graph 5 after it
    assert ranges(np.array([3, 10]), np.array([2, 0])).tolist() == [3, 4]


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("graph_labels", "1\n-1\n1\n", r"TOY_graph_labels.txt line 3: 3 lines, but "),
        ("A", "1, 2\n2, 1\n1, 9\n", r"TOY_A.txt line 3: edge 1, 9 names a node outside 1..3"),
        ("A", "1, 2\n2, 3\n", r"TOY_A.txt line 2: edge 2, 3 joins graph 1 and graph 2"),
        ("graph_indicator", "1\n1\n3\n", r"line 3: graph 2 has no nodes"),
        ("node_labels", "0\n1\n", r"TOY_node_labels.txt line 3: 2 lines, but "),
        ("A", "1, 2\n2, x\n", r"TOY_A.txt line 2: expected 2 comma-separated numbers, got '2, x'"),
    ],
)
def test_counts_that_disagree_name_file_and_line(
    tmp_path: Path, file: str, content: str, message: str
) -> None:
    folder = write_tu(
        tmp_path / "bad", [np.array([0, 1]), np.array([1])], [np.array([[0, 1], [1, 0]]),
        np.zeros((0, 2), dtype=int)], [1, -1],
    )  # fmt: skip
    (folder / f"TOY_{file}.txt").write_text(content)
    if file == "A":
        (folder / "TOY_edge_labels.txt").unlink()
    with pytest.raises(DataError, match=message):
        read_tu(folder)


def _reference_wl(codes: list[np.ndarray], edges: list[np.ndarray], rounds: int) -> list[Counter]:
    """WL subtree counts with string labels, written plainly (the textbook algorithm)."""
    out = []
    for c, e in zip(codes, edges, strict=True):
        labels = [str(int(v)) for v in c]
        counts = Counter(f"0:{lab}" for lab in labels)
        for r in range(1, rounds + 1):
            neighbours: list[list[str]] = [[] for _ in labels]
            for s, t in e:
                neighbours[t].append(labels[s])
            labels = [
                f"({lab}|{','.join(sorted(nb))})"
                for lab, nb in zip(labels, neighbours, strict=True)
            ]
            counts.update(f"{r}:{lab}" for lab in labels)
        out.append(counts)
    return out


def test_wl_features_match_the_textbook_kernel() -> None:
    codes, edges, _ = planted_graphs(n=30, seed=3)
    graphs = GraphSet.from_lists(ids=[str(i) for i in range(30)], node_codes=codes, edges=edges)
    X = WLFeatures.fit(graphs, iterations=2)(graphs).toarray()
    reference = _reference_wl(codes, edges, 2)
    kernel = np.array([[sum(a[k] * b[k] for k in a) for b in reference] for a in reference])
    assert np.array_equal(X @ X.T, kernel)


def test_wl_columns_come_from_training_graphs_only() -> None:
    train = GraphSet.from_lists(ids=["a"], node_codes=[np.zeros(3)], edges=[np.array([[0, 1]])])
    other = GraphSet.from_lists(ids=["b"], node_codes=[np.full(3, 5)], edges=[np.array([[0, 1]])])
    features = WLFeatures.fit(train, iterations=1)
    assert features(other).nnz == 0 and features(train).sum() == 6
    assert "Weisfeiler–Lehman" in features.description


def test_a_byte_that_is_not_utf8_is_shown_on_its_line(tmp_path: Path) -> None:
    # Naming the bad line reopened the file as strict UTF-8 and escaped as UnicodeDecodeError
    # (found by fuzzing).
    folder = write_tu(tmp_path / "bad", [np.array([0, 1])], [np.array([[0, 1], [1, 0]])], [1])
    (folder / "TOY_A.txt").write_bytes(b"1, 2\n2, \xff\n")
    (folder / "TOY_edge_labels.txt").unlink()
    with pytest.raises(DataError, match=r"TOY_A\.txt line 2: expected 2 comma-separated numbers"):
        read_tu(folder)
