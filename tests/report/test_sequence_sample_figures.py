"""Figures of generated against real sequences."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from biodl.evaluation.sequence_samples import compare_sequences
from biodl.report.sequence_samples import sequence_sample_figures


def _seqs(rng: np.random.Generator, n: int, letters: str) -> list[str]:
    return ["".join(rng.choice(list(letters), size=int(rng.integers(20, 40)))) for _ in range(n)]


def test_three_captioned_pngs_for_dna_and_protein(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for letters, ks in (("ACGT", (1, 2, 3)), ("ACDEFGHIKLMNPQRSTVWY", (1, 2))):
        train, holdout = _seqs(rng, 60, letters), _seqs(rng, 20, letters)
        checks = compare_sequences(train[:5] + _seqs(rng, 15, letters), train, holdout, ks=ks)
        plots = tmp_path / letters[:4]
        figures = sequence_sample_figures(checks, plots)
        assert len(figures) == 3
        for figure in figures:
            assert figure.path.exists() and figure.path.parent == plots
            assert figure.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert figure.caption and figure.title


def test_without_a_held_out_set(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    train = _seqs(rng, 30, "ACGU")
    checks = compare_sequences(train[:10], train)
    assert len(sequence_sample_figures(checks, tmp_path)) == 3
