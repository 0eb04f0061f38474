"""Baselines: quality on separable data, score layouts, determinism, sparse input, errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler

from biodl.errors import ConfigError, DataError
from biodl.evaluation import baselines
from biodl.evaluation.baselines import BASELINES, Baseline, fit_baseline

NAMES = list(BASELINES)


@pytest.fixture(autouse=True)
def few_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forests of 25 trees keep the file fast; the default size is checked separately."""
    monkeypatch.setattr(baselines, "FOREST_TREES", 25)


def features(rng: np.random.Generator, n: int = 150, d: int = 8) -> np.ndarray:
    return rng.normal(size=(n, d))


def targets(task: str, X: np.ndarray) -> np.ndarray:
    """Targets that depend on the first columns of X, so the baselines can learn them."""
    if task == "binary":
        return (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    if task == "multiclass":
        return np.digitize(X[:, 0], [-0.6, 0.0, 0.6]).astype(np.int64)  # 4 classes
    if task == "multilabel":
        return np.stack([X[:, 0] > 0, X[:, 1] > 0.3, X[:, 2] < 0], axis=1).astype(np.int64)
    return np.stack([2 * X[:, 0] - X[:, 1], X[:, 2]], axis=1)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "regression"])
def test_baseline_learns_and_gives_scores_in_the_task_layout(name, task, rng):
    X_train, X_test = features(rng, 300), features(rng, 100)
    y_train, y_test = targets(task, X_train), targets(task, X_test)
    model = fit_baseline(name, X_train, y_train, task, seed=0)
    assert isinstance(model, Baseline) and model.task == task and model.n_features == 8
    scores = model.predict_scores(X_test)
    assert scores.dtype == np.float64
    if task == "regression":
        assert scores.shape == (100, 2) and model.n_outputs == 2
        assert r2_score(y_test, scores) > 0.8
        return
    width = {"binary": 2, "multiclass": 4, "multilabel": 3}[task]
    assert scores.shape == (100, width) and model.n_outputs == width
    assert ((scores >= 0) & (scores <= 1)).all()
    if task == "multilabel":
        assert accuracy_score(y_test.ravel(), (scores >= 0.5).ravel()) > 0.85
        # Independent probabilities: rows do not sum to one.
        assert not np.allclose(scores.sum(axis=1), 1.0)
    else:
        np.testing.assert_allclose(scores.sum(axis=1), 1.0)
        floor = 0.85 if task == "binary" else 0.7
        assert accuracy_score(y_test, scores.argmax(axis=1)) > floor


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_scores(name, rng):
    X = features(rng)
    y = targets("multiclass", X)
    first = fit_baseline(name, X, y, "multiclass", seed=5).predict_scores(X)
    again = fit_baseline(name, X, y, "multiclass", seed=5).predict_scores(X)
    np.testing.assert_array_equal(first, again)


def test_forest_seed_changes_scores(rng):
    X = features(rng)
    y = targets("binary", X)
    a = fit_baseline("random_forest", X, y, "binary", seed=1).predict_scores(X)
    b = fit_baseline("random_forest", X, y, "binary", seed=2).predict_scores(X)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_sparse_input_matches_dense(name, rng):
    X = features(rng)
    X[np.abs(X) < 0.8] = 0.0  # mostly zeros, like k-mer counts
    y = targets("binary", X)
    dense = fit_baseline(name, X, y, "binary").predict_scores(X)
    sparse = fit_baseline(name, sp.csr_matrix(X), y, "binary").predict_scores(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse, dense, atol=1e-6)


def test_logistic_equals_a_directly_fitted_sklearn_pipeline(rng):
    X = features(rng)
    y = targets("multiclass", X)
    ours = fit_baseline("logistic", X, y, "multiclass", seed=0).predict_scores(X)
    direct = make_pipeline(
        MaxAbsScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=0)
    ).fit(X, y)
    np.testing.assert_array_equal(ours, direct.predict_proba(X))


def test_class_weight_balanced_shifts_scores_toward_the_rare_class(rng):
    X = features(rng, 300)
    y = (X[:, 0] > 1.0).astype(np.int64)  # about 16% positives
    plain = fit_baseline("logistic", X, y, "binary").predict_scores(X)[:, 1]
    balanced = fit_baseline("logistic", X, y, "binary", class_weight="balanced")
    assert balanced.predict_scores(X)[:, 1].mean() > plain.mean() + 0.05


@pytest.mark.parametrize("name", NAMES)
def test_multiclass_columns_stay_aligned_when_a_class_is_absent(name, rng):
    X = features(rng)
    y = targets("multiclass", X)
    keep = y != 2
    model = fit_baseline(name, X[keep], y[keep], "multiclass", n_classes=4)
    scores = model.predict_scores(X)
    assert scores.shape == (len(X), 4)
    np.testing.assert_array_equal(scores[:, 2], 0.0)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    assert accuracy_score(y[keep], scores[keep].argmax(axis=1)) > 0.7


def test_forest_default_settings(monkeypatch, rng):
    monkeypatch.undo()
    X = features(rng, 20)
    model = fit_baseline("random_forest", X, targets("binary", X), "binary", seed=3)
    forest = model.estimator
    assert (forest.n_estimators, forest.n_jobs, forest.random_state) == (300, 1, 3)
    assert forest.class_weight is None
    weighted = fit_baseline(
        "random_forest", X, targets("binary", X), "binary", class_weight="balanced"
    )
    assert weighted.estimator.class_weight == "balanced"


def test_label_combines_name_and_features(rng):
    X = features(rng, 40)
    y = targets("binary", X)
    assert fit_baseline("logistic", X, y, "binary").label == "logistic regression"
    model = fit_baseline("random_forest", X, y, "binary", features="k-mer frequencies")
    assert model.label == "random forest on k-mer frequencies"


def test_single_class_label_raises(rng):
    X = features(rng, 30)
    with pytest.raises(DataError, match=r"only class 1 .* at least two classes"):
        fit_baseline("logistic", X, np.ones(30, dtype=np.int64), "binary")
    y = targets("multilabel", X)
    y[:, 1] = 0
    with pytest.raises(DataError, match="label 'late' is negative for all 30"):
        fit_baseline("random_forest", X, y, "multilabel", label_names=["early", "late", "x"])
    y[:, 1] = 1
    with pytest.raises(DataError, match="label 1 is positive for all 30"):
        fit_baseline("logistic", X, y, "multilabel")


@pytest.mark.parametrize(
    ("task", "y", "match"),
    [
        ("binary", np.zeros(29, dtype=np.int64), "with 30 rows"),
        ("binary", np.arange(30) % 3, r"codes in 0\.\.1"),
        ("multiclass", np.arange(30) % 3, r"codes in 0\.\.1"),  # n_classes=2 given below
        ("multilabel", np.full((30, 2), 2), "expected 0/1 values"),
        ("regression", np.full(30, np.nan), "y contains NaN"),
    ],
)
def test_target_errors(task, y, match, rng):
    n_classes = 2 if task == "multiclass" else None
    with pytest.raises(DataError, match=match):
        fit_baseline("logistic", features(rng, 30), y, task, n_classes=n_classes)


def test_feature_errors(rng):
    X = features(rng, 30)
    y = targets("binary", X)
    with pytest.raises(DataError, match="expected a 2-D"):
        fit_baseline("logistic", X[:, 0], y, "binary")
    X_bad = X.copy()
    X_bad[3, 2] = np.inf
    with pytest.raises(DataError, match="NaN or infinite"):
        fit_baseline("logistic", X_bad, y, "binary")
    model = fit_baseline("logistic", X, y, "binary")
    with pytest.raises(DataError, match="expected 8 feature columns as at fit, got 7"):
        model.predict_scores(X[:, :7])


def test_option_errors(rng):
    X = features(rng, 30)
    y = targets("binary", X)
    with pytest.raises(ConfigError, match="'svm' is not a baseline"):
        fit_baseline("svm", X, y, "binary")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'ranking' is not a task"):
        fit_baseline("logistic", X, y, "ranking")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="class_weight: 'auto'"):
        fit_baseline("logistic", X, y, "binary", class_weight="auto")  # type: ignore[arg-type]


def test_logistic_baseline_is_called_ridge_for_regression():
    X = np.random.default_rng(0).normal(size=(30, 3))
    reg = fit_baseline("logistic", X, X[:, :1] * 2.0, "regression", features="raw")
    assert reg.human_name == "ridge regression" and reg.label == "ridge regression on raw"
    clf = fit_baseline("logistic", X, (X[:, 0] > 0).astype(np.int64), "binary")
    assert clf.human_name == "logistic regression"
