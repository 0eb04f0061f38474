"""Small simulated lineages shared by the forecast tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from biodl.data.lineage import simulate_lineage, write_lineage_fasta

#: A lineage small enough for seconds-long runs: 12 seasons of 10 sequences, 30 sites.
SMALL = {"seasons": 12, "length": 30, "samples": 10, "population": 100, "seed": 3}


@pytest.fixture(scope="session")
def lineage_fasta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lineage") / "lineage.fa"
    return write_lineage_fasta(simulate_lineage(**SMALL), path)


@pytest.fixture(scope="session")
def long_lineage_fasta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:data:`SMALL` over 21 seasons (20 pairs: ``--test-seasons auto`` holds out 4)."""
    path = tmp_path_factory.mktemp("lineage") / "long.fa"
    return write_lineage_fasta(simulate_lineage(**{**SMALL, "seasons": 21}), path)
