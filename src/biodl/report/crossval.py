"""The page of ``biodl cv``: the verdict, mean ± sd per model, the per-fold table (sortable, also
``tables/per_fold.csv``) and figures of the metrics over folds and of each fold."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from biodl.evaluation.cv_results import CVResults
from biodl.evaluation.estimates import MeanSd
from biodl.report import figures as fig
from biodl.report._plot import PALETTE, integer_axis, new_figure, save_png
from biodl.report.build import metric_title
from biodl.report.html import Figure, ReportContent, SummaryRow, write_report
from biodl.report.tables import Table

_HOW_TO_READ = (
    "The data was divided into folds; each fold was held out once while both the deep model and "
    "the classical baseline trained on the rest, so both are judged on exactly the same held-out "
    "examples. The table gives the mean of each metric over the folds and, after ±, its "
    "standard deviation: how much the result moves from one fold to the next. "
    "The verdict compares the two models fold by fold with the corrected resampled t-test "
    "(Nadeau & Bengio 2003), which allows for the folds sharing training data, and with the "
    "Wilcoxon signed-rank test; a p-value below 0.05 counts as a real difference."
)


def _interval(stat: MeanSd) -> fig.Interval:
    nan = float("nan")
    mean = stat.mean if stat.mean is not None else nan
    sd = stat.sd if stat.sd is not None else nan
    return fig.Interval(mean, mean - sd, mean + sd)


def write_cv_report(
    folder: Path,
    *,
    results: CVResults,
    folds: pd.DataFrame,
    config_yaml: str,
    environment: dict[str, str],
    subtitle: str,
) -> Path:
    """Write ``plots/cv_folds.png`` and ``report.html`` into ``folder``; return the report path."""
    model, base = results.model.name, results.baseline.name
    ours, theirs = results.model.metrics, results.baseline.metrics
    rows = [SummaryRow(metric_title(n), _interval(ours[n]), _interval(theirs[n])) for n in ours]
    comparison_rows = [
        fig.ComparisonRow(metric_title(n), _interval(ours[n]), _interval(theirs[n])) for n in ours
    ]
    plot = fig.metric_comparison(
        comparison_rows,
        folder / "plots" / "cv_metrics.png",
        model_name=model,
        baseline_name=base,
        title="Deep model vs baseline over folds",
        bars="mean ± one standard deviation over folds",
    )
    n_folds = results.comparison.n_folds
    per_fold = per_fold_table(results, folds)
    fold_plot = per_fold_figure(results, folds, folder / "plots" / "cv_folds.png")
    content = ReportContent(
        title=f"{model} vs {base}: {n_folds}-fold cross-validation of {results.task} on "
        f"{Path(results.data.train_file).name}",
        subtitle=subtitle,
        verdict=results.comparison.verdict,
        summary_rows=rows,
        model_name=model,
        baseline_name=base,
        interval_label="mean ± sd",
        interval_style="sd",
        results_heading=f"Results over {n_folds} cross-validation folds",
        how_to_read=_HOW_TO_READ,
        data_facts=[
            ("File", os.path.abspath(results.data.train_file)),
            ("Sequences" if results.data.kind == "sequence" else "Examples", str(results.data.n)),
            (
                "Folds",
                f"{results.folds} folds x {results.repeats} repeat(s), {results.split} folds",
            ),
            (
                "Training time",
                f"{model}: {results.model.seconds:.1f} s; "
                f"{base}: {results.baseline.seconds:.1f} s (all folds)",
            ),
            *_positive_fact(results),
        ],
        figures=[
            Figure(
                "Model vs baseline over folds",
                plot,
                "Mean of each metric over the folds; bars span mean ± one standard deviation.",
            ),
            Figure(
                f"{metric_title(results.primary_metric)} per fold",
                fold_plot,
                "Each held-out fold's score for both models (the same numbers as the table "
                "below): where one line lies on the better side of the other on most folds, "
                "that model wins consistently rather than on average.",
            ),
        ],
        tables=[per_fold],
        config_yaml=config_yaml,
        environment=environment,
    )
    return write_report(content, folder / "report.html")


def _fold_scores(results: CVResults, folds: pd.DataFrame) -> pd.DataFrame:
    """Primary metric per (repeat, fold), one column per model ('model', 'baseline')."""
    return folds.pivot_table(
        index=["repeat", "fold"], columns="who", values=results.primary_metric, dropna=False
    ).reindex(columns=["model", "baseline"])


def per_fold_table(results: CVResults, folds: pd.DataFrame) -> Table:
    """The primary metric of both models on every held-out fold, and their difference."""
    model, base = results.model.name, results.baseline.name
    metric = metric_title(results.primary_metric)
    scores = _fold_scores(results, folds)
    several = scores.index.get_level_values("repeat").nunique() > 1
    rows: list[list[Any]] = []
    for key, row in scores.iterrows():
        repeat, fold = cast(tuple[int, int], key)
        ours, theirs = float(row["model"]), float(row["baseline"])
        rows.append([*([int(repeat)] if several else []), int(fold), ours, theirs, ours - theirs])
    columns = [*(["Repeat"] if several else []), "Fold", model, base, f"{model} − {base}"]
    higher = fig.higher_is_better(results.primary_metric)
    return Table(
        f"{metric} per fold",
        columns,
        rows,
        f"{metric} of each model on each held-out fold; the better of the two is in bold.",
        csv="per_fold.csv",
        sortable=True,
        compare=((model, base), "higher" if higher else "lower"),
    )


def per_fold_figure(results: CVResults, folds: pd.DataFrame, path: Path) -> Path:
    """Both models' primary metric on each fold (x: fold number), one line per model."""
    scores = _fold_scores(results, folds)
    fig_ = new_figure(6.5, 3.6)
    ax = fig_.add_subplot()
    x = np.arange(1, len(scores) + 1)
    for colour, marker, who, name in (
        (PALETTE[0], "o", "model", results.model.name),
        (PALETTE[1], "s", "baseline", results.baseline.name),
    ):
        ax.plot(x, scores[who].to_numpy(float), marker=marker, color=colour, label=name)
    labels = [
        f"{r}.{f}" if scores.index.get_level_values("repeat").nunique() > 1 else str(f)
        for r, f in scores.index
    ]
    integer_axis(ax.xaxis)
    if len(x) <= 30:
        ax.set_xticks(x, labels)
    ax.set_xlabel(
        "repeat.fold" if scores.index.get_level_values("repeat").nunique() > 1 else "fold"
    )
    ax.set_ylabel(metric_title(results.primary_metric))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    return save_png(fig_, path)


def _positive_fact(results: CVResults) -> list[tuple[str, str]]:
    """The 'Positive class' row of a binary task (chosen once for every fold)."""
    data = results.data
    if data.positive_class is None:
        return []
    why = f" ({data.positive_reason})" if data.positive_reason else ""
    return [
        (
            "Positive class",
            f"{data.positive_class}{why}, the same in every fold; AUPRC and F1 refer to it",
        )
    ]
