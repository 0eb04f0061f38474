"""Tomtom-like matching: the planted motif comes back as the top hit, on the right strand and
offset, with q < 0.05; random motifs do not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from motif_helpers import JASPAR_MEME, TINY, by_name, sampled_counts

from biodl.errors import DataError
from biodl.interpret.motif_files import read_motifs
from biodl.interpret.motifs import Motif, motif_from_counts
from biodl.interpret.planted import plant_motifs
from biodl.interpret.tomtom import SPREAD_EXPONENT, benjamini_hochberg, match_motifs


def test_benjamini_hochberg_by_hand() -> None:
    p = np.array([0.001, 0.2, 0.01, 0.04, 0.03])
    # sorted: .001 .01 .03 .04 .2 -> *5/rank: .005 .025 .05 .05 .2 -> running min from the top
    np.testing.assert_allclose(benjamini_hochberg(p), [0.005, 0.2, 0.025, 0.05, 0.05])


@pytest.mark.parametrize("column_score", ["pearson", "pearson_spread", "euclidean"])
def test_sampled_instances_match_their_motif(column_score: str) -> None:
    db = read_motifs(TINY)
    rng = np.random.default_rng(0)
    for target in db:
        query = motif_from_counts(sampled_counts(target, 30, rng), "q", pseudocount=1)
        best = match_motifs([query], db, column_score=column_score).best()[0]  # type: ignore[arg-type]
        assert (best.target, best.strand, best.offset) == (target.id, "+", 0)
        assert best.overlap == target.width
        assert best.q_value < 0.05


@pytest.mark.parametrize("scoring", ["complete", "incomplete"])
def test_reverse_complement_and_offset_are_found(scoring: str) -> None:
    db = read_motifs(TINY)
    target = db[3]  # ACCGGAAGTG
    inner = Motif("inner_rc", target.probabilities[2:9]).reverse_complement()
    best = match_motifs([inner], db, scoring=scoring).best()[0]  # type: ignore[arg-type]
    assert (best.target, best.strand) == (target.id, "-")
    # The reverse complement of the target holds the query at position 10 - 9 = 1.
    assert best.offset == 1 and best.overlap == 7
    longer = Motif("padded", np.vstack([np.full((3, 4), 0.25), target.probabilities]))
    best = match_motifs([longer], db, scoring=scoring).best()[0]  # type: ignore[arg-type]
    assert (best.target, best.strand, best.offset) == (target.id, "+", -3)


def test_table_has_the_columns_the_report_needs() -> None:
    db = read_motifs(TINY)
    table = match_motifs(db[:2], db, top=3)
    frame = table.to_frame()
    assert list(frame.columns[:6]) == [
        "query",
        "target",
        "target_name",
        "offset",
        "strand",
        "overlap",
    ]
    assert {"p_value", "e_value", "q_value"} <= set(frame.columns)
    assert len(frame) == 6 and table.n_targets == 6
    assert (frame.groupby("query")["p_value"].apply(lambda s: s.is_monotonic_increasing)).all()


def test_spread_column_score_tells_a_weaker_column_from_the_same_one() -> None:
    """Pearson scores a column and a flatter one of the same shape 1; pearson_spread less."""
    sharp = Motif("sharp", np.array([[0.85, 0.05, 0.05, 0.05]] * 6))
    flat = Motif("flat", np.array([[0.4, 0.2, 0.2, 0.2]] * 6))
    for score, same in (("pearson", True), ("pearson_spread", False)):
        table = match_motifs([sharp], [flat, sharp], column_score=score, top=2)  # type: ignore[arg-type]
        scores = {m.target: m.score for m in table.matches}
        assert scores["sharp"] == pytest.approx(6.0)
        assert (scores["flat"] == pytest.approx(6.0)) is same
    # standard deviations of the letter probabilities: 0.3464 and 0.0866, a ratio of 1/4
    table = match_motifs([sharp], [flat], column_score="pearson_spread")
    assert table.matches[0].score == pytest.approx(6 * 0.25**SPREAD_EXPONENT)


def test_p_values_of_random_queries_are_roughly_uniform() -> None:
    rng = np.random.default_rng(3)
    db = [Motif(f"t{i}", rng.dirichlet(np.ones(4), size=rng.integers(6, 15))) for i in range(150)]
    queries = [Motif(f"q{i}", rng.dirichlet(np.ones(4), size=10)) for i in range(40)]
    table = match_motifs(queries, db, top=150)
    p = table.to_frame()["p_value"].to_numpy()
    # Under the null, P(p < 0.05) is 0.05; allow for column dependence and the grid.
    assert 0.01 < np.mean(p < 0.05) < 0.12
    assert sum(m.q_value < 0.05 for m in table.best()) <= 4


def test_mismatched_alphabets_and_empty_database_are_errors() -> None:
    db = read_motifs(TINY)
    protein = Motif("p", np.full((5, 20), 0.05), alphabet="ACDEFGHIKLMNPQRSTVWY")
    with pytest.raises(DataError, match="query motif p has alphabet ACDEFGHIKLMNPQRSTVWY"):
        match_motifs([protein], db)
    with pytest.raises(DataError, match="the motif database is empty"):
        match_motifs(db, [])
    with pytest.raises(DataError, match="column_score must be 'pearson' or 'euclidean'"):
        match_motifs(db, db, column_score="cosine")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="or 'pearson_spread', got 'cosine'"):
        match_motifs(db, db, column_score="cosine")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="scoring must be 'complete' or 'incomplete'"):
        match_motifs(db, db, scoring="partial")  # type: ignore[arg-type]


@pytest.mark.realdata
def test_planted_jaspar_motif_is_the_top_hit(shared_data: Path) -> None:
    """Sample a JASPAR motif into random DNA, count the planted windows, match it back."""
    db = read_motifs(shared_data / JASPAR_MEME)
    for motif in by_name(db, ("GATA1", "CEBPB", "CTCF")):
        data = plant_motifs([motif], n=200, length=60, instances=(1, 1), seed=1)
        counts = np.zeros((motif.width, 4))
        for i, _, start, strand in data.sites:
            window = data.onehot[i, start : start + motif.width]
            counts += window if strand == 1 else window[::-1, ::-1]
        query = motif_from_counts(counts, "planted", pseudocount=1)
        best = match_motifs([query], db).best()[0]
        assert best.target == motif.id and best.offset == 0 and best.q_value < 0.05
        rc = match_motifs([query.reverse_complement()], db).best()[0]
        assert rc.target == motif.id and rc.q_value < 0.05
        if motif.name != "CEBPB":  # CEBPB is a palindrome: both strands match equally
            assert best.strand == "+" and rc.strand == "-"


@pytest.mark.realdata
@pytest.mark.parametrize("column_score", ["pearson", "pearson_spread"])
def test_random_motifs_get_no_significant_jaspar_hit(shared_data: Path, column_score: str) -> None:
    db = read_motifs(shared_data / JASPAR_MEME)
    rng = np.random.default_rng(7)
    # PWMs counted from 20 random 10-mers: what an uninformative filter looks like.
    queries = [
        motif_from_counts(
            sampled_counts(Motif("u", np.full((10, 4), 0.25)), 20, rng), f"r{i}", pseudocount=1
        )
        for i in range(50)
    ]
    best = match_motifs(queries, db, column_score=column_score).best()  # type: ignore[arg-type]
    assert best[0].q_value >= 0.05
    assert sum(m.q_value < 0.05 for m in best) <= 5


@pytest.mark.realdata
def test_sampled_jaspar_motifs_find_themselves(shared_data: Path) -> None:
    """benchmarks/bench_motifs.py's self-match in small: 30 sites sampled from each of 60
    JASPAR motifs, every other one reverse-complemented and trimmed by a column on each side;
    pearson_spread finds the source (top hit, q < 0.05) more often than Pearson."""
    db = read_motifs(shared_data / JASPAR_MEME)
    rng = np.random.default_rng(11)
    sources = [db[i] for i in rng.choice(len(db), 60, replace=False)]
    queries = []
    for k, m in enumerate(sources):
        query = motif_from_counts(sampled_counts(m, 30, rng), f"q{k}", pseudocount=1)
        if k % 2:
            query = Motif(query.id, query.reverse_complement().probabilities[1:-1])
        queries.append(query)
    found = {}
    for score in ("pearson", "pearson_spread"):
        best = match_motifs(queries, db, column_score=score).best()  # type: ignore[arg-type]
        found[score] = sum(
            b.target == m.id and b.q_value < 0.05 for b, m in zip(best, sources, strict=True)
        )
    assert found["pearson"] >= 40, found
    assert found["pearson_spread"] >= found["pearson"] + 2, found
