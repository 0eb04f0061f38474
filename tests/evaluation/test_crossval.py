"""Cross-validation folds and the paired fold comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from biodl.errors import ConfigError, DataError
from biodl.evaluation.crossval import compare_folds, cv_verdict, fold_indices


def test_stratified_folds_partition_the_data_and_keep_proportions():
    y = np.array([0] * 60 + [1] * 20)
    folds = fold_indices(y, task="binary", n_folds=4, repeats=2, seed=1)
    assert len(folds) == 8
    for r in (0, 1):
        tests = np.concatenate([f.test for f in folds if f.repeat == r])
        assert sorted(tests.tolist()) == list(range(80))
    for f in folds:
        assert set(f.train).isdisjoint(f.test)
        assert y[f.test].mean() == pytest.approx(0.25)
    first = [f.test.tolist() for f in folds if f.repeat == 0]
    second = [f.test.tolist() for f in folds if f.repeat == 1]
    assert first != second


def test_group_folds_never_split_a_group():
    y = np.arange(60) % 2
    groups = np.repeat(np.arange(12), 5)
    for f in fold_indices(y, task="binary", n_folds=3, method="group", groups=groups):
        assert set(groups[f.train]).isdisjoint(groups[f.test])


def test_regression_uses_plain_kfold():
    y = np.linspace(0, 1, 30)[:, None]
    folds = fold_indices(y, task="regression", n_folds=3)
    assert [len(f.test) for f in folds] == [10, 10, 10]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"n_folds": 5},
            DataError,
            r"class 'rare' has 3 example\(s\), fewer than the 5 folds; use --folds 3",
        ),
        ({"n_folds": 1}, ConfigError, "--folds must be >= 2"),
        ({"n_folds": 3, "method": "group"}, DataError, "needs --group-column"),
        (
            {"n_folds": 3, "method": "group", "groups": np.array([0, 1] * 10 + [0, 1, 0])},
            DataError,
            "has 2 groups, fewer than the 3 folds",
        ),
        ({"n_folds": 3, "method": "predefined"}, ConfigError, "predefined does not apply"),
    ],
)
def test_fold_errors(kwargs, error, match):
    y = np.array([0] * 20 + [1] * 3)
    with pytest.raises(error, match=match):
        fold_indices(y, task="binary", class_names=["common", "rare"], **kwargs)


def test_corrected_t_test_against_formula_and_wilcoxon_against_scipy():
    a = np.array([0.91, 0.93, 0.90, 0.94, 0.92])
    b = np.array([0.88, 0.90, 0.89, 0.90, 0.87])
    c = compare_folds(a, b, metric="auroc", n_train=80, n_test=20)
    d = a - b
    se = math.sqrt((1 / 5 + 20 / 80) * d.var(ddof=1))
    assert c.t_statistic == pytest.approx(d.mean() / se)
    assert c.p_value == pytest.approx(2 * stats.t.sf(abs(d.mean() / se), df=4))
    assert c.wilcoxon_p == pytest.approx(stats.wilcoxon(d).pvalue)
    plain = stats.ttest_rel(a, b).pvalue
    assert c.p_value > plain  # the correction makes the test more conservative


def test_verdicts():
    better = compare_folds(
        [0.9, 0.92, 0.91, 0.93, 0.9],
        [0.8, 0.81, 0.8, 0.82, 0.79],
        metric="auroc",
        n_train=80,
        n_test=20,
    )
    assert "beats the logistic regression baseline" in cv_verdict(
        better, model_name="CNN", baseline_name="logistic regression"
    )
    same = compare_folds(
        [0.9, 0.8, 0.91, 0.79], [0.85, 0.86, 0.84, 0.85], metric="auroc", n_train=80, n_test=20
    )
    assert "not distinguishable" in cv_verdict(same, model_name="CNN", baseline_name="x")
    rmse = compare_folds(
        [1.0, 1.1, 1.05, 1.02], [0.5, 0.52, 0.49, 0.51], metric="rmse", n_train=80, n_test=20
    )
    assert cv_verdict(rmse, model_name="CNN", baseline_name="ridge regression").startswith(
        "Over 4 folds the ridge regression baseline beats the CNN"
    )
