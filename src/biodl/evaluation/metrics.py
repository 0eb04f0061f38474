"""Evaluation metrics with percentile-bootstrap confidence intervals, and model-vs-baseline tests.

Every metric is computed by one vectorised kernel that works on a batch of resamples at once,
so the point estimate (:func:`compute_metrics`) and the bootstrap distribution
(:func:`bootstrap_metrics`, :func:`paired_bootstrap`) come from the same code. The values equal
scikit-learn's (``accuracy_score``, ``balanced_accuracy_score``, ``roc_auc_score``,
``average_precision_score``, ``f1_score``, ``matthews_corrcoef``, ``mean_squared_error``, ...)
and scipy's (``pearsonr``, ``spearmanr``); the tests check this.

Layouts of ``y`` and ``scores`` (see :mod:`biodl.data.targets`):

- binary: ``y`` ``(n,)`` int in {0, 1}; ``scores`` ``(n, 2)`` probabilities, column 1 positive.
- multiclass: ``y`` ``(n,)`` int in ``0..K-1``; ``scores`` ``(n, K)`` probabilities.
- multilabel: ``y`` ``(n, K)`` int 0/1; ``scores`` ``(n, K)`` independent probabilities.
- regression: ``y`` ``(n, T)`` float; ``scores`` ``(n, T)`` predictions.

Conventions where a metric is undefined on the data:

- ``auroc`` and ``auprc`` are ``nan`` when ``y`` holds a single class (for multiclass and
  multilabel, classes or labels with a single class are left out of the macro average, and the
  result is ``nan`` when none is left).
- ``r2``, ``pearson`` and ``spearman`` are ``nan`` for a target (or prediction) that is
  constant; multi-target values average the targets where the metric is defined.
- ``f1`` and ``mcc`` follow scikit-learn: ``0.0`` where the denominator is zero.
- multilabel ``accuracy`` is the mean per-label accuracy (not subset accuracy), and
  ``balanced_accuracy``, ``f1`` and ``mcc`` are macro averages over labels.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 0, 1, 1])
>>> scores = np.array([[0.9, 0.1], [0.6, 0.4], [0.35, 0.65], [0.2, 0.8]])
>>> compute_metrics("binary", y, scores)["auroc"]
1.0
>>> est = bootstrap_metrics("binary", y, scores, n_boot=200)["accuracy"]
>>> est.value
1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from biodl.data.targets import TASKS, TaskName
from biodl.errors import ConfigError, DataError

__all__ = [
    "CLASSIFICATION_METRICS",
    "METRIC_DIRECTION",
    "METRIC_LABELS",
    "PRIMARY_METRIC",
    "REGRESSION_METRICS",
    "MetricEstimate",
    "PairedComparison",
    "TaskName",
    "bootstrap_metrics",
    "compute_metrics",
    "metric_names",
    "paired_bootstrap",
    "primary_metric",
    "verdict",
]

CLASSIFICATION_METRICS: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "auroc",
    "auprc",
    "f1",
    "mcc",
)
REGRESSION_METRICS: tuple[str, ...] = ("rmse", "mae", "r2", "pearson", "spearman")

#: Whether a larger ("max") or smaller ("min") value is better, for every metric and the loss.
METRIC_DIRECTION: dict[str, Literal["max", "min"]] = {
    **{name: "max" for name in CLASSIFICATION_METRICS},
    **{name: "max" for name in REGRESSION_METRICS},
    "rmse": "min",
    "mae": "min",
    "loss": "min",
}

#: How each metric is written in sentences, tables and figures.
METRIC_LABELS: dict[str, str] = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "auroc": "AUROC",
    "auprc": "AUPRC",
    "f1": "F1",
    "mcc": "MCC",
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
    "pearson": "Pearson correlation",
    "spearman": "Spearman correlation",
    "loss": "loss",
}

#: The metric used to rank models and to compare a model with its baseline, per task.
#: Regression uses Spearman correlation, the rank correlation protein-fitness benchmarks
#: (FLIP, ProteinGym) report; multiclass uses balanced accuracy, robust to class imbalance.
PRIMARY_METRIC: dict[TaskName, str] = {
    "binary": "auroc",
    "multiclass": "balanced_accuracy",
    "multilabel": "auroc",
    "regression": "spearman",
}

#: Resamples are processed in chunks of at most this many (resample, sample) cells.
_CHUNK_CELLS = 2_000_000


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


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def metric_names(task: TaskName) -> tuple[str, ...]:
    """The metrics computed for ``task``.

    Parameters
    ----------
    task : {'binary', 'multiclass', 'multilabel', 'regression'}

    Returns
    -------
    tuple of str
        :data:`CLASSIFICATION_METRICS` or :data:`REGRESSION_METRICS`.

    Examples
    --------
    >>> metric_names("regression")
    ('rmse', 'mae', 'r2', 'pearson', 'spearman')
    """
    _check_task(task)
    return REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS


def primary_metric(task: TaskName) -> str:
    """The metric used to rank models and compare with baselines (:data:`PRIMARY_METRIC`).

    Examples
    --------
    >>> primary_metric("binary")
    'auroc'
    """
    _check_task(task)
    return PRIMARY_METRIC[task]


def compute_metrics(
    task: TaskName, y: np.ndarray, scores: np.ndarray, *, threshold: float = 0.5
) -> dict[str, float]:
    """Every metric of ``task`` on the full data.

    Parameters
    ----------
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    y : (n,) int or (n, K) int or (n, T) float
        Targets in the layout of ``task`` (see the module docstring).
    scores : (n, 2), (n, K) or (n, T) float
        Probabilities (classification) or predictions (regression).
    threshold : float, default 0.5
        Binary and multilabel: a sample is predicted positive when its probability is
        ``>= threshold``. Multiclass predicts the argmax.

    Returns
    -------
    dict of str to float
        One entry per name in :func:`metric_names`; ``nan`` where undefined.

    Raises
    ------
    DataError
        If ``y`` and ``scores`` do not follow the layout of ``task``.

    Examples
    --------
    >>> import numpy as np
    >>> compute_metrics("regression", np.array([[1.0], [2.0], [3.0]]),
    ...                 np.array([[1.0], [2.0], [4.0]]))["mae"]
    0.3333333333333333
    """
    y, scores = _validate(task, y, scores)
    index = np.arange(len(y))[None, :]
    values = _resample_metrics(task, y, scores, index, threshold=threshold)
    return {name: float(values[name][0]) for name in metric_names(task)}


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
        As in :func:`compute_metrics`.
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Confidence level of the intervals, in (0, 1).
    seed : int, default 0
        Seed of the resampling; the same seed and data give the same intervals.
    threshold : float, default 0.5
        As in :func:`compute_metrics`.

    Returns
    -------
    dict of str to MetricEstimate
        One entry per name in :func:`metric_names`.

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
    y, scores = _validate(task, y, scores)
    _check_bootstrap(n_boot, level)
    point = compute_metrics(task, y, scores, threshold=threshold)
    names = metric_names(task)
    boot = {name: np.empty(n_boot) for name in names}
    for start, index in _resamples(len(y), n_boot, seed):
        values = _resample_metrics(task, y, scores, index, threshold=threshold)
        for name in names:
            boot[name][start : start + len(index)] = values[name]
    result = {}
    for name in names:
        low, high = _percentiles(boot[name], level)
        result[name] = MetricEstimate(value=point[name], low=low, high=high)
    return result


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
        Targets, as in :func:`compute_metrics`.
    scores_a, scores_b : numpy.ndarray
        Scores of the two models (usually the model and the baseline), same shape.
    metric : str
        One of :func:`metric_names` of ``task``.
    n_boot : int, default 1000
    level : float, default 0.95
    seed : int, default 0
    threshold : float, default 0.5
        As in :func:`bootstrap_metrics`.

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
    y, scores_a = _validate(task, y, scores_a)
    _, scores_b = _validate(task, y, scores_b)
    _check_bootstrap(n_boot, level)
    a = compute_metrics(task, y, scores_a, threshold=threshold)[metric]
    b = compute_metrics(task, y, scores_b, threshold=threshold)[metric]
    diffs = np.empty(n_boot)
    for start, index in _resamples(len(y), n_boot, seed):
        va = _resample_metrics(task, y, scores_a, index, threshold=threshold)[metric]
        vb = _resample_metrics(task, y, scores_b, index, threshold=threshold)[metric]
        diffs[start : start + len(index)] = va - vb
    low, high = _percentiles(diffs, level)
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


# --------------------------------------------------------------------------------------------
# Validation and resampling
# --------------------------------------------------------------------------------------------


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise ConfigError(
            f"task: '{task}' is not a task (valid: {', '.join(TASKS)}). Choose one of those."
        )


def _validate(task: TaskName, y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check the layout of ``y`` / ``scores`` for ``task`` and return them as arrays."""
    _check_task(task)
    y = np.asarray(y)
    scores = np.asarray(scores, dtype=np.float64)
    if y.ndim == 2 and task in ("binary", "multiclass") and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 1 and task == "regression":
        y = y[:, None]
    if scores.ndim == 1 and task == "regression":
        scores = scores[:, None]
    want_y = 1 if task in ("binary", "multiclass") else 2
    if y.ndim != want_y or scores.ndim != 2:
        raise DataError(
            f"{task} metrics: expected y with {want_y} dimension(s) and 2-D scores, got y of "
            f"shape {y.shape} and scores of shape {scores.shape}. Pass targets and scores in the "
            "layout of biodl.data.targets."
        )
    if len(y) != len(scores) or len(y) == 0:
        raise DataError(
            f"{task} metrics: expected y and scores with the same non-zero number of rows, got "
            f"{len(y)} and {len(scores)}. Pass one score row per example."
        )
    width = {"binary": 2, "multiclass": scores.shape[1]}.get(task, y.shape[-1])
    if scores.shape[1] != width:
        raise DataError(
            f"{task} metrics: expected scores with {width} columns, got {scores.shape[1]}. "
            "Pass one column per class, label or target."
        )
    if not np.isfinite(scores).all():
        raise DataError(
            f"{task} metrics: scores contain NaN or infinite values. Check the model's "
            "predictions (a diverged training run produces these)."
        )
    if task == "regression":
        y = y.astype(np.float64)
        if not np.isfinite(y).all():
            raise DataError(
                "regression metrics: y contains NaN or infinite values. Drop those examples."
            )
        return y, scores
    n_codes = scores.shape[1] if task != "multilabel" else 2
    if not np.issubdtype(y.dtype, np.integer) and not np.all(np.mod(y, 1) == 0):
        raise DataError(
            f"{task} metrics: expected integer class codes in y, got {y.dtype} values. Encode "
            "labels with biodl.data.targets first."
        )
    y = y.astype(np.int64)
    if y.min() < 0 or y.max() >= n_codes:
        raise DataError(
            f"{task} metrics: expected y codes in 0..{n_codes - 1}, got values from {y.min()} to "
            f"{y.max()}. Encode labels with biodl.data.targets first."
        )
    return y, scores


def _check_bootstrap(n_boot: int, level: float) -> None:
    if n_boot < 1:
        raise ConfigError(f"n_boot: expected a positive number of resamples, got {n_boot}.")
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level: expected a confidence level in (0, 1), got {level}; e.g. 0.95.")


def _resamples(n: int, n_boot: int, seed: int) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first resample number, (chunk, n) row indices)`` chunks of bootstrap resamples."""
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _CHUNK_CELLS // n))
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        yield start, rng.integers(0, n, size=(size, n))


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, math.nan
    low, high = np.quantile(finite, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


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


# --------------------------------------------------------------------------------------------
# Vectorised kernels: every function takes index, a (B, n) array of row indices (one resample
# per row), and returns (B,) values, one per resample.
# --------------------------------------------------------------------------------------------


def _resample_metrics(
    task: TaskName,
    y: np.ndarray,
    scores: np.ndarray,
    index: np.ndarray,
    *,
    threshold: float = 0.5,
) -> dict[str, np.ndarray]:
    """Every metric of ``task`` on each resample ``y[index[b]]``, ``scores[index[b]]``."""
    if task == "regression":
        return _regression(y, scores, index)
    if task == "multilabel":
        return _multilabel(y, scores, index, threshold)
    if task == "binary":
        predicted = (scores[:, 1] >= threshold).astype(np.int64)
        result = _from_confusion(_confusion(y, predicted, 2, index), binary=True)
        result["auroc"] = _auroc(y == 1, scores[:, 1], index)
        result["auprc"] = _average_precision(y == 1, scores[:, 1], index)
        return result
    n_classes = scores.shape[1]
    predicted = scores.argmax(axis=1)
    result = _from_confusion(_confusion(y, predicted, n_classes, index), binary=False)
    result["auroc"] = _one_vs_rest(_auroc, y, scores, index)
    result["auprc"] = _one_vs_rest(_average_precision, y, scores, index)
    return result


def _confusion(true: np.ndarray, predicted: np.ndarray, k: int, index: np.ndarray) -> np.ndarray:
    """(B, k, k) confusion counts, ``[b, true, predicted]``."""
    n_boot = len(index)
    cells = (true * k + predicted)[index] + (np.arange(n_boot) * k * k)[:, None]
    counts = np.bincount(cells.ravel(), minlength=n_boot * k * k)
    return counts.reshape(n_boot, k, k).astype(np.float64)


def _safe_divide(num: np.ndarray, den: np.ndarray, fill: float = 0.0) -> np.ndarray:
    out = np.full(np.broadcast(num, den).shape, fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _from_confusion(conf: np.ndarray, *, binary: bool) -> dict[str, np.ndarray]:
    """Accuracy, balanced accuracy, F1 and MCC from (B, k, k) confusion counts."""
    n = conf.sum(axis=(1, 2))
    correct = np.trace(conf, axis1=1, axis2=2)
    true_sum = conf.sum(axis=2)
    pred_sum = conf.sum(axis=1)
    diag = np.diagonal(conf, axis1=1, axis2=2)
    # Balanced accuracy: mean recall over the classes present in y (as scikit-learn).
    present = true_sum > 0
    recall = _safe_divide(diag, true_sum)
    balanced = (recall * present).sum(axis=1) / present.sum(axis=1)
    # F1 per class: 2 TP / (2 TP + FP + FN) = 2 TP / (true + predicted); 0 when undefined.
    f1_per_class = _safe_divide(2 * diag, true_sum + pred_sum)
    if binary:
        f1 = f1_per_class[:, 1]
    else:
        # Macro over the classes present in y or in the predictions (scikit-learn's labels).
        seen = (true_sum + pred_sum) > 0
        f1 = (f1_per_class * seen).sum(axis=1) / seen.sum(axis=1)
    # Multiclass MCC (Gorodkin's R_K), which reduces to the usual formula for two classes.
    cov_tp = correct * n - (true_sum * pred_sum).sum(axis=1)
    cov_pp = n**2 - (pred_sum**2).sum(axis=1)
    cov_tt = n**2 - (true_sum**2).sum(axis=1)
    mcc = _safe_divide(cov_tp, np.sqrt(cov_tt * cov_pp))
    return {
        "accuracy": correct / n,
        "balanced_accuracy": balanced,
        "f1": f1,
        "mcc": mcc,
    }


def _group_weights(
    groups: np.ndarray, n_groups: int, index: np.ndarray, mask: np.ndarray | None = None
) -> np.ndarray:
    """(B, n_groups) number of resampled rows in each group (only rows where ``mask``)."""
    n_boot = len(index)
    cells = groups[index] + (np.arange(n_boot) * n_groups)[:, None]
    weights = None if mask is None else mask[index].ravel().astype(np.float64)
    counts = np.bincount(cells.ravel(), weights=weights, minlength=n_boot * n_groups)
    return counts.reshape(n_boot, n_groups).astype(np.float64)


def _pos_neg_by_score(
    positive: np.ndarray, score: np.ndarray, index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(B, m) counts of resampled positives and negatives at each distinct score, ascending."""
    values, groups = np.unique(score, return_inverse=True)
    pos = _group_weights(groups, len(values), index, positive)
    total = _group_weights(groups, len(values), index)
    return pos, total - pos


def _auroc(positive: np.ndarray, score: np.ndarray, index: np.ndarray) -> np.ndarray:
    """ROC AUC per resample by the Mann-Whitney statistic, ties counted as one half."""
    pos, neg = _pos_neg_by_score(positive, score, index)
    neg_below = np.cumsum(neg, axis=1) - neg
    wins = (pos * (neg_below + 0.5 * neg)).sum(axis=1)
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    return _safe_divide(wins, pairs, fill=math.nan)


def _average_precision(positive: np.ndarray, score: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Average precision per resample: sum over thresholds of (recall step) x precision."""
    pos, neg = _pos_neg_by_score(positive, score, index)
    # Thresholds from the highest score down, as scikit-learn's precision_recall_curve.
    pos, neg = pos[:, ::-1], neg[:, ::-1]
    tp = np.cumsum(pos, axis=1)
    precision = _safe_divide(tp, tp + np.cumsum(neg, axis=1))
    n_pos = pos.sum(axis=1)
    ap = _safe_divide((pos * precision).sum(axis=1), n_pos, fill=math.nan)
    # One class only (no positives or no negatives): undefined.
    ap[(n_pos == 0) | (neg.sum(axis=1) == 0)] = math.nan
    return ap


def _nanmean_rows(values: np.ndarray) -> np.ndarray:
    """Mean over axis 1 ignoring NaN; NaN where a row is all NaN (without a warning)."""
    finite = np.isfinite(values)
    count = finite.sum(axis=1)
    total = np.where(finite, values, 0.0).sum(axis=1)
    return _safe_divide(total, count, fill=math.nan)


def _one_vs_rest(
    kernel: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    y: np.ndarray,
    scores: np.ndarray,
    index: np.ndarray,
) -> np.ndarray:
    """Macro average of a binary ranking metric over classes, class k vs the rest."""
    per_class = np.stack([kernel(y == k, scores[:, k], index) for k in range(scores.shape[1])])
    return _nanmean_rows(per_class.T)


def _multilabel(
    y: np.ndarray, scores: np.ndarray, index: np.ndarray, threshold: float
) -> dict[str, np.ndarray]:
    """Macro averages over labels of the binary metrics (accuracy: mean per-label accuracy)."""
    predicted = (scores >= threshold).astype(np.int64)
    per_label: dict[str, list[np.ndarray]] = {name: [] for name in CLASSIFICATION_METRICS}
    for k in range(y.shape[1]):
        values = _from_confusion(_confusion(y[:, k], predicted[:, k], 2, index), binary=True)
        values["auroc"] = _auroc(y[:, k] == 1, scores[:, k], index)
        values["auprc"] = _average_precision(y[:, k] == 1, scores[:, k], index)
        for name, value in values.items():
            per_label[name].append(value)
    return {name: _nanmean_rows(np.stack(v, axis=1)) for name, v in per_label.items()}


def _ranks(values: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (1-based, ties averaged) of each resample's values, and constant flags."""
    distinct, groups = np.unique(values, return_inverse=True)
    counts = _group_weights(groups, len(distinct), index)
    mean_rank = np.cumsum(counts, axis=1) - (counts - 1) / 2
    ranks = np.take_along_axis(mean_rank, groups[index], axis=1)
    constant = (counts > 0).sum(axis=1) <= 1
    return ranks, constant


def _correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation along axis 1 of two (B, n) arrays."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.clip(_safe_divide((a * b).sum(axis=1), den, fill=math.nan), -1.0, 1.0)


def _regression(y: np.ndarray, scores: np.ndarray, index: np.ndarray) -> dict[str, np.ndarray]:
    """RMSE, MAE, R², Pearson and Spearman per resample, averaged over targets."""
    per_target: dict[str, list[np.ndarray]] = {name: [] for name in REGRESSION_METRICS}
    for t in range(y.shape[1]):
        true, pred = y[index, t], scores[index, t]
        true_ranks, true_constant = _ranks(y[:, t], index)
        pred_ranks, pred_constant = _ranks(scores[:, t], index)
        error = pred - true
        sse = (error**2).sum(axis=1)
        centred = true - true.mean(axis=1, keepdims=True)
        r2 = 1.0 - _safe_divide(sse, (centred**2).sum(axis=1), fill=math.nan)
        r2[true_constant] = math.nan
        pearson = _correlation(true, pred)
        spearman = _correlation(true_ranks, pred_ranks)
        either = true_constant | pred_constant
        pearson[either] = math.nan
        spearman[either] = math.nan
        per_target["rmse"].append(np.sqrt(sse / true.shape[1]))
        per_target["mae"].append(np.abs(error).mean(axis=1))
        per_target["r2"].append(r2)
        per_target["pearson"].append(pearson)
        per_target["spearman"].append(spearman)
    return {name: _nanmean_rows(np.stack(v, axis=1)) for name, v in per_target.items()}
