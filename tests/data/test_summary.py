"""Summary statistics: each statistic against a plain numpy loop, imputation, errors."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data.summary import (
    SUMMARY_STATS,
    summary_features,
    summary_from_observations,
)
from biodl.errors import DataError


def reference(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """(n, V, 7) statistics by a loop over records and variables (NaN where undefined)."""
    n, n_vars, _ = values.shape
    out = np.full((n, n_vars, len(SUMMARY_STATS)), np.nan)
    for i in range(n):
        for v in range(n_vars):
            keep = np.isfinite(values[i, v])
            x, t = values[i, v][keep], times[keep]
            out[i, v, 4] = keep.sum()
            out[i, v, 6] = float(keep.sum() == 0)
            if x.size:
                out[i, v, :4] = [x.mean(), x.min(), x.max(), x[np.argmax(t)]]
            if x.size >= 2:
                out[i, v, 5] = np.polyfit(t, x, 1)[0]
    return out


@pytest.fixture
def sparse_values(rng: np.random.Generator) -> np.ndarray:
    values = rng.normal(size=(30, 4, 12)) * 3 + 10
    values[rng.random(values.shape) < 0.6] = np.nan
    values[0, 1] = np.nan  # a variable never observed
    values[1, 2] = np.nan
    values[1, 2, 5] = 7.0  # a single observation: no slope
    return values


def test_statistics_match_a_numpy_loop(sparse_values):
    times = np.sort(np.random.default_rng(1).uniform(0, 48, size=12))
    feats = summary_features(sparse_values, times, names=["hr", "sbp", "lactate", "temp"])
    ref = reference(sparse_values, times).reshape(30, -1)
    defined = np.isfinite(ref)
    np.testing.assert_allclose(feats.X[defined], ref[defined], rtol=1e-9, atol=1e-9)
    assert feats.X.shape == (30, 28) and np.isfinite(feats.X).all()
    assert feats.names[:7] == tuple(f"hr_{s}" for s in SUMMARY_STATS)


def test_missing_statistics_are_imputed_by_median_and_zero_slope(sparse_values):
    feats = summary_features(sparse_values)
    ref = reference(sparse_values, np.arange(12.0)).reshape(30, -1)
    mean_col = 1 * 7  # sbp_mean
    assert feats.X[0, mean_col] == pytest.approx(np.nanmedian(ref[:, mean_col]))
    assert feats.X[0, mean_col + 6] == 1.0  # missing indicator
    assert feats.X[1, 2 * 7 + 5] == 0.0  # slope from one observation
    assert feats.X[1, 2 * 7 + 4] == 1.0  # count


def test_fill_from_training_is_reused(sparse_values):
    train = summary_features(sparse_values[:20])
    test = summary_features(sparse_values[20:], fill=train.fill)
    assert np.array_equal(test.fill, train.fill)
    with pytest.raises(DataError, match="fill has shape"):
        summary_features(sparse_values[:, :2], fill=train.fill)


def test_observation_lists_agree_with_the_dense_array(sparse_values, rng):
    rec, var, col = np.nonzero(np.isfinite(sparse_values))
    order = rng.permutation(rec.size)  # any order
    feats = summary_from_observations(
        rec[order],
        var[order],
        col[order].astype(float),
        sparse_values[rec, var, col][order],
        n_records=30,
        n_variables=4,
    )
    np.testing.assert_allclose(feats.X, summary_features(sparse_values).X)


def test_per_record_times_and_two_dimensional_input():
    values = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, np.nan]])
    times = np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]])
    feats = summary_features(values, times)
    assert feats.X[:, 5].tolist() == [1.5, 0.0]


def test_shape_errors():
    with pytest.raises(DataError, match="expected values of shape"):
        summary_features(np.zeros(3))
    with pytest.raises(DataError, match="times has shape"):
        summary_features(np.zeros((2, 1, 3)), np.zeros(4))
    with pytest.raises(DataError, match="2 names for 1 variables"):
        summary_features(np.zeros((2, 1, 3)), names=["a", "b"])
