"""Benchmark: prediction throughput of biodl's ``predict_scores`` against a plain inference loop.

Both sides score the same 50,000 random DNA sequences of 200 bp with the same CNN
(``build_model("cnn", ...)`` with its defaults, seeded, in eval mode) in batches of 512, in order:

- biodl: ``predict_scores(SequenceNetwork(model, table), EncodedSequences(seqs), loss="bce",
  task="binary", batch_size=512)`` (DataLoader of whole batches, one-hot on the fly, sigmoid,
  ``[1 - p, p]`` columns, float64 result);
- plain: ``with torch.inference_mode(): for each slice of 512 rows of the padded (n, L) uint8
  matrix: F.embedding(codes.long(), table).transpose(1, 2) -> model -> sigmoid``, then one
  ``torch.cat``.

The two results are checked to agree. Runs alternate biodl / plain (ABAB) after one warm-up
pass each; the table gives medians and the spread (min-max) of the per-pair ratio. The number
of pairs is cut short when a busy machine would push the script past ``--budget`` seconds.
Prints a table, exits 0. Run it from the repository root (about 1-2 minutes on 2 cores)::

    .venv/bin/python benchmarks/bench_predict.py [--n 50000] [--repeats 3] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch.nn import functional as F

from biodl.data.alphabet import ALPHABETS
from biodl.data.dataset import EncodedSequences
from biodl.data.sequence import SequenceSet
from biodl.models import build_model
from biodl.training.predict import predict_scores
from biodl.training.task import SequenceNetwork

LENGTH = 200
BATCH = 512
SEED = 0


def make_data(n: int) -> SequenceSet:
    """``n`` random DNA sequences of LENGTH bp (codes 1..4)."""
    rng = np.random.default_rng(SEED)
    codes = rng.integers(1, 5, size=n * LENGTH, dtype=np.uint8)
    offsets = np.arange(n + 1, dtype=np.int64) * LENGTH
    ids = np.array([f"s{i}" for i in range(n)], dtype=object)
    return SequenceSet(ids, codes, offsets, ALPHABETS["dna"])


def run_biodl(network: SequenceNetwork, seqs: SequenceSet) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    data = EncodedSequences(seqs)
    scores = predict_scores(network, data, loss="bce", task="binary", batch_size=BATCH)
    return time.perf_counter() - start, scores[:, 1]


def run_plain(
    model: torch.nn.Module, table: torch.Tensor, seqs: SequenceSet
) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    codes = torch.from_numpy(seqs.padded())  # (n, L) uint8, as EncodedSequences lays it out
    model.eval()
    chunks = []
    with torch.inference_mode():
        for i in range(0, len(codes), BATCH):
            x = F.embedding(codes[i : i + BATCH].long(), table).transpose(1, 2)
            chunks.append(torch.sigmoid(model(x)[:, 0]))
        p = torch.cat(chunks).numpy()
    return time.perf_counter() - start, p


def main() -> None:
    begin = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="sequences to score")
    parser.add_argument("--repeats", type=int, default=3, help="ABAB pairs per thread count")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--budget", type=float, default=110, help="seconds; stop adding pairs past this"
    )
    args = parser.parse_args()

    seqs = make_data(args.n)
    torch.manual_seed(SEED)
    model = build_model("cnn", in_channels=4, n_outputs=1, length=LENGTH)
    table = torch.as_tensor(ALPHABETS["dna"].onehot_matrix())
    network = SequenceNetwork(model, table)
    load = os.getloadavg()[0]
    print(
        f"torch {torch.__version__}; {args.n} sequences x {LENGTH} bp, batch {BATCH}, "
        f"default CNN in eval mode, up to {args.repeats} ABAB pairs per thread count"
    )
    rows = []
    for k, threads in enumerate(args.threads):
        torch.set_num_threads(threads)
        deadline = begin + args.budget * (k + 1) / len(args.threads)
        warm = make_data(4 * BATCH)
        run_biodl(network, warm)
        run_plain(model, table, warm)
        pairs = []
        for rep in range(args.repeats):
            if pairs and time.perf_counter() > deadline:
                break  # a busy machine: keep the script inside its time budget
            print(f"  threads={threads} pair {rep + 1}/{args.repeats}", file=sys.stderr)
            tb, pb = run_biodl(network, seqs)
            tp, pp = run_plain(model, table, seqs)
            np.testing.assert_allclose(pb, pp, rtol=1e-5, atol=1e-6)
            pairs.append((tb, tp))
        ratios = [tp / tb for tb, tp in pairs]
        rows.append(
            (
                threads,
                args.n / statistics.median(tb for tb, _ in pairs),
                args.n / statistics.median(tp for _, tp in pairs),
                statistics.median(ratios),
                min(ratios),
                max(ratios),
                len(pairs),
            )
        )
    print()
    print(
        f"{'threads':>7} {'biodl seq/s':>12} {'plain seq/s':>12} {'ratio':>6} "
        f"{'ratio min-max':>14} {'pairs':>5}  target"
    )
    for t, b, p, r, lo, hi, n_pairs in rows:
        verdict = "met" if r >= 0.9 else "MISSED"
        print(
            f"{t:>7} {b:>12.0f} {p:>12.0f} {r:>6.3f} {lo:>6.3f}-{hi:<7.3f} {n_pairs:>5}  "
            f">=0.90 {verdict}"
        )
    print()
    print(
        f"load average (1 min) at start {load:.2f}, at end {os.getloadavg()[0]:.2f}; "
        f"script time {time.perf_counter() - begin:.0f} s"
    )


if __name__ == "__main__":
    main()
