"""Seqlets and motif discovery: ideal attributions of planted motifs give those motifs back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from motif_helpers import JASPAR_MEME, PLANTED_NAMES, TINY, by_name

from biodl.errors import DataError
from biodl.interpret.discovery import discover_motifs, seqlet_similarity
from biodl.interpret.motif_files import read_motifs
from biodl.interpret.motifs import Motif, complement_order, one_hot
from biodl.interpret.planted import ideal_attributions, plant_motifs
from biodl.interpret.seqlets import find_seqlets
from biodl.interpret.tomtom import match_motifs


def test_seqlets_sit_on_the_planted_sites() -> None:
    db = read_motifs(TINY)
    data = plant_motifs(db[:2], n=50, length=80, instances=(1, 2), seed=0)
    seqlets = find_seqlets(ideal_attributions(data), data.onehot, width=8, flank=3)
    planted = {(i, s) for i, _, s, _ in data.sites}
    found = {(int(i), int(s) + 3) for i, s in zip(seqlets.example, seqlets.start, strict=True)}
    # Planted sites (width 9) overlap a seqlet core (width 8) by at least half of it, but for
    # the odd sampled instance with several unlikely letters (low ideal contribution).
    covered = [
        any(j == i and min(c + 8, s + 9) - max(c, s) >= 4 for j, c in found) for i, s in planted
    ]
    assert np.mean(covered) >= 0.9
    assert len(seqlets) <= 2 * len(planted)
    assert np.mean(seqlets.score > 0) >= 0.8


def test_no_seqlets_in_zero_attributions_and_errors() -> None:
    x = np.eye(4)[np.zeros((3, 30), dtype=int)]
    assert len(find_seqlets(np.zeros_like(x), x)) == 0
    with pytest.raises(DataError, match=r"must both be \(N, L, A\)"):
        find_seqlets(np.zeros((3, 30)), x)
    with pytest.raises(DataError, match="seqlet width must be between 1 and the length 30"):
        find_seqlets(x, x, width=40)


def test_similarity_finds_shift_and_strand() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(1, 12, 4))
    shifted = np.roll(a, 2, axis=1)
    rc = a[:, ::-1][:, :, complement_order("ACGT")]
    sim, shift, strand = seqlet_similarity(
        np.concatenate([a, shifted, rc]), max_shift=3, complement=complement_order("ACGT")
    )
    assert sim[0, 1] > 0.99 and shift[0, 1] == -2 and strand[0, 1] == 1
    assert sim[0, 2] > 0.99 and shift[0, 2] == 0 and strand[0, 2] == -1


def test_discovery_recovers_tiny_motifs_on_both_strands() -> None:
    db = read_motifs(TINY)
    data = plant_motifs(db, n=400, length=100, seed=1)
    found = discover_motifs(ideal_attributions(data), data.onehot)
    positive = [f for f in found if f.sign == 1]
    table = match_motifs([f.motif for f in positive], db)
    hits = {b.target for b in table.best() if b.q_value < 0.05}
    assert hits == {m.id for m in db}
    for f in positive[:3]:
        assert f.n_seqlets >= 10 and f.mean_effect > 0
        assert set(f.seqlets[:, 2].tolist()) == {-1, 1}  # sites of both strands were merged
        assert len(f.sequences) == len(np.unique(f.seqlets[:, 0]))


def test_discovery_is_deterministic() -> None:
    db = read_motifs(TINY)
    data = plant_motifs(db[:3], n=150, length=80, seed=4)
    attr = ideal_attributions(data)
    one, two = discover_motifs(attr, data.onehot), discover_motifs(attr, data.onehot)
    assert [m.motif.id for m in one] == [m.motif.id for m in two]
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a.motif.probabilities, b.motif.probabilities)


@pytest.mark.realdata
@pytest.mark.slow
def test_koo_eddy_planted_jaspar_motifs_are_recovered(shared_data: Path) -> None:
    """Koo & Eddy 2019 style: 12 JASPAR motifs, 1-5 sites per sequence, either strand."""
    db = read_motifs(shared_data / JASPAR_MEME)
    planted = by_name(db, PLANTED_NAMES)
    data = plant_motifs(planted, n=1000, length=200, instances=(1, 5), seed=0)
    assert set(data.sites[:, 3].tolist()) == {-1, 1}
    found = [f for f in discover_motifs(ideal_attributions(data), data.onehot) if f.sign == 1]
    best = match_motifs([f.motif for f in found], db).best()
    top = {b.target for b in best}
    significant = {b.target for b in best if b.q_value < 0.05}
    recovered = [m.name for m in planted if m.id in top]
    assert len(recovered) >= 9, recovered
    assert len([m for m in planted if m.id in significant]) >= 8


def test_capped_seqlets_keep_a_short_motif() -> None:
    """Past ``max_seqlets`` the kept seqlets span all strengths: the strongest alone would all
    be the long motif's, and the short one (weaker window sums) would vanish."""
    long_letters, short_letters = "TGACGCATTCCGGTAC", "GATAAG"
    motifs = [
        Motif(name, np.eye(4)[["ACGT".index(c) for c in letters]] * 0.9 + 0.025)
        for name, letters in (("long", long_letters), ("short", short_letters))
    ]
    data = plant_motifs(motifs, n=300, length=100, instances=(1, 3), seed=0)
    attr = ideal_attributions(data)
    assert len(find_seqlets(attr, data.onehot)) > 400
    found = [p for p in discover_motifs(attr, data.onehot, max_seqlets=200) if p.sign == 1]
    best = {m.query: m.target for m in match_motifs([p.motif for p in found], motifs).best()}
    assert set(best.values()) == {"long", "short"}, [p.motif.consensus() for p in found]
    assert sum(p.n_seqlets for p in found if best[p.motif.id] == "short") >= 50


def test_a_motif_beside_one_of_the_other_sign_keeps_only_its_own_positions() -> None:
    # an activating 8-mer followed directly by a repressing 6-mer: each seqlet window reaches
    # into the neighbour, but each motif is trimmed to the positions of its own sign
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(60)]
    seqs = [s[:20] + "TGATAAGC" + "CCGGAA" + s[34:] for s in seqs]
    x = one_hot(seqs)
    attr = 0.02 * rng.normal(size=x.shape)
    attr[:, 20:28] += 1.5 * x[:, 20:28]
    attr[:, 28:34] -= 1.0 * x[:, 28:34]
    found = {f.sign: f for f in discover_motifs(attr, x, width=8, flank=2, min_seqlets=5)}
    assert found[1].motif.consensus() == "TGATAAGC"
    assert found[-1].motif.consensus() == "CCGGAA"
    np.testing.assert_allclose(found[1].mean_effect, 8 * 1.5, atol=0.1)
    np.testing.assert_allclose(found[-1].mean_effect, -6 * 1.0, atol=0.1)
