"""Search for the default deep model's settings on the shared sequence and protein sets.

Each candidate (a set of training options, see :data:`CANDIDATES`) is trained on the TRAINING
part of each shared dataset, split exactly as ``biodl train FILE`` splits it by default (20 %
internal test, 10 % validation; the same split as ``bench_baseline_panel.py``), and scored on
the validation part with the task's primary metric (AUROC, balanced accuracy, Spearman). The
published test parts are never read, and neither is the internal 20 % test part. Tiny sets
(the 106 E. coli promoters) are scored by inner 5-fold cross-validation on the training and
validation rows instead: pooled out-of-fold predictions, the panel on the same folds.

Printed per candidate and dataset: the validation score, the baseline panel's best validation
score on the same split, epochs run (best), and the CPU and wall seconds of the training (all
members of an ensemble together). One torch thread. Results are appended as JSON lines to
``--out`` so that an interrupted search can go on (``--skip-done``). Run from the repository
root::

    PYTHONPATH=src .venv/bin/python benchmarks/defaults_search.py --only anticp-main \\
        --candidates default adamw-cosine --out /tmp/search.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("BIODL_QUIET", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_baseline_panel import DATASETS as PANEL_SETS
from bench_baseline_panel import SHARED

#: Candidate settings: build_config keywords, ``--set`` overrides and an ensemble size.
CANDIDATES: dict[str, dict[str, Any]] = {
    "default": {},
    "adamw": {"options": {"optimizer": "adamw", "weight_decay": 0.01}},
    "adamw-cosine": {
        "options": {"optimizer": "adamw", "weight_decay": 0.01, "scheduler": "cosine"}
    },
    "onecycle": {"options": {"optimizer": "adamw", "weight_decay": 0.01, "scheduler": "onecycle"}},
    "patience10": {"options": {"patience": 10}},
    "minsteps": {"options": {"min_steps": 300}},
    "minsteps600": {"options": {"min_steps": 600}},
    "dropout0.1": {"options": {"dropout": 0.1}},
    "dropout0.4": {"options": {"dropout": 0.4}},
    "width128": {"overrides": ["model.channels=128"]},
    "width32": {"overrides": ["model.channels=32"]},
    "dilated-res": {"overrides": ["model.dilation=exponential", "model.residual=true"]},
    "lr3e-3": {"options": {"lr": 3e-3}},
    "ensemble3": {"ensemble": 3},
    "ensemble5": {"ensemble": 5},
    "additive": {"overrides": ["model.additive=true"]},
    "additive-adamw": {
        "options": {"optimizer": "adamw", "weight_decay": 0.01},
        "overrides": ["model.additive=true"],
    },
    "additive-adamw0.1": {
        "options": {"optimizer": "adamw", "weight_decay": 0.1},
        "overrides": ["model.additive=true"],
    },
    **{
        f"additive-pen{strength}": {
            "overrides": ["model.additive=true", f"model.additive_penalty={strength}"]
        }
        for strength in ("0.1", "0.15", "0.2", "0.3", "1")
    },
    **{
        f"additive-pen{strength}-seeds12": {
            "seeds": [1, 2],
            "overrides": ["model.additive=true", f"model.additive_penalty={strength}"],
        }
        for strength in ("0.1", "0.15", "0.2", "0.3", "1")
    },
    "adamw0.1": {"options": {"optimizer": "adamw", "weight_decay": 0.1}},
    "default-seeds12": {"seeds": [1, 2]},
    "additive-seeds12": {"seeds": [1, 2], "overrides": ["model.additive=true"]},
}


def _flip(split: str) -> Callable[[Path], dict[str, Any]]:
    """A FLIP GB1 split: regression on fitness, its train rows (the test rows are not read)."""

    def make(tmp: Path) -> dict[str, Any]:
        with zipfile.ZipFile(SHARED / "protein" / "flip_gb1" / "splits.zip") as archive:
            archive.extract(f"splits/{split}.csv", tmp)
        table = pd.read_csv(tmp / "splits" / f"{split}.csv")
        out = tmp / f"gb1_{split}.csv"
        table[table["set"] == "train"][["sequence", "target"]].to_csv(out, index=False)
        return {"train": str(out)}

    return make


def _as_realdata(make: Callable[[Path], dict[str, Any]]) -> Callable[[Path], dict[str, Any]]:
    """The split of ``realdata.py``, where the published test file is given: validation is 10 %
    of all training rows and nothing else is held out. The training file stands in as the
    test file, so the published test rows are still never read."""

    def files(tmp: Path) -> dict[str, Any]:
        out = make(tmp)
        return {**out, "test": out["train"]}

    return files


def _mpsa_sample(tmp: Path) -> dict[str, Any]:
    """MPSA 'training' rows, a seeded sample of 5,000 (the full set is the panel table's)."""
    table = pd.read_csv(SHARED / "sequences" / "mavenn_mpsa" / "mpsa_data.csv.gz")
    train = table[table["set"] == "training"].sample(n=5000, random_state=0)
    out = tmp / "mpsa_5000.csv"
    pd.DataFrame({"sequence": train["x"], "psi": train["y"]}).to_csv(out, index=False)
    return {"train": str(out)}


DATASETS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "anticp-main": PANEL_SETS["anticp-main"],
    "anticp-alternate": PANEL_SETS["anticp-alternate"],
    "promoters": PANEL_SETS["promoters"],
    "splice": PANEL_SETS["splice"],
    "gb1-one": _flip("one_vs_rest"),
    "gb1-two": _flip("two_vs_rest"),
    "gb1-two-rd": _as_realdata(_flip("two_vs_rest")),
    "gb1-three": _flip("three_vs_rest"),
    "gb1-low-rd": _as_realdata(_flip("low_vs_high")),
    "gb1-sampled": PANEL_SETS["gb1-sampled"],
    "mpsa-5000": _mpsa_sample,
}
#: Inner cross-validation instead of one validation part (too few validation rows to rank).
INNER_CV = {"promoters": 5, "gb1-one": 5}


_PANEL: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _panel(cfg: Any, prepared: Any) -> tuple[np.ndarray, np.ndarray]:
    """The panel's chosen model's validation scores and the validation targets."""
    from biodl.pipeline.baselines import fit_baseline_for

    fitted = fit_baseline_for(cfg, prepared)
    return fitted.selection_scores[fitted.chosen], fitted.selection_y


def _members(
    cfg: Any, prepared: Any, n: int, first: int = 0
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Validation scores averaged over ``n`` training seeds from ``seed + first`` (same
    split), and (epochs, best) per seed."""
    from dataclasses import replace

    from biodl.pipeline.fitting import fit_model, predict_trained

    scores, epochs = [], []
    for member in range(n):
        seed = cfg.train.seed + first + member
        member_cfg = replace(cfg, train=replace(cfg.train, seed=seed))
        trained, fit = fit_model(member_cfg, prepared, progress=False)
        scores.append(predict_trained(trained, prepared.part("valid")))
        epochs.append((fit.epochs_run, fit.best_epoch))
    return np.mean(scores, axis=0), epochs


def _config(files: dict[str, Any], candidate: dict[str, Any]) -> Any:
    from biodl.config import build_config

    options = {**files, "seed": 0, "threads": 1, **candidate.get("options", {})}
    return build_config(overrides=candidate.get("overrides"), **options)


def _folds(files: dict[str, Any], tmp: Path, k: int) -> list[dict[str, Any]]:
    """Inner folds of the training and validation rows of biodl's default split: one pair of
    (train, valid) files per fold; the internal test part is left out and never read."""
    from sklearn.model_selection import KFold, StratifiedKFold

    from biodl.config import build_config
    from biodl.kinds import prepare_run_data

    prepared = prepare_run_data(build_config(**files, seed=0))
    parts = [prepared.part(n) for n in ("train", "valid")]
    seqs = [p.sequence(i) for p in parts for i in range(len(p))]
    codes = np.concatenate([np.asarray(prepared.y[n]).reshape(-1) for n in ("train", "valid")])
    out = []
    if prepared.targets.task == "regression":
        labels = codes
        split = KFold(k, shuffle=True, random_state=0).split(seqs)
    else:
        labels = np.asarray(prepared.targets.classes)[codes.astype(int)]
        split = StratifiedKFold(k, shuffle=True, random_state=0).split(seqs, labels)
    for i, (tr, va) in enumerate(split):
        names = {}
        for name, rows in (("train", tr), ("valid", va)):
            path = tmp / f"fold{i}_{name}.csv"
            frame = pd.DataFrame({"sequence": [seqs[j] for j in rows], "label": labels[rows]})
            frame.to_csv(path, index=False)
            names[name] = str(path)
        out.append({"train": names["train"], "valid": names["valid"], "test": names["valid"]})
    return out


def evaluate(name: str, candidate: str, tmp: Path) -> dict[str, Any]:
    """One candidate on one dataset: validation score, panel score, epochs, seconds."""
    from biodl.evaluation.metrics import compute_metrics, primary_metric
    from biodl.kinds import prepare_run_data

    spec = CANDIDATES[candidate]
    files = DATASETS[name](tmp)
    splits = _folds(files, tmp, INNER_CV[name]) if name in INNER_CV else [files]
    # "seeds": training-seed offsets each scored on its own (same split); the mean is reported
    seeds = spec.get("seeds", [0])
    deep: list[list[np.ndarray]] = [[] for _ in seeds]
    panel: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    epochs: list[tuple[int, int]] = []
    cpu, wall = 0.0, 0.0
    for split in splits:
        cfg = _config(split, spec)
        prepared = prepare_run_data(cfg)
        start_cpu, start_wall = _cpu(), time.perf_counter()
        for i, first in enumerate(seeds):
            scores, member_epochs = _members(cfg, prepared, int(spec.get("ensemble", 1)), first)
            deep[i].append(scores)
            epochs.extend(member_epochs)
        cpu, wall = cpu + _cpu() - start_cpu, wall + time.perf_counter() - start_wall
        key = (name, len(panel))  # the panel does not depend on the candidate: fit it once
        if key not in _PANEL:
            _PANEL[key] = _panel(cfg, prepared)
        baseline, y = _PANEL[key]
        panel.append(baseline)
        ys.append(y)
    task = prepared.targets.task
    metric = primary_metric(task)
    y = np.concatenate(ys)
    each = [compute_metrics(task, y, np.concatenate(d))[metric] for d in deep]  # type: ignore[arg-type]
    score = float(np.mean(each))
    base = compute_metrics(task, y, np.concatenate(panel))[metric]  # type: ignore[arg-type]
    return {
        "dataset": name,
        "candidate": candidate,
        "metric": metric,
        "valid": round(float(score), 4),
        "panel": round(float(base), 4),
        **({"valid_each": [round(float(v), 4) for v in each]} if len(seeds) > 1 else {}),
        "n_valid": len(y),
        "epochs": [list(e) for e in epochs],
        "cpu_s": round(cpu, 1),
        "wall_s": round(wall, 1),
        "load": round(os.getloadavg()[0], 1),
    }


def table(path: str) -> str:
    """A markdown table of the results in ``path``: one row per candidate, one column per
    dataset; each cell 'validation score / CPU s' (the panel's score in the first row)."""
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    names = [n for n in DATASETS if any(r["dataset"] == n for r in rows)]
    cells: dict[str, dict[str, str]] = {}
    panel: dict[str, str] = {}
    for r in rows:
        best = max(e[1] for e in r["epochs"])
        cells.setdefault(r["candidate"], {})[r["dataset"]] = (
            f"{r['valid']:.3f} / {r['cpu_s']:.0f} s ({best})"
        )
        panel[r["dataset"]] = f"{r['panel']:.3f}"
    lines = [
        "| candidate | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
        "| baseline panel (best on valid) | " + " | ".join(panel[n] for n in names) + " |",
    ]
    for candidate in cells:
        values = [cells[candidate].get(n, "–") for n in names]
        lines.append(f"| {candidate} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(DATASETS), default=None)
    parser.add_argument("--candidates", nargs="*", choices=sorted(CANDIDATES), default=None)
    parser.add_argument("--out", default="defaults_search.jsonl")
    parser.add_argument("--skip-done", action="store_true", help="skip pairs already in --out")
    parser.add_argument("--table", action="store_true", help="print --out as a markdown table")
    args = parser.parse_args()
    if args.table:
        print(table(args.out))
        return
    done = set()
    if args.skip_done and Path(args.out).exists():
        for line in Path(args.out).read_text().splitlines():
            row = json.loads(line)
            done.add((row["dataset"], row["candidate"]))
    warnings.filterwarnings("ignore")
    for candidate in args.candidates or list(CANDIDATES):
        for name in args.only or list(DATASETS):
            if (name, candidate) in done:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                row = evaluate(name, candidate, Path(tmp))
            print(json.dumps(row), flush=True)
            with open(args.out, "a") as handle:
                handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
