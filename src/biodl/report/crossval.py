"""The report of a cross-validation run: mean ± sd per model, per-fold plot, the verdict."""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

import pandas as pd

from biodl.evaluation.cv_results import CVResults
from biodl.evaluation.estimates import MeanSd
from biodl.report import figures as fig
from biodl.report.build import metric_title
from biodl.report.html import Figure, ReportContent, SummaryRow, write_report

_HOW_TO_READ = (
    "The data was divided into folds; each fold was held out once while both the deep model and "
    "the classical baseline trained on the rest, so both are judged on exactly the same held-out "
    "sequences. The table gives the mean of each metric over the folds and, after ±, its "
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
    per_fold = folds.pivot_table(
        index=["repeat", "fold"], columns="who", values=results.primary_metric
    )
    lines = []
    for key, row in per_fold.iterrows():
        repeat, fold = cast(tuple[int, int], key)
        lines.append(
            f"Repeat {repeat}, fold {fold}: {model} {row.get('model', float('nan')):.3f}, "
            f"{base} {row.get('baseline', float('nan')):.3f}"
        )
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
            ("Sequences", str(results.data.n)),
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
            )
        ],
        config_yaml=config_yaml,
        environment=environment,
        sections=[
            (
                f"{metric_title(results.primary_metric)} per fold",
                "\n\n".join(lines),
            )
        ],
    )
    return write_report(content, folder / "report.html")


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
