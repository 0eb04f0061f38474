"""Evaluation metrics of every task: their names, directions and labels, and point values.

The values equal scikit-learn's (``accuracy_score``, ``balanced_accuracy_score``,
``roc_auc_score``, ``average_precision_score``, ``f1_score``, ``matthews_corrcoef``,
``mean_squared_error``, ...) and scipy's (``pearsonr``, ``spearmanr``); the tests check this.
They are computed by the vectorised kernels of :mod:`biodl.evaluation.kernels`, which the
bootstrap intervals (:mod:`biodl.evaluation.bootstrap`) and the paired comparison of two
models (:mod:`biodl.evaluation.comparison`) use too, so all three come from the same code.

Layouts of ``y`` and ``scores`` (see :mod:`biodl.data.targets`):

- binary: ``y`` ``(n,)`` int in {0, 1}; ``scores`` ``(n, 2)`` probabilities, column 1 positive
  (the run's positive class, :func:`biodl.data.targets.positive_class_of`): AUPRC, F1 and the
  thresholded metrics describe it.
- multiclass: ``y`` ``(n,)`` int in ``0..K-1``; ``scores`` ``(n, K)`` probabilities.
- multilabel: ``y`` ``(n, K)`` int 0/1 (float with NaN for missing labels); ``scores``
  ``(n, K)`` independent probabilities.
- regression: ``y`` ``(n, T)`` float (NaN for a missing target of several); ``scores``
  ``(n, T)`` predictions.

Conventions where a metric is undefined on the data:

- ``auroc`` and ``auprc`` are ``nan`` when ``y`` holds a single class (for multiclass and
  multilabel, classes or labels with a single class are left out of the macro average, and the
  result is ``nan`` when none is left).
- ``r2``, ``pearson`` and ``spearman`` are ``nan`` for a target (or prediction) that is
  constant; multi-target values average the targets where the metric is defined.
- ``f1`` and ``mcc`` follow scikit-learn: ``0.0`` where the denominator is zero.
- multilabel ``accuracy`` is the mean per-label accuracy (not subset accuracy), and
  ``balanced_accuracy``, ``f1`` and ``mcc`` are macro averages over labels.
- Missing labels (NaN in a multilabel or multi-target ``y``): each label's (target's) metrics
  use the rows where it is observed, then the macro average is taken as above; a bootstrap
  resample keeps its rows, so each label uses the observed rows among them.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 0, 1, 1])
>>> scores = np.array([[0.9, 0.1], [0.6, 0.4], [0.35, 0.65], [0.2, 0.8]])
>>> compute_metrics("binary", y, scores)["auroc"]
1.0
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from biodl.data.targets import TASKS, TaskName
from biodl.errors import ConfigError, DataError
from biodl.evaluation.kernels import resample_metrics

__all__ = [
    "AUTO_MONITOR",
    "CLASSIFICATION_METRICS",
    "METRIC_DIRECTION",
    "METRIC_LABELS",
    "PRIMARY_METRIC",
    "REGRESSION_METRICS",
    "TaskName",
    "check_scores",
    "compute_metrics",
    "metric_names",
    "primary_metric",
    "resolve_monitor",
    "single_class",
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


#: What ``--monitor auto`` (the default) watches, per task: the primary metric for binary
#: classification, whose validation loss often rises (overconfident probabilities) while the
#: ranking still improves (5-fold CV of training data: AntiCP 2.0 main +0.022 AUROC over 15
#: folds, synthetic hairpins +0.007 over 10, AntiCP alternate level; benchmarks/RESULTS.md),
#: and the loss elsewhere, where no measurement showed a gain.
AUTO_MONITOR: dict[TaskName, str] = {
    "binary": "auroc",
    "multiclass": "loss",
    "multilabel": "loss",
    "regression": "loss",
}


def resolve_monitor(monitor: str, task: TaskName, y_valid: np.ndarray | None = None) -> str:
    """The validation quantity early stopping and tuning watch: ``monitor``, or for ``'auto'``
    the task's choice in :data:`AUTO_MONITOR` (the loss where the validation labels
    ``y_valid``, when given, hold a single class: AUROC is undefined there).

    Raises
    ------
    ConfigError
        When ``monitor`` is neither ``auto``, ``loss`` nor a metric of ``task``.

    Examples
    --------
    >>> resolve_monitor("auto", "binary"), resolve_monitor("auto", "regression")
    ('auroc', 'loss')
    >>> resolve_monitor("accuracy", "multiclass")
    'accuracy'
    >>> resolve_monitor("auto", "binary", y_valid=np.array([1, 1, 1]))
    'loss'
    """
    _check_task(task)
    if monitor == "auto":
        return "loss" if single_class(y_valid) else AUTO_MONITOR[task]
    valid = ("auto", "loss", *metric_names(task))
    if monitor not in valid:
        raise ConfigError(
            f"--monitor {monitor}: not a metric of a {task} task; choose one of: {', '.join(valid)}"
        )
    return monitor


def single_class(y: np.ndarray | None) -> bool:
    """Whether the labels ``y`` (missing ones, ``nan``, left out) hold fewer than two classes,
    where AUROC and AUPRC are undefined; False for ``None``.

    >>> single_class(np.array([1.0, np.nan, 1.0])), single_class(np.array([0, 1]))
    (True, False)
    """
    return y is not None and len(np.unique(y[np.isfinite(y)])) < 2


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
    y, scores = check_scores(task, y, scores)
    index = np.arange(len(y))[None, :]
    values = resample_metrics(task, y, scores, index, threshold=threshold)
    return {name: float(values[name][0]) for name in metric_names(task)}


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise ConfigError(
            f"task: '{task}' is not a task (valid: {', '.join(TASKS)}). Choose one of those."
        )


def check_scores(
    task: TaskName, y: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Check the layout of ``y`` / ``scores`` for ``task`` and return them as arrays.

    ``y`` of a binary or multiclass task may be ``(n, 1)``, and ``y`` and ``scores`` of a
    regression ``(n,)``; both come back in the layout of the module notes, ``y`` as int64
    codes (float64 for regression) and ``scores`` as float64.

    Raises
    ------
    ConfigError
        For an unknown task.
    DataError
        For shapes, class codes or non-finite values that do not fit the layout of ``task``.
    """
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
        if np.isinf(y).any() or (y.shape[1] == 1 and np.isnan(y).any()):
            raise DataError(
                "regression metrics: y contains NaN or infinite values. Drop those examples."
            )
        return y, scores
    if task == "multilabel" and y.dtype.kind == "f" and np.isnan(y).any():
        codes = y[np.isfinite(y)]  # missing labels (NaN) stay: the kernels leave them out
        if not np.isin(codes, (0.0, 1.0)).all() or np.isinf(y).any():
            raise DataError(
                "multilabel metrics: expected y of 0/1 (NaN for a missing label), got other "
                "values. Encode labels with biodl.data.targets first."
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
