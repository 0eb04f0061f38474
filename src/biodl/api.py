"""The notebook API: train, predict, evaluate and load runs with keyword options.

Every keyword is a named option of the CLI and of ``config.yaml`` (see :mod:`biodl.config`).

Examples
--------
>>> import biodl
>>> # result = biodl.train("promoters.csv", out="runs/promoters", model="cnn", epochs=20)
>>> # print(result.summary())
>>> # table = biodl.predict("runs/promoters", "new.fa")
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pandas as pd

from biodl.config import (
    BaselineConfig,
    DataConfig,
    EvalConfig,
    RunConfig,
    TrainConfig,
    apply_overrides,
    load_config,
)
from biodl.errors import ConfigError, DataError

PathLike = str | os.PathLike[str]

#: Flat keyword -> (section, field). Section fields keep their names; a few get clearer ones.
_RENAMED = {
    "model": ("model", "name"),
    "model_params": ("model", "params"),
    "baseline": ("baseline", "name"),
    "kmer": ("baseline", "k"),
    "positional": ("baseline", "positional"),
}
_SECTIONS = {
    "data": DataConfig,
    "train": TrainConfig,
    "evaluate": EvalConfig,
    "baseline": BaselineConfig,
}


def _flat_options() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for section, cls in _SECTIONS.items():
        for f in dataclasses.fields(cls):
            if f.name != "name" and not (section == "baseline" and f.name in ("k", "positional")):
                table[f.name] = (section, f.name)
    table.update(_RENAMED)
    return table


FLAT_OPTIONS = _flat_options()


def build_config(
    config: PathLike | RunConfig | None = None,
    *,
    overrides: list[str] | None = None,
    **options: Any,
) -> RunConfig:
    """Combine defaults, a config file, keyword options and ``section.key=value`` overrides.

    Later sources win: defaults < ``config`` < ``options`` < ``overrides``. ``dropout=0.3`` is a
    shortcut for ``model_params={'dropout': 0.3}``.

    Raises
    ------
    ConfigError
        For an unknown option (the valid ones are listed) or a mistyped value.
    """
    if isinstance(config, RunConfig):
        cfg = config
    elif config is not None:
        cfg = load_config(os.fspath(config))
    else:
        cfg = RunConfig()
    raw = cfg.to_dict()
    for key, value in options.items():
        if value is None:
            continue
        if key == "dropout":
            raw["model"]["params"]["dropout"] = value
            continue
        if key not in FLAT_OPTIONS:
            valid = ", ".join(sorted([*FLAT_OPTIONS, "dropout"]))
            raise ConfigError(f"unknown option '{key}'; valid options: {valid}")
        section, name = FLAT_OPTIONS[key]
        if name == "params":
            raw[section][name].update(value)
        else:
            raw[section][name] = value
    cfg = RunConfig.from_dict(raw, source="options")
    return apply_overrides(cfg, overrides) if overrides else cfg


def train(
    train: PathLike | None = None,
    *,
    out: PathLike | None = None,
    config: PathLike | RunConfig | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    overrides: list[str] | None = None,
    **options: Any,
):
    """Train a deep model and a classical baseline on the same split, evaluate, write a run.

    Parameters
    ----------
    train : path, optional
        Training data (FASTA/FASTA.gz, CSV/TSV, or a folder with one FASTA per class). May come
        from ``config`` instead.
    out : path, optional
        Run directory to write; None keeps everything in memory.
    config : path or RunConfig, optional
        A YAML config (e.g. an earlier run's ``config.yaml``).
    overwrite : bool, default False
        Replace an existing run directory.
    progress : bool, optional
        Progress bar; default only on an interactive terminal.
    overrides : list of str, optional
        ``section.key=value`` items, as ``--set`` on the CLI.
    **options
        Any option of :mod:`biodl.config` by name: ``valid``, ``test``, ``labels``,
        ``label_columns``, ``model``, ``model_params``, ``lr``, ``epochs``, ``batch_size``,
        ``loss``, ``optimizer``, ``seed``, ``baseline``, ``kmer``, ...

    Returns
    -------
    TrainResult
        ``run_dir``, ``metrics``, ``predictions``, ``history``, ``model``; ``summary()``.

    Examples
    --------
    >>> # r = biodl.train("splice.csv", out="runs/splice", epochs=15, seed=1)
    """
    from biodl.pipeline.train import run_training

    if train is not None:
        options["train"] = os.fspath(train)
    for key in ("valid", "test", "labels"):
        if options.get(key) is not None:
            options[key] = os.fspath(options[key])
    cfg = build_config(config, overrides=overrides, **options)
    return run_training(cfg, out=out, overwrite=overwrite, progress=progress)


def load_run(run: PathLike):
    """Load the trained model of a run directory (safetensors weights + JSON; no pickle).

    Returns
    -------
    SavedModel
        ``model`` (a plain ``torch.nn.Module``) and ``info`` (model.json).
    """
    from biodl.runs import load_model

    return load_model(run)


def load_results(run: PathLike):
    """The typed results of a run directory (its ``metrics.json``; runs of any biodl version).

    Returns
    -------
    RunResults or CVResults
        ``RunResults`` for ``biodl train`` (``model``, ``baseline``, ``comparison``,
        ``training``, ...; ``to_json()`` gives the file's dict), ``CVResults`` for ``biodl cv``.

    Examples
    --------
    >>> # results = biodl.load_results("runs/splice")
    >>> # results.comparison.verdict, results.model.splits["test"].value("auroc")
    """
    from biodl.runs import load_results as read_results

    return read_results(run)


def _read_for_run(saved: Any, data: PathLike, options: dict[str, Any], require_labels: bool):
    """New data read as the model of ``saved`` expects; returns (part, labels or None)."""
    from biodl.config import DataConfig
    from biodl.kinds import get_modality
    from biodl.pipeline.train import model_inputs

    trained_columns = saved.info["targets"]["label_columns"]
    columns = options.get("label_columns") or trained_columns
    if len(columns) != len(trained_columns):
        raise DataError(
            f"{data}: the model was trained on {len(trained_columns)} label column(s) "
            f"({', '.join(trained_columns)}); pass as many --label-column, got {len(columns)}"
        )
    known = {f.name for f in dataclasses.fields(DataConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"unknown read option(s): {', '.join(unknown)}")
    given = {k: os.fspath(v) if isinstance(v, os.PathLike) else v for k, v in options.items()}
    data_cfg = DataConfig(**{**given, "train": os.fspath(data), "label_columns": list(columns)})
    modality = get_modality(saved.info.get("kind", "sequence"))
    part, labels = modality.read(
        os.fspath(data), model_inputs(saved.info), data_cfg, require_labels=require_labels
    )
    if labels is not None and list(labels.columns) == list(columns):
        # Columns named differently from training map in order onto the trained ones.
        labels = labels.set_axis(trained_columns, axis=1)
    return part, labels


def _scores(saved: Any, part: Any, batch_size: int, device: str):
    from biodl.pipeline.train import Trained, predict_trained

    trained = Trained(saved.network, saved.info)
    return predict_trained(trained, part, batch_size=batch_size, device=device)


def predict(
    run: PathLike,
    data: PathLike,
    *,
    out: PathLike | None = None,
    batch_size: int = 512,
    device: str = "cpu",
    **read_options: Any,
) -> pd.DataFrame:
    """Predict with the model of ``run`` on the sequences in ``data``.

    Parameters
    ----------
    run : path
        A run directory written by :func:`train` (or its ``model/`` folder).
    data : path
        Sequences in any supported format; labels are optional (used if present).
    out : path, optional
        Write the table as CSV (atomically).
    batch_size : int, default 512
    device : str, default 'cpu'
    **read_options
        ``sequence_column``, ``id_column``, ``label_columns``, ``labels`` if they differ from
        the training data.

    Returns
    -------
    DataFrame
        ``id``, ``true`` (when labelled), ``predicted``, one ``prob_<class>`` column per class
        (regression: ``predicted`` per target).
    """
    from biodl._io import atomic_write_text
    from biodl.data.targets import TargetEncoding
    from biodl.pipeline.train import label_table

    saved = load_run(run)
    part, labels = _read_for_run(saved, data, read_options, require_labels=False)
    scores = _scores(saved, part, batch_size, device)
    targets = TargetEncoding.from_dict(saved.info["targets"])
    y = None
    if labels is not None and all(c in labels.columns for c in targets.label_columns):
        try:
            y = targets.encode(labels, source=os.fspath(data))
        except DataError:
            y = None  # labels the model does not know (new classes): predict without them
    ids = pd.DataFrame({"id": list(part.ids)})
    cut = saved.info.get("threshold", 0.5)
    table = pd.concat([ids, label_table(targets, y, scores, threshold=cut)], axis=1)
    if out is not None:
        atomic_write_text(Path(out), table.to_csv(index=False))
    return table


def evaluate(
    run: PathLike,
    data: PathLike,
    *,
    out: PathLike | None = None,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    batch_size: int = 512,
    device: str = "cpu",
    **read_options: Any,
) -> dict[str, Any]:
    """Metrics (with bootstrap confidence intervals) of the model of ``run`` on labelled ``data``.

    Returns
    -------
    dict
        ``{'task', 'n', 'metrics': {name: value}, 'ci': {name: [low, high]}, 'file', 'run'}``.

    Raises
    ------
    DataError
        If ``data`` has no labels.
    """
    from biodl._io import atomic_write_text, to_json
    from biodl.data.targets import TargetEncoding
    from biodl.evaluate.estimates import SplitMetrics
    from biodl.evaluate.metrics import bootstrap_metrics

    saved = load_run(run)
    part, labels = _read_for_run(saved, data, read_options, require_labels=True)
    targets = TargetEncoding.from_dict(saved.info["targets"])
    if labels is None:
        raise DataError(
            f"{data}: no labels found; evaluation needs labelled data (see --label-column)"
        )
    y = targets.encode(labels, source=os.fspath(data))
    scores = _scores(saved, part, batch_size, device)
    cut = saved.info.get("threshold", 0.5)  # chosen on the run's validation part
    est = bootstrap_metrics(
        targets.task, y, scores, n_boot=n_bootstrap, level=level, seed=seed, threshold=cut
    )
    metrics = SplitMetrics.from_bootstrap(est)
    result = {
        "run": os.fspath(run),
        "file": os.fspath(data),
        "task": targets.task,
        "n": len(part),
        "metrics": metrics.values(),
        "ci": metrics.ci(),
        "ci_level": level,
    }
    if out is not None:
        atomic_write_text(Path(out), to_json(result))
    return result


def inspect(
    data: PathLike,
    *,
    valid: PathLike | None = None,
    test: PathLike | None = None,
    out: PathLike | None = None,
    json_out: PathLike | None = None,
    kind: str | None = None,
    task: str | None = None,
    labels: PathLike | None = None,
    label_columns: list[str] | None = None,
    sequence_column: str | None = None,
    id_column: str | None = None,
    alphabet: str | None = None,
    config: PathLike | RunConfig | None = None,
    overrides: list[str] | None = None,
    **options: Any,
):
    """Check data of any kind before training: sizes, balance, duplicates, leakage, and more.

    Each kind adds its own checks (sequences: lengths and letters; expression: value scale,
    NaN, zero-variance genes; time series: lengths, NaN; records: missingness per variable,
    variables seen in one part only, stay lengths; images: sizes and channels, identical
    pixels across parts). See ``docs/inspect.md``.

    Parameters
    ----------
    data : path
        The (training) file or folder, of any kind :func:`train` reads; labels are optional.
    valid, test : path, optional
        Further files; items they share with earlier files are reported as leakage.
    out : path, optional
        Write a self-contained HTML page of the inspection.
    json_out : path, optional
        Write the inspection as JSON.
    kind : str, optional
        'auto' (default: detected as training does), 'sequence', 'expression', 'timeseries',
        'records' or 'image'.
    task, labels, label_columns, sequence_column, id_column, alphabet
        As for :func:`train`.
    config, overrides
        As for :func:`train` (only the ``data`` section is used).
    **options
        Any other data option of :func:`train`, e.g. ``genes_as_rows=True``, ``statics=[]``,
        ``window="24h"``, ``size=64``, ``channels=3``.

    Returns
    -------
    Inspection
        ``summary()`` for text, ``to_dict()`` for JSON, ``findings`` with a fix each.

    Raises
    ------
    ConfigError
        For an option that is not a data option, or a bad value.
    DataError
        For a file the kind's readers cannot read.

    Examples
    --------
    >>> # result = biodl.inspect("train.csv", test="test.csv", out="inspection.html")
    >>> # result = biodl.inspect("expr.csv", labels="meta.csv", label_columns=["cell_type"])
    """
    from biodl.pipeline.inspect import inspect_data

    known = {f.name for f in dataclasses.fields(DataConfig)}
    other = sorted(k for k in options if k not in known or k == "train")
    if other:
        raise ConfigError(
            f"inspect takes data options only; got {', '.join(other)}. Valid options: "
            f"{', '.join(sorted(known - {'train'}))}."
        )
    given = {
        "valid": valid,
        "test": test,
        "labels": labels,
        "kind": kind,
        "task": task,
        "label_columns": label_columns,
        "sequence_column": sequence_column,
        "id_column": id_column,
        "alphabet": alphabet,
        **options,
    }
    paths = ("valid", "test", "labels")
    given = {k: os.fspath(v) if k in paths and v is not None else v for k, v in given.items()}
    cfg = build_config(config, overrides=overrides, train=os.fspath(data), **given)
    return inspect_data(cfg.data, out=out, json_out=json_out)


def cross_validate(
    data: PathLike | None = None,
    *,
    folds: int = 5,
    repeats: int = 1,
    tune: bool = False,
    search: str = "random",
    trials: int = 10,
    out: PathLike | None = None,
    config: PathLike | RunConfig | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    overrides: list[str] | None = None,
    **options: Any,
):
    """k-fold cross-validation of the deep model and the baseline on identical folds.

    Parameters
    ----------
    data : path, optional
        Labelled sequences (any supported format); may come from ``config``.
    folds : int, default 5
    repeats : int, default 1
        Repeated k-fold with reshuffled folds.
    tune : bool, default False
        Nested cross-validation: tune the network inside each outer fold on its training part
        only (the objective of :func:`tune` with ``cv=0``, in memory), then train the best
        configuration there and score it on the held-out fold. The chosen values per fold are
        in ``folds.csv`` (``params``) and ``metrics.json`` (``tuning``).
    search : {'grid', 'random', 'bayes'}, default 'random'
        The search inside each fold (with ``tune``).
    trials : int, default 10
        Trials per outer fold (with ``tune``).
    out : path, optional
        Run directory: ``folds.csv`` (per fold and model), ``metrics.json`` (mean ± sd, the
        paired comparison and its verdict), ``report.html``, ``config.yaml``.
    config, overwrite, progress, overrides, **options
        As for :func:`train`; ``split`` chooses the folds (stratified, random, group with
        ``group_column``, similarity) and ``valid_size`` the early-stopping part of each fold.
        ``seeds=N`` repeats the whole cross-validation with seeds ``seed`` .. ``seed + N - 1``
        (new folds and initialisation each; ``folds.csv`` has a ``seed`` column).

    Returns
    -------
    CVResult
        ``metrics``, ``folds``, ``run_dir``; ``summary()``.

    Examples
    --------
    >>> # r = biodl.cross_validate("splice.csv", folds=5, epochs=10); print(r.summary())
    >>> # nested = biodl.cross_validate("splice.csv", tune=True, search="random", trials=10)
    """
    from biodl.pipeline.cv import run_cv

    if data is not None:
        options["train"] = os.fspath(data)
    cfg = build_config(config, overrides=overrides, **options)
    return run_cv(
        cfg,
        folds=folds,
        repeats=repeats,
        out=out,
        overwrite=overwrite,
        progress=progress,
        tune=tune,
        search=search,
        trials=trials,
    )


def tune(
    data: PathLike | None = None,
    *,
    out: PathLike,
    search: str = "bayes",
    trials: int = 20,
    space: PathLike | dict[str, Any] | None = None,
    cv: int = 0,
    resume: bool = False,
    jobs: int = 1,
    config: PathLike | RunConfig | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    overrides: list[str] | None = None,
    **options: Any,
):
    """Search the network's hyperparameters with Optuna, scored on validation data only.

    Parameters
    ----------
    data : path, optional
        Labelled sequences (any supported format); may come from ``config``.
    out : path
        Output folder: ``study.db`` (resumable), ``trials.csv``, ``best_config.yaml`` (runnable
        with ``biodl train --config``), ``tune.json``, ``plots/``, ``report.html``.
    search : {'grid', 'random', 'bayes'}, default 'bayes'
    trials : int, default 20
        Total trials, those of a resumed study included.
    space : path or dict of str to ParamSpec, optional
        A YAML search space (see :func:`biodl.evaluate.search_space.load_space`) or a parsed
        one. Default: the model's entry of ``DEFAULT_SPACES``.
    cv : int, default 0
        0 scores the validation split; K >= 2 the mean over K folds of the training part.
    resume : bool, default False
        Continue the study in ``out`` (refused if the input files changed).
    jobs : int, default 1
        Parallel worker processes sharing the study.
    config, overwrite, progress, overrides, **options
        As for :func:`train`; ``monitor`` is the score and ``seed`` seeds the sampler.

    Returns
    -------
    TuneResult
        ``best_value``, ``best_params``, ``best_config``, ``trials``; ``summary()``.

    Examples
    --------
    >>> # r = biodl.tune("splice.csv", out="runs/tune", search="random", trials=20, epochs=5)
    >>> # print(r.summary())
    """
    from biodl.pipeline.tune import run_tune

    if data is not None:
        options["train"] = os.fspath(data)
    cfg = build_config(config, overrides=overrides, **options)
    return run_tune(
        cfg,
        out=out,
        search=search,  # type: ignore[arg-type]
        trials=trials,
        space=space,
        cv=cv,
        resume=resume,
        jobs=jobs,
        overwrite=overwrite,
        progress=progress,
    )
