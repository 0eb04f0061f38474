"""The embedded demo dataset: regulatory-like DNA with planted motifs, so the answer is known.

A sequence is an "enhancer" when a GATA-like motif is followed, 4 to 12 bases later, by an
E-box (``CACGTG``). Half of the "background" sequences carry the same two motifs in the wrong
order or too far apart, so k-mer counts alone cannot separate the classes, while a
convolutional network that sees the arrangement can: the demo shows when deep learning helps.

Examples
--------
>>> records = motif_dataset(n=10, length=100, seed=0)
>>> len(records), len(records[0].sequence)
(10, 100)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

MOTIF_A = "GATAAG"
MOTIF_B = "CACGTG"
LETTERS = np.frombuffer(b"ACGT", dtype=np.uint8)


@dataclass(frozen=True)
class DemoRecord:
    """One demo sequence: its id, sequence and class."""

    id: str
    sequence: str
    label: str


def motif_dataset(n: int = 2000, length: int = 100, *, seed: int = 0) -> list[DemoRecord]:
    """Generate the demo sequences deterministically.

    Parameters
    ----------
    n : int, default 2000
        Number of sequences (half enhancers, half background).
    length : int, default 100
    seed : int, default 0

    Returns
    -------
    list of DemoRecord
    """
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        seq = LETTERS[rng.integers(0, 4, length)].tobytes().decode()
        kind = i % 4  # 0, 1: enhancer; 2: wrong order; 3: too far apart / single motif
        gap = int(rng.integers(4, 13))
        if kind in (0, 1):
            seq = _plant(seq, [MOTIF_A, MOTIF_B], gap, rng)
        elif kind == 2:
            seq = _plant(seq, [MOTIF_B, MOTIF_A], gap, rng)
        elif rng.random() < 0.5:
            seq = _plant(seq, [MOTIF_A, MOTIF_B], int(rng.integers(40, 60)), rng)
        else:
            seq = _plant(seq, [MOTIF_A if rng.random() < 0.5 else MOTIF_B], 0, rng)
        label = "enhancer" if kind in (0, 1) else "background"
        records.append(DemoRecord(f"seq{i + 1:05d}", seq, label))
    order = rng.permutation(n)
    return [records[j] for j in order]


def _plant(seq: str, motifs: list[str], gap: int, rng: np.random.Generator) -> str:
    span = sum(len(m) for m in motifs) + gap * (len(motifs) - 1)
    start = int(rng.integers(0, len(seq) - span + 1))
    out = list(seq)
    pos = start
    for motif in motifs:
        out[pos : pos + len(motif)] = motif
        pos += len(motif) + gap
    return "".join(out)


def write_demo_fasta(path: str | Path, *, n: int = 2000, length: int = 100, seed: int = 0) -> Path:
    """Write the demo dataset as FASTA with ``label=`` in each header; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f">{r.id} label={r.label}\n{r.sequence}\n" for r in motif_dataset(n, length, seed=seed)
    ]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(lines), encoding="ascii")
    tmp.replace(path)
    return path


def write_digits_npz(path: str | Path, *, seed: int = 0) -> Path:
    """Write scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes) as an image npz.

    The MedMNIST layout: ``train_images`` ``(n, 8, 8)`` uint8 (0-16 scaled to 0-255) and
    ``train_labels`` ``(n, 1)``, likewise ``val_*`` and ``test_*`` (a stratified 70/10/20
    split from ``seed``). The digits ship with scikit-learn, so no download is needed.

    Examples
    --------
    >>> import tempfile
    >>> out = write_digits_npz(Path(tempfile.mkdtemp()) / "digits.npz")
    >>> sorted(np.load(out).files)[:2]
    ['test_images', 'test_labels']
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = np.clip(digits.images * 16, 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.int64)[:, None]
    index = np.arange(len(labels))
    rest, test = train_test_split(index, test_size=0.2, stratify=labels, random_state=seed)
    train, val = train_test_split(rest, test_size=0.125, stratify=labels[rest], random_state=seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    arrays = {}
    for name, rows in (("train", train), ("val", val), ("test", test)):
        arrays[f"{name}_images"] = images[rows]
        arrays[f"{name}_labels"] = labels[rows]
    np.savez(tmp, **arrays)
    tmp.replace(path)
    return path
