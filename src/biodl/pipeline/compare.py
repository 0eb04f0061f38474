"""``biodl report RUN...`` and :func:`biodl.compare_runs`: load several runs, align them, and
compare them side by side.

The runs may be ``biodl train`` classifiers and regressors, ``biodl cv`` runs (the mean over
folds with its sd and the value of each fold), language models (test perplexity, lower is
better) or forecasts (per-site AUROC). Each run's ``metrics.json``, ``config.yaml`` and
``history.csv`` are read through :mod:`biodl.runs` and :mod:`biodl.config` (runs written by
older biodl included). Runs of different tasks or primary metrics are refused; a test-part
estimate and a mean over folds are ranked each within its own group, never against each
other; runs on different data files are allowed and the page says so. The page itself is
:mod:`biodl.report.compare`.

Examples
--------
>>> flatten_config({"model": {"name": "cnn", "params": {"channels": 8}}, "schema_version": 2})
{'model.name': 'cnn', 'model.channels': 8}
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.config import load_config
from biodl.errors import DataError, DataWarning
from biodl.evaluation.cv_results import CVResults
from biodl.evaluation.estimates import Estimate, MeanSd
from biodl.evaluation.results import ModelMetrics, RunResults
from biodl.pipeline.fitting import MODEL_TITLES
from biodl.report.compare import (
    NUMBERS,
    ComparedRun,
    RunsCompared,
    Score,
    best_and_runner_up,
    read_with_care,
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
    "load_run",
    "resolve_cv_options",
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
            raise DataError(
                f"{path}: no such folder; pass the --out folder of a `biodl train` or "
                "`biodl cv` run"
            )
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
                "none; pass `biodl train` or `biodl cv` --out folders or a folder of them"
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


def _read_json(folder: Path) -> dict[str, Any]:
    file = folder / "metrics.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"{file}: not valid JSON ({err.msg}, line {err.lineno})") from err
    if not isinstance(data, dict):
        raise DataError(f"{file}: expected a JSON object of results, got {type(data).__name__}")
    return data


def _interval(estimate: Any) -> Score:
    nan = float("nan")
    if estimate is None:
        return Score(nan)
    value, low, high = (
        nan if v is None else float(v) for v in (estimate.value, estimate.low, estimate.high)
    )
    return Score(value, low, high)


def _over_folds(stat: MeanSd | None) -> Score:
    if stat is None:
        return Score(float("nan"))
    folds = tuple(stat.values)
    return Score(float("nan") if stat.mean is None else stat.mean, sd=stat.sd, folds=folds)


def _from_train(results: RunResults) -> dict[str, Any]:
    def primary(who: ModelMetrics) -> Score:
        split = who.splits.get(results.final_split)
        return _interval(split.estimates.get(results.primary_metric) if split else None)

    split = results.final_split
    return {
        "command": "train",
        "task": results.task,
        "metric": results.primary_metric,
        "model": results.model.name,
        "score": primary(results.model),
        "baseline": results.baseline.name,
        "baseline_score": primary(results.baseline),
        "split": split,
        "train_file": results.data.train_file,
        "group": NUMBERS["train"].format(split=split),
        "curve": f"valid_{results.primary_metric}",
        "last_epoch_kept": results.training is not None
        and not results.training.epoch_chosen_on_valid,
    }


def _from_cv(results: CVResults) -> dict[str, Any]:
    metric = results.primary_metric
    repeats = f" x {results.repeats}" if results.repeats > 1 else ""
    return {
        "command": "cv",
        "task": results.task,
        "metric": metric,
        "model": results.model.name,
        "score": _over_folds(results.model.metrics.get(metric)),
        "baseline": results.baseline.name,
        "baseline_score": _over_folds(results.baseline.metrics.get(metric)),
        "split": f"{results.folds} folds{repeats}",
        "train_file": results.data.train_file,
        "group": NUMBERS["cv"],
        "curve": f"valid_{metric}",
    }


def _from_language_model(data: Mapping[str, Any], source: Path) -> dict[str, Any]:
    try:
        net, markov = data["network"], data["markov"]

        def perplexity(entry: Mapping[str, Any]) -> Score:
            low, high = entry.get("test_perplexity_ci") or (None, None)
            return _interval(Estimate(entry["test_perplexity"], low, high))

        return {
            "command": "language-model",
            "task": "language-model",
            "metric": "perplexity",
            "model": str(data["model"]),
            "score": perplexity(net),
            "baseline": f"Markov, order {markov['order']}",
            "baseline_score": perplexity(markov),
            "split": "test",
            "group": NUMBERS["language-model"].format(objective=data.get("objective", "causal")),
            "curve": "valid_perplexity",
        }
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(
            f"{source}: not the metrics.json of a language-model run ({type(err).__name__}: "
            f"{err}); pass the --out folder of a finished biodl train --task language-model"
        ) from err


def _from_forecast(data: Mapping[str, Any], source: Path) -> dict[str, Any]:
    from biodl.evaluation.forecast import ForecastEvaluation
    from biodl.report.forecast import FORECASTERS

    try:
        evaluation = ForecastEvaluation.from_json(dict(data))
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(
            f"{source}: not the metrics.json of a forecast run ({type(err).__name__}: {err}); "
            "pass the --out folder of a finished biodl train --task forecast"
        ) from err
    auroc = evaluation.model.auroc
    base = evaluation.baselines[evaluation.strongest].auroc
    return {
        "command": "forecast",
        "task": "forecast",
        "metric": "auroc",
        "model": "SiteForecaster",
        "score": Score(auroc.value, auroc.low, auroc.high),
        "baseline": FORECASTERS[evaluation.strongest],
        "baseline_score": Score(base.value, base.low, base.high),
        "split": "held-out seasons",
        "group": NUMBERS["forecast"],
        "curve": "valid_change_loss",
    }


def load_run(name: str, folder: Path) -> ComparedRun:
    """One run of any command as a :class:`ComparedRun`: a ``biodl train`` classifier or
    regressor, a ``biodl cv``, a language model or a forecast.

    Raises
    ------
    DataError
        If its ``metrics.json`` or ``config.yaml`` cannot be read.
    """
    data = _read_json(folder)
    config = load_config(folder / "config.yaml")
    flat = flatten_config(config.to_dict())
    if data.get("task") == "language-model":
        fields = _from_language_model(data, folder / "metrics.json")
        fields["train_file"] = str(config.data.train)
    elif data.get("task") == "forecast":
        fields = _from_forecast(data, folder / "metrics.json")
        fields["train_file"] = str(config.data.train)
    else:
        results = load_results(folder)
        if isinstance(results, CVResults):
            fields = _from_cv(results)
            flat = resolve_cv_options(flat, results)
        else:
            fields = _from_train(results)
    history_file = folder / HISTORY_FILE
    history = pd.read_csv(history_file) if history_file.is_file() else None
    return ComparedRun(name=name, path=folder, config=flat, history=history, **fields)


def resolve_cv_options(flat: Mapping[str, Any], results: CVResults) -> dict[str, Any]:
    """A cv run's flattened options with ``auto`` replaced by what the run resolved it to.

    ``biodl cv`` writes its configuration as given (``data.kind: auto``, ``model.name:
    auto``) but records the kind of data and the model it used in ``metrics.json``; a train
    run writes them resolved. Runs written before the kind was recorded keep ``auto`` there.

    Examples
    --------
    >>> from biodl.evaluation.cv_results import CVData, CVModelSummary
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(data=CVData("x.csv", 10, kind="sequence"),
    ...                     model=CVModelSummary("CNN", 1.0, {}))
    >>> resolve_cv_options({"data.kind": "auto", "model.name": "auto"}, r)
    {'data.kind': 'sequence', 'model.name': 'cnn'}
    """
    out = dict(flat)
    if out.get("data.kind") == "auto" and results.data.kind:
        out["data.kind"] = results.data.kind
    if out.get("model.name") == "auto" and results.model.name:
        keys = {title: key for key, title in MODEL_TITLES.items()}
        out["model.name"] = keys.get(results.model.name, results.model.name)
    return out


def load_compared(paths: Iterable[str | os.PathLike[str]]) -> list[ComparedRun]:
    """Load every run of ``paths`` (see :func:`find_runs`): results, configuration, history.

    Raises
    ------
    DataError
        If fewer than two runs are found, or a file cannot be read.
    """
    folders = find_runs(paths)
    if len(folders) < 2:
        where = ", ".join(map(str, folders)) or "nothing"
        raise DataError(
            f"comparing runs needs at least two run directories, found 1 ({where}); pass more "
            "runs (one language-model or forecast run alone: its own page is drawn again)"
        )
    return [load_run(name, folder) for name, folder in zip(_names(folders), folders, strict=True)]


def _check_same_task(runs: Sequence[ComparedRun]) -> None:
    kinds = {(r.task, r.metric) for r in runs}
    if len(kinds) > 1:
        each = ", ".join(f"{r.name} ({r.task}, {r.metric})" for r in runs)
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
    metric = runs[0].metric
    higher = higher_is_better(metric)
    ranking: dict[str, tuple[int | None, int | None]] = {}
    for group in dict.fromkeys(r.group for r in runs):
        members = [i for i, r in enumerate(runs) if r.group == group]
        best, runner = best_and_runner_up([runs[i].score.value for i in members], higher=higher)
        ranking[group] = (
            None if best is None else members[best],
            None if runner is None else members[runner],
        )
    return RunsCompared(
        runs=runs,
        task=runs[0].task,
        metric=metric,
        higher=higher,
        differences=differing_options(runs),
        ranking=ranking,
    )


def compare_frame(compared: RunsCompared) -> pd.DataFrame:
    """One row per run: what its numbers are, the primary metric (interval or mean ± sd over
    folds, with the value of each fold), the baseline's, the split, the data file, whether it
    is the best of its group, then one column per differing option."""
    rows = []
    best = compared.best_runs()
    for i, run in enumerate(compared.runs):
        model, base = run.score, run.baseline_score
        row: dict[str, Any] = {
            "run": run.name,
            "path": str(run.path),
            "command": run.command,
            "numbers": run.group,
            "model": run.model,
            "task": compared.task,
            "metric": compared.metric,
            "split": run.split,
            "value": model.value,
            "low": model.low,
            "high": model.high,
            "sd": np.nan if model.sd is None else model.sd,
            "folds": list(model.folds),
            "baseline": run.baseline,
            "baseline_value": base.value,
            "baseline_low": base.low,
            "baseline_high": base.high,
            "baseline_sd": np.nan if base.sd is None else base.sd,
            "train_file": run.train_file,
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

    Warns
    -----
    DataWarning
        For each caveat of the page's "Read with care" box (runs trained on different data
        files, scored on different parts, ...), as the ranking's "best" stands under it.
    """
    compared = compare(paths)
    for text in read_with_care(compared):
        warnings.warn(text, DataWarning, stacklevel=2)
    if out is not None:
        write_compare_report(compared, out)
    return compare_frame(compared)
