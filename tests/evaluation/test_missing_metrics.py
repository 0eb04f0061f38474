"""Metrics, bootstrap intervals and the paired comparison with missing labels (NaN in y):
each label's metrics use its observed rows, checked against scikit-learn and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    matthews_corrcoef,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)

from biodl.errors import DataError
from biodl.evaluation.bootstrap import bootstrap_metrics
from biodl.evaluation.comparison import paired_bootstrap
from biodl.evaluation.metrics import compute_metrics


def _multilabel(n: int = 120, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=(n, k)).astype(np.float64)
    scores = np.clip(0.35 * y + 0.65 * rng.random((n, k)), 0, 1)
    y[rng.random((n, k)) < 0.3] = np.nan
    return y, scores


def test_multilabel_metrics_are_sklearn_per_label_on_observed_rows():
    y, scores = _multilabel()
    got = compute_metrics("multilabel", y, scores)
    per_label: dict[str, list[float]] = {}
    for k in range(y.shape[1]):
        ok = ~np.isnan(y[:, k])
        true, s = y[ok, k].astype(int), scores[ok, k]
        pred = (s >= 0.5).astype(int)
        for name, value in {
            "accuracy": accuracy_score(true, pred),
            "balanced_accuracy": balanced_accuracy_score(true, pred),
            "auroc": roc_auc_score(true, s),
            "auprc": average_precision_score(true, s),
            "f1": f1_score(true, pred),
            "mcc": matthews_corrcoef(true, pred),
        }.items():
            per_label.setdefault(name, []).append(value)
    for name, values in per_label.items():
        assert got[name] == pytest.approx(np.mean(values), abs=1e-12), name


def test_regression_metrics_are_sklearn_per_target_on_observed_rows():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(90, 2))
    scores = y + rng.normal(scale=0.7, size=y.shape)
    y[rng.random(y.shape) < 0.4] = np.nan
    got = compute_metrics("regression", y, scores)
    want: dict[str, list[float]] = {}
    for t in range(2):
        ok = ~np.isnan(y[:, t])
        true, pred = y[ok, t], scores[ok, t]
        for name, value in {
            "rmse": np.sqrt(mean_squared_error(true, pred)),
            "mae": mean_absolute_error(true, pred),
            "r2": r2_score(true, pred),
            "pearson": pearsonr(true, pred)[0],
            "spearman": spearmanr(true, pred)[0],
        }.items():
            want.setdefault(name, []).append(value)
    for name, values in want.items():
        assert got[name] == pytest.approx(np.mean(values), abs=1e-10), name


def test_bootstrap_resamples_respect_the_mask():
    y, scores = _multilabel(n=60)
    boot = bootstrap_metrics("multilabel", y, scores, n_boot=200, seed=3)
    point = compute_metrics("multilabel", y, scores)
    for name, estimate in boot.items():
        assert estimate.value == pytest.approx(point[name])
        assert estimate.low <= estimate.high
    # A missing entry weighs nothing: changing the scores there changes no interval.
    other = scores.copy()
    other[np.isnan(y)] = 1.0 - other[np.isnan(y)]
    again = bootstrap_metrics("multilabel", y, other, n_boot=200, seed=3)
    for name, estimate in boot.items():
        got = again[name]
        assert (got.value, got.low, got.high) == pytest.approx(
            (estimate.value, estimate.low, estimate.high), abs=1e-12
        )


def test_paired_comparison_ignores_missing_entries():
    y, a = _multilabel(seed=4)
    b = np.clip(a + np.random.default_rng(5).normal(scale=0.2, size=a.shape), 0, 1)
    result = paired_bootstrap("multilabel", y, a, b, metric="auroc", n_boot=200, seed=0)
    assert result.a == pytest.approx(compute_metrics("multilabel", y, a)["auroc"])
    b2 = b.copy()
    b2[np.isnan(y)] = 0.5
    again = paired_bootstrap("multilabel", y, a, b2, metric="auroc", n_boot=200, seed=0)
    assert (again.difference, again.low, again.high) == pytest.approx(
        (result.difference, result.low, result.high), abs=1e-12
    )


def test_single_target_regression_still_refuses_nan():
    with pytest.raises(DataError, match="regression metrics: y contains NaN"):
        compute_metrics("regression", np.array([1.0, np.nan, 2.0]), np.array([1.0, 1.5, 2.0]))


def test_multilabel_values_other_than_0_1_refused_beside_nan():
    y = np.array([[0.0, np.nan], [2.0, 1.0]])
    with pytest.raises(DataError, match="multilabel metrics: expected y of 0/1"):
        compute_metrics("multilabel", y, np.full((2, 2), 0.5))
