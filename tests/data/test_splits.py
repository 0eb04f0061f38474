"""Stratified and random splits."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data.splits import split_indices
from biodl.errors import DataError


def test_partition_and_stratification():
    y = np.array([0] * 300 + [1] * 100)
    s = split_indices(y, task="binary", test_size=0.2, valid_size=0.1, seed=3)
    everything = np.concatenate([s.train, s.valid, s.test])
    assert sorted(everything.tolist()) == list(range(400))
    assert len(s.test) == 80 and len(s.valid) == 40
    for part in (s.train, s.valid, s.test):
        assert abs(y[part].mean() - 0.25) < 0.02


def test_same_seed_same_split_other_seed_differs():
    y = np.arange(100) % 3
    a = split_indices(y, task="multiclass", test_size=0.2, valid_size=0.1, seed=1)
    b = split_indices(y, task="multiclass", test_size=0.2, valid_size=0.1, seed=1)
    c = split_indices(y, task="multiclass", test_size=0.2, valid_size=0.1, seed=2)
    assert np.array_equal(a.test, b.test) and not np.array_equal(a.test, c.test)


def test_regression_split_is_random():
    y = np.linspace(0, 1, 50)[:, None]
    s = split_indices(y, task="regression", test_size=0.2, valid_size=0.0, seed=0)
    assert len(s.test) == 10 and len(s.valid) == 0


def test_too_few_examples_of_a_class():
    y = np.array([0] * 20 + [1])
    with pytest.raises(DataError, match=r"class 'rare' has 1 example\(s\).*--split random"):
        split_indices(
            y, task="binary", test_size=0.2, valid_size=0.1, class_names=["common", "rare"]
        )


def test_bad_fractions():
    with pytest.raises(DataError, match="must each be in"):
        split_indices(np.zeros(10), task="regression", test_size=0.6, valid_size=0.5)


def test_too_few_examples_overall():
    with pytest.raises(DataError, match="too few"):
        split_indices(
            np.array([0, 1, 0, 1]), task="binary", test_size=0.1, valid_size=0.1, method="random"
        )
