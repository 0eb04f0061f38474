"""scikit-learn compatibility of TimeSeriesClassifier / TimeSeriesRegressor."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score

import biodl
from biodl import TimeSeriesClassifier, TimeSeriesRegressor, TimeSeriesSet
from biodl.errors import DataError

SMALL = {"channels": 8, "n_layers": 1}
LENGTH = 48


def burst_data(n: int, seed: int = 0, channels: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Noise; class 1 has a sine burst (12 points) at a random place in channel 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 0.5, size=(n, channels, LENGTH))
    y = np.arange(n) % 2
    burst = 2.0 * np.sin(np.linspace(0, 2 * np.pi, 12))
    for i in np.flatnonzero(y):
        p = int(rng.integers(0, LENGTH - 12))
        X[i, 0, p : p + 12] += burst
    return X, y


def amplitude_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Univariate sines of random phase; the target is the amplitude."""
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(0.5, 3.0, size=n)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.linspace(0, 4 * np.pi, LENGTH)[None, :]
    X = amplitude[:, None] * np.sin(t + phase) + rng.normal(0, 0.1, size=(n, LENGTH))
    return X, amplitude


def test_classifier_learns_a_planted_burst_on_held_out_series():
    X, y = burst_data(240)
    clf = TimeSeriesClassifier(model_params=SMALL, epochs=5, lr=0.01, batch_size=16, seed=0)
    clf.fit(X[:200], y[:200])
    assert clf.classes_.tolist() == [0, 1]
    assert clf.n_channels_ == 2
    proba = clf.predict_proba(X[200:])
    assert proba.shape == (40, 2) and np.allclose(proba.sum(1), 1)
    assert clf.score(X[200:], y[200:]) > 0.9
    assert clf.model_.info["kind"] == "timeseries" and clf.model_.info["model"] == "cnn"
    assert 1 <= len(clf.history_) <= 5


def test_classifier_keeps_string_labels_and_takes_a_timeseriesset():
    X, y = burst_data(60, seed=1)
    names = np.where(y == 1, "burst", "flat")
    clf = TimeSeriesClassifier(model_params=SMALL, epochs=1, valid_size=0).fit(
        TimeSeriesSet.from_array(X), names
    )
    assert clf.classes_.tolist() == ["burst", "flat"]
    assert set(clf.predict(X[:10])) <= {"burst", "flat"}


def test_cross_val_score_and_clone():
    X, y = burst_data(40, seed=2)
    clf = TimeSeriesClassifier(model_params=SMALL, epochs=1, valid_size=0)
    scores = cross_val_score(clf, X, y, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and not hasattr(copy, "model_")
    assert clone(clf.set_params(lr=0.05)).lr == 0.05


def test_unfitted_estimators_raise_not_fitted():
    X, _ = burst_data(4)
    with pytest.raises(NotFittedError):
        TimeSeriesClassifier().predict(X)
    with pytest.raises(NotFittedError):
        TimeSeriesRegressor().predict(X)


def test_regressor_learns_a_planted_amplitude():
    X, amplitude = amplitude_data(240)
    reg = TimeSeriesRegressor(model_params=SMALL, epochs=5, lr=0.03, batch_size=16, seed=0)
    reg.fit(X[:200], amplitude[:200])  # (n, length): one channel
    prediction = reg.predict(X[200:])
    assert prediction.shape == (40,)
    assert reg.score(X[200:], amplitude[200:]) > 0.5


def test_wrong_shapes_raise_data_error():
    X, y = burst_data(20)
    with pytest.raises(DataError, match=r"shape \(n, length\) or \(n, channels, length\)"):
        TimeSeriesClassifier(epochs=1).fit(X[:, :, :, None], y)
    with pytest.raises(DataError, match="3 labels for 20 series"):
        TimeSeriesClassifier(epochs=1).fit(X, y[:3])
    with pytest.raises(DataError, match="use TimeSeriesRegressor"):
        TimeSeriesClassifier(epochs=1).fit(X, np.linspace(0, 1, 20))
    clf = TimeSeriesClassifier(model_params=SMALL, epochs=1, valid_size=0).fit(X, y)
    with pytest.raises(DataError, match="series have 1 channels but the training series have 2"):
        clf.predict(X[:, 0, :])


def test_exported_from_the_package():
    assert biodl.TimeSeriesClassifier is TimeSeriesClassifier
    assert {"TimeSeriesClassifier", "TimeSeriesRegressor"} <= set(biodl.__all__)
