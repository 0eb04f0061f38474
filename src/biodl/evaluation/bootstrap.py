"""Percentile-bootstrap confidence intervals of every metric of a task.

Rows are resampled with replacement; every metric is computed on the same resamples by the
vectorised kernels of :mod:`biodl.evaluation.kernels`, in chunks that keep memory bounded. The
resampling helpers here are shared with the paired comparison of two models
(:mod:`biodl.evaluation.comparison`).

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 0, 1, 1])
>>> scores = np.array([[0.9, 0.1], [0.6, 0.4], [0.35, 0.65], [0.2, 0.8]])
>>> est = bootstrap_metrics("binary", y, scores, n_boot=200)["accuracy"]
>>> est.value
1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from biodl.errors import ConfigError
from biodl.evaluation.kernels import resample_metrics
from biodl.evaluation.metrics import TaskName, check_scores, compute_metrics, metric_names

__all__ = [
    "MetricEstimate",
    "bootstrap_metrics",
    "check_bootstrap",
    "percentile_interval",
    "resamples",
]

#: Resamples are processed in chunks of at most this many (resample, sample) cells.
CHUNK_CELLS = 2_000_000


@dataclass(frozen=True)
class MetricEstimate:
    """A metric on the full data with a percentile-bootstrap confidence interval.

    Parameters
    ----------
    value : float
        The metric on the full data (``nan`` where undefined).
    low, high : float
        Interval bounds: percentiles ``(1 - level) / 2`` and ``(1 + level) / 2`` of the metric
        over the resamples where it is defined (``nan`` if it is defined on none).
    """

    value: float
    low: float
    high: float


def bootstrap_metrics(
    task: TaskName,
    y: np.ndarray,
    scores: np.ndarray,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    threshold: float = 0.5,
) -> dict[str, MetricEstimate]:
    """Every metric of ``task`` with a percentile-bootstrap confidence interval.

    Rows are resampled with replacement ``n_boot`` times; all metrics use the same resamples.
    A resample where a metric is undefined (e.g. AUROC on a resample holding one class) is
    left out of that metric's interval.

    Parameters
    ----------
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    y, scores : numpy.ndarray
        As in :func:`~biodl.evaluation.metrics.compute_metrics`.
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Confidence level of the intervals, in (0, 1).
    seed : int, default 0
        Seed of the resampling; the same seed and data give the same intervals.
    threshold : float, default 0.5
        As in :func:`~biodl.evaluation.metrics.compute_metrics`.

    Returns
    -------
    dict of str to MetricEstimate
        One entry per name in :func:`~biodl.evaluation.metrics.metric_names`.

    Raises
    ------
    DataError
        If ``y`` and ``scores`` do not follow the layout of ``task``.
    ConfigError
        If ``n_boot`` or ``level`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 100)
    >>> p = np.clip(0.3 * y + 0.7 * rng.random(100), 0, 1)
    >>> est = bootstrap_metrics("binary", y, np.c_[1 - p, p], n_boot=200)["auroc"]
    >>> bool(est.low <= est.value <= est.high)
    True
    """
    y, scores = check_scores(task, y, scores)
    check_bootstrap(n_boot, level)
    point = compute_metrics(task, y, scores, threshold=threshold)
    names = metric_names(task)
    boot = {name: np.empty(n_boot) for name in names}
    for start, index in resamples(len(y), n_boot, seed):
        values = resample_metrics(task, y, scores, index, threshold=threshold)
        for name in names:
            boot[name][start : start + len(index)] = values[name]
    result = {}
    for name in names:
        low, high = percentile_interval(boot[name], level)
        result[name] = MetricEstimate(value=point[name], low=low, high=high)
    return result


def check_bootstrap(n_boot: int, level: float) -> None:
    """Refuse a non-positive number of resamples or a level outside (0, 1).

    Raises
    ------
    ConfigError
        If ``n_boot < 1`` or ``level`` is not in (0, 1).
    """
    if n_boot < 1:
        raise ConfigError(f"n_boot: expected a positive number of resamples, got {n_boot}.")
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level: expected a confidence level in (0, 1), got {level}; e.g. 0.95.")


def resamples(n: int, n_boot: int, seed: int) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first resample number, (chunk, n) row indices)`` chunks of bootstrap resamples.

    The same ``seed`` gives the same resamples, whatever uses them: the intervals of one model
    and the paired comparison of two share their rows.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, CHUNK_CELLS // n))
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        yield start, rng.integers(0, n, size=(size, n))


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """Percentiles ``(1 - level) / 2`` and ``(1 + level) / 2`` of the finite ``values``.

    ``(nan, nan)`` when no value is finite (the metric was undefined on every resample).
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, math.nan
    low, high = np.quantile(finite, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)
