"""Benchmark: training the expression MLP on a sparse matrix (memory and throughput).

A synthetic count matrix of N x 2,000 genes at 5 % density (CSR float32) is built directly in
sparse form. Each measurement runs in a fresh child process:

- ``memory``: fit the preprocessing (library size, log1p, z-scoring) on the matrix and run one
  epoch of the default ``DenseMLP`` (batch 128, Adam) over :class:`ExpressionBatches`; the
  peak resident set size above the built matrix (``VmHWM`` after resetting it) is compared
  with the matrix's own size. Target: one epoch never holds a dense copy of the matrix, i.e.
  peak increase <= 1 x matrix + model (total <= 2 x matrix + model).
- ``throughput``: samples/s of biodl's ``fit_network`` (Lightning, the engine of
  ``biodl train``) against a hand-written PyTorch loop over the same batches, same network
  and optimiser, alternating (ABAB). Target: ratio >= 0.95.

Run from the repository root::

    .venv/bin/python benchmarks/bench_expression.py [--n 100000] [--pairs 3]
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
BATCH = 128


def counts(n: int, seed: int = 0) -> sp.csr_matrix:
    """``n x 2000`` counts, 100 non-zeros per row (5 %), built chunk by chunk."""
    rng = np.random.default_rng(seed)
    per_row = GENES // 20
    chunks = []
    for start in range(0, n, 5000):
        rows = min(5000, n - start)
        keys = rng.random((rows, GENES), dtype=np.float32)
        chunks.append(np.sort(np.argpartition(keys, per_row, axis=1)[:, :per_row], axis=1))
    indices = np.concatenate(chunks).astype(np.int32).ravel()
    data = rng.geometric(0.3, size=n * per_row).astype(np.float32)
    indptr = np.arange(0, n * per_row + 1, per_row, dtype=np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(n, GENES))


def _kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _setup(X: sp.csr_matrix):
    import torch

    from biodl.data.preprocess import PreprocessOptions, fit_preprocessing
    from biodl.kinds.expression import ExpressionBatches, ExpressionNetwork
    from biodl.models.dense import DenseMLP

    torch.set_num_threads(2)
    y = (np.asarray(X[:, :5].sum(axis=1)).ravel() > 5).astype(np.int64)
    genes = [f"g{j}" for j in range(GENES)]
    options = PreprocessOptions(normalize=True, log1p=True, scale=True)
    prep = fit_preprocessing(X, genes, options)
    data = ExpressionBatches(X, prep, y)
    torch.manual_seed(0)
    net = ExpressionNetwork(DenseMLP(in_features=GENES, n_outputs=2))
    return X, data, net


def memory(n: int, queue: mp.Queue) -> None:
    import torch

    import biodl.kinds.expression  # noqa: F401  (imports are not the epoch's memory)
    from biodl.data.dataset import BatchSampler

    X = counts(n)
    matrix = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    base = _kb("VmRSS")
    _reset_peak()
    _, data, net = _setup(X)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for index in BatchSampler(len(data), BATCH, shuffle=True):
        batch = data[index]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(*batch.inputs), batch.y).backward()
        opt.step()
    model = sum(p.numel() * 4 for p in net.parameters()) * 4  # weights, grads, 2 Adam moments
    queue.put((matrix, (_kb("VmHWM") - base) * 1024, model))


def throughput(
    n: int, epochs: int, which: str, device: str, precision: str, queue: mp.Queue
) -> None:
    import torch

    from _timing import autocast, sync
    from biodl.config import TrainConfig
    from biodl.data.dataset import BatchSampler
    from biodl.training.fit import fit_network

    _, data, net = _setup(counts(n))
    start = time.perf_counter()
    if which == "biodl":
        cfg = TrainConfig(
            epochs=epochs,
            batch_size=BATCH,
            patience=0,
            device=device,  # type: ignore[arg-type]
            precision=precision,
            threads=2,
        )
        fit_network(net, data, None, task="binary", loss="cross_entropy", cfg=cfg, progress=False)
    else:
        net = net.to(device)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        net.train()
        for epoch in range(epochs):
            for index in BatchSampler(len(data), BATCH, shuffle=True, seed=epoch):
                batch = data[index]
                inputs = [x.to(device) for x in batch.inputs]
                opt.zero_grad()
                with autocast(device, precision):
                    out = net(*inputs).float()
                torch.nn.functional.cross_entropy(out, batch.y.to(device)).backward()
                opt.step()
    sync(device)
    queue.put(n * epochs / (time.perf_counter() - start))


def _child(target, *args):
    queue: mp.Queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=target, args=(*args, queue))
    proc.start()
    value = queue.get()
    proc.join()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--throughput-n", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--precision",
        default="32-true",
        help="Lightning precision of both sides: 32-true, "
        "bf16-mixed (the plain loop: torch.autocast bfloat16)",
    )
    args = parser.parse_args()
    if not args.skip_memory:
        matrix, peak, model = _child(memory, args.n)
        mb = 1 << 20
        print(
            f"memory, {args.n} x {GENES} at 5 %: matrix {matrix / mb:.0f} MB, model+Adam "
            f"{model / mb:.0f} MB, peak increase {peak / mb:.0f} MB = "
            f"{peak / matrix:.2f} x matrix ({(peak - model) / matrix:.2f} x without the model); "
            f"a dense copy would be {args.n * GENES * 4 / mb:.0f} MB"
        )
    where = (args.device, args.precision)
    ratios = []
    for pair in range(args.pairs):
        ours = _child(throughput, args.throughput_n, args.epochs, "biodl", *where)
        plain = _child(throughput, args.throughput_n, args.epochs, "plain", *where)
        ratios.append(ours / plain)
        print(
            f"pair {pair + 1}: biodl {ours:.0f} samples/s, plain {plain:.0f} samples/s, "
            f"ratio {ours / plain:.3f}"
        )
    if not ratios:
        return
    print(
        f"throughput ratio median {np.median(ratios):.3f} (min {min(ratios):.3f}, "
        f"max {max(ratios):.3f}); {args.device}, {args.precision}"
    )


if __name__ == "__main__":
    main()
