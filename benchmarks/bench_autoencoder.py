"""Benchmark: AE / VAE training throughput of biodl (Lightning) against a hand-written loop.

Both sides train the same network (``VAE`` or ``AE`` from :mod:`biodl.models.autoencoder`,
2,000 genes, hidden (256, 128), latent 10, built fresh from the same seed) on the same
batches (a CSR matrix of 8,192 x 2,000 synthetic counts at 5 % density, log1p, densified one
batch of 128 at a time by ``ExpressionBatches`` with the same seeded shuffling) with Adam
(lr 1e-3):

- biodl: ``fit_autoencoder(model, X, epochs=E, batch_size=128)`` (wall time of trainer.fit,
  start-up included);
- plain: ``for epoch: for batch in loader: loss = model.loss(batch).total; zero_grad;
  backward; step``.

Runs alternate biodl / plain, ``torch.set_num_threads(1)``; prints samples per second of
each and the ratio (median over repeats). Run from the repository root::

    .venv/bin/python benchmarks/bench_autoencoder.py [--repeats 3] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import scipy.sparse as sp
import torch

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")


def data(n: int, genes: int, seed: int = 0) -> sp.csr_matrix:
    X = sp.random(n, genes, density=0.05, format="csr", random_state=seed, dtype=np.float32)
    X.data = np.log1p(np.ceil(X.data * 20)).astype(np.float32)
    return X


def build(kind: str, genes: int) -> torch.nn.Module:
    from biodl.models.autoencoder import AE, VAE

    torch.manual_seed(0)
    return (VAE if kind == "vae" else AE)(genes, n_latent=10, hidden=(256, 128))


def plain(kind: str, X: sp.csr_matrix, epochs: int) -> float:
    from biodl.training.autoencoder import ExpressionBatches, batches

    model = build(kind, X.shape[1])
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = batches(ExpressionBatches(X), 128, shuffle=True, seed=0)
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            loss = model.loss(batch).total  # type: ignore[operator]
            opt.zero_grad()
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def biodl_fit(kind: str, X: sp.csr_matrix, epochs: int) -> float:
    from biodl.training.autoencoder import fit_autoencoder

    model = build(kind, X.shape[1])
    start = time.perf_counter()
    fit_autoencoder(model, X, epochs=epochs, batch_size=128, device="cpu")  # type: ignore[arg-type]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=8192)
    args = parser.parse_args()
    torch.set_num_threads(1)
    X = data(args.n, 2000)
    samples = args.n * args.epochs
    print(f"{args.n} x 2000 CSR (5 %), batch 128, {args.epochs} epochs, 1 thread")
    print("| model | biodl samples/s | plain samples/s | ratio (median) | ratio range |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for kind in ("vae", "ae"):
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(biodl_fit(kind, X, args.epochs))
            theirs.append(plain(kind, X, args.epochs))
        ratios = [t / o for o, t in zip(ours, theirs, strict=True)]
        print(
            f"| {kind} | {samples / statistics.median(ours):.0f} | "
            f"{samples / statistics.median(theirs):.0f} | {statistics.median(ratios):.3f} | "
            f"{min(ratios):.3f}-{max(ratios):.3f} |"
        )


if __name__ == "__main__":
    main()
