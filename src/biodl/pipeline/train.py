"""``biodl train`` end to end: data -> network + baseline -> metrics -> plots -> run directory.

The network and the baseline are fitted by :mod:`biodl.pipeline.fitting` and scored by
:mod:`biodl.pipeline.run_metrics`; this module runs those steps in order and writes the run
directory: the config, ``metrics.json``, the predictions, the history, the environment, the
model and the report.

Examples
--------
>>> from biodl.config import RunConfig
>>> # result = run_training(RunConfig.from_dict({"data": {"train": "seqs.fa"}}), out="runs/x")
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl import __version__
from biodl._io import sha256_of
from biodl.config import RunConfig, dump_config
from biodl.data.prepared import PreparedData
from biodl.data.targets import TargetEncoding
from biodl.errors import BiodlWarning
from biodl.evaluation.estimates import Estimate
from biodl.evaluation.results import EnsembleFacts, PretrainingFacts, RunResults, TrainingFacts
from biodl.evaluation.transfer_results import TransferFacts
from biodl.kinds import prepare_run_data
from biodl.pipeline.baseline_importance import (
    BASELINE_IMPORTANCE_FILE,
    importance_table,
    variable_importance,
)
from biodl.pipeline.baselines import FittedBaseline, fit_baseline_for, subsample_line
from biodl.pipeline.fitting import Trained, fit_model, model_title, predict_trained, with_monitor
from biodl.pipeline.run_metrics import (
    check_collapsed,
    compare_with_scratch,
    evaluate_scores,
    fit_extra_baselines,
    repeat_over_seeds,
)
from biodl.report.build import build_report, mean_sd_text
from biodl.run_log import biodl_messages, say
from biodl.runs import MODEL_DIR, RunWriter, following_run, run_directory, save_model
from biodl.runs_partial import write_resume_record
from biodl.training.resume import CHECKPOINTS, checkpointing

__all__ = [
    "TrainResult",
    "environment_record",
    "format_summary",
    "kind_figures",
    "label_table",
    "panel_lines",
    "prediction_table",
    "resumable",
    "run_training",
]


@dataclass
class TrainResult:
    """What :func:`run_training` returns.

    Attributes
    ----------
    run_dir : Path or None
        The run directory (None when nothing was written).
    results : RunResults
        The metrics of the network and the baseline, the comparison, the training facts:
        what ``metrics.json`` holds, typed.
    config : RunConfig
        The resolved configuration.
    model : Trained
    predictions : DataFrame
        The content of ``predictions.csv``.
    history : DataFrame
    warnings : list of str
    """

    run_dir: Path | None
    results: RunResults
    config: RunConfig
    model: Trained
    predictions: pd.DataFrame
    history: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> dict[str, Any]:
        """The content of ``metrics.json`` as a dict (``results.to_json()``)."""
        return self.results.to_json()

    def summary(self) -> str:
        """A short plain-text table of test metrics (model vs baseline) and the verdict."""
        return format_summary(self.results)


def run_training(
    cfg: RunConfig,
    *,
    out: str | os.PathLike[str] | None,
    overwrite: bool = False,
    progress: bool | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> TrainResult:
    """Train the network and the baseline, evaluate both, and write the run directory.

    Parameters
    ----------
    cfg : RunConfig
    out : path or None
        Run directory to write (atomically); None writes nothing.
    overwrite : bool, default False
    progress : bool, optional
        Progress bar; default only on an interactive terminal.
    resume : path, optional
        The partial folder of an interrupted run of ``out``
        (:func:`biodl.pipeline.resume.resume_run` finds it and the configuration it was
        started with): finished fits are skipped and the unfinished one continues from its
        last checkpoint.
    """
    with (
        run_directory(out, overwrite=overwrite, resume=resume) as writer,
        resumable(writer, cfg, "train", resume=resume is not None, overwrite=overwrite),
    ):
        result = _train_and_evaluate(cfg, writer, progress)
    if writer is not None:
        result.run_dir = writer.out
    return result


@contextmanager
def resumable(
    writer: RunWriter | None, cfg: RunConfig, command: str, *, resume: bool, **options: Any
) -> Iterator[None]:
    """Keep checkpoints of the run being written (every ``train.checkpoint_every`` epochs)
    and ``resume.json``, so ``biodl COMMAND --resume`` can continue it; nothing without a
    run directory or with ``checkpoint_every`` 0."""
    if cfg.train.checkpoint_every <= 0 or (writer is None and not following_run()):
        yield
        return
    if writer is None:  # another rank writes the run: checkpoint together (rank 0 saves)
        import tempfile

        with (
            tempfile.TemporaryDirectory(prefix="biodl-rank-") as scratch,
            checkpointing(Path(scratch), every=cfg.train.checkpoint_every),
        ):
            yield
        return
    if not resume:
        write_resume_record(writer.path, command, cfg.to_dict(), **options)
    with checkpointing(writer.path / CHECKPOINTS, every=cfg.train.checkpoint_every):
        yield


def _train_and_evaluate(
    cfg: RunConfig, writer: RunWriter | None, progress: bool | None
) -> TrainResult:
    from biodl.pipeline.explain_motifs import check_motif_option
    from biodl.training.transfer import check_transfer_options

    started = datetime.now(timezone.utc)
    check_transfer_options(cfg.train)  # before reading data: bad transfer options fail fast
    check_motif_option(cfg.explain)  # a motif file that is not MEME/JASPAR fails before training
    prepared = prepare_run_data(cfg)
    cfg = with_monitor(cfg, prepared)  # --monitor auto, as watched and saved
    trained, fit = fit_model(cfg, prepared, progress=progress)
    # name and params as built (--init-from RUN without --model takes both from the source run)
    resolved = replace(
        cfg,
        data=replace(cfg.data, kind=prepared.kind),
        model=replace(cfg.model, name=trained.info["model"], params=trained.info["params"]),
    )
    baseline = fit_baseline_for(resolved, prepared)
    if line := subsample_line(baseline, len(prepared.part("train"))):
        say(line, progress=progress)
    scores: dict[str, dict[str, np.ndarray]] = {"model": {}, "baseline": {}}
    for name in prepared.present():
        part = prepared.part(name)
        scores["model"][name] = predict_trained(trained, part)
        scores["baseline"][name] = baseline.predict(part)
    extra = fit_extra_baselines(resolved, prepared, baseline)
    check_collapsed(prepared, scores["model"])
    results = evaluate_scores(
        resolved, prepared, scores, model_name=model_title(trained.info["model"]), baseline=baseline
    )
    results.extra_baselines = extra
    if cfg.train.seeds > 1:
        results.seeds = repeat_over_seeds(resolved, prepared, scores, progress=progress)
    if "transfer" in trained.info:  # transfer learning: where the weights came from, and
        results.transfer = TransferFacts.from_json(trained.info["transfer"])
        if cfg.train.compare_scratch:  # the same model from random weights on the same split
            results.scratch = compare_with_scratch(
                resolved,
                prepared,
                scores["model"],
                progress=progress,
            )
    pretraining = trained.info.get("pretraining")  # the MLP's encoder, fitted unsupervised
    ensemble = trained.info.get("ensemble")  # --ensemble N
    results.training = TrainingFacts(
        epochs_run=fit.epochs_run,
        best_epoch=fit.best_epoch,
        stopped_early=fit.stopped_early,
        epoch_chosen_on_valid=fit.chosen_on_valid,
        monitor=cfg.train.monitor,
        seconds=round(fit.seconds, 3),
        baseline_seconds=round(baseline.seconds, 3),
        device=fit.device,
        pretraining=PretrainingFacts.from_json(pretraining) if pretraining else None,
        ensemble=EnsembleFacts.from_json(ensemble) if ensemble else None,
    )
    results.baseline = replace(results.baseline, features=baseline.features_description)
    if results.threshold is not None:  # predict and evaluate on new data use the same one
        trained.info["threshold"] = results.threshold.model
    threshold = results.decision_threshold("model")
    predictions = prediction_table(prepared, scores["model"], threshold=threshold)
    _keep_fit_warnings(prepared)
    results.warnings = list(prepared.warnings)  # kept in metrics.json (docs/run-directory.md)
    result = TrainResult(
        run_dir=None,
        results=results,
        config=resolved,
        model=trained,
        predictions=predictions,
        history=fit.history,
        warnings=list(prepared.warnings),
    )
    if writer is not None:
        _write_run(writer, result, prepared, scores, started, fit.device, baseline)
    return result


def _keep_fit_warnings(prepared: PreparedData) -> None:
    """Add to the data's warnings (metrics.json, the report) biodl's warnings the run has
    raised besides them, as the terminal showed them: fitting's (too few validation examples
    to choose an epoch on, transfer's), the options'."""
    said = {" ".join(w.split()) for w in prepared.warnings}
    for message in biodl_messages():
        if message not in said:
            prepared.warnings.append(message)
            prepared.warning_categories.append(BiodlWarning)
            said.add(message)


def prediction_table(
    prepared: PreparedData, scores: dict[str, np.ndarray], *, threshold: float = 0.5
) -> pd.DataFrame:
    """``predictions.csv``: id, split, true and predicted labels, one score column per output."""
    targets = prepared.targets
    frames = []
    for split, s in scores.items():
        part = prepared.part(split)
        frame = pd.DataFrame({"id": part.ids, "split": split})
        y = prepared.y[split]
        frame = pd.concat([frame, label_table(targets, y, s, threshold=threshold)], axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def label_table(
    targets: TargetEncoding, y: np.ndarray | None, s: np.ndarray, *, threshold: float = 0.5
) -> pd.DataFrame:
    """True (when ``y`` is given) and predicted labels plus score columns, one row per example.

    A missing label (NaN in ``y``) is an empty true cell.

    Binary predictions are positive when the positive-class score is at least ``threshold``.
    """
    cols: dict[str, Any] = {}
    if targets.task in ("binary", "multiclass"):
        classes = np.asarray(targets.classes, dtype=object)
        if y is not None:
            cols["true"] = classes[y]
        if targets.task == "binary":
            cols["predicted"] = classes[(s[:, 1] >= threshold).astype(int)]
        else:
            cols["predicted"] = classes[np.argmax(s, axis=1)]
        for j, name in enumerate(targets.classes):
            cols[f"prob_{name}"] = s[:, j]
    elif targets.task == "multilabel":
        for j, name in enumerate(targets.label_columns):
            if y is not None:  # a missing label (NaN) is an empty cell
                cols[f"true_{name}"] = (
                    y[:, j] if y.dtype.kind in "iu" else pd.array(y[:, j], dtype="Int64")
                )
            cols[f"predicted_{name}"] = (s[:, j] >= 0.5).astype(int)
            cols[f"prob_{name}"] = s[:, j]
    else:
        single = len(targets.label_columns) == 1
        for j, name in enumerate(targets.label_columns):
            if y is not None:
                cols["true" if single else f"true_{name}"] = y[:, j]
            cols["predicted" if single else f"predicted_{name}"] = s[:, j]
    return pd.DataFrame(cols)


def format_summary(results: RunResults) -> str:
    """Plain-text table: metric, model (CI), baseline (CI) on the final split; then the verdict."""
    split = results.final_split
    model, base = results.model, results.baseline
    header = f"{'metric':<18}{model.name + ' (' + split + ')':<30}{base.name:<30}"
    lines = [header, "-" * len(header.rstrip())]
    prevalence = results.prevalence.value if results.prevalence is not None else None
    ours, theirs = model.splits[split].estimates, base.splits[split].estimates
    for name, estimate in ours.items():
        label = f"auprc (prev {prevalence:.2f})" if name == "auprc" and prevalence else name
        lines.append(f"{label:<18}{_with_ci(estimate):<30}{_with_ci(theirs[name]):<30}")
    for extra in results.extra_baselines:
        values = ", ".join(
            f"{name} {_with_ci(estimate)}"
            for name, estimate in extra.metrics.estimates.items()
            if name in ours
        )
        lines.append(f"{extra.name} ({split}): {values}")
    lines += panel_lines(results)
    if results.seeds is not None:
        seeds = results.seeds
        lines += ["", f"over {len(seeds.seeds)} seeds ({seeds.split}, mean ± sd):"]
        for name, stat in seeds.model.items():
            lines.append(
                f"{name:<18}{mean_sd_text(stat):<30}{mean_sd_text(seeds.baseline[name]):<30}"
            )
    lines.append("")
    if results.training is not None and results.training.ensemble is not None:
        lines.append(f"model: {results.training.ensemble.text()}")
    if results.data.positive_class is not None:
        lines.append(f"{results.data.positive_text()}: AUPRC, F1 and the threshold refer to it")
    lines.append(results.comparison.verdict)
    if results.scratch is not None:  # transfer learning --compare-scratch
        lines.append(results.scratch.comparison.verdict)
    return "\n".join(lines)


def panel_lines(results: RunResults) -> list[str]:
    """The baseline panel in the summary: each model's primary metric on the selection part
    and the final split, its fit time, and which one is the baseline (none without a panel)."""
    panel = results.baseline_panel
    if panel is None:
        return []
    where = "valid" if panel.selection == "valid" else "held-out train"
    metric = panel.metric
    lines = ["", f"baseline panel ({metric}: {where} / {panel.final_split}; fit seconds):"]
    width = max(22, *(len(m.name) + 2 for m in panel.members))  # a long name keeps a gap
    for m in panel.members:
        values = f"{_number(m.valid.get(metric))} / {_number(m.final.get(metric))}"
        mark = "  <- baseline (best on validation)" if m.key == panel.chosen else ""
        lines.append(f"  {m.name:<{width}}{values:<18}{m.seconds:>8.1f} s{mark}")
    return lines


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _with_ci(estimate: Estimate) -> str:
    value, low, high = estimate.value, estimate.low, estimate.high
    if value is None or not np.isfinite(value):
        return "-"
    if low is None or high is None:
        return f"{value:.3f}"
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def environment_record(cfg: RunConfig, files: list[str], device: str) -> dict[str, Any]:
    """``environment.json``: versions, seed, device, platform and input checksums."""
    import lightning
    import sklearn
    import torch

    checksums: dict[str, str] = {}
    for path in files:
        checksums.update(sha256_of(path))
    return {
        "biodl": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "lightning": lightning.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit_learn": sklearn.__version__,
        "seed": cfg.train.seed,
        "device": device,
        "threads": torch.get_num_threads(),
        "cuda_available": torch.cuda.is_available(),
        "input_sha256": checksums,
    }


def _write_run(
    writer: RunWriter,
    result: TrainResult,
    prepared: PreparedData,
    scores: dict[str, dict[str, np.ndarray]],
    started: datetime,
    device: str,
    baseline: FittedBaseline | None = None,
) -> None:
    cfg = result.config
    config_yaml = dump_config(cfg)
    writer.write_text("config.yaml", config_yaml)
    writer.write_json("metrics.json", result.results.to_json())
    writer.write_csv("predictions.csv", result.predictions)
    cut = result.results.decision_threshold("baseline")
    baseline_table = prediction_table(prepared, scores["baseline"], threshold=cut)
    writer.write_csv("baseline_predictions.csv", baseline_table)
    writer.write_csv("history.csv", result.history)
    importance = importance_table(baseline)
    if importance is not None:
        writer.write_csv(BASELINE_IMPORTANCE_FILE, importance)
    env = environment_record(cfg, prepared.files, device)
    env["started"] = started.isoformat(timespec="seconds")
    writer.write_json("environment.json", env)
    save_model(writer.path / MODEL_DIR, result.model.network.model, result.model.info)
    extra = kind_figures(result, prepared, scores["model"], writer.path / "plots")
    explained = (
        explain_section(result, prepared, writer, importance) if cfg.explain.enabled else None
    )
    if explained is not None:
        extra += explained.figures
    build_report(
        writer.path,
        results=result.results,
        history=result.history,
        prepared=prepared,
        scores=scores,
        config_yaml=config_yaml,
        environment={k: str(v) for k, v in env.items() if k != "input_sha256"},
        run_name=str(writer.out),
        extra_figures=extra,
        extra_tables=explained.tables if explained is not None else None,
        extra_sections=explained.text if explained is not None else None,
    )


def explain_section(
    result: TrainResult,
    prepared: PreparedData,
    writer: RunWriter,
    importance: pd.DataFrame | None = None,
) -> Any:
    """``train --explain``: attributions of the final split, drawn into ``plots/``, with the
    arrays in ``explain/attributions.npz`` and ``explain/attributions.csv``
    (:func:`biodl.pipeline.attributions.explain_part`). The baseline's coefficients or
    importances (``importance``, :func:`biodl.pipeline.baseline_importance.importance_table`:
    what ``baseline_importance.csv`` holds, so ``biodl explain RUN DATA`` shows the same) are
    ranked per gene or variable beside the network's attributions."""
    from biodl.pipeline.attributions import explain_part, write_arrays
    from biodl.pipeline.explain_motifs import train_motifs

    split = result.results.final_split
    y = prepared.y[split]
    section = explain_part(
        result.model.network,
        result.model.info,
        prepared.part(split),
        result.config.explain,
        writer.path / "plots",
        y=y if y is not None and y.ndim == 1 else None,
        source=split,
        baseline_importance=variable_importance(importance),
    )
    write_arrays(writer.file("explain/attributions.npz"), section.arrays)
    writer.write_csv("explain/attributions.csv", section.summary)
    train_motifs(writer, section, result.model.network, result.model.info, result.config.explain)
    return section


def kind_figures(
    result: TrainResult, prepared: PreparedData, scores: dict[str, np.ndarray], plots: Path
) -> list[Any]:
    """Report figures of the kind's optional ``report_figures`` hook (images: saliency)."""
    from biodl.kinds import get_kind

    hook = getattr(get_kind(prepared.kind), "report_figures", None)
    if hook is None:
        return []
    split = result.results.final_split
    threshold = result.results.decision_threshold("model")
    figures: list[Any] = hook(
        result.model.network, prepared, split, scores[split], threshold=threshold, plots=plots
    )
    return figures
