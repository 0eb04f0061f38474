"""The standard plots and ``report.html`` of a supervised run, from arrays and metrics.

Knows nothing of how the run was trained: it takes targets and scores per split, the
``metrics.json`` content and the history, and writes ``plots/*.png`` and ``report.html``.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl import __version__
from biodl.evaluate.metrics import METRIC_LABELS
from biodl.report import figures as fig
from biodl.report.html import Figure, ReportContent, SummaryRow, write_report
from biodl.report.transfer import transfer_section


def metric_title(name: str) -> str:
    """A metric's name for tables and figures: 'balanced_accuracy' -> 'Balanced accuracy'."""
    label = METRIC_LABELS.get(name, name)
    return label[:1].upper() + label[1:]


def _interval(metrics: dict[str, Any], who: str, split: str, name: str) -> fig.Interval:
    value = metrics[who].get(split, {}).get(name)
    ci = metrics[who].get(f"{split}_ci", {}).get(name) or [None, None]
    nan = float("nan")
    return fig.Interval(
        value if value is not None else nan,
        ci[0] if ci[0] is not None else nan,
        ci[1] if ci[1] is not None else nan,
    )


def make_plots(
    folder: Path,
    *,
    metrics: dict[str, Any],
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
    split = metrics["comparison"]["split"]
    model, base = metrics["model"]["name"], metrics["baseline"]["name"]
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
    names = [n for n in metrics["model"].get(split, {}) if n in METRIC_LABELS]
    rows = [
        fig.ComparisonRow(
            metric_title(n),
            _interval(metrics, "model", split, n),
            _interval(metrics, "baseline", split, n),
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
                "Precision against recall; the dashed line is the share of positives.",
            )
        )
        out.append(
            Figure(
                "Calibration",
                fig.calibration_curve(curves, plots / "calibration.png"),
                "Observed share of positives against the predicted probability, in bins: a "
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
    metrics: dict[str, Any],
    history: pd.DataFrame,
    prepared: Any,
    scores: dict[str, dict[str, np.ndarray]],
    config_yaml: str,
    environment: dict[str, str],
    run_name: str,
    extra_figures: list[Figure] | None = None,
) -> Path:
    """Write plots and ``report.html`` into ``folder``; return the report's path.

    ``prepared`` is the run's prepared data (targets, parts, warnings); only attributes are read.
    ``extra_figures`` (already drawn, e.g. by the modality) follow the standard figures.
    """
    split = metrics["comparison"]["split"]
    targets = prepared.targets
    figures = make_plots(
        folder,
        metrics=metrics,
        history=history,
        task=targets.task,
        output_names=targets.output_names,
        y=prepared.y[split],
        model_scores=scores["model"][split],
        baseline_scores=scores["baseline"][split],
    )
    figures += extra_figures or []
    model, base = metrics["model"]["name"], metrics["baseline"]["name"]
    prevalence = metrics.get("prevalence", {}).get("value")
    note = f" (prevalence {prevalence:.3f})" if prevalence is not None else ""
    rows = [
        SummaryRow(
            metric_title(n) + (note if n == "auprc" else ""),
            _interval(metrics, "model", split, n),
            _interval(metrics, "baseline", split, n),
        )
        for n in metrics["model"].get(split, {})
    ]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    content = ReportContent(
        title=f"{model} vs {base}: {targets.task} on {Path(metrics['data']['train_file']).name}",
        subtitle=f"biodl {__version__} · {now} · run directory {run_name}",
        verdict=metrics["comparison"]["verdict"],
        summary_rows=rows,
        model_name=f"{model} ({split})",
        baseline_name=f"{base} ({split})",
        data_facts=data_facts(metrics, prepared),
        warnings=list(prepared.warnings),
        figures=figures,
        config_yaml=config_yaml,
        environment=environment,
        sections=[
            ("Training", training_text(metrics)),
            *extra_baselines_section(metrics),
            *seeds_section(metrics),
            *transfer_section(metrics),
        ],
    )
    return write_report(content, folder / "report.html")


#: metrics.json "data" keys shown by :func:`data_facts` in their own way (or not at all).
_DATA_KEYS_SHOWN = {
    "train_file",
    "kind",
    "alphabet",
    "length",
    "split",
    "n_train",
    "n_valid",
    "n_test",
    "classes",
    "label_columns",
    "leakage",
}


def data_facts(metrics: dict[str, Any], prepared: Any) -> list[tuple[str, str]]:
    """(name, value) rows describing the data for the report."""
    data = metrics["data"]
    kind = data.get("kind", "sequence")
    facts = [("Files", ", ".join(os.path.abspath(f) for f in prepared.files))]
    if "alphabet" in data:
        facts.append(("Alphabet", data["alphabet"].upper()))
    noun = "Sequences" if kind == "sequence" else "Examples"
    sizes = " / ".join(str(data.get(f"n_{n}", 0)) for n in ("train", "valid", "test"))
    facts.append((f"{noun} (train / valid / test)", sizes))
    facts.append(("How valid/test were made", data["split"]))
    length = data.get("length")
    if isinstance(length, dict):
        low, high = length["min"], length["max"]
        text = f"{low}" if low == high else f"{low} to {high} (median {length['median']:.0f})"
        facts.append(("Length", text))
    for key, value in data.items():
        if key not in _DATA_KEYS_SHOWN:
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
    return facts


def _value_ci(value: float | None, ci: list[float | None] | None) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    if not ci or ci[0] is None or ci[1] is None:
        return f"{value:.3f}"
    return f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def _fact_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_fact_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def extra_baselines_section(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """An 'Other baselines' section: each extra baseline's metrics with their intervals."""
    extras = metrics.get("extra_baselines") or []
    if not extras:
        return []
    paragraphs = []
    for extra in extras:
        split = extra["split"]
        values = "; ".join(
            f"{metric_title(name)} {_value_ci(value, extra[split + '_ci'].get(name))}"
            for name, value in extra[split].items()
        )
        paragraphs.append(
            f"{extra['name']} ({split}, trained on the same split in {extra['seconds']:.1f} s): "
            f"{values}"
        )
    intro = "Further classical methods, trained and tested on the same split as the network:"
    return [("Other baselines", intro + "\n\n" + "\n\n".join(paragraphs))]


def mean_sd_text(stat: dict[str, Any]) -> str:
    """``{'mean': m, 'sd': s}`` as 'm ± s' (3 decimals); '-' when undefined."""
    if stat["mean"] is None:
        return "-"
    return (
        f"{stat['mean']:.3f} ± {stat['sd']:.3f}"
        if stat["sd"] is not None
        else f"{stat['mean']:.3f}"
    )


def seeds_section(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """A 'Variation over seeds' section when the run was repeated with several seeds."""
    if "seeds" not in metrics:
        return []
    seeds = metrics["seeds"]
    model, base = metrics["model"]["name"], metrics["baseline"]["name"]

    lines = [
        f"{metric_title(name)}: {model} {mean_sd_text(stat)}; "
        f"{base} {mean_sd_text(seeds['baseline'][name])}"
        for name, stat in seeds["model"].items()
    ]
    intro = (
        f"The network and the baseline were trained {len(seeds['seeds'])} times with seeds "
        f"{', '.join(map(str, seeds['seeds']))} on the same split; {seeds['split']} metrics as "
        "mean ± standard deviation over the seeds (the tables above show the first seed)."
    )
    return [("Variation over seeds", intro + "\n\n" + "\n\n".join(lines))]


def training_text(metrics: dict[str, Any]) -> str:
    t = metrics["training"]
    stop = "stopped early" if t["stopped_early"] else "ran all epochs"
    chosen = t.get("epoch_chosen_on_valid", True)
    kept = (
        f"the weights of epoch {t['best_epoch']} were kept"
        if chosen
        else "the last epoch's weights were kept (no validation part of 30 or more examples "
        "to choose an epoch on)"
    )
    return (
        f"The network trained for {t['epochs_run']} epochs ({stop}) in {t['seconds']:.1f} s on "
        f"{t['device']}; {kept}. The baseline "
        f"({metrics['baseline']['name']} on {metrics['baseline'].get('features', 'features')}) "
        f"trained in {t['baseline_seconds']:.1f} s on the same training split."
        + (
            " The last epoch was the best one: the network may still be improving, so more "
            "epochs (--epochs) could help."
            if chosen and t["best_epoch"] == t["epochs_run"] and not t["stopped_early"]
            else ""
        )
        + _pretraining_text(t.get("pretraining"))
    )


def _pretraining_text(p: dict[str, Any] | None) -> str:
    if not p:
        return ""
    kind = {"ae": "an autoencoder", "dae": "a denoising autoencoder", "vae": "a VAE"}
    how = "kept fixed" if p["frozen"] else "trained further with the classifier"
    return (
        f" Before that, {kind.get(p['encoder'], p['encoder'])} with a {p['n_latent']}-value code "
        f"was fitted without labels on the {p['samples']} training samples ({p['epochs']} "
        f"epochs, {p['seconds']:.1f} s); its encoder feeds the network and was {how}."
    )
