"""Benchmark: FASTA -> integer codes with biodl against a per-character Python loop.

Writes a deterministic synthetic FASTA (1,000,000 records x 200 bp = 200 M bases, 60-letter
lines) to a temporary folder, then reports, side by side in one run:

- ``read_sequences`` throughput (best of 3) in million bases per second;
- a plain per-character Python encoder on a 5% subset, scaled to the whole file;
- the peak memory traced (tracemalloc) while ``read_sequences`` runs, relative to the size of
  the final codes array and to everything the result keeps (codes, offsets and ids).

Run it from the repository root (takes about a minute, needs ~1 GB of free memory and disk)::

    .venv/bin/python benchmarks/bench_encoding.py [--records 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from biodl.data.alphabet import ALPHABETS
from biodl.data.sequence import read_sequences

LENGTH = 200
LINE = 60
SUBSET = 0.05


@dataclass
class Timing:
    """Seconds for one encoder and the bases it encoded."""

    name: str
    seconds: float
    bases: int

    @property
    def rate(self) -> float:
        """Million bases per second."""
        return self.bases / self.seconds / 1e6


def write_fasta(path: Path, n_records: int, seed: int = 0) -> int:
    """Write ``n_records`` random DNA records of ``LENGTH`` bp; return the file size in bytes."""
    rng = np.random.default_rng(seed)
    header = 12  # ">s" + 9 digits + newline
    lines = [(a, min(a + LINE, LENGTH)) for a in range(0, LENGTH, LINE)]
    width = header + LENGTH + len(lines)
    with open(path, "wb") as handle:
        for start in range(0, n_records, 100_000):
            n = min(100_000, n_records - start)
            block = np.empty((n, width), dtype=np.uint8)
            block[:, 0:2] = np.frombuffer(b">s", dtype=np.uint8)
            ids = np.arange(start, start + n)[:, None]
            block[:, 2:11] = ids // 10 ** np.arange(8, -1, -1) % 10 + ord("0")
            block[:, 11] = ord("\n")
            letters = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, (n, LENGTH))]
            pos = header
            for a, b in lines:
                block[:, pos : pos + b - a] = letters[:, a:b]
                block[:, pos + b - a] = ord("\n")
                pos += b - a + 1
            handle.write(block.tobytes())
    return path.stat().st_size


def python_loop_encode(path: Path, max_records: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Reference encoder: one Python step per character (how a naive reader does it)."""
    table = {c: i + 1 for i, c in enumerate(ALPHABETS["dna"].symbols)}
    table.update({c.lower(): v for c, v in list(table.items())})
    ids: list[str] = []
    codes: list[int] = []
    starts: list[int] = []
    with open(path) as handle:
        for line in handle:
            if line.startswith(">"):
                if len(ids) == max_records:
                    break
                ids.append(line[1:].split()[0])
                starts.append(len(codes))
                continue
            for char in line.strip():
                codes.append(table[char])
    starts.append(len(codes))
    return ids, np.array(codes, dtype=np.uint8), np.array(starts, dtype=np.int64)


def best_of(repeats: int, path: Path) -> tuple[float, int]:
    best, bases = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        seqs = read_sequences(path, require_labels=False, alphabet="dna")
        best = min(best, time.perf_counter() - start)
        bases = len(seqs.codes)
        del seqs
    return best, bases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.fa"
        size = write_fasta(path, args.records)

        seconds, bases = best_of(3, path)
        biodl = Timing("biodl read_sequences (best of 3)", seconds, bases)

        n_subset = max(1, int(args.records * SUBSET))
        start = time.perf_counter()
        ids, codes, starts = python_loop_encode(path, n_subset)
        loop_seconds = time.perf_counter() - start
        loop = Timing(
            f"per-character Python loop ({SUBSET:.0%} subset, scaled)",
            loop_seconds * bases / len(codes),
            bases,
        )

        tracemalloc.start()
        seqs = read_sequences(path, require_labels=False, alphabet="dna")
        retained, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # The two encoders must agree on the subset.
        assert list(seqs.ids[:n_subset]) == ids
        np.testing.assert_array_equal(seqs.codes[: len(codes)], codes)
        np.testing.assert_array_equal(seqs.offsets[: n_subset + 1], starts)

    print(f"synthetic FASTA: {args.records:,} records x {LENGTH} bp, {size / 1e6:.0f} MB file")
    print(f"{'encoder':<52} {'seconds':>8} {'M bases/s':>10}")
    for timing in (biodl, loop):
        print(f"{timing.name:<52} {timing.seconds:8.2f} {timing.rate:10.1f}")
    print(f"speed-up of biodl over the Python loop: {biodl.rate / loop.rate:.0f}x")
    print(
        f"peak traced memory during read_sequences: {peak / 1e6:.0f} MB = "
        f"{peak / seqs.codes.nbytes:.2f} x codes.nbytes ({seqs.codes.nbytes / 1e6:.0f} MB)"
    )
    print(
        f"memory kept by the result (codes + offsets + ids): {retained / 1e6:.0f} MB; "
        f"peak / kept = {peak / retained:.2f}"
    )


if __name__ == "__main__":
    main()
