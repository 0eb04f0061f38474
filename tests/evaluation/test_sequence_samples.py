"""Generated vs real sequences: k-mer spectra, lengths, nearest-neighbour identity."""

from __future__ import annotations

import json

import numpy as np
import pytest

from biodl.errors import DataError
from biodl.evaluation.sequence_samples import (
    compare_sequences,
    encode_letters,
    nearest_identity,
    row_spectra,
)


def _random_seqs(rng: np.random.Generator, n: int, lengths: tuple[int, int], letters: str):
    return ["".join(rng.choice(list(letters), size=int(rng.integers(*lengths)))) for _ in range(n)]


def _markov_seqs(rng: np.random.Generator, n: int, length: int) -> list[str]:
    """Strongly structured DNA: after A comes C, after C comes G, ... (with a little noise)."""
    out = []
    for _ in range(n):
        seq = [int(rng.integers(4))]
        for _ in range(length - 1):
            seq.append((seq[-1] + 1) % 4 if rng.random() < 0.9 else int(rng.integers(4)))
        out.append("".join("ACGT"[i] for i in seq))
    return out


def test_identical_sets_have_distance_zero_and_identity_one() -> None:
    rng = np.random.default_rng(0)
    train = _random_seqs(rng, 40, (20, 40), "ACGT")
    result = compare_sequences(train, train, train, letters="ACGT")
    for part in (result.generated, result.real):
        assert part is not None
        assert all(v == pytest.approx(0.0, abs=1e-7) for v in part.js_distance.values())
        assert all(v == pytest.approx(0.0, abs=1e-12) for v in part.tv_distance.values())
        assert part.length_ks == 0.0
        assert part.length_wasserstein == 0.0
        np.testing.assert_array_equal(part.nn_identity, 1.0)
        assert part.identical_fraction == 1.0
        assert part.near_fraction == 1.0


def test_shuffled_letters_keep_1mers_but_not_longer_kmers() -> None:
    rng = np.random.default_rng(1)
    train = _markov_seqs(rng, 60, 50)
    shuffled = ["".join(rng.permutation(list(s))) for s in train]
    result = compare_sequences(shuffled, train, letters="ACGT")
    assert result.generated.js_distance[1] == pytest.approx(0.0, abs=1e-7)
    assert result.generated.tv_distance[1] == pytest.approx(0.0, abs=1e-12)
    assert result.generated.js_distance[2] > 0.2
    assert result.generated.js_distance[3] > result.generated.js_distance[2]
    assert result.generated.tv_distance[2] > 0.2
    assert result.generated.length_ks == 0.0
    assert result.generated.identical_fraction == 0.0


def test_memorised_copies_are_detected_and_real_set_is_the_yardstick() -> None:
    rng = np.random.default_rng(2)
    family = _random_seqs(rng, 200, (60, 61), "ACGT")
    train, holdout = family[:150], family[150:]
    copies = train[:10]
    near = []
    for s in train[10:20]:  # 3 of 60 letters changed: 95 % identity
        letters = list(s)
        for j in rng.choice(len(s), 3, replace=False):
            letters[j] = "ACGT"[("ACGT".index(letters[j]) + 1) % 4]
        near.append("".join(letters))
    novel = _random_seqs(rng, 20, (60, 61), "ACGT")
    result = compare_sequences(copies + near + novel, train, holdout, letters="ACGT")
    gen = result.generated
    assert gen.identical_fraction == pytest.approx(10 / 40)
    assert gen.near_fraction == pytest.approx(20 / 40)
    np.testing.assert_allclose(gen.nn_identity[10:20], 57 / 60)
    assert gen.nn_identity[20:].max() < 0.6
    assert result.real is not None
    assert result.real.identical_fraction == 0.0
    assert result.real.near_fraction == 0.0
    out = result.to_dict()
    json.dumps(out)  # JSON-ready
    assert out["generated"]["identical_fraction"] == 0.25
    assert set(out["generated"]) >= {"js_k1", "tv_k3", "length_ks", "nn_identity_mean"}


def test_unequal_lengths_use_the_best_ungapped_placement() -> None:
    dna = "ACGT"
    ref = encode_letters(["ACGTTGCAAC", "TTTTTTTTTTTT"], dna)
    # a copy with one extra letter at the end: 10 of 11 positions placed -> 10/11
    query = encode_letters(["ACGTTGCAACG", "CGTTGCAAC"], dna)
    got = nearest_identity(query, ref, 4, k=3)
    np.testing.assert_allclose(got, [10 / 11, 9 / 10])
    # an internal deletion is an underestimate (documented), still well above chance
    deleted = encode_letters(["ACGTGCAAC"], dna)
    assert 0.3 < nearest_identity(deleted, ref, 4)[0] < 0.9


def test_length_distribution_differences_are_measured() -> None:
    rng = np.random.default_rng(3)
    train = _random_seqs(rng, 100, (20, 30), "ACGT")
    longer = _random_seqs(rng, 100, (40, 50), "ACGT")
    result = compare_sequences(longer, train, letters="ACGT")
    assert result.generated.length_ks == 1.0
    assert 15 < result.generated.length_wasserstein < 25
    assert result.real is None
    assert result.to_dict()["real"] is None


def test_row_spectra_blocks_sum_to_one() -> None:
    X = np.array([[0, 1, 2, 3, 0, 1], [1, 1, 1, 1, 1, 1]])
    spectra = row_spectra(X, 4, (1, 2))
    np.testing.assert_allclose(spectra[:, :4].sum(axis=1), 1.0)
    np.testing.assert_allclose(spectra[:, 4:].sum(axis=1), 1.0)
    assert spectra[1, 1] == 1.0


def test_bad_input_is_named() -> None:
    with pytest.raises(DataError, match=r"generated: sequence 2 has the letter 'N'"):
        compare_sequences(["ACGT", "ACNT"], ["ACGT"], letters="ACGT")
    with pytest.raises(DataError, match="training holds no sequence"):
        compare_sequences(["ACGT"], [])
    with pytest.raises(DataError, match="ks must be k-mer lengths >= 1"):
        compare_sequences(["ACGT"], ["ACGT"], ks=(0,))
    with pytest.raises(DataError, match=r"near must be in \(0, 1\]"):
        compare_sequences(["ACGT"], ["ACGT"], near=1.5)
