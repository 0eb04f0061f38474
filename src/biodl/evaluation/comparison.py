"""Paired-bootstrap comparison of two models on the same examples, and its verdict sentence.

Both score sets are evaluated on the same resamples (:func:`biodl.evaluation.bootstrap.resamples`),
so the interval of the difference accounts for the correlation between them; :func:`verdict`
turns the comparison of a model with its baseline into one plain-English sentence.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1] * 20)
>>> good = np.c_[1 - y * 0.8 - 0.1, y * 0.8 + 0.1]
>>> cmp = paired_bootstrap("binary", y, good, np.full((40, 2), 0.5), metric="auroc")
>>> cmp.difference
0.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from biodl.errors import ConfigError
from biodl.evaluation.bootstrap import check_bootstrap, percentile_interval, resamples
from biodl.evaluation.kernels import resample_metrics
from biodl.evaluation.metrics import (
    METRIC_DIRECTION,
    METRIC_LABELS,
    TaskName,
    check_scores,
    compute_metrics,
    metric_names,
)

__all__ = ["PairedComparison", "paired_bootstrap", "verdict"]


@dataclass(frozen=True)
class PairedComparison:
    """Paired-bootstrap comparison of two sets of scores on the same examples.

    Parameters
    ----------
    metric : str
        The metric compared.
    a, b : float
        The metric of scores ``a`` (usually the model) and ``b`` (usually the baseline).
    difference : float
        ``a - b`` on the full data.
    low, high : float
        Percentile-bootstrap interval of the difference.
    p_value : float
        Two-sided bootstrap p-value: twice the fraction of resamples whose difference is zero or
        of the opposite sign to the observed one, capped at 1 (1 when the observed difference
        is zero).
    level : float, default 0.95
        Confidence level of the interval.
    """

    metric: str
    a: float
    b: float
    difference: float
    low: float
    high: float
    p_value: float
    level: float = 0.95


def paired_bootstrap(
    task: TaskName,
    y: np.ndarray,
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    *,
    metric: str,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    threshold: float = 0.5,
) -> PairedComparison:
    """Compare two sets of scores on the same examples with a paired bootstrap.

    Both score sets are evaluated on the same resamples, so the interval of the difference
    accounts for the correlation between them.

    Parameters
    ----------
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    y : numpy.ndarray
        Targets, as in :func:`~biodl.evaluation.metrics.compute_metrics`.
    scores_a, scores_b : numpy.ndarray
        Scores of the two models (usually the model and the baseline), same shape.
    metric : str
        One of :func:`~biodl.evaluation.metrics.metric_names` of ``task``.
    n_boot : int, default 1000
    level : float, default 0.95
    seed : int, default 0
    threshold : float, default 0.5
        As in :func:`~biodl.evaluation.bootstrap.bootstrap_metrics`.

    Returns
    -------
    PairedComparison
        ``a``, ``b``, ``difference = a - b``, its interval and a bootstrap p-value.

    Raises
    ------
    ConfigError
        If ``metric`` is not a metric of ``task``, or ``n_boot`` / ``level`` is out of range.
    DataError
        If the arrays do not follow the layout of ``task``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 20)
    >>> good = np.c_[1 - y * 0.8 - 0.1, y * 0.8 + 0.1]
    >>> cmp = paired_bootstrap("binary", y, good, np.full((40, 2), 0.5), metric="auroc")
    >>> cmp.difference
    0.5
    """
    names = metric_names(task)
    if metric not in names:
        raise ConfigError(
            f"metric: '{metric}' is not a {task} metric (valid: {', '.join(names)}). "
            "Choose one of those."
        )
    y, scores_a = check_scores(task, y, scores_a)
    _, scores_b = check_scores(task, y, scores_b)
    check_bootstrap(n_boot, level)
    a = compute_metrics(task, y, scores_a, threshold=threshold)[metric]
    b = compute_metrics(task, y, scores_b, threshold=threshold)[metric]
    diffs = np.empty(n_boot)
    for start, index in resamples(len(y), n_boot, seed):
        va = resample_metrics(task, y, scores_a, index, threshold=threshold)[metric]
        vb = resample_metrics(task, y, scores_b, index, threshold=threshold)[metric]
        diffs[start : start + len(index)] = va - vb
    low, high = percentile_interval(diffs, level)
    difference = a - b
    return PairedComparison(
        metric=metric,
        a=a,
        b=b,
        difference=difference,
        low=low,
        high=high,
        p_value=_p_value(diffs, difference),
        level=level,
    )


def verdict(comparison: PairedComparison, *, model_name: str, baseline_name: str) -> str:
    """One plain-English sentence saying whether the model beat the baseline.

    The model is ``comparison.a`` and the baseline ``comparison.b``. The model is said to beat
    the baseline when the confidence interval of the difference excludes zero on the better
    side (for RMSE and MAE, lower is better), and the other way round.

    Parameters
    ----------
    comparison : PairedComparison
        From :func:`paired_bootstrap` with the model as ``scores_a``.
    model_name : str
        E.g. ``"CNN"``; inserted as given.
    baseline_name : str
        E.g. ``"k-mer logistic regression"``; " baseline" is appended unless already there.

    Returns
    -------
    str

    Examples
    --------
    >>> cmp = PairedComparison("auroc", a=0.90, b=0.858, difference=0.042, low=0.018,
    ...                        high=0.066, p_value=0.002)
    >>> verdict(cmp, model_name="CNN", baseline_name="k-mer logistic regression")
    'The CNN beats the k-mer logistic regression baseline on AUROC by 0.042 (95% CI 0.018 to 0.066): deep learning helped on this data.'
    """  # noqa: E501
    label = METRIC_LABELS.get(comparison.metric, comparison.metric)
    baseline = baseline_name if baseline_name.endswith("baseline") else f"{baseline_name} baseline"
    ci = f"{comparison.level * 100:g}% CI"
    values = (comparison.difference, comparison.low, comparison.high)
    if not all(math.isfinite(v) for v in values):
        return (
            f"The {model_name} and the {baseline} could not be compared on {label}: the metric "
            "is undefined on this data (e.g. a single class in the test set)."
        )
    sign = -1.0 if METRIC_DIRECTION.get(comparison.metric, "max") == "min" else 1.0
    # Improvement of the model over the baseline, positive = model better, with its interval.
    gain = sign * comparison.difference
    gain_low, gain_high = sorted((sign * comparison.low, sign * comparison.high))
    note = "; lower is better" if sign < 0 else ""
    if gain_low > 0:
        return (
            f"The {model_name} beats the {baseline} on {label} by {_fmt(gain)} "
            f"({ci} {_fmt(gain_low)} to {_fmt(gain_high)}{note}): deep learning helped on "
            "this data."
        )
    if gain_high < 0:
        return (
            f"The {baseline} beats the {model_name} on {label} by {_fmt(-gain)} "
            f"({ci} {_fmt(-gain_high)} to {_fmt(-gain_low)}{note}): deep learning did not help "
            "on this data; prefer the baseline."
        )
    return (
        f"The {model_name} is not distinguishable from the {baseline} on {label} "
        f"(difference {_fmt(comparison.difference)}, {ci} {_fmt(comparison.low)} to "
        f"{_fmt(comparison.high)}{note}): deep learning did not clearly help."
    )


def _p_value(diffs: np.ndarray, observed: float) -> float:
    finite = diffs[np.isfinite(diffs)]
    if not math.isfinite(observed) or finite.size == 0:
        return math.nan
    if observed == 0:
        return 1.0
    opposite = finite <= 0 if observed > 0 else finite >= 0
    return float(min(1.0, 2.0 * opposite.mean()))


def _fmt(value: float) -> str:
    return f"{value:.3f}"
