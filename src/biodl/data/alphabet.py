"""Sequence alphabets: letters, ambiguity codes, the byte lookup table and one-hot rows.

A sequence is stored as small integer codes: code 0 is padding, code ``i + 1`` is
``alphabet.symbols[i]``. The first ``n_channels`` symbols are the plain letters (one one-hot
channel each); the rest are ambiguity codes whose one-hot row spreads 1 over the letters they
stand for.

Examples
--------
>>> import numpy as np
>>> from biodl.data.alphabet import ALPHABETS, detect_alphabet
>>> dna = ALPHABETS["dna"]
>>> codes = dna.lut[np.frombuffer(b"ACGTN", dtype=np.uint8)]
>>> codes.tolist()
[1, 2, 3, 4, 5]
>>> dna.decode(codes)
'ACGTN'
>>> detect_alphabet(b"MKVLAAGIVG").name
'protein'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

__all__ = ["ALPHABETS", "Alphabet", "AlphabetName", "detect_alphabet"]

AlphabetName = Literal["dna", "rna", "protein"]

#: Byte value the lookup table gives to a letter outside the alphabet.
NOT_ALLOWED = 255


@dataclass(frozen=True)
class Alphabet:
    """An alphabet of biological sequence letters.

    Parameters
    ----------
    name : {"dna", "rna", "protein"}
        Name used in options and messages.
    letters : str
        The channel letters, one one-hot channel each (``"ACGT"``, ``"ACGU"`` or the 20 amino
        acids).
    symbols : str
        Every accepted letter in code order: code ``i + 1`` is ``symbols[i]``, code 0 is
        padding. Starts with ``letters``, followed by the ambiguity codes.
    ambiguity : dict of str to str
        For each ambiguity code, the plain letters it stands for.
    """

    name: AlphabetName
    letters: str
    symbols: str
    ambiguity: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_channels(self) -> int:
        """Number of one-hot channels, ``len(letters)``."""
        return len(self.letters)

    @property
    def n_codes(self) -> int:
        """Number of integer codes including padding, ``len(symbols) + 1``."""
        return len(self.symbols) + 1

    @cached_property
    def lut(self) -> np.ndarray:
        """Byte -> code lookup table.

        Returns
        -------
        lut : (256,) uint8
            ``lut[byte]`` is the code of that byte; lower case letters map like upper case;
            255 marks a byte that is not allowed.
        """
        table = np.full(256, NOT_ALLOWED, dtype=np.uint8)
        for i, letter in enumerate(self.symbols):
            table[ord(letter)] = i + 1
            table[ord(letter.lower())] = i + 1
        table.setflags(write=False)
        return table

    def onehot_matrix(self) -> np.ndarray:
        """One-hot row of every code.

        Returns
        -------
        matrix : (n_codes, n_channels) float32
            Row 0 (padding) is all zeros; a plain letter has a single 1; an ambiguity code
            spreads 1 evenly over the letters it stands for (DNA ``N``: 0.25 each, ``R``: A and
            G 0.5 each, protein ``X``: 0.05 each).
        """
        matrix = np.zeros((self.n_codes, self.n_channels), dtype=np.float32)
        for i, symbol in enumerate(self.symbols):
            meaning = self.ambiguity.get(symbol, symbol)
            for letter in meaning:
                matrix[i + 1, self.letters.index(letter)] = 1.0 / len(meaning)
        return matrix

    def decode(self, codes: np.ndarray) -> str:
        """Turn integer codes back into letters.

        Parameters
        ----------
        codes : (length,) integer array
            Codes of one sequence; padding (0) is dropped.

        Returns
        -------
        str
            The upper-case sequence.
        """
        table = np.frombuffer(b"\x00" + self.symbols.encode("ascii"), dtype=np.uint8)
        codes = np.asarray(codes)
        return table[codes[codes > 0]].tobytes().decode("ascii")


_NUCLEOTIDE_CODES = {
    "N": "ACGT",
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
}
_AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"


def _rna_codes() -> dict[str, str]:
    return {code: meaning.replace("T", "U") for code, meaning in _NUCLEOTIDE_CODES.items()}


ALPHABETS: dict[AlphabetName, Alphabet] = {
    "dna": Alphabet("dna", "ACGT", "ACGT" + "".join(_NUCLEOTIDE_CODES), _NUCLEOTIDE_CODES),
    "rna": Alphabet("rna", "ACGU", "ACGU" + "".join(_NUCLEOTIDE_CODES), _rna_codes()),
    "protein": Alphabet(
        "protein",
        _AMINO_ACIDS,
        _AMINO_ACIDS + "XBZJUO",
        {code: _AMINO_ACIDS for code in "XBZJUO"},
    ),
}
"""The alphabets by name: ``"dna"``, ``"rna"`` and ``"protein"``."""


def detect_alphabet(sample: bytes | np.ndarray) -> Alphabet:
    """Guess the alphabet of a sample of sequence letters.

    Parameters
    ----------
    sample : bytes or (n,) uint8 array
        Sequence letters (any case); bytes that are not letters are ignored.

    Returns
    -------
    Alphabet
        DNA if at least 90% of the letters are A, C, G, T or N and there is no U; RNA if there
        is a U and no T and at least 90% are A, C, G, U or N; protein otherwise (also for an
        empty sample).

    Examples
    --------
    >>> detect_alphabet(b"acgtnACGT").name
    'dna'
    >>> detect_alphabet(b"ACGUUAG").name
    'rna'
    """
    data = np.frombuffer(sample, dtype=np.uint8) if isinstance(sample, bytes) else sample
    counts = np.bincount(np.asarray(data, dtype=np.uint8), minlength=256)
    upper = counts[65:91] + counts[97:123]
    total = int(upper.sum())
    if total == 0:
        return ALPHABETS["protein"]

    def count(letters: str) -> int:
        return int(sum(upper[ord(c) - 65] for c in letters))

    has_t, has_u = count("T") > 0, count("U") > 0
    if not has_u and count("ACGTN") >= 0.9 * total:
        return ALPHABETS["dna"]
    if has_u and not has_t and count("ACGUN") >= 0.9 * total:
        return ALPHABETS["rna"]
    return ALPHABETS["protein"]
