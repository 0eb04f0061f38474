"""Benchmark: memory of one VAE epoch and of PCA on a sparse 100,000 x 2,000 count matrix.

The matrix (5 % density, synthetic counts, CSR float32) is built directly in sparse form. Each
step runs in a fresh child process that builds the matrix, resets the peak resident set size
(``/proc/self/clear_refs``, value 5) and reads ``VmHWM`` after the step:

- VAE: ``fit_autoencoder(VAE(2000, n_latent=10, hidden=(256, 128), likelihood='nb'), X,
  epochs=1, batch_size=128)`` (batches densified one at a time);
- PCA: :func:`biodl.pipeline.reduce.reduce` ("pca", 50 components) as ``biodl embed`` runs it
  (:class:`biodl.pipeline.reduce.SparsePCA`: gene x gene covariance over row blocks; held-out error
  included).

Peak above the matrix = VmHWM - RSS right after building the matrix (imports are done before
the reset). The targets: VAE peak increase <= 1 x matrix + model (total <= 2 x the matrix +
model); PCA peak increase <= 2 x matrix (total <= 3 x). Run from the repository root::

    .venv/bin/python benchmarks/bench_sparse.py [--n 100000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
import warnings

import numpy as np
import scipy.sparse as sp

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")
GENES = 2000


def counts(n: int, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    per_row = int(GENES * 0.05)
    indices = (
        np.sort(np.argsort(rng.random((n, GENES), dtype=np.float32), axis=1)[:, :per_row], axis=1)
        if n <= 1000
        else np.concatenate([np.sort(rng.choice(GENES, per_row, replace=False)) for _ in range(n)])
    )
    data = rng.geometric(0.3, size=n * per_row).astype(np.float32)
    indptr = np.arange(0, n * per_row + 1, per_row, dtype=np.int64)
    return sp.csr_matrix((data, indices.astype(np.int32).ravel(), indptr), shape=(n, GENES))


def _kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _child(step: str, n: int, queue: mp.Queue) -> None:
    import lightning  # noqa: F401  (imports are not part of the step's memory)
    import sklearn.decomposition  # noqa: F401
    import torch

    import biodl.pipeline.reduce
    import biodl.training.autoencoder  # noqa: F401

    torch.set_num_threads(1)
    X = counts(n)
    size = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    base = _kb("VmRSS")
    start = time.perf_counter()
    extra = 0.0
    if step == "vae":
        from biodl.models.autoencoder import VAE
        from biodl.training.autoencoder import fit_autoencoder

        model = VAE(GENES, n_latent=10, hidden=(256, 128), likelihood="nb")
        extra = sum(p.numel() * 4 * 4 for p in model.parameters()) / 2**20  # weights+grad+Adam
        fit_autoencoder(model, X, epochs=1, batch_size=128, device="cpu")
    else:
        from biodl.pipeline.reduce import ReduceInputs, reduce

        rows = np.arange(n)
        reduce("pca", ReduceInputs(X, train=rows[: int(n * 0.8)], heldout=rows[int(n * 0.8) :]), 50)
    seconds = time.perf_counter() - start
    queue.put((size, (_kb("VmHWM") - base) / 1024, extra, seconds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    print(f"{args.n} x {GENES} counts, 5 % density (CSR float32)")
    print("| step | matrix MiB | peak increase MiB | model state MiB | ratio to matrix | s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for step in ("pca", "vae"):
        queue: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(step, args.n, queue))
        proc.start()
        size, peak, extra, seconds = queue.get()
        proc.join()
        total = (size + peak) / size
        print(
            f"| {step} | {size:.0f} | {peak:.0f} | {extra:.0f} | total {total:.2f} x | "
            f"{seconds:.0f} |"
        )


if __name__ == "__main__":
    main()
