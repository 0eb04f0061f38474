"""Generated sequences against real ones: k-mer spectra, lengths, nearest-neighbour identity.

:func:`compare_sequences` judges a set of generated sequences against the training sequences
of the model that made them, and computes the same numbers for a held-out real set against
the same training sequences ("real vs real"): that row is the yardstick, since two real
samples of one family are not identical either.

The numbers, each for one set (generated or held-out) against the training set:

- **k-mer spectrum distance**, for each k (default 1, 2, 3): the k-mer frequencies pooled over
  all sequences of a set (k-mers never cross sequence ends), compared as the Jensen-Shannon
  *distance* (square root of the JS divergence, log base 2: 0 = same spectrum, 1 = disjoint
  supports) and as the total variation distance (half the L1 distance: the share of k-mer
  mass that would have to move; also 0..1). Shuffling the letters of each sequence keeps the
  1-mer spectrum (distance 0 at k = 1) but not the 2- and 3-mer ones.
- **length distribution**: the two-sample Kolmogorov-Smirnov statistic (0..1) and the
  Wasserstein (earth mover's) distance in letters.
- **nearest-neighbour identity** to the training sequences (memorisation): for each sequence,
  the highest identity to any training sequence. ``identical_fraction`` is the share of
  sequences that occur verbatim in the training set (exact, by string look-up) and
  ``near_fraction`` the share with identity >= ``near`` (0.9).

Identity of two sequences of equal length is the exact Hamming identity (matching positions /
length), computed against every training sequence of that length. For unequal lengths it is
approximated by the best *ungapped* placement: the shorter sequence slid along the longer one,
matching positions / length of the longer one (the identity of a global alignment whose only
gaps are at the ends). It is computed only on a shortlist: the ``shortlist`` training
sequences of other lengths that share the most k-mers (the longest k of the spectra) with the
sequence. Internal insertions or deletions therefore lower the identity (an underestimate); a
sequence can only reach ``near`` against one within 10 % of its length.

Examples
--------
>>> train = ["ACGTACGTAC", "ACGGACGTTT", "TTTTACGTAC"]
>>> result = compare_sequences(["ACGTACGTAC", "ACGTACGTAA"], train, ["ACGGACGTTA"])
>>> result.generated.identical_fraction, result.generated.near_fraction
(0.5, 1.0)
>>> round(float(result.real.nn_identity[0]), 2)
0.9
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, wasserstein_distance

from biodl.errors import DataError

__all__ = [
    "NEAR_IDENTITY",
    "SequenceSampleChecks",
    "SetComparison",
    "compare_sequences",
    "encode_letters",
    "kmer_codes",
    "nearest_identity",
    "pooled_spectrum",
    "row_spectra",
]

#: Identity from which a generated sequence counts as a near copy of a training sequence.
NEAR_IDENTITY = 0.9
#: Training sequences of other lengths aligned per sequence (those sharing most k-mers).
SHORTLIST = 20
#: Generated sequences per block of the identity computations (bounds memory).
_BLOCK = 256


def encode_letters(
    sequences: Sequence[str], letters: str, name: str = "sequences"
) -> list[np.ndarray]:
    """Each sequence as an ``int64`` array of letter indices into ``letters`` (case-insensitive).

    Raises
    ------
    DataError
        A letter not in ``letters`` (names the set, the sequence number and the letter).
    """
    lut = np.full(256, -1, dtype=np.int64)
    for i, letter in enumerate(letters):
        lut[ord(letter.upper())] = i
        lut[ord(letter.lower())] = i
    out = []
    for i, seq in enumerate(sequences):
        raw = np.frombuffer(str(seq).encode("ascii", errors="replace"), dtype=np.uint8)
        codes = lut[raw]
        if (codes < 0).any():
            bad = str(seq)[int(np.argmax(codes < 0))]
            raise DataError(
                f"{name}: sequence {i + 1} has the letter {bad!r}, not one of {letters!r}; "
                "pass letters= covering every letter, or remove the sequence"
            )
        out.append(codes)
    return out


def kmer_codes(X: np.ndarray, k: int, n_letters: int) -> np.ndarray:
    """The k-mers of equal-length rows of letter indices as integers: ``(n, length - k + 1)``.

    Examples
    --------
    >>> kmer_codes(np.array([[0, 1, 1]]), 2, 2).tolist()
    [[1, 3]]
    """
    X = np.asarray(X, dtype=np.int64)
    width = X.shape[1] - k + 1
    codes = np.zeros((len(X), max(width, 0)), dtype=np.int64)
    for j in range(k):
        codes = codes * n_letters + X[:, j : j + width]
    return codes


def row_spectra(X: np.ndarray, n_letters: int, ks: Sequence[int]) -> np.ndarray:
    """k-mer frequencies of each equal-length row, for each k side by side.

    ``(n, sum_k n_letters^k)``; each k's block of a row sums to 1 (k longer than the rows is
    left out).

    Examples
    --------
    >>> row_spectra(np.array([[0, 1, 0, 1]]), 2, (1,))[0].tolist()
    [0.5, 0.5]
    """
    X = np.asarray(X, dtype=np.int64)
    blocks = []
    for k in ks:
        if X.shape[1] < k:
            continue
        codes = kmer_codes(X, k, n_letters)
        width = n_letters**k
        offsets = (np.arange(len(X)) * width)[:, None]
        counts = np.bincount((codes + offsets).ravel(), minlength=len(X) * width)
        counts = counts.reshape(len(X), width).astype(np.float64)
        blocks.append(counts / codes.shape[1])
    return np.hstack(blocks)


def _by_length(seqs: list[np.ndarray]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Sequences grouped by length: ``{length: (indices, (m, length) matrix)}``."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    groups = {}
    for length in np.unique(lengths):
        idx = np.flatnonzero(lengths == length)
        matrix = np.stack([seqs[i] for i in idx]) if length else np.zeros((len(idx), 0), np.int64)
        groups[int(length)] = (idx, matrix)
    return groups


def _count_matrix(seqs: list[np.ndarray], k: int, n_letters: int) -> sp.csr_matrix:
    """Per-sequence k-mer counts, ``(n, n_letters^k)`` sparse."""
    rows, cols = [], []
    for length, (idx, matrix) in _by_length(seqs).items():
        if length < k:
            continue
        codes = kmer_codes(matrix, k, n_letters)
        rows.append(np.repeat(idx, codes.shape[1]))
        cols.append(codes.ravel())
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    out = sp.csr_matrix(
        (np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(seqs), n_letters**k)
    )
    out.sum_duplicates()
    return out


def pooled_spectrum(seqs: list[np.ndarray], k: int, n_letters: int) -> np.ndarray:
    """k-mer frequencies pooled over all sequences (sums to 1; all zero when none is >= k)."""
    counts = np.zeros(n_letters**k, dtype=np.float64)
    for length, (_, matrix) in _by_length(seqs).items():
        if length >= k:
            counts += np.bincount(kmer_codes(matrix, k, n_letters).ravel(), minlength=len(counts))
    total = counts.sum()
    return counts / total if total else counts


def _ungapped_identity(a: np.ndarray, b: np.ndarray) -> float:
    """Best ungapped placement of the shorter sequence along the longer one (module notes)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(long_) == 0:
        return 1.0
    if len(short) == 0:
        return 0.0
    windows = np.lib.stride_tricks.sliding_window_view(long_, len(short))
    return float((windows == short).sum(axis=1).max() / len(long_))


def nearest_identity(
    query: list[np.ndarray],
    reference: list[np.ndarray],
    n_letters: int,
    *,
    k: int = 3,
    shortlist: int = SHORTLIST,
) -> np.ndarray:
    """Highest identity of each query sequence to any reference sequence (module notes).

    Exact Hamming identity against every reference sequence of the same length; the best
    ungapped placement against the ``shortlist`` references of other lengths sharing the most
    k-mers.

    Examples
    --------
    >>> q = [np.array([0, 1, 2, 3]), np.array([0, 1, 2])]
    >>> nearest_identity(q, [np.array([0, 1, 2, 0]), np.array([0, 1, 2, 3, 3])], 4).tolist()
    [0.8, 0.75]
    """
    best = np.zeros(len(query), dtype=np.float64)
    if not reference or not query:
        return best
    ref_groups = _by_length(reference)
    for length, (idx, matrix) in _by_length(query).items():
        if length in ref_groups:
            ref = ref_groups[length][1]
            for a in range(0, len(idx), _BLOCK):
                block = matrix[a : a + _BLOCK]
                if length == 0:
                    best[idx[a : a + _BLOCK]] = 1.0
                    continue
                same = np.zeros((len(block), len(ref)), dtype=np.int32)
                for j in range(length):
                    same += block[:, j, None] == ref[None, :, j]
                best[idx[a : a + _BLOCK]] = same.max(axis=1) / length
    ref_lengths = np.array([len(s) for s in reference])
    one_length = (ref_lengths == ref_lengths[0]).all() and all(
        len(s) == ref_lengths[0] for s in query
    )
    if shortlist <= 0 or one_length:
        return best
    kk = max(1, min(k, int(ref_lengths.min()) or 1))
    ref_counts = _count_matrix(reference, kk, n_letters).T.tocsc()
    query_counts = _count_matrix(query, kk, n_letters)
    for a in range(0, len(query), _BLOCK):
        shared = (query_counts[a : a + _BLOCK] @ ref_counts).toarray()
        for i, row in enumerate(shared, start=a):
            row[ref_lengths == len(query[i])] = -1.0  # done exactly above
            n_top = min(shortlist, len(row))
            top = np.argpartition(-row, n_top - 1)[:n_top]
            for j in top[row[top] >= 0]:
                best[i] = max(best[i], _ungapped_identity(query[i], reference[j]))
    return best


@dataclass
class SetComparison:
    """One set of sequences (generated or held-out real) against the training sequences.

    Attributes
    ----------
    n : int
        Sequences in the set.
    js_distance, tv_distance : dict of int to float
        k-mer spectrum distances by k (module notes).
    length_ks, length_wasserstein : float
        Length distribution against the training lengths.
    nn_identity : ndarray
        Each sequence's nearest-neighbour identity to the training sequences.
    identical_fraction, near_fraction : float
        Share of sequences found verbatim in the training set / with identity >= ``near``.
    """

    n: int
    js_distance: dict[int, float]
    tv_distance: dict[int, float]
    length_ks: float
    length_wasserstein: float
    nn_identity: np.ndarray
    identical_fraction: float
    near_fraction: float

    def to_dict(self) -> dict[str, float]:
        """Flat numbers (``js_k3``, ``nn_identity_mean``, ...), JSON-ready."""
        out: dict[str, float] = {"n": float(self.n)}
        for k in sorted(self.js_distance):
            out[f"js_k{k}"] = self.js_distance[k]
            out[f"tv_k{k}"] = self.tv_distance[k]
        nn = self.nn_identity
        out.update(
            length_ks=self.length_ks,
            length_wasserstein=self.length_wasserstein,
            nn_identity_mean=float(nn.mean()) if len(nn) else float("nan"),
            nn_identity_median=float(np.median(nn)) if len(nn) else float("nan"),
            identical_fraction=self.identical_fraction,
            near_fraction=self.near_fraction,
        )
        return out


@dataclass
class SequenceSampleChecks:
    """What :func:`compare_sequences` found (and what the figures draw).

    Attributes
    ----------
    generated : SetComparison
        The generated sequences against the training sequences.
    real : SetComparison or None
        A held-out real set against the same training sequences (None when none was given).
    letters : str
        The alphabet, in the spectra's letter order.
    ks : tuple of int
        The k-mer lengths of the spectra.
    near : float
        The near-copy identity threshold.
    spectra : dict
        ``{"training"|"generated"|"real": {k: pooled frequencies}}``.
    lengths : dict
        ``{"training"|"generated"|"real": lengths}``.
    """

    generated: SetComparison
    real: SetComparison | None
    letters: str
    ks: tuple[int, ...]
    near: float
    spectra: dict[str, dict[int, np.ndarray]] = field(repr=False)
    lengths: dict[str, np.ndarray] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """``{"generated": {...}, "real": {...} or None, "ks": [...], "near": ...}``."""
        return {
            "generated": self.generated.to_dict(),
            "real": self.real.to_dict() if self.real is not None else None,
            "ks": list(self.ks),
            "near": self.near,
            "letters": self.letters,
        }


def _compare_one(
    seqs: list[np.ndarray],
    texts: Sequence[str],
    train: list[np.ndarray],
    train_set: set[str],
    train_spectra: dict[int, np.ndarray],
    n_letters: int,
    ks: tuple[int, ...],
    near: float,
    shortlist: int,
) -> tuple[SetComparison, dict[int, np.ndarray]]:
    spectra = {k: pooled_spectrum(seqs, k, n_letters) for k in ks}
    js, tv = {}, {}
    for k in ks:
        p, q = spectra[k], train_spectra[k]
        if p.sum() == 0 or q.sum() == 0:
            js[k] = tv[k] = float("nan")
            continue
        js[k] = float(jensenshannon(p, q, base=2))
        tv[k] = float(0.5 * np.abs(p - q).sum())
    lengths = np.array([len(s) for s in seqs], dtype=np.float64)
    train_lengths = np.array([len(s) for s in train], dtype=np.float64)
    nn = nearest_identity(seqs, train, n_letters, k=max(ks), shortlist=shortlist)
    identical = np.array([t.upper() in train_set for t in texts], dtype=bool)
    nn[identical] = 1.0
    comparison = SetComparison(
        n=len(seqs),
        js_distance=js,
        tv_distance=tv,
        length_ks=float(ks_2samp(lengths, train_lengths).statistic),
        length_wasserstein=float(wasserstein_distance(lengths, train_lengths)),
        nn_identity=nn,
        identical_fraction=float(identical.mean()),
        near_fraction=float((nn >= near - 1e-12).mean()),
    )
    return comparison, spectra


def compare_sequences(
    generated: Sequence[str],
    training: Sequence[str],
    holdout: Sequence[str] | None = None,
    *,
    letters: str | None = None,
    ks: Sequence[int] = (1, 2, 3),
    near: float = NEAR_IDENTITY,
    shortlist: int = SHORTLIST,
) -> SequenceSampleChecks:
    """Judge ``generated`` sequences against ``training`` ones, and ``holdout`` as reference.

    Parameters
    ----------
    generated, training : sequence of str
        The sampled sequences and those the model was trained on.
    holdout : sequence of str, optional
        Real sequences the model never saw; the same numbers against ``training`` give the
        "real vs real" yardstick.
    letters : str, optional
        The alphabet (e.g. ``"ACGT"``, the 20 amino acids); default: every letter that
        occurs in the three sets, sorted.
    ks : sequence of int
        k-mer lengths of the spectra (the longest also shortlists alignment candidates).
    near : float
        Identity from which a sequence counts as a near copy (default 0.9).
    shortlist : int
        Training sequences of other lengths aligned per sequence (module notes).

    Raises
    ------
    DataError
        An empty set, a letter outside ``letters``, or ``ks``/``near`` out of range.
    """
    sets = {"generated": list(generated), "training": list(training)}
    if holdout is not None:
        sets["real"] = list(holdout)
    for name, items in sets.items():
        if not items:
            raise DataError(f"compare_sequences: {name} holds no sequence; pass at least one")
    ks_t = tuple(int(k) for k in ks)
    if not ks_t or min(ks_t) < 1:
        raise DataError(f"compare_sequences: ks must be k-mer lengths >= 1, got {list(ks)}")
    if not 0 < near <= 1:
        raise DataError(f"compare_sequences: near must be in (0, 1], got {near}")
    if letters is None:
        letters = "".join(sorted({c.upper() for items in sets.values() for s in items for c in s}))
    n_letters = max(len(letters), 1)
    codes = {name: encode_letters(items, letters, name) for name, items in sets.items()}
    train = codes["training"]
    train_set = {s.upper() for s in sets["training"]}
    train_spectra = {k: pooled_spectrum(train, k, n_letters) for k in ks_t}
    results: dict[str, SetComparison] = {}
    spectra = {"training": train_spectra}
    for name in ("generated", "real"):
        if name in codes:
            results[name], spectra[name] = _compare_one(
                codes[name], sets[name], train, train_set, train_spectra,
                n_letters, ks_t, near, shortlist,
            )  # fmt: skip
    return SequenceSampleChecks(
        generated=results["generated"],
        real=results.get("real"),
        letters=letters,
        ks=ks_t,
        near=float(near),
        spectra=spectra,
        lengths={name: np.array([len(s) for s in c]) for name, c in codes.items()},
    )
