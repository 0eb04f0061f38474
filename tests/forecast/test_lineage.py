"""The lineage simulator: seeded, dated, aligned, and its sites do change over seasons."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data.lineage import LETTERS, simulate_lineage, write_lineage_fasta
from biodl.errors import ConfigError


def test_same_seed_same_lineage_other_seed_differs():
    a = simulate_lineage(seasons=5, length=20, samples=6, seed=1)
    b = simulate_lineage(seasons=5, length=20, samples=6, seed=1)
    c = simulate_lineage(seasons=5, length=20, samples=6, seed=2)
    assert a.sequences == b.sequences and a.dates == b.dates
    assert a.sequences != c.sequences


def test_samples_are_aligned_dated_in_their_season_year():
    lineage = simulate_lineage(seasons=4, length=25, samples=7, start_year=2010, seed=0)
    assert len(lineage.sequences) == 28
    assert {len(s) for s in lineage.sequences} == {25}
    assert set("".join(lineage.sequences)) <= set(LETTERS["protein"])
    years = [int(d[:4]) for d in lineage.dates]
    assert years == [2010 + int(s) for s in lineage.seasons]


def test_immune_pressure_makes_epitope_sites_change():
    lineage = simulate_lineage(seasons=25, length=60, seed=4)
    cons = np.array([list(c) for c in lineage.consensus])
    changed = cons[1:] != cons[:-1]
    assert changed[:, lineage.epitope].mean() > 3 * changed[:, ~lineage.epitope].mean()
    quiet = simulate_lineage(seasons=25, length=60, immunity=0.0, seed=4)
    still = np.array([list(c) for c in quiet.consensus])
    assert (still[1:] != still[:-1]).mean() < changed.mean()


def test_dna_lineage_and_fasta_headers(tmp_path):
    lineage = simulate_lineage(seasons=2, length=10, samples=3, alphabet="dna", seed=0)
    assert set("".join(lineage.sequences)) <= set("ACGT")
    path = write_lineage_fasta(lineage, tmp_path / "l.fa")
    lines = path.read_text().splitlines()
    assert lines[0] == f">{lineage.names[0]} date={lineage.dates[0]}"
    assert lines[1] == lineage.sequences[0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seasons": 0}, "seasons=0 is out of range"),
        ({"mutation_rate": 1.5}, r"mutation_rate=1.5 is out of range; expected \[0.0, 1.0\]"),
        ({"alphabet": "rna"}, "expected protein or dna"),
    ],
)
def test_bad_parameters(options, message):
    with pytest.raises(ConfigError, match=message):
        simulate_lineage(**options)
