"""Metrics against scikit-learn / scipy, bootstrap intervals, paired comparisons, verdicts."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

from biodl.errors import ConfigError, DataError
from biodl.evaluation.bootstrap import MetricEstimate, bootstrap_metrics
from biodl.evaluation.comparison import PairedComparison, paired_bootstrap, verdict
from biodl.evaluation.kernels import resample_metrics
from biodl.evaluation.metrics import (
    CLASSIFICATION_METRICS,
    METRIC_DIRECTION,
    REGRESSION_METRICS,
    compute_metrics,
    metric_names,
    primary_metric,
)

# ---------------------------------------------------------------- synthetic data


def binary_data(rng: np.random.Generator, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    # Rounded so that ties occur, which exercises the tie handling of AUROC / AP.
    p = np.round(np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1), 2)
    return y, np.c_[1 - p, p]


def multiclass_data(rng: np.random.Generator, n: int = 200, k: int = 4):
    y = rng.integers(0, k, n)
    s = rng.dirichlet(np.ones(k), n)
    s[np.arange(n), y] += 0.4
    s = np.round(s / s.sum(axis=1, keepdims=True), 2)
    return y, s / s.sum(axis=1, keepdims=True)


def multilabel_data(rng: np.random.Generator, n: int = 200, k: int = 3):
    y = (rng.random((n, k)) < 0.4).astype(np.int64)
    s = np.round(np.clip(0.3 * y + 0.7 * rng.random((n, k)), 0, 1), 2)
    return y, s


def regression_data(rng: np.random.Generator, n: int = 200, t: int = 2):
    y = rng.normal(size=(n, t))
    s = np.round(y + rng.normal(size=(n, t)), 1)  # rounded: ties for Spearman
    return y, s


# ---------------------------------------------------------------- sklearn references


def sk_binary(y: np.ndarray, s: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    pred = (s[:, 1] >= threshold).astype(int)
    return {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "auroc": skm.roc_auc_score(y, s[:, 1]),
        "auprc": skm.average_precision_score(y, s[:, 1]),
        "f1": skm.f1_score(y, pred, zero_division=0.0),
        "mcc": skm.matthews_corrcoef(y, pred),
    }


def sk_multiclass(y: np.ndarray, s: np.ndarray) -> dict[str, float]:
    pred = s.argmax(axis=1)
    k = s.shape[1]
    return {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "auroc": skm.roc_auc_score(y, s, multi_class="ovr", average="macro"),
        "auprc": skm.average_precision_score(
            label_binarize(y, classes=range(k)), s, average="macro"
        ),
        "f1": skm.f1_score(y, pred, average="macro", zero_division=0.0),
        "mcc": skm.matthews_corrcoef(y, pred),
    }


def sk_multilabel(y: np.ndarray, s: np.ndarray) -> dict[str, float]:
    pred = (s >= 0.5).astype(int)
    k = y.shape[1]
    return {
        "accuracy": np.mean([skm.accuracy_score(y[:, j], pred[:, j]) for j in range(k)]),
        "balanced_accuracy": np.mean(
            [skm.balanced_accuracy_score(y[:, j], pred[:, j]) for j in range(k)]
        ),
        "auroc": skm.roc_auc_score(y, s, average="macro"),
        "auprc": skm.average_precision_score(y, s, average="macro"),
        "f1": skm.f1_score(y, pred, average="macro", zero_division=0.0),
        "mcc": np.mean([skm.matthews_corrcoef(y[:, j], pred[:, j]) for j in range(k)]),
    }


def sk_regression(y: np.ndarray, s: np.ndarray) -> dict[str, float]:
    t = y.shape[1]
    return {
        "rmse": np.mean([math.sqrt(skm.mean_squared_error(y[:, j], s[:, j])) for j in range(t)]),
        "mae": skm.mean_absolute_error(y, s),
        "r2": skm.r2_score(y, s),
        "pearson": np.mean([stats.pearsonr(y[:, j], s[:, j])[0] for j in range(t)]),
        "spearman": np.mean([stats.spearmanr(y[:, j], s[:, j])[0] for j in range(t)]),
    }


REFERENCES = {
    "binary": (binary_data, sk_binary),
    "multiclass": (multiclass_data, sk_multiclass),
    "multilabel": (multilabel_data, sk_multilabel),
    "regression": (regression_data, sk_regression),
}


def assert_close(ours: dict[str, float], ref: dict[str, float]) -> None:
    assert set(ours) == set(ref)
    for name in ref:
        assert ours[name] == pytest.approx(ref[name], rel=1e-9, abs=1e-12), name


# ---------------------------------------------------------------- point values


@pytest.mark.parametrize("task", list(REFERENCES))
def test_compute_metrics_equals_sklearn(task, rng):
    make, reference = REFERENCES[task]
    y, s = make(rng)
    assert_close(compute_metrics(task, y, s), reference(y, s))


def test_binary_threshold_moves_predictions(rng):
    y, s = binary_data(rng)
    assert_close(compute_metrics("binary", y, s, threshold=0.3), sk_binary(y, s, 0.3))
    assert compute_metrics("binary", y, s, threshold=0.3)["accuracy"] != pytest.approx(
        compute_metrics("binary", y, s)["accuracy"]
    )


def test_multiclass_absent_class_is_left_out_of_macro_ranking_metrics(rng):
    y, s = multiclass_data(rng, k=4)
    keep = y != 3  # class 3 never occurs in y, but scores still have 4 columns
    ours = compute_metrics("multiclass", y[keep], s[keep])
    ys, ss = y[keep], s[keep]
    auroc = np.mean([skm.roc_auc_score(ys == k, ss[:, k]) for k in range(3)])
    auprc = np.mean([skm.average_precision_score(ys == k, ss[:, k]) for k in range(3)])
    assert ours["auroc"] == pytest.approx(auroc)
    assert ours["auprc"] == pytest.approx(auprc)
    assert ours["f1"] == pytest.approx(
        skm.f1_score(ys, ss.argmax(axis=1), average="macro", zero_division=0.0)
    )


def test_undefined_metrics_are_nan_not_errors():
    y = np.zeros(6, dtype=int)
    s = np.c_[np.linspace(0.9, 0.4, 6), np.linspace(0.1, 0.6, 6)]
    values = compute_metrics("binary", y, s)
    assert math.isnan(values["auroc"]) and math.isnan(values["auprc"])
    assert values["accuracy"] == pytest.approx(skm.accuracy_score(y, s[:, 1] >= 0.5))
    assert values["mcc"] == 0.0 and values["f1"] == 0.0  # scikit-learn's convention

    constant = compute_metrics("regression", np.ones((5, 1)), np.arange(5.0)[:, None])
    assert math.isnan(constant["r2"])
    assert math.isnan(constant["pearson"]) and math.isnan(constant["spearman"])
    assert constant["mae"] == pytest.approx(skm.mean_absolute_error(np.ones(5), np.arange(5.0)))


def test_multilabel_skips_single_class_labels_for_ranking_metrics(rng):
    y, s = multilabel_data(rng, k=3)
    y[:, 1] = 0
    values = compute_metrics("multilabel", y, s)
    keep = [0, 2]
    assert values["auroc"] == pytest.approx(skm.roc_auc_score(y[:, keep], s[:, keep]))
    assert values["auprc"] == pytest.approx(skm.average_precision_score(y[:, keep], s[:, keep]))


# ---------------------------------------------------------------- vectorised resamples


@pytest.mark.parametrize("task", list(REFERENCES))
def test_resample_values_equal_sklearn_on_explicit_resamples(task, rng):
    make, reference = REFERENCES[task]
    y, s = make(rng, n=80)
    index = rng.integers(0, len(y), size=(4, len(y)))
    values = resample_metrics(task, y, s, index)
    for b in range(len(index)):
        ours = {name: float(v[b]) for name, v in values.items()}
        assert_close(ours, reference(y[index[b]], s[index[b]]))


def test_resample_with_single_class_gives_nan_for_that_resample_only(rng):
    y, s = binary_data(rng, n=20)
    negatives = np.flatnonzero(y == 0)
    index = np.stack([np.arange(20), np.resize(negatives, 20)])
    auroc = resample_metrics("binary", y, s, index)["auroc"]
    assert auroc[0] == pytest.approx(skm.roc_auc_score(y, s[:, 1]))
    assert math.isnan(auroc[1])


# ---------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("task", list(REFERENCES))
def test_bootstrap_interval_contains_value_and_is_reproducible(task, rng):
    make, _ = REFERENCES[task]
    y, s = make(rng, n=300)
    first = bootstrap_metrics(task, y, s, n_boot=300, seed=3)
    assert set(first) == set(metric_names(task))
    point = compute_metrics(task, y, s)
    for name, est in first.items():
        assert isinstance(est, MetricEstimate)
        assert est.value == point[name]
        assert est.low <= est.value <= est.high, name
        assert est.low < est.high, name
    assert bootstrap_metrics(task, y, s, n_boot=300, seed=3) == first
    assert bootstrap_metrics(task, y, s, n_boot=300, seed=4) != first


def test_bootstrap_interval_narrows_with_more_data(rng):
    small = binary_data(rng, n=100)
    large = binary_data(rng, n=2000)
    narrow = bootstrap_metrics("binary", *large, n_boot=300)
    wide = bootstrap_metrics("binary", *small, n_boot=300)
    for name in CLASSIFICATION_METRICS:
        assert narrow[name].high - narrow[name].low < wide[name].high - wide[name].low, name


def test_bootstrap_interval_matches_naive_loop_percentiles(rng):
    y, s = binary_data(rng, n=60)
    est = bootstrap_metrics("binary", y, s, n_boot=50, seed=7)["auroc"]
    # Same resample indices as the implementation draws (one chunk at this size).
    index = np.random.default_rng(7).integers(0, 60, size=(50, 60))
    naive = []
    for b in range(50):
        if len(np.unique(y[index[b]])) == 2:
            naive.append(skm.roc_auc_score(y[index[b]], s[index[b], 1]))
    low, high = np.quantile(naive, [0.025, 0.975])
    assert (est.low, est.high) == pytest.approx((low, high))


def test_bootstrap_is_fast_enough(rng):
    y, s = binary_data(rng, n=1000)
    start = time.perf_counter()
    bootstrap_metrics("binary", y, s, n_boot=1000)
    # Generous bound (about 0.15 s measured); guards against a per-resample Python loop.
    assert time.perf_counter() - start < 5.0


def test_bootstrap_rejects_bad_options(rng):
    y, s = binary_data(rng, n=20)
    with pytest.raises(ConfigError, match="n_boot"):
        bootstrap_metrics("binary", y, s, n_boot=0)
    with pytest.raises(ConfigError, match="level"):
        bootstrap_metrics("binary", y, s, level=95)


# ---------------------------------------------------------------- paired bootstrap and verdict


def test_paired_bootstrap_detects_a_better_model(rng):
    y, good = binary_data(rng, n=400)
    noise = rng.random(400)
    bad = np.c_[1 - noise, noise]
    cmp = paired_bootstrap("binary", y, good, bad, metric="auroc", n_boot=300)
    assert isinstance(cmp, PairedComparison)
    assert cmp.a == pytest.approx(skm.roc_auc_score(y, good[:, 1]))
    assert cmp.b == pytest.approx(skm.roc_auc_score(y, bad[:, 1]))
    assert cmp.difference == pytest.approx(cmp.a - cmp.b)
    assert 0 < cmp.low < cmp.difference < cmp.high
    assert cmp.p_value < 0.01
    swapped = paired_bootstrap("binary", y, bad, good, metric="auroc", n_boot=300)
    assert swapped.difference == pytest.approx(-cmp.difference)
    assert (swapped.low, swapped.high) == pytest.approx((-cmp.high, -cmp.low))


def test_paired_bootstrap_same_scores_is_indistinguishable(rng):
    y, s = regression_data(rng, n=100, t=1)
    cmp = paired_bootstrap("regression", y, s, s.copy(), metric="rmse", n_boot=100)
    assert cmp.difference == 0 and cmp.low == 0 and cmp.high == 0 and cmp.p_value == 1.0


def test_paired_bootstrap_close_models_have_large_p_value(rng):
    y, s = binary_data(rng, n=300)
    jitter = np.clip(s[:, 1] + rng.normal(0, 0.05, 300), 0, 1)
    cmp = paired_bootstrap("binary", y, s, np.c_[1 - jitter, jitter], metric="auroc")
    assert cmp.low < 0 < cmp.high
    assert 0.05 < cmp.p_value <= 1.0


def test_paired_bootstrap_rejects_unknown_metric(rng):
    y, s = binary_data(rng, n=20)
    with pytest.raises(ConfigError, match="'rmse' is not a binary metric"):
        paired_bootstrap("binary", y, s, s, metric="rmse")


def comparison(metric: str, diff: float, low: float, high: float) -> PairedComparison:
    return PairedComparison(metric, 0.5 + diff, 0.5, diff, low, high, 0.01)


def test_verdict_wording_respects_metric_direction():
    kw = {"model_name": "CNN", "baseline_name": "k-mer logistic regression"}
    better = verdict(comparison("auroc", 0.042, 0.018, 0.066), **kw)
    assert better == (
        "The CNN beats the k-mer logistic regression baseline on AUROC by 0.042 "
        "(95% CI 0.018 to 0.066): deep learning helped on this data."
    )
    worse = verdict(comparison("auroc", -0.03, -0.05, -0.01), **kw)
    assert worse.startswith(
        "The k-mer logistic regression baseline beats the CNN on AUROC by 0.030"
    )
    assert "(95% CI 0.010 to 0.050)" in worse and "did not help" in worse
    tie = verdict(comparison("auroc", -0.003, -0.02, 0.015), **kw)
    assert "not distinguishable" in tie and "difference -0.003, 95% CI -0.020 to 0.015" in tie
    # RMSE: a negative difference (model lower) means the model is better.
    rmse = verdict(comparison("rmse", -0.2, -0.3, -0.1), model_name="CNN", baseline_name="ridge")
    assert rmse.startswith("The CNN beats the ridge baseline on RMSE by 0.200 (95% CI 0.100 to")
    assert "lower is better" in rmse
    rmse_worse = verdict(comparison("rmse", 0.2, 0.1, 0.3), model_name="CNN", baseline_name="x")
    assert rmse_worse.startswith("The x baseline beats the CNN")
    undefined = verdict(comparison("auroc", math.nan, math.nan, math.nan), **kw)
    assert "could not be compared" in undefined


# ---------------------------------------------------------------- names, tables and errors


def test_tables_and_names():
    assert metric_names("binary") == CLASSIFICATION_METRICS
    assert metric_names("regression") == REGRESSION_METRICS
    assert {primary_metric(t) for t in ("binary", "multilabel")} == {"auroc"}
    assert primary_metric("multiclass") == "balanced_accuracy"
    assert primary_metric("regression") == "spearman"
    assert METRIC_DIRECTION["rmse"] == METRIC_DIRECTION["loss"] == "min"
    assert all(METRIC_DIRECTION[m] == "max" for m in CLASSIFICATION_METRICS)
    with pytest.raises(ConfigError, match="'ranking' is not a task"):
        metric_names("ranking")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("task", "y", "scores", "match"),
    [
        ("binary", np.zeros((3, 2)), np.zeros((3, 2)), "expected y with 1 dimension"),
        ("binary", np.zeros(3, int), np.zeros((4, 2)), "same non-zero number of rows"),
        ("binary", np.zeros(3, int), np.zeros((3, 3)), "expected scores with 2 columns"),
        ("multilabel", np.zeros((3, 2), int), np.zeros((3, 3)), "expected scores with 2 columns"),
        ("multiclass", np.array([0, 1, 3]), np.zeros((3, 3)), r"codes in 0\.\.2"),
        ("binary", np.array([0.5, 1, 0]), np.zeros((3, 2)), "integer class codes"),
        ("binary", np.zeros(2, int), np.array([[0.5, np.nan]] * 2), "NaN or infinite"),
        ("regression", np.array([1.0, np.inf]), np.zeros(2), "y contains NaN"),
    ],
)
def test_layout_errors(task, y, scores, match):
    with pytest.raises(DataError, match=match):
        compute_metrics(task, y, scores)
