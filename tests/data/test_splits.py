"""Stratified, random, group, similarity and predefined splits."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest

from biodl.data.sequence import SequenceSet
from biodl.data.similarity import similar_groups
from biodl.data.splits import SPLIT_HELP, SPLIT_METHODS, SplitMethod, split_indices
from biodl.errors import ConfigError, DataError


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


# --------------------------------------------------------------------------- new methods


def _parts(s):
    return np.concatenate([s.train, s.valid, s.test])


def test_help_lists_every_method():
    assert list(SPLIT_HELP) == list(SPLIT_METHODS)
    assert set(SPLIT_METHODS) == set(get_args(SplitMethod))


@pytest.mark.parametrize("seed", range(6))
def test_group_split_never_splits_a_group(seed):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 40, size=500).astype(str)
    y = rng.integers(0, 3, size=500)
    s = split_indices(
        y,
        task="multiclass",
        test_size=0.2,
        valid_size=0.1,
        method="group",
        groups=groups,
        seed=seed,
    )
    assert sorted(_parts(s).tolist()) == list(range(500))
    seen = [set(groups[p]) for p in (s.train, s.valid, s.test)]
    assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])
    assert abs(len(s.test) - 100) <= 25 and abs(len(s.valid) - 50) <= 25
    assert s.n_groups == len(set(groups)) and s.groups is not None


def test_group_split_keeps_classes_roughly():
    groups = np.repeat(np.arange(100), 4)
    y = np.repeat(np.arange(100) % 4 == 0, 4).astype(int)  # a quarter of the groups positive
    s = split_indices(
        y, task="binary", test_size=0.2, valid_size=0.0, method="group", groups=groups, seed=1
    )
    assert len(s.test) == 80 and len(s.valid) == 0
    assert abs(y[s.test].mean() - 0.25) < 0.05


def test_group_split_with_uneven_groups_fills_every_part():
    groups = np.array(["big"] * 80 + ["a"] * 10 + ["b"] * 5 + ["c"] * 5)
    s = split_indices(
        np.zeros(100),
        task="regression",
        test_size=0.1,
        valid_size=0.1,
        method="group",
        groups=groups,
        seed=0,
    )
    assert len(s.test) and len(s.valid) and len(s.train)
    assert set(groups[s.train]).isdisjoint(groups[s.test])


def test_group_split_is_deterministic():
    groups = np.arange(300) // 3
    kwargs = dict(task="regression", test_size=0.2, valid_size=0.1, method="group", groups=groups)
    a, b = (
        split_indices(np.zeros(300), seed=4, **kwargs),
        split_indices(np.zeros(300), seed=4, **kwargs),
    )
    c = split_indices(np.zeros(300), seed=5, **kwargs)
    assert np.array_equal(a.test, b.test) and np.array_equal(a.valid, b.valid)
    assert not np.array_equal(a.test, c.test)


def test_group_errors():
    y = np.zeros(6)
    kw = dict(task="regression", test_size=0.2, valid_size=0.1, method="group", source="d.csv")
    with pytest.raises(DataError, match="--split group needs --group-column"):
        split_indices(y, **kw)
    with pytest.raises(
        DataError,
        match=r"group column 'patient' has one group \('p1'\); a group split needs at least 2 "
        r"\(3 with a validation part\)",
    ):
        split_indices(y, groups=np.array(["p1"] * 6), group_column="patient", **kw)
    with pytest.raises(DataError, match=r"has 2 groups \('a', 'b'\)"):
        split_indices(y, groups=np.array(list("aaabbb")), **kw)
    with pytest.raises(
        DataError, match=r"d.csv row 3 column 'patient': the group value is missing"
    ):
        split_indices(
            y, groups=np.array(["a", "b", None, "c", "", "d"]), group_column="patient", **kw
        )
    with pytest.raises(DataError, match="has 4 values, expected 6"):
        split_indices(y, groups=np.array(list("abcd")), **kw)


def test_predefined_split_matches_the_column():
    column = np.array(["train", "Test", " VALID ", "validation", "val", "TRAIN", "test", "train"])
    s = split_indices(
        np.zeros(8),
        task="regression",
        test_size=0.2,
        valid_size=0.1,
        method="predefined",
        predefined=column,
    )
    assert s.train.tolist() == [0, 5, 7] and s.valid.tolist() == [2, 3, 4]
    assert s.test.tolist() == [1, 6] and s.groups is None
    only = split_indices(
        np.zeros(3),
        task="regression",
        test_size=0.2,
        valid_size=0.1,
        method="predefined",
        predefined=np.array(["train", "test", "train"]),
    )
    assert only.valid.tolist() == [] and only.test.tolist() == [1]


def test_predefined_split_reads_mave_nn_part_names():
    """MAVE-NN's ``set`` column says training / validation / test."""
    column = np.array(["training", "validation", "test", "Training", "test"])
    s = split_indices(
        np.zeros(5),
        task="regression",
        test_size=0.2,
        valid_size=0.1,
        method="predefined",
        predefined=column,
    )
    assert s.train.tolist() == [0, 3] and s.valid.tolist() == [1] and s.test.tolist() == [2, 4]


def test_predefined_errors():
    kw = dict(
        task="regression",
        test_size=0.2,
        valid_size=0.1,
        method="predefined",
        source="d.csv",
        split_column="fold",
    )
    with pytest.raises(DataError, match="--split predefined needs --split-column"):
        split_indices(np.zeros(3), **kw)
    with pytest.raises(
        DataError,
        match=r"d.csv row 2 column 'fold': split value 'dev' is not a part name \(2 row\(s\) in "
        r"all\); expected one of train, valid, validation, val, test",
    ):
        split_indices(np.zeros(3), predefined=np.array(["train", "dev", None]), **kw)
    with pytest.raises(DataError, match="split column 'fold' has no 'train' rows"):
        split_indices(np.zeros(2), predefined=np.array(["test", "valid"]), **kw)
    with pytest.raises(DataError, match="has 2 values, expected 3"):
        split_indices(np.zeros(3), predefined=np.array(["test", "train"]), **kw)


def test_unknown_method():
    with pytest.raises(ConfigError, match="split method: expected one of stratified, random"):
        split_indices(np.zeros(3), task="regression", test_size=0.2, valid_size=0.1, method="folds")  # type: ignore[arg-type]


def _planted_family(seed: int) -> tuple[SequenceSet, np.ndarray]:
    """60 random 200 bp originals, each with 0-3 copies carrying 0, 1 or 5 mutations."""
    rng = np.random.default_rng(seed)
    rows, family = [], []
    for f in range(60):
        original = rng.integers(1, 5, size=200).astype(np.uint8)
        rows.append(original)
        family.append(f)
        for m in [0, 1, 5][: f % 4]:
            copy = original.copy()
            pos = rng.choice(200, size=m, replace=False)
            copy[pos] = (copy[pos] - 1 + rng.integers(1, 4, size=m)) % 4 + 1
            rows.append(copy)
            family.append(f)
    order = rng.permutation(len(rows))
    text = ["".join("ACGT"[c - 1] for c in rows[i]) for i in order]
    return SequenceSet.from_strings(text), np.array(family)[order]


@pytest.mark.parametrize("seed", range(3))
def test_similarity_split_keeps_copies_together(seed):
    seqs, family = _planted_family(seed)
    y = np.arange(len(seqs)) % 2
    s = split_indices(
        y,
        task="binary",
        test_size=0.2,
        valid_size=0.1,
        method="similarity",
        similar=similar_groups(seqs),
        seed=seed,
    )
    assert sorted(_parts(s).tolist()) == list(range(len(seqs)))
    seen = [set(family[p]) for p in (s.train, s.valid, s.test)]
    assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])
    assert s.n_groups == 60 and len(s.test) > 0 and len(s.valid) > 0


def test_similarity_errors():
    kw = dict(task="regression", test_size=0.2, valid_size=0.1, method="similarity", source="d.fa")
    same = SequenceSet.from_strings(["ACGTTGCAAGGCTTAACGGT" * 10] * 8 + ["GATTACAGATTACA" * 10] * 2)
    with pytest.raises(
        DataError, match="--split similarity needs a cluster for each of the 10 rows"
    ):
        split_indices(np.zeros(10), **kw)
    with pytest.raises(
        DataError,
        match=r"d.fa: 8 of 10 sequences \(80%\) fall in one cluster at similarity threshold 0.5, "
        r"more than the 70% .*most sequences are near-identical. Use a higher "
        r"--similarity-threshold",
    ):
        split_indices(np.zeros(10), similar=similar_groups(same), **kw)
