"""The page of ``biodl report RUN...``: several training runs side by side.

It shows, for runs of one task scored by one primary metric: the verdict naming the best run
(and whether its interval overlaps the runner-up's), a table of the primary metric with its
interval and the baseline of each run, a table of the options whose values differ between the
runs, and the validation metric per epoch of every run overlaid. The runs are loaded and
aligned by :mod:`biodl.pipeline.compare`, which fills a :class:`RunsCompared`.

Examples
--------
>>> best_and_runner_up([0.8, 0.9, None], higher=True)
(1, 0)
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl._io import atomic_write
from biodl.evaluation.results import RunResults
from biodl.report._plot import PALETTE, integer_axis, new_figure
from biodl.report.build import metric_title
from biodl.report.figures import Interval
from biodl.report.formatting import format_interval
from biodl.report.page import esc, image_html, page, section_html, verdict_box, warnings_box
from biodl.report.tables import Table, table_html, write_tables

__all__ = [
    "ComparedRun",
    "RunsCompared",
    "best_and_runner_up",
    "differences_table",
    "metrics_table",
    "write_compare_report",
]

_HOW_TO_READ = (
    "Each run was scored on its own held-out part with its primary metric; the interval in "
    "brackets is that run's bootstrap confidence interval. When the intervals of two runs "
    "overlap, the data do not clearly separate them: prefer the simpler or cheaper one, or "
    "compare them on a larger held-out set. The baseline column is the classical model each "
    "run was trained beside, on the same split."
)


@dataclass(frozen=True)
class ComparedRun:
    """One run of a comparison: its name, folder, results, flat configuration and history.

    Attributes
    ----------
    name : str
        Shown in tables and legends (the folder's name, made unique).
    path : Path
    results : RunResults
        Its ``metrics.json``.
    config : dict of str to object
        Its ``config.yaml`` flattened to ``section.option`` (model hyperparameters as
        ``model.<name>``).
    history : DataFrame or None
        Its ``history.csv`` (None when the run has none).
    """

    name: str
    path: Path
    results: RunResults
    config: dict[str, Any] = field(default_factory=dict)
    history: pd.DataFrame | None = None

    def estimate(self, who: str = "model") -> Interval:
        """The primary metric of the network (or ``'baseline'``) on the final split."""
        metrics = self.results.model if who == "model" else self.results.baseline
        split = metrics.splits.get(self.results.final_split)
        estimate = split.estimates.get(self.results.primary_metric) if split else None
        nan = float("nan")
        if estimate is None:
            return Interval(nan, nan, nan)
        return Interval(
            *(nan if v is None else v for v in (estimate.value, estimate.low, estimate.high))
        )


@dataclass(frozen=True)
class RunsCompared:
    """What the comparison page shows (built by :func:`biodl.pipeline.compare.compare`).

    Attributes
    ----------
    runs : list of ComparedRun
    task, metric : str
        Shared by every run.
    higher : bool
        Whether a larger value of ``metric`` is better.
    differences : dict of str to list
        Option -> its value in each run, for the options whose values differ.
    best, runner_up : int or None
        Indices into ``runs`` (None without a defined value / a second run).
    """

    runs: list[ComparedRun]
    task: str
    metric: str
    higher: bool
    differences: dict[str, list[Any]]
    best: int | None
    runner_up: int | None

    def overlap(self) -> bool:
        """Whether the best run's interval overlaps the runner-up's."""
        if self.best is None or self.runner_up is None:
            return False
        a, b = self.runs[self.best].estimate(), self.runs[self.runner_up].estimate()
        if not all(math.isfinite(x) for x in (a.low, a.high, b.low, b.high)):
            return False
        return a.low <= b.high and b.low <= a.high

    def best_runs(self) -> list[int]:
        """Indices of the runs with the best value (several when they tie)."""
        if self.best is None:
            return []
        top = self.runs[self.best].estimate().value
        return [i for i, r in enumerate(self.runs) if r.estimate().value == top]

    def data_files(self) -> list[str]:
        """The distinct training files of the runs, in order of first appearance."""
        return list(dict.fromkeys(r.results.data.train_file for r in self.runs))

    def splits(self) -> list[str]:
        """The distinct final splits of the runs."""
        return list(dict.fromkeys(r.results.final_split for r in self.runs))


def best_and_runner_up(
    values: Sequence[float | None], *, higher: bool
) -> tuple[int | None, int | None]:
    """Indices of the best and second-best defined values (ties: the first run)."""
    defined = [(i, v) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    ranked = sorted(defined, key=lambda iv: -iv[1] if higher else iv[1])
    best = ranked[0][0] if ranked else None
    runner = ranked[1][0] if len(ranked) > 1 else None
    return best, runner


def verdict(compared: RunsCompared) -> str:
    """The sentence at the top of the page: the best run and how sure that is."""
    metric = metric_title(compared.metric)
    if compared.best is None:
        return f"No run has a defined {metric}; none can be named best."
    best = compared.runs[compared.best]
    est = best.estimate()
    text = (
        f"Best run: {best.name} ({best.results.model.name}), {metric} "
        f"{format_interval(est.value, est.low, est.high)}."
    )
    if compared.runner_up is None:
        return text
    other = compared.runs[compared.runner_up]
    if other.estimate().value == est.value:
        return (
            f"{best.name} and {other.name} tie on {metric} "
            f"({format_interval(est.value, est.low, est.high)}); no run is clearly best."
        )
    if compared.overlap():
        return (
            f"{text} Its interval overlaps that of the runner-up, {other.name}, so the data do "
            "not clearly separate them."
        )
    return f"{text} Its interval does not overlap that of the runner-up, {other.name}."


def metrics_table(compared: RunsCompared) -> Table:
    """Run, model, the primary metric with its interval, the baseline, split and data file."""
    metric = metric_title(compared.metric)
    rows = []
    best = compared.best_runs()
    for i, run in enumerate(compared.runs):
        name = f"{run.name} *" if i in best else run.name
        rows.append(
            [
                name,
                run.results.model.name,
                run.estimate("model"),
                run.results.baseline.name,
                run.estimate("baseline"),
                run.results.final_split,
                Path(run.results.data.train_file).name,
            ]
        )
    direction: Literal["higher", "lower"] = "higher" if compared.higher else "lower"
    return Table(
        heading=f"{metric} of each run",
        columns=["Run", "Model", metric, "Baseline", f"Baseline {metric}", "Split", "Data"],
        rows=rows,
        caption=f"The best run is in bold; {direction} is better.",
        csv="compare_runs.csv",
        better={metric: direction},
    )


def _show(value: Any) -> str:
    """An option's value as written in ``config.yaml`` (exact, never rounded)."""
    if value is None:
        return "(not set)"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def differences_table(compared: RunsCompared) -> Table:
    """One row per option whose value differs, one column per run."""
    rows = [
        [option, *(_show(v) for v in values)] for option, values in compared.differences.items()
    ]
    return Table(
        heading="Options that differ",
        columns=["Option", *(r.name for r in compared.runs)],
        rows=rows,
        caption="Only the options whose values differ between the runs; every other option "
        "is the same in all of them. (not set): the run gives no value, so the default applies.",
        csv="compare_options.csv",
        sortable=False,
    )


def curves_png(compared: RunsCompared) -> bytes | None:
    """Validation metric per epoch of every run overlaid (PNG bytes); None without histories."""
    column = f"valid_{compared.metric}"
    curves = [
        (r.name, r.history)
        for r in compared.runs
        if r.history is not None and column in r.history and "epoch" in r.history
    ]
    if not curves:
        return None
    fig = new_figure(7.5, 4.2)
    ax = fig.subplots()
    styles = ["-", "--", "-.", ":"]
    for i, (name, history) in enumerate(curves):
        epochs = history["epoch"].to_numpy(dtype=float)
        values = history[column].to_numpy(dtype=float)
        keep = np.isfinite(epochs) & np.isfinite(values)
        ax.plot(
            epochs[keep],
            values[keep],
            marker="o" if keep.sum() <= 30 else None,
            markersize=3,
            linestyle=styles[(i // len(PALETTE)) % len(styles)],
            color=PALETTE[i % len(PALETTE)],
            label=name,
        )
    ax.set_xlabel("Epoch")
    integer_axis(ax.xaxis)
    epochs = np.concatenate([h["epoch"].to_numpy(dtype=float) for _, h in curves])
    epochs = epochs[np.isfinite(epochs)]
    if len(epochs) and np.ptp(epochs) < 10:
        # few epochs: a tick at each one (the locator alone puts halves between them)
        ax.set_xticks(np.arange(epochs.min(), epochs.max() + 1))
        ax.set_xlim(epochs.min() - 0.5, epochs.max() + 0.5)
    ax.set_ylabel(f"Validation {metric_title(compared.metric)}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=200,
        bbox_inches="tight",
        facecolor="white",
        metadata={"Software": None},
    )
    return buffer.getvalue()


def _curves_html(compared: RunsCompared) -> str:
    data = curves_png(compared)
    metric = metric_title(compared.metric)
    if data is None:
        return section_html(
            "Training curves", "None of these runs recorded a validation metric per epoch."
        )
    alt = (
        f"Line chart of the validation {metric} per epoch, one line per run: "
        + ", ".join(r.name for r in compared.runs)
        + "."
    )
    caption = (
        f"Validation {metric} after each epoch, one line per run. The kept weights are those "
        "of each run's best epoch; the table above scores them on the held-out part."
    )
    return (
        "<h2>Training curves</h2><figure>"
        + image_html(data, "image/png", alt)
        + f"<figcaption><strong>Validation {esc(metric)} per epoch.</strong> "
        f"{esc(caption)}</figcaption></figure>"
    )


def _warnings(compared: RunsCompared) -> list[str]:
    out = []
    files = compared.data_files()
    if len(files) > 1:
        out.append(
            "These runs were trained on different data files ("
            + ", ".join(files)
            + "), so their numbers are measured on different examples and are not directly "
            "comparable."
        )
    splits = compared.splits()
    if len(splits) > 1:
        out.append("These runs were scored on different parts (" + ", ".join(splits) + ").")
    return out


def write_compare_report(compared: RunsCompared, out: str | os.PathLike[str]) -> Path:
    """Write the comparison page to ``out`` and its tables as CSV under ``tables/`` beside it."""
    out = Path(out)
    tables = [metrics_table(compared)]
    if compared.differences:
        tables.append(differences_table(compared))
    body = [
        verdict_box(verdict(compared)),
        warnings_box(_warnings(compared), heading="Read with care"),
        "<h2>Results</h2>",
        table_html(tables[0]),
        f'<p class="how">{esc(_HOW_TO_READ)}</p>',
        "<h2>Configuration</h2>",
        table_html(tables[1])
        if compared.differences
        else "<p>All options are the same in every run.</p>",
        _curves_html(compared),
        section_html(
            "Runs",
            "\n\n".join(f"{r.name}: {os.path.abspath(r.path)}" for r in compared.runs),
        ),
    ]
    html = page(
        f"Comparison of {len(compared.runs)} runs: {compared.task}, "
        f"{metric_title(compared.metric)}",
        body,
        subtitle=", ".join(r.name for r in compared.runs),
    )
    write_tables(tables, out.parent)
    return atomic_write(out, lambda handle: handle.write(html), binary=False)
