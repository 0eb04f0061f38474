"""``biodl predict`` and ``biodl evaluate``: a trained run applied to new data.

New data is read as the run's model expects (:func:`read_for_run`): the same kind, the fitted
input preprocessing of the run, and label columns mapped in order onto the trained ones when
they are named differently. :func:`predict_run` returns one row per example with scores and
predicted labels; :func:`evaluate_run` the test metrics with bootstrap confidence intervals, at
the decision threshold the run chose on its own validation part.

Examples
--------
>>> # table = predict_run("runs/splice", "new.fa")
>>> # metrics = evaluate_run("runs/splice", "held_out.csv", n_bootstrap=200)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl._io import atomic_write_text, to_json
from biodl.config import DataConfig
from biodl.data.input_files import reading
from biodl.data.targets import TargetEncoding
from biodl.errors import ConfigError, DataError
from biodl.evaluation.bootstrap import bootstrap_metrics
from biodl.evaluation.estimates import SplitMetrics
from biodl.kinds import get_kind
from biodl.pipeline.fitting import Trained, model_inputs, predict_trained
from biodl.pipeline.train import label_table
from biodl.runs import SavedModel, load_model

PathLike = str | os.PathLike[str]


@dataclass
class RunInput:
    """New data read for a run's model.

    Attributes
    ----------
    part : Part
        The examples, encoded with the run's fitted input preprocessing.
    labels : DataFrame or None
        The label columns, renamed to the trained ones; None when the data has none.
    """

    part: Any
    labels: pd.DataFrame | None


def read_for_run(
    saved: SavedModel,
    data: PathLike,
    options: dict[str, Any] | None = None,
    *,
    require_labels: bool,
) -> RunInput:
    """Read ``data`` as the model of ``saved`` expects.

    Parameters
    ----------
    saved : SavedModel
        The run's model (:func:`biodl.runs.load_model`).
    data : path
        New data in any format of the run's kind.
    options : dict, optional
        Reading options of :class:`biodl.config.DataConfig` that differ from training
        (``sequence_column``, ``id_column``, ``label_columns``, ``labels``, ...).
    require_labels : bool
        Refuse data without labels.

    Raises
    ------
    DataError
        If the number of label columns differs from training.
    ConfigError
        For an option that is not a reading option.
    """
    options = dict(options or {})
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
    kind_obj = get_kind(saved.info["kind"])
    with reading():  # the file's format sniffed from the bytes its reader reads (one opening)
        part, labels = kind_obj.read(
            os.fspath(data), model_inputs(saved.info), data_cfg, require_labels=require_labels
        )
    if labels is not None and list(labels.columns) == list(columns):
        # Columns named differently from training map in order onto the trained ones.
        labels = labels.set_axis(trained_columns, axis=1)
    return RunInput(part, labels)


def run_scores(saved: SavedModel, part: Any, *, batch_size: int, device: str) -> np.ndarray:
    """Scores of the run's model on ``part`` (the layout of its task)."""
    trained = Trained(saved.network, saved.info)
    return predict_trained(trained, part, batch_size=batch_size, device=device)


def predict_run(
    run: PathLike,
    data: PathLike,
    *,
    out: PathLike | None = None,
    batch_size: int = 512,
    device: str = "cpu",
    read_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Predict with the model of ``run`` on ``data``; see :func:`biodl.api.predict`.

    Labels are used when present and known to the model; values the model never saw (a new
    class) are left out rather than refused.

    Returns
    -------
    DataFrame
        ``id``, ``true`` (when labelled), ``predicted``, one ``prob_<class>`` column per class
        (regression: ``predicted`` per target). Written as CSV to ``out`` (atomically) if given.
    """
    saved = load_model(run)
    read = read_for_run(saved, data, read_options, require_labels=False)
    scores = run_scores(saved, read.part, batch_size=batch_size, device=device)
    targets = TargetEncoding.from_dict(saved.info["targets"])
    y = None
    if read.labels is not None and all(c in read.labels.columns for c in targets.label_columns):
        try:
            y = targets.encode(read.labels, source=os.fspath(data))
        except DataError:
            y = None  # labels the model does not know (new classes): predict without them
    ids = pd.DataFrame({"id": list(read.part.ids)})
    cut = saved.info.get("threshold", 0.5)
    table = pd.concat([ids, label_table(targets, y, scores, threshold=cut)], axis=1)
    if out is not None:
        atomic_write_text(Path(out), table.to_csv(index=False))
    return table


def evaluate_run(
    run: PathLike,
    data: PathLike,
    *,
    out: PathLike | None = None,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    batch_size: int = 512,
    device: str = "cpu",
    read_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Metrics with bootstrap intervals of the model of ``run`` on labelled ``data``.

    See :func:`biodl.api.evaluate`. Binary metrics use the threshold the run chose on its own
    validation part, and the run's positive class unless ``read_options['positive_class']``
    names the other class: then the scores and the threshold are turned round (predict that
    class when its probability is at least ``1 - threshold``), so the predicted labels stay
    the same and only what AUPRC, F1 and the prevalence describe changes.

    Returns
    -------
    dict
        ``{'run', 'file', 'task', 'n', 'metrics': {name: value}, 'ci': {name: [low, high]},
        'ci_level'}``, and for a binary task ``'positive_class'``, ``'positive_reason'`` and
        ``'prevalence'`` (the positive share of ``data``); written as JSON to ``out``
        (atomically) if given.

    Raises
    ------
    DataError
        If ``data`` has no labels.
    ConfigError
        If ``positive_class`` is not a class of the run (or the task is not binary).
    """
    options = dict(read_options or {})
    positive = options.pop("positive_class", None)
    saved = load_model(run)
    targets = TargetEncoding.from_dict(saved.info["targets"])
    turned = positive is not None and str(positive) != targets.positive
    if positive is not None:
        targets = targets.with_positive(str(positive))
    read = read_for_run(saved, data, options, require_labels=True)
    if read.labels is None:
        raise DataError(
            f"{data}: no labels found; evaluation needs labelled data (see --label-column)"
        )
    table = options.get("labels")  # the labels come from this table where one is given
    y = targets.encode(read.labels, source=os.fspath(table if table else data))
    scores = run_scores(saved, read.part, batch_size=batch_size, device=device)
    cut = saved.info.get("threshold", 0.5)  # chosen on the run's validation part
    if turned:
        scores, cut = np.ascontiguousarray(scores[:, ::-1]), 1.0 - cut
    est = bootstrap_metrics(
        targets.task, y, scores, n_boot=n_bootstrap, level=level, seed=seed, threshold=cut
    )
    metrics = SplitMetrics.from_bootstrap(est)
    result = {
        "run": os.fspath(run),
        "file": os.fspath(data),
        "task": targets.task,
        "n": len(read.part),
        "metrics": metrics.values(),
        "ci": metrics.ci(),
        "ci_level": level,
    }
    if targets.task == "binary":
        result["positive_class"] = targets.positive
        result["positive_reason"] = targets.positive_reason
        result["prevalence"] = float(np.mean(y == 1))
    if out is not None:
        atomic_write_text(Path(out), to_json(result))
    return result
