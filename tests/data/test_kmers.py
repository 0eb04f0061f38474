"""Tests of k-mer counts, positional one-hot and the default k."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from biodl.data import kmers as kmers_module
from biodl.data.alphabet import ALPHABETS
from biodl.data.kmers import (
    default_k,
    kmer_counts,
    kmer_spectrum,
    positional_onehot,
    sequence_features,
)
from biodl.data.sequence import SequenceSet
from biodl.errors import ConfigError


def make_set(strings: list[str], name: str = "dna") -> SequenceSet:
    alphabet = ALPHABETS[name]  # type: ignore[index]
    joined = "".join(strings).encode()
    codes = alphabet.lut[np.frombuffer(joined, dtype=np.uint8)].copy()
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in strings]))).astype(np.int64)
    ids = np.array([f"s{i}" for i in range(len(strings))], dtype=object)
    return SequenceSet(ids, codes, offsets, alphabet)


def random_strings(rng: np.random.Generator, n: int, letters: str, hi: int) -> list[str]:
    return ["".join(rng.choice(list(letters), size=int(rng.integers(0, hi)))) for _ in range(n)]


def naive_counts(strings: list[str], letters: str, k: int) -> np.ndarray:
    column = {"".join(p): i for i, p in enumerate(itertools.product(letters, repeat=k))}
    out = np.zeros((len(strings), len(column)))
    for row, s in enumerate(strings):
        for i in range(len(s) - k + 1):
            word = s[i : i + k]
            if word in column:
                out[row, column[word]] += 1
    return out


@pytest.mark.parametrize(("name", "k"), [("dna", 1), ("dna", 3), ("dna", 5), ("protein", 2)])
def test_kmer_counts_match_naive(rng: np.random.Generator, name: str, k: int) -> None:
    alphabet = ALPHABETS[name]  # type: ignore[index]
    extra = "NR" if name == "dna" else "X"
    strings = random_strings(rng, 30, alphabet.letters + extra, 60)
    got = kmer_counts(make_set(strings, name), k, normalize=False)
    assert sp.issparse(got) and got.format == "csr" and got.dtype == np.float32
    assert got.shape == (30, alphabet.n_channels**k)
    np.testing.assert_array_equal(got.toarray(), naive_counts(strings, alphabet.letters, k))


def test_kmer_counts_normalized(rng: np.random.Generator) -> None:
    strings = [*random_strings(rng, 10, "ACGTN", 40), "A", "NNNN"]
    got = kmer_counts(make_set(strings), 2).toarray()
    expected = naive_counts(strings, "ACGT", 2)
    totals = expected.sum(axis=1, keepdims=True)
    expected = np.divide(expected, totals, out=np.zeros_like(expected), where=totals > 0)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert (got[-2:] == 0).all()


def test_kmer_counts_in_blocks(rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    strings = random_strings(rng, 25, "ACGTN", 50)
    whole = kmer_counts(make_set(strings), 3, normalize=False).toarray()
    monkeypatch.setattr(kmers_module, "_BLOCK_LETTERS", 17)
    blocked = kmer_counts(make_set(strings), 3, normalize=False).toarray()
    np.testing.assert_array_equal(blocked, whole)
    np.testing.assert_array_equal(whole, naive_counts(strings, "ACGT", 3))


def test_kmer_counts_bad_k() -> None:
    seqs = make_set(["ACGT"])
    with pytest.raises(ConfigError, match="k: expected a k-mer length >= 1"):
        kmer_counts(seqs, 0)
    with pytest.raises(ConfigError, match="k-mer columns is too many"):
        kmer_counts(seqs, 20)


def test_positional_onehot_matches_dense(rng: np.random.Generator) -> None:
    strings = random_strings(rng, 12, "ACGTNRY", 15)
    seqs = make_set(strings)
    got = positional_onehot(seqs, 9)
    assert got.format == "csr" and got.dtype == np.float32 and got.shape == (12, 36)
    matrix = ALPHABETS["dna"].onehot_matrix()
    expected = matrix[seqs.padded(length=9)].reshape(12, 36)
    np.testing.assert_array_equal(got.toarray(), expected)


def test_positional_onehot_values() -> None:
    got = positional_onehot(make_set(["ACN", "G"]), 3).toarray()
    np.testing.assert_allclose(
        got,
        np.array(
            [
                [1, 0, 0, 0, 0, 1, 0, 0, 0.25, 0.25, 0.25, 0.25],
                [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ]
        ),
    )


def test_positional_onehot_in_blocks(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seqs = make_set(random_strings(rng, 10, "ACGT", 12))
    whole = positional_onehot(seqs, 8).toarray()
    monkeypatch.setattr(kmers_module, "_BLOCK_LETTERS", 40)
    np.testing.assert_array_equal(positional_onehot(seqs, 8).toarray(), whole)


@pytest.mark.parametrize(
    ("name", "median", "k"),
    [
        ("dna", 60, 4),
        ("dna", 100, 4),
        ("dna", 101, 5),
        ("rna", 1000, 5),
        ("dna", 1001, 6),
        ("protein", 30, 1),
        ("protein", 31, 2),
    ],
)
def test_default_k(name: str, median: float, k: int) -> None:
    assert default_k(ALPHABETS[name], median) == k  # type: ignore[index]


def test_sequence_features(rng: np.random.Generator) -> None:
    strings = random_strings(rng, 8, "ACGT", 20)
    seqs = make_set(strings)
    both = sequence_features(seqs, k=2, length=10)
    assert both.format == "csr" and both.dtype == np.float32 and both.shape == (8, 16 + 40)
    np.testing.assert_array_equal(both.toarray()[:, :16], kmer_counts(seqs, 2).toarray())
    np.testing.assert_array_equal(both.toarray()[:, 16:], positional_onehot(seqs, 10).toarray())
    only = sequence_features(seqs, k=2, length=None)
    assert only.shape == (8, 16)


def test_kmer_spectrum_puts_each_k_side_by_side(rng: np.random.Generator) -> None:
    seqs = make_set(random_strings(rng, 6, "ACGT", 30))
    spectrum = kmer_spectrum(seqs, [1, 2, 3])
    assert spectrum.format == "csr" and spectrum.dtype == np.float32
    assert spectrum.shape == (6, 4 + 16 + 64)
    blocks = [kmer_counts(seqs, k).toarray() for k in (1, 2, 3)]
    np.testing.assert_array_equal(spectrum.toarray(), np.hstack(blocks))
    np.testing.assert_allclose(spectrum.toarray().sum(axis=1), 3.0, rtol=1e-6)  # each k sums to 1
    both = sequence_features(seqs, k=(1, 2, 3), length=30)
    assert both.shape == (6, 84 + 120)
    np.testing.assert_array_equal(both.toarray()[:, :84], spectrum.toarray())
    with pytest.raises(ConfigError, match=r"ks: expected at least one k-mer length"):
        kmer_spectrum(seqs, [])


def test_spectrum_features_in_row_blocks_equal_one_block(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seqs = make_set(random_strings(rng, 23, "ACGT", 30))
    whole = sequence_features(seqs, k=(1, 2, 3), length=30)
    monkeypatch.setattr(kmers_module, "SPECTRUM_BLOCK", 5)
    blocks = sequence_features(seqs, k=(1, 2, 3), length=30)
    assert blocks.shape == whole.shape and blocks.dtype == np.float32
    np.testing.assert_array_equal(blocks.toarray(), whole.toarray())
    np.testing.assert_array_equal(
        sequence_features(seqs, k=(1, 2), length=None).toarray(),
        kmer_spectrum(seqs, [1, 2]).toarray(),
    )
