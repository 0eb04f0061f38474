"""The values of expression matrices: statistics in one pass, and a digest of each sample.

:func:`matrix_stats` scans a dense matrix in blocks of rows (a sparse one through its stored
values) for the range, negative and non-finite values, sample totals and an even sample of
values; :mod:`biodl.data.checks.expression_findings` judges them. :func:`row_hashes` digests
each sample's values (over :func:`common_genes` to compare parts).

Examples
--------
>>> import numpy as np
>>> stats = matrix_stats(np.array([[1.0, np.nan], [3.0, 4.0]], dtype="float32"))
>>> stats.nonfinite, stats.nonfinite_cells, stats.totals.tolist()
(1, [(0, 1)], [1.0, 7.0])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from biodl.data.checks.common import N_EXAMPLES, digest
from biodl.data.expression import ExpressionSet

__all__ = ["PROBE", "MatrixStats", "common_genes", "matrix_stats", "row_hashes"]

PROBE = 100_000  # values kept for the value histogram
_BLOCK_ROWS = 4096
_BLOCK_VALUES = 1 << 24  # values made dense and hashed at a time (64 MB of float32)


@dataclass
class MatrixStats:
    """What one pass over a matrix ``(n_samples, n_genes)`` finds.

    Attributes
    ----------
    minimum, mean, maximum : float
        Of the finite values (a sparse matrix's implicit zeros included); NaN when none.
    negative, nonfinite : int
        Counts of negative and of NaN / infinite values.
    nonfinite_rows : ndarray of int
        The samples (rows) holding a non-finite value.
    nonfinite_cells : list of (int, int)
        Up to 5 ``(row, column)`` of non-finite values.
    totals : (n_samples,) float64
        Each row's sum of its finite values.
    density : float
        Fraction of finite, non-zero values.
    probe : ndarray
        At most :data:`PROBE` finite values, evenly spaced (stored values of a sparse matrix).
    """

    minimum: float
    mean: float
    maximum: float
    negative: int
    nonfinite: int
    nonfinite_rows: np.ndarray
    nonfinite_cells: list[tuple[int, int]]
    totals: np.ndarray
    density: float
    probe: np.ndarray


def matrix_stats(X: np.ndarray | sp.spmatrix) -> MatrixStats:
    """Statistics of ``X`` (dense or sparse), in blocks of rows; see :class:`MatrixStats`."""
    if sp.issparse(X):
        return _sparse_stats(sp.csr_matrix(X))
    n, g = X.shape
    low, high, negative, nonzero, finite_count = math.inf, -math.inf, 0, 0, 0
    totals = np.zeros(n, dtype=np.float64)
    bad_rows: list[np.ndarray] = []
    cells: list[tuple[int, int]] = []
    for start in range(0, n, _BLOCK_ROWS):
        block = np.asarray(X[start : start + _BLOCK_ROWS], dtype=np.float32)
        finite = np.isfinite(block)
        values = np.where(finite, block, np.float32(0.0))
        totals[start : start + len(block)] = values.sum(axis=1, dtype=np.float64)
        if finite.any():
            low = min(low, float(np.where(finite, block, np.inf).min()))
            high = max(high, float(np.where(finite, block, -np.inf).max()))
        negative += int((values < 0).sum())
        nonzero += int((values != 0).sum())
        finite_count += int(finite.sum())
        if not finite.all():
            bad = np.argwhere(~finite)
            bad_rows.append(np.unique(bad[:, 0]) + start)
            cells += [(int(r) + start, int(c)) for r, c in bad[: N_EXAMPLES - len(cells)]]
    flat = np.asarray(X).reshape(-1)
    probe = flat[:: flat.size // PROBE + 1] if flat.size else flat
    return MatrixStats(
        minimum=low if finite_count else math.nan,
        mean=float(totals.sum() / finite_count) if finite_count else math.nan,
        maximum=high if finite_count else math.nan,
        negative=negative,
        nonfinite=n * g - finite_count,
        nonfinite_rows=np.concatenate(bad_rows) if bad_rows else np.zeros(0, np.int64),
        nonfinite_cells=cells,
        totals=totals,
        density=nonzero / max(n * g, 1),
        probe=probe[np.isfinite(probe)].astype(np.float64),
    )


def _sparse_stats(X: sp.csr_matrix) -> MatrixStats:
    n, g = X.shape
    data = np.asarray(X.data)
    rows = np.repeat(np.arange(n), np.diff(X.indptr))
    finite = np.isfinite(data)
    values = np.where(finite, data, 0.0)
    implicit = n * g > X.nnz  # zeros that are not stored
    kept = data[finite]
    low = min([float(kept.min())] if kept.size else [], default=math.inf)
    high = max([float(kept.max())] if kept.size else [], default=-math.inf)
    if implicit:
        low, high = min(low, 0.0), max(high, 0.0)
    totals = np.bincount(rows, weights=values, minlength=n).astype(np.float64)
    bad = np.flatnonzero(~finite)
    count = n * g - len(bad)
    return MatrixStats(
        minimum=low if count else math.nan,
        mean=float(totals.sum() / count) if count else math.nan,
        maximum=high if count else math.nan,
        negative=int((values < 0).sum()),
        nonfinite=len(bad),
        nonfinite_rows=np.unique(rows[bad]),
        nonfinite_cells=[(int(rows[k]), int(X.indices[k])) for k in bad[:N_EXAMPLES]],
        totals=totals,
        density=int((values != 0).sum()) / max(n * g, 1),
        probe=kept[:: kept.size // PROBE + 1].astype(np.float64) if kept.size else kept,
    )


def common_genes(parts: Mapping[str, ExpressionSet]) -> list[str]:
    """Genes of the first part that every part has, in the first part's order."""
    first = next(iter(parts.values()))
    shared = set(first.genes)
    for data in parts.values():
        shared &= set(data.genes)
    return [g for g in dict.fromkeys(first.genes) if g in shared]


def row_hashes(data: ExpressionSet, genes: list[str] | None) -> list[bytes]:
    """A digest of each sample's values, over ``genes`` (None: all of the part's genes)."""
    X = data.X
    if genes is not None and genes != list(data.genes):
        X = X[:, _first_of(pd.Index(data.genes), genes)]
    # Dense float32 rows whatever the storage, so a sparse and a dense copy hash alike;
    # a block holds at most _BLOCK_VALUES values.
    rows = max(1, _BLOCK_VALUES // max(X.shape[1], 1))
    out: list[bytes] = []
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        dense = block.toarray() if isinstance(block, sp.spmatrix) else block
        dense = np.ascontiguousarray(dense, dtype=np.float32)
        out += [digest(row.data) for row in dense]
    return out


def _first_of(index: pd.Index, genes: list[str]) -> np.ndarray:
    """Positions of the first occurrence of each of ``genes`` in ``index``."""
    first = ~index.duplicated()
    positions = np.flatnonzero(first)
    found: np.ndarray = positions[index[first].get_indexer(pd.Index(genes))]
    return found
