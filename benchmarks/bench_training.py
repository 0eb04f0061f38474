"""Benchmark: training throughput of biodl's Lightning loop against a hand-written PyTorch loop.

Both sides train the same network (``build_model(MODEL, ...)`` with its defaults, built fresh
from the same seed) on the same synthetic data with Adam (lr 1e-3), mini-batches of 64
gathered from ``uint8`` codes, one-hot expanded per batch with ``F.embedding`` over the
alphabet table, and ``BCEWithLogits`` on ``out[:, 0]`` (random binary targets):

- ``--model cnn`` (the default): 2,560 random DNA sequences of 200 bp (40 batches), no padding;
- ``--model lstm | gru | transformer`` (or ``cnn`` with ``--lengths``): 1,280 random RNA
  sequences with lengths uniform in 60..120 nt (``--lengths``), each batch padded to its
  longest sequence with a mask of the real positions, as ``biodl train`` does when
  ``--length`` is not given. The recurrent models read each sequence only up to its true
  length in both directions; the transformer leaves padding out of attention and pooling.

Sides:

- biodl: ``fit_network(SequenceNetwork(model, table), SEQUENCE.dataset(seqs, y, ...), None,
  task="binary", loss="bce", cfg=TrainConfig(epochs=E, patience=0, batch_size=64, seed=0,
  device="cpu"), progress=False)``: the dataset the sequence kind gives ``biodl train``;
- plain: ``for epoch: for batch: zero_grad; forward; loss; backward; step``. Fixed lengths: a
  padded ``(n, L) uint8`` matrix indexed by a numpy permutation. Variable lengths: the same
  row indices, batch by batch, as biodl's batch sampler yields them (the dataset's own
  ``sampler`` when it has one, else ``BatchSampler``), each batch built by hand with
  ``seqs.padded(index)`` and ``mask = codes != 0``.

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

    .venv/bin/python benchmarks/bench_training.py [--model cnn] [--repeats 3] [--n 2560]
        [--epochs 3] [--lengths 60 120] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

import biodl.training.fit as fit_module
from _timing import Run, TimedTask, autocast, sync
from biodl.config import TrainConfig
from biodl.data.alphabet import ALPHABETS
from biodl.data.dataset import BatchSampler
from biodl.data.sequence import SequenceSet
from biodl.kinds.sequence import SEQUENCE
from biodl.models import build_model
from biodl.training.task import SequenceNetwork

LENGTH = 200
BATCH = 64
LR = 1e-3
SEED = 0
MODELS = ("cnn", "lstm", "gru", "transformer")
#: Where and at what precision both sides train (``--device``, ``--precision``).
DEVICE = {"device": "cpu", "precision": "32-true"}


@dataclass(frozen=True)
class Setup:
    """What is trained: the model name, the alphabet and the range of sequence lengths."""

    model: str
    alphabet: str
    lengths: tuple[int, int]

    @property
    def fixed(self) -> int | None:
        """The one length of every sequence, or None when lengths vary."""
        low, high = self.lengths
        return low if low == high else None


def make_data(n: int, setup: Setup) -> tuple[SequenceSet, np.ndarray]:
    """``n`` random sequences (codes 1..4) of the setup's lengths and random binary targets."""
    rng = np.random.default_rng(SEED)
    low, high = setup.lengths
    lengths = rng.integers(low, high + 1, size=n)
    codes = rng.integers(1, 5, size=int(lengths.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = np.array([f"s{i}" for i in range(n)], dtype=object)
    y = rng.integers(0, 2, size=n).astype(np.int64)
    return SequenceSet(ids, codes, offsets, ALPHABETS[setup.alphabet]), y  # type: ignore[index]


def fresh_model(setup: Setup) -> torch.nn.Module:
    torch.manual_seed(SEED)
    return build_model(setup.model, in_channels=4, n_outputs=1, length=setup.fixed)


def table(setup: Setup) -> torch.Tensor:
    return torch.as_tensor(ALPHABETS[setup.alphabet].onehot_matrix())  # type: ignore[index]


def train_data(seqs: SequenceSet, y: np.ndarray) -> torch.utils.data.Dataset:
    """The training dataset ``biodl train`` builds for sequences without ``--length``."""
    return SEQUENCE.dataset(seqs, y, {"length": None}, training=True, seed=SEED)


def run_biodl(seqs: SequenceSet, y: np.ndarray, epochs: int, setup: Setup) -> Run:
    network = SequenceNetwork(fresh_model(setup), table(setup))
    train = train_data(seqs, y)
    cfg = TrainConfig(
        epochs=epochs,
        patience=0,
        batch_size=BATCH,
        seed=SEED,
        device=DEVICE["device"],  # type: ignore[arg-type]
        precision=DEVICE["precision"],
    )
    TimedTask.epoch_times = []
    TimedTask.epoch_cpu = []
    start = time.perf_counter()
    result = fit_module.fit_network(
        network, train, None, task="binary", loss="bce", cfg=cfg, progress=False
    )
    wall = time.perf_counter() - start
    assert result.epochs_run == epochs
    return Run(wall, list(TimedTask.epoch_times), list(TimedTask.epoch_cpu))


def batches(seqs: SequenceSet, y: np.ndarray, epochs: int) -> list[list[np.ndarray]]:
    """Variable lengths: the row indices of every batch of every epoch, in the order biodl's
    loader draws them (the dataset's own sampler when it has one, else ``BatchSampler``)."""
    data = train_data(seqs, y)
    make = getattr(data, "sampler", None)
    sampler = (
        make(BATCH, shuffle=True, seed=SEED)
        if make is not None
        else BatchSampler(len(seqs), BATCH, shuffle=True, seed=SEED)
    )
    return [list(sampler) for _ in range(epochs)]


def run_plain(seqs: SequenceSet, y: np.ndarray, epochs: int, setup: Setup) -> Run:
    order = None if setup.fixed is not None else batches(seqs, y, epochs)
    start = time.perf_counter()
    device = DEVICE["device"]
    model = fresh_model(setup).to(device)
    onehot_table = table(setup).to(device)
    codes = seqs.padded() if setup.fixed is not None else None  # (n, L) uint8
    targets = torch.as_tensor(y).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    times, cpu = [], []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        if order is None:
            permutation = np.random.default_rng([SEED, epoch]).permutation(len(seqs))
            epoch_batches = [permutation[i : i + BATCH] for i in range(0, len(seqs), BATCH)]
        else:
            epoch_batches = order[epoch]
        for index in epoch_batches:
            if codes is not None:
                batch = torch.from_numpy(codes[index]).to(device)
                mask = None
            else:  # padded to the batch's longest
                batch = torch.from_numpy(seqs.padded(index)).to(device)
                mask = batch != 0
            with autocast(device, DEVICE["precision"]):
                x = F.embedding(batch.long(), onehot_table).transpose(1, 2)
                out = model(x, mask)
                loss = F.binary_cross_entropy_with_logits(out[:, 0].float(), targets[index].float())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        sync(device)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return Run(time.perf_counter() - start, times, cpu)


def main() -> None:
    begin = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, default="cnn")
    parser.add_argument(
        "--n", type=int, help="training sequences (default 2560 for cnn, else 1280)"
    )
    parser.add_argument(
        "--lengths",
        type=int,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="sequence lengths, uniform in MIN..MAX (default: 200 200 DNA for cnn, else 60 120 "
        "RNA, padded per batch with a mask)",
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="ABAB pairs per thread count")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--budget", type=float, default=120, help="seconds; stop adding pairs past this"
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--precision",
        default="32-true",
        help="Lightning precision of both sides: 32-true, "
        "bf16-mixed (the plain loop: torch.autocast bfloat16)",
    )
    args = parser.parse_args()
    DEVICE.update(device=args.device, precision=args.precision)
    warnings.filterwarnings("ignore")
    logging.getLogger("lightning").setLevel(logging.ERROR)
    fit_module.SupervisedTask = TimedTask  # type: ignore[misc]

    recurrent = args.model != "cnn"
    lengths = tuple(args.lengths or ((60, 120) if recurrent else (LENGTH, LENGTH)))
    setup = Setup(args.model, "rna" if lengths[0] != lengths[1] else "dna", lengths)
    n = args.n or (1280 if recurrent else 2560)
    seqs, y = make_data(n, setup)
    shape = f"{lengths[0]} bp" if setup.fixed else f"{lengths[0]}-{lengths[1]} nt (padded, masked)"
    print(
        f"torch {torch.__version__}; model {args.model}; {n} sequences x {shape}, batch {BATCH}, "
        f"{args.epochs} epochs (throughput over epochs 2..{args.epochs}), "
        f"{args.repeats} ABAB pairs per thread count; {args.device}, {args.precision}"
    )
    rows = []
    load = os.getloadavg()[0]
    for k, threads in enumerate(args.threads):
        deadline = begin + args.budget * (k + 1) / len(args.threads)
        torch.set_num_threads(threads)
        head = min(n, 8 * BATCH)
        warm = seqs.subset(np.arange(head))
        run_biodl(warm, y[:head], 1, setup)  # warm-up: imports, Lightning, oneDNN kernels
        run_plain(warm, y[:head], 1, setup)
        pairs = []
        for rep in range(args.repeats):
            if pairs and time.perf_counter() > deadline:
                break  # a busy machine: keep the script inside its time budget
            print(f"  threads={threads} pair {rep + 1}/{args.repeats}", file=sys.stderr)
            b = run_biodl(seqs, y, args.epochs, setup)
            p = run_plain(seqs, y, args.epochs, setup)
            assert torch.get_num_threads() == threads
            pairs.append((b, p))
        b_rates = [b.rate(n) for b, _ in pairs]
        p_rates = [p.rate(n) for _, p in pairs]
        ratios = [b / p for b, p in zip(b_rates, p_rates, strict=True)]
        cpu_ratios = [b.cpu_rate(n) / p.cpu_rate(n) for b, p in pairs]
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
