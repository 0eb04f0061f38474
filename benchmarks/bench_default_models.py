"""Default deep model versus the strongest classical baseline on training parts only (issue 12).

For UCR ECG200 (``ECG200_TRAIN.txt``, 100 series) and Golub ALL/AML
(``data_set_ALL_AML_train.csv``, 38 samples), each candidate network is cross-validated with
``biodl.cross_validate`` on the TRAINING file only (repeated stratified k-fold; the test files
are never read), beside the classical panel that every fold fits (its best model on the fold's
validation part is that fold's baseline; for time series the panel includes 1-NN). One JSON
line per candidate: mean and sd over folds of AUROC and accuracy for the network and for the
baseline, which model each fold's baseline was, CPU seconds (user + sys of this process) and
wall seconds. Training uses one torch thread (``--threads 1``).

Usage::

    PYTHONPATH=src python benchmarks/bench_default_models.py --dataset ecg200 \
        --candidate default --out /tmp/models.jsonl
    PYTHONPATH=src python benchmarks/bench_default_models.py --list
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(os.environ.get("BIODL_SHARED_DATA", "/work/shared/data"))

#: Each dataset: the training file and the options that read it; folds and repeats.
DATASETS: dict[str, dict[str, Any]] = {
    "ecg200": {
        "train": SHARED / "timeseries/ucr_ecg200/ECG200_TRAIN.txt",
        "options": {"kind": "timeseries"},
        "folds": 5,
        "repeats": 2,
    },
    "golub": {
        "train": SHARED / "expression/golub_all_aml/data_set_ALL_AML_train.csv",
        "options": {
            "genes_as_rows": True,
            "labels": str(SHARED / "expression/golub_all_aml/actual.csv"),
            "label_columns": ["cancer"],
        },
        "folds": 5,
        "repeats": 3,
    },
}

#: Candidate networks: options of ``cross_validate`` (``overrides`` as ``--set``).
CANDIDATES: dict[str, dict[str, Any]] = {
    "default": {},
    # time series
    "cnn-e60": {"epochs": 60},
    "cnn-wd1e-3": {"overrides": ["train.weight_decay=0.001"]},
    "cnn-instance": {"overrides": ["data.ts_normalisation=instance"]},
    "cnn-ch32": {"overrides": ["model.channels=32"]},
    "fcn": {"model": "fcn"},
    "resnet1d": {"model": "resnet1d"},
    # expression
    "mlp-w64": {"overrides": ["model.width=64"]},
    "mlp-d1": {"overrides": ["model.depth=1"]},
    "mlp-e100": {"epochs": 100},
    "mlp-hvg500": {"overrides": ["data.hvg=500"]},
    "mlp-wd1e-2": {"overrides": ["train.weight_decay=0.01"]},
    "mlp-dropout0.2": {"overrides": ["model.dropout=0.2"]},
}


def run(dataset: str, candidate: str) -> dict[str, Any]:
    """Cross-validate ``candidate`` on ``dataset``'s training file; one result row."""
    import biodl

    spec = DATASETS[dataset]
    options = {**spec["options"], **CANDIDATES[candidate]}
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = biodl.cross_validate(
            str(spec["train"]),
            folds=spec["folds"],
            repeats=spec["repeats"],
            seed=0,
            threads=1,
            progress=False,
            **options,
        )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    folds = result.folds
    row: dict[str, Any] = {"dataset": dataset, "candidate": candidate, "options": options}
    for who in ("model", "baseline"):
        part = folds[folds["who"] == who]
        for metric in ("auroc", "accuracy"):
            values = part[metric].to_numpy(dtype=np.float64)
            row[f"{who}_{metric}"] = round(float(np.nanmean(values)), 4)
            row[f"{who}_{metric}_sd"] = round(float(np.nanstd(values, ddof=1)), 4)
    if "baseline" in folds:
        chosen = folds.loc[folds["who"] == "baseline", "baseline"]
        row["baseline_chosen"] = chosen.value_counts().to_dict()
    model_folds = folds[folds["who"] == "model"]
    row["n_folds"] = len(model_folds)
    row["model_seconds_per_fold"] = round(float(model_folds["seconds"].mean()), 2)
    row["cpu_s"], row["wall_s"] = round(cpu, 1), round(wall, 1)
    return row


def classical(dataset: str) -> dict[str, Any]:
    """Every classical model of the panel (1-NN included for series) on ``biodl cv``'s folds.

    The folds, each fold's inner validation part and the models are those of
    :func:`biodl.cross_validate` with the same seed; each model is scored on every held-out
    fold, so the strongest single classical model (chosen with hindsight, an optimistic
    baseline) can be compared with the network's cross-validated metrics.
    """
    from biodl.config import build_config
    from biodl.evaluation.metrics import compute_metrics
    from biodl.kinds import prepare_run_data
    from biodl.pipeline.baselines import fit_baseline_for
    from biodl.pipeline.cv import fold_data
    from biodl.pipeline.folds import cv_folds

    spec = DATASETS[dataset]
    cfg = build_config(train=str(spec["train"]), seed=0, threads=1, **spec["options"])
    cfg = replace(cfg, data=replace(cfg.data, test_size=0.0, valid_size=0.0))
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = prepare_run_data(cfg)
        run_cfg = build_config(train=str(spec["train"]), seed=0, threads=1, **spec["options"])
        folds = cv_folds(full, cfg.data, n_folds=spec["folds"], repeats=spec["repeats"], seed=0)
        values: dict[str, list[dict[str, float]]] = {}
        for fold in folds:
            part = fold_data(full, fold.train, fold.test, run_cfg)
            fitted = fit_baseline_for(run_cfg, part)
            y = part.y["test"]
            assert y is not None
            scores = fitted.predict_members(part.part("test"))
            for key, s in scores.items():
                metrics = compute_metrics(full.targets.task, y, s)
                values.setdefault(fitted.members[key].baseline.human_name, []).append(metrics)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    row: dict[str, Any] = {"dataset": dataset, "candidate": "classical panel members"}
    for name, runs in values.items():
        for metric in ("auroc", "accuracy"):
            v = np.array([r[metric] for r in runs], dtype=np.float64)
            row[f"{name} {metric}"] = round(float(np.nanmean(v)), 4)
    row["n_folds"] = len(folds)
    row["cpu_s"] = round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1)
    row["wall_s"] = round(wall, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS))
    parser.add_argument("--candidate", action="append", choices=sorted(CANDIDATES))
    parser.add_argument("--out", type=Path, help="append JSON lines here")
    parser.add_argument("--list", action="store_true", help="list the candidates and exit")
    parser.add_argument(
        "--classical", action="store_true", help="score every classical model on the folds"
    )
    args = parser.parse_args()
    if args.list or not args.dataset:
        for name, options in CANDIDATES.items():
            print(f"{name}: {options}")
        return
    jobs = ["classical"] if args.classical else (args.candidate or ["default"])
    for candidate in jobs:
        row = classical(args.dataset) if candidate == "classical" else run(args.dataset, candidate)
        line = json.dumps(row)
        print(line, flush=True)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")


if __name__ == "__main__":
    main()
