"""Benchmark: language-model training throughput of biodl (Lightning) against a plain loop.

Both sides train the same :class:`~biodl.models.language.LanguageModel` (built fresh from the
same seed; ``--model``, default the LM default ``transformer``, causal) on the same windows
(``--n`` random DNA windows of ``--context`` letters, a quarter of them padded to half length)
in the same seeded batches of 64 (:func:`biodl.data.dataset.loader`) with Adam (lr 1e-3):

- biodl: ``fit_module(LanguageTask(model), Windows(train), None, cfg)``, the path of
  ``biodl train --task language-model`` (CPU time of the whole call, start-up included);
- plain: ``for epoch: for batch in loader: loss = mean cross-entropy over the real letters;
  zero_grad; backward; step``.

Runs alternate biodl / plain with ``torch.set_num_threads(1)``; prints letters (tokens) per
CPU second of each (``time.process_time``) and the ratio (median over repeats). Run from the
repository root::

    .venv/bin/python benchmarks/bench_language_model.py [--repeats 3] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import torch
from torch.nn import functional as F

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")


def windows(n: int, context: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 5, (n, context))
    w[: n // 4, context // 2 :] = 0
    return w


def build(name: str) -> torch.nn.Module:
    from biodl.models.language import LanguageModel

    torch.manual_seed(0)
    return LanguageModel(model=name, alphabet_name="dna")


def plain(name: str, data: np.ndarray, epochs: int) -> float:
    from biodl.data.dataset import loader
    from biodl.training.language import Windows, letter_targets

    model = build(name)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = loader(Windows(data), 64, shuffle=True, seed=0)
    start = time.process_time()
    for _ in range(epochs):
        for codes in batches:
            logits = model(codes)
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), letter_targets(codes, 4).reshape(-1)
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
    return time.process_time() - start


def ours(name: str, data: np.ndarray, epochs: int) -> float:
    from biodl.config import TrainConfig
    from biodl.training.fit import fit_module
    from biodl.training.language import LanguageTask, Windows

    model = build(name)
    cfg = TrainConfig(epochs=epochs, batch_size=64, patience=0, device="cpu")
    start = time.process_time()
    fit_module(LanguageTask(model, epochs=epochs), Windows(data), None, cfg=cfg)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--context", type=int, default=128)
    parser.add_argument("--models", nargs="+", default=["transformer", "gru"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = windows(args.n, args.context)
    tokens = int((data > 0).sum()) * args.epochs
    print(f"{args.n} DNA windows of {args.context}, batch 64, {args.epochs} epochs, 1 thread")
    print("| model | biodl letters/CPU s | plain letters/CPU s | ratio (median) | ratio range |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in args.models:
        a, b = [], []
        for _ in range(args.repeats):
            a.append(ours(name, data, args.epochs))
            b.append(plain(name, data, args.epochs))
        ratios = [t / o for o, t in zip(a, b, strict=True)]
        print(
            f"| {name} | {tokens / statistics.median(a):.0f} | "
            f"{tokens / statistics.median(b):.0f} | {statistics.median(ratios):.3f} | "
            f"{min(ratios):.3f}-{max(ratios):.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
