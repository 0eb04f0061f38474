"""Early stopping on the validation loss vs AUROC, cross-validated on training data (issue 12).

``--monitor auto`` (the default) watches AUROC for binary classification and the loss
elsewhere. This script measures that choice on the binary sets: each set's TRAINING data only
(the published test parts are never read), k-fold cross-validation exactly as ``biodl cv``
runs it (each fold trains on its training part minus the inner 10 % validation part that early
stopping and the best-epoch choice read, and is scored on the held-out fold), once per
monitor with the same folds and seeds. The held-out folds are never seen by early stopping, so
the two monitors are compared on data neither chose on.

Every (set, monitor, seed) appends one JSON line to ``--results``: per-fold AUROC and accuracy
of the network on the held-out folds, the process CPU seconds of the whole cross-validation
(``time.process_time``, one torch thread, ``--baseline fast``), and how many folds had too few
validation examples (< 30) to stop early on, where the monitor is not read at all. ``--table``
prints mean scores and paired differences. Sets: ``hairpins`` (the synthetic pre-miRNA-like
stand-in of ``hairpins.py``, 7,457 sequences, 1 positive in 10), ``nrc-mirna`` (nRC's 6,320
training records, miRNA against the 12 other families), ``promoters`` (10 folds as
``realdata.py``), ``golub`` and ``ecg200`` (their training files), ``mutag`` (10 folds as
``realdata.py``). AntiCP 2.0 is measured by ``peptide_defaults.py`` (same protocol)::

    nice python benchmarks/monitor_auto.py --sets hairpins,promoters --monitors loss,auto
    python benchmarks/monitor_auto.py --table
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("BIODL_QUIET", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_baseline_panel import DATASETS as PANEL_SETS
from bench_baseline_panel import SHARED

HERE = Path(__file__).resolve().parent

RESULTS = HERE / "monitor_auto_results.jsonl"


def _hairpins(tmp: Path) -> dict[str, Any]:
    """The synthetic hairpins' training file (generated; its test file is not used)."""
    subprocess.run([sys.executable, str(HERE / "hairpins.py"), str(tmp)], check=True)
    return {"train": str(tmp / "train.fasta")}


def _nrc_mirna(tmp: Path) -> dict[str, Any]:
    """nRC training records as a binary task: miRNA (500 of 6,320) against the rest."""
    path = SHARED / "sequences" / "nrc_ncrna_families" / "dataset_Rfam_6320_13classes.fasta.gz"
    out = tmp / "nrc_mirna.csv"
    rows, name, seq = [], "", []
    with gzip.open(path, "rt") as lines:
        for line in lines:
            if line.startswith(">"):
                if name:
                    rows.append((name, "".join(seq)))
                name, seq = line.split()[-1], []
            else:
                seq.append(line.strip())
    rows.append((name, "".join(seq)))
    labels = ["mirna" if n == "miRNA" else "other" for n, _ in rows]
    pd.DataFrame({"sequence": [s for _, s in rows], "label": labels}).to_csv(out, index=False)
    return {"train": str(out)}


def _mutag(tmp: Path) -> dict[str, Any]:
    return {"train": str(SHARED / "graphs" / "tu_mutag")}


#: name -> (training files and options, folds)
SETS: dict[str, tuple[Callable[[Path], dict[str, Any]], int]] = {
    "hairpins": (_hairpins, 5),
    "nrc-mirna": (_nrc_mirna, 5),
    "promoters": (PANEL_SETS["promoters"], 10),
    "golub": (PANEL_SETS["golub"], 5),
    "ecg200": (PANEL_SETS["ecg200"], 5),
    "mutag": (_mutag, 10),
}


def run(name: str, monitor: str, seed: int, tmp: Path, folds: int = 0) -> dict[str, Any]:
    """One cross-validation of the default network with ``--monitor monitor`` (``folds`` 0:
    the set's own number of folds)."""
    import biodl

    make, default_folds = SETS[name]
    folds = folds or default_folds
    files = make(tmp)
    started = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = biodl.cross_validate(
            folds=folds, monitor=monitor, seed=seed, threads=1, baseline="fast",
            checkpoint_every=0, progress=False, **files,
        )  # fmt: skip
    cpu = time.process_time() - started
    model = result.folds[result.folds["who"] == "model"]
    too_few = sum("too few to choose the best epoch" in str(w.message) for w in caught)
    return {
        "set": name,
        "monitor": monitor,
        "resolved": result.config.train.monitor,
        "seed": seed,
        "auroc": [round(float(v), 4) for v in model["auroc"]],
        "accuracy": [round(float(v), 4) for v in model["accuracy"]],
        "folds": folds,
        "folds_without_stopping": too_few,
        "cpu_s": round(cpu, 1),
        "load": round(os.getloadavg()[0], 1),
    }


def table(results: Path) -> str:
    """Mean CV AUROC / accuracy per set, seed and monitor, with the paired per-fold difference
    of each monitor against ``loss``."""
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    by = {(r["set"], r["seed"], r["monitor"]): r for r in rows}
    lines = [
        "| set | seed | monitor (resolved) | CV AUROC | CV accuracy | Δ AUROC vs loss (per fold) "
        "| Δ accuracy | folds without early stopping | CPU s |",
        "| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for (name, seed, monitor), r in sorted(
        by.items(), key=lambda kv: (*kv[0][:2], kv[0][2] != "loss")
    ):
        base = by.get((name, seed, "loss"))
        delta, delta_acc = "–", "–"
        if base is not None and monitor != "loss":
            diff = np.subtract(r["auroc"], base["auroc"])
            folds = ", ".join(f"{d:+.3f}" for d in diff)
            delta = f"{diff.mean():+.3f} ({folds})"
            delta_acc = f"{np.mean(r['accuracy']) - np.mean(base['accuracy']):+.3f}"
        lines.append(
            f"| {name} | {seed} | {monitor} ({r['resolved']}) | {np.mean(r['auroc']):.3f} | "
            f"{np.mean(r['accuracy']):.3f} | {delta} | {delta_acc} | "
            f"{r['folds_without_stopping']} of {r['folds']} | {r['cpu_s']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--monitors", default="loss,auto")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--folds", type=int, default=0, help="0: each set's own (10 or 5)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    if args.table:
        print(table(args.results))
        return
    have = set()
    if args.results.is_file():
        for line in args.results.read_text().splitlines():
            r = json.loads(line)
            have.add((r["set"], r["monitor"], r["seed"]))
    for name in args.sets.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            for monitor in args.monitors.split(","):
                if (name, monitor, seed) in have:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    row = run(name, monitor, seed, Path(tmp), args.folds)
                with args.results.open("a") as out:
                    out.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
