"""The report page of ``biodl train --task forecast``: verdict, the forecast beside the
baselines, the per-site figure of predicted vs actual changes, the training curve.

Built from the shared parts of :mod:`biodl.report.html` (one self-contained page).

Examples
--------
>>> FORECASTERS["site_frequency"]
'Site frequency'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.report._plot import PALETTE, integer_axis, new_figure, save_png
from biodl.report.html import Figure, ReportContent, SummaryRow, Table, write_report

__all__ = [
    "FORECASTERS",
    "HOW_TO_READ",
    "forecast_facts",
    "forecast_table",
    "history_figure",
    "site_figure",
    "write_forecast_report",
]

#: Row names of the forecasters in the report.
FORECASTERS = {
    "model": "Forecast (network)",
    "persistence": "Persistence",
    "site_frequency": "Site frequency",
    "site_entropy": "Site entropy",
}

HOW_TO_READ = (
    "Each case is one site in one held-out season pair (season s to s + 1): did the consensus "
    "letter at the site change? AUROC is the chance that a site that changed is scored above "
    "one that did not (0.5: no better than guessing); AUPRC is the mean precision over the "
    "sites that changed (a forecaster that knows nothing gets the fraction of cases that "
    "changed). Persistence says nothing changes, so all its scores are equal and its AUROC is "
    "exactly 0.5. Site frequency scores a site by how often it changed in the past; site "
    "entropy by how varied its letters were. The forecast saw only seasons up to s for each "
    "pair. Top-k accuracy is, at the sites that changed, how often the new consensus letter "
    "was among the k letters ranked highest (baseline: the most frequent other letters in "
    "season s). Intervals are percentile bootstraps over the cases."
)


def forecast_facts(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """The "Data" facts of the page from a forecast run's ``metrics.json`` (its ``data`` and
    ``training`` sections; runs written before they were recorded give none)."""
    data, training = metrics.get("data"), metrics.get("training")
    if not data:
        return []
    labels = data["seasons"]

    def span(seasons: list[int]) -> str:
        return f"{labels[seasons[0]]} -> {labels[seasons[-1] + 1]} ({len(seasons)} pairs)"

    pairs = data["pairs"]
    facts = [
        ("Training file", str(data["train_file"])),
        ("Sequences", f"{data['sequences']:,} aligned, {data['sites']} sites"),
        ("Seasons", f"{len(labels)} ({labels[0]} to {labels[-1]})"),
        ("Letters", str(data["letters"])),
        ("Training pairs", span(pairs["train"])),
        ("Validation pairs", span(pairs["valid"])),
        ("Held-out pairs", span(pairs["test"])),
    ]
    if training:
        facts.append(
            (
                "Epochs",
                f"{training['epochs_run']} run, weights of epoch {training['best_epoch']} kept",
            )
        )
    return facts


def forecast_table(evaluation: Any) -> Table:
    """Every forecaster (rows) with AUROC, AUPRC and top-k accuracy (columns)."""
    rows: list[list[Any]] = []
    named = {"model": evaluation.model, **evaluation.baselines}
    for key, metrics in named.items():
        top = [metrics.top_k.get(k) for k in sorted(evaluation.model.top_k)]
        rows.append([FORECASTERS[key], metrics.auroc, metrics.auprc, *top])
    ks = sorted(evaluation.model.top_k)
    return Table(
        "The forecast beside the baselines",
        ["forecaster", "AUROC", "AUPRC", *(f"top-{k} new letter" for k in ks)],
        rows,
        f"{evaluation.cases} cases (sites x held-out season pairs), {evaluation.changed} "
        "changed. The site-frequency and site-entropy rows give the letter baseline's top-k "
        "(the most frequent other letters); persistence names no letter.",
        csv="forecasters.csv",
        better={"AUROC": "higher", "AUPRC": "higher"},
    )


def site_figure(
    scores: np.ndarray, change: np.ndarray, labels: Sequence[str], path: Path
) -> Figure:
    """Predicted probability of change per site, one panel per held-out pair, with the sites
    that did change marked."""
    n = len(labels)
    fig = new_figure(9.0, 1.5 + 1.4 * n)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    sites = np.arange(1, scores.shape[1] + 1)
    for ax, row, truth, label in zip(axes, scores, change, labels, strict=True):
        ax.bar(sites, row, width=1.0, color=PALETTE[0], label="predicted P(change)")
        hit = np.flatnonzero(truth)
        ax.scatter(
            sites[hit],
            np.full(len(hit), 1.05),
            marker="v",
            color=PALETTE[1],
            s=18,
            label="changed",
            zorder=3,
        )
        ax.set_ylim(0, 1.15)
        ax.set_ylabel("P(change)")
        ax.set_title(label, fontsize=9, loc="left")
    axes[-1].set_xlabel("site")
    axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, ncol=2, frameon=False)
    save_png(fig, path)
    return Figure(
        "Predicted vs actual changes per site",
        path,
        "Bars: the forecast's probability that the consensus letter at each site changes in "
        "the next season; triangles: the sites where it did change. A good forecast has tall "
        "bars under the triangles and short bars elsewhere.",
    )


def history_figure(history: pd.DataFrame, best_epoch: int, path: Path) -> Figure | None:
    """Training and validation loss per epoch (None without a history)."""
    if history.empty or "train_loss" not in history:
        return None
    fig = new_figure(6.0, 3.2)
    ax = fig.subplots()
    ax.plot(history["epoch"], history["train_loss"], color=PALETTE[0], label="training")
    for key, colour, label in (
        ("valid_change_loss", PALETTE[1], "validation: change"),
        ("valid_letter_loss", PALETTE[2], "validation: new letter"),
    ):
        if key in history:
            ax.plot(history["epoch"], history[key], color=colour, label=label)
    ax.axvline(best_epoch, color="#888888", linestyle=":", label=f"kept (epoch {best_epoch})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    integer_axis(ax.xaxis)
    ax.legend(frameon=False)
    save_png(fig, path)
    return Figure(
        "Training curve",
        path,
        "Training loss (change cross-entropy plus new-letter cross-entropy) on the training "
        "season pairs; on the validation pairs (the last ones before the held-out seasons) "
        "each part alone. The weights of the dotted epoch, the lowest validation change loss, "
        "are kept.",
    )


def write_forecast_report(
    path: str | os.PathLike[str],
    *,
    evaluation: Any,
    scores: np.ndarray,
    change: np.ndarray,
    pair_labels: Sequence[str],
    history: pd.DataFrame,
    best_epoch: int,
    plots: Path,
    facts: Sequence[tuple[str, str]],
    config_yaml: str,
    environment: dict[str, str] | None = None,
    warnings: Sequence[str] = (),
    subtitle: str = "",
) -> Path:
    """Write ``report.html`` of a forecast run (figures drawn into ``plots``).

    ``evaluation`` is the :class:`~biodl.evaluation.forecast.ForecastEvaluation`; ``scores``
    and ``change`` are ``(pairs, L)`` for the held-out pairs named by ``pair_labels``.
    """
    plots.mkdir(parents=True, exist_ok=True)
    figures = [site_figure(scores, change, pair_labels, plots / "sites.png")]
    curve = history_figure(history, best_epoch, plots / "history.png")
    if curve is not None:
        figures.append(curve)
    base = evaluation.baselines[evaluation.strongest]
    strongest = FORECASTERS[evaluation.strongest]
    content = ReportContent(
        title="Lineage forecast: which sites change next season",
        verdict=evaluation.verdict,
        subtitle=subtitle,
        summary_rows=[
            SummaryRow("AUROC", evaluation.model.auroc, base.auroc, higher_is_better=True),
            SummaryRow("AUPRC", evaluation.model.auprc, base.auprc, higher_is_better=True),
        ],
        model_name=FORECASTERS["model"],
        baseline_name=f"{strongest} (strongest baseline)",
        results_heading="Results on the held-out seasons",
        how_to_read=HOW_TO_READ,
        data_facts=list(facts),
        warnings=list(warnings),
        figures=figures,
        tables=[forecast_table(evaluation)],
        config_yaml=config_yaml,
        environment=dict(environment or {}),
    )
    return write_report(content, path)
