"""Shared test set-up: one torch thread, seeded randomness, paths to the shared datasets."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("BIODL_QUIET", "1")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def shared_data() -> Path:
    """The real datasets beside the repository; tests using it are skipped where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def motif_fasta(tmp_path_factory) -> Path:
    """240 DNA sequences of 80 bp with `label=` headers (the demo generator, smaller)."""
    from biodl.data.demo import write_demo_fasta

    return write_demo_fasta(tmp_path_factory.mktemp("data") / "motifs.fa", n=240, length=80, seed=1)


@pytest.fixture(scope="session")
def motif_csv(tmp_path_factory, motif_fasta) -> Path:
    """The same sequences as a CSV with id, sequence, label and two 0/1 label columns."""
    from biodl.data.sequence import read_sequences

    seqs = read_sequences(motif_fasta)
    labels = seqs.labels["label"].tolist()
    rows = ["id,sequence,label,has_gata,is_enhancer"]
    for i in range(len(seqs)):
        s = seqs.sequence(i)
        rows.append(
            f"{seqs.ids[i]},{s},{labels[i]},{int('GATAAG' in s)},{int(labels[i] == 'enhancer')}"
        )
    path = tmp_path_factory.mktemp("csv") / "motifs.csv"
    path.write_text("\n".join(rows) + "\n")
    return path
