"""Benchmark: image training throughput vs a plain loop, and memory of lazy image folders.

Issue 6's targets, measured side by side in one run:

1. Training throughput >= 0.95 x a hand-written PyTorch loop on the same CNN and batches.
   Both sides train the default ``cnn`` (:mod:`biodl.models.cnn2d`, built by the image
   modality's ``build_network`` inside its :class:`ImageNetwork` wrapper that standardises
   pixels with the training set's channel statistics, fresh from one seed) on the same
   in-memory ``uint8`` array (``--n`` synthetic 28x28 greyscale images, 10 classes), with Adam
   (lr 1e-3), cross-entropy, shuffled batches of 64:

   - biodl: ``fit_network(network, IMAGE.dataset(train, y, inputs, training=True), None,
     task="multiclass", loss="cross_entropy", cfg)`` (what ``biodl train`` calls);
   - plain: ``for epoch: order = permutation; for batch: x = array[index] / 255; zero_grad;
     forward; loss; backward; step``, the permutation being the one biodl's sampler draws
     (checked: the same indices in the same order every epoch).

   Each epoch is timed on both sides; throughput is over epochs 2..E (epoch 1 is warm-up);
   runs alternate biodl / plain (ABAB) at ``torch.set_num_threads(1)``.

2. Image folders are decoded lazily in worker processes, so peak memory for a 50,000-image
   folder stays bounded by the batch and the worker prefetch, not by the data set. Writes
   ``--big`` (default 50,000) and ``--small`` (5,000) greyscale PNGs (28x28, ``--side``) in
   two class folders under ``/tmp/biodl-bench-images<N>`` (kept and reused), then, in a fresh
   subprocess per folder: reads the folder with ``read_image_folder`` (headers only), builds
   the training dataset with ``IMAGE.dataset(..., training=True)`` and the loader training
   uses (``biodl.data.dataset.loader``: 2 persistent worker processes, batches of 64,
   shuffled), and runs one full pass over it. A thread samples the process tree (the process
   and its workers) from ``/proc`` every 20 ms: the sum of RSS and the sum of PSS (shared
   pages split between the processes that map them, so forked workers' shared pages count
   once). Memory growth = tree peak minus the process's own figure after imports, before the
   folder is read. The growth is compared with the whole folder decoded as float32 and with
   the growth for the small folder.

Run it from the repository root (about 3-6 minutes on 2 shared cores, most of it writing the
PNGs on the first run)::

    .venv/bin/python benchmarks/bench_images.py [--n 2000] [--epochs 3] [--repeats 3]
        [--big 50000] [--small 5000] [--side 28] [--skip-train] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

import biodl.training.fit as fit_module
from _timing import Run, TimedTask, autocast, sync
from biodl.config import RunConfig, TrainConfig
from biodl.data.dataset import BatchSampler, loader
from biodl.data.images import ImageSet, read_image_folder
from biodl.kinds.image import IMAGE

SIDE = 28
CLASSES = 10
BATCH = 64
#: Where and at what precision both sides train (``--device``, ``--precision``).
DEVICE = {"device": "cpu", "precision": "32-true"}
LR = 1e-3
SEED = 0
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------------------------
# 1. training throughput


@dataclass
class Images:
    """In-memory training images as the image modality holds them, with the fitted inputs."""

    part: ImageSet
    y: np.ndarray
    inputs: dict[str, Any]

    def __len__(self) -> int:
        return len(self.y)

    def head(self, n: int) -> Images:
        index = np.arange(min(n, len(self)))
        return Images(self.part.subset(index), self.y[index], self.inputs)


def make_images(n: int) -> Images:
    """``n`` 28x28 ``uint8`` images (noise plus a class-dependent blob) and 10 classes."""
    rng = np.random.default_rng(SEED)
    y = rng.integers(0, CLASSES, size=n).astype(np.int64)
    x = rng.integers(0, 128, size=(n, SIDE, SIDE), dtype=np.uint8)
    for k in range(CLASSES):
        row, col = 2 + 2 * k, 2 + (5 * k) % 20
        x[y == k, row : row + 6, col : col + 6] += 100
    labels = pd.DataFrame({"label": [f"c{k}" for k in y]})
    part = ImageSet.from_array(x, labels=labels, source="synthetic")
    prepared = SimpleNamespace(parts={"train": part})
    inputs = IMAGE.fit_inputs(RunConfig(), prepared, "cnn", {})
    return Images(part, y, inputs)


def fresh_network(images: Images) -> torch.nn.Module:
    torch.manual_seed(SEED)
    return IMAGE.build_network("cnn", {}, images.inputs, CLASSES)


def run_biodl(images: Images, epochs: int) -> Run:
    network = fresh_network(images)
    train = IMAGE.dataset(images.part, images.y, images.inputs, training=True, seed=SEED)
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
        network, train, None, task="multiclass", loss="cross_entropy", cfg=cfg, progress=False
    )
    wall = time.perf_counter() - start
    assert result.epochs_run == epochs
    return Run(wall, list(TimedTask.epoch_times), list(TimedTask.epoch_cpu))


def order_of(n: int, epoch: int) -> np.ndarray:
    """The plain loop's shuffle: one seeded permutation per epoch."""
    return np.random.default_rng([SEED, epoch]).permutation(n)


def run_plain(images: Images, epochs: int) -> Run:
    start = time.perf_counter()
    device = DEVICE["device"]
    network = fresh_network(images).to(device)
    array = images.part.array  # (n, 1, 28, 28) uint8, as the modality holds it
    assert array is not None
    targets = torch.as_tensor(images.y).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=LR)
    network.train()
    times, cpu = [], []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        order = order_of(len(array), epoch)
        for i in range(0, len(array), BATCH):
            index = order[i : i + BATCH]
            x = torch.from_numpy(array[index].astype(np.float32) / np.float32(255)).to(device)
            with autocast(device, DEVICE["precision"]):
                loss = F.cross_entropy(network(x).float(), targets[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        sync(device)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return Run(time.perf_counter() - start, times, cpu)


def check_same_batches(n: int) -> None:
    """biodl's training sampler draws the plain loop's batches, epoch after epoch."""
    sampler = BatchSampler(n, BATCH, shuffle=True, seed=SEED)
    for epoch in range(3):
        theirs = np.concatenate(list(sampler))
        assert np.array_equal(theirs, order_of(n, epoch))


def throughput(args: argparse.Namespace, begin: float) -> None:
    warnings.filterwarnings("ignore")
    logging.getLogger("lightning").setLevel(logging.ERROR)
    fit_module.SupervisedTask = TimedTask  # type: ignore[misc]
    torch.set_num_threads(1)
    images = make_images(args.n)
    assert images.part.scale == 255 and images.part.array is not None
    check_same_batches(len(images))
    n = len(images)
    print(
        f"1. training throughput: torch {torch.__version__}; {n} images {SIDE}x{SIDE}x1 in "
        f"memory, {CLASSES} classes, default cnn, batch {BATCH}, {args.epochs} epochs "
        f"(throughput over epochs 2..{args.epochs}), 1 thread, up to {args.repeats} ABAB "
        f"pairs; same batch order checked; {DEVICE['device']}, {DEVICE['precision']}"
    )
    load = os.getloadavg()[0]
    warm = images.head(4 * BATCH)
    run_biodl(warm, 1)  # warm-up: imports, Lightning, oneDNN kernels
    run_plain(warm, 1)
    pairs: list[tuple[Run, Run]] = []
    for rep in range(args.repeats):
        if pairs and time.perf_counter() > begin + args.budget:
            break  # a busy machine: keep the script inside its time budget
        print(f"  pair {rep + 1}/{args.repeats}", file=sys.stderr)
        pairs.append((run_biodl(images, args.epochs), run_plain(images, args.epochs)))
    b_rates = [b.rate(n) for b, _ in pairs]
    p_rates = [p.rate(n) for _, p in pairs]
    ratios = [b / p for b, p in zip(b_rates, p_rates, strict=True)]
    cpu_ratios = [b.cpu_rate(n) / p.cpu_rate(n) for b, p in pairs]
    r = statistics.median(ratios)
    print(
        f"{'biodl img/s':>11} {'plain img/s':>11} {'ratio':>6} {'ratio min-max':>14} "
        f"{'pairs':>5} {'cpu-time ratio':>14} {'biodl start-up s':>16}  target"
    )
    print(
        f"{statistics.median(b_rates):>11.0f} {statistics.median(p_rates):>11.0f} {r:>6.3f} "
        f"{min(ratios):>6.3f}-{max(ratios):<7.3f} {len(pairs):>5} "
        f"{statistics.median(cpu_ratios):>14.3f} "
        f"{statistics.median(b.startup for b, _ in pairs):>16.2f}  "
        f">=0.95 {'met' if r >= 0.95 else 'MISSED'}"
    )
    print(f"load average (1 min) at start {load:.2f}, at end {os.getloadavg()[0]:.2f}")


# ---------------------------------------------------------------------------------------------
# 2. memory of a lazily decoded folder


def write_folder(n: int, side: int) -> Path:
    """``n`` side x side greyscale PNGs in two class folders; reused when already complete."""
    from PIL import Image

    name = f"{n // 1000}k" if n % 1000 == 0 else str(n)
    root = Path(f"/tmp/biodl-bench-images{name}" + (f"-{side}px" if side != SIDE else ""))
    done = root / ".complete"
    if done.exists() and done.read_text() == str(n):
        return root
    start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    for k in range(n):
        folder = root / ("a" if k % 2 == 0 else "b")
        if k < 2:
            folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, size=(side, side), dtype=np.uint8)
        Image.fromarray(pixels, mode="L").save(folder / f"{k:06d}.png")
    done.write_text(str(n))
    print(f"  wrote {n} PNGs under {root} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return root


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return found


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def _rss_pss(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of one process, from ``/proc/<pid>/smaps_rollup``."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


class TreeSampler(threading.Thread):
    """Samples the summed RSS and PSS of this process and its descendants until stopped."""

    def __init__(self, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.peak_rss = self.peak_pss = self.peak_processes = 0
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            figures = [_rss_pss(p) for p in _tree(os.getpid())]
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in figures))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in figures))
            self.peak_processes = max(self.peak_processes, len(figures))
            self.samples += 1
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def measure_pass(folder: str) -> dict[str, Any]:
    """In this (fresh) process: read ``folder`` lazily and run one training-loader pass."""
    torch.set_num_threads(1)
    base_rss, base_pss = _rss_pss(os.getpid())
    sampler = TreeSampler()
    sampler.start()
    start = time.perf_counter()
    part = read_image_folder(folder)
    read_s = time.perf_counter() - start
    assert part.lazy and part.labels is not None
    y = pd.factorize(part.labels["label"])[0].astype(np.int64)
    after_read_rss, after_read_pss = _rss_pss(os.getpid())
    inputs: dict[str, Any] = {"augment": []}
    data = IMAGE.dataset(part, y, inputs, training=True, seed=SEED)
    batches = loader(data, BATCH, shuffle=True, seed=SEED)
    start = time.perf_counter()
    seen = 0
    iterator = iter(batches)
    for batch in iterator:
        seen += int(batch.inputs[0].shape[0])
    pass_s = time.perf_counter() - start
    hwm = [_hwm(p) for p in _tree(os.getpid())]  # workers are persistent: still alive here
    del iterator
    sampler.stop()
    assert seen == len(part)
    return {
        "images": len(part),
        "workers": data.num_workers,
        "read_s": read_s,
        "pass_s": pass_s,
        "base_rss": base_rss,
        "base_pss": base_pss,
        "after_read_rss": after_read_rss,
        "after_read_pss": after_read_pss,
        "peak_tree_rss": sampler.peak_rss,
        "peak_tree_pss": sampler.peak_pss,
        "processes": sampler.peak_processes,
        "samples": sampler.samples,
        "hwm_sum": sum(hwm),
        "decoded_bytes": len(part) * part.channels * part.size * part.size * 4,
    }


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def memory(args: argparse.Namespace) -> None:
    print()
    print(
        f"2. memory of one training-loader pass over a lazily decoded folder "
        f"({args.side}x{args.side} greyscale PNGs, 2 classes, batch {BATCH}, shuffled)"
    )
    results = []
    for n in (args.small, args.big):
        folder = write_folder(n, args.side)
        print(f"  measuring {n} images in a fresh process", file=sys.stderr)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(folder)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    mb = 1e6
    print(
        f"{'images':>7} {'workers':>7} {'read s':>6} {'pass s':>6} {'after imports MB':>16} "
        f"{'after read MB':>13} {'tree peak PSS MB':>16} {'tree peak RSS MB':>16} "
        f"{'VmHWM sum MB':>12} {'growth MB':>9} {'decoded f32 MB':>14} {'growth/decoded':>14}"
    )
    for r in results:
        r["growth"] = r["peak_tree_pss"] - r["base_pss"]
        print(
            f"{r['images']:>7} {r['workers']:>7} {r['read_s']:>6.1f} {r['pass_s']:>6.1f} "
            f"{r['base_pss'] / mb:>16.0f} {r['after_read_pss'] / mb:>13.0f} "
            f"{r['peak_tree_pss'] / mb:>16.0f} {r['peak_tree_rss'] / mb:>16.0f} "
            f"{r['hwm_sum'] / mb:>12.0f} "
            f"{r['growth'] / mb:>9.0f} {r['decoded_bytes'] / mb:>14.0f} "
            f"{r['growth'] / r['decoded_bytes']:>14.2f}"
        )
    small, big = results
    grows = big["growth"] / small["growth"]
    extra = big["images"] - small["images"]
    per_image = (big["growth"] - small["growth"]) / extra  # bytes each extra image adds
    decoded_per_image = big["decoded_bytes"] / big["images"]
    met = grows < 0.5 * big["images"] / small["images"] and per_image < 0.5 * decoded_per_image
    print(
        f"growth {big['images']} vs {small['images']} images: x{grows:.2f} for "
        f"x{big['images'] / small['images']:.0f} the images; each extra image adds "
        f"{per_image / 1e3:.2f} kB (the file index, not pixels: decoded it is "
        f"{decoded_per_image / 1e3:.2f} kB); peak growth for {big['images']} images is "
        f"{big['growth'] / big['decoded_bytes']:.2f} x the folder decoded as float32"
    )
    print(
        "target (memory does not grow with the data like the data: growth ratio < half the "
        "image ratio and < half the decoded bytes per extra image): " + ("met" if met else "MISSED")
    )
    print(
        "PSS = proportional set size (shared pages split between the processes mapping them); "
        "growth = tree peak PSS - the process's PSS after imports, before the folder is read; "
        f"samples every 20 ms ({big['samples']} in the big pass); VmHWM sum = the kernel's "
        "peak RSS of each process of the tree, summed (shared pages counted in every process)"
    )


def main() -> None:
    begin = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="in-memory training images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="ABAB pairs")
    parser.add_argument("--big", type=int, default=50000, help="images in the big folder")
    parser.add_argument("--small", type=int, default=5000, help="images in the small folder")
    parser.add_argument("--side", type=int, default=SIDE, help="side of the folder's PNGs")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--budget", type=float, default=240, help="seconds of throughput pairs at most"
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--precision",
        default="32-true",
        help="Lightning precision of both sides: 32-true, "
        "bf16-mixed (the plain loop: torch.autocast bfloat16)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    DEVICE.update(device=args.device, precision=args.precision)
    if args.child:
        print(json.dumps(measure_pass(args.child)))
        return
    if not args.skip_train:
        throughput(args, begin)
    if not args.skip_memory:
        memory(args)
    print(f"script time {time.perf_counter() - begin:.0f} s")


if __name__ == "__main__":
    main()
