"""The self-contained HTML report of a run.

:func:`render_report` turns a :class:`ReportContent` into one HTML page: inline CSS, figures
embedded as base64 PNG data URIs, no scripts, no fonts and no links to fetch, so the file opens
offline and can be mailed to a colleague. Every user-supplied string is HTML-escaped.

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

import base64
import html
import math
import os
from collections.abc import Mapping, Sequence
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

__all__ = [
    "LOWER_IS_BETTER",
    "Figure",
    "Interval",
    "ReportContent",
    "SummaryRow",
    "Table",
    "render_report",
    "write_report",
]

_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


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


@dataclass(frozen=True)
class Figure:
    """A PNG (or JPEG) file to embed in the report.

    Parameters
    ----------
    title : str
        Short heading shown above the caption.
    path : Path
        Image file; it is read and embedded, so the report does not depend on it later. A
        missing or unreadable file is reported in the page instead of failing the report.
    caption : str, default ""
        One or two plain sentences saying what the figure shows and how to read it.
    """

    title: str
    path: Path
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A small table shown in the report, e.g. the models of the baseline panel.

    Parameters
    ----------
    heading : str
        Shown above the table.
    columns : list of str
        Column headings.
    rows : list of list of str
        Cells, already formatted; a row whose first cell ends with ``" *"`` is shown in bold.
    caption : str, default ""
        One or two sentences under the table.
    """

    heading: str
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


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
        Shown right after the headline table (e.g. the baseline panel).
    results_heading : str, default "Results on the test set"
        Heading of the headline table (e.g. "Results over 5 cross-validation folds").
    interval_label : str, default "95% CI"
        What the brackets in the table are (e.g. "mean; ± sd").
    how_to_read : str, default ""
        Replaces the standard "How to read this report" paragraph when not empty.
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

CSS = """
:root { --ink: #1b1f24; --muted: #59636e; --line: #d5dbe1; --accent: #0072b2;
        --warn-bg: #fff4e0; --warn-line: #e69f00; --good-bg: #eef6fb; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; font-size: 16px; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em;
     border-bottom: 1px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 1em; }
.verdict { font-size: 1.15em; font-weight: 600; background: var(--good-bg);
           border-left: 5px solid var(--accent); padding: 12px 16px; margin: 1em 0; }
.warnings { background: var(--warn-bg); border-left: 5px solid var(--warn-line);
            padding: 8px 16px; margin: 1em 0; }
.warnings h2 { border: 0; margin: 0.3em 0; font-size: 1.1em; }
.warnings ul { margin: 0.3em 0 0.6em; padding-left: 1.2em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.95em; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { width: 32%; font-weight: 600; color: var(--muted); }
.how { color: var(--muted); font-size: 0.95em; }
figure { margin: 1.2em 0 1.8em; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.92em; margin-top: 0.4em; }
.missing { color: #a33; font-style: italic; }
details { margin: 0.6em 0; }
summary { cursor: pointer; font-weight: 600; }
h3.env { font-size: 1em; margin: 1em 0 0.3em; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 10px 12px;
      overflow-x: auto; font-size: 0.85em; white-space: pre-wrap;
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
footer { color: var(--muted); font-size: 0.85em; margin-top: 3em; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { page-break-after: avoid; break-after: avoid; }
  .verdict, .warnings { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .verdict, .warnings, table, tr { page-break-inside: avoid; break-inside: avoid; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary::marker { content: ""; }
  figure img { max-height: 22cm; width: auto; }
  pre { white-space: pre-wrap; overflow: visible; }
}
"""

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
    "of zero width (for example [1.000, 1.000]) on a small test set does not mean certainty; it "
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
        The HTML document: inline CSS, no scripts, no external references.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(report.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{esc(report.title)}</h1>",
    ]
    if report.subtitle:
        parts.append(f'<p class="subtitle">{esc(report.subtitle)}</p>')
    parts.append("</header>")
    parts.append(f'<p class="verdict">{esc(report.verdict)}</p>')
    parts += _warnings(report.warnings)
    parts += _summary(report)
    parts += [_table(table) for table in report.tables]
    if report.data_facts:
        parts.append("<h2>Data</h2>")
        parts.append(_pairs_table(report.data_facts, "facts"))
    if report.figures:
        parts.append("<h2>Figures</h2>")
        parts += [_figure(fig) for fig in report.figures]
    for heading, text in report.sections:
        parts.append(f"<h2>{esc(heading)}</h2>")
        parts += [f"<p>{esc(p.strip())}</p>" for p in text.split("\n\n") if p.strip()]
    parts += _reproducibility(report)
    parts += [
        "<footer>Generated by biodl. This file is self-contained: it needs no network "
        "connection and no other files.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(report: ReportContent, path: str | os.PathLike[str]) -> Path:
    """Render ``report`` and write it to ``path`` atomically (UTF-8).

    Parameters
    ----------
    report : ReportContent
        What to show.
    path : str or PathLike
        Output file, usually ``<run dir>/report.html``; parent folders are created.

    Returns
    -------
    Path
        ``path``. The file is either the complete new report or left as it was.
    """
    return atomic_write(path, lambda handle: handle.write(render_report(report)), binary=False)


# --------------------------------------------------------------------------------------------
# pieces


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _warnings(warnings: Sequence[str]) -> list[str]:
    if not warnings:
        return []
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return [f'<section class="warnings"><h2>Warnings</h2><ul>{items}</ul></section>']


def _summary(report: ReportContent) -> list[str]:
    out = [f"<h2>{esc(report.results_heading)}</h2>"]
    if report.summary_rows:
        out += [
            "<table>",
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
        out += ["</tbody>", "</table>"]
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


def _number(x: float) -> str:
    if not math.isfinite(x):
        return "—"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.3g}"
    return f"{x:.3f}"


def _interval_cell(interval: IntervalLike, style: str = "ci") -> str:
    value, low, high = float(interval.value), float(interval.low), float(interval.high)
    text = _number(value)
    if math.isfinite(value) and math.isfinite(low) and math.isfinite(high):
        if style == "sd":
            text += f" ± {_number((high - low) / 2)}"
        else:
            text += f" [{_number(low)}, {_number(high)}]"
    return esc(text)


def _table(table: Table) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        bold = bool(row) and row[0].endswith(" *")
        cells = "".join(
            f"<td>{'<strong>' if bold else ''}{esc(c)}{'</strong>' if bold else ''}</td>"
            for c in row
        )
        body.append(f"<tr>{cells}</tr>")
    caption = f'<p class="how">{esc(table.caption)}</p>' if table.caption else ""
    return (
        f"<h3>{esc(table.heading)}</h3><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{caption}"
    )


def _pairs_table(pairs: Sequence[tuple[str, str]] | Mapping[str, str], css: str) -> str:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in items)
    return f'<table class="{css}"><tbody>{rows}</tbody></table>'


def _figure(fig: Figure) -> str:
    path = Path(fig.path)
    mime = _IMAGE_TYPES.get(path.suffix.lower())
    caption = f"<figcaption><strong>{esc(fig.title)}.</strong> {esc(fig.caption)}</figcaption>"
    try:
        data = path.read_bytes() if mime else b""
    except OSError:
        data = b""
    if not data or mime is None:
        reason = "is not a PNG or JPEG file" if mime is None else "could not be read"
        note = f'<p class="missing">Figure file {esc(path.name)} {reason}.</p>'
        return f"<figure>{note}{caption}</figure>"
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<figure><img src="data:{mime};base64,{encoded}" alt="{esc(fig.title)}">{caption}</figure>'
    )


def _reproducibility(report: ReportContent) -> list[str]:
    if not report.config_yaml and not report.environment:
        return []
    out = ["<h2>Reproducibility</h2>"]
    if report.config_yaml:
        out.append(
            "<details><summary>Resolved configuration (YAML)</summary>"
            f"<pre>{esc(report.config_yaml)}</pre></details>"
        )
    if report.environment:
        # Shown open: versions and seed are what a reader needs to reproduce the run, and a
        # collapsed block would be missing from a printed copy.
        out.append('<h3 class="env">Environment (versions, seed, device)</h3>')
        out.append(_pairs_table(report.environment, "facts"))
    return out
