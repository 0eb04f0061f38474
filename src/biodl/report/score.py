"""The report page of ``biodl score``: verdict, Spearman of each score beside the PSSM's,
the paired comparisons, scores against measurements, and how to read the scores.

Examples
--------
>>> "log-likelihood ratio" in HOW_TO_READ
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl._io import atomic_write_text
from biodl.report._plot import new_figure, save_png
from biodl.report.page import (
    Figure,
    facts_html,
    figures_html,
    page,
    section_html,
    verdict_box,
    warnings_box,
)
from biodl.report.tables import Table, table_html

__all__ = ["HOW_TO_READ", "write_score_report"]

HOW_TO_READ = (
    "Each score is a log-likelihood ratio (natural log) of the mutant against its wild type "
    "under the language model: above 0 the model finds the mutant more likely than the wild "
    "type, below 0 less likely. wt-marginals reads every mutated site from one pass over the "
    "wild type; masked-marginals masks each mutated site in turn (masked models); pll compares "
    "the (pseudo-)log-likelihoods of the whole mutant and wild-type sequences.\n\n"
    "The PSSM is the site-independent baseline: per-position letter frequencies of the same "
    "training sequences the language model learnt from, scored the same way. A language model "
    "that does not rank the measurements better than the PSSM has learnt nothing beyond "
    "per-position preferences.\n\n"
    "Only rankings are judged (Spearman correlation): zero-shot scores are not on the scale "
    "of the measurement. Intervals are 95 % percentile bootstraps over variants; the "
    "difference of two correlations is bootstrapped on the same resamples (paired)."
)


def _scatter(scores: pd.DataFrame, columns: list[str], folder: Path) -> Figure | None:
    if "measured" not in scores or not len(columns):
        return None
    fig = new_figure(4.0 * len(columns), 3.4)
    y = scores["measured"].to_numpy(dtype=float)
    for k, name in enumerate(columns):
        ax = fig.add_subplot(1, len(columns), k + 1)
        x = scores[name].to_numpy(dtype=float)
        keep = np.isfinite(x) & np.isfinite(y)
        ax.scatter(x[keep], y[keep], s=6, alpha=0.5, linewidths=0)
        ax.set_xlabel(f"{name} score")
        ax.set_ylabel("measured" if k == 0 else "")
    path = save_png(fig, folder / "scores_vs_measured.png")
    return Figure(
        "Scores against the measurements",
        path,
        "One point per variant: the main language-model score and the PSSM's against the "
        "measured value. A good scorer puts the points along a rising band.",
    )


def write_score_report(
    path: str | os.PathLike[str],
    *,
    metrics: dict[str, Any],
    scores: pd.DataFrame,
    facts: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
    measured_column: str | None = None,
) -> Path:
    """Write the self-contained report page of ``biodl score``.

    Parameters
    ----------
    path : path
        The ``report.html`` to write (atomically); the figure goes to ``plots/`` beside it.
    metrics : dict
        ``metrics.json`` of the score command (methods, correlations, comparisons, verdict).
    scores : DataFrame
        ``scores.csv``: one row per variant.
    facts : sequence of (name, value)
    notes : sequence of str
        What reading or fitting decided that the reader should know.
    measured_column : str, optional
    """
    out = Path(path)
    methods = list(metrics["methods"])
    body = [verdict_box(str(metrics.get("verdict") or ""))]
    body.append(warnings_box(list(notes), "Notes") if notes else "")
    correlations = metrics.get("correlations")
    if correlations:
        first = next(iter(correlations.values()))
        body.append(
            table_html(
                Table(
                    f"Spearman correlation with {measured_column or 'the measured values'}",
                    ["scorer", "Spearman", "95% CI low", "95% CI high", "variants"],
                    [
                        [name, c["spearman"], c["low"], c["high"], c["n"]]
                        for name, c in correlations.items()
                    ],
                    caption=f"{first['n']} variants with a measured value "
                    f"({first['n_dropped']} left out: missing measurement or score).",
                    better={"Spearman": "higher"},
                )
            )
        )
        comparisons = metrics.get("comparisons") or {}
        if comparisons:
            body.append(
                table_html(
                    Table(
                        "Language model minus PSSM (paired bootstrap)",
                        ["score", "difference of Spearman", "95% CI low", "95% CI high", "p"],
                        [
                            [name, c["difference"], c["low"], c["high"], c["p_value"]]
                            for name, c in comparisons.items()
                        ],
                        caption="Positive: the language-model score ranks the measurements "
                        "better than the PSSM.",
                    )
                )
            )
    else:
        body.append(
            section_html(
                "No measurements",
                "The variants table has no measured column, so the scores are written to "
                "scores.csv without a correlation. Name one with --measured to compare the "
                "language model with the PSSM.",
            )
        )
    summary = Table(
        "Scores of the variants",
        ["score", "mean", "lowest", "highest", "forward passes"],
        [
            [
                name,
                float(np.nanmean(scores[name])) if scores[name].notna().any() else None,
                float(np.nanmin(scores[name])) if scores[name].notna().any() else None,
                float(np.nanmax(scores[name])) if scores[name].notna().any() else None,
                metrics["forward_passes"].get(name),
            ]
            for name in [*methods, "pssm"]
        ],
        caption="Every variant's scores are in scores.csv beside this page.",
    )
    body.append(table_html(summary))
    plots = out.parent / "plots"
    if correlations:
        plots.mkdir(parents=True, exist_ok=True)
        main = str(metrics.get("main_method") or methods[0])
        figure = _scatter(scores, [main, "pssm"], plots)
        body.append(figures_html([figure] if figure else []))
    body.append(facts_html(list(facts), "Run"))
    body.append(section_html("How to read the scores", HOW_TO_READ))
    html = page(
        "Mutation scores",
        [b for b in body if b],
        subtitle=f"biodl score · {metrics['run']} · {metrics['variants']}",
    )
    atomic_write_text(out, html)
    return out
