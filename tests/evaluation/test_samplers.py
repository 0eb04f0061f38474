"""The classical samplers: shapes, dtypes, conditional draws and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.errors import ConfigError, DataError
from biodl.evaluation.samplers import (
    SAMPLERS,
    CopyTraining,
    GaussianCopula,
    IndependentMarginals,
    classical_samplers,
)


@pytest.fixture
def counts() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.poisson(4.0, size=(60, 5))
    X[:, 3] = 7  # a constant column
    y = np.repeat(np.array(["a", "b", "c"]), [30, 20, 10])
    return X, y


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_integer_counts_stay_integers_and_constant_columns_constant(name, counts):
    X, _ = counts
    out = SAMPLERS[name]().fit(X).sample(200, seed=1)  # more rows than trained on
    assert out.X.shape == (200, 5) and out.y is None
    assert out.X.dtype == X.dtype
    assert (out.X[:, 3] == 7).all()
    assert out.X.min() >= 0
    # each column's values were observed in training (the copula's step quantile too)
    for j in range(5):
        assert np.isin(out.X[:, j], X[:, j]).all()


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_conditional_sampling_respects_class_proportions(name, counts):
    X, y = counts
    sampler = SAMPLERS[name]().fit(X, y)
    out = sampler.sample(120, seed=2)
    classes, n = np.unique(out.y, return_counts=True)
    assert classes.tolist() == ["a", "b", "c"]
    assert n.tolist() == [60, 40, 20]  # 30:20:10 exactly
    per = sampler.sample(n_per_class=7)
    assert np.unique(per.y, return_counts=True)[1].tolist() == [7, 7, 7]
    wanted = np.array(["c", "a", "c", "b"])
    assert sampler.sample(labels=wanted).y.tolist() == wanted.tolist()


def test_conditional_rows_come_from_their_class():
    X = np.r_[np.zeros((20, 3)), np.full((20, 3), 10.0)]
    y = np.repeat([0, 1], 20)
    for sampler in classical_samplers().values():
        out = sampler.fit(X, y).sample(n_per_class=15, seed=3)
        assert (out.X[out.y == 0] == 0).all() and (out.X[out.y == 1] == 10).all()


def test_same_seed_same_rows(counts):
    X, y = counts
    a = GaussianCopula().fit(X, y).sample(50, seed=4)
    b = GaussianCopula().fit(X, y).sample(50, seed=4)
    c = GaussianCopula().fit(X, y).sample(50, seed=5)
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)


def test_copy_training_returns_every_row_before_repeating():
    X = np.arange(20.0).reshape(10, 2)
    out = CopyTraining().fit(X).sample(25, seed=0).X
    first = {tuple(r) for r in out[:10]}
    assert first == {tuple(r) for r in X}
    assert {tuple(r) for r in out} <= first


def test_copula_keeps_dependence_marginals_lose_it():
    rng = np.random.default_rng(0)
    a = rng.normal(size=500)
    X = np.c_[a, a + 0.3 * rng.normal(size=500), rng.exponential(size=500)]
    r_real = np.corrcoef(X.T)[0, 1]
    r_cop = np.corrcoef(GaussianCopula().fit(X).sample(2000).X.T)[0, 1]
    r_ind = np.corrcoef(IndependentMarginals().fit(X).sample(2000).X.T)[0, 1]
    assert abs(r_cop - r_real) < 0.05
    assert abs(r_ind) < 0.06


def test_gaussian_margins_match_mean_and_covariance():
    rng = np.random.default_rng(1)
    X = rng.multivariate_normal([1.0, -2.0], [[2.0, 0.9], [0.9, 1.0]], size=400)
    Z = GaussianCopula(margins="gaussian").fit(X).sample(20000, seed=0).X
    np.testing.assert_allclose(Z.mean(axis=0), X.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(np.cov(Z.T), np.cov(X.T), atol=0.08)


def test_more_features_than_rows_and_images():
    rng = np.random.default_rng(2)
    wide = rng.normal(size=(12, 3000))
    assert GaussianCopula().fit(wide).sample(30).X.shape == (30, 3000)
    images = rng.random(size=(16, 1, 4, 4))
    out = IndependentMarginals().fit(images, np.repeat([0, 1], 8)).sample(6)
    assert out.X.shape == (6, 1, 4, 4)


def test_a_class_with_one_row_gives_that_row():
    X = np.r_[np.arange(6.0).reshape(3, 2), [[50.0, 60.0]]]
    y = np.array([0, 0, 0, 1])
    out = GaussianCopula().fit(X, y).sample(n_per_class=3)
    assert (out.X[out.y == 1] == [50.0, 60.0]).all()


def test_bad_input_is_named():
    X = np.arange(20.0).reshape(10, 2)
    fitted = IndependentMarginals().fit(X, np.repeat([0, 1], 5))
    with pytest.raises(ConfigError, match="n: expected a positive number of samples, got 0"):
        IndependentMarginals().fit(X).sample(0)
    with pytest.raises(ConfigError, match="n_per_class: expected a positive"):
        fitted.sample(n_per_class=-1)
    with pytest.raises(ConfigError, match="exactly one of n, labels, n_per_class"):
        fitted.sample(5, n_per_class=2)
    with pytest.raises(DataError, match="at least 2 classes, found only"):
        CopyTraining().fit(X, np.zeros(10))
    with pytest.raises(DataError, match="one label per row"):
        CopyTraining().fit(X, np.zeros(3))
    with pytest.raises(DataError, match="class 7 was not in the training labels"):
        fitted.sample(labels=[0, 7])
    with pytest.raises(ConfigError, match="fitted without labels"):
        IndependentMarginals().fit(X).sample(labels=[0])
    with pytest.raises(ConfigError, match="call fit"):
        GaussianCopula().sample(3)
    with pytest.raises(DataError, match="column 1 holds NaN"):
        GaussianCopula().fit(np.array([[1.0, 2.0], [3.0, np.nan]]))
    with pytest.raises(ConfigError, match="margins: expected 'empirical' or 'gaussian'"):
        GaussianCopula(margins="t").fit(X)  # type: ignore[arg-type]
