"""Tomtom-like matching of query motifs against a motif database, with p, E and q values.

The statistic follows Tomtom (Gupta et al. 2007, Genome Biology 8:R24):

1. **Column score.** A query column and a target column are compared by the Pearson
   correlation of their letter probabilities (``"pearson"``, Tomtom's PCC; a column with no
   variation scores 0), by that correlation times ``(smaller / larger spread) **
   SPREAD_EXPONENT`` (``"pearson_spread"``; the spread of a column is the standard deviation
   of its letter probabilities, so a flatter column of the same shape no longer scores 1) or
   by minus their Euclidean distance (``"euclidean"``, Tomtom's ED).
2. **Alignment score.** For a target, each strand (the target or its reverse complement, for
   DNA) and each offset at which at least ``min_overlap`` columns overlap, the score is the sum
   of the column scores of the overlapping columns plus, with ``scoring="complete"`` (Tomtom's
   default), the scores of the query columns hanging over the target's ends against a
   uniform background column; ``"incomplete"`` leaves those out.
3. **Null distribution.** For each query column, the null distribution of its column score is
   the empirical distribution of its scores against *every column of every database motif*, on
   both strands (Tomtom's approach: no shuffling, the database is its own null). Scores are
   rounded to a grid of ``1 / bins_per_unit``. Assuming independent columns, the null of a sum
   over query columns is the convolution of their column nulls, computed exactly on the grid
   (dynamic programming, as Tomtom): over all query columns for complete scores, over every
   range ``a..b`` of query columns for incomplete ones.
4. **p value.** Each offset's score gets the null probability of a score at least as large;
   the smallest over offsets and strands is corrected for the number ``n`` of offsets and
   strands tried: ``p = 1 - (1 - p_min) ** n`` (Tomtom's correction). Ties on the grid are
   broken by the unrounded score. ``E = p × number of targets``; ``q`` is the
   Benjamini-Hochberg adjustment of the query's p values over all targets.

Why Pearson by default, while Tomtom's default is Euclidean: a nearly uniform (uninformative)
query column is close, in Euclidean distance, to the many low-information columns of a
database, so with ED an uninformative motif (a filter that learned nothing) gets p values near
1e-12 against JASPAR (memelite's Tomtom gives the same); a correlation is blind to uniform
columns, and such a motif gets no q < 0.05 hit. ED ranks sampled JASPAR motifs' sources first
slightly more often (48 vs 43 of 50 in ``benchmarks/bench_motifs.py``; the misses are close
paralogues such as TCF3/TCF12 or HNF1A/HNF1B): choose it for informative queries.
``"pearson_spread"`` keeps Pearson's blindness to uniform columns (a uniform column scores 0)
but no longer lets a weak column of the right shape score as much as the same column: the
per-column null gets a thinner top, so short queries reach lower p values and the source of a
sampled motif comes first more often (42 against 41 of 50 with q < 0.05 in
``benchmarks/bench_motifs.py``, 210 against 184 of 250 over five query sets), while 2 of 250
uninformative queries get a q < 0.05 hit (Pearson: 1). It is not the default because it also
marks down a blurry query against a sharp target: in the demo check of
``tests/test_explain_motifs.py`` the best filter motif's q against the planted PWM goes from
0.049 to 0.051.

Limits: columns are assumed independent (neighbouring columns of real motifs are not), so p
values are approximate, as Tomtom's are; the grid makes scores exact only to
``1 / bins_per_unit`` per column. Trim filter motifs (:meth:`Motif.trimmed`) before matching:
noise columns dilute the score.

Examples
--------
>>> import numpy as np
>>> from biodl.interpret.motifs import Motif
>>> rng = np.random.default_rng(0)
>>> db = [Motif(f"t{i}", rng.dirichlet(np.full(4, 0.5), size=10)) for i in range(50)]
>>> table = match_motifs([db[7].reverse_complement()], db)
>>> best = table.best()[0]
>>> best.target, best.strand, best.offset, bool(best.q_value < 0.05)
('t7', '-', 0, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from biodl.errors import DataError
from biodl.interpret.motifs import Motif, complement_order

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ColumnScore",
    "MatchTable",
    "MotifMatch",
    "Scoring",
    "benjamini_hochberg",
    "match_motifs",
]

ColumnScore = Literal["pearson", "pearson_spread", "euclidean"]
#: The exponent of the spread ratio in the ``"pearson_spread"`` column score.
SPREAD_EXPONENT = 0.1
Scoring = Literal["complete", "incomplete"]


@dataclass(frozen=True)
class MotifMatch:
    """One query-target match.

    Attributes
    ----------
    query : str
        The query motif's id.
    target, target_name : str
        The database motif's id and name.
    offset : int
        Target position (in the strand shown) aligned with query position 0; negative when
        the query starts before the target.
    strand : {"+", "-"}
        "-" when the reverse complement of the target matched.
    overlap : int
        Number of aligned columns.
    score : float
        Sum of the column scores at that alignment.
    p_value, e_value, q_value : float
        See the module docstring.
    """

    query: str
    target: str
    target_name: str
    offset: int
    strand: str
    overlap: int
    score: float
    p_value: float
    e_value: float
    q_value: float


@dataclass(frozen=True)
class MatchTable:
    """Matches of each query, best first, and how they were computed.

    Attributes
    ----------
    matches : list of MotifMatch
        Up to ``top`` per query, in query order then by p value.
    queries : list of str
        The query ids, in the order given (a query with no allowed alignment has no rows).
    n_targets : int
        Number of database motifs (the E value's multiplier).
    column_score : str
    """

    matches: list[MotifMatch]
    queries: list[str]
    n_targets: int
    column_score: str

    def best(self) -> list[MotifMatch]:
        """The best match of each query (queries without a match are left out)."""
        seen: dict[str, MotifMatch] = {}
        for m in self.matches:
            seen.setdefault(m.query, m)
        return [seen[q] for q in self.queries if q in seen]

    def to_frame(self) -> pd.DataFrame:
        """The matches as a DataFrame, one row per match."""
        import pandas as pd

        columns = list(MotifMatch.__dataclass_fields__)
        return pd.DataFrame([asdict(m) for m in self.matches], columns=columns)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q values (the smallest FDR at which each test is called).

    Examples
    --------
    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=float)
    n = p.size
    if n == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def _prepare_columns(matrix: np.ndarray, column_score: ColumnScore) -> np.ndarray:
    if column_score == "pearson_spread":
        return matrix - matrix.mean(axis=1, keepdims=True)
    if column_score == "pearson":
        centred = matrix - matrix.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(centred, axis=1, keepdims=True)
        return np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 1e-12)
    return matrix


def _column_scores(q: np.ndarray, t: np.ndarray, column_score: ColumnScore) -> np.ndarray:
    """(Wq, C) scores of query columns (prepared) against target columns (prepared)."""
    if column_score == "pearson_spread":
        # Pearson r times (smaller / larger spread) ** SPREAD_EXPONENT; the norms of the
        # centred columns are their spreads (up to a common factor).
        nq = np.linalg.norm(q, axis=1)[:, None]
        nt = np.linalg.norm(t, axis=1)[None, :]
        low, high = np.minimum(nq, nt), np.maximum(nq, nt)
        both = low > 1e-12
        scale = np.divide(
            np.power(np.divide(low, high, out=np.zeros_like(low), where=both), SPREAD_EXPONENT),
            nq * nt,
            out=np.zeros_like(low),
            where=both,
        )
        return np.clip((q @ t.T) * scale, -1.0, 1.0)
    if column_score == "pearson":
        return np.clip(q @ t.T, -1.0, 1.0)
    sq = (q**2).sum(1)[:, None] + (t**2).sum(1)[None, :] - 2.0 * (q @ t.T)
    return -np.sqrt(np.maximum(sq, 0.0))


def _score_range(column_score: ColumnScore) -> tuple[float, float]:
    """Bounds of a column score (probability vectors: distance at most sqrt(2))."""
    return (-float(np.sqrt(2.0)), 0.0) if column_score == "euclidean" else (-1.0, 1.0)


@dataclass(frozen=True)
class _Database:
    """Database columns of both strands, prepared once; targets grouped by width."""

    columns: np.ndarray  # (C_total, A) prepared columns, forward then reverse strands
    groups: list[tuple[int, np.ndarray, np.ndarray]]  # (width, target indices, column index)
    strands: int
    motifs: list[Motif]


def _database(motifs: Sequence[Motif], column_score: ColumnScore) -> _Database:
    alphabet = motifs[0].alphabet
    if any(m.alphabet != alphabet for m in motifs):
        raise DataError("the motif database mixes alphabets; give motifs of one alphabet")
    order = complement_order(alphabet)
    forward = [m.probabilities for m in motifs]
    blocks = forward + ([p[::-1, order] for p in forward] if order is not None else [])
    starts = np.cumsum([0] + [len(b) for b in blocks])
    columns = _prepare_columns(np.concatenate(blocks), column_score)
    n, strands = len(motifs), 2 if order is not None else 1
    widths = np.array([m.width for m in motifs])
    groups = []
    for w in np.unique(widths):
        members = np.flatnonzero(widths == w)
        # index[s * k + r, j]: column j of member r on strand s
        index = np.concatenate([starts[members + s * n][:, None] for s in range(strands)])
        groups.append((int(w), members, index + np.arange(w)[None, :]))
    return _Database(columns, groups, strands, list(motifs))


def _range_survival(hists: np.ndarray, min_overlap: int) -> dict[tuple[int, int], np.ndarray]:
    """P(sum of binned column scores over query columns a..b >= k), for every range."""
    width = hists.shape[0]
    out = {}
    for a in range(width):
        dist = hists[a]
        for b in range(a, width):
            if b > a:
                dist = np.convolve(dist, hists[b])
            if b - a + 1 >= min_overlap:
                out[(a, b)] = np.minimum(np.cumsum(dist[::-1])[::-1], 1.0)
    return out


@dataclass(frozen=True)
class _Best:
    """Per target: corrected p value, best offset, strand (0 or 1), overlap and score."""

    p: np.ndarray
    offset: np.ndarray
    strand: np.ndarray
    overlap: np.ndarray
    score: np.ndarray


def _match_one(
    query: Motif,
    db: _Database,
    column_score: ColumnScore,
    scoring: Scoring,
    bins_per_unit: int,
    min_overlap: int,
) -> _Best:
    lo, hi = _score_range(column_score)
    nbins = int(np.ceil((hi - lo) * bins_per_unit)) + 1
    qcols = _prepare_columns(query.probabilities, column_score)
    scores = _column_scores(qcols, db.columns, column_score)
    binned = np.clip(np.rint((scores - lo) * bins_per_unit), 0, nbins - 1).astype(np.int64)
    hists = np.stack([np.bincount(row, minlength=nbins) for row in binned]) / binned.shape[1]
    wq = query.width
    # Complete scoring: query columns off the target are scored against the background.
    size = len(query.alphabet)
    background = _prepare_columns(np.full((1, size), 1.0 / size), column_score)
    bg_float = _column_scores(qcols, background, column_score)[:, 0]
    bg_binned = np.clip(np.rint((bg_float - lo) * bins_per_unit), 0, nbins - 1).astype(np.int64)
    bg_cum = np.concatenate([[0], np.cumsum(bg_binned)])
    bg_fcum = np.concatenate([[0.0], np.cumsum(bg_float)])
    complete = scoring == "complete"
    shortest = min(min_overlap, wq, min(w for w, _, _ in db.groups))
    survival = (
        {(0, wq - 1): _range_survival(hists, wq)[(0, wq - 1)]}
        if complete
        else _range_survival(hists, shortest)
    )
    n = len(db.motifs)
    out = _Best(np.ones(n), np.zeros(n, int), np.zeros(n, int), np.zeros(n, int), np.zeros(n))
    for w, members, index in db.groups:
        m = min(min_overlap, wq, w)
        block = binned[:, index].transpose(1, 0, 2)  # (strands * k, Wq, w)
        fblock = scores[:, index].transpose(1, 0, 2)
        tried = np.arange(-(wq - m), w - m + 1)
        p_all = np.empty((len(tried), block.shape[0]))
        f_all = np.empty_like(p_all)
        for row, o in enumerate(tried.tolist()):
            a, b = max(0, -o), min(wq, w - o) - 1
            total = np.diagonal(block, offset=o, axis1=1, axis2=2).sum(axis=1)
            f_all[row] = np.diagonal(fblock, offset=o, axis1=1, axis2=2).sum(axis=1)
            if complete:
                total = total + bg_cum[-1] - (bg_cum[b + 1] - bg_cum[a])
                f_all[row] += bg_fcum[-1] - (bg_fcum[b + 1] - bg_fcum[a])
                p_all[row] = survival[(0, wq - 1)][total]
            else:
                p_all[row] = survival[(a, b)][total]
        k = len(members)
        p_all = p_all.reshape(len(tried), db.strands, k).transpose(2, 1, 0).reshape(k, -1)
        f_all = f_all.reshape(len(tried), db.strands, k).transpose(2, 1, 0).reshape(k, -1)
        # Lowest p first; among equal p (the grid) the higher unbinned score wins.
        best = np.lexsort((-f_all, p_all), axis=1)[:, 0]
        pmin = p_all[np.arange(k), best]
        tries = p_all.shape[1]
        corrected = -np.expm1(tries * np.log1p(-np.minimum(pmin, 1 - 1e-16)))
        out.p[members] = np.where(pmin >= 1.0, 1.0, corrected)
        strand, o_idx = np.divmod(best, len(tried))
        out.offset[members] = tried[o_idx]
        out.strand[members] = strand
        out.overlap[members] = np.minimum(wq, w - tried[o_idx]) - np.maximum(0, -tried[o_idx])
        out.score[members] = f_all[np.arange(k), best]
    return out


def match_motifs(
    queries: Sequence[Motif],
    database: Sequence[Motif],
    *,
    column_score: ColumnScore = "pearson",
    scoring: Scoring = "complete",
    min_overlap: int = 5,
    bins_per_unit: int = 50,
    top: int = 5,
) -> MatchTable:
    """Match each query motif against every database motif, on both strands (DNA/RNA).

    Parameters
    ----------
    queries : sequence of Motif
        E.g. filter or discovered motifs.
    database : sequence of Motif
        E.g. :func:`~biodl.interpret.motif_files.read_motifs` of a JASPAR file; same alphabet.
    column_score : {"pearson", "pearson_spread", "euclidean"}, default "pearson"
        How two columns are compared (module docstring).
    scoring : {"complete", "incomplete"}, default "complete"
        Whether query columns hanging over the target's ends are scored against a uniform
        background column (``"complete"``, Tomtom's default) or left out (module docstring).
    min_overlap : int, default 5
        Fewest aligned columns (capped at the shorter motif's width).
    bins_per_unit : int, default 50
        Grid of the column scores for the exact null (0.02 per column by default).
    top : int, default 5
        Matches kept per query, lowest p first.

    Returns
    -------
    MatchTable
    """
    if not database:
        raise DataError("the motif database is empty")
    if scoring not in ("complete", "incomplete"):
        raise DataError(f"scoring must be 'complete' or 'incomplete', got {scoring!r}")
    if column_score not in ("pearson", "pearson_spread", "euclidean"):
        raise DataError(
            "column_score must be 'pearson' or 'euclidean' or 'pearson_spread', "
            f"got {column_score!r}"
        )
    alphabet = database[0].alphabet
    for q in queries:
        if q.alphabet != alphabet:
            raise DataError(
                f"query motif {q.id} has alphabet {q.alphabet}, the database {alphabet}"
            )
    db = _database(database, column_score)
    n = len(database)
    rows: list[MotifMatch] = []
    for q in queries:
        found = _match_one(q, db, column_score, scoring, bins_per_unit, min_overlap)
        qv = benjamini_hochberg(found.p)
        for t in np.lexsort((-found.score, found.p))[:top]:
            target = database[t]
            p = float(found.p[t])
            rows.append(
                MotifMatch(
                    query=q.id,
                    target=target.id,
                    target_name=target.name,
                    offset=int(found.offset[t]),
                    strand="-" if found.strand[t] else "+",
                    overlap=int(found.overlap[t]),
                    score=float(found.score[t]),
                    p_value=p,
                    e_value=p * n,
                    q_value=float(qv[t]),
                )
            )
    return MatchTable(rows, [q.id for q in queries], n, column_score)
