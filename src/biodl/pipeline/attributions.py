"""Explain a trained network on one part of data: attributions, figures, tables, arrays.

:func:`explain_part` is shared by ``biodl explain`` (:mod:`biodl.pipeline.explain`) and
``biodl train --explain`` (the run's own report): it attributes every example of the part in
batches (:func:`biodl.interpret.inputs.explain_batches`), chooses the examples to draw (the
``ids`` asked for, else the top-scoring ones; images: misclassified first) and draws what suits
the kind: sequence logos (plus in-silico mutagenesis of the drawn sequences), variable x time
heatmaps with a variable ranking, gene attributions per class with a top-genes table, image
overlays.

Examples
--------
>>> # section = explain_part(saved.network, saved.info, part, ExplainConfig(), Path("out"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.config import ExplainConfig
from biodl.data.targets import TargetEncoding
from biodl.errors import DataError
from biodl.interpret.inputs import BatchAttributions, explain_batches, explained_names
from biodl.kinds import get_kind
from biodl.options import OPTION_HELP
from biodl.pipeline.fitting import Trained, model_inputs, predict_trained
from biodl.report.html import Figure, Table

__all__ = ["ExplainSection", "explain_part", "explained_targets", "pick_rows", "write_arrays"]

#: The heading of the explanation section in a report.
HEADING = "Explanation"


@dataclass
class ExplainSection:
    """What :func:`explain_part` found and drew.

    Attributes
    ----------
    attributions : BatchAttributions
        Every example of the part.
    ids : list of str
    target : (n,) int
        The explained output column of each example.
    target_names : list of str
        Names of the explained output columns.
    shown : (m,) int
        Rows drawn.
    summary : DataFrame
        One row per example: id, explained output name and value, convergence delta, the
        largest absolute attribution and where it is.
    figures, tables : list
        For the HTML report.
    text : list of (str, str)
        Report sections (heading, text).
    arrays : dict of str to ndarray
        What ``attributions.npz`` holds (docs/explain.md lists the shapes).
    """

    attributions: BatchAttributions
    ids: list[str]
    target: np.ndarray
    target_names: list[str]
    shown: np.ndarray
    summary: pd.DataFrame
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    text: list[tuple[str, str]] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def explained_targets(info: dict[str, Any], scores: np.ndarray) -> np.ndarray:
    """The explained output column of each example: the predicted class for multiclass tasks,
    else column 0 (binary: the positive class's log-odds; multilabel, regression: the first)."""
    task = info["targets"]["task"]
    if task == "multiclass":
        return np.argmax(scores, axis=1).astype(np.int64)
    return np.zeros(len(scores), dtype=np.int64)


def pick_rows(
    ids: list[str],
    outputs: np.ndarray,
    *,
    wanted: list[str] | None,
    n: int,
    source: str,
    wrong: np.ndarray | None = None,
) -> np.ndarray:
    """Rows to draw: those of ``wanted`` ids (in that order), else the ``n`` with the highest
    explained output (``wrong`` rows first when given: misclassified images).

    Raises
    ------
    DataError
        When an id of ``wanted`` is not in the data.
    """
    if wanted:
        where = {name: i for i, name in enumerate(ids)}
        missing = [name for name in wanted if name not in where]
        if missing:
            raise DataError(
                f"{source}: no example with id {', '.join(missing[:5])}; --ids takes ids of "
                f"this data (e.g. {', '.join(ids[:3])})"
            )
        return np.array([where[name] for name in wanted], dtype=np.int64)
    order = np.argsort(-outputs, kind="stable")
    if wrong is not None and wrong.any():
        order = np.concatenate([order[wrong[order]], order[~wrong[order]]])
    return order[:n]


def _flat_peak(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = np.abs(values.reshape(len(values), -1))
    where = flat.argmax(axis=1) if flat.shape[1] else np.zeros(len(values), dtype=np.int64)
    return flat.max(axis=1, initial=0.0), where


def explain_part(
    network: Any,
    info: dict[str, Any],
    part: Any,
    cfg: ExplainConfig,
    folder: Path,
    *,
    ids: list[str] | None = None,
    y: np.ndarray | None = None,
    scores: np.ndarray | None = None,
    source: str = "data",
    progress: bool = False,
    baseline_importance: pd.Series | None = None,
) -> ExplainSection:
    """Attribute every example of ``part`` and draw the chosen ones into ``folder``.

    Parameters
    ----------
    network : nn.Module
        The run's network wrapper.
    info : dict
        The run's ``model.json``.
    part : Part
        Data read for the run (:func:`biodl.pipeline.predict.read_for_run`).
    cfg : ExplainConfig
        Method, steps, references, examples shown, batch size.
    folder : Path
        Where the PNG files go.
    ids : list of str, optional
        Examples to draw (default: the top-scoring ones).
    y : (n,) int, optional
        True classes (images: misclassified ones are drawn first).
    scores : (n, k), optional
        The model's scores on ``part`` (computed when not given).
    source : str
        The data's name in messages.
    progress : bool
    baseline_importance : Series, optional
        Expression: the baseline's coefficient or importance of each gene, shown beside the
        network's top genes.

    Raises
    ------
    DataError
        For ``ism`` on data that is not sequences, ``occlusion`` on data that is not images,
        or ``ids`` not in the data.
    """
    kind_name = info["kind"]
    if cfg.method == "ism" and kind_name != "sequence":
        raise DataError(
            f"--attribution ism: in-silico mutagenesis changes sequence letters; this run is "
            f"{kind_name} data. Use integrated_gradients, shap, saliency or input_x_gradient"
        )
    if cfg.method == "occlusion" and kind_name != "image":
        raise DataError(
            f"--attribution occlusion: occlusion zeroes patches of images; this run is "
            f"{kind_name} data. Use integrated_gradients, shap, saliency or input_x_gradient"
            + (" (or ism)" if kind_name == "sequence" else "")
        )
    if scores is None:
        scores = predict_trained(Trained(network, info), part)
    targets = TargetEncoding.from_dict(info["targets"])
    target = explained_targets(info, scores)
    dataset = get_kind(kind_name).dataset(part, None, model_inputs(info), training=False, seed=0)
    found = explain_batches(
        network,
        dataset,
        np.arange(len(part)),
        target,
        method=cfg.method,
        loss=info["loss"],
        task=targets.task,
        steps=cfg.steps,
        references=cfg.references,
        batch_size=cfg.batch_size,
        progress=progress,
    )
    names = explained_names(info["targets"])
    row_ids = [str(i) for i in part.ids]
    predicted = np.argmax(scores, axis=1) if targets.task == "multiclass" else None
    wrong = (predicted != y) if y is not None and predicted is not None else None
    shown = pick_rows(row_ids, found.outputs, wanted=ids, n=cfg.show, source=source, wrong=wrong)
    peak, where = _flat_peak(found.values)
    summary = pd.DataFrame(
        {
            "id": row_ids,
            "explained": [names[t] for t in target],
            "output": found.outputs,
            "delta": found.delta if found.delta is not None else np.nan,
            "peak_attribution": peak,
            "peak_index": where,
        }
    )
    section = ExplainSection(
        attributions=found,
        ids=row_ids,
        target=target,
        target_names=names,
        shown=shown,
        summary=summary,
        arrays={
            "attributions": found.values,
            "inputs": found.inputs,
            "outputs": found.outputs,
            "target": target,
            "ids": np.asarray(row_ids),
        },
    )
    if found.delta is not None:
        section.arrays["delta"] = found.delta
    if found.effects is not None:
        section.arrays["ism_effects"] = found.effects
    from biodl.pipeline import explain_figures

    explain_figures.draw(section, network, info, part, cfg, folder, baseline_importance)
    section.text.insert(0, (HEADING, _method_text(cfg, found, len(part))))
    return section


def _method_text(cfg: ExplainConfig, found: BatchAttributions, n: int) -> str:
    meaning = OPTION_HELP["attribution"][cfg.method]
    text = f"{n} examples were attributed with {cfg.method}: {meaning}."
    if found.delta is not None and len(found.delta):
        text += (
            f"\n\nConvergence delta (sum of attributions minus the change of the output from "
            f"the reference): median |delta| {np.median(np.abs(found.delta)):.4f}, largest "
            f"{np.abs(found.delta).max():.4f} (in units of the explained output); a large delta "
            "asks for more --ig-steps."
        )
    return text


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` as a compressed ``.npz`` atomically (docs/explain.md lists them)."""
    from biodl._io import atomic_write

    def write(handle: Any) -> None:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]

    return atomic_write(path, write, binary=True)
