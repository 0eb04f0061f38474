"""Benchmark: fit time and label preservation of every ``biodl embed`` method, side by side.

Data: :func:`biodl.data.simulate.simulate_counts` (2,000 cells x 500 genes, 6 planted cell
types, 15 markers each at 1.5 log2 fold, depth 1,500), CSV-free: the counts go through the same
preprocessing as ``biodl embed`` (normalise, log1p) and :func:`biodl.pipeline.reduce.reduce`;
the VAE gets the raw counts (negative binomial), as ``biodl embed`` does for count input. Default
settings otherwise (neural methods: default epochs). Prints one row per method: fit seconds,
kNN accuracy and ARI of the cell type, silhouette. Run from the repository root::

    .venv/bin/python benchmarks/bench_embed.py [--dims 2] [--methods pca,nmf,...]
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np
import torch

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")


def main() -> None:
    from biodl.data.preprocess import PreprocessOptions, fit_preprocessing
    from biodl.data.simulate import simulate_counts
    from biodl.evaluation.embedding import score_embedding
    from biodl.pipeline.reduce import ReduceInputs, reduce

    parser = argparse.ArgumentParser()
    parser.add_argument("--dims", type=int, default=2)
    parser.add_argument("--methods", default="pca,nmf,lda,tsne,umap,ae,dae,vae")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sim = simulate_counts(2000, 500, n_types=6, markers=15, fold=1.5, depth=1500, seed=1)
    genes = [f"g{i}" for i in range(500)]
    order = np.random.default_rng(0).permutation(2000)
    train, heldout = np.sort(order[400:]), np.sort(order[:400])
    prep = fit_preprocessing(sim.counts[train], genes, PreprocessOptions(normalize=True))
    inputs = ReduceInputs(
        prep.transform(sim.counts),
        counts=sim.counts,
        library=sim.counts.sum(axis=1),
        normalize=True,
        log1p=True,
        train=train,
        heldout=heldout,
        label=sim.cell_type,
    )
    print(f"2000 cells x 500 genes, 6 types, dims {args.dims}, 1 thread")
    print("| method | fit s | kNN accuracy | ARI | silhouette | held-out MSE |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for method in args.methods.split(","):
        r = reduce(method, inputs, args.dims)
        s = score_embedding(
            inputs.X,
            r.coordinates,
            {"type": sim.cell_type},
            method=method,
            fit_seconds=r.fit_seconds,
            reconstruction=r.reconstruction_error,
        )
        t = s.labels["type"]
        print(
            f"| {method} | {r.fit_seconds:.2f} | {t.knn_accuracy:.3f} | {t.ari:.3f} | "
            f"{t.silhouette:.3f} | {r.reconstruction_error:.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
