"""Hand-made sequence features: k-mer counts and positional one-hot, as sparse matrices.

These are the traditional features the classical baselines use. Both are computed with
vectorised numpy over the integer codes of a :class:`~biodl.data.sequence.SequenceSet`, in
blocks of records so memory stays bounded.

Examples
--------
>>> import numpy as np
>>> from biodl.data.alphabet import ALPHABETS
>>> from biodl.data.sequence import SequenceSet
>>> dna = ALPHABETS["dna"]
>>> codes = dna.lut[np.frombuffer(b"ACGTAC", dtype=np.uint8)].copy()
>>> seqs = SequenceSet(np.array(["a"], dtype=object), codes, np.array([0, 6]), dna)
>>> kmer_counts(seqs, 2, normalize=False).toarray()[0, [1, 6, 11, 12]].tolist()
[2.0, 1.0, 1.0, 1.0]
>>> positional_onehot(seqs, 3).shape
(1, 12)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from biodl.data.alphabet import Alphabet
from biodl.data.sequence import SequenceSet
from biodl.errors import ConfigError

__all__ = [
    "default_k",
    "kmer_counts",
    "kmer_spectrum",
    "positional_onehot",
    "record_blocks",
    "sequence_features",
]

_BLOCK_LETTERS = 1 << 22  # letters (or matrix cells) handled per vectorised step
_MAX_COLUMNS = 1 << 26


def record_blocks(offsets: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Split records into consecutive runs of about ``budget`` letters each."""
    n = len(offsets) - 1
    if n == 0:
        return []
    marks = np.arange(offsets[0] + budget, offsets[-1], budget)
    cuts = np.searchsorted(offsets[1:], marks) + 1
    bounds = np.unique(np.concatenate(([0], np.minimum(cuts, n), [n])))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


def _block_counts(seqs: SequenceSet, r0: int, r1: int, k: int) -> sp.csr_matrix:
    channels = seqs.alphabet.n_channels
    lo, hi = int(seqs.offsets[r0]), int(seqs.offsets[r1])
    codes = seqs.codes[lo:hi].astype(np.int64)
    windows = len(codes) - k + 1
    n_rows, n_cols = r1 - r0, channels**k
    if windows <= 0:
        return sp.csr_matrix((n_rows, n_cols), dtype=np.float32)
    plain = (codes >= 1) & (codes <= channels)
    value = np.where(plain, codes - 1, 0)
    index = np.zeros(windows, dtype=np.int64)
    for j in range(k):
        index = index * channels + value[j : j + windows]
    # A window is kept when it holds no ambiguity code and does not run past its record.
    not_plain = np.concatenate(([0], np.cumsum(~plain)))
    clean = not_plain[k : k + windows] == not_plain[:windows]
    lengths = np.diff(seqs.offsets[r0 : r1 + 1])
    row = np.repeat(np.arange(n_rows), lengths)[:windows]
    record_end = (seqs.offsets[r0 + 1 : r1 + 1] - lo)[row]
    keep = clean & (np.arange(windows) + k <= record_end)
    key = row[keep] * n_cols + index[keep]
    unique, counts = np.unique(key, return_counts=True)
    indptr = np.searchsorted(unique // n_cols, np.arange(n_rows + 1))
    return sp.csr_matrix(
        (counts.astype(np.float32), unique % n_cols, indptr), shape=(n_rows, n_cols)
    )


def kmer_counts(seqs: SequenceSet, k: int, *, normalize: bool = True) -> sp.csr_matrix:
    """Count the overlapping k-mers of every record.

    Parameters
    ----------
    seqs : SequenceSet
        ``n`` records.
    k : int
        k-mer length, >= 1.
    normalize : bool, default True
        Divide each row by its number of counted k-mers (frequencies summing to 1; rows with
        none stay zero).

    Returns
    -------
    counts : (n, n_channels ** k) scipy.sparse.csr_matrix, float32
        Column ``sum(c_j * n_channels ** (k - 1 - j))`` counts the k-mer of channel letters
        ``c_0 .. c_{k-1}`` (lexicographic in ``alphabet.letters``). k-mers containing an
        ambiguity code are skipped.

    Examples
    --------
    >>> from biodl.data.alphabet import ALPHABETS
    >>> dna = ALPHABETS["dna"]
    >>> codes = dna.lut[np.frombuffer(b"AANAA", dtype=np.uint8)].copy()
    >>> seqs = SequenceSet(np.array(["a"], dtype=object), codes, np.array([0, 5]), dna)
    >>> float(kmer_counts(seqs, 2).toarray()[0, 0])
    1.0
    """
    if int(k) < 1:
        raise ConfigError(f"k: expected a k-mer length >= 1, got {k}. Use --k 4 for DNA.")
    n_cols = seqs.alphabet.n_channels ** int(k)
    if n_cols > _MAX_COLUMNS:
        raise ConfigError(
            f"k: {seqs.alphabet.n_channels}**{k} = {n_cols} k-mer columns is too many; "
            f"expected k <= {default_k(seqs.alphabet, 1e9) + 2}. Use a smaller --k."
        )
    blocks = [
        _block_counts(seqs, a, b, int(k)) for a, b in record_blocks(seqs.offsets, _BLOCK_LETTERS)
    ]
    counts = (
        sp.vstack(blocks, format="csr", dtype=np.float32)
        if blocks
        else (sp.csr_matrix((0, n_cols), dtype=np.float32))
    )
    if normalize:
        totals = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
        counts = sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ counts, dtype=np.float32)
    return counts


def positional_onehot(seqs: SequenceSet, length: int) -> sp.csr_matrix:
    """One-hot encode every position of fixed-width records, flattened.

    Parameters
    ----------
    seqs : SequenceSet
        ``n`` records.
    length : int
        Width ``L``; longer records are centre-cropped, shorter ones right-padded (zero rows),
        as in :meth:`SequenceSet.padded`.

    Returns
    -------
    onehot : (n, L * n_channels) scipy.sparse.csr_matrix, float32
        Column ``position * n_channels + channel``. Ambiguity codes get their fractional row
        (DNA ``N``: 0.25 in each channel).
    """
    channels = seqs.alphabet.n_channels
    matrix = seqs.alphabet.onehot_matrix()
    width = int(length) * channels
    rows_per_block = max(1, _BLOCK_LETTERS // max(width, 1))
    blocks = []
    for start in range(0, len(seqs), rows_per_block):
        index = np.arange(start, min(start + rows_per_block, len(seqs)))
        dense = matrix[seqs.padded(index, length=int(length))].reshape(len(index), width)
        blocks.append(sp.csr_matrix(dense, dtype=np.float32))
    if not blocks:
        return sp.csr_matrix((0, width), dtype=np.float32)
    return sp.vstack(blocks, format="csr", dtype=np.float32)


def default_k(alphabet: Alphabet, median_length: float) -> int:
    """A k-mer length that suits the alphabet and the typical sequence length.

    Parameters
    ----------
    alphabet : Alphabet
        Alphabet of the sequences.
    median_length : float
        Median record length.

    Returns
    -------
    int
        DNA/RNA: 4 up to length 100, 5 up to 1000, 6 above. Protein: 1 up to length 30,
        2 above.

    Examples
    --------
    >>> from biodl.data.alphabet import ALPHABETS
    >>> default_k(ALPHABETS["dna"], 60), default_k(ALPHABETS["protein"], 265)
    (4, 2)
    """
    if alphabet.name == "protein":
        return 1 if median_length <= 30 else 2
    if median_length <= 100:
        return 4
    return 5 if median_length <= 1000 else 6


def kmer_spectrum(seqs: SequenceSet, ks: Sequence[int]) -> sp.csr_matrix:
    """k-mer frequencies of several k side by side (a k-mer spectrum).

    Parameters
    ----------
    seqs : SequenceSet
        ``n`` records.
    ks : sequence of int
        The k-mer lengths, e.g. ``range(1, 6)``; each block holds frequencies summing to 1
        per record (:func:`kmer_counts` with ``normalize=True``).

    Returns
    -------
    spectrum : (n, sum(n_channels ** k for k in ks)) scipy.sparse.csr_matrix, float32
        ``[kmer_counts(seqs, ks[0]) | kmer_counts(seqs, ks[1]) | ...]``.

    Examples
    --------
    >>> from biodl.data.alphabet import ALPHABETS
    >>> dna = ALPHABETS["dna"]
    >>> codes = dna.lut[np.frombuffer(b"ACGTAC", dtype=np.uint8)].copy()
    >>> seqs = SequenceSet(np.array(["a"], dtype=object), codes, np.array([0, 6]), dna)
    >>> kmer_spectrum(seqs, [1, 2]).shape
    (1, 20)
    """
    if len(ks) == 0:
        raise ConfigError("ks: expected at least one k-mer length, got none. Use e.g. [1, 2, 3].")
    blocks = [kmer_counts(seqs, int(k)) for k in ks]
    if len(blocks) == 1:
        return blocks[0]
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def sequence_features(
    seqs: SequenceSet, *, k: int | Sequence[int], length: int | None
) -> sp.csr_matrix:
    """k-mer frequencies, plus positional one-hot for fixed-length data.

    Parameters
    ----------
    seqs : SequenceSet
        ``n`` records.
    k : int or sequence of int
        k-mer length (see :func:`default_k`), or several lengths for a k-mer spectrum
        (:func:`kmer_spectrum`).
    length : int or None
        Width of the positional one-hot block; None leaves it out (variable-length data).

    Returns
    -------
    features : (n, n_kmer_columns [+ length * n_channels]) scipy.sparse.csr_matrix, float32
        ``[k-mer frequencies | positional_onehot(seqs, length)]``. Several k are built for at
        most :data:`SPECTRUM_BLOCK` records at a time, so the matrix is assembled row block by
        row block (about twice its final size at most, not the several times a column-wise
        stack of whole blocks takes).
    """
    if np.ndim(k) != 0:
        ks = [int(x) for x in k]  # type: ignore[union-attr]
        if len(seqs) <= SPECTRUM_BLOCK:
            return _spectrum_block(seqs, ks, length)
        rows = [
            _spectrum_block(
                seqs.subset(np.arange(a, min(a + SPECTRUM_BLOCK, len(seqs)))), ks, length
            )
            for a in range(0, len(seqs), SPECTRUM_BLOCK)
        ]
        return sp.vstack(rows, format="csr", dtype=np.float32)
    counts = kmer_counts(seqs, int(k))  # type: ignore[arg-type]
    if length is None:
        return counts
    onehot = positional_onehot(seqs, length)
    return sp.hstack([counts, onehot], format="csr", dtype=np.float32)


#: Records per row block of :func:`sequence_features` with several k.
SPECTRUM_BLOCK = 20_000


def _spectrum_block(seqs: SequenceSet, ks: list[int], length: int | None) -> sp.csr_matrix:
    spectrum = kmer_spectrum(seqs, ks)
    if length is None:
        return spectrum
    return sp.hstack([spectrum, positional_onehot(seqs, length)], format="csr", dtype=np.float32)
