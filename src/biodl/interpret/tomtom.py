"""Tomtom-like matching of query motifs against a motif database, with p, E and q values.

The statistic follows Tomtom (Gupta et al. 2007, Genome Biology 8:R24):

1. **Column score.** A query column and a target column are compared by the Pearson
   correlation of their letter probabilities (``"pearson"``, Tomtom's PCC; a column with no
   variation scores 0) or by minus their Euclidean distance (``"euclidean"``, Tomtom's ED).
2. **Alignment score.** For a target, each strand (the target or its reverse complement, for
   DNA) and each offset at which at least ``min_overlap`` columns overlap, the score is the sum
   of the column scores of the overlapping columns (Tomtom's "incomplete" scoring: columns
   that hang over the end are not scored).
3. **Null distribution.** For each query column, the null distribution of its column score is
   the empirical distribution of its scores against *every column of every database motif*, on
   both strands (Tomtom's approach: no shuffling, the database is its own null). Scores are
   rounded to a grid of ``1 / bins_per_unit``. Assuming independent columns, the null of a sum
   over query columns ``a..b`` is the convolution of their column nulls, computed exactly on
   the grid for every range ``a..b`` (dynamic programming, as Tomtom).
4. **p value.** Each offset's score gets the null probability of a score at least as large
   (for its overlapping query columns); the smallest over offsets and strands is corrected for
   the number ``n`` of offsets and strands tried: ``p = 1 - (1 - p_min) ** n`` (Tomtom's
   correction). ``E = p × number of targets``; ``q`` is the Benjamini-Hochberg adjustment of
   the query's p values over all targets.

Limits: columns are assumed independent (neighbouring columns of real motifs are not), so p
values are approximate, as Tomtom's are; the grid makes scores exact only to
``1 / bins_per_unit`` per column.

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

__all__ = ["ColumnScore", "MatchTable", "MotifMatch", "benjamini_hochberg", "match_motifs"]

ColumnScore = Literal["pearson", "euclidean"]


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
    if column_score == "pearson":
        centred = matrix - matrix.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(centred, axis=1, keepdims=True)
        return np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 1e-12)
    return matrix


def _column_scores(q: np.ndarray, t: np.ndarray, column_score: ColumnScore) -> np.ndarray:
    """(Wq, C) scores of query columns (prepared) against target columns (prepared)."""
    if column_score == "pearson":
        return np.clip(q @ t.T, -1.0, 1.0)
    sq = (q**2).sum(1)[:, None] + (t**2).sum(1)[None, :] - 2.0 * (q @ t.T)
    return -np.sqrt(np.maximum(sq, 0.0))


def _score_range(column_score: ColumnScore, size: int) -> tuple[float, float]:
    return (-1.0, 1.0) if column_score == "pearson" else (-float(np.sqrt(2.0)), 0.0)


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


def _match_one(
    query: Motif,
    db: _Database,
    column_score: ColumnScore,
    bins_per_unit: int,
    min_overlap: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per target: corrected p, best offset, strand, overlap and bin-sum score."""
    lo, hi = _score_range(column_score, len(query.alphabet))
    nbins = int(np.ceil((hi - lo) * bins_per_unit)) + 1
    qcols = _prepare_columns(query.probabilities, column_score)
    scores = _column_scores(qcols, db.columns, column_score)
    binned = np.clip(np.rint((scores - lo) * bins_per_unit), 0, nbins - 1).astype(np.int64)
    hists = np.stack([np.bincount(row, minlength=nbins) for row in binned]) / binned.shape[1]
    wq = query.width
    n = len(db.motifs)
    p_best, offsets, strands, overlaps = (
        np.ones(n),
        np.zeros(n, int),
        np.zeros(n, int),
        np.zeros(n, int),
    )
    sums = np.zeros(n)
    survival = _range_survival(hists, min(min_overlap, wq, min(w for w, _, _ in db.groups)))
    for w, members, index in db.groups:
        m = min(min_overlap, wq, w)
        block = binned[:, index].transpose(1, 0, 2)  # (strands * k, Wq, w)
        tried = range(-(wq - m), w - m + 1)
        p_all = np.empty((len(tried), block.shape[0]))
        s_all = np.empty_like(p_all)
        for row, o in enumerate(tried):
            a, b = max(0, -o), min(wq, w - o) - 1
            total = np.diagonal(block, offset=o, axis1=1, axis2=2).sum(axis=1)
            p_all[row] = survival[(a, b)][total]
            s_all[row] = total
        k = len(members)
        p_all = p_all.reshape(len(tried), db.strands, k).transpose(2, 1, 0).reshape(k, -1)
        s_all = s_all.reshape(len(tried), db.strands, k).transpose(2, 1, 0).reshape(k, -1)
        # Lowest p first; among equal p the higher score (then the first offset) wins.
        best = np.lexsort((-s_all, p_all), axis=1)[:, 0] if k else np.zeros(0, int)
        pmin = p_all[np.arange(k), best]
        tries = p_all.shape[1]
        p_best[members] = -np.expm1(tries * np.log1p(-np.minimum(pmin, 1 - 1e-16)))
        p_best[members] = np.where(pmin >= 1.0, 1.0, p_best[members])
        strand, o_idx = np.divmod(best, len(tried))
        offsets[members] = np.asarray(tried)[o_idx]
        strands[members] = strand
        overlaps[members] = [min(wq, w - o) - max(0, -o) for o in offsets[members]]
        sums[members] = s_all[np.arange(k), best]
    return p_best, offsets, strands, overlaps, sums


def match_motifs(
    queries: Sequence[Motif],
    database: Sequence[Motif],
    *,
    column_score: ColumnScore = "pearson",
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
    column_score : {"pearson", "euclidean"}, default "pearson"
        How two columns are compared (module docstring).
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
    if column_score not in ("pearson", "euclidean"):
        raise DataError(f"column_score must be 'pearson' or 'euclidean', got {column_score!r}")
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
        p, offsets, strands, overlaps, _ = _match_one(
            q, db, column_score, bins_per_unit, min_overlap
        )
        qv = benjamini_hochberg(p)
        for t in np.argsort(p, kind="stable")[:top]:
            target = database[t]
            strand = "-" if strands[t] else "+"
            rows.append(
                MotifMatch(
                    query=q.id,
                    target=target.id,
                    target_name=target.name,
                    offset=int(offsets[t]),
                    strand=strand,
                    overlap=int(overlaps[t]),
                    score=_aligned_score(q, target, int(offsets[t]), strand, column_score),
                    p_value=float(p[t]),
                    e_value=float(p[t] * n),
                    q_value=float(qv[t]),
                )
            )
    return MatchTable(rows, [q.id for q in queries], n, column_score)


def _aligned_score(
    query: Motif, target: Motif, offset: int, strand: str, column_score: ColumnScore
) -> float:
    """Unbinned sum of column scores of ``query`` against ``target`` at one alignment."""
    t = target.reverse_complement() if strand == "-" else target
    a, b = max(0, -offset), min(query.width, t.width - offset)
    qc = _prepare_columns(query.probabilities[a:b], column_score)
    tc = _prepare_columns(t.probabilities[a + offset : b + offset], column_score)
    return float(np.trace(_column_scores(qc, tc, column_score)))
