"""Tests of the sequence alphabets."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data.alphabet import ALPHABETS, detect_alphabet


@pytest.mark.parametrize("name", ["dna", "rna", "protein"])
def test_symbols_start_with_letters_and_sizes(name: str) -> None:
    alphabet = ALPHABETS[name]  # type: ignore[index]
    assert alphabet.name == name
    assert alphabet.symbols.startswith(alphabet.letters)
    assert alphabet.n_channels == len(alphabet.letters)
    assert alphabet.n_codes == len(alphabet.symbols) + 1
    assert len(set(alphabet.symbols)) == len(alphabet.symbols)


def test_channel_letters() -> None:
    assert ALPHABETS["dna"].letters == "ACGT"
    assert ALPHABETS["rna"].letters == "ACGU"
    assert ALPHABETS["protein"].letters == "ACDEFGHIKLMNPQRSTVWY"
    assert ALPHABETS["dna"].symbols[4] == "N"
    assert ALPHABETS["protein"].symbols[20] == "X"


@pytest.mark.parametrize("name", ["dna", "rna", "protein"])
def test_lut_maps_both_cases_and_rejects_others(name: str) -> None:
    alphabet = ALPHABETS[name]  # type: ignore[index]
    lut = alphabet.lut
    assert lut.shape == (256,) and lut.dtype == np.uint8
    for i, letter in enumerate(alphabet.symbols):
        assert lut[ord(letter)] == i + 1
        assert lut[ord(letter.lower())] == i + 1
    allowed = {ord(c) for c in alphabet.symbols + alphabet.symbols.lower()}
    others = [b for b in range(256) if b not in allowed]
    assert (lut[others] == 255).all()


def test_onehot_matrix_rows() -> None:
    dna = ALPHABETS["dna"]
    m = dna.onehot_matrix()
    assert m.shape == (dna.n_codes, 4) and m.dtype == np.float32
    assert (m[0] == 0).all()
    np.testing.assert_array_equal(m[1:5], np.eye(4, dtype=np.float32))
    np.testing.assert_allclose(m[1 + dna.symbols.index("N")], [0.25] * 4)
    np.testing.assert_allclose(m[1 + dna.symbols.index("R")], [0.5, 0, 0.5, 0])
    np.testing.assert_allclose(m[1 + dna.symbols.index("B")], [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(m[1:].sum(axis=1), 1.0, rtol=1e-6)
    rna = ALPHABETS["rna"]
    np.testing.assert_allclose(rna.onehot_matrix()[1 + rna.symbols.index("W")], [0.5, 0, 0, 0.5])
    protein = ALPHABETS["protein"]
    pm = protein.onehot_matrix()
    for code in "XBZJUO":
        np.testing.assert_allclose(pm[1 + protein.symbols.index(code)], [0.05] * 20, rtol=1e-6)


def test_decode_roundtrip_and_drops_padding() -> None:
    dna = ALPHABETS["dna"]
    codes = dna.lut[np.frombuffer(b"acgtNRYswkm", dtype=np.uint8)]
    assert dna.decode(np.concatenate([codes, [0, 0]])) == "ACGTNRYSWKM"


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (b"ACGTACGTNN", "dna"),
        (b"acgtacgtac", "dna"),
        (b"ACGUACGUAA", "rna"),
        (b"MKVLAAGIVGLLLAQ", "protein"),
        (b"ACGTACGTAU", "protein"),  # both T and U
        (b"ACGTRYKMSWBDHV", "protein"),  # under 90% ACGTN
        (b"", "protein"),
    ],
)
def test_detect_alphabet(sample: bytes, expected: str) -> None:
    assert detect_alphabet(sample).name == expected
    assert detect_alphabet(np.frombuffer(sample, dtype=np.uint8)).name == expected


def test_detect_ignores_non_letters() -> None:
    assert detect_alphabet(b"ACGT\nACGT\n>>12345\r\n").name == "dna"
