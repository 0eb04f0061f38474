"""The leakage check of a prepared run sketches the training part once for all evaluation
parts (issue 12: the memory and time of preparing 1,000,000 sequences), with the same counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import biodl.data.similarity as similarity
from biodl.config import DataConfig
from biodl.data.prepared import RawData, prepare_raw
from biodl.data.sequence import SequenceSet
from biodl.data.similarity import SketchedReference, near_duplicates
from biodl.kinds import get_kind


def _leaky(n: int = 600, seed: int = 0) -> SequenceSet:
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), 120)) for _ in range(n)]
    seqs[n // 2 :: 7] = seqs[: len(seqs[n // 2 :: 7])]  # exact copies across any split
    return SequenceSet.from_strings(seqs, ids=[f"s{i}" for i in range(n)])


def test_training_part_is_sketched_once_for_valid_and_test(monkeypatch):
    seqs = _leaky()
    labels = pd.DataFrame({"label": ["a", "b"] * (len(seqs) // 2)})
    sketched: list[int] = []
    real = similarity.sketch

    def counting(part, **kwargs):
        sketched.append(len(part))
        return real(part, **kwargs)

    monkeypatch.setattr(similarity, "sketch", counting)
    data = DataConfig(valid_size=0.1, test_size=0.2)
    prepared = prepare_raw(get_kind("sequence"), RawData({"train": seqs}, {"train": labels}), data)
    n_train = len(prepared.part("train"))
    assert sketched.count(n_train) == 1
    assert len(sketched) == 3  # the training part once, then valid and test
    train = prepared.part("train")
    for name in ("valid", "test"):
        alone = near_duplicates(train, prepared.part(name))
        assert prepared.leakage[f"identical_train_{name}"] == alone.exact > 0
        assert prepared.leakage[f"near_train_{name}"] == alone.near


def test_sketched_reference_gives_the_counts_of_a_plain_reference():
    seqs = _leaky(400, seed=1)
    ref, queries = seqs.subset(np.arange(300)), [seqs.subset(np.arange(300, 400))]
    queries.append(SequenceSet.from_strings([ref.sequence(5), ref.sequence(5)[:-3] + "AAA"]))
    held = SketchedReference(ref)
    for query in queries:
        assert near_duplicates(held, query) == near_duplicates(ref, query)
    assert held.sketches_made == 1
    near_duplicates(held, queries[0], k=6)  # another k: sketched again
    assert held.sketches_made == 2


@pytest.mark.parametrize("n", [0, 1, 3])
def test_exact_matches_find_the_first_identical_record(n):
    base = ["ACGTTGCA", "TTTTGGGG", "ACGTTGCA", "ACGTTGC", "CCCCAAAA"]
    ref = SequenceSet.from_strings(base)
    query = SequenceSet.from_strings((["ACGTTGCA", "ACGTTGCT", "ACGTTGC", "TTTTGGGG"] * 2)[: n + 2])
    expected = [
        base.index(query.sequence(i)) if query.sequence(i) in base else -1
        for i in range(len(query))
    ]
    assert SketchedReference(ref).exact_matches(query).tolist() == expected


def test_a_hash_collision_is_compared_letter_by_letter(monkeypatch):
    ref = SequenceSet.from_strings(["ACGTACGT", "GGGGCCCC", "ACGTACGA"])
    query = SequenceSet.from_strings(["ACGTACGA", "TTTTTTTT"])
    monkeypatch.setattr(similarity, "record_hashes", lambda seqs: np.zeros(len(seqs), np.uint64))
    assert SketchedReference(ref).exact_matches(query).tolist() == [2, -1]


def test_large_parts_are_checked_on_stated_subsamples(monkeypatch):
    from biodl.data import prepared as prep
    from biodl.data.prepared import PreparedData, check_leakage
    from biodl.data.sequence import SequenceSet
    from biodl.kinds.sequence import SEQUENCE

    rng = np.random.default_rng(3)
    letters = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(400)]
    train = SequenceSet.from_strings(letters[:300], ids=[f"t{i}" for i in range(300)])
    test = SequenceSet.from_strings(letters[:100], ids=[f"q{i}" for i in range(100)])  # copies
    parts = {"train": train, "valid": None, "test": test}

    def checked() -> PreparedData:
        prepared = PreparedData(parts, {}, None, None, "")  # type: ignore[arg-type]
        check_leakage(SEQUENCE, prepared, 0.5)
        return prepared

    whole = checked()
    assert whole.leakage == {"identical_train_test": 100, "near_train_test": 100}
    assert not any("subsample" in w for w in whole.warnings)
    monkeypatch.setattr(prep, "LEAKAGE_MAX_TRAIN", 150)
    monkeypatch.setattr(prep, "LEAKAGE_MAX_PART", 40)
    bounded = checked()
    assert bounded.leakage["checked_train"] == 150 and bounded.leakage["checked_test"] == 40
    # of 40 test copies, those whose original is among the 150 training rows checked
    assert 0 < bounded.leakage["identical_train_test"] < 40
    assert any("of 40 checked of 100 test sequences" in w for w in bounded.warnings)
    assert any("150 of the 300 train, 40 of the 100 test" in w for w in bounded.warnings)
    assert checked().leakage == bounded.leakage  # seeded: the same subsamples every run
