"""Motifs as letter-probability matrices: the one motif type shared by the motif readers, the
filter and attribution motif finders, the Tomtom-like matcher and the logos.

A motif is a ``(width, A)`` matrix of letter probabilities (rows sum to 1) over an alphabet
such as ``"ACGT"``. Counts become probabilities with a pseudocount; probabilities become
log-odds (a position weight matrix) or information content against a background.

Examples
--------
>>> import numpy as np
>>> m = motif_from_counts(np.array([[8, 0, 0, 0], [0, 0, 8, 0]]), "m1", pseudocount=1.0)
>>> m.consensus()
'AG'
>>> m.reverse_complement().consensus()
'CT'
>>> np.round(information_content(m.probabilities), 2).tolist()
[1.45, 1.45]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from biodl.data.alphabet import ALPHABETS, NOT_ALLOWED
from biodl.errors import DataError

__all__ = [
    "DNA",
    "Motif",
    "complement_order",
    "information_content",
    "log_odds",
    "motif_from_counts",
    "one_hot",
]

#: The DNA alphabet in the order every biodl one-hot encoding uses.
DNA = "ACGT"

_COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A", "U": "A"}


def complement_order(alphabet: str) -> np.ndarray | None:
    """Column order that complements each letter of a nucleic-acid alphabet, else None.

    Parameters
    ----------
    alphabet : str
        E.g. ``"ACGT"`` or ``"ACGU"``; protein alphabets have no complement.

    Returns
    -------
    (A,) int array or None
        ``m[:, order]`` swaps A<->T(U) and C<->G; None when some letter has no complement.

    Examples
    --------
    >>> complement_order("ACGT").tolist()
    [3, 2, 1, 0]
    >>> complement_order("ACDEFGHIKLMNPQRSTVWY") is None
    True
    """
    letters = alphabet.upper()
    partner = dict(_COMPLEMENT, A="U" if "U" in letters and "T" not in letters else "T")
    if any(c not in partner or partner[c] not in letters for c in letters):
        return None
    return np.array([letters.index(partner[c]) for c in letters])


@dataclass(frozen=True, eq=False)
class Motif:
    """One motif: letter probabilities and what is known of where it came from.

    Attributes
    ----------
    id : str
        Identifier (``MA0004.1``, ``filter_3``, ``pattern_0``).
    probabilities : (width, A) float array
        Letter probabilities per position; each row sums to 1.
    alphabet : str, default "ACGT"
        The letters of the columns, in order.
    name : str, default ""
        Human name (``Arnt``); empty when there is none.
    nsites : float or None
        Number of sites the matrix was counted from, when known.
    url : str, default ""
        Where the motif is described (a MEME file's ``URL`` line).
    """

    id: str
    probabilities: np.ndarray
    alphabet: str = DNA
    name: str = ""
    nsites: float | None = None
    url: str = ""

    def __post_init__(self) -> None:
        probs = np.asarray(self.probabilities, dtype=float)
        if probs.ndim != 2 or probs.shape[0] == 0 or probs.shape[1] != len(self.alphabet):
            raise DataError(
                f"motif {self.id}: probabilities must be (width, {len(self.alphabet)}) for "
                f"alphabet {self.alphabet}, got shape {probs.shape}"
            )
        object.__setattr__(self, "probabilities", probs)

    @property
    def width(self) -> int:
        """Number of positions."""
        return int(self.probabilities.shape[0])

    @property
    def label(self) -> str:
        """``id name`` (or the id alone), as tables show a motif."""
        return f"{self.id} {self.name}".strip()

    def consensus(self) -> str:
        """The most probable letter at each position."""
        return "".join(self.alphabet[i] for i in self.probabilities.argmax(axis=1))

    def reverse_complement(self) -> Motif:
        """The motif read on the other strand (DNA/RNA only).

        Raises
        ------
        DataError
            When the alphabet has no complement (protein).
        """
        order = complement_order(self.alphabet)
        if order is None:
            raise DataError(f"motif {self.id}: alphabet {self.alphabet} has no complement")
        return replace(self, probabilities=self.probabilities[::-1, order].copy())

    def trimmed(self, min_bits: float = 0.3) -> Motif:
        """The motif without its uninformative ends: the span from the first to the last
        position of at least ``min_bits`` information content (the whole motif when none
        reaches it).

        Filter motifs are as wide as the filter and often carry a few informative positions
        between noise; trim them before matching, as Tomtom users do.

        Examples
        --------
        >>> import numpy as np
        >>> Motif("m", np.vstack([np.full((2, 4), 0.25), np.eye(4)[[0, 1]]])).trimmed().width
        2
        """
        keep = np.flatnonzero(self.information_content() >= min_bits)
        if len(keep) == 0:
            return self
        return replace(self, probabilities=self.probabilities[keep[0] : keep[-1] + 1].copy())

    def log_odds(
        self, background: np.ndarray | None = None, *, pseudocount: float = 0.01
    ) -> np.ndarray:
        """Position weight matrix in bits: see :func:`log_odds`."""
        return log_odds(self.probabilities, background, pseudocount=pseudocount)

    def information_content(self, background: np.ndarray | None = None) -> np.ndarray:
        """Bits per position: see :func:`information_content`."""
        return information_content(self.probabilities, background)


def _background(background: np.ndarray | None, size: int) -> np.ndarray:
    if background is None:
        return np.full(size, 1.0 / size)
    bg = np.asarray(background, dtype=float)
    return bg / bg.sum()


def motif_from_counts(
    counts: np.ndarray,
    id: str,
    *,
    alphabet: str = DNA,
    name: str = "",
    pseudocount: float = 0.0,
    background: np.ndarray | None = None,
) -> Motif:
    """A motif from a position frequency matrix (letter counts per position).

    Parameters
    ----------
    counts : (width, A) array
        Letter counts (may be fractional).
    id : str
        The motif's identifier.
    alphabet : str, default "ACGT"
    name : str, default ""
    pseudocount : float, default 0.0
        Total pseudocount added per position, spread over the letters by ``background``:
        ``p = (counts + pseudocount * background) / (n + pseudocount)``.
    background : (A,) array, optional
        Letter frequencies; uniform by default.

    Returns
    -------
    Motif
        ``nsites`` is the largest column total.
    """
    c = np.asarray(counts, dtype=float)
    if c.ndim != 2 or c.shape[1] != len(alphabet) or (c < 0).any():
        raise DataError(
            f"motif {id}: counts must be a non-negative (width, {len(alphabet)}) matrix, "
            f"got shape {c.shape}"
        )
    bg = _background(background, len(alphabet))
    totals = c.sum(axis=1, keepdims=True)
    denom = totals + pseudocount
    with np.errstate(invalid="ignore", divide="ignore"):
        probs = np.where(denom > 0, (c + pseudocount * bg) / np.where(denom > 0, denom, 1), bg)
    nsites = float(totals.max()) if len(totals) else 0.0
    return Motif(id=id, probabilities=probs, alphabet=alphabet, name=name, nsites=nsites)


def log_odds(
    probabilities: np.ndarray, background: np.ndarray | None = None, *, pseudocount: float = 0.01
) -> np.ndarray:
    """Log2-odds of each letter against the background: a position weight matrix in bits.

    Parameters
    ----------
    probabilities : (width, A) array
    background : (A,) array, optional
        Uniform by default.
    pseudocount : float, default 0.01
        Mixed in as ``(p + pseudocount * bg) / (1 + pseudocount)`` so zeros stay finite.

    Returns
    -------
    (width, A) float array
    """
    p = np.asarray(probabilities, dtype=float)
    bg = _background(background, p.shape[1])
    mixed = (p + pseudocount * bg) / (1.0 + pseudocount)
    return np.log2(np.maximum(mixed, 1e-300) / bg)


def information_content(
    probabilities: np.ndarray, background: np.ndarray | None = None
) -> np.ndarray:
    """Relative entropy of each position to the background, in bits (the height of a logo
    column).

    Parameters
    ----------
    probabilities : (width, A) array
    background : (A,) array, optional
        Uniform by default (then the maximum is ``log2(A)``: 2 bits for DNA).

    Returns
    -------
    (width,) float array
    """
    p = np.asarray(probabilities, dtype=float)
    bg = _background(background, p.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0) / bg), 0.0)
    return terms.sum(axis=1)


def one_hot(sequences: Sequence[str], alphabet: str = DNA) -> np.ndarray:
    """One-hot encode equal-length sequences as biodl's models see them: ``(N, L, A)`` float32.

    Ambiguity codes spread 1 over the letters they stand for (DNA ``N``: 0.25 each), as in
    :meth:`biodl.data.alphabet.Alphabet.onehot_matrix`.

    Parameters
    ----------
    sequences : sequence of str
        All of the same length.
    alphabet : str, default "ACGT"
        ``"ACGT"``, ``"ACGU"`` or the 20 amino acids.

    Examples
    --------
    >>> one_hot(["ACGN"])[0].tolist()[2:]
    [[0.0, 0.0, 1.0, 0.0], [0.25, 0.25, 0.25, 0.25]]
    """
    known = {a.letters: a for a in ALPHABETS.values()}
    if alphabet not in known:
        raise DataError(f"alphabet must be one of {sorted(known)}, got {alphabet!r}")
    if not sequences:
        return np.zeros((0, 0, len(alphabet)), dtype=np.float32)
    lengths = {len(s) for s in sequences}
    if len(lengths) != 1:
        raise DataError(f"sequences must have one length to be one-hot encoded, got {lengths}")
    table = known[alphabet]
    raw = np.frombuffer("".join(sequences).encode("ascii", "replace"), dtype=np.uint8)
    codes = table.lut[raw].reshape(len(sequences), -1)
    bad = codes == NOT_ALLOWED
    if bad.any():
        n, pos = np.argwhere(bad)[0]
        raise DataError(
            f"sequence {n} position {pos + 1}: {sequences[n][pos]!r} is not a letter of "
            f"{alphabet} (nor an ambiguity code)"
        )
    return table.onehot_matrix()[codes]
