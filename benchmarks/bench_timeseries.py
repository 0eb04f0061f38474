"""Benchmark: training throughput on irregular records, biodl's Lightning loop vs a plain loop.

Issue 5's target: training throughput >= 0.95 x a hand-written PyTorch loop on the same GRU and
batches. This measures the path a user of ``biodl train RECORDS --labels OUTCOMES`` gets:

- data: a synthetic ICU cohort (:func:`biodl.data.synthetic_icu.write_icu_records`, PhysioNet
  2012 layout, 37 variables, stays up to 48 h), read, labelled and split by the records
  modality's ``prepare`` (no validation or test part: every record trains), gridded with its
  ``fit_inputs`` (1 h bins, 48 h window: values, observation mask, time since last
  observation, static descriptors);
- network: ``RECORDS.build_network(model, {}, inputs, 1)``, i.e. the records wrapper around
  the default ``gru`` (hidden 64, forward, read at the last real step, dropout 0.3) and, with
  ``--models gru grud``, GRU-D (:class:`biodl.models.grud.GRUD`), built fresh from one seed;
- batches: ``RECORDS.dataset(train, y, inputs, training=True)``, whose sampler buckets records
  of similar length (``LengthBuckets``), 64 records a batch, Adam (lr 1e-3), BCE on one logit.

biodl runs ``fit_network(network, dataset, None, task="binary", loss="bce", cfg)`` (what
``biodl train`` calls after preparing the data). The plain loop walks the SAME sampler (same
index order every epoch: ``dataset.sampler(64, shuffle=True, seed=0)``), builds each batch with
the same ``dataset[index]`` (the time grid is made per batch on both sides: it is part of the
work a hand-written loop must do too), and runs ``zero_grad; forward; BCE; backward; step`` on
a network of the same class built from the same seed. The regular time-series path is not
used: the records path is what issue 5's users train on, and a like-for-like loop over it is
straightforward because its dataset exposes the sampler and whole-batch indexing.

Each epoch is timed on both sides (biodl through ``on_train_epoch_start`` / ``_end`` hooks of a
subclass of its task); throughput is over epochs 2..E (epoch 1 is warm-up). Runs alternate
biodl / plain (ABAB) at ``torch.set_num_threads(1)``; the table gives medians over the pairs
and the ratio's min-max. Run it from the repository root::

    .venv/bin/python benchmarks/bench_timeseries.py [--records 2000] [--epochs 4] [--repeats 3]
        [--models gru grud]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

import biodl.training.fit as fit_module
from _timing import Run, TimedTask
from biodl.config import DataConfig, RunConfig, TrainConfig
from biodl.data.synthetic_icu import write_icu_records
from biodl.kinds import prepare_run_data
from biodl.kinds.records import RECORDS

BATCH = 64
LR = 1e-3
SEED = 0


@dataclass
class Cohort:
    """The prepared training records, their targets and the fitted grid inputs."""

    part: Any
    y: np.ndarray
    inputs: dict[str, Any]

    def __len__(self) -> int:
        return len(self.y)

    def head(self, n: int) -> Cohort:
        index = np.arange(min(n, len(self)))
        return Cohort(self.part.subset(index), self.y[index], self.inputs)


def make_cohort(n_records: int, folder: Path) -> Cohort:
    """Write (or reuse) a synthetic cohort and prepare it as ``biodl train`` does."""
    if not (folder / "Outcomes.txt").exists():
        write_icu_records(folder, n_records=n_records, seed=SEED)
    data = DataConfig(
        train=str(folder / "records"),
        labels=str(folder / "Outcomes.txt"),
        kind="records",
        test_size=0.0,
        valid_size=0.0,
    )
    cfg = RunConfig(data=data)
    prepared = prepare_run_data(cfg, seed=SEED)
    assert prepared.targets.task == "binary"
    inputs = RECORDS.fit_inputs(cfg, prepared, "gru", {})
    y = prepared.y["train"]
    assert y is not None
    return Cohort(prepared.parts["train"], y, inputs)


def fresh_network(model: str, cohort: Cohort) -> torch.nn.Module:
    torch.manual_seed(SEED)
    return RECORDS.build_network(model, {}, cohort.inputs, 1)


def dataset(cohort: Cohort) -> Any:
    return RECORDS.dataset(cohort.part, cohort.y, cohort.inputs, training=True, seed=SEED)


def run_biodl(model: str, cohort: Cohort, epochs: int) -> Run:
    network = fresh_network(model, cohort)
    train = dataset(cohort)
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


def run_plain(model: str, cohort: Cohort, epochs: int) -> Run:
    start = time.perf_counter()
    network = fresh_network(model, cohort)
    data = dataset(cohort)
    sampler = data.sampler(BATCH, shuffle=True, seed=SEED)  # the batches biodl's loader draws
    optimizer = torch.optim.Adam(network.parameters(), lr=LR)
    network.train()
    times, cpu = [], []
    for _epoch in range(epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        for index in sampler:
            batch = data[index]
            out = network(*batch.inputs)
            loss = F.binary_cross_entropy_with_logits(out[:, 0], batch.y.float())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return Run(time.perf_counter() - start, times, cpu)


def check_same_batches(cohort: Cohort) -> None:
    """biodl's training loader yields exactly the plain loop's index order, epoch after epoch."""
    from biodl.data.dataset import loader

    train = loader(dataset(cohort), BATCH, shuffle=True, seed=SEED)
    data = dataset(cohort)
    mine = data.sampler(BATCH, shuffle=True, seed=SEED)
    for _ in range(2):
        theirs = [b.inputs[0] for b in train]
        ours = [data[i].inputs[0] for i in mine]
        assert len(theirs) == len(ours)
        assert all(torch.equal(a, b) for a, b in zip(theirs, ours, strict=True))


def main() -> None:
    begin = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000, help="training records")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3, help="ABAB pairs per model")
    parser.add_argument("--models", nargs="+", default=["gru", "grud"], choices=["gru", "grud"])
    parser.add_argument("--folder", default=None, help="cohort folder (written if absent)")
    parser.add_argument(
        "--budget", type=float, default=420, help="seconds; stop adding pairs past this"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("lightning").setLevel(logging.ERROR)
    fit_module.SupervisedTask = TimedTask  # type: ignore[misc]
    torch.set_num_threads(1)

    folder = Path(args.folder or tempfile.mkdtemp(prefix="bench-timeseries-"))
    cohort = make_cohort(args.records, folder)
    check_same_batches(cohort.head(4 * BATCH))
    n = len(cohort)
    steps = int(cohort.inputs["grid"].get("n_steps", 0)) or "?"
    print(
        f"torch {torch.__version__}; {n} records (synthetic ICU, {steps} hourly steps), batch "
        f"{BATCH}, {args.epochs} epochs (throughput over epochs 2..{args.epochs}), 1 thread, "
        f"up to {args.repeats} ABAB pairs per model; same sampler order checked"
    )
    rows = []
    load = os.getloadavg()[0]
    for k, model in enumerate(args.models):
        deadline = begin + args.budget * (k + 1) / len(args.models)
        warm = cohort.head(4 * BATCH)
        run_biodl(model, warm, 1)  # warm-up: imports, Lightning, kernels
        run_plain(model, warm, 1)
        pairs: list[tuple[Run, Run]] = []
        for rep in range(args.repeats):
            if pairs and time.perf_counter() > deadline:
                break  # a busy machine: keep the script inside its time budget
            print(f"  {model} pair {rep + 1}/{args.repeats}", file=sys.stderr)
            pairs.append(
                (run_biodl(model, cohort, args.epochs), run_plain(model, cohort, args.epochs))
            )
        b_rates = [b.rate(n) for b, _ in pairs]
        p_rates = [p.rate(n) for _, p in pairs]
        ratios = [b / p for b, p in zip(b_rates, p_rates, strict=True)]
        cpu_ratios = [b.cpu_rate(n) / p.cpu_rate(n) for b, p in pairs]
        rows.append(
            (
                model,
                statistics.median(b_rates),
                statistics.median(p_rates),
                statistics.median(ratios),
                min(ratios),
                max(ratios),
                len(pairs),
                statistics.median(cpu_ratios),
                statistics.median(b.startup for b, _ in pairs),
                statistics.median(b.wall for b, _ in pairs),
                statistics.median(p.wall for _, p in pairs),
            )
        )

    print()
    print(
        f"{'model':>6} {'biodl ex/s':>11} {'plain ex/s':>11} {'ratio':>6} {'ratio min-max':>14} "
        f"{'pairs':>5} {'cpu-time ratio':>14} {'biodl start-up s':>16} {'biodl fit s':>11} "
        f"{'plain loop s':>12}  target"
    )
    for model, b, p, r, lo, hi, n_pairs, cr, bs, bw, pw in rows:
        verdict = "met" if r >= 0.95 else "MISSED"
        print(
            f"{model:>6} {b:>11.0f} {p:>11.0f} {r:>6.3f} {lo:>6.3f}-{hi:<7.3f} {n_pairs:>5} "
            f"{cr:>14.3f} {bs:>16.2f} {bw:>11.2f} {pw:>12.2f}  >=0.95 {verdict}"
        )
    print()
    print(
        "ex/s = training records per second over epochs 2..E; start-up = fit wall time minus "
        "its epochs (Trainer construction, setup, teardown)"
    )
    print(
        f"load average (1 min) at start {load:.2f}, at end {os.getloadavg()[0]:.2f}; "
        f"script time {time.perf_counter() - begin:.0f} s"
    )


if __name__ == "__main__":
    main()
