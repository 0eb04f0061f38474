"""The site-independent baseline of mutation scoring: a position-specific scoring matrix.

The PSSM is fitted on the same (unlabelled) training sequences as the language model. At each
position ``i`` the probability of letter ``a`` is

``p_i(a) = (n_i(a) + pseudocount) / (n_i + pseudocount * K)``

where ``n_i(a)`` counts the training sequences with ``a`` at ``i``, ``n_i`` the sequences that
reach position ``i`` and ``K`` the number of plain letters (20 for proteins, 4 for DNA/RNA).
An ambiguity letter counts fractionally (DNA ``N`` adds 0.25 to each base; protein ``X`` 0.05
to each amino acid). The default pseudocount, 1 (Laplace), keeps every letter possible; with
thousands of sequences it barely moves the frequencies.

Positions are counted from the start of each sequence. The sequences of a family should be
aligned (equal length): by default (``lengths="equal"``) sequences of different lengths are
refused, since a position then means different residues in different sequences. With
``lengths="start"`` they are accepted, each position counting the sequences long enough to
reach it (positions beyond the shortest sequence rest on fewer counts).

The score of a variant is the log-likelihood ratio of mutant vs wild type under this
independent-sites model: ``sum over mutated sites of log p_i(mut) - log p_i(wt)`` (natural
log). It is the "Site-Independent" model of ProteinGym's zero-shot table, without its sequence
weighting.

Examples
--------
>>> from biodl.data.mutations import VariantSet, format_mutations
>>> pssm = fit_pssm(["ACGT", "ACGA", "ACTT"], alphabet="dna", pseudocount=0.0)
>>> variants = VariantSet.from_mutations("ACGT", ["T4A", "G3T", "WT"], alphabet="dna")
>>> [round(float(s), 3) for s in pssm.llr(variants)]
[-0.693, -0.693, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from biodl.data.alphabet import ALPHABETS, Alphabet, AlphabetName
from biodl.data.mutations import VariantSet, format_mutations
from biodl.errors import ConfigError, DataError

__all__ = ["PSSM", "PssmLengths", "fit_pssm"]

PssmLengths = Literal["equal", "start"]


@dataclass(frozen=True)
class PSSM:
    """A fitted position-specific scoring matrix.

    Parameters
    ----------
    log_probs : (length, n_letters) float64
        ``log p_i(a)``, natural log; letters in ``alphabet.letters`` order.
    counts : (length, n_letters) float64
        The (fractional) letter counts it was fitted on.
    pseudocount : float
    alphabet : Alphabet
    """

    log_probs: np.ndarray
    counts: np.ndarray
    pseudocount: float
    alphabet: Alphabet

    @property
    def length(self) -> int:
        """Number of positions."""
        return int(self.log_probs.shape[0])

    def llr(self, variants: VariantSet) -> np.ndarray:
        """Log-likelihood ratio of each variant vs its wild type (see the module notes).

        Parameters
        ----------
        variants : VariantSet
            Of the PSSM's alphabet; every mutated site within the PSSM's length.

        Returns
        -------
        (n,) float64
            0 for the wild type itself.

        Raises
        ------
        DataError
            A mutated position beyond the PSSM (named), or another alphabet.
        """
        if variants.alphabet.name != self.alphabet.name:
            raise DataError(
                f"the variants are {variants.alphabet.name} and the PSSM {self.alphabet.name}; "
                "fit the PSSM on sequences of the variants' alphabet."
            )
        beyond = np.flatnonzero(variants.sites >= self.length)
        if beyond.size:
            row = int(variants.site_variant()[beyond[0]])
            raise DataError(
                f"variant {row + 1} ({format_mutations(variants.mutations(row))}) "
                f"mutates position {int(variants.sites[beyond[0]]) + 1}, beyond the "
                f"{self.length} positions of the PSSM; score variants of sequences of the "
                "training length."
            )
        site = self.log_probs[variants.sites]
        rows = np.arange(len(variants.sites))
        values = site[rows, variants.mutant_letters] - site[rows, variants.wild_letters]
        return np.bincount(variants.site_variant(), weights=values, minlength=len(variants))


def fit_pssm(
    sequences: Sequence[str],
    *,
    alphabet: AlphabetName | Alphabet = "protein",
    pseudocount: float = 1.0,
    lengths: PssmLengths = "equal",
) -> PSSM:
    """Fit a PSSM on training sequences (see the module notes).

    Parameters
    ----------
    sequences : sequence of str
        The training sequences (letters and ambiguity codes of ``alphabet``; any case).
    alphabet : {"dna", "rna", "protein"} or Alphabet, default "protein"
    pseudocount : float, default 1.0
        Added to every letter's count at every position (>= 0).
    lengths : {"equal", "start"}, default "equal"
        ``"equal"`` refuses sequences of different lengths; ``"start"`` counts positions from
        each sequence's start.

    Returns
    -------
    PSSM

    Raises
    ------
    DataError
        No sequences, a letter outside the alphabet, or unequal lengths with ``"equal"``.
    ConfigError
        A negative pseudocount or an unknown ``lengths``.
    """
    abc = ALPHABETS[alphabet] if isinstance(alphabet, str) else alphabet
    if pseudocount < 0:
        raise ConfigError(f"pseudocount: expected a number >= 0, got {pseudocount}.")
    if lengths not in ("equal", "start"):
        raise ConfigError(f"lengths: expected 'equal' or 'start', got {lengths!r}.")
    if not len(sequences):
        raise DataError("no training sequences to fit the PSSM on.")
    sizes = np.array([len(s) for s in sequences])
    if lengths == "equal" and (sizes != sizes[0]).any():
        k = int(np.flatnonzero(sizes != sizes[0])[0])
        raise DataError(
            f"sequence {k + 1} has {sizes[k]} letters and sequence 1 has {sizes[0]}; a PSSM "
            "needs aligned sequences of equal length. Align them, or pass lengths='start' to "
            "count positions from each sequence's start."
        )
    width = int(sizes.max())
    codes = np.zeros((len(sequences), width), dtype=np.uint8)
    for k, s in enumerate(sequences):
        row = abc.lut[np.frombuffer(s.encode("ascii"), dtype=np.uint8)]
        if (row == 255).any():
            bad = s[int(np.flatnonzero(row == 255)[0])]
            raise DataError(
                f"sequence {k + 1} contains {bad!r}, which is not a {abc.name} letter; the "
                "PSSM is fitted on sequences of the model's alphabet."
            )
        codes[k, : len(row)] = row
    onehot = abc.onehot_matrix().astype(np.float64)  # padding (code 0) is a row of zeros
    counts = np.stack([onehot[codes[:, i]].sum(axis=0) for i in range(width)])
    totals = counts.sum(axis=1, keepdims=True) + pseudocount * abc.n_channels
    with np.errstate(divide="ignore"):
        log_probs = np.log(counts + pseudocount) - np.log(totals)
    return PSSM(log_probs=log_probs, counts=counts, pseudocount=pseudocount, alphabet=abc)
