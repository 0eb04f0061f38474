"""``biodl cv``: k-fold cross-validation of the network and the baseline on identical folds.

Each fold's training part is split again (``valid_size``) for early stopping, so the held-out
fold is never seen in training; the baseline trains on the same fold training part. The result
is per-fold metrics, mean ± sd, and a paired comparison ending in one plain sentence.

``tune=True`` makes it nested cross-validation: inside each outer fold the network is tuned
(the objective of ``biodl tune`` with ``cv=0``) on the fold's training part only, scored on an
inner validation part of it, and the best configuration is then trained on that training part
and scored on the held-out fold, which took no part in the search. ``train.seeds = N`` repeats
the whole cross-validation N times: repeat r uses seed ``seed + r`` for its folds and its
training.

Examples
--------
>>> # result = biodl.cross_validate("splice.csv", folds=5, out="runs/splice-cv")
>>> # print(result.summary())
"""

from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl import __version__
from biodl._io import atomic_write_text, to_json
from biodl.config import RunConfig, dump_config
from biodl.data.prepared import PreparedData, inner_split, subset_prepared
from biodl.errors import ConfigError, DataWarning
from biodl.evaluation.crossval import compare_folds, cv_verdict
from biodl.evaluation.cv_results import (
    CVComparison,
    CVData,
    CVModelSummary,
    CVResults,
    NestedTuning,
    TunedFold,
)
from biodl.evaluation.estimates import MeanSd, finite
from biodl.evaluation.metrics import compute_metrics, primary_metric
from biodl.kinds import prepare_run_data
from biodl.pipeline.baselines import fit_baseline_for
from biodl.pipeline.fitting import fit_model, model_title, predict_trained, with_monitor
from biodl.pipeline.folds import cv_folds
from biodl.pipeline.run_metrics import COLLAPSED_FIX, collapsed_class
from biodl.pipeline.train import environment_record, resumable
from biodl.report.build import mean_sd_text
from biodl.run_log import say
from biodl.runs import RunWriter, run_directory
from biodl.training.ranks import check_one_process
from biodl.training.resume import CHECKPOINTS, no_checkpointing, slot_scope


@dataclass
class CVResult:
    """What :func:`run_cv` returns.

    Attributes
    ----------
    run_dir : Path or None
    results : CVResults
        Per model, per metric mean / sd / values over folds, and the comparison with its
        verdict: what ``metrics.json`` holds, typed.
    folds : DataFrame
        The content of ``folds.csv``: one row per (repeat, fold, model).
    config : RunConfig
    timings : dict of str to float
        Wall seconds of each stage (reading data, building folds, training, tuning,
        prediction, metrics, writing), for the cross-validation benchmark.
    """

    run_dir: Path | None
    results: CVResults
    folds: pd.DataFrame
    config: RunConfig
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, Any]:
        """The content of ``metrics.json`` as a dict (``results.to_json()``)."""
        return self.results.to_json()

    def summary(self) -> str:
        """Plain-text table of mean ± sd over folds, then the verdict."""
        model, base = self.results.model, self.results.baseline
        header = f"{'metric':<18}{model.name + ' (mean ± sd)':<30}{base.name:<30}"
        lines = [header, "-" * len(header.rstrip())]
        for name, stat in model.metrics.items():
            theirs = mean_sd_text(base.metrics[name])
            lines.append(f"{name:<18}{mean_sd_text(stat):<30}{theirs:<30}")
        if base.chosen:  # the panel: the baseline chosen in each fold
            folds = ", ".join(f"{name} {n}" for name, n in base.chosen.items())
            lines += ["", f"baseline chosen per fold (best of the panel): {folds}"]
        positive = self.results.data.positive_text()
        about = [f"{positive}: AUPRC and F1 refer to it"] if positive else []
        return "\n".join([*lines, "", *about, self.results.comparison.verdict])


def run_cv(
    cfg: RunConfig,
    *,
    folds: int = 5,
    repeats: int = 1,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    tune: bool = False,
    search: str = "random",
    trials: int = 10,
    resume: str | os.PathLike[str] | None = None,
) -> CVResult:
    """Cross-validate the network and the baseline of ``cfg`` on identical folds.

    Parameters
    ----------
    cfg : RunConfig
        ``data.split`` chooses the folds: stratified (classification), random, group
        (``data.group_column``) or similarity; ``data.valid_size`` is the part of each fold's
        training data used for early stopping.
    folds : int, default 5
    repeats : int, default 1
        Repeated k-fold with reshuffled folds.
    out : path, optional
        Run directory (config.yaml, folds.csv, metrics.json, report.html, environment.json).
    overwrite : bool, default False
    progress : bool, optional
    tune : bool, default False
        Nested cross-validation: tune the network inside each outer fold, on its training part
        only, then score the best configuration on the held-out fold.
    search : {'grid', 'random', 'bayes'}, default 'random'
        The search of each fold's tuning (with ``tune``).
    trials : int, default 10
        Trials per outer fold (with ``tune``).
    resume : path, optional
        The partial folder of an interrupted cross-validation of ``out``
        (:func:`biodl.pipeline.train.resume_run`): finished folds are read back, the first
        unfinished one continues from its last checkpoint.

    Raises
    ------
    ConfigError
        If separate --valid/--test files are given (cross-validation uses all of DATA), for
        --tune with fewer than 1 trial, an unknown search, no inner validation part, or
        --seeds together with --repeats.
    DataError
        If a class or the number of groups is smaller than the number of folds.
    """
    if cfg.data.valid or cfg.data.test:
        raise ConfigError(
            "biodl cv makes its folds from all of DATA; --valid and --test do not apply (merge "
            "the files, or use biodl train)"
        )
    _check_options(cfg, repeats, tune, search, trials)
    check_one_process("biodl cv", cfg.train.num_nodes)
    nested = _Nested(search, trials) if tune else None
    options: dict[str, Any] = {"folds": folds, "repeats": repeats, "overwrite": overwrite}
    options.update({"tune": tune, "search": search, "trials": trials})
    with (
        run_directory(out, overwrite=overwrite, resume=resume) as writer,
        resumable(writer, cfg, "cv", resume=resume is not None, **options),
    ):
        records = None
        if writer is not None and cfg.train.checkpoint_every > 0:
            records = FoldRecords(writer.path / CHECKPOINTS / "folds.json")
        result = _cross_validate(cfg, folds, repeats, progress, nested, records)
        if writer is not None:
            start = time.perf_counter()
            _write(writer, result)
            result.timings["write"] = time.perf_counter() - start
    if writer is not None:
        result.run_dir = writer.out
    return result


@dataclass(frozen=True)
class _Nested:
    search: str
    trials: int


def _check_options(cfg: RunConfig, repeats: int, tune: bool, search: str, trials: int) -> None:
    from biodl.pipeline.search import SEARCH_HELP

    if cfg.train.seeds < 1:
        raise ConfigError(f"--seeds {cfg.train.seeds}: expected at least 1 seed")
    if cfg.train.seeds > 1 and repeats > 1:
        raise ConfigError(
            f"--seeds {cfg.train.seeds} with --repeats {repeats}: each seed is already a repeat "
            "with its own folds and training seed; give one of them"
        )
    if not tune:
        return
    if trials < 1:
        raise ConfigError(f"--trials {trials}: --tune needs at least 1 trial per fold")
    if search not in SEARCH_HELP:
        raise ConfigError(f"--search {search}: expected one of {', '.join(SEARCH_HELP)}")
    if cfg.data.valid_size <= 0:
        raise ConfigError(
            "--tune scores each trial on an inner validation part of the fold's training data; "
            "set --valid-size above 0 (e.g. 0.2)"
        )


def _seeded(cfg: RunConfig, repeat: int) -> RunConfig:
    """The config of one repeat of a ``--seeds`` run: its own training seed."""
    return replace(cfg, train=replace(cfg.train, seed=cfg.train.seed + repeat))


def _cross_validate(
    cfg: RunConfig,
    n_folds: int,
    repeats: int,
    progress: bool | None,
    nested: _Nested | None,
    records: FoldRecords | None = None,
) -> CVResult:
    started = datetime.now(timezone.utc)
    timings = dict.fromkeys(("read", "folds", "train", "tune", "predict", "metrics"), 0.0)
    clock = time.perf_counter()
    data = replace(cfg.data, test_size=0.0, valid_size=0.0)
    full = prepare_run_data(replace(cfg, data=data))
    # --monitor auto as recorded; each fold resolves it again on its own inner validation part
    # (the loss where that part holds one class: AUROC is undefined there)
    resolved = with_monitor(cfg, full)
    timings["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    targets = full.targets
    folds = cv_folds(
        full, cfg.data, n_folds=n_folds, repeats=max(repeats, cfg.train.seeds), seed=cfg.train.seed
    )
    timings["folds"] = time.perf_counter() - clock
    full.emit_warnings()
    rows: list[dict[str, Any]] = []
    collapsed: list[str] = []  # folds whose network predicted one class for everything
    tuned: list[TunedFold] = []
    chosen: list[str] = []  # the baseline of each fold (the panel chooses per fold)
    outcome: _Fold | None = None
    for fold in folds:
        key = f"repeat-{fold.repeat + 1}-fold-{fold.fold + 1}"
        outcome = records.get(key) if records is not None else None
        if outcome is None:  # not finished before an interruption: run it
            with slot_scope(key):
                outcome = _run_fold(cfg, full, fold, progress, nested, timings)
            if records is not None:
                records.add(key, outcome)
        rows += outcome.rows
        chosen.append(outcome.chosen)
        if outcome.collapsed is not None:
            again = f" (repeat {fold.repeat + 1})" if max(repeats, cfg.train.seeds) > 1 else ""
            where = f"fold {fold.fold + 1}{again}"
            collapsed.append(f"{where}: {outcome.collapsed!r}")
        if outcome.tuned is not None:
            tuned.append(outcome.tuned)
        say(_fold_line(outcome, fold, n_folds, primary_metric(targets.task)), progress=progress)
    assert outcome is not None
    if collapsed:
        warnings.warn(
            f"the network predicts one class for every held-out example in {len(collapsed)} of "
            f"{len(folds)} folds ({', '.join(collapsed)}): {COLLAPSED_FIX}",
            DataWarning,
            stacklevel=2,
        )
    clock = time.perf_counter()
    table = pd.DataFrame(rows)
    model_name = model_title(outcome.model)
    base_name = _baseline_name(chosen)
    results = _summarise(table, targets.task, model_name, base_name, full, cfg.data.split)
    if cfg.baseline.name == "auto":
        _note_panel(results, chosen, on_valid=outcome.selection == "valid")
    results.started = started.isoformat(timespec="seconds")
    if cfg.train.seeds > 1:
        results.seeds = [cfg.train.seed + r for r in range(cfg.train.seeds)]
    if cfg.train.ensemble > 1:
        results.ensemble = cfg.train.ensemble
        note = (
            f" Each fold's {model_name} is an ensemble of {cfg.train.ensemble} networks trained "
            "from consecutive seeds on the fold's training part, their predictions averaged."
        )
        results.comparison = replace(results.comparison, verdict=results.comparison.verdict + note)
    if nested is not None:
        results.tuning = NestedTuning(nested.search, nested.trials, resolved.train.monitor, tuned)
        note = (
            f" The {model_name} was tuned inside each fold (nested cross-validation: "
            f"{nested.search} search, {nested.trials} trials on the fold's training part only), "
            "so its scores on the held-out folds are an unbiased estimate of the tuned model."
        )
        verdict = results.comparison.verdict + note
        results.comparison = replace(results.comparison, verdict=verdict)
    timings["metrics"] += time.perf_counter() - clock
    return CVResult(run_dir=None, results=results, folds=table, config=resolved, timings=timings)


@dataclass
class _Fold:
    """What one fold produced: its rows of folds.csv and what the summary needs."""

    rows: list[dict[str, Any]]
    chosen: str
    model: str
    selection: str | None
    tuned: TunedFold | None = None
    seconds: float = 0.0
    collapsed: str | None = None  # the one class the network predicted for the whole fold

    def to_json(self) -> dict[str, Any]:
        tuned = self.tuned.to_json() if self.tuned is not None else None
        return {**{k: getattr(self, k) for k in ("rows", "chosen", "model", "selection")},
                "tuned": tuned, "seconds": self.seconds, "collapsed": self.collapsed}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Fold:
        tuned = TunedFold.from_json(data["tuned"]) if data.get("tuned") else None
        rows = [{k: np.nan if v is None else v for k, v in row.items()} for row in data["rows"]]
        return cls(rows, data["chosen"], data["model"], data["selection"], tuned,
                   data["seconds"], data.get("collapsed"))  # fmt: skip


class FoldRecords:
    """The folds a resumable ``cv`` run finished, kept in its partial folder, so that
    ``biodl cv --resume`` starts at the first unfinished fold.

    Parameters
    ----------
    path : Path
        The JSON file (``checkpoints/folds.json`` in the partial run folder).
    """

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, Any] = {}
        if path.is_file():
            self.done = json.loads(path.read_text(encoding="utf-8"))

    def get(self, key: str) -> _Fold | None:
        record = self.done.get(key)
        return _Fold.from_json(record) if record is not None else None

    def add(self, key: str, fold: _Fold) -> None:
        self.done[key] = fold.to_json()
        atomic_write_text(self.path, to_json(self.done))


def _fold_line(outcome: _Fold, fold: Any, n_folds: int, metric: str) -> str:
    """The progress line of a finished fold: seconds and the primary metric of both models."""
    values = {row["who"]: row.get(metric) for row in outcome.rows}
    scores = "  ".join(
        f"{who} {metric} {value:.4f}"
        for who, value in values.items()
        if isinstance(value, float) and np.isfinite(value)
    )
    where = f"fold {fold.fold + 1}/{n_folds} (repeat {fold.repeat + 1})"
    return f"{where}  {outcome.seconds:.1f} s  {scores}"


def _run_fold(
    cfg: RunConfig,
    full: PreparedData,
    fold: Any,
    progress: bool | None,
    nested: _Nested | None,
    timings: dict[str, float],
) -> _Fold:
    """Train and score the network and the baseline on one fold (tuning first when nested)."""
    started = time.perf_counter()
    clock = time.perf_counter()
    run_cfg = _seeded(cfg, fold.repeat) if cfg.train.seeds > 1 else cfg
    part = fold_data(full, fold.train, fold.test, run_cfg)
    timings["folds"] += time.perf_counter() - clock
    model_cfg, params, record = run_cfg, None, None
    if nested is not None:
        clock = time.perf_counter()
        with no_checkpointing():  # the search reruns on resume: its trials are short
            model_cfg, record = _tune_fold(full, fold, run_cfg, nested, seed=cfg.train.seed)
        timings["tune"] += time.perf_counter() - clock
        params = record.params
    clock = time.perf_counter()
    trained, fit = fit_model(model_cfg, part, progress=progress)
    start = time.perf_counter()
    timings["train"] += start - clock
    baseline = fit_baseline_for(run_cfg, part)  # the panel: chosen on the fold's valid
    baseline_seconds = time.perf_counter() - start
    timings["train"] += baseline_seconds
    clock = time.perf_counter()
    test = part.parts["test"]
    y_test = part.y["test"]
    assert test is not None and y_test is not None
    scored = {"model": predict_trained(trained, test), "baseline": baseline.predict(test)}
    chosen = baseline.baseline.human_name
    timings["predict"] += time.perf_counter() - clock
    clock = time.perf_counter()
    rows = []
    for who, scores in scored.items():
        row = {
            "repeat": fold.repeat + 1,
            "fold": fold.fold + 1,
            "seed": run_cfg.train.seed,
            "who": who,
            "n_train": len(fold.train),
            "n_test": len(fold.test),
            "seconds": fit.seconds if who == "model" else baseline_seconds,
        }
        if nested is not None:
            row["params"] = json.dumps(params, sort_keys=True) if who == "model" else ""
        if cfg.baseline.name == "auto":
            row["baseline"] = chosen if who == "baseline" else ""
        if "additive_auto" in trained.info:  # the CNN's additive="auto", decided in this fold
            row["additive"] = trained.info["params"]["additive"] if who == "model" else ""
        rows.append({**row, **compute_metrics(full.targets.task, y_test, scores)})
    timings["metrics"] += time.perf_counter() - clock
    return _Fold(
        rows,
        chosen,
        trained.info["model"],
        baseline.selection,
        record,
        seconds=time.perf_counter() - started,
        collapsed=collapsed_class(full.targets.task, list(full.targets.classes), scored["model"]),
    )


def _note_panel(results: CVResults, chosen: list[str], *, on_valid: bool) -> None:
    """Record which model of the panel each fold chose, and say so after the verdict."""
    counts = {name: chosen.count(name) for name in dict.fromkeys(chosen)}
    results.baseline = replace(results.baseline, chosen=counts)
    where = (
        "that fold's validation part"
        if on_valid  # every fold alike: the same options
        else "a held-out fifth of that fold's training part (no validation part)"
    )
    note = (
        f" The baseline of each fold is the best of the classical panel on {where} "
        f"({', '.join(f'{name} {n}' for name, n in counts.items())} of {len(chosen)})."
    )
    results.comparison = replace(results.comparison, verdict=results.comparison.verdict + note)


def _baseline_name(chosen: list[str]) -> str:
    """The baseline's name over folds: the model when every fold chose the same one."""
    if len(set(chosen)) == 1:
        return chosen[0]
    return "best-of-panel"


def _tune_fold(
    full: PreparedData, fold: Any, cfg: RunConfig, nested: _Nested, *, seed: int
) -> tuple[RunConfig, TunedFold]:
    """Tune on the outer fold's training part only; its test part is not even passed on."""
    from biodl.pipeline import search as searching

    train_idx, valid_idx = inner_split(full, fold.train, cfg.data, seed=cfg.train.seed)
    note = f"tuning inside fold {fold.fold + 1} (repeat {fold.repeat + 1})"
    data = subset_prepared(full, train_idx, valid=valid_idx, note=note)
    tuned = searching.tune_prepared(
        cfg,
        data,
        search=nested.search,  # type: ignore[arg-type]
        trials=nested.trials,
        seed=seed + 1000 * fold.repeat + fold.fold,
        progress=False,
    )
    record = TunedFold(
        repeat=fold.repeat + 1,
        fold=fold.fold + 1,
        params=tuned.best_params,
        best_value=finite(tuned.best_value),
        n_trials=tuned.n_trials,
    )
    return tuned.best_config, record


def fold_data(
    full: PreparedData, train_idx: np.ndarray, test_idx: np.ndarray, cfg: RunConfig
) -> PreparedData:
    """One fold: train (minus an inner validation part for early stopping) and the held-out test.

    The inner validation part (``valid_size``) is split off only when early stopping is on.
    """
    valid_idx = None
    if cfg.data.valid_size > 0 and cfg.train.patience > 0:
        train_idx, valid_idx = inner_split(full, train_idx, cfg.data, seed=cfg.train.seed)
    return subset_prepared(
        full, train_idx, valid=valid_idx, test=test_idx, note="cross-validation fold"
    )


#: Columns of folds.csv that are not metrics.
_FOLD_COLUMNS = (
    "repeat",
    "fold",
    "seed",
    "who",
    "n_train",
    "n_test",
    "seconds",
    "params",
    "baseline",
    "additive",
)


def _summarise(
    table: pd.DataFrame,
    task: str,
    model_name: str,
    baseline_name: str,
    full: PreparedData,
    split: str,
) -> CVResults:
    names = [c for c in table.columns if c not in _FOLD_COLUMNS]
    summaries = {}
    for who, name in (("model", model_name), ("baseline", baseline_name)):
        part = table[table["who"] == who]
        metrics = {
            metric: MeanSd(
                finite(part[metric].mean()),
                finite(part[metric].std(ddof=1)) if len(part) > 1 else None,
                [finite(v) for v in part[metric].tolist()],
            )
            for metric in names
        }
        summaries[who] = CVModelSummary(name, float(part["seconds"].sum()), metrics)
    metric = primary_metric(task)  # type: ignore[arg-type]
    model_rows, base_rows = table[table["who"] == "model"], table[table["who"] == "baseline"]
    c = compare_folds(
        model_rows[metric].tolist(),
        base_rows[metric].tolist(),
        metric=metric,
        n_train=float(model_rows["n_train"].mean()),
        n_test=float(model_rows["n_test"].mean()),
    )
    sentence = cv_verdict(c, model_name=model_name, baseline_name=baseline_name)
    return CVResults(
        task=task,
        primary_metric=metric,
        folds=int(table["fold"].max()),
        repeats=int(table["repeat"].max()),
        split=split,
        data=CVData(
            full.files[0],
            len(full.parts["train"] or []),
            list(full.targets.classes),
            kind=full.kind,
            positive_class=full.targets.positive,
            positive_reason=full.targets.positive_reason,
        ),
        model=summaries["model"],
        baseline=summaries["baseline"],
        comparison=CVComparison.of(c, verdict=sentence),
    )


def _write(writer: RunWriter, result: CVResult) -> None:
    from biodl.report.crossval import write_cv_report

    writer.write_text("config.yaml", dump_config(result.config))
    writer.write_json("metrics.json", result.results.to_json())
    writer.write_csv("folds.csv", result.folds)
    env = environment_record(result.config, [result.results.data.train_file], "cpu")
    writer.write_json("environment.json", env)
    write_cv_report(
        writer.path,
        results=result.results,
        folds=result.folds,
        config_yaml=dump_config(result.config),
        environment={k: str(v) for k, v in env.items() if k != "input_sha256"},
        subtitle=f"biodl {__version__} · run directory {writer.out}",
    )
