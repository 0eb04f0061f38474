"""Shared test set-up: one torch thread, seeded randomness, paths to the shared datasets."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
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


def _shifted_cohort(folder: Path, *, n: int, seed: int, shift: int) -> tuple[Path, Path]:
    """A synthetic cohort whose record ids are moved by ``shift``: (records folder, outcomes)."""
    from biodl.data.synthetic_icu import write_icu_records

    root = write_icu_records(folder, n_records=n, seed=seed, signal=3.0)
    records = root / "records"
    for path in sorted(records.glob("*.txt")) if shift else []:
        new = int(path.stem) + shift
        text = re.sub(
            r"^00:00,RecordID,[0-9.]+$",
            f"00:00,RecordID,{new}",
            path.read_text(),
            count=1,
            flags=re.MULTILINE,
        )
        (records / f"{new}.txt").write_text(text)
        path.unlink()
    outcomes = pd.read_csv(root / "Outcomes.txt")
    outcomes["RecordID"] += shift
    outcomes.to_csv(root / "Outcomes.txt", index=False)
    return records, root / "Outcomes.txt"


def _physionet_layout(tmp: Path) -> Path:
    """``root/set-a``, ``root/set-c``, ``root/Outcomes-a.txt``, ``root/Outcomes-c.txt``."""
    root = tmp / "physionet"
    root.mkdir()
    for tag, n, seed, shift in (("a", 120, 1, 0), ("c", 60, 2, 100000)):
        records, outcomes = _shifted_cohort(tmp / f"cohort-{tag}", n=n, seed=seed, shift=shift)
        shutil.move(records, root / f"set-{tag}")
        shutil.move(outcomes, root / f"Outcomes-{tag}.txt")
    return root


@pytest.fixture(scope="session")
def physionet_layout() -> Callable[[Path], Path]:
    """Writes two synthetic cohorts into a folder as PhysioNet 2012 distributes its sets:
    ``set-a/`` (120 records) and ``set-c/`` (60 records, other ids) with ``Outcomes-a.txt`` and
    ``Outcomes-c.txt`` beside them; returns that folder."""
    return _physionet_layout
