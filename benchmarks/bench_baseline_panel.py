"""Benchmark: the baseline panel's cost and choice on every shared dataset biodl reads.

For each dataset in ``../shared/data`` that biodl reads (sequences/*, protein/anticancer_peptides,
protein/flip_gb1, expression/golub_all_aml, timeseries/ucr_ecg200; see each SOURCE.txt), the
panel is fitted exactly as ``biodl train`` fits it by default
(:func:`biodl.pipeline.baselines.fit_baseline_for`): on the file's TRAINING part only, split by
biodl's defaults (stratified or random: 20 % test, 10 % validation) so the choice is made on a
validation part cut from the training data. The published test parts are never read.

Printed per dataset: training / validation examples, feature columns, each model's fit seconds
(wall, with the features of the training rows counted in the first model) and its primary
metric on the validation part, the chosen model, the process CPU seconds of the whole panel and
the load average. Run from the repository root::

    .venv/bin/python benchmarks/bench_baseline_panel.py [--only nrc splice ...]
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

os.environ.setdefault("BIODL_QUIET", "1")
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _nrc(tmp: Path) -> dict[str, Any]:
    """nRC: labels are the last word of each FASTA header; the 6,320 training records."""
    rows, name, label, seq = [], None, None, []
    path = SHARED / "sequences" / "nrc_ncrna_families" / "dataset_Rfam_6320_13classes.fasta.gz"
    with gzip.open(path, "rt") as handle:
        for line in handle:
            line = line.strip()
            if line.startswith(">"):
                if name:
                    rows.append((name, label, "".join(seq)))
                words = line[1:].split()
                name, label, seq = words[0], words[-1], []
            elif line:
                seq.append(line)
    rows.append((name, label, "".join(seq)))
    out = tmp / "nrc_train.csv"
    pd.DataFrame(rows, columns=["id", "family", "sequence"]).to_csv(out, index=False)
    return {"train": str(out)}


def _splice(tmp: Path) -> dict[str, Any]:
    return {"train": str(SHARED / "sequences" / "uci_splice" / "splice.csv")}


def _promoters(tmp: Path) -> dict[str, Any]:
    return {"train": str(SHARED / "sequences" / "uci_ecoli_promoters" / "promoters.data")}


def _mpsa(tmp: Path) -> dict[str, Any]:
    """MPSA 5' splice sites: regression on y, the 'training' rows of mpsa_data."""
    table = pd.read_csv(SHARED / "sequences" / "mavenn_mpsa" / "mpsa_data.csv.gz")
    train = table[table["set"] == "training"]
    out = tmp / "mpsa_train.csv"
    pd.DataFrame({"sequence": train["x"], "psi": train["y"]}).to_csv(out, index=False)
    return {"train": str(out)}


def _anticp(which: str) -> Callable[[Path], dict[str, Any]]:
    def make(tmp: Path) -> dict[str, Any]:
        table = pd.read_csv(SHARED / "protein" / "anticancer_peptides" / "anticp2.csv")
        train = table[(table["dataset"] == which) & (table["split"] == "train")]
        out = tmp / f"anticp_{which}.csv"
        train[["sequence", "label"]].to_csv(out, index=False)
        return {"train": str(out)}

    return make


def _gb1(tmp: Path) -> dict[str, Any]:
    """FLIP GB1 'sampled' split: regression on fitness, its train rows."""
    with zipfile.ZipFile(SHARED / "protein" / "flip_gb1" / "splits.zip") as archive:
        archive.extract("splits/sampled.csv", tmp)
    table = pd.read_csv(tmp / "splits" / "sampled.csv")
    out = tmp / "gb1_train.csv"
    table[table["set"] == "train"][["sequence", "target"]].to_csv(out, index=False)
    return {"train": str(out)}


def _golub(tmp: Path) -> dict[str, Any]:
    folder = SHARED / "expression" / "golub_all_aml"
    return {
        "train": str(folder / "data_set_ALL_AML_train.csv"),
        "labels": str(folder / "actual.csv"),
        "label_columns": ["cancer"],
        "genes_as_rows": True,
    }


def _ecg200(tmp: Path) -> dict[str, Any]:
    return {"train": str(SHARED / "timeseries" / "ucr_ecg200" / "ECG200_TRAIN.txt")}


DATASETS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "nrc": _nrc,
    "splice": _splice,
    "promoters": _promoters,
    "mpsa": _mpsa,
    "anticp-main": _anticp("main"),
    "anticp-alternate": _anticp("alternate"),
    "gb1-sampled": _gb1,
    "golub": _golub,
    "ecg200": _ecg200,
}


def run(name: str, tmp: Path) -> str:
    from biodl.config import build_config
    from biodl.evaluation.metrics import compute_metrics, primary_metric
    from biodl.kinds import prepare_run_data
    from biodl.pipeline.baselines import fit_baseline_for

    cfg = build_config(**DATASETS[name](tmp), seed=0)
    prepared = prepare_run_data(cfg)
    task = prepared.targets.task
    metric = primary_metric(task)
    cpu, wall = time.process_time(), time.perf_counter()
    fitted = fit_baseline_for(cfg, prepared)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    y = fitted.selection_y
    cells = []
    for key in ("logistic", "random_forest", "gradient_boosting"):
        member = fitted.members[key]
        value = compute_metrics(task, y, fitted.selection_scores[key])[metric]  # type: ignore[arg-type]
        mark = "**" if key == fitted.chosen else ""
        cells.append(f"{mark}{value:.3f}{mark} / {member.seconds:.1f}")
    n_features = fitted.members["logistic"].baseline.n_features
    sizes = f"{len(prepared.part('train')):,} / {len(prepared.part('valid')):,}"
    return (
        f"| {name} | {task} | {sizes} | {n_features:,} | {' | '.join(cells)} | "
        f"{fitted.baseline.human_name} | {wall:.0f} | {cpu:.0f} | {os.getloadavg()[0]:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"shared data not found at {SHARED}; nothing to do")
        return
    warnings.filterwarnings("ignore")
    header = (
        "| dataset | task | train / valid | features | logistic: valid metric / fit s | "
        "random forest | gradient boosting | chosen | panel wall s | panel CPU s | load |"
    )
    rows = [header, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as folder:
        for name in args.only:
            rows.append(run(name, Path(folder)))
            print(rows[-1], flush=True)
    print("\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
