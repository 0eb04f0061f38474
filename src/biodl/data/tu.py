"""TU-format graph datasets (MUTAG, PROTEINS, ...) read into a :class:`~biodl.data.graphs.GraphSet`.

A TU dataset is a folder of comma-separated text files named ``DS_<part>.txt``:

- ``DS_A.txt`` (one line per directed edge: ``node, node``, nodes numbered 1..n over the whole
  dataset), ``DS_graph_indicator.txt`` (n lines: the graph 1..N of each node) and
  ``DS_graph_labels.txt`` (N lines: each graph's label) are required;
- ``DS_node_labels.txt`` (n lines), ``DS_node_attributes.txt`` (n lines of numbers),
  ``DS_edge_labels.txt`` and ``DS_edge_attributes.txt`` (one line per line of ``DS_A.txt``) are
  optional.

Counts that disagree (a label file with a line too many, an edge naming node 4000 of 3371, an
edge joining two graphs, a graph without nodes) are one :class:`~biodl.errors.DataError` naming
the file and the line. Node and edge labels become integer codes (the label values in sorted
order when a value is negative, else the values), graph labels a one-column table ``label``.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "T_A.txt").write_text("1, 2\\n2, 1\\n")
>>> _ = (folder / "T_graph_indicator.txt").write_text("1\\n1\\n2\\n")
>>> _ = (folder / "T_graph_labels.txt").write_text("1\\n-1\\n")
>>> graphs, labels = read_tu(folder)
>>> graphs.n_nodes.tolist(), labels["label"].tolist()
([2, 1], [1, -1])
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from biodl.data.graphs import GraphSet
from biodl.errors import DataError

__all__ = ["looks_like_tu", "read_tu", "tu_prefix"]

_REQUIRED = ("A", "graph_indicator", "graph_labels")


def tu_prefix(folder: Path) -> str | None:
    """The dataset name ``DS`` of a folder holding ``DS_A.txt`` and its companions, or None."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*_A.txt")):
        prefix = path.name[: -len("_A.txt")]
        if all((folder / f"{prefix}_{part}.txt").is_file() for part in _REQUIRED):
            return prefix
    return None


def looks_like_tu(path: Path) -> bool:
    """Whether ``path`` is a TU dataset folder (or one of its ``_A.txt`` files)."""
    path = Path(path)
    if path.is_file() and path.name.endswith("_A.txt"):
        path = path.parent
    return tu_prefix(path) is not None


def read_tu(path: str | Path) -> tuple[GraphSet, pd.DataFrame]:
    """Read a TU dataset folder: the graphs and their labels (column ``label``).

    Parameters
    ----------
    path : str or Path
        The folder (or its ``DS_A.txt``).

    Returns
    -------
    graphs : GraphSet
        Node codes: ``node_labels`` (or one constant field when there are none); values:
        ``node_attributes``; edge codes: ``edge_labels``; edge values: ``edge_attributes``.
        Ids are ``DS_1``, ``DS_2``, ... (graph numbers of the files).
    labels : DataFrame
        One row per graph, column ``label`` (``graph_attributes`` when there are no graph
        labels is not supported: TU regression sets name their values there).

    Raises
    ------
    DataError
        Naming the file and the line, when counts disagree or a value is not a number.
    """
    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    prefix = tu_prefix(folder)
    if prefix is None:
        raise DataError(
            f"{folder}: not a TU graph folder; expected DS_A.txt, DS_graph_indicator.txt and "
            "DS_graph_labels.txt (see docs/graphs.md)"
        )

    def file(part: str) -> Path:
        return folder / f"{prefix}_{part}.txt"

    indicator = _column(file("graph_indicator"), np.int64)
    n = len(indicator)
    _check_indicator(indicator, file("graph_indicator"))
    n_graphs = int(indicator[-1]) if n else 0
    labels = _numbers(file("graph_labels"), 1, np.float64)[:, 0]
    _check_count(file("graph_labels"), len(labels), n_graphs, "graphs", file("graph_indicator"))
    edges = _numbers(file("A"), 2, np.int64)
    _check_edges(edges, indicator, file("A"))

    node_codes, node_fields = _codes(file("node_labels"), n, file("graph_indicator"), "label")
    if node_codes is None:
        node_codes, node_fields = np.zeros((n, 1), dtype=np.int32), ("constant",)
    edge_codes, edge_fields = _codes(file("edge_labels"), len(edges), file("A"), "label")
    if edge_codes is None:
        edge_codes, edge_fields = np.zeros((len(edges), 0), dtype=np.int32), ()
    node_values = _values(file("node_attributes"), n, file("graph_indicator"))
    edge_values = _values(file("edge_attributes"), len(edges), file("A"))

    graph_of_edge = indicator[edges[:, 0] - 1]
    order = np.argsort(graph_of_edge, kind="stable")
    node_offsets = np.searchsorted(indicator, np.arange(1, n_graphs + 2)).astype(np.int64)
    edge_offsets = np.searchsorted(graph_of_edge[order], np.arange(1, n_graphs + 2))
    local = edges[order] - 1 - node_offsets[graph_of_edge[order] - 1][:, None]
    as_int = np.all(labels == np.round(labels))
    table = pd.DataFrame({"label": labels.astype(np.int64) if as_int else labels})
    graphs = GraphSet(
        ids=[f"{prefix}_{k}" for k in range(1, n_graphs + 1)],
        node_offsets=node_offsets,
        edge_offsets=edge_offsets.astype(np.int64),
        node_codes=node_codes,
        node_values=node_values,
        edges=local.astype(np.int32),
        edge_codes=edge_codes[order],
        edge_values=edge_values[order],
        node_fields=node_fields,
        edge_fields=edge_fields,
        value_names=tuple(f"attribute_{k}" for k in range(node_values.shape[1])),
        edge_value_names=tuple(f"attribute_{k}" for k in range(edge_values.shape[1])),
        source=str(folder),
    )
    return graphs, table


def _numbers(path: Path, width: int | None, dtype: type) -> np.ndarray:
    """A comma-separated file of numbers, ``(lines, width)``; a bad line is named."""
    try:
        table = pd.read_csv(path, header=None, sep=",", skipinitialspace=True, dtype=np.float64)
    except pd.errors.EmptyDataError:
        return np.zeros((0, width or 0), dtype=dtype)
    except (ValueError, pd.errors.ParserError):
        raise _bad_line(path, width) from None
    values = table.to_numpy()
    if (width is not None and values.shape[1] != width) or np.isnan(values).any():
        raise _bad_line(path, width)
    if dtype is np.int64 and not np.all(values == np.round(values)):
        raise _bad_line(path, width, integers=True)
    return values.astype(dtype)


def _column(path: Path, dtype: type) -> np.ndarray:
    return _numbers(path, 1, dtype)[:, 0]


def _bad_line(path: Path, width: int | None, *, integers: bool = False) -> DataError:
    """The first line of ``path`` that is not ``width`` numbers (integers when asked)."""
    with path.open(encoding="utf-8", errors="replace") as stream:  # a bad byte is shown
        for number, line in enumerate(stream, start=1):
            fields = [f.strip() for f in line.strip().split(",")]
            try:
                values = [float(f) for f in fields]
            except ValueError:
                values = []
            wrong = not values or (width is not None and len(values) != width)
            if wrong or (integers and any(v != round(v) for v in values)):
                what = "integers" if integers else "numbers"
                expected = f"{width} comma-separated {what}" if width else f"comma-separated {what}"
                return DataError(f"{path} line {number}: expected {expected}, got {line.strip()!r}")
    return DataError(f"{path}: could not be read as comma-separated numbers")


def _check_indicator(indicator: np.ndarray, path: Path) -> None:
    """Graph numbers must start at 1, never decrease and never skip a graph."""
    if not len(indicator):
        raise DataError(f"{path}: no nodes; a TU dataset needs at least one graph")
    steps = np.diff(indicator, prepend=0)
    bad = np.flatnonzero((steps < 0) | (steps > 1))
    if len(bad):
        line = int(bad[0]) + 1
        previous = int(indicator[bad[0] - 1]) if bad[0] else 0
        got = int(indicator[bad[0]])
        if got > previous + 1:
            problem = f"graph {previous + 1} has no nodes (graph {got} follows graph {previous})"
            fix = "remove empty graphs and renumber, or give each graph its nodes"
        else:
            problem = f"graph {got} after graph {previous}; nodes must be listed graph by graph"
            fix = "sort the nodes by graph"
        raise DataError(f"{path} line {line}: {problem}; {fix}")


def _check_count(path: Path, got: int, expected: int, what: str, reference: Path) -> None:
    if got != expected:
        line = min(got, expected) + 1
        raise DataError(
            f"{path} line {line}: {got} lines, but {reference.name} has {expected} {what}; "
            f"each of the {expected} {what} needs exactly one line"
        )


def _check_edges(edges: np.ndarray, indicator: np.ndarray, path: Path) -> None:
    n = len(indicator)
    outside = np.flatnonzero((edges < 1).any(axis=1) | (edges > n).any(axis=1))
    if len(outside):
        k = int(outside[0])
        raise DataError(
            f"{path} line {k + 1}: edge {edges[k, 0]}, {edges[k, 1]} names a node outside "
            f"1..{n} (the nodes of the graph indicator file); fix the node numbers"
        )
    across = np.flatnonzero(indicator[edges[:, 0] - 1] != indicator[edges[:, 1] - 1])
    if len(across):
        k = int(across[0])
        raise DataError(
            f"{path} line {k + 1}: edge {edges[k, 0]}, {edges[k, 1]} joins graph "
            f"{indicator[edges[k, 0] - 1]} and graph {indicator[edges[k, 1] - 1]}; an edge "
            "must stay inside one graph"
        )


def _codes(
    path: Path, expected: int, reference: Path, name: str
) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """Integer labels (one or more columns) as codes: the values themselves when none is
    negative (so two folders of one dataset agree), else their rank among the values."""
    if not path.is_file():
        return None, ()
    values = _numbers(path, None, np.int64)
    _check_count(path, len(values), expected, "lines" if "A" in reference.name else "nodes",
                 reference)  # fmt: skip
    codes: np.ndarray = np.empty(values.shape, dtype=np.int32)
    for j in range(values.shape[1]):
        column = values[:, j]
        ranked = np.unique(column, return_inverse=True)[1].reshape(-1)
        codes[:, j] = column if column.min(initial=0) >= 0 else ranked
    width = int(codes.shape[-1])
    names = (name,) if width == 1 else tuple(f"{name}_{j}" for j in range(width))
    return codes, names


def _values(path: Path, expected: int, reference: Path) -> np.ndarray:
    if not path.is_file():
        return np.zeros((expected, 0), dtype=np.float32)
    values = _numbers(path, None, np.float64)
    _check_count(path, len(values), expected, "lines" if "A" in reference.name else "nodes",
                 reference)  # fmt: skip
    return values.astype(np.float32)
