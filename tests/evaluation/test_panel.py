"""The baseline panel's models on arrays: every task, inner-CV strength, subsamples, choice."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import MaxAbsScaler

from biodl.errors import ConfigError, DataError
from biodl.evaluation import panel
from biodl.evaluation.panel import (
    C_GRID,
    PANEL,
    best_member,
    fit_member,
    inner_strength,
    stratified_subsample,
    tree_rows,
)


def _data(rng: np.random.Generator, task: str, n: int = 240) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 6))
    if task == "binary":
        return X, (X[:, 0] - X[:, 1] > 0).astype(np.int64)
    if task == "multiclass":
        return X, np.digitize(X[:, 0], [-0.5, 0.5]).astype(np.int64)
    if task == "multilabel":
        return X, np.stack([X[:, 0] > 0, X[:, 1] > 0], axis=1).astype(np.int64)
    return X, np.stack([X[:, 0] * 2 + X[:, 2], X[:, 1]], axis=1)


@pytest.mark.parametrize("name", PANEL)
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "regression"])
def test_every_member_fits_every_task_and_scores_in_its_layout(name, task, rng):
    X, y = _data(rng, task)
    fit = fit_member(name, X[:200], y[:200], task, seed=0)
    scores = fit.baseline.predict_scores(X[200:])
    width = {"binary": 2, "multiclass": 3, "multilabel": 2, "regression": 2}[task]
    assert scores.shape == (40, width)
    assert fit.n_fit == 200 and fit.seconds >= 0 and fit.settings
    if task == "regression":
        assert np.corrcoef(scores[:, 0], y[200:, 0])[0, 1] > 0.7
    elif task == "multilabel":
        assert ((scores > 0.5) == y[200:]).mean() > 0.75
    else:
        assert (scores.argmax(1) == y[200:]).mean() > 0.7


def test_inner_strength_is_chosen_by_cross_validation_on_the_rows_given(rng):
    """The choice equals an independent k-fold log-loss search on the same (training) rows."""
    X = rng.normal(size=(300, 20))
    y = (X[:, 0] + 0.8 * rng.normal(size=300) > 0).astype(np.int64)
    Xs = MaxAbsScaler().fit_transform(X)  # as the panel's logistic regression sees them
    C, folds = inner_strength(Xs, y, "binary", seed=3)
    assert folds == 3
    losses = []
    for c in C_GRID:
        total = 0.0
        for train, held in StratifiedKFold(3, shuffle=True, random_state=3).split(Xs, y):
            model = LogisticRegression(C=c, max_iter=500).fit(Xs[train], y[train])
            total += log_loss(y[held], model.predict_proba(Xs[held]))
        losses.append(total)
    assert C_GRID[int(np.argmin(losses))] == C
    fit = fit_member("logistic", X, y, "binary", seed=3)
    assert fit.baseline.estimator[-1].C == C
    assert f"C={C:g} chosen by 3-fold cross-validation" in fit.settings


def test_inner_strength_prefers_strong_regularisation_on_noise(rng):
    X = rng.normal(size=(200, 50))
    y = rng.integers(0, 2, size=200)
    assert inner_strength(X, y, "binary")[0] <= 0.1  # the two strongest of the grid


def test_inner_strength_with_a_single_example_of_a_class_keeps_c_1(rng):
    X = rng.normal(size=(30, 3))
    y = np.array([0] * 29 + [1])
    assert inner_strength(X, y, "binary") == (1.0, 1)
    assert "no inner cross-validation" in fit_member("logistic", X, y, "binary").settings


def test_boosting_stops_early_only_with_enough_rows_of_each_class(rng):
    X, y = _data(rng, "binary", n=400)
    stopped = fit_member("gradient_boosting", X, y, "binary")
    assert stopped.baseline.estimator.early_stopping is True
    few = fit_member("gradient_boosting", X[:16], y[:16], "binary")  # < 10 of each class
    assert few.baseline.estimator.early_stopping is False
    assert "(early stopping)" in stopped.settings and "(early stopping)" not in few.settings


def test_trees_accept_sparse_features_and_predict_them_in_blocks(rng, monkeypatch):
    X, y = _data(rng, "multiclass", n=300)
    X = np.abs(X)
    fit = fit_member("gradient_boosting", sp.csr_matrix(X), y, "multiclass", seed=0)
    whole = fit.baseline.predict_scores(sp.csr_matrix(X))
    monkeypatch.setattr("biodl.evaluation.baselines._DENSE_BLOCK_CELLS", 6 * 7)  # 7 rows a block
    np.testing.assert_array_equal(fit.baseline.predict_scores(sp.csr_matrix(X)), whole)
    np.testing.assert_array_equal(
        fit_member("gradient_boosting", X, y, "multiclass", seed=0).baseline.predict_scores(X),
        whole,
    )


def test_stratified_subsample_keeps_class_shares_and_every_class():
    y = np.array([0] * 900 + [1] * 95 + [2] * 5)
    rows = stratified_subsample(y, 100, "binary", seed=0)
    assert np.all(np.diff(rows) > 0)
    assert np.bincount(y[rows]).tolist() == [90, 10, 1]
    assert stratified_subsample(y, 2000, "multiclass").tolist() == list(range(1000))
    again = stratified_subsample(y, 100, "binary", seed=0)
    np.testing.assert_array_equal(rows, again)
    assert len(stratified_subsample(np.zeros((1000, 2)), 50, "regression")) == 50


def test_tree_rows_bound_the_dense_matrix():
    assert tree_rows(10) == panel.TREE_MAX_ROWS
    assert tree_rows(10_000) * 10_000 <= panel.TREE_MAX_CELLS
    assert tree_rows(10**9) == 1000


def test_best_member_takes_the_highest_and_the_first_on_a_tie():
    assert best_member({"logistic": 0.7, "random_forest": 0.9, "gradient_boosting": 0.8}) == (
        "random_forest"
    )
    assert best_member({"logistic": 0.9, "random_forest": 0.9}) == "logistic"
    assert best_member({"logistic": None, "random_forest": float("nan"), "gb": 0.1}) == "gb"


def test_member_errors(rng):
    X, y = _data(rng, "binary")
    with pytest.raises(ConfigError, match=r"'xgboost' is not a baseline \(valid: logistic"):
        fit_member("xgboost", X, y, "binary")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"training labels hold only class 0"):
        fit_member("random_forest", X, np.zeros(len(X), dtype=np.int64), "binary")


@pytest.mark.parametrize("name", PANEL)
def test_constant_columns_are_dropped_before_the_fit(name, rng):
    X, y = _data(rng, "binary")
    wide = np.hstack([X, np.zeros((len(X), 5)), np.ones((len(X), 2))])
    fit = fit_member(name, sp.csr_matrix(wide[:200]), y[:200], "binary", seed=0)
    assert "on the 6 of 13 columns that vary in the training rows" in fit.settings
    assert fit.baseline.n_features == 13
    plain = fit_member(name, X[:200], y[:200], "binary", seed=0)
    np.testing.assert_allclose(
        fit.baseline.predict_scores(sp.csr_matrix(wide[200:])),
        plain.baseline.predict_scores(X[200:]),
        rtol=1e-5,
        atol=1e-6,
    )


def test_inner_strength_is_chosen_on_a_subsample_of_many_rows(rng, monkeypatch):
    X, y = _data(rng, "binary", n=400)
    monkeypatch.setattr(panel, "INNER_MAX_ROWS", 90)
    fit = fit_member("logistic", X, y, "binary", seed=0)
    assert "on 90 of the training rows (stratified subsample)" in fit.settings
    rows = stratified_subsample(y, 90, "binary", seed=0)
    Xs = MaxAbsScaler().fit_transform(X)
    assert inner_strength(Xs[rows], y[rows], "binary")[0] == fit.baseline.estimator[-1].C
    assert fit.n_fit == 400  # the final model sees every row
