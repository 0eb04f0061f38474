"""Vectorised metric kernels: every metric on a batch of bootstrap resamples at once.

Every kernel takes ``index``, a ``(B, n)`` array of row indices (one resample per row), and
returns ``(B,)`` values, one per resample; ``index = np.arange(n)[None, :]`` is the full data.
The point estimate (:func:`biodl.evaluation.metrics.compute_metrics`) and the bootstrap
distributions (:mod:`biodl.evaluation.bootstrap`, :mod:`biodl.evaluation.comparison`) all come
from :func:`resample_metrics`, so they cannot disagree. ``y`` and ``scores`` are in the layout
of the task (see :mod:`biodl.evaluation.metrics`) and already checked.

Missing labels (NaN in a multilabel or multi-target ``y``) are left out per label: each
resample keeps its rows, and a label's counts weigh its rows by whether it is observed there, so
a label's metrics on a resample are those of its observed rows among the resampled ones.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 0, 1, 1])
>>> scores = np.array([[0.9, 0.1], [0.6, 0.4], [0.35, 0.65], [0.2, 0.8]])
>>> index = np.array([[0, 1, 2, 3], [0, 0, 2, 3]])
>>> resample_metrics("binary", y, scores, index)["auroc"].tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from biodl.data.targets import TaskName

__all__ = ["observed_column", "resample_metrics"]


def resample_metrics(
    task: TaskName,
    y: np.ndarray,
    scores: np.ndarray,
    index: np.ndarray,
    *,
    threshold: float = 0.5,
) -> dict[str, np.ndarray]:
    """Every metric of ``task`` on each resample ``y[index[b]]``, ``scores[index[b]]``.

    Parameters
    ----------
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    y, scores : numpy.ndarray
        Targets and scores in the layout of ``task``, already checked.
    index : (B, n) int ndarray
        Row indices, one resample per row.
    threshold : float, default 0.5
        Binary and multilabel: a sample is predicted positive when its probability is
        ``>= threshold``.

    Returns
    -------
    dict of str to (B,) float ndarray
        One entry per metric of ``task``; ``nan`` where a metric is undefined on a resample.
    """
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


def _confusion(
    true: np.ndarray,
    predicted: np.ndarray,
    k: int,
    index: np.ndarray,
    observed: np.ndarray | None = None,
) -> np.ndarray:
    """(B, k, k) confusion counts, ``[b, true, predicted]`` (only rows where ``observed``)."""
    n_boot = len(index)
    cells = (true * k + predicted)[index] + (np.arange(n_boot) * k * k)[:, None]
    weights = None if observed is None else observed[index].ravel().astype(np.float64)
    counts = np.bincount(cells.ravel(), weights=weights, minlength=n_boot * k * k)
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
    balanced = _safe_divide((recall * present).sum(axis=1), present.sum(axis=1), math.nan)
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
        "accuracy": _safe_divide(correct, n, math.nan),  # n = 0: no observed label
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
    positive: np.ndarray, score: np.ndarray, index: np.ndarray, observed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(B, m) counts of resampled positives and negatives at each distinct score, ascending
    (only rows where ``observed``; ``positive`` is False where it is not)."""
    values, groups = np.unique(score, return_inverse=True)
    pos = _group_weights(groups, len(values), index, positive)
    total = _group_weights(groups, len(values), index, observed)
    return pos, total - pos


def _auroc(
    positive: np.ndarray, score: np.ndarray, index: np.ndarray, observed: np.ndarray | None = None
) -> np.ndarray:
    """ROC AUC per resample by the Mann-Whitney statistic, ties counted as one half."""
    pos, neg = _pos_neg_by_score(positive, score, index, observed)
    neg_below = np.cumsum(neg, axis=1) - neg
    wins = (pos * (neg_below + 0.5 * neg)).sum(axis=1)
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    return _safe_divide(wins, pairs, fill=math.nan)


def _average_precision(
    positive: np.ndarray, score: np.ndarray, index: np.ndarray, observed: np.ndarray | None = None
) -> np.ndarray:
    """Average precision per resample: sum over thresholds of (recall step) x precision."""
    pos, neg = _pos_neg_by_score(positive, score, index, observed)
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
    per_label: dict[str, list[np.ndarray]] = {}
    for k in range(y.shape[1]):
        true, observed = observed_column(y[:, k])
        true = true.astype(np.int64)
        conf = _confusion(true, predicted[:, k], 2, index, observed)
        values = _from_confusion(conf, binary=True)
        values["auroc"] = _auroc(true == 1, scores[:, k], index, observed)
        values["auprc"] = _average_precision(true == 1, scores[:, k], index, observed)
        for name, value in values.items():
            per_label.setdefault(name, []).append(value)
    return {name: _nanmean_rows(np.stack(v, axis=1)) for name, v in per_label.items()}


def observed_column(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A target column with missing entries (NaN) set to 0, and where it is observed.

    ``observed`` is None when nothing is missing (the column is returned unchanged), so fully
    labelled data takes the unweighted path.
    """
    if values.dtype.kind != "f":
        return values, None
    observed = np.isfinite(values)
    if observed.all():
        return values, None
    return np.where(observed, values, 0.0), observed


def _ranks(
    values: np.ndarray, index: np.ndarray, observed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (1-based, ties averaged) of each resample's values, and constant flags
    (ranks among the rows where ``observed``; other rows' ranks are meaningless)."""
    distinct, groups = np.unique(values, return_inverse=True)
    counts = _group_weights(groups, len(distinct), index, observed)
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
    per_target: dict[str, list[np.ndarray]] = {}
    for t in range(y.shape[1]):
        column, observed = observed_column(y[:, t])
        if observed is not None:
            values = _regression_observed(column, scores[:, t], index, observed)
            for name, value in values.items():
                per_target.setdefault(name, []).append(value)
            continue
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
        values = {
            "rmse": np.sqrt(sse / true.shape[1]),
            "mae": np.abs(error).mean(axis=1),
            "r2": r2,
            "pearson": pearson,
            "spearman": spearman,
        }
        for name, value in values.items():
            per_target.setdefault(name, []).append(value)
    return {name: _nanmean_rows(np.stack(v, axis=1)) for name, v in per_target.items()}


def _weighted_correlation(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson correlation along axis 1 of two (B, n) arrays, rows weighted by ``w`` (0/1)."""
    n = w.sum(axis=1, keepdims=True)
    a = a - _safe_divide((w * a).sum(axis=1, keepdims=True), n)
    b = b - _safe_divide((w * b).sum(axis=1, keepdims=True), n)
    den = np.sqrt((w * a * a).sum(axis=1) * (w * b * b).sum(axis=1))
    return np.clip(_safe_divide((w * a * b).sum(axis=1), den, fill=math.nan), -1.0, 1.0)


def _regression_observed(
    column: np.ndarray, prediction: np.ndarray, index: np.ndarray, observed: np.ndarray
) -> dict[str, np.ndarray]:
    """The regression metrics of one target on the rows of each resample where it is observed
    (``column`` has 0 where it is not)."""
    w = observed[index].astype(np.float64)
    n = w.sum(axis=1)
    true, pred = column[index], prediction[index]
    true_ranks, true_constant = _ranks(column, index, observed)
    pred_ranks, pred_constant = _ranks(prediction, index, observed)
    error = pred - true
    sse = (w * error**2).sum(axis=1)
    centred = true - _safe_divide((w * true).sum(axis=1), n)[:, None]
    r2 = 1.0 - _safe_divide(sse, (w * centred**2).sum(axis=1), fill=math.nan)
    r2[true_constant] = math.nan
    either = true_constant | pred_constant
    pearson = _weighted_correlation(true, pred, w)
    spearman = _weighted_correlation(true_ranks, pred_ranks, w)
    pearson[either] = math.nan
    spearman[either] = math.nan
    return {
        "rmse": np.sqrt(_safe_divide(sse, n, fill=math.nan)),
        "mae": _safe_divide((w * np.abs(error)).sum(axis=1), n, fill=math.nan),
        "r2": r2,
        "pearson": pearson,
        "spearman": spearman,
    }
