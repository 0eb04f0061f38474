"""The self-contained HTML report of a run (the page of ``biodl train``, and the frame the
other commands' pages share through :class:`ReportContent`).

:func:`render_report` turns a :class:`ReportContent` into one HTML page built from the shared
parts of :mod:`biodl.report.page` and :mod:`biodl.report.tables`: inline CSS, figures embedded
as base64 data URIs, no fonts and no links to fetch (a Content-Security-Policy forbids every
request), so the file opens offline and can be mailed to a colleague. The only script sorts
long tables. Every user-supplied string is HTML-escaped. A part that does not apply to a page
is left out: the headline table and its "How to read" paragraph appear only with a
``results_heading``.

Examples
--------
>>> from biodl.report.html import Interval, ReportContent, SummaryRow, render_report
>>> page = render_report(ReportContent(
...     title="Splice sites",
...     verdict="The CNN beat the k-mer baseline on AUROC.",
...     summary_rows=[SummaryRow("AUROC", Interval(0.95, 0.93, 0.97), Interval(0.90, 0.87, 0.92))],
...     model_name="CNN", baseline_name="Logistic regression on 4-mers"))
>>> "The CNN beat the k-mer baseline" in page
True
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from biodl._io import atomic_write
from biodl.report.figures import (
    LOWER_IS_BETTER,
    Interval,
    IntervalLike,
    higher_is_better,
)
from biodl.report.formatting import format_interval, format_mean_sd
from biodl.report.page import (
    CSS,
    Figure,
    esc,
    facts_html,
    figures_html,
    page,
    reproducibility_html,
    section_html,
    verdict_box,
    warnings_box,
)
from biodl.report.tables import Table, table_html, write_tables

__all__ = [
    "CSS",
    "LOWER_IS_BETTER",
    "Figure",
    "Interval",
    "ReportContent",
    "SummaryRow",
    "Table",
    "esc",
    "render_report",
    "write_report",
]


@dataclass(frozen=True)
class SummaryRow:
    """One line of the headline table: a metric for the model and for the baseline.

    Parameters
    ----------
    metric : str
        Metric name as shown, e.g. ``"AUROC"``.
    model, baseline : IntervalLike
        Estimate and 95% confidence interval (an :class:`Interval` or any object with
        ``value``, ``low`` and ``high``). NaN is shown as a dash.
    higher_is_better : bool or None, default None
        Direction used to bold the better value. None infers it from the name: lower is better
        for names in :data:`LOWER_IS_BETTER` (RMSE, MAE, loss, Brier, ...), higher otherwise.
    """

    metric: str
    model: IntervalLike
    baseline: IntervalLike
    higher_is_better: bool | None = None


@dataclass
class ReportContent:
    """Everything the report shows; the run orchestration fills it.

    Parameters
    ----------
    title : str
        Page title, e.g. ``"Splice-site classification"``.
    verdict : str
        One plain sentence: did deep learning beat the baseline. Shown at the top.
    subtitle : str, default ""
        E.g. ``"biodl 0.1.0 · 2026-11-22 14:03 · run dir runs/demo"``.
    summary_rows : list of SummaryRow, default []
        The headline metrics table.
    model_name, baseline_name : str, default "Deep model", "Baseline"
        Column headings of the headline table.
    data_facts : list of (str, str), default []
        ``(name, value)`` pairs about the data ("Training file", "Alphabet", ...).
    warnings : list of str, default []
        Shown in a highlighted box when non-empty (leakage, imbalance, ...).
    figures : list of Figure, default []
        Embedded in order.
    config_yaml : str, default ""
        The resolved configuration, shown collapsed.
    environment : dict of str to str, default {}
        Versions, seed, device, shown collapsed.
    sections : list of (str, str), default []
        Extra ``(heading, text)`` sections; blank lines in ``text`` separate paragraphs.
    tables : list of Table, default []
        Shown right after the headline table (e.g. the baseline panel); those naming a CSV
        file are also written beside the report by :func:`write_report`.
    results_heading : str, default "Results on the test set"
        Heading of the headline table (e.g. "Results over 5 cross-validation folds"). Empty:
        the page has no headline table and no "How to read" paragraph (tune, embed,
        explain).
    interval_label : str, default "95% CI"
        What the brackets in the table are (e.g. "mean; ± sd").
    how_to_read : str, default ""
        Replaces the standard "How to read this report" paragraph of a model-vs-baseline
        page when not empty.
    interval_style : {'ci', 'sd'}, default 'ci'
        'ci' shows ``value [low, high]``; 'sd' shows ``value ± sd`` for intervals that are
        mean ± one standard deviation.
    """

    title: str
    verdict: str
    subtitle: str = ""
    summary_rows: list[SummaryRow] = field(default_factory=list)
    model_name: str = "Deep model"
    baseline_name: str = "Baseline"
    data_facts: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    config_yaml: str = ""
    environment: dict[str, str] = field(default_factory=dict)
    sections: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    results_heading: str = "Results on the test set"
    interval_label: str = "95% CI"
    how_to_read: str = ""
    interval_style: Literal["ci", "sd"] = "ci"


# --------------------------------------------------------------------------------------------

_HOW_TO_READ = (
    "Every deep model in biodl is trained beside a classical baseline (a simpler method such "
    "as logistic regression or a random forest on hand-made features) using exactly the same "
    "training, validation and test examples. The baseline shows how much of the problem is "
    "solved without deep learning; the deep model is only worth its cost if it does clearly "
    "better. All numbers are measured on the held-out test set, which neither model saw while "
    "it was trained. The range in brackets is a 95% confidence interval obtained by bootstrap: "
    "the test set was resampled with replacement many times and the metric recomputed each "
    "time; the interval holds the middle 95% of those values. It shows how much the number "
    "could move with a different sample of the same size. Intervals of the model and the "
    "baseline that overlap do not by themselves mean the difference is chance: the verdict at "
    "the top compares the two on the same test examples (a paired bootstrap of their "
    "difference), which is more sensitive than comparing the two intervals by eye. An interval "
    "of zero width (for example [1.00, 1.00]) on a small test set does not mean certainty; it "
    "means every resample gave the same value. The better value of each metric is in bold; "
    "bold alone does not mean the difference is real."
)


def render_report(report: ReportContent) -> str:
    """Render the report as one self-contained HTML page.

    Parameters
    ----------
    report : ReportContent
        What to show. Strings are escaped; figures are read from disk and embedded.

    Returns
    -------
    str
        The HTML document: inline CSS, no external references; a short inline script only
        when a table is sortable.
    """
    body = [
        verdict_box(report.verdict),
        warnings_box(report.warnings),
        *_summary(report),
        *(table_html(table) for table in report.tables),
        facts_html(report.data_facts, "Data"),
        figures_html(report.figures),
        *(section_html(heading, text) for heading, text in report.sections),
        reproducibility_html(report.config_yaml, report.environment),
    ]
    return page(report.title, [b for b in body if b], subtitle=report.subtitle)


def write_report(report: ReportContent, path: str | os.PathLike[str]) -> Path:
    """Render ``report`` and write it to ``path`` atomically (UTF-8), with its tables as CSV.

    Parameters
    ----------
    report : ReportContent
        What to show.
    path : str or PathLike
        Output file, usually ``<run dir>/report.html``; parent folders are created. Tables
        that name a CSV file are written to ``tables/`` beside it.

    Returns
    -------
    Path
        ``path``. The file is either the complete new report or left as it was.
    """
    text = render_report(report)
    write_tables(report.tables, Path(path).parent)
    return atomic_write(path, lambda handle: handle.write(text), binary=False)


# --------------------------------------------------------------------------------------------
# the headline table of a model-vs-baseline page


def _summary(report: ReportContent) -> list[str]:
    if not report.results_heading:
        return []
    out = [f"<h2>{esc(report.results_heading)}</h2>"]
    if report.summary_rows:
        out += [
            '<div class="scroll"><table class="headline">',
            "<thead><tr><th>Metric</th>"
            f"<th>{_ci_heading(report.model_name, report.interval_label)}</th>"
            f"<th>{_ci_heading(report.baseline_name, report.interval_label)}</th></tr></thead>",
            "<tbody>",
        ]
        for row in report.summary_rows:
            style = report.interval_style
            model_cell = _interval_cell(row.model, style)
            baseline_cell = _interval_cell(row.baseline, style)
            better = _better(row)
            if better == "model":
                model_cell = f"<strong>{model_cell}</strong>"
            elif better == "baseline":
                baseline_cell = f"<strong>{baseline_cell}</strong>"
            out.append(
                f'<tr><td>{esc(row.metric)}</td><td class="num">{model_cell}</td>'
                f'<td class="num">{baseline_cell}</td></tr>'
            )
        out += ["</tbody>", "</table></div>"]
    else:
        out.append("<p>No metrics were computed.</p>")
    how = report.how_to_read or _HOW_TO_READ
    out.append(f'<p class="how"><strong>How to read this report.</strong> {esc(how)}</p>')
    return out


def _ci_heading(name: str, label: str = "95% CI") -> str:
    # "CNN (test)" -> "CNN (test; 95% CI)", not "CNN (test) (95% CI)".
    if name.endswith(")") and "(" in name:
        return esc(f"{name[:-1]}; {label})")
    return esc(f"{name} ({label})")


def _better(row: SummaryRow) -> str | None:
    model, baseline = float(row.model.value), float(row.baseline.value)
    if not (math.isfinite(model) and math.isfinite(baseline)) or model == baseline:
        return None
    higher = higher_is_better(row.metric, row.higher_is_better)
    return "model" if (model > baseline) == higher else "baseline"


def _interval_cell(interval: IntervalLike, style: str = "ci") -> str:
    value, low, high = float(interval.value), float(interval.low), float(interval.high)
    if style == "sd":
        sd = (high - low) / 2 if math.isfinite(low) and math.isfinite(high) else None
        return esc(format_mean_sd(value, sd))
    return esc(format_interval(value, low, high))
