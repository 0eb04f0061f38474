"""The report page of ``biodl generate``: the verdict in words, the checks, the samplers table.

Built from the shared pieces of :mod:`biodl.report.html` (one self-contained page) and the
figures of :mod:`biodl.report.synthetic_figures` (sample grid, shared PCA, histograms,
correlation maps, the discriminator's accuracy over epochs).

Examples
--------
>>> headline_rows({"detection_auroc": 0.7}, {"detection_auroc": 0.9})[0].metric
'Detection AUROC (0.5 = indistinguishable)'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.report.html import Interval, ReportContent, SummaryRow, Table, write_report

__all__ = ["HEADLINE", "headline_rows", "samplers_table", "write_generate_report"]

#: The checks of the headline table: key, label, higher is better.
HEADLINE = (
    ("detection_auroc", "Detection AUROC (0.5 = indistinguishable)", False),
    ("correlation_distance", "Correlation distance", False),
    ("mmd2", "MMD^2", False),
    ("ks_mean", "Mean Kolmogorov-Smirnov statistic", False),
    ("precision", "Precision", True),
    ("recall", "Recall", True),
    ("density", "Density (about 1 when alike)", True),
    ("coverage", "Coverage", True),
    ("tstr", "TSTR accuracy", True),
    ("trtr", "TRTR accuracy (real rows)", True),
    ("exact_copy_fraction", "Exact copies of training rows", False),
    ("membership_auroc", "Membership inference AUROC (0.5 = no leak)", False),
    ("distinct_fraction", "Distinct samples", True),
)

HOW_TO_READ = (
    "The generative model was fitted on the training part of the data only; the held-out real "
    "rows were set aside before fitting and are the yardstick of every number here. Detection "
    "AUROC is how well a classifier tells synthetic from held-out real rows (0.5: it cannot). "
    "Correlation distance and MMD measure how far the joint distribution is; precision and "
    "density how much of the synthetic data looks real, recall and coverage how much of the "
    "real data is covered. Exact copies, the distance-to-closest-record ratio and membership "
    "inference say whether the generator copies its training rows. The same checks are run on "
    "three classical samplers: independent marginals (every feature drawn alone: no "
    "correlations), a Gaussian copula, and a copy of the training set, which every privacy "
    "check must flag. A useful generator beats independent marginals and is not flagged like "
    "the copy."
)


def headline_rows(
    metrics: dict[str, float], marginals: dict[str, float] | None
) -> list[SummaryRow]:
    """The headline rows: the model's value beside the independent-marginals sampler's."""
    nan = float("nan")
    rows = []
    for key, label, higher in HEADLINE:
        if key not in metrics:
            continue
        base = nan if marginals is None else float(marginals.get(key, nan))
        rows.append(
            SummaryRow(
                label,
                Interval(float(metrics[key]), nan, nan),
                Interval(base, nan, nan),
                higher_is_better=higher,
            )
        )
    return rows


def samplers_table(table: pd.DataFrame) -> Table:
    """Every metric (rows) of every sampler (columns), as the report shows it."""
    columns = [str(c) for c in table.index]
    rows = [
        [str(metric), *(float(table.loc[s, metric]) for s in table.index)]
        for metric in table.columns
    ]
    return Table(
        "Every check, the model beside the classical samplers",
        ["metric", *columns],
        rows,
        "docs/generate.md explains each metric and its direction. The copy of the training set "
        "must show exact copies near 100 % and a distance ratio near 0. The same numbers at "
        "full precision: samplers.csv.",
    )


def write_generate_report(
    path: str | os.PathLike[str],
    *,
    judged: Any,
    samples: np.ndarray,
    labels: np.ndarray | None,
    history: pd.DataFrame | None,
    plots: Path,
    facts: Sequence[tuple[str, str]],
    config_yaml: str,
    warnings: Sequence[str] = (),
    subtitle: str = "",
) -> Path:
    """Write ``report.html`` of a generate run (figures drawn into ``plots``).

    ``judged`` is the :class:`~biodl.pipeline.generate_eval.GenerateEvaluation`; ``samples``
    the generated rows in the data's shape (images are drawn as a grid).
    """
    from biodl.report.synthetic_figures import synthetic_report_figures

    plots.mkdir(parents=True, exist_ok=True)
    table = judged.table
    marginals = (
        {str(k): float(v) for k, v in table.loc["independent_marginals"].items()}
        if "independent_marginals" in table.index
        else None
    )
    figures = synthetic_report_figures(
        judged.quality,
        judged.train_rows,
        judged.holdout_rows,
        judged.sample_rows,
        plots,
        history=history,
        labels=labels,
    )
    model = str(table.index[0]) if len(table.index) else "model"
    content = ReportContent(
        title=f"Synthetic data: {model}",
        verdict=f"The {model} samples are " + judged.verdict + ".",
        subtitle=subtitle,
        summary_rows=headline_rows(judged.metrics, marginals),
        model_name=model,
        baseline_name="Independent marginals",
        interval_label="on held-out real rows",
        results_heading="Checks against held-out real rows",
        how_to_read=HOW_TO_READ,
        data_facts=list(facts),
        warnings=list(warnings),
        figures=figures,
        tables=[samplers_table(table)],
        config_yaml=config_yaml,
    )
    return write_report(content, path)
