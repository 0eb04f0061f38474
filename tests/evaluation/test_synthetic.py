"""Judging synthetic data: the entry point, the comparison table and the checks that must flag
copies and lost dependence."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from biodl.errors import ConfigError, DataError
from biodl.evaluation.privacy import diversity, exact_copies, privacy
from biodl.evaluation.samplers import CopyTraining, GaussianCopula, IndependentMarginals, Samples
from biodl.evaluation.synthetic import (
    SelectionScore,
    compare_samplers,
    evaluate_synthetic,
    selection_score,
)
from biodl.evaluation.synthetic_checks import default_detector, detection_auroc, utility


def correlated(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = 6
    cov = 0.7 * np.ones((p, p)) + 0.3 * np.eye(p)
    X = rng.multivariate_normal(np.zeros(p), cov, size=n)
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def table():
    X, y = correlated(500)
    return compare_samplers(X[:300], X[300:], y_train=y[:300], y_holdout=y[300:], seed=0).table


def test_copy_training_is_flagged_by_every_privacy_check(table):
    copy = table.loc["copy_training"]
    assert copy["exact_copy_fraction"] == 1.0 and copy["exact_copies"] == 300
    assert copy["dcr_ratio"] == pytest.approx(0.0, abs=1e-9)
    assert copy["nndr_synthetic_median"] == pytest.approx(0.0, abs=1e-9)
    assert copy["membership_auroc"] > 0.95
    for name in ("independent_marginals", "gaussian_copula"):
        row = table.loc[name]
        assert row["exact_copies"] == 0 and row["dcr_ratio"] > 0.7
        assert 0.35 < row["membership_auroc"] < 0.65


def test_marginals_lose_the_dependence_that_the_copula_keeps(table):
    ind, cop = table.loc["independent_marginals"], table.loc["gaussian_copula"]
    assert ind["correlation_distance"] > cop["correlation_distance"] + 0.2
    assert ind["detection_auroc"] > cop["detection_auroc"] + 0.1
    assert ind["mmd2"] > cop["mmd2"]
    assert 0.3 < cop["detection_auroc"] < 0.7


def test_table_has_every_metric_and_class_checks(table):
    assert list(table.index) == ["independent_marginals", "gaussian_copula", "copy_training"]
    for key in ("ks_mean", "wasserstein_mean", "precision", "recall", "density", "coverage"):
        assert table[key].notna().all()
    assert (table["classes_by_label"] == 1.0).all()
    assert (table["trtr"] == table["trtr"].iloc[0]).all()
    assert table.loc["copy_training", "tstr_trtr_ratio"] == pytest.approx(1.0, abs=0.05)


def test_compare_samplers_puts_the_model_first_and_draws_its_labels():
    X, y = correlated(200, seed=1)
    model = GaussianCopula().fit(X[:120], y[:120]).sample(labels=np.repeat([0, 1], [10, 50]))
    result = compare_samplers(
        X[:120], X[120:], {"gan": model}, y_train=y[:120], y_holdout=y[120:], seed=0
    )
    assert result.table.index[0] == "gan"
    assert set(result.table["n_synthetic"]) == {60.0}
    assert result.table.loc["gan", "classes_by_label"] == 1.0


def test_evaluate_without_labels_and_with_images():
    rng = np.random.default_rng(2)
    images = rng.random((60, 1, 4, 4))
    q = evaluate_synthetic(images[:40], images[40:], rng.random((30, 1, 4, 4)))
    assert "tstr" not in q.metrics and "classes_by_label" not in q.metrics
    assert len(q.per_feature) == 16 and q.synthetic_coords.shape[0] == 30
    embedded = evaluate_synthetic(
        images[:40], images[40:], images[:30], embed=lambda x: x.reshape(len(x), -1)[:, :4]
    )
    assert embedded.space.n_components == 4
    assert embedded.metrics["exact_copy_fraction"] == 1.0  # judged on the raw rows


def test_membership_attack_is_fair_with_far_more_features_than_rows():
    """30 training rows x 1,000 heavy-tailed features. A PCA fitted on the training rows would
    make them look closer to everything: membership AUROC 0.11 (0.11-0.27 over 4 seeds) for a
    sampler that knows no members; in the standardised space it is 0.60 (0.60-0.79: the
    marginals sampler reuses training values, a small real leak)."""
    rng = np.random.default_rng(1)
    X = rng.standard_t(3, size=(60, 1000)) + rng.normal(size=(60, 1)) * np.linspace(0, 3, 1000)
    q = evaluate_synthetic(X[:30], X[30:], IndependentMarginals().fit(X[:30]).sample(30).X)
    assert q.space.pca is None
    assert 0.45 < q.metrics["membership_auroc"] < 0.9
    assert 0.8 < q.metrics["dcr_ratio"] < 1.5


def test_utility_matches_sklearn_and_handles_one_synthetic_class():
    X, y = correlated(300, seed=3)
    u = utility(X[:150], y[:150], X[150:200], y[150:200], X[200:], y[200:])
    real = LogisticRegression(max_iter=2000).fit(X[:150], y[:150])
    assert u.trtr == pytest.approx(accuracy_score(y[200:], real.predict(X[200:])), abs=0.02)
    collapsed = utility(
        X[:150],
        y[:150],
        X[150:160],
        np.zeros(10, int),
        X[200:],
        y[200:],
        metric=balanced_accuracy_score,
    )
    assert collapsed.tstr == pytest.approx(0.5)  # always the one class
    assert collapsed.ratio == pytest.approx(collapsed.tstr / collapsed.trtr)


def test_detection_near_half_for_one_distribution_and_one_for_another():
    rng = np.random.default_rng(4)
    same = detection_auroc(rng.normal(size=(200, 4)), rng.normal(size=(300, 4)))
    apart = detection_auroc(rng.normal(size=(200, 4)), rng.normal(size=(300, 4)) + 2)
    assert 0.4 < same < 0.6 and apart > 0.95


def test_exact_copies_compare_values_not_dtypes():
    train = np.array([[1, 2], [3, 4]])
    assert exact_copies(train, np.array([[1.0, 2.0], [3.0, 4.5], [-0.0, 0.0]])) == 1
    assert exact_copies(np.zeros((1, 2)), np.array([[-0.0, 0.0]])) == 1


def test_privacy_and_diversity_of_collapsed_samples():
    rng = np.random.default_rng(5)
    train, holdout = rng.normal(size=(50, 3)), rng.normal(size=(40, 3))
    collapsed = np.repeat(train[:1] + 0.01, 20, axis=0)
    p = privacy(train, holdout, collapsed)
    assert p.exact_copies == 0 and p.dcr_ratio < 0.2
    d = diversity(collapsed, classes=np.array([0, 1]), y_synthetic=np.zeros(20))
    assert d.distinct_fraction == pytest.approx(1 / 20)
    assert d.classes_by_label == 0.5 and np.isnan(d.classes_by_classifier)


def test_selection_score_is_lower_for_better_samples_and_repeatable():
    X, _ = correlated(400, seed=6)
    score = SelectionScore(X[:200], X[200:300])
    good = GaussianCopula().fit(X[:200]).sample(100, seed=0).X
    bad = good + 1.0
    assert score(good) < score(bad)
    assert score(good) == score(good) == selection_score(X[:200], X[200:300], good)
    diverged = good.copy()
    diverged[3, 2] = np.nan
    assert score(diverged) == float("inf")
    with pytest.raises(DataError, match="synthetic: expected rows of 6 values"):
        score(good[:, :3])


def test_selection_score_nn_criterion_punishes_collapse_that_mmd_misses_less():
    X, _ = correlated(600, seed=7)
    good = GaussianCopula().fit(X[:300]).sample(300, seed=0).X
    collapsed = np.repeat(good[:10], 30, axis=0)
    nn = SelectionScore(X[:300], X[300:450], criterion="nn")
    assert nn.criterion == "nn"
    assert nn(good) < 0.15 and nn(collapsed) > 0.3
    copies = X[300:450] + 1e-6  # on top of the held-out rows: accuracy near 0, as bad
    assert nn(copies) > 0.3 and nn(copies) > nn(good)
    with pytest.raises(ConfigError, match="criterion='knn': expected one of mmd, nn"):
        SelectionScore(X[:300], X[300:], criterion="knn")


def test_bad_input_raises_named_errors():
    X, y = correlated(60)
    with pytest.raises(DataError, match=r"synthetic: expected rows of 6 values like real_train"):
        evaluate_synthetic(X[:30], X[30:], X[:, :5])
    with pytest.raises(DataError, match=r"real_holdout: expected rows of 6 values"):
        evaluate_synthetic(X[:30], X[30:, :4], X)
    with pytest.raises(DataError, match="expected at least 2 held-out real rows, got 1"):
        evaluate_synthetic(X[:30], X[30:31], X)
    with pytest.raises(DataError, match=r"y_synthetic: expected one label per row, shape \(60,\)"):
        evaluate_synthetic(X[:30], X[30:], X, y_synthetic=y[:5])
    with pytest.raises(DataError, match="feature_names: expected 6 names, one per feature, got 2"):
        evaluate_synthetic(X[:30], X[30:], X, feature_names=["a", "b"])
    with pytest.raises(ConfigError, match="k: expected a positive number of neighbours"):
        evaluate_synthetic(X[:30], X[30:], X, k=0)
    with pytest.raises(DataError, match="real_train: expected at least one row"):
        evaluate_synthetic(X[:0], X[30:], X)
    with pytest.raises(DataError, match="synthetic: expected at least one row"):
        SelectionScore(X[:30], X[30:])(X[:0])
    with pytest.raises(ConfigError, match="n: expected a positive number of samples, got 0"):
        compare_samplers(X[:30], X[30:], n=0)
    with pytest.raises(DataError, match="at least 2 classes"):
        compare_samplers(X[:30], X[30:], y_train=np.zeros(30))
    assert isinstance(CopyTraining().fit(X).sample(3), Samples)


def test_wide_detection_sees_what_independent_marginals_lose():
    # 200 rows x 100 features in 5 clusters: a sampler of independent marginals matches every
    # feature's distribution, so a linear detector cannot tell it apart; the structure
    # detector (boosting on the leading principal components) does
    rng = np.random.default_rng(0)
    centers = np.random.default_rng(1).normal(size=(5, 100)) * 1.5

    def draw(n: int) -> np.ndarray:
        return centers[rng.integers(0, 5, n)] + rng.normal(size=(n, 100))

    real, pool = draw(200), draw(2000)
    marginals = np.stack([rng.choice(pool[:, j], 200) for j in range(100)], axis=1)
    linear = detection_auroc(real, marginals, detector=lambda: default_detector(320, 100))
    assert linear < 0.65
    assert detection_auroc(real, marginals) > 0.95
    assert detection_auroc(real, draw(200)) < 0.6
