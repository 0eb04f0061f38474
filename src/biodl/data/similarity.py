"""Near-identical sequences without all-pairs alignment: MinHash sketches and LSH.

Each sequence is summarised by a one-permutation MinHash sketch of its set of k-mers
(:func:`sketch`). The fraction of sketch bins two sequences share estimates the Jaccard
similarity of their k-mer sets. Locality-sensitive hashing (bands of bins) finds candidate
pairs without comparing all pairs; candidates are kept when their estimated Jaccard reaches the
threshold, and kept pairs are joined into clusters (:func:`similar_groups`) or counted between a
reference and a query set (:func:`near_duplicates`).

What the threshold means: for DNA with the default ``k = 8`` and 200 bp sequences, a copy
with ``m`` point mutations keeps about ``q = (1 - m / 200) ** 8`` of its k-mers, a Jaccard of
about ``q / (2 - q)``. Measured on 2,000 simulated pairs per row (random 200 bp sequences,
uniformly placed substitutions, 64 bins):

=========  ========  ================  =========================
mutations  identity  median estimate   share with estimate >= 0.5
=========  ========  ================  =========================
1          99.5%     0.92              100%
5          97.5%     0.69              100%
8          96%       0.56              86%
10         95%       0.48              48%
15         92.5%     0.36              3%
20         90%       0.27              0%
=========  ========  ================  =========================

Random unrelated pairs estimate 0.0015 on average (maximum 0.05; none of 2,000 above 0.1). So
the default threshold 0.5 joins 200 bp DNA sequences about 95% identical or more; about 0.25
reaches 90% identity. Longer k-mers or longer sequences shift these numbers.
Exact duplicates are always grouped, whatever the threshold.

Examples
--------
>>> from biodl.data.sequence import SequenceSet
>>> seqs = SequenceSet.from_strings(["ACGTACGTTGCAAGCTTGCA" * 5, "ACGTACGTTGCAAGCTTGCA" * 5,
...                                  "TTTTGGGGCCCCAAAATGCA" * 5])
>>> similar_groups(seqs).tolist()
[0, 0, 1]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from biodl.data.alphabet import Alphabet
from biodl.data.kmers import record_blocks
from biodl.data.sequence import SequenceSet
from biodl.data.store import is_mapped, release_pages, scratch
from biodl.errors import ConfigError, DataError

__all__ = [
    "NearDuplicates",
    "SketchedReference",
    "default_sketch_k",
    "near_duplicates",
    "record_hashes",
    "similar_groups",
    "sketch",
]

#: Bin value of a sequence with no k-mer at all (shorter than k, or only ambiguity codes).
EMPTY = np.uint64(np.iinfo(np.uint64).max)

_BLOCK_LETTERS = 1 << 21  # letters sketched per vectorised step (~16 bytes of work each)
_PAIR_BLOCK = 1 << 16  # candidate pairs verified per step
# Pairs per step when rows are read from a mapped file: each row read at random maps the pages
# around it too (fault-around, ~64 KB), so the block bounds the resident pages (~64 MB).
_MAPPED_PAIR_BLOCK = 1 << 9
_DENSIFY_ROWS = 1 << 12  # sketch rows densified per step
_WINDOW = 64  # members of one LSH bucket compared with each other (all pairs below this)
_RECALL = 0.999  # wanted chance that a pair exactly at the threshold becomes a candidate
_GOLDEN = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class NearDuplicates:
    """Query sequences that also occur, exactly or nearly, in a reference set.

    Attributes
    ----------
    exact : int
        Query sequences identical to some reference sequence.
    near : int
        Query sequences whose estimated k-mer Jaccard similarity to some reference sequence
        is at least the threshold (exact duplicates included, so ``near >= exact``).
    query_size : int
        Number of query sequences.
    examples : list of (str, str)
        Up to 5 ``(query id, reference id)`` pairs, in query order.
    threshold : float
        The Jaccard threshold used.
    """

    exact: int
    near: int
    query_size: int
    examples: list[tuple[str, str]] = field(default_factory=list)
    threshold: float = 0.5

    @property
    def fraction(self) -> float:
        """``near / query_size`` (0 for an empty query)."""
        return self.near / self.query_size if self.query_size else 0.0


def default_sketch_k(alphabet: Alphabet, median_length: float) -> int:
    """The k-mer length of sketches: specific enough that unrelated sequences share few k-mers.

    Parameters
    ----------
    alphabet : Alphabet
        Alphabet of the sequences.
    median_length : float
        Median record length.

    Returns
    -------
    int
        The smallest ``k`` with ``n_channels ** k >= 16 * median_length``, and at least 8 for
        DNA/RNA, 3 for protein: 8 for DNA up to 4 kb, 3 for proteins up to 500 residues.

    Examples
    --------
    >>> from biodl.data.alphabet import ALPHABETS
    >>> default_sketch_k(ALPHABETS["dna"], 200), default_sketch_k(ALPHABETS["protein"], 300)
    (8, 3)
    >>> default_sketch_k(ALPHABETS["dna"], 50_000)
    10
    """
    k = 3 if alphabet.name == "protein" else 8
    while alphabet.n_channels**k < 16 * median_length:
        k += 1
    return k


def sketch(
    seqs: SequenceSet, *, k: int | None = None, n_bins: int = 64, seed: int = 0
) -> np.ndarray:
    """One-permutation MinHash sketch of each sequence's set of k-mers.

    Every k-mer without an ambiguity code is hashed (splitmix64 of its base-``n_channels``
    index, mixed with ``seed``); the hash picks a bin (``hash % n_bins``) and each bin keeps the
    smallest hash. Empty bins borrow the value of the next filled bin to the right (circular),
    re-hashed with the distance, so that short sequences still compare on all bins. Records are
    processed in blocks, so memory grows with the letters of one block, not of the whole set.
    For a set read from a store (memory-mapped codes) the sketches are written to a temporary
    file (:func:`biodl.data.store.scratch`) and every pass over them releases the pages it read,
    so the resident size stays near one block: the same numbers, held on disk.

    Parameters
    ----------
    seqs : SequenceSet
        ``n`` records.
    k : int, optional
        k-mer length; default :func:`default_sketch_k` of the median length (8 for DNA/RNA,
        3 for protein at usual lengths).
    n_bins : int, default 64
        Sketch width; the standard error of a Jaccard estimate is about
        ``sqrt(J (1 - J) / n_bins)`` (0.06 at J = 0.5 with 64 bins).
    seed : int, default 0
        Hash seed; sketches are comparable only with the same ``k``, ``n_bins`` and ``seed``.

    Returns
    -------
    sketches : (n, n_bins) uint64
        The fraction of equal bins of two rows estimates the Jaccard similarity of the two
        k-mer sets. A record with no k-mer (shorter than ``k`` or only ambiguity codes) has
        every bin equal to ``2**64 - 1``.

    Raises
    ------
    ConfigError
        For ``k`` below 1 or too long for a 64-bit index, or ``n_bins`` below 1.

    Examples
    --------
    >>> seqs = SequenceSet.from_strings(["ACGTACGTTGCA" * 4, "ACGTACGTTGCA" * 4])
    >>> s = sketch(seqs, n_bins=16)
    >>> s.shape, s.dtype.name, bool((s[0] == s[1]).all())
    ((2, 16), 'uint64', True)
    """
    k = _resolve_k(seqs, k)
    if int(n_bins) < 1:
        raise ConfigError(f"n_bins: expected a sketch width >= 1, got {n_bins}. Use 64.")
    n_bins = int(n_bins)
    if is_mapped(seqs.codes):  # a store's: the sketches go to a temporary file too
        out = scratch((len(seqs), n_bins), np.uint64, EMPTY)
    else:
        out = np.full((len(seqs), n_bins), EMPTY, dtype=np.uint64)
    offset = np.uint64((int(seed) * _GOLDEN + _GOLDEN) & _MASK64)
    for r0, r1 in record_blocks(seqs.offsets, _BLOCK_LETTERS):
        _sketch_block(seqs, r0, r1, k, n_bins, offset, out[r0:r1])
        release_pages(seqs.codes)
        release_pages(out)
    _densify(out)
    return out


def similar_groups(
    seqs: SequenceSet,
    *,
    threshold: float = 0.5,
    k: int | None = None,
    n_bins: int = 64,
    seed: int = 0,
) -> np.ndarray:
    """Cluster labels joining sequences that are near-identical (single linkage).

    Two sequences are linked when their estimated k-mer Jaccard similarity (the fraction of
    equal :func:`sketch` bins) is at least ``threshold``; clusters are the connected components
    of these links, so a chain of similar sequences shares one label. Exact duplicates always
    share a label. Candidate pairs come from LSH bands of the sketch, chosen so that a pair
    estimated exactly at the threshold is found with probability >= 0.999; members of very
    large buckets (> 64 sequences sharing a band) are compared within a sliding window.

    Parameters
    ----------
    seqs : SequenceSet
        ``n`` records.
    threshold : float, default 0.5
        Estimated Jaccard similarity of k-mer sets, in (0, 1]. For 200 bp DNA and ``k = 8``,
        0.5 joins copies with up to about 10 point mutations (~95% identity), 0.25 about 90%
        identity; see the module docstring for the measured relation.
    k : int, optional
        k-mer length (default :func:`default_sketch_k`).
    n_bins : int, default 64
        Sketch width.
    seed : int, default 0
        Hash seed.

    Returns
    -------
    labels : (n,) int64
        Cluster label of each record, numbered 0, 1, ... in order of first appearance.

    Raises
    ------
    ConfigError
        For a threshold outside (0, 1] or a bad ``k`` / ``n_bins``.

    Examples
    --------
    >>> seqs = SequenceSet.from_strings(["ACGTTGCAAGGCTTAACGGT" * 10, "TTGACCGTAGCATGCAAGTC" * 10])
    >>> similar_groups(seqs, threshold=0.9).tolist()
    [0, 1]
    """
    _check_threshold(threshold)
    if not len(seqs):
        return np.zeros(0, dtype=np.int64)
    # Exact duplicates are merged first: only one representative of each is sketched.
    exact = _exact_labels(seqs)
    reps = _first_of_each(exact)
    k = _resolve_k(seqs, k)
    sketches = sketch(seqs.subset(reps), k=k, n_bins=n_bins, seed=seed)
    valid, sketches = _valid_rows(sketches)
    left, right = _self_matches(sketches, _bands(threshold, n_bins), threshold)
    del sketches
    m = len(reps)
    graph = sp.coo_matrix(
        (np.ones(len(left), dtype=np.int8), (valid[left], valid[right])), shape=(m, m)
    )
    _, component = connected_components(graph, directed=False)
    return _first_appearance(component[exact])


def near_duplicates(
    reference: SequenceSet | SketchedReference,
    query: SequenceSet,
    *,
    threshold: float = 0.5,
    k: int | None = None,
    n_bins: int = 64,
    seed: int = 0,
) -> NearDuplicates:
    """Count query sequences that are identical or near-identical to a reference sequence.

    Typical use: ``reference`` = training part, ``query`` = test part; the counts measure
    leakage. Candidates come from LSH bands as in :func:`similar_groups`.

    Parameters
    ----------
    reference : SequenceSet or SketchedReference
        ``m`` records; a :class:`SketchedReference` keeps its exact-match index and sketch
        between calls, so several query sets are compared with one reference sketch.
    query : SequenceSet
        ``n`` records, same alphabet.
    threshold : float, default 0.5
        Estimated k-mer Jaccard similarity, in (0, 1] (see :func:`similar_groups`).
    k : int, optional
        k-mer length; default :func:`default_sketch_k` of the median length of both sets.
    n_bins : int, default 64
    seed : int, default 0

    Returns
    -------
    NearDuplicates
        ``exact``, ``near`` (exact included), ``query_size`` and up to 5 example pairs.

    Raises
    ------
    DataError
        When the two sets have different alphabets.
    ConfigError
        For a threshold outside (0, 1] or a bad ``k`` / ``n_bins``.

    Examples
    --------
    >>> ref = SequenceSet.from_strings(["ACGTTGCAAGGCTTAACGGT" * 10], ids=["r1"])
    >>> qry = SequenceSet.from_strings(["ACGTTGCAAGGCTTAACGGT" * 10, "GATTACA" * 30],
    ...                                ids=["q1", "q2"])
    >>> found = near_duplicates(ref, qry)
    >>> found.exact, found.near, found.query_size, found.examples
    (1, 1, 2, [('q1', 'r1')])
    """
    _check_threshold(threshold)
    held = reference if isinstance(reference, SketchedReference) else SketchedReference(reference)
    reference = held.sequences
    if reference.alphabet.name != query.alphabet.name:
        raise DataError(
            f"{query.source or 'query'}: alphabet {query.alphabet.name} differs from "
            f"{reference.source or 'reference'} ({reference.alphabet.name}); expected the same "
            "alphabet. Read both with the same --alphabet."
        )
    if k is None:
        lengths = np.concatenate([reference.lengths, query.lengths])
        median = float(np.median(lengths)) if len(lengths) else 0.0
        k = default_sketch_k(reference.alphabet, median)
    exact_match = held.exact_matches(query)
    ref_sk, ref_ok = held.sketch(k=k, n_bins=n_bins, seed=seed)
    qry_sk = sketch(query, k=k, n_bins=n_bins, seed=seed)
    qry_ok, qry_sk = _valid_rows(qry_sk)
    best = _cross_matches(qry_sk, ref_sk, _bands(threshold, n_bins), threshold)
    del qry_sk
    near_match = np.full(len(query), -1, dtype=np.int64)
    found = np.flatnonzero(best >= 0)
    near_match[qry_ok[found]] = ref_ok[best[found]]
    match = np.where(exact_match >= 0, exact_match, near_match)
    hits = np.flatnonzero(match >= 0)
    examples = [(str(query.ids[i]), str(reference.ids[match[i]])) for i in hits[:5]]
    return NearDuplicates(
        exact=int((exact_match >= 0).sum()),
        near=len(hits),
        query_size=len(query),
        examples=examples,
        threshold=float(threshold),
    )


class SketchedReference:
    """A reference set prepared once for :func:`near_duplicates` against several query sets.

    The exact-match index (one 64-bit hash per record) is built on creation; the MinHash
    sketch is made on first use and kept for later calls with the same ``k``, ``n_bins`` and
    ``seed`` (a call with other values replaces it).

    Parameters
    ----------
    sequences : SequenceSet
        The reference records (e.g. a training part).

    Examples
    --------
    >>> ref = SketchedReference(SequenceSet.from_strings(["ACGTTGCAAGGCTTAACGGT" * 10]))
    >>> qry = SequenceSet.from_strings(["ACGTTGCAAGGCTTAACGGT" * 10])
    >>> near_duplicates(ref, qry).near, near_duplicates(ref, qry).exact, ref.sketches_made
    (1, 1, 1)
    """

    def __init__(self, sequences: SequenceSet) -> None:
        self.sequences = sequences
        hashes = record_hashes(sequences)
        self._order = np.argsort(hashes, kind="stable")
        self._sorted = hashes[self._order]
        self._key: tuple[int, int, int] | None = None
        self._sketch = np.zeros((0, 0), dtype=np.uint64)
        self._valid = np.zeros(0, dtype=np.int64)
        #: How many sketches of the reference were computed (one per distinct k/n_bins/seed).
        self.sketches_made = 0

    def sketch(self, *, k: int, n_bins: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``(sketches of the records with a k-mer, their indices)`` (see :func:`sketch`)."""
        if self._key != (k, n_bins, seed):
            self._sketch = np.zeros((0, 0), dtype=np.uint64)  # free the old one first
            self._valid, self._sketch = _valid_rows(
                sketch(self.sequences, k=k, n_bins=n_bins, seed=seed)
            )
            self._key = (k, n_bins, seed)
            self.sketches_made += 1
        return self._sketch, self._valid

    def exact_matches(self, query: SequenceSet) -> np.ndarray:
        """Index of the first reference record identical to each query record, or -1."""
        ref = self.sequences
        hashes = record_hashes(query)
        at = np.searchsorted(self._sorted, hashes)
        found = np.full(len(query), -1, dtype=np.int64)
        hit = np.flatnonzero(at < len(self._sorted))
        hit = hit[self._sorted[at[hit]] == hashes[hit]]
        first = self._order[at[hit]]  # the stable sort puts the lowest index first
        same = _same_records(query, hit, ref, first)
        found[hit[same]] = first[same]
        for i in hit[~same]:  # a hash collision (about 1 in 10**10 pairs): compare exactly
            found[i] = self._exact_scan(query, int(i), int(at[i]), int(hashes[i]))
        return found

    def _exact_scan(self, query: SequenceSet, i: int, at: int, h: int) -> int:
        ref = self.sequences
        letters = query.codes[query.offsets[i] : query.offsets[i + 1]].tobytes()
        matches = []
        while at < len(self._sorted) and int(self._sorted[at]) == h:
            j = int(self._order[at])
            if ref.codes[ref.offsets[j] : ref.offsets[j + 1]].tobytes() == letters:
                matches.append(j)
            at += 1
        return min(matches, default=-1)


def _valid_rows(sketches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the rows with a k-mer and those rows (the array itself when all are)."""
    empty = np.zeros(len(sketches), dtype=bool)
    for r0 in range(0, len(sketches), _PAIR_BLOCK):
        empty[r0 : r0 + _PAIR_BLOCK] = (sketches[r0 : r0 + _PAIR_BLOCK] == EMPTY).all(axis=1)
        release_pages(sketches)
    ok = np.flatnonzero(~empty)
    if len(ok) == len(sketches):
        return ok, sketches
    if not is_mapped(sketches):
        return ok, sketches[ok]
    kept = scratch((len(ok), sketches.shape[1]), np.uint64, EMPTY)  # the rows with a k-mer
    for r0 in range(0, len(ok), _PAIR_BLOCK):
        kept[r0 : r0 + _PAIR_BLOCK] = sketches[ok[r0 : r0 + _PAIR_BLOCK]]
        release_pages(sketches)
        release_pages(kept)
    return ok, kept


# --------------------------------------------------------------------------- sketching


def _resolve_k(seqs: SequenceSet, k: int | None) -> int:
    if k is None:
        median = float(np.median(seqs.lengths)) if len(seqs) else 0.0
        return default_sketch_k(seqs.alphabet, median)
    limit = int(64 / math.log2(seqs.alphabet.n_channels))
    if not 1 <= int(k) <= limit:
        raise ConfigError(
            f"k: expected a sketch k-mer length in 1..{limit} for {seqs.alphabet.name}, got {k}. "
            "Leave it unset for the default."
        )
    return int(k)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread 64-bit hash of each element (wraps mod 2**64)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _sketch_block(
    seqs: SequenceSet, r0: int, r1: int, k: int, n_bins: int, offset: np.uint64, out: np.ndarray
) -> None:
    channels = seqs.alphabet.n_channels
    lo, hi = int(seqs.offsets[r0]), int(seqs.offsets[r1])
    codes = seqs.codes[lo:hi]
    windows = len(codes) - k + 1
    if windows <= 0:
        return
    plain = (codes >= 1) & (codes <= channels)
    value = np.where(plain, codes - 1, 0).astype(np.uint64)
    index = np.zeros(windows, dtype=np.uint64)
    base = np.uint64(channels)
    for j in range(k):
        index = index * base + value[j : j + windows]
    # A window is kept when it holds no ambiguity code and does not run past its record.
    not_plain = np.concatenate(([0], np.cumsum(~plain)))
    clean = not_plain[k : k + windows] == not_plain[:windows]
    lengths = np.diff(seqs.offsets[r0 : r1 + 1])
    row = np.repeat(np.arange(r1 - r0), lengths)[:windows]
    record_end = (seqs.offsets[r0 + 1 : r1 + 1] - lo)[row]
    keep = clean & (np.arange(windows) + k <= record_end)
    hashes = _mix(index[keep] + offset)
    cell = row[keep] * n_bins + (hashes % np.uint64(n_bins)).astype(np.int64)
    np.minimum.at(out.reshape(-1), cell, hashes)


def _densify(out: np.ndarray) -> None:
    """Fill empty bins from the next filled bin to the right (circular), re-hashed by distance.

    Rows are filled in blocks of :data:`_DENSIFY_ROWS`: the work arrays are about 20 times the
    size of the rows they fill, so a whole-set step would need ~20 times the sketch's memory.
    """
    for r0 in range(0, len(out), _DENSIFY_ROWS):
        _densify_rows(out[r0 : r0 + _DENSIFY_ROWS])
        if r0 % (64 * _DENSIFY_ROWS) == 0:
            release_pages(out)
    release_pages(out)


def _densify_rows(out: np.ndarray) -> None:
    empty = out == EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if not len(rows):
        return
    n_bins = out.shape[1]
    filled = ~np.tile(empty[rows], 2)
    position = np.where(filled, np.arange(2 * n_bins), 2 * n_bins)
    del filled
    nearest = np.minimum.accumulate(position[:, ::-1], axis=1)[:, ::-1][:, :n_bins]
    del position
    distance = (nearest - np.arange(n_bins)).astype(np.uint64)
    borrowed = np.take_along_axis(out[rows], nearest % n_bins, axis=1)
    moved = _mix(borrowed ^ (distance * np.uint64(_GOLDEN)))
    out[rows] = np.where(empty[rows], moved, out[rows])


# --------------------------------------------------------------------------- exact duplicates


def record_hashes(seqs: SequenceSet) -> np.ndarray:
    """A 64-bit hash of each record's letters (equal records, equal hashes).

    Computed in blocks of records, with no Python object per record.

    Examples
    --------
    >>> h = record_hashes(SequenceSet.from_strings(["ACGT", "ACGT", "ACGA", "ACG"]))
    >>> bool(h[0] == h[1]), bool(h[0] == h[2]), bool(h[0] == h[3])
    (True, False, False)
    """
    out = np.zeros(len(seqs), dtype=np.uint64)
    for r0, r1 in record_blocks(seqs.offsets, _BLOCK_LETTERS):
        lo, hi = int(seqs.offsets[r0]), int(seqs.offsets[r1])
        lengths = np.diff(seqs.offsets[r0 : r1 + 1])
        position = np.arange(hi - lo, dtype=np.int64) - np.repeat(seqs.offsets[r0:r1] - lo, lengths)
        value = _mix((position.astype(np.uint64) << np.uint64(8)) | seqs.codes[lo:hi])
        del position
        total = np.concatenate(([np.uint64(0)], np.cumsum(value, dtype=np.uint64)))
        ends = seqs.offsets[r0 + 1 : r1 + 1] - lo
        out[r0:r1] = _mix(total[ends] - total[ends - lengths] + lengths.astype(np.uint64))
        release_pages(seqs.codes)
    return out


def _same_records(a: SequenceSet, ia: np.ndarray, b: SequenceSet, ib: np.ndarray) -> np.ndarray:
    """Mask of the pairs ``(a[ia[p]], b[ib[p]])`` with the same letters."""
    same = a.lengths[ia] == b.lengths[ib]
    block = _pair_block(a.codes, b.codes)
    for s in range(0, len(ia), block):
        pairs = s + np.flatnonzero(same[s : s + block] & (a.lengths[ia[s : s + block]] > 0))
        lengths = a.lengths[ia[pairs]]
        if not len(pairs):
            continue
        step = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        differ = (
            a.codes[np.repeat(a.offsets[ia[pairs]], lengths) + step]
            != (b.codes[np.repeat(b.offsets[ib[pairs]], lengths) + step])
        )
        same[pairs] = np.add.reduceat(differ, np.cumsum(lengths) - lengths) == 0
        release_pages(a.codes)
        release_pages(b.codes)
    return same


def _exact_labels(seqs: SequenceSet) -> np.ndarray:
    """Label of each record's exact sequence, numbered by first appearance."""
    return _first_appearance(SketchedReference(seqs).exact_matches(seqs))


def _first_of_each(labels: np.ndarray) -> np.ndarray:
    """Index of the first record of each label 0..L-1."""
    first = np.full(int(labels.max()) + 1 if len(labels) else 0, len(labels), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(labels)))
    return first


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0, 1, ... in order of first appearance."""
    codes, _ = pd.factorize(labels)
    return codes.astype(np.int64)


# --------------------------------------------------------------------------- LSH


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise ConfigError(
            f"similarity threshold: expected a Jaccard similarity in (0, 1], got {threshold}. "
            "Use e.g. --similarity-threshold 0.5."
        )


def _bands(threshold: float, n_bins: int) -> int:
    """Bins per band: the most that still finds a pair at the threshold with P >= _RECALL."""
    best = 1
    for rows in range(1, n_bins + 1):
        bands = n_bins // rows
        if 1 - (1 - threshold**rows) ** bands >= _RECALL:
            best = rows
    return best


def _band_key(sketches: np.ndarray, rows: int, band: int) -> np.ndarray:
    """(n,) uint64: one hash of the ``rows`` bins of band ``band`` of each sketch."""
    key = np.zeros(len(sketches), dtype=np.uint64)
    for r0 in range(0, len(sketches), _PAIR_BLOCK):  # rows by blocks: pages read once each
        part = key[r0 : r0 + _PAIR_BLOCK]
        block = sketches[r0 : r0 + _PAIR_BLOCK, band * rows : (band + 1) * rows]
        for j in range(rows):
            part = _mix(part ^ block[:, j])
        key[r0 : r0 + _PAIR_BLOCK] = part
        release_pages(sketches)
    return key


def _self_matches(
    sketches: np.ndarray, rows: int, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``i < j`` sharing a band (each bucket compared within a window of _WINDOW) whose
    estimated Jaccard reaches ``threshold``; verified as found, so memory holds the kept pairs
    and one step's candidates, not every candidate."""
    n = len(sketches)
    found: list[np.ndarray] = []
    for band in range(sketches.shape[1] // rows):
        key = _band_key(sketches, rows, band)
        order = np.argsort(key, kind="stable")
        sorted_keys = key[order]
        del key
        for step in range(1, _WINDOW + 1):
            same = np.flatnonzero(sorted_keys[step:] == sorted_keys[:-step])
            if not len(same):
                break
            a, b = order[same], order[same + step]
            low, high = np.minimum(a, b), np.maximum(a, b)
            keep = _verify(sketches, low, sketches, high, threshold)
            found.append(low[keep] * n + high[keep])
    return _unique_pairs(found, n)


def _cross_matches(
    query: np.ndarray, reference: np.ndarray, rows: int, threshold: float
) -> np.ndarray:
    """Lowest reference row similar to each query row (-1 if none), over the LSH candidates.

    Candidates are the pairs (query, reference) sharing a band, up to _WINDOW reference members
    per bucket. They are verified band by band and step by step, as they are found, so memory
    holds one step's candidates, never all of them (random pairs that share a band grow with
    ``len(query) * len(reference)``: ~550,000 for 20,000 x 70,000 sequences of 200 bp). A pair
    is skipped when the query already has a match with a lower reference row.
    """
    m = len(reference)
    best = np.full(len(query), m, dtype=np.int64)
    for band in range(query.shape[1] // rows):
        q_key, r_key = _band_key(query, rows, band), _band_key(reference, rows, band)
        order = np.argsort(r_key, kind="stable")
        sorted_keys = r_key[order]
        del r_key
        start = np.searchsorted(sorted_keys, q_key)
        for step in range(_WINDOW):
            at = start + step
            hit = np.flatnonzero(at < m)
            hit = hit[sorted_keys[at[hit]] == q_key[hit]]
            if not len(hit):
                break
            refs = order[at[hit]]
            lower = best[hit] > refs
            hit, refs = hit[lower], refs[lower]
            keep = _verify(query, hit, reference, refs, threshold)
            np.minimum.at(best, hit[keep], refs[keep])
    return np.where(best < m, best, -1)


def _unique_pairs(found: list[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray]:
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pairs = np.unique(np.concatenate(found))
    return pairs // max(width, 1), pairs % max(width, 1)


def _verify(
    a: np.ndarray, left: np.ndarray, b: np.ndarray, right: np.ndarray, threshold: float
) -> np.ndarray:
    """Mask of pairs whose estimated Jaccard (share of equal bins) is >= threshold."""
    # a count, not a float ratio, so that e.g. 32 of 64 bins is exactly 0.5
    needed = math.ceil(threshold * a.shape[1] - 1e-9)
    keep = np.zeros(len(left), dtype=bool)
    block = _pair_block(a, b)
    for s in range(0, len(left), block):
        t = s + block
        equal = (a[left[s:t]] == b[right[s:t]]).sum(axis=1)
        keep[s:t] = equal >= needed
        release_pages(a)
        release_pages(b)
    return keep


def _pair_block(a: np.ndarray, b: np.ndarray) -> int:
    """Pairs compared per step: fewer when either side is read from a mapped file."""
    return _MAPPED_PAIR_BLOCK if is_mapped(a) or is_mapped(b) else _PAIR_BLOCK
