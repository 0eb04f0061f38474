"""Baselines with missing labels: one model per label, fitted on that label's observed rows,
scores for every row (scikit-learn's multi-output models take no NaN)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler

from biodl.errors import DataError
from biodl.evaluation.baselines import BASELINES, PerLabel, fit_baseline
from biodl.evaluation.panel import FOREST_TREES, fit_member


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 4))
    y = (X[:, :3] + 0.3 * rng.normal(size=(80, 3)) > 0).astype(np.float64)
    y[rng.random(y.shape) < 0.3] = np.nan
    return X, y


@pytest.mark.parametrize("name", list(BASELINES))
def test_multilabel_baselines_fit_each_label_on_its_observed_rows(name):
    X, y = _data()
    baseline = fit_baseline(name, X, y, "multilabel", label_names=["a", "b", "c"])
    assert isinstance(baseline.estimator, PerLabel)
    scores = baseline.predict_scores(X)
    assert scores.shape == (80, 3) and np.isfinite(scores).all()
    if name == "logistic":
        for k in range(3):
            ok = ~np.isnan(y[:, k])
            model = make_pipeline(MaxAbsScaler(), LogisticRegression(max_iter=2000, random_state=0))
            want = model.fit(X[ok], y[ok, k].astype(int)).predict_proba(X)[:, 1]
            assert np.allclose(scores[:, k], want)


def test_panel_member_regression_per_target():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 3))
    y = X[:, :2] * [2.0, -1.0]
    y[rng.random(y.shape) < 0.4] = np.nan
    fit = fit_member("random_forest", X, y, "regression", label_names=["u", "v"])
    assert fit.settings.startswith("one model per label on its observed rows: u: ")
    scores = fit.baseline.predict_scores(X)
    ok = ~np.isnan(y[:, 1])
    forest = RandomForestRegressor(n_estimators=FOREST_TREES, n_jobs=1, random_state=0)
    assert np.allclose(scores[:, 1], forest.fit(X[ok], y[ok, 1]).predict(X))


def test_label_with_one_observed_class_is_named():
    X, y = _data()
    y[~np.isnan(y[:, 1]), 1] = 1.0
    with pytest.raises(DataError, match=r"label 'b' \(\d+ observed rows\): .*only class 1"):
        fit_baseline("logistic", X, y, "multilabel", label_names=["a", "b", "c"])
