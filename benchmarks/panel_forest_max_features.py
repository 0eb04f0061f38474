"""The panel's regression forest: features tried at each split, on validation parts only.

biodl's panel fits ``RandomForestRegressor(100 trees)`` with scikit-learn's regression default
of every feature at each split (``max_features=1.0``); on the GB1 deep mutational scan that
forest took 363-493 s of a default run. This script fits 100-tree forests with
``max_features`` 1.0, 1/3 (Breiman's choice for regression) and ``"sqrt"`` on the training part
of each shared sequence regression set and scores them on its VALIDATION part (the test parts
are not read), on ``realdata.py``'s independent features (k-mer frequencies + position-wise
one-hot, columns constant in training dropped), one thread::

    .venv/bin/python benchmarks/panel_forest_max_features.py

Prints Spearman on validation and the fit's CPU seconds per set and setting.
"""

from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.ensemble import RandomForestRegressor
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realdata_classical import PROTEIN, sequence_features

DATA = Path(__file__).resolve().parents[2] / "shared/data"
SETTINGS: tuple[float | str, ...] = (1.0, 1 / 3, "sqrt")


def sets() -> dict[str, tuple[list[str], np.ndarray, int, str]]:
    """name -> (training then validation sequences, targets, training rows, alphabet)."""
    out = {}
    with zipfile.ZipFile(DATA / "protein/flip_gb1/splits.zip") as archive:
        for split in ("two_vs_rest", "three_vs_rest", "low_vs_high", "sampled"):
            t = pd.read_csv(io.BytesIO(archive.read(f"splits/{split}.csv")))
            valid = t["validation"].astype(str).str.lower() == "true"
            train, held = t[(t["set"] == "train") & ~valid], t[(t["set"] == "train") & valid]
            seqs = list(train["sequence"]) + list(held["sequence"])
            y = np.r_[train["target"], held["target"]].astype(np.float64)
            out[f"FLIP GB1 {split}"] = (seqs, y, len(train), PROTEIN)
    m = pd.read_csv(DATA / "sequences/mavenn_mpsa/mpsa_data.csv.gz")
    train, held = m[m["set"] == "training"], m[m["set"] == "validation"]
    y = np.r_[train["y"], held["y"]].astype(np.float64)
    out["MPSA 5' splice sites"] = (list(train["x"]) + list(held["x"]), y, len(train), "ACGU")
    return out


def main() -> None:
    print("| set | training rows x features | max_features | valid Spearman | fit CPU s |")
    print("| --- | --- | --- | ---: | ---: |")
    for name, (seqs, y, n_train, alphabet) in sets().items():
        X, _ = sequence_features(seqs, alphabet, np.arange(n_train))
        X = X[:, X[:n_train].std(axis=0) > 0]
        for setting in SETTINGS:
            start = time.process_time()
            with threadpool_limits(1):
                forest = RandomForestRegressor(
                    100, max_features=setting, n_jobs=1, random_state=0
                ).fit(X[:n_train], y[:n_train])
            seconds = time.process_time() - start
            rho = spearmanr(forest.predict(X[n_train:]), y[n_train:])[0]
            label = f"{setting:.3g}" if isinstance(setting, float) else setting
            shape = f"{n_train:,} x {X.shape[1]:,}"
            print(f"| {name} | {shape} | {label} | {rho:.3f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
