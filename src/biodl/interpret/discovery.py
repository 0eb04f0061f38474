"""Motifs discovered from attributions, in the manner of TF-MoDISco (Shrikumar et al. 2018).

Steps, all deterministic:

1. **Seqlets** (:func:`~biodl.interpret.seqlets.find_seqlets`): windows of high absolute
   contribution, split by sign (positive and negative seqlets are clustered apart, as
   TF-MoDISco's metaclusters). At most ``max_seqlets`` of each sign are kept, evenly spaced
   over their ranks by strength (keeping the strongest would lose short motifs first).
2. **Similarity**: for every pair of seqlets, the largest Pearson correlation of their
   attribution windows (``width + 2*flank`` positions × letters, as given: hypothetical or
   actual) over relative shifts of up to ``max_shift`` positions and, for DNA, both strands.
   The overlapping parts are compared.
3. **Clusters**: average-linkage hierarchical clustering on ``1 - similarity``, cut at
   ``1 - min_similarity``. Clusters whose aligned mean actual contributions correlate at
   ``merge_similarity`` or more (at a shift of up to 3 positions, either strand) are then
   joined, transitively, in one round; clusters of fewer than ``min_seqlets`` seqlets are
   dropped.
4. **Alignment**: every member is aligned to the cluster's medoid (the member most similar to
   the others) at its best shift and strand; its letters, actual contributions and
   attributions are averaged over the aligned windows.
5. **Trimming**: the motif keeps the span from the first to the last position whose mean
   contribution, in the direction of the motif's sign, reaches ``trim`` × the largest (a
   neighbouring motif of the other sign in the window is not taken in).

Each motif reports its seqlet count, the sequences carrying it and its mean effect (the mean
summed actual contribution of its seqlets over the trimmed span).

Differences from TF-MoDISco: no Leiden clustering on a sparse k-nearest-neighbour graph (a
plain average-linkage tree instead, so results do not depend on a random seed), no
re-assignment of seqlets, one simple merging round instead of TF-MoDISco's iterated merging
and splitting (some redundant patterns remain), one Laplace scale for both signs, and a cap
on the number of seqlets (the similarity matrix is ``n × n``).

Examples
--------
>>> import numpy as np
>>> from biodl.interpret.motifs import one_hot
>>> rng = np.random.default_rng(0)
>>> seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(30)]
>>> seqs = [s[:15] + "TGATAAGC" + s[23:] for s in seqs]
>>> x = one_hot(seqs); attr = np.zeros_like(x); attr[:, 15:23] = x[:, 15:23]
>>> found = discover_motifs(attr, x, width=8, flank=2, min_seqlets=5)
>>> found[0].motif.consensus(), found[0].n_seqlets
('TGATAAGC', 30)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biodl.errors import DataError
from biodl.interpret.motifs import DNA, Motif, complement_order, motif_from_counts
from biodl.interpret.seqlets import Seqlets, find_seqlets, seqlet_windows

#: Largest shift tried when comparing two clusters for merging.
MERGE_SHIFT = 3

__all__ = ["DiscoveredMotif", "discover_motifs", "seqlet_similarity"]


@dataclass(frozen=True, eq=False)
class DiscoveredMotif:
    """A motif found in the attributions.

    Attributes
    ----------
    motif : Motif
        Letter probabilities of the aligned seqlets over the trimmed span (pseudocount 1).
    contribution : (width, A) float array
        Mean actual contribution per position and letter (a contribution weight matrix).
    attribution : (width, A) float array
        Mean attribution as given (hypothetical contributions when those were given).
    n_seqlets : int
    sequences : (k,) int array
        Indices of the sequences carrying at least one of its seqlets.
    mean_effect : float
        Mean over its seqlets of their summed actual contribution over the span.
    sign : int
        +1 for positive seqlets, -1 for negative.
    seqlets : (n_seqlets, 3) int array
        ``(sequence, start of the span, strand)`` per seqlet, strand 1 for forward and -1 for
        reverse complement.
    """

    motif: Motif
    contribution: np.ndarray
    attribution: np.ndarray
    n_seqlets: int
    sequences: np.ndarray
    mean_effect: float
    sign: int
    seqlets: np.ndarray


def _normalise(block: np.ndarray) -> np.ndarray:
    flat = block.reshape(len(block), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(flat, axis=1, keepdims=True)
    return np.divide(flat, norm, out=np.zeros_like(flat), where=norm > 1e-12)


def seqlet_similarity(
    windows: np.ndarray, *, max_shift: int, complement: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best correlation of every pair of windows over shifts and strands.

    Parameters
    ----------
    windows : (n, W, A) array
    max_shift : int
        Largest relative shift tried (< W).
    complement : (A,) int array or None
        Letter order of the complement (``None``: forward strand only).

    Returns
    -------
    similarity, shift, strand : (n, n) arrays
        ``windows[i][p]`` aligns with ``other[p - shift]`` where ``other`` is ``windows[j]``
        (strand 1) or its reverse complement (strand -1).
    """
    n, w, _ = windows.shape
    best = np.full((n, n), -np.inf)
    shift = np.zeros((n, n), dtype=np.int32)
    strand = np.ones((n, n), dtype=np.int8)
    others = [(1, windows)]
    if complement is not None:
        others.append((-1, windows[:, ::-1][:, :, complement]))
    for sign, other in others:
        for s in range(-max_shift, max_shift + 1):
            a = _normalise(windows[:, max(s, 0) : w + min(s, 0)])
            b = _normalise(other[:, max(-s, 0) : w + min(-s, 0)])
            sim = a @ b.T
            better = sim > best
            best[better] = sim[better]
            shift[better] = s
            strand[better] = sign
    return best, shift, strand


def _clusters(similarity: np.ndarray, min_similarity: float) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(similarity) == 1:
        return np.ones(1, dtype=int)
    sym = np.maximum(similarity, similarity.T)
    distance = np.clip(1.0 - sym, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=1.0 - min_similarity, criterion="distance")


def _spread_over_strength(index: np.ndarray, score: np.ndarray, cap: int) -> np.ndarray:
    """At most ``cap`` of ``index``, evenly spaced over their ranks by ``|score|``.

    Keeping the strongest would drop the seqlets of short or weak motifs first (their windows
    sum to less), so that a motif can vanish whenever there are more seqlets than ``cap``;
    evenly spaced ranks keep every motif's share.
    """
    if len(index) <= cap:
        return index
    ranked = index[np.argsort(-np.abs(score), kind="stable")]
    return ranked[np.linspace(0, len(ranked) - 1, cap).round().astype(int)]


def discover_motifs(
    attributions: np.ndarray,
    onehot: np.ndarray,
    *,
    width: int = 10,
    flank: int = 5,
    alpha: float = 0.01,
    max_shift: int | None = None,
    min_similarity: float = 0.8,
    merge_similarity: float = 0.9,
    min_seqlets: int = 10,
    max_seqlets: int = 2000,
    trim: float = 0.3,
    alphabet: str = DNA,
    prefix: str = "pattern",
) -> list[DiscoveredMotif]:
    """Seqlets clustered and aligned into motifs (module docstring).

    Parameters
    ----------
    attributions : (N, L, A) array
        Hypothetical or actual contributions.
    onehot : (N, L, A) array
    width, flank, alpha
        Seqlet core width, flank and Laplace tail probability (:func:`find_seqlets`).
    max_shift : int, optional
        Largest shift between two seqlets; ``width // 2 + flank`` by default.
    min_similarity : float, default 0.8
        Average-linkage correlation at which the tree is cut.
    merge_similarity : float, default 0.9
        Correlation of two clusters' mean actual contributions at which they are joined.
    min_seqlets : int, default 10
        Smallest cluster reported.
    max_seqlets : int, default 2000
        Seqlets kept per sign (the similarity is ``n × n``): past it, evenly spaced over the
        ranks by ``|score|``, so that short or weak motifs keep their share.
    trim : float, default 0.3
        Fraction of the peak mean contribution (in the direction of the motif's sign) that
        bounds the motif's span.
    alphabet : str, default "ACGT"
    prefix : str, default "pattern"
        Motif ids are ``<prefix>_<pos|neg>_<k>``.

    Returns
    -------
    list of DiscoveredMotif
        Positive motifs first, each sign ordered by seqlet count (most first).
    """
    attr = np.asarray(attributions, dtype=float)
    x = np.asarray(onehot, dtype=float)
    if x.ndim != 3 or x.shape[2] != len(alphabet):
        raise DataError(f"onehot must be (N, L, {len(alphabet)}), got {x.shape}")
    seqlets = find_seqlets(attr, x, width=width, flank=flank, alpha=alpha)
    shift_limit = width // 2 + flank if max_shift is None else max_shift
    shift_limit = min(shift_limit, seqlets.window - 1)
    complement = complement_order(alphabet)
    found: list[DiscoveredMotif] = []
    for sign, tag in ((1, "pos"), (-1, "neg")):
        chosen = np.flatnonzero(np.sign(seqlets.score) == sign)
        chosen = np.sort(_spread_over_strength(chosen, seqlets.score[chosen], max_seqlets))
        if len(chosen) < min_seqlets:
            continue
        motifs = _sign_motifs(
            attr,
            x,
            seqlets,
            chosen,
            shift_limit,
            complement,
            (min_similarity, merge_similarity),
            min_seqlets,
            trim,
            alphabet,
            sign,
        )
        motifs.sort(key=lambda m: -m.n_seqlets)
        for k, m in enumerate(motifs):
            named = Motif(
                f"{prefix}_{tag}_{k}",
                m.motif.probabilities,
                alphabet=alphabet,
                nsites=float(m.n_seqlets),
            )
            found.append(_renamed(m, named))
    return found


def _renamed(m: DiscoveredMotif, motif: Motif) -> DiscoveredMotif:
    return DiscoveredMotif(
        motif,
        m.contribution,
        m.attribution,
        m.n_seqlets,
        m.sequences,
        m.mean_effect,
        m.sign,
        m.seqlets,
    )


def _sign_motifs(
    attr: np.ndarray,
    x: np.ndarray,
    seqlets: Seqlets,
    chosen: np.ndarray,
    max_shift: int,
    complement: np.ndarray | None,
    similarities: tuple[float, float],
    min_seqlets: int,
    trim: float,
    alphabet: str,
    sign: int,
) -> list[DiscoveredMotif]:
    example, start, w = seqlets.example[chosen], seqlets.start[chosen], seqlets.window
    windows = seqlet_windows(attr, example, start, w)
    similarity, shift, strand = seqlet_similarity(
        windows, max_shift=max_shift, complement=complement
    )
    min_similarity, merge_similarity = similarities
    labels = _clusters(similarity, min_similarity)
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    groups = _merge(
        [g for g in groups if len(g) >= 2],
        similarity,
        shift,
        strand,
        start,
        attr,
        x,
        example,
        w,
        complement,
        merge_similarity,
    )
    out = []
    for members in groups:
        if len(members) < min_seqlets:
            continue
        aligned_start, d = _align(members, similarity, shift, strand, start)
        out.append(
            _aligned_motif(
                attr, x, example[members], aligned_start, d, w, complement, trim, alphabet, sign
            )
        )
    return out


def _align(
    members: np.ndarray,
    similarity: np.ndarray,
    shift: np.ndarray,
    strand: np.ndarray,
    start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Window starts and strands of ``members`` aligned to their medoid."""
    sub = similarity[np.ix_(members, members)]
    seed = members[int(np.argmax(sub.sum(axis=1)))]
    # Member j read at the seed's coordinates: forward from start_j - shift, or the reverse
    # complement of the window starting at start_j + shift.
    s, d = shift[seed, members], strand[seed, members]
    return np.where(d == 1, start[members] - s, start[members] + s), d


def _oriented(
    values: np.ndarray,
    example: np.ndarray,
    start: np.ndarray,
    strand: np.ndarray,
    window: int,
    complement: np.ndarray | None,
) -> np.ndarray:
    """Windows of ``values``, reverse-complemented where ``strand`` is -1."""
    out = seqlet_windows(values, example, start, window)
    reverse = strand == -1
    if complement is not None and reverse.any():
        out[reverse] = out[reverse][:, ::-1][:, :, complement]
    return out


def _merge(
    groups: list[np.ndarray],
    similarity: np.ndarray,
    shift: np.ndarray,
    strand: np.ndarray,
    start: np.ndarray,
    attr: np.ndarray,
    onehot: np.ndarray,
    example: np.ndarray,
    window: int,
    complement: np.ndarray | None,
    merge_similarity: float,
) -> list[np.ndarray]:
    """Join clusters whose aligned mean actual contributions correlate at ``merge_similarity``
    or more (shifts up to ``MERGE_SHIFT``, both strands), transitively; one round."""
    if len(groups) < 2:
        return groups
    means = []
    for members in groups:
        aligned_start, d = _align(members, similarity, shift, strand, start)
        values = _oriented(attr, example[members], aligned_start, d, window, complement)
        letters = _oriented(onehot, example[members], aligned_start, d, window, complement)
        means.append((values * letters).mean(axis=0))
    # Small shifts only: at larger ones the overlap is short and unrelated motifs correlate.
    reach = min(MERGE_SHIFT, window - 1)
    sim, _, _ = seqlet_similarity(np.stack(means), max_shift=reach, complement=complement)
    close = np.triu(np.maximum(sim, sim.T), k=1) >= merge_similarity
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(close), strict=True):
        low, high = sorted((root(int(i)), root(int(j))))
        parent[high] = low
    joined: dict[int, list[np.ndarray]] = {}
    for k, members in enumerate(groups):
        joined.setdefault(root(k), []).append(members)
    return [np.sort(np.concatenate(parts)) for _, parts in sorted(joined.items())]


def _aligned_motif(
    attr: np.ndarray,
    x: np.ndarray,
    example: np.ndarray,
    start: np.ndarray,
    strand: np.ndarray,
    window: int,
    complement: np.ndarray | None,
    trim: float,
    alphabet: str,
    sign: int,
) -> DiscoveredMotif:
    letters = _oriented(x, example, start, strand, window, complement)
    values = _oriented(attr, example, start, strand, window, complement)
    reverse = strand == -1
    actual = values * letters
    cwm = actual.mean(axis=0)
    # the motif's own sign only: a neighbouring motif of the other sign is not part of it
    strength = np.clip(sign * cwm.sum(axis=1), 0.0, None)
    keep = np.flatnonzero(strength >= trim * strength.max()) if strength.max() > 0 else [0]
    lo, hi = int(keep[0]), int(keep[-1]) + 1
    counts = letters[:, lo:hi].sum(axis=0)
    motif = motif_from_counts(counts, "pattern", alphabet=alphabet, pseudocount=1.0)
    span_start = np.where(reverse, start + window - hi, start + lo)
    return DiscoveredMotif(
        motif=motif,
        contribution=cwm[lo:hi],
        attribution=values.mean(axis=0)[lo:hi],
        n_seqlets=len(example),
        sequences=np.unique(example),
        mean_effect=float(actual[:, lo:hi].sum(axis=(1, 2)).mean()),
        sign=sign,
        seqlets=np.stack([example, span_start, strand.astype(int)], axis=1),
    )
