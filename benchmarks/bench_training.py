"""Benchmark: training throughput of biodl's Lightning loop against a hand-written PyTorch loop.

Both sides train the same CNN (``build_model("cnn", ...)`` with its defaults, built fresh from
the same seed) on the same synthetic data (2,560 random DNA sequences of 200 bp = 40 batches,
binary targets) with Adam (lr 1e-3), shuffled mini-batches of 64 gathered from ``uint8`` codes,
one-hot expanded per batch with ``F.embedding`` over the alphabet table, and
``BCEWithLogits`` on ``out[:, 0]``:

- biodl: ``fit_network(SequenceNetwork(model, table), EncodedSequences(seqs, y), None,
  task="binary", loss="bce", cfg=TrainConfig(epochs=3, patience=0, batch_size=64, seed=0,
  device="cpu"), progress=False)``;
- plain: ``for epoch: for batch: zero_grad; forward; loss; backward; step`` on a padded
  ``(n, L) uint8`` matrix indexed by a numpy permutation.

Each epoch is timed on both sides (biodl through ``on_train_epoch_start`` / ``_end`` hooks of a
subclass of its task; nothing else changes). Throughput is computed over epochs 2..E (epoch 1
is warm-up). The fixed start-up cost of ``fit_network`` (Trainer construction, setup,
teardown, result assembly) is its wall time minus the sum of its epoch times.

Runs alternate biodl / plain (ABAB) at ``torch.set_num_threads(1)`` and ``(2)``; the table gives
medians over the repeats and the spread (min-max) of the ratio. Prints a table, exits 0.
The default CNN costs about 1 ms of CPU per training sample, so the data set is kept small
enough for the whole script to finish in about 2 minutes on 2 shared cores; Lightning's
overhead is per step, so the ratio depends on the batch size and the model, not on ``n``.
Run it from the repository root::

    .venv/bin/python benchmarks/bench_training.py [--repeats 3] [--n 2560] [--epochs 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings

import numpy as np
import torch
from torch.nn import functional as F

import biodl.training.fit as fit_module
from _timing import Run, TimedTask
from biodl.config import TrainConfig
from biodl.data.alphabet import ALPHABETS
from biodl.data.dataset import EncodedSequences
from biodl.data.sequence import SequenceSet
from biodl.models import build_model
from biodl.training.task import SequenceNetwork

LENGTH = 200
BATCH = 64
LR = 1e-3
SEED = 0


def make_data(n: int) -> tuple[SequenceSet, np.ndarray]:
    """``n`` random DNA sequences of LENGTH bp (codes 1..4) and random binary targets."""
    rng = np.random.default_rng(SEED)
    codes = rng.integers(1, 5, size=n * LENGTH, dtype=np.uint8)
    offsets = np.arange(n + 1, dtype=np.int64) * LENGTH
    ids = np.array([f"s{i}" for i in range(n)], dtype=object)
    y = rng.integers(0, 2, size=n).astype(np.int64)
    return SequenceSet(ids, codes, offsets, ALPHABETS["dna"]), y


def fresh_model() -> torch.nn.Module:
    torch.manual_seed(SEED)
    return build_model("cnn", in_channels=4, n_outputs=1, length=LENGTH)


def table() -> torch.Tensor:
    return torch.as_tensor(ALPHABETS["dna"].onehot_matrix())


def run_biodl(seqs: SequenceSet, y: np.ndarray, epochs: int) -> Run:
    network = SequenceNetwork(fresh_model(), table())
    train = EncodedSequences(seqs, y, length=None)
    cfg = TrainConfig(epochs=epochs, patience=0, batch_size=BATCH, seed=SEED, device="cpu")
    TimedTask.epoch_times = []
    TimedTask.epoch_cpu = []
    start = time.perf_counter()
    result = fit_module.fit_network(
        network, train, None, task="binary", loss="bce", cfg=cfg, progress=False
    )
    wall = time.perf_counter() - start
    assert result.epochs_run == epochs
    return Run(wall, list(TimedTask.epoch_times), list(TimedTask.epoch_cpu))


def run_plain(seqs: SequenceSet, y: np.ndarray, epochs: int) -> Run:
    start = time.perf_counter()
    model = fresh_model()
    onehot_table = table()
    codes = seqs.padded()  # (n, L) uint8, as EncodedSequences lays out fixed-length data
    targets = torch.as_tensor(y)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    times, cpu = [], []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        order = np.random.default_rng([SEED, epoch]).permutation(len(codes))
        for i in range(0, len(codes), BATCH):
            index = order[i : i + BATCH]
            batch = torch.from_numpy(codes[index])
            x = F.embedding(batch.long(), onehot_table).transpose(1, 2)
            out = model(x)
            loss = F.binary_cross_entropy_with_logits(out[:, 0], targets[index].float())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return Run(time.perf_counter() - start, times, cpu)


def main() -> None:
    begin = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2560, help="training sequences")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="ABAB pairs per thread count")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--budget", type=float, default=120, help="seconds; stop adding pairs past this"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("lightning").setLevel(logging.ERROR)
    fit_module.SupervisedTask = TimedTask  # type: ignore[misc]

    seqs, y = make_data(args.n)
    print(
        f"torch {torch.__version__}; {args.n} sequences x {LENGTH} bp, batch {BATCH}, "
        f"{args.epochs} epochs (throughput over epochs 2..{args.epochs}), "
        f"{args.repeats} ABAB pairs per thread count"
    )
    rows = []
    load = os.getloadavg()[0]
    for k, threads in enumerate(args.threads):
        deadline = begin + args.budget * (k + 1) / len(args.threads)
        torch.set_num_threads(threads)
        warm = seqs.subset(np.arange(8 * BATCH))
        run_biodl(warm, y[: 8 * BATCH], 1)  # warm-up: imports, Lightning, oneDNN kernels
        run_plain(warm, y[: 8 * BATCH], 1)
        pairs = []
        for rep in range(args.repeats):
            if pairs and time.perf_counter() > deadline:
                break  # a busy machine: keep the script inside its time budget
            print(f"  threads={threads} pair {rep + 1}/{args.repeats}", file=sys.stderr)
            b = run_biodl(seqs, y, args.epochs)
            p = run_plain(seqs, y, args.epochs)
            assert torch.get_num_threads() == threads
            pairs.append((b, p))
        b_rates = [b.rate(args.n) for b, _ in pairs]
        p_rates = [p.rate(args.n) for _, p in pairs]
        ratios = [b / p for b, p in zip(b_rates, p_rates, strict=True)]
        cpu_ratios = [b.cpu_rate(args.n) / p.cpu_rate(args.n) for b, p in pairs]
        rows.append(
            (
                threads,
                statistics.median(b_rates),
                statistics.median(p_rates),
                statistics.median(ratios),
                min(ratios),
                max(ratios),
                statistics.median(b.startup for b, _ in pairs),
                statistics.median(p.startup for _, p in pairs),
                statistics.median(b.wall for b, _ in pairs),
                statistics.median(p.wall for _, p in pairs),
                len(pairs),
                statistics.median(cpu_ratios),
            )
        )

    print()
    print(
        f"{'threads':>7} {'biodl samples/s':>16} {'plain samples/s':>16} {'ratio':>6} "
        f"{'ratio min-max':>14} {'pairs':>5} {'cpu-time ratio':>14}  target"
    )
    for t, b, p, r, lo, hi, *_, n_pairs, cr in rows:
        verdict = "met" if r >= 0.95 else "MISSED"
        print(
            f"{t:>7} {b:>16.0f} {p:>16.0f} {r:>6.3f} {lo:>6.3f}-{hi:<7.3f} {n_pairs:>5} "
            f"{cr:>14.3f}  >=0.95 {verdict}"
        )
    print()
    print(
        f"{'threads':>7} {'biodl start-up s':>17} {'plain start-up s':>17} "
        f"{'biodl whole fit s':>18} {'plain whole loop s':>19}"
    )
    for t, *_, bs, ps, bw, pw, _n, _c in rows:
        print(f"{t:>7} {bs:>17.3f} {ps:>17.3f} {bw:>18.2f} {pw:>19.2f}")
    print()
    print(
        "start-up = wall time of the call minus the sum of its epoch times "
        "(biodl: Trainer construction, setup, teardown, result assembly)"
    )
    print(
        "cpu-time ratio = the same ratio from process CPU time instead of wall time (robust to "
        "other processes at 1 thread; at 2 threads it also counts OpenMP spin-waiting)"
    )
    print(
        f"load average (1 min) at start {load:.2f}, at end {os.getloadavg()[0]:.2f}; "
        f"script time {time.perf_counter() - begin:.0f} s"
    )


if __name__ == "__main__":
    main()
