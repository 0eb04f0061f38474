"""Synthetic RNA hairpins of 60-120 nt, pre-miRNA-like vs pseudo-hairpins, for the benchmarks.

A stand-in with the shape of the pre-miRNA benchmark in issue 12 (7,457 training sequences of
60-120 nt, about 1 positive in 10), generated here so the timing benchmarks need no download.
Every sequence is a stem-loop: a 5' flank, a stem arm, a terminal loop, the other arm and a
3' flank. The other arm pairs with the first (Watson-Crick, sometimes G-U) except at
mismatches. Positives ("pre_mirna") have few mismatches (2-18 %), loops of 4-12 nt and stems
of 45-65 % GC; negatives ("pseudo_hairpin") have more mismatches (10-35 %), loops of 3-20 nt
and stems of 35-55 % GC, so the classes overlap: k-mer counts see the composition, while the
pairing of positions tens of bases apart needs a model that relates distant positions.

Run it to write the files::

    .venv/bin/python benchmarks/hairpins.py OUT_DIR [--train 7457] [--test 2000]

writes ``OUT_DIR/train.fasta`` and ``OUT_DIR/test.fasta`` (``>id label=...`` headers).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

LETTERS = np.frombuffer(b"ACGU", dtype=np.uint8)
PAIR = np.array([3, 2, 1, 0])  # A-U, C-G, G-C, U-A (codes 0..3 = ACGU)
WOBBLE = {2: 3, 3: 2}  # G-U and U-G
POSITIVE_SHARE = 0.1


def hairpin(rng: np.random.Generator, positive: bool) -> str:
    """One stem-loop sequence of 60-120 nt."""
    length = int(rng.integers(60, 121))
    loop = int(rng.integers(4, 13) if positive else rng.integers(3, 21))
    flank5 = int(rng.integers(0, 11))
    flank3 = int(rng.integers(0, 11))
    stem = (length - loop - flank5 - flank3) // 2
    flank3 = length - loop - flank5 - 2 * stem
    mismatch = rng.uniform(0.02, 0.18) if positive else rng.uniform(0.10, 0.35)
    gc = rng.uniform(0.45, 0.65) if positive else rng.uniform(0.35, 0.55)
    arm = rng.choice(4, size=stem, p=[(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    other = PAIR[arm][::-1].copy()
    for k in range(stem):
        draw = rng.random()
        if draw < mismatch:
            other[k] = rng.integers(0, 4)
        elif draw < mismatch + 0.08 and int(arm[stem - 1 - k]) in WOBBLE:
            other[k] = WOBBLE[int(arm[stem - 1 - k])]
    parts = [
        rng.integers(0, 4, flank5),
        arm,
        rng.integers(0, 4, loop),
        other,
        rng.integers(0, 4, flank3),
    ]
    return LETTERS[np.concatenate(parts)].tobytes().decode()


def write_hairpins(path: Path, n: int, *, seed: int, prefix: str) -> Path:
    """Write ``n`` hairpins (about 10 % positive) as FASTA with ``label=`` headers."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        positive = bool(rng.random() < POSITIVE_SHARE)
        label = "pre_mirna" if positive else "pseudo_hairpin"
        lines.append(f">{prefix}{i:05d} label={label}\n{hairpin(rng, positive)}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="ascii")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--train", type=int, default=7457)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_hairpins(args.out / "train.fasta", args.train, seed=args.seed, prefix="tr")
    write_hairpins(args.out / "test.fasta", args.test, seed=args.seed + 1, prefix="te")
    print(f"wrote {args.out}/train.fasta ({args.train}) and test.fasta ({args.test})")


if __name__ == "__main__":
    main()
