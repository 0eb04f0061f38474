"""Per-variable summary statistics of (possibly irregular, possibly missing) time series.

The classical baseline for clinical and physiological series is a gradient-boosted or
logistic model on a handful of statistics per variable: mean, min, max, last value, number of
observations and the least-squares slope over the window, plus an indicator that the variable
was never observed. :func:`summary_features` computes them from a dense ``(n, V, T)`` array
(``NaN`` = missing); :func:`summary_from_observations` computes the same from compact
observation lists (record, variable, time, value), so irregular records never need a dense
grid. Both share one vectorised engine (``np.bincount`` and ``np.*.reduceat`` over observations
sorted by group and time), so they agree exactly.

Missing statistics (a variable never observed, or a slope from fewer than two times) are
imputed: slopes by 0 (no trend), the others by a per-column fill value — the column median of
the rows passed, or ``fill`` from a previous call (pass the training features' ``fill`` when
building validation or test features, so nothing is learned from them).

Examples
--------
>>> import numpy as np
>>> values = np.array([[[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]]])  # 1 record, 2 vars
>>> feats = summary_features(values, names=["hr", "lactate"])
>>> feats.names[:6]
('hr_mean', 'hr_min', 'hr_max', 'hr_last', 'hr_count', 'hr_slope')
>>> feats.X[0, :7].tolist()
[2.0, 1.0, 3.0, 3.0, 2.0, 1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from biodl.errors import DataError

__all__ = ["SUMMARY_STATS", "SummaryFeatures", "summary_features", "summary_from_observations"]

#: The statistics computed per variable, in column order.
SUMMARY_STATS: tuple[str, ...] = ("mean", "min", "max", "last", "count", "slope", "missing")
_N_STATS = len(SUMMARY_STATS)
_SLOPE = SUMMARY_STATS.index("slope")
_NO_FILL = (SUMMARY_STATS.index("count"), _SLOPE, SUMMARY_STATS.index("missing"))


@dataclass(frozen=True)
class SummaryFeatures:
    """Summary statistics, one row per record.

    Attributes
    ----------
    X : (n, V * 7) float64 ndarray
        Columns grouped by variable, in the order of :data:`SUMMARY_STATS` (mean, min, max,
        last, count, slope, missing); no NaN (imputed, see the module docstring).
    names : tuple of str
        Column names ``"<variable>_<stat>"``.
    fill : (V * 7,) float64 ndarray
        The values used to impute missing statistics; pass it as ``fill=`` when building
        features of other records with the same variables.
    """

    X: np.ndarray
    names: tuple[str, ...]
    fill: np.ndarray


def summary_features(
    values: np.ndarray,
    times: np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
    fill: np.ndarray | None = None,
) -> SummaryFeatures:
    """Summary statistics of dense series with missing values.

    Parameters
    ----------
    values : (n, V, T) float ndarray
        ``n`` records, ``V`` variables, ``T`` time points; ``NaN`` marks a missing value.
        A 2-D ``(n, T)`` array is read as one variable.
    times : (T,) or (n, T) float ndarray, optional
        Time of each column (shared, or per record); default ``0, 1, ..., T-1``. Slopes are in
        value units per time unit.
    names : sequence of str, optional
        Variable names for the feature names; default ``"v0", "v1", ...``.
    fill : (V * 7,) ndarray, optional
        Imputation values from an earlier call (training records); default: medians of the
        rows given.

    Returns
    -------
    SummaryFeatures

    Raises
    ------
    DataError
        If the shapes of ``values``, ``times``, ``names`` or ``fill`` disagree.

    Examples
    --------
    >>> import numpy as np
    >>> summary_features(np.arange(6.0).reshape(2, 1, 3)).X[:, 5].tolist()  # slopes
    [1.0, 1.0]
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2:
        values = values[:, None, :]
    if values.ndim != 3:
        raise DataError(
            f"summary features: expected values of shape (records, variables, time), got "
            f"{values.shape}. Reshape the array."
        )
    n, n_vars, length = values.shape
    grid = _times(times, n, length)
    rec, var, col = np.nonzero(np.isfinite(values))
    t = grid[rec, col] if grid.ndim == 2 else grid[col]
    return summary_from_observations(
        rec, var, t, values[rec, var, col], n_records=n, n_variables=n_vars, names=names, fill=fill
    )


def summary_from_observations(
    record: np.ndarray,
    variable: np.ndarray,
    time: np.ndarray,
    value: np.ndarray,
    *,
    n_records: int,
    n_variables: int,
    names: Sequence[str] | None = None,
    fill: np.ndarray | None = None,
) -> SummaryFeatures:
    """Summary statistics of irregular observations given as parallel arrays.

    Parameters
    ----------
    record, variable : (m,) int ndarrays
        Record index (``0..n_records-1``) and variable index (``0..n_variables-1``) of each
        observation.
    time, value : (m,) float ndarrays
        Time and (finite) value of each observation, in any order.
    n_records, n_variables : int
        Output rows and variables (records or variables without observations are allowed).
    names, fill
        As in :func:`summary_features`.

    Returns
    -------
    SummaryFeatures

    Examples
    --------
    >>> import numpy as np
    >>> f = summary_from_observations(np.array([0, 0]), np.array([0, 0]), np.array([2.0, 1.0]),
    ...                               np.array([5.0, 4.0]), n_records=1, n_variables=1)
    >>> float(f.X[0, 3])  # the last value is the one at the latest time
    5.0
    """
    names = _names(names, n_variables)
    n_groups = n_records * n_variables
    group = np.asarray(record, dtype=np.int64) * n_variables + np.asarray(variable, np.int64)
    t = np.asarray(time, dtype=np.float64)
    x = np.asarray(value, dtype=np.float64)
    stats = np.full((n_groups, _N_STATS), np.nan)
    count = np.bincount(group, minlength=n_groups).astype(np.float64)
    seen = count > 0
    stats[:, SUMMARY_STATS.index("count")] = count
    stats[:, SUMMARY_STATS.index("missing")] = (~seen).astype(np.float64)
    if group.size:
        _fill_moments(stats, group, t, x, count, n_groups)
        _fill_order_stats(stats, group, t, x, count)
    X = stats.reshape(n_records, n_variables * _N_STATS)
    fill = _fill_values(X, fill)
    missing = np.isnan(X)
    X[missing] = np.broadcast_to(fill, X.shape)[missing]
    columns = tuple(f"{name}_{stat}" for name in names for stat in SUMMARY_STATS)
    return SummaryFeatures(X=X, names=columns, fill=fill)


def _fill_moments(
    stats: np.ndarray,
    group: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    count: np.ndarray,
    n_groups: int,
) -> None:
    """Mean and least-squares slope from per-group sums (times centred per group)."""
    seen = count > 0
    safe = np.where(seen, count, 1.0)
    mean_x = np.bincount(group, x, minlength=n_groups) / safe
    mean_t = np.bincount(group, t, minlength=n_groups) / safe
    dt = t - mean_t[group]
    dx = x - mean_x[group]
    cov = np.bincount(group, dt * dx, minlength=n_groups)
    var = np.bincount(group, dt * dt, minlength=n_groups)
    stats[seen, SUMMARY_STATS.index("mean")] = mean_x[seen]
    sloped = (count >= 2) & (var > 1e-12)
    stats[sloped, _SLOPE] = cov[sloped] / var[sloped]


def _fill_order_stats(
    stats: np.ndarray, group: np.ndarray, t: np.ndarray, x: np.ndarray, count: np.ndarray
) -> None:
    """Min, max and the value at the latest time, via a sort by (group, time)."""
    order = np.lexsort((t, group))
    xs = x[order]
    present = np.flatnonzero(count > 0)
    ends = np.cumsum(count[present]).astype(np.int64)
    starts = ends - count[present].astype(np.int64)
    stats[present, SUMMARY_STATS.index("min")] = np.minimum.reduceat(xs, starts)
    stats[present, SUMMARY_STATS.index("max")] = np.maximum.reduceat(xs, starts)
    stats[present, SUMMARY_STATS.index("last")] = xs[ends - 1]


def _fill_values(X: np.ndarray, fill: np.ndarray | None) -> np.ndarray:
    if fill is not None:
        fill = np.asarray(fill, dtype=np.float64)
        if fill.shape != (X.shape[1],):
            raise DataError(
                f"summary features: fill has shape {fill.shape}, expected ({X.shape[1]},) "
                "(7 statistics per variable). Pass the fill of features built from the same "
                "variables."
            )
        return fill
    out = np.zeros(X.shape[1])
    for k in range(X.shape[1]):
        column = X[:, k]
        finite = column[np.isfinite(column)]
        if k % _N_STATS not in _NO_FILL and finite.size:
            out[k] = float(np.median(finite))
    return out


def _times(times: np.ndarray | None, n: int, length: int) -> np.ndarray:
    if times is None:
        return np.arange(length, dtype=np.float64)
    grid = np.asarray(times, dtype=np.float64)
    if grid.shape not in ((length,), (n, length)):
        raise DataError(
            f"summary features: times has shape {grid.shape}, expected ({length},) or "
            f"({n}, {length}) to match the values. Pass one time per column."
        )
    return grid


def _names(names: Sequence[str] | None, n_variables: int) -> list[str]:
    if names is None:
        return [f"v{k}" for k in range(n_variables)]
    names = [str(name) for name in names]
    if len(names) != n_variables:
        raise DataError(
            f"summary features: {len(names)} names for {n_variables} variables. Pass one "
            "name per variable."
        )
    return names
