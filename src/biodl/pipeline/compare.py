"""``biodl report RUN...`` and :func:`biodl.compare_runs`: load several training runs, align
them, and compare them side by side.

Each run's ``metrics.json``, ``config.yaml`` and ``history.csv`` are read through
:mod:`biodl.runs` and :mod:`biodl.config` (runs written by older biodl included). Runs of
different tasks or primary metrics are refused; runs on different data files are allowed and
the page says so. The page itself is :mod:`biodl.report.compare`.

Examples
--------
>>> flatten_config({"model": {"name": "cnn", "params": {"channels": 8}}, "schema_version": 2})
{'model.name': 'cnn', 'model.channels': 8}
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from biodl.config import load_config
from biodl.errors import DataError
from biodl.evaluation.results import RunResults
from biodl.report.compare import (
    ComparedRun,
    RunsCompared,
    best_and_runner_up,
    write_compare_report,
)
from biodl.report.figures import higher_is_better
from biodl.runs import is_run_dir, load_results

__all__ = [
    "compare",
    "compare_frame",
    "differing_options",
    "find_runs",
    "flatten_config",
    "load_compared",
    "run_compare",
]

HISTORY_FILE = "history.csv"


def find_runs(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The run folders named by ``paths``: a run folder itself, or every run folder inside a
    folder that is not one (sorted by name).

    Raises
    ------
    DataError
        If a path does not exist, or is neither a run nor a folder holding runs.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise DataError(f"{path}: no such folder; pass the --out folder of a `biodl train` run")
        if is_run_dir(path):
            found.append(path)
            continue
        inside = (
            sorted(p for p in path.iterdir() if p.is_dir() and is_run_dir(p))
            if path.is_dir()
            else []
        )
        if not inside:
            raise DataError(
                f"{path}: not a biodl run directory (no config.yaml and metrics.json) and holds "
                "none; pass `biodl train` --out folders or a folder of them"
            )
        found.extend(inside)
    seen: set[Path] = set()
    runs = []
    for path in found:
        if path.resolve() not in seen:  # the same run named twice is compared once
            seen.add(path.resolve())
            runs.append(path)
    return runs


def flatten_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A nested configuration as ``section.option`` -> value; model hyperparameters as
    ``model.<name>``; the schema version left out."""
    flat: dict[str, Any] = {}
    for section, values in raw.items():
        if section == "schema_version":
            continue
        if not isinstance(values, Mapping):
            flat[section] = values
            continue
        for key, value in values.items():
            if section == "model" and key == "params" and isinstance(value, Mapping):
                for name, param in value.items():
                    flat[f"model.{name}"] = param
            else:
                flat[f"{section}.{key}"] = value
    return flat


def _names(paths: Sequence[Path]) -> list[str]:
    """The folder names, with the parent folder added where two runs share a name."""
    names = [p.name for p in paths]
    return [f"{p.parent.name}/{p.name}" if names.count(p.name) > 1 else p.name for p in paths]


def load_compared(paths: Iterable[str | os.PathLike[str]]) -> list[ComparedRun]:
    """Load every run of ``paths`` (see :func:`find_runs`): results, configuration, history.

    Raises
    ------
    DataError
        If fewer than two runs are found, a run is a cross-validation run, or a file cannot be
        read.
    """
    folders = find_runs(paths)
    if len(folders) < 2:
        where = ", ".join(map(str, folders)) or "nothing"
        raise DataError(
            f"comparing runs needs at least two run directories, found 1 ({where}); pass more runs"
        )
    runs = []
    for name, folder in zip(_names(folders), folders, strict=True):
        results = load_results(folder)
        if not isinstance(results, RunResults):
            raise DataError(
                f"{folder}: a cross-validation run; `biodl report` compares `biodl train` runs"
            )
        config = flatten_config(load_config(folder / "config.yaml").to_dict())
        history_file = folder / HISTORY_FILE
        history = pd.read_csv(history_file) if history_file.is_file() else None
        runs.append(ComparedRun(name, folder, results, config, history))
    return runs


def _check_same_task(runs: Sequence[ComparedRun]) -> None:
    kinds = {(r.results.task, r.results.primary_metric) for r in runs}
    if len(kinds) > 1:
        each = ", ".join(f"{r.name} ({r.results.task}, {r.results.primary_metric})" for r in runs)
        raise DataError(
            f"runs of different tasks or primary metrics cannot be compared: {each}; "
            "compare runs of one task scored by one metric"
        )


def differing_options(runs: Sequence[ComparedRun]) -> dict[str, list[Any]]:
    """Option -> its value in each run, for the options whose values differ (None: not set)."""
    options = list(dict.fromkeys(k for r in runs for k in r.config))
    out = {}
    for option in options:
        values = [r.config.get(option) for r in runs]
        if any(v != values[0] for v in values[1:]):
            out[option] = values
    return out


def compare(paths: Iterable[str | os.PathLike[str]]) -> RunsCompared:
    """Load and align the runs of ``paths``; name the best by its primary metric.

    Raises
    ------
    DataError
        See :func:`load_compared`; also when the runs differ in task or primary metric.
    """
    runs = load_compared(paths)
    _check_same_task(runs)
    metric = runs[0].results.primary_metric
    higher = higher_is_better(metric)
    values = [r.estimate().value for r in runs]
    best, runner = best_and_runner_up(values, higher=higher)
    return RunsCompared(
        runs=runs,
        task=runs[0].results.task,
        metric=metric,
        higher=higher,
        differences=differing_options(runs),
        best=best,
        runner_up=runner,
    )


def compare_frame(compared: RunsCompared) -> pd.DataFrame:
    """One row per run: the primary metric with its interval, the baseline's, the split, the
    data file, whether it is the best, then one column per differing option."""
    rows = []
    best = compared.best_runs()
    for i, run in enumerate(compared.runs):
        model, base = run.estimate("model"), run.estimate("baseline")
        row: dict[str, Any] = {
            "run": run.name,
            "path": str(run.path),
            "model": run.results.model.name,
            "task": compared.task,
            "metric": compared.metric,
            "split": run.results.final_split,
            "value": model.value,
            "low": model.low,
            "high": model.high,
            "baseline": run.results.baseline.name,
            "baseline_value": base.value,
            "baseline_low": base.low,
            "baseline_high": base.high,
            "train_file": run.results.data.train_file,
            "best": i in best,
        }
        for option, values in compared.differences.items():
            row[option] = values[i]
        rows.append(row)
    return pd.DataFrame(rows)


def run_compare(
    paths: Iterable[str | os.PathLike[str]], *, out: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """Compare the runs of ``paths``; write the page to ``out`` when given.

    Returns
    -------
    DataFrame
        :func:`compare_frame` of the runs.
    """
    compared = compare(paths)
    if out is not None:
        write_compare_report(compared, out)
    return compare_frame(compared)
