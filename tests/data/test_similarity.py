"""MinHash sketches, near-identical clusters and planted leakage."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data import similarity
from biodl.data.alphabet import ALPHABETS
from biodl.data.sequence import SequenceSet
from biodl.data.similarity import (
    EMPTY,
    default_sketch_k,
    near_duplicates,
    similar_groups,
    sketch,
)
from biodl.errors import ConfigError, DataError

LENGTH = 200


def _random_codes(rng: np.random.Generator, n: int, length: int = LENGTH) -> np.ndarray:
    return rng.integers(1, 5, size=(n, length)).astype(np.uint8)


def _mutate(rng: np.random.Generator, row: np.ndarray, m: int) -> np.ndarray:
    """``m`` point substitutions at distinct positions, each to a different base."""
    out = row.copy()
    pos = rng.choice(len(row), size=m, replace=False)
    out[pos] = (out[pos] - 1 + rng.integers(1, 4, size=m)) % 4 + 1
    return out


def _set(rows: np.ndarray, prefix: str = "s") -> SequenceSet:
    n, length = rows.shape
    ids = np.array([f"{prefix}{i}" for i in range(n)], dtype=object)
    return SequenceSet(ids, rows.reshape(-1).copy(), np.arange(n + 1) * length, ALPHABETS["dna"])


@pytest.fixture(scope="module")
def planted() -> dict[str, object]:
    """200 random 200 bp sequences; 12 of the 60 test ones copied into train (0/1/5 mutations)."""
    rng = np.random.default_rng(7)
    rows = _random_codes(rng, 200)
    order = rng.permutation(200)
    test, train = order[:60], order[60:]
    chosen = test[:12]
    copies = [_mutate(rng, rows[i], m) for i, m in zip(chosen, [0, 1, 5] * 4, strict=True)]
    train_rows = np.vstack([rows[train], np.array(copies)])
    return {
        "rows": rows,
        "test": test,
        "train": train,
        "chosen": chosen,
        "copies": np.array(copies),
        "train_set": _set(train_rows, "tr"),
        "test_set": _set(rows[test], "te"),
    }


def test_planted_leakage_counted_exactly(planted):
    found = near_duplicates(planted["train_set"], planted["test_set"])
    assert (found.exact, found.near, found.query_size) == (4, 12, 60)
    assert found.fraction == pytest.approx(0.2)
    # examples come in query order and name the planted copies (train ids tr140..tr151)
    assert len(found.examples) == 5
    assert [q for q, _ in found.examples] == [f"te{i}" for i in range(5)]
    assert all(int(r[2:]) >= 140 for _, r in found.examples)
    reverse = near_duplicates(planted["test_set"], planted["train_set"])
    assert (reverse.exact, reverse.near, reverse.query_size) == (4, 12, 152)


def test_each_mutation_level_is_found(planted):
    originals = _set(planted["rows"][planted["chosen"]], "o")
    for level, m in enumerate((0, 1, 5)):
        copies = _set(planted["copies"][level::3])  # copies cycle through 0, 1, 5 mutations
        found = near_duplicates(originals, copies)
        assert found.near == 4 and found.exact == (4 if m == 0 else 0)


def test_unrelated_sequences_are_never_counted():
    rng = np.random.default_rng(11)
    a, b = _random_codes(rng, 2000), _random_codes(rng, 2000)
    same = (sketch(_set(a)) == sketch(_set(b))).mean(axis=1)
    assert same.max() < 0.2  # 2,000 random pairs, none near the 0.5 threshold
    found = near_duplicates(_set(a[:300]), _set(b[:300]))  # 90,000 pairs through LSH
    assert (found.exact, found.near, found.examples) == (0, 0, [])


def test_similar_groups_joins_copies_only(planted):
    rows = np.vstack([planted["rows"], planted["copies"]])
    labels = similar_groups(_set(rows))
    for j, i in enumerate(planted["chosen"]):
        assert labels[200 + j] == labels[i]
    # the 188 sequences without copies are singletons; labels numbered by first appearance
    assert len(np.unique(labels)) == 200
    assert labels[0] == 0 and np.all(np.diff(np.maximum.accumulate(labels)) <= 1)


def test_exact_duplicates_share_a_label_whatever_the_threshold():
    seqs = SequenceSet.from_strings(["NNNN", "ACG", "ACG", "NNNN", "NNNNN", "ACGTACGTAC"])
    assert similar_groups(seqs, threshold=1.0).tolist() == [0, 1, 1, 0, 2, 3]


def test_threshold_one_needs_identical_sketches(planted):
    rows = np.vstack(
        [planted["rows"][:1], _mutate(np.random.default_rng(0), planted["rows"][0], 1)]
    )
    assert similar_groups(_set(rows), threshold=1.0).tolist() == [0, 1]
    assert similar_groups(_set(rows), threshold=0.5).tolist() == [0, 0]


def test_sketch_shape_seed_and_blocks(monkeypatch):
    rng = np.random.default_rng(3)
    seqs = _set(_random_codes(rng, 50))
    s = sketch(seqs, n_bins=32)
    assert s.shape == (50, 32) and s.dtype == np.uint64 and not (s == EMPTY).any()
    assert np.array_equal(s, sketch(seqs, n_bins=32))
    assert (s != sketch(seqs, n_bins=32, seed=1)).mean() > 0.9
    monkeypatch.setattr(similarity, "_BLOCK_LETTERS", 450)  # blocks of ~2 records
    assert np.array_equal(s, sketch(seqs, n_bins=32))


def test_sketch_skips_ambiguous_kmers_and_fills_empty_bins():
    seqs = SequenceSet.from_strings(
        ["AAAAAAAANAAAAAAAA", "AAAAAAAA", "ACGTTGCAAGG", "ACGTTGCAAGG", "NNNNNNNNNN", "ACG"]
    )
    s = sketch(seqs)
    assert np.array_equal(s[0], s[1])  # the only 8-mer without N is AAAAAAAA in both
    assert np.array_equal(s[2], s[3]) and not (s[:4] == EMPTY).any()  # densified
    assert (s[4:] == EMPTY).all()  # no k-mer at all


def test_default_k():
    assert default_sketch_k(ALPHABETS["dna"], 200) == 8
    assert default_sketch_k(ALPHABETS["rna"], 4000) == 8
    assert default_sketch_k(ALPHABETS["dna"], 10_000) == 9
    assert default_sketch_k(ALPHABETS["protein"], 300) == 3
    protein = SequenceSet.from_strings(["MKVLAAGIVGLLLAAQPAMA", "MKVLAAGIVGLLLAAQPAMA"])
    assert similar_groups(protein).tolist() == [0, 0]


def test_bands_find_pairs_at_the_threshold():
    assert similarity._bands(0.5, 64) == 2
    assert similarity._bands(0.9, 64) > similarity._bands(0.5, 64)


def test_empty_set():
    seqs = _set(np.zeros((0, 10), dtype=np.uint8))
    assert similar_groups(seqs).shape == (0,)
    assert sketch(seqs).shape == (0, 64)


@pytest.mark.parametrize("threshold", [0.0, 1.5, -0.1])
def test_bad_threshold(threshold):
    seqs = SequenceSet.from_strings(["ACGT"])
    with pytest.raises(ConfigError, match=r"similarity threshold: expected .* in \(0, 1\]"):
        similar_groups(seqs, threshold=threshold)
    with pytest.raises(ConfigError, match="similarity threshold"):
        near_duplicates(seqs, seqs, threshold=threshold)


def test_bad_k_and_bins():
    seqs = SequenceSet.from_strings(["ACGT"])
    with pytest.raises(ConfigError, match=r"k: expected a sketch k-mer length in 1\.\.32 for dna"):
        sketch(seqs, k=33)
    with pytest.raises(ConfigError, match="k: expected"):
        sketch(seqs, k=0)
    with pytest.raises(ConfigError, match="n_bins: expected a sketch width >= 1"):
        sketch(seqs, n_bins=0)


def test_alphabets_must_match():
    dna = SequenceSet.from_strings(["ACGT"], source="train.fa")
    protein = SequenceSet.from_strings(["MKVL"], alphabet="protein", source="test.fa")
    with pytest.raises(DataError, match=r"test.fa: alphabet protein differs from train.fa \(dna\)"):
        near_duplicates(dna, protein)


def test_empty_reference_or_query():
    seqs = SequenceSet.from_strings(["ACGTACGTAC", "GGGGCCCCAA"])
    none = seqs.subset(np.zeros(0, dtype=np.int64))
    assert near_duplicates(none, seqs).near == 0
    found = near_duplicates(seqs, none)
    assert (found.near, found.query_size, found.fraction) == (0, 0, 0.0)
