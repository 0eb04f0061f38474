"""The standard plots and ``report.html`` of a supervised run, from arrays and results.

Knows nothing of how the run was trained: it takes targets and scores per split, the run's
:class:`~biodl.evaluation.results.RunResults` and the history, and writes ``plots/*.png`` and
``report.html``.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl import __version__
from biodl.evaluation.estimates import MeanSd, SplitMetrics
from biodl.evaluation.metrics import METRIC_LABELS
from biodl.evaluation.results import ModelMetrics, PretrainingFacts, RunResults, TrainingFacts
from biodl.report import figures as fig
from biodl.report.figures import higher_is_better
from biodl.report.html import Figure, ReportContent, SummaryRow, write_report
from biodl.report.tables import MeanSdCell, Table
from biodl.report.transfer import transfer_section


def metric_title(name: str) -> str:
    """A metric's name for tables and figures: 'balanced_accuracy' -> 'Balanced accuracy'."""
    label = METRIC_LABELS.get(name, name)
    return label[:1].upper() + label[1:]


def _interval(model: ModelMetrics, split: str, name: str) -> fig.Interval:
    metrics = model.splits.get(split)
    estimate = metrics.estimates.get(name) if metrics is not None else None
    nan = float("nan")
    if estimate is None:
        return fig.Interval(nan, nan, nan)
    return fig.Interval(
        *(v if v is not None else nan for v in (estimate.value, estimate.low, estimate.high))
    )


def _names(metrics: SplitMetrics | None) -> list[str]:
    return list(metrics.estimates) if metrics is not None else []


def make_plots(
    folder: Path,
    *,
    results: RunResults,
    history: pd.DataFrame,
    task: str,
    output_names: list[str],
    y: np.ndarray,
    model_scores: np.ndarray,
    baseline_scores: np.ndarray,
) -> list[Figure]:
    """Write the plots of the final split into ``folder/plots`` and describe them."""
    plots = folder / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    split = results.final_split
    model, base = results.model.name, results.baseline.name
    out: list[Figure] = []
    if len(history):
        out.append(
            Figure(
                "Learning curves",
                fig.learning_curves(history, plots / "learning_curves.png"),
                "Loss per epoch on the training and validation data; the dotted line marks the "
                "epoch whose weights were kept. A validation loss rising while the training loss "
                "falls means overfitting.",
            )
        )
    names = [n for n in _names(results.model.splits.get(split)) if n in METRIC_LABELS]
    rows = [
        fig.ComparisonRow(
            metric_title(n),
            _interval(results.model, split, n),
            _interval(results.baseline, split, n),
        )
        for n in names
    ]
    out.append(
        Figure(
            "Model vs baseline",
            fig.metric_comparison(
                rows, plots / "metric_comparison.png", model_name=model, baseline_name=base
            ),
            f"Each {split} metric with its bootstrap confidence interval. Whether the model beats "
            "the baseline is decided by the paired comparison in the verdict, which is more "
            "sensitive than comparing these intervals by eye.",
        )
    )
    if task == "binary":
        curves = [
            fig.CurveSet(model, y, model_scores[:, 1]),
            fig.CurveSet(base, y, baseline_scores[:, 1], dashed=True),
        ]
        out.append(
            Figure(
                "ROC curve",
                fig.roc_curves(curves, plots / "roc.png", show_area=True),
                "True-positive rate against false-positive rate over all thresholds.",
            )
        )
        out.append(
            Figure(
                "Precision-recall curve",
                fig.pr_curves(curves, plots / "pr.png"),
                f"Precision against recall of the positive class ({output_names[1]}); the "
                "dashed line is its share of the examples.",
            )
        )
        out.append(
            Figure(
                "Calibration",
                fig.calibration_curve(curves, plots / "calibration.png"),
                f"Observed share of {output_names[1]} against its predicted probability, in "
                "bins: a "
                "calibrated model lies on the diagonal, so its probabilities can be read as risks. "
                "The legend gives each model's Brier score (lower is better).",
            )
        )
    elif task in ("multiclass", "multilabel"):
        if task == "multiclass":
            curves = fig.one_vs_rest_curves(model, y, model_scores, output_names)
        else:
            curves = [
                fig.CurveSet(f"{model}: {n}", y[:, j], model_scores[:, j])
                for j, n in enumerate(output_names[:10])
            ]
        out.append(
            Figure(
                "ROC curves (one per class)",
                fig.roc_curves(curves, plots / "roc.png"),
                "One-vs-rest ROC curve of the deep model for each class or label.",
            )
        )
        out.append(
            Figure(
                "Precision-recall curves",
                fig.pr_curves(curves, plots / "pr.png"),
                "One-vs-rest precision-recall curve of the deep model for each class or label.",
            )
        )
    if task in ("binary", "multiclass"):
        out.append(
            Figure(
                "Confusion matrix",
                fig.confusion_matrix(
                    y,
                    model_scores.argmax(1),
                    output_names,
                    plots / "confusion_matrix.png",
                    title=f"{model}: confusion matrix ({split})",
                ),
                "Rows are true classes, columns predicted classes; colour is the share of each "
                "row.",
            )
        )
    if task == "regression":
        out.append(
            Figure(
                "Predicted vs true",
                fig.predicted_vs_true(
                    y[:, 0],
                    model_scores[:, 0],
                    plots / "predicted_vs_true.png",
                    baseline_pred=baseline_scores[:, 0],
                    model_name=model,
                    baseline_name=base,
                ),
                "Each point is one sequence; points on the diagonal are predicted exactly.",
            )
        )
    return out


def build_report(
    folder: Path,
    *,
    results: RunResults,
    history: pd.DataFrame,
    prepared: Any,
    scores: dict[str, dict[str, np.ndarray]],
    config_yaml: str,
    environment: dict[str, str],
    run_name: str,
    extra_figures: list[Figure] | None = None,
    extra_tables: list[Table] | None = None,
    extra_sections: list[tuple[str, str]] | None = None,
) -> Path:
    """Write plots and ``report.html`` into ``folder``; return the report's path.

    ``prepared`` is the run's prepared data (targets, parts, warnings); only attributes are read.
    ``extra_figures`` (already drawn, e.g. by the kind) follow the standard figures;
    ``extra_tables`` and ``extra_sections`` (e.g. ``train --explain``) follow the standard ones.
    """
    split = results.final_split
    targets = prepared.targets
    figures = make_plots(
        folder,
        results=results,
        history=history,
        task=targets.task,
        output_names=targets.output_names,
        y=prepared.y[split],
        model_scores=scores["model"][split],
        baseline_scores=scores["baseline"][split],
    )
    figures += extra_figures or []
    model, base = results.model.name, results.baseline.name
    prevalence = results.prevalence.value if results.prevalence is not None else None
    positive = results.data.positive_class
    of = f" of {positive}" if positive is not None else ""
    note = f" (prevalence{of} {prevalence:.3f})" if prevalence is not None else ""
    rows = [
        SummaryRow(
            metric_title(n) + (note if n == "auprc" else ""),
            _interval(results.model, split, n),
            _interval(results.baseline, split, n),
        )
        for n in _names(results.model.splits.get(split))
    ]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    content = ReportContent(
        title=f"{model} vs {base}: {targets.task} on {Path(results.data.train_file).name}",
        subtitle=f"biodl {__version__} · {now} · run directory {run_name}",
        verdict=results.comparison.verdict,
        summary_rows=rows,
        model_name=f"{model} ({split})",
        baseline_name=f"{base} ({split})",
        data_facts=data_facts(results, prepared),
        warnings=list(prepared.warnings),
        figures=figures,
        config_yaml=config_yaml,
        environment=environment,
        tables=[
            *panel_table(results),
            *extra_baselines_table(results),
            *seeds_table(results),
            *(extra_tables or []),
        ],
        sections=[
            *training_section(results),
            *transfer_section(results),
            *(extra_sections or []),
        ],
    )
    return write_report(content, folder / "report.html")


#: The kind's data facts that :func:`data_facts` shows in their own way.
_FACTS_SHOWN = {"alphabet", "length"}


def data_facts(results: RunResults, prepared: Any) -> list[tuple[str, str]]:
    """(name, value) rows describing the data for the report."""
    data = results.data
    facts = [("Files", ", ".join(os.path.abspath(f) for f in prepared.files))]
    if "alphabet" in data.facts:
        facts.append(("Alphabet", str(data.facts["alphabet"]).upper()))
    noun = "Sequences" if data.kind == "sequence" else "Examples"
    sizes = " / ".join(str(data.sizes.get(n, 0)) for n in ("train", "valid", "test"))
    facts.append((f"{noun} (train / valid / test)", sizes))
    facts.append(("How valid/test were made", data.split))
    length = data.facts.get("length")
    if isinstance(length, dict):
        low, high = length["min"], length["max"]
        text = f"{low}" if low == high else f"{low} to {high} (median {length['median']:.0f})"
        facts.append(("Length", text))
    for key, value in data.facts.items():
        if key not in _FACTS_SHOWN:
            facts.append((key.replace("_", " ").capitalize(), _fact_text(value)))
    targets = prepared.targets
    facts.append(("Task", f"{targets.task} on {', '.join(targets.label_columns)}"))
    if targets.task in ("binary", "multiclass"):
        y = prepared.y["train"]
        counts = np.bincount(y, minlength=len(targets.classes))
        facts.append(
            (
                "Class balance (train)",
                ", ".join(f"{c}: {k}" for c, k in zip(targets.classes, counts, strict=True)),
            )
        )
    if data.positive_class is not None:
        why = f" ({data.positive_reason})" if data.positive_reason else ""
        facts.append(
            (
                "Positive class",
                f"{data.positive_class}{why}; AUPRC, F1, sensitivity, precision, the decision "
                "threshold and the prevalence refer to it",
            )
        )
    return facts


def _fact_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_fact_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def panel_table(results: RunResults) -> list[Table]:
    """The baseline panel: each classical model's scores, training rows and fit time."""
    panel = results.baseline_panel
    if panel is None:
        return []
    metric = metric_title(panel.metric)
    where = "validation" if panel.selection == "valid" else "held-out train"
    rows: list[list[Any]] = [
        [
            m.name + (" *" if m.key == panel.chosen else ""),
            m.valid.get(panel.metric),
            m.final.get(panel.metric),
            m.seconds,
            f"{m.n_fit:,}" + ("" if m.n_fit >= panel.n_train else f" of {panel.n_train:,}"),
            m.settings,
        ]
        for m in panel.members
    ]
    subsampled = any(m.n_fit < panel.n_train for m in panel.members)
    caption = (
        f"The classical models fitted on the same training part and features; the one marked * "
        f"is the baseline of the verdict: the best {metric} on {where}"
        + (
            ""
            if panel.selection == "valid"
            else " (a stratified fifth of the training part held out, as the run has no "
            "validation part; the chosen model was then refitted on all of it)"
        )
        + ". "
        + (
            "Training rows 'n of N': a stratified subsample of the training part (tree models "
            "need dense features; the subsample keeps memory bounded). "
            if subsampled
            else ""
        )
        + "Metrics of every model are in metrics.json (baseline_panel)."
    )
    direction: Literal["higher", "lower"] = "higher" if higher_is_better(panel.metric) else "lower"
    valid_column = f"{metric} ({where})"
    final_column = f"{metric} ({panel.final_split})"
    columns = [valid_column, final_column, "Fit (s)", "Training rows", "Settings"]
    return [
        Table(
            "Baseline panel",
            ["Model", *columns],
            rows,
            caption,
            csv="baseline_panel.csv",
            better={valid_column: direction, final_column: direction},
            sortable=len(rows) > 3,
        )
    ]


def extra_baselines_table(results: RunResults) -> list[Table]:
    """'Other baselines': each extra baseline's metrics with their intervals, one row each."""
    if not results.extra_baselines:
        return []
    names: list[str] = []
    for extra in results.extra_baselines:
        names += [n for n in extra.metrics.estimates if n not in names]
    rows: list[list[Any]] = []
    for extra in results.extra_baselines:
        cells: list[Any] = [extra.name, extra.split, extra.seconds]
        for name in names:
            e = extra.metrics.estimates.get(name)
            cells.append(None if e is None else _nan_interval(e.value, e.low, e.high))
        rows.append(cells)
    columns = [metric_title(n) for n in names]
    return [
        Table(
            "Other baselines",
            ["Method", "Split", "Fit (s)", *columns],
            rows,
            "Further classical methods, trained and tested on the same split as the network; "
            "95% bootstrap confidence intervals in brackets.",
            csv="other_baselines.csv",
            better={
                title: "higher" if higher_is_better(n) else "lower"
                for n, title in zip(names, columns, strict=True)
            },
        )
    ]


def _nan_interval(value: float | None, low: float | None, high: float | None) -> fig.Interval:
    nan = float("nan")
    return fig.Interval(*(v if v is not None else nan for v in (value, low, high)))


def mean_sd_text(stat: MeanSd) -> str:
    """Mean and sd as 'm ± s' (3 decimals); 'm' without an sd; '-' when undefined.

    For the terminal summary; reports format with :func:`biodl.report.formatting.format_mean_sd`.
    """
    if stat.mean is None:
        return "-"
    return f"{stat.mean:.3f} ± {stat.sd:.3f}" if stat.sd is not None else f"{stat.mean:.3f}"


def seeds_table(results: RunResults) -> list[Table]:
    """'Variation over seeds' when the run was repeated with several seeds."""
    seeds = results.seeds
    if seeds is None:
        return []
    model, base = results.model.name, results.baseline.name
    rows: list[list[Any]] = [
        [
            metric_title(name),
            MeanSdCell(stat.mean, stat.sd),
            MeanSdCell(seeds.baseline[name].mean, seeds.baseline[name].sd),
        ]
        for name, stat in seeds.model.items()
    ]
    caption = (
        f"The network and the baseline were trained {len(seeds.seeds)} times with seeds "
        f"{', '.join(map(str, seeds.seeds))} on the same split; {seeds.split} metrics as "
        "mean ± standard deviation over the seeds (the tables above show the first seed)."
    )
    return [
        Table(
            "Variation over seeds",
            ["Metric", f"{model} (mean ± sd)", f"{base} (mean ± sd)"],
            rows,
            caption,
            csv="seeds.csv",
        )
    ]


def training_section(results: RunResults) -> list[tuple[str, str]]:
    """The 'Training' section (none while the run's training facts are unknown)."""
    if results.training is None:
        return []
    text = training_text(results.training, results.baseline)
    if results.baseline_panel is not None:
        n = len(results.baseline_panel.members)
        text = text.replace(" trained in ", f" was chosen from {n} classical models, trained in ")
    return [("Training", text)]


def training_text(t: TrainingFacts, baseline: ModelMetrics) -> str:
    """How the network and the baseline trained, in sentences."""
    stop = "stopped early" if t.stopped_early else "ran all epochs"
    chosen = t.epoch_chosen_on_valid
    label = METRIC_LABELS.get(t.monitor, t.monitor) if t.monitor else ""
    watched = f" (the best validation {label})" if label else ""
    kept = (
        f"the weights of epoch {t.best_epoch}{watched} were kept"
        if chosen
        else "the last epoch's weights were kept (no validation part of 30 or more examples "
        "to choose an epoch on)"
    )
    features = baseline.features if baseline.features is not None else "features"
    return (
        f"The network trained for {t.epochs_run} epochs ({stop}) in {t.seconds:.1f} s on "
        f"{t.device}; {kept}. The baseline ({baseline.name} on {features}) "
        f"trained in {t.baseline_seconds:.1f} s on the same training split."
        + (
            " The last epoch was the best one: the network may still be improving, so more "
            "epochs (--epochs) could help."
            if chosen and t.best_epoch == t.epochs_run and not t.stopped_early
            else ""
        )
        + _pretraining_text(t.pretraining)
        + (
            f" The model is an {t.ensemble.text()} (the numbers above are the first member's)."
            if t.ensemble is not None
            else ""
        )
    )


def _pretraining_text(p: PretrainingFacts | None) -> str:
    if p is None:
        return ""
    kind = {"ae": "an autoencoder", "dae": "a denoising autoencoder", "vae": "a VAE"}
    how = "kept fixed" if p.frozen else "trained further with the classifier"
    return (
        f" Before that, {kind.get(p.encoder, p.encoder)} with a {p.n_latent}-value code "
        f"was fitted without labels on the {p.samples} training samples ({p.epochs} "
        f"epochs, {p.seconds:.1f} s); its encoder feeds the network and was {how}."
    )
