"""The CNN's additive term on position-free data: held-out accuracy by additive_penalty.

The planted-motif case of ``tests/test_estimators.py`` (``motif_data(240)``: 40-mers, GATAAG at
any position in every second one; the first 200 to ``SequenceClassifier.fit``, 15 epochs at lr
0.01, channels 8, one layer), scored on the last 40, for training seeds 0-9. Columns: the term
off, then on with each penalty ("1e4" keeps the weights at about zero: it measures what merely
having the module costs, i.e. the shifted random stream). Run from the repository root::

    PYTHONPATH=src .venv/bin/python benchmarks/additive_penalty_motif.py 0 0.1 0.2 1
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import torch

os.environ.setdefault("BIODL_QUIET", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from biodl.estimators import SequenceClassifier
from test_estimators import SMALL, motif_data


def main() -> None:
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")  # 20 validation examples: all 15 epochs run, as in the test
    x, y = motif_data(240)
    settings: list[float | None] = [None, *(float(a) for a in sys.argv[1:])]
    for penalty in settings:
        params = {**SMALL, "additive": penalty is not None}
        if penalty:
            params["additive_penalty"] = penalty
        start, scores = time.process_time(), []
        for seed in range(10):
            clf = SequenceClassifier(model_params=params, epochs=15, lr=0.01, seed=seed)
            scores.append(clf.fit(x[:200], y[:200]).score(x[200:], y[200:]))
        name = "off" if penalty is None else f"penalty {penalty:g}"
        each = " ".join(f"{s:.3f}" for s in scores)
        mean = sum(scores) / len(scores)
        cpu = time.process_time() - start
        print(f"{name:>14}: {each}  mean {mean:.3f}  ({cpu:.0f} CPU s)")


if __name__ == "__main__":
    main()
