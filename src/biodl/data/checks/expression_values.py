"""The values of expression matrices: statistics in one pass, and whether their scale fits.

:func:`matrix_stats` scans a dense matrix in blocks of rows (a sparse one through its stored
values) for the range, negative and non-finite values, sample totals and an even sample of
values. :func:`scale_findings` compares the value scale of each part
(:func:`~biodl.data.preprocess.value_scale`) with the preprocessing training would apply
(``--log1p``, ``--normalize``) and with the first part.

Examples
--------
>>> import numpy as np
>>> stats = matrix_stats(np.array([[1.0, np.nan], [3.0, 4.0]], dtype="float32"))
>>> stats.nonfinite, stats.nonfinite_cells, stats.totals.tolist()
(1, [(0, 1)], [1.0, 7.0])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from biodl.data.checks.common import N_EXAMPLES
from biodl.data.checks.result import Finding, format_number
from biodl.data.preprocess import TARGET_SUM, Log1pOption

__all__ = ["PROBE", "MatrixStats", "matrix_stats", "scale_findings"]

PROBE = 100_000  # values kept for the value histogram
TOTAL_SPREAD = 10.0  # largest / smallest sample total above which the spread is reported
_BLOCK_ROWS = 4096


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


class _Part(Protocol):
    name: str
    value_scale: str
    maximum: float
    negative: int
    total_min: float
    total_max: float


def scale_findings(
    parts: Sequence[_Part],
    *,
    log1p: Log1pOption = "auto",
    normalize: bool | None = None,
) -> list[Finding]:
    """Findings on the value scale: what training does with it, and where it does not fit.

    Parameters
    ----------
    parts : sequence of ExpressionPart
        The part summaries, the first being the training part.
    log1p, normalize
        ``--log1p`` and ``--normalize`` as training would get them.
    """
    first = parts[0]
    kind, top = first.value_scale, format_number(first.maximum)
    unlogged = kind in ("counts", "intensities")
    logs = unlogged if log1p == "auto" else bool(log1p)
    normalises = kind == "counts" if normalize is None else bool(normalize)
    out: list[Finding] = []
    if unlogged and not logs:
        out.append(
            Finding(
                "warning",
                f"{first.name}: values look like unlogged {kind} (max {top}) but --log1p false "
                "keeps them as they are.",
                "Use --log1p auto (the default) so training logs them; networks and the "
                "baseline expect log-scale values.",
                "scale",
            )
        )
    elif kind == "log" and logs:
        out.append(
            Finding(
                "warning",
                f"{first.name}: values look log-transformed already (max {top}) but --log1p "
                "true logs them again.",
                "Pass --log1p auto (or false).",
                "scale",
            )
        )
    elif unlogged:
        steps = (
            f"normalises each sample to a total of {TARGET_SUM:,.0f} and applies log1p "
            "(--normalize and --log1p auto)"
            if normalises
            else "applies log1p (--log1p auto)"
        )
        negatives = (
            f", after setting the {first.negative} negative values to 0" if first.negative else ""
        )
        out.append(
            Finding(
                "info",
                f"{first.name}: values look like unlogged {kind} (max {top}); training "
                f"{steps}{negatives}.",
                "Nothing to do for raw values; if they were normalised or logged already, pass "
                + ("--no-normalize or --log1p false." if normalises else "--log1p false."),
                "scale",
            )
        )
    if (
        kind == "counts"
        and first.total_min > 0
        and first.total_max / first.total_min > TOTAL_SPREAD
    ):
        out.append(
            Finding(
                "info",
                f"{first.name}: sample totals range from {format_number(first.total_min)} to "
                f"{format_number(first.total_max)} "
                f"({first.total_max / first.total_min:.0f}-fold).",
                "Library-size normalisation (--normalize, on by default for counts) evens this "
                "out; look at the smallest samples for failed libraries.",
                "library_size",
            )
        )
    for part in parts[1:]:
        if part.value_scale != kind:
            out.append(
                Finding(
                    "warning",
                    f"{part.name} values look like {part.value_scale} but {first.name} values "
                    f"look like {kind}.",
                    "Give every part on the same scale (all raw or all log values); the "
                    f"preprocessing fitted on {first.name} is applied unchanged to the others.",
                    "scale_differs",
                )
            )
    return out
