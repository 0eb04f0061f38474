"""Cross-validation overhead beyond the folds' training time (target <= 5 %).

Runs ``biodl.cross_validate`` on demo sequences (5 folds, 3 epochs, a small CNN) and compares
the wall time of the whole call with the sum of ``seconds`` in folds.csv (model and baseline
training). The rest is overhead; it is broken down by stage from ``CVResult.timings``.

Usage: python benchmarks/bench_cv.py [--n 1000] [--folds 5] [--epochs 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import lightning  # noqa: F401  (a one-off ~4 s import, not a cost of cross-validation)
    import torch

    import biodl
    import biodl.pipeline.cv  # imports are not part of the measured call
    import biodl.report.crossval
    from biodl.data.demo import write_demo_fasta

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_demo_fasta(Path(tmp) / "seqs.fa", n=args.n, length=100, seed=0)
        start = time.perf_counter()
        result = biodl.cross_validate(
            data,
            folds=args.folds,
            out=Path(tmp) / "cv",
            epochs=args.epochs,
            progress=False,
            overrides=["model.channels=16"],
        )
        total = time.perf_counter() - start
    table = result.folds
    model = float(table.loc[table["who"] == "model", "seconds"].sum())
    base = float(table.loc[table["who"] == "baseline", "seconds"].sum())
    fits = model + base
    overhead = total - fits
    t = result.timings
    stages = {
        "data reading (prepare_data)": t["read"],
        "fold building (fold_indices + per-fold data)": t["folds"],
        "model set-up outside fit seconds (build, seed, result)": t["train"] - fits,
        "prediction on held-out folds": t["predict"],
        "metrics (no bootstrap) + summary + comparison": t["metrics"],
        "writing run dir + report (figures, HTML)": t.get("write", 0.0),
    }
    print(f"{args.n} sequences, {args.folds} folds, {args.epochs} epochs, {args.threads} thread(s)")
    print(
        f"total wall {total:.2f} s; sum of fold training {fits:.2f} s "
        f"(model {model:.2f} s, baseline {base:.2f} s)"
    )
    print(
        f"overhead {overhead:.2f} s = {overhead / fits:.1%} of training "
        f"({overhead / total:.1%} of wall)"
    )
    for name, seconds in stages.items():
        print(f"  {name:<58}{seconds:7.3f} s  {seconds / fits:6.1%}")
    rest = overhead - sum(stages.values())
    print(f"  {'unaccounted':<58}{rest:7.3f} s  {rest / fits:6.1%}")


if __name__ == "__main__":
    main()
