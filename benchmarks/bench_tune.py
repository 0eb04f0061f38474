"""Wall time of a 20-trial random search with one worker vs two (target ratio <= 0.6).

Usage: python benchmarks/bench_tune.py [--trials 20] [--n 600] [--epochs 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    import torch

    import biodl
    from biodl.data.demo import write_demo_fasta

    torch.set_num_threads(1)  # the same per-worker budget in both runs
    with tempfile.TemporaryDirectory() as tmp:
        data = write_demo_fasta(Path(tmp) / "seqs.fa", n=args.n, length=100, seed=0)
        seconds = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            biodl.tune(
                data,
                out=Path(tmp) / f"jobs{jobs}",
                search="random",
                trials=args.trials,
                jobs=jobs,
                epochs=args.epochs,
                progress=False,
                overrides=["model.channels=16", "model.n_layers=1"],
            )
            seconds[jobs] = time.perf_counter() - start
            print(f"--jobs {jobs}: {seconds[jobs]:.1f} s for {args.trials} trials")
        print(f"ratio jobs2/jobs1 = {seconds[2] / seconds[1]:.2f} (target <= 0.6)")


if __name__ == "__main__":
    main()
