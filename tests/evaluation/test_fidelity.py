"""Fidelity metrics checked against scipy and direct formulas, and the feature space."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

from biodl.errors import ConfigError, DataError
from biodl.evaluation.fidelity import (
    correlation_distance,
    ks_wasserstein,
    median_bandwidth,
    mmd2,
    per_feature_distances,
    prdc,
)
from biodl.evaluation.synthetic_space import MAX_FEATURES, FeatureSpace


def test_ks_and_wasserstein_match_scipy_with_ties():
    rng = np.random.default_rng(0)
    real = rng.poisson(2.0, size=(50, 4)).astype(float)  # many ties
    synth = np.c_[rng.poisson(2.5, size=(70, 3)), rng.normal(size=70)]
    ks, wd = ks_wasserstein(real, synth)
    for j in range(4):
        assert ks[j] == pytest.approx(ks_2samp(real[:, j], synth[:, j]).statistic, abs=1e-12)
        assert wd[j] == pytest.approx(wasserstein_distance(real[:, j], synth[:, j]), abs=1e-12)


def test_per_feature_table_scales_and_sorts():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(80, 3)) * [1.0, 10.0, 1.0]
    synth = real + np.array([0.0, 0.0, 3.0])
    table = per_feature_distances(real, synth, scale=np.array([1.0, 10.0, 2.0]), names=list("abc"))
    assert table["feature"].iloc[0] == "c"  # the shifted feature first
    row = table.set_index("feature").loc["c"]
    assert row["wasserstein"] == pytest.approx(1.5)  # shift 3 in units of scale 2
    assert table.set_index("feature").loc["a", "ks"] == 0.0


def direct_mmd2(a: np.ndarray, b: np.ndarray, h: float) -> float:
    def k(x, y):
        d = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
        return np.exp(-d / (2 * h * h))

    return float(k(a, a).mean() + k(b, b).mean() - 2 * k(a, b).mean())


def test_mmd_matches_the_direct_formula_and_median_heuristic():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(40, 3)), rng.normal(size=(30, 3)) + 0.5
    h = median_bandwidth(a)
    pairs = [np.linalg.norm(a[i] - a[j]) for i in range(40) for j in range(i + 1, 40)]
    assert h == pytest.approx(np.median(pairs))
    assert mmd2(a, b) == pytest.approx(direct_mmd2(a, b, h), rel=1e-10)
    assert mmd2(a, b, bandwidth=0.7) == pytest.approx(direct_mmd2(a, b, 0.7), rel=1e-10)
    assert mmd2(a, a) == pytest.approx(0.0, abs=1e-12)


def test_correlation_distance_formula():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(60, 4)), rng.normal(size=(50, 4))
    r, s = np.corrcoef(a.T), np.corrcoef(b.T)
    iu = np.triu_indices(4, k=1)
    expected = np.sqrt(np.mean((r[iu] - s[iu]) ** 2))
    assert correlation_distance(a, b) == pytest.approx(expected)
    b[:, 2] = 1.0  # a constant synthetic column correlates 0, not NaN
    assert np.isfinite(correlation_distance(a, b))


def test_prdc_two_samples_of_one_distribution():
    """1,000 vs 1,000 draws of one 10-d Gaussian, k = 5.

    Expected coverage 1 - prod_{i=1..5} (1000 - i) / (2000 - i) = 0.969 and density 1 (Naeem et
    al. 2020). Over 20 seeds the spread was 0.006 (coverage) and 0.04 (density): the
    tolerances (0.02, 0.15) are about 3.5 standard deviations.
    """
    rng = np.random.default_rng(0)
    p = prdc(rng.normal(size=(1000, 10)), rng.normal(size=(1000, 10)), k=5)
    expected = 1 - np.prod([(1000 - i) / (2000 - i) for i in range(1, 6)])
    assert expected == pytest.approx(0.969, abs=5e-4)
    assert p.coverage == pytest.approx(expected, abs=0.02)
    assert p.density == pytest.approx(1.0, abs=0.15)
    assert p.precision > 0.9 and p.recall > 0.9


def test_prdc_matches_a_direct_count():
    rng = np.random.default_rng(4)
    r, s = rng.normal(size=(30, 2)), rng.normal(size=(25, 2)) + 0.5
    k = 3
    drr = np.linalg.norm(r[:, None] - r[None], axis=-1)
    dss = np.linalg.norm(s[:, None] - s[None], axis=-1)
    drs = np.linalg.norm(r[:, None] - s[None], axis=-1)  # (real, synth)
    rad_r, rad_s = np.sort(drr, axis=1)[:, k], np.sort(dss, axis=1)[:, k]
    inside = drs <= rad_r[:, None]
    p = prdc(r, s, k=k)
    assert p.precision == pytest.approx(inside.any(axis=0).mean())
    assert p.recall == pytest.approx((drs <= rad_s[None, :]).any(axis=1).mean())
    assert p.density == pytest.approx(inside.sum() / (k * 25))
    assert p.coverage == pytest.approx(inside.any(axis=1).mean())


def test_prdc_too_few_rows_is_nan():
    p = prdc(np.zeros((3, 2)), np.ones((10, 2)), k=5)
    assert np.isnan(p.coverage)


def test_feature_space_log_for_counts_and_pca_only_with_enough_rows():
    rng = np.random.default_rng(5)
    counts = rng.poisson(3.0, size=(30, 80))
    wide = FeatureSpace.fit(counts)  # 30 rows < 10 per feature: standardised features
    assert wide.log1p and wide.pca is None and wide.n_components == 80
    z = wide.standardise(counts)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-10)
    assert np.array_equal(wide.transform(counts[:5]), z[:5])
    assert np.isfinite(wide.transform(-np.ones((2, 80)))).all()  # negative synthetic values
    tall = FeatureSpace.fit(rng.normal(size=(700, 60)) * np.linspace(1, 2, 60))
    assert not tall.log1p and tall.pca is not None and tall.n_components == 50
    assert tall.features[0] == 59  # most variable first
    assert tall.transform(np.zeros((3, 60))).shape == (3, 50)


def test_feature_space_keeps_the_most_variable_features():
    X = np.random.default_rng(7).normal(size=(20, 2500)) * np.r_[np.ones(2400), np.full(100, 5.0)]
    space = FeatureSpace.fit(X)
    assert len(space.features) == MAX_FEATURES
    assert set(range(2400, 2500)) <= set(space.features[:100].tolist())


def test_feature_space_with_an_embedding():
    images = np.random.default_rng(6).random((20, 1, 4, 4))
    space = FeatureSpace.fit(images, embed=lambda x: x.reshape(len(x), -1)[:, :3])
    assert not space.log1p and space.transform(images).shape == (20, 3)
    with pytest.raises(DataError, match=r"embed: expected the embedding of 20 rows"):
        FeatureSpace.fit(images, embed=lambda x: x[:3].reshape(3, -1))


def test_feature_space_bad_input():
    with pytest.raises(DataError, match="expected at least 2 rows"):
        FeatureSpace.fit(np.zeros((1, 4)))
    with pytest.raises(ConfigError, match="n_components: expected a positive int"):
        FeatureSpace.fit(np.zeros((5, 4)), n_components=0)


def test_nn_accuracy_is_half_for_alike_sets_high_for_collapse_low_for_copies():
    from biodl.evaluation.fidelity import nn_accuracy

    rng = np.random.default_rng(0)
    real = rng.normal(size=(100, 4))
    alike = nn_accuracy(real, rng.normal(size=(500, 4)))
    assert 0.4 < alike < 0.6
    collapsed = np.repeat(rng.normal(size=(5, 4)), 100, axis=0) + 0.01 * rng.normal(size=(500, 4))
    assert nn_accuracy(real, collapsed) > 0.9
    assert nn_accuracy(real, real + 1e-6) == 0.0  # each row's neighbour is its copy
    assert nn_accuracy(real, real[:1]) != nn_accuracy(real, real[:1])  # NaN under 2 rows
    # fewer synthetic than real rows: as many real rows drawn; seeded
    few = rng.normal(size=(30, 4))
    assert nn_accuracy(real, few, seed=3) == nn_accuracy(real, few, seed=3)
