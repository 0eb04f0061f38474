"""The page of ``biodl report RUN...``: several runs side by side (``biodl train`` classifiers
and regressors, ``biodl cv`` runs, language models, forecasts).

It shows, for runs of one task scored by one primary metric: the verdict naming the best run
(and whether its interval overlaps the runner-up's), a table of the primary metric with its
interval (a cv run: mean ± sd over folds and each fold) and the baseline of each run, a table
of the options whose values differ between the runs, and the validation curve per epoch of
every run overlaid. Runs whose numbers are of different kinds (:data:`NUMBERS`: a test-part
estimate, a mean over folds, a causal or a masked perplexity) get a table and a best run each
and are never ranked against each other. The runs are loaded and aligned by
:mod:`biodl.pipeline.compare`, which fills a :class:`RunsCompared`.

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
from biodl.report._plot import PALETTE, integer_axis, new_figure
from biodl.report.build import metric_title
from biodl.report.figures import Interval
from biodl.report.formatting import format_interval, format_mean_sd, format_number
from biodl.report.page import esc, image_html, page, section_html, verdict_box, warnings_box
from biodl.report.tables import MeanSdCell, Table, table_html, write_tables

__all__ = [
    "NUMBERS",
    "ComparedRun",
    "RunsCompared",
    "Score",
    "best_and_runner_up",
    "curve_label",
    "differences_table",
    "metrics_table",
    "write_compare_report",
]

_HELD_OUT = (
    "Each run was scored on its own held-out part with its primary metric; the interval in "
    "brackets is that run's bootstrap confidence interval. When the intervals of two runs "
    "overlap, the data do not clearly separate them: prefer the simpler or cheaper one, or "
    "compare them on a larger held-out set. The baseline column is the classical model each "
    "run was trained beside, on the same split."
)
_FOLDS = (
    "Each cross-validation run is shown as the mean of its primary metric over the held-out "
    "folds ± the sample standard deviation over folds, with the value of each fold. The sd is "
    "the spread from fold to fold, not a confidence interval: when the gap between two runs "
    "is within it, the folds do not clearly separate them. The baseline column is the "
    "classical model trained on the same folds."
)
#: The how-to-read paragraph by the command of the runs ("mixed": runs of several groups).
_HOW_TO_READ = {
    "train": _HELD_OUT,
    "cv": _FOLDS,
    "language-model": (
        "Each language model was scored on its own test sequences by its perplexity per "
        "letter (lower is better); the interval in brackets is a bootstrap over the test "
        "sequences. The baseline is the run's best Markov model (order k chosen on "
        "validation) on the same letters. A masked model's perplexity is not comparable "
        "with a causal one's."
    ),
    "forecast": (
        "Each forecast was scored on its own held-out seasons: every site of every held-out "
        "season pair is one case, and AUROC says how well the forecast ranks the sites that "
        "changed above those that did not (0.5: guessing); the interval is a bootstrap over "
        "the cases. The baseline is the run's strongest classical forecaster (site frequency "
        "or site entropy)."
    ),
    "mixed": _HELD_OUT + " " + _FOLDS,
}


#: What the numbers of a run are, by the command that made it: the table heading of its group.
NUMBERS = {
    "train": "on the held-out {split} part",
    "cv": "mean ± sd over cross-validation folds",
    "language-model": "on the held-out test part ({objective} objective)",
    "forecast": "per site on the held-out seasons",
}


@dataclass(frozen=True)
class Score:
    """A run's primary number: an estimate on one held-out part with its interval, or (a
    ``biodl cv`` run) the mean over folds with its sample sd and the value of each fold.

    Examples
    --------
    >>> Score(0.9, 0.85, 0.95).text(), Score(0.4903, sd=0.0237, folds=(0.49, 0.52)).text()
    ('0.900 [0.850, 0.950]', '0.490 ± 0.024')
    """

    value: float
    low: float = float("nan")
    high: float = float("nan")
    sd: float | None = None
    folds: tuple[float | None, ...] = ()

    @property
    def over_folds(self) -> bool:
        """Whether this is a mean over folds (else an estimate with an interval)."""
        return bool(self.folds)

    def text(self) -> str:
        """``mean ± sd`` over folds, else ``value [low, high]`` (the one number format)."""
        if self.over_folds:
            return format_mean_sd(self.value, self.sd)
        return format_interval(self.value, self.low, self.high)

    def cell(self) -> Any:
        """The table cell: a :class:`MeanSdCell` or an :class:`Interval`."""
        if self.over_folds:
            return MeanSdCell(_defined(self.value), self.sd)
        return Interval(self.value, self.low, self.high)


def _defined(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class ComparedRun:
    """One run of a comparison, whatever command made it.

    Attributes
    ----------
    name : str
        Shown in tables and legends (the folder's name, made unique).
    path : Path
    command : {'train', 'cv', 'language-model', 'forecast'}
        What made the run (a classifier or regressor of ``biodl train``, ``biodl cv``, or
        ``biodl train --task language-model`` / ``--task forecast``).
    task, metric : str
        The task and the primary metric (``perplexity`` for a language model, per-site
        ``auroc`` for a forecast).
    model : str
        The network's name.
    score : Score
        The primary metric of the network.
    baseline : str
        The classical model it was judged beside (a language model: the best Markov model).
    baseline_score : Score
    split : str
        The part scored: ``test``/``valid``, ``N folds x R`` for a cross-validation,
        ``held-out seasons`` for a forecast.
    train_file : str
    group : str
        What its numbers are (:data:`NUMBERS`): runs are ranked only within a group.
    config : dict of str to object
        Its ``config.yaml`` flattened to ``section.option`` (model hyperparameters as
        ``model.<name>``).
    history : DataFrame or None
        Its ``history.csv`` (None when the run has none, as a cross-validation).
    curve : str
        The ``history.csv`` column drawn per epoch.
    last_epoch_kept : bool
        A train run whose validation part was too small (or absent) to choose an epoch on: it
        kept the last epoch's weights, not those of its best validation epoch.
    """

    name: str
    path: Path
    command: str
    task: str
    metric: str
    model: str
    score: Score
    baseline: str
    baseline_score: Score
    split: str
    train_file: str
    group: str
    config: dict[str, Any] = field(default_factory=dict)
    history: pd.DataFrame | None = None
    curve: str = ""
    last_epoch_kept: bool = False

    def estimate(self, who: str = "model") -> Score:
        """The primary metric of the network (or ``'baseline'``)."""
        return self.score if who == "model" else self.baseline_score


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
    ranking : dict of str to (int or None, int or None)
        Per group (:attr:`ComparedRun.group`, in order of first appearance), the indices into
        ``runs`` of its best run and runner-up (None without a defined value / a second run).
        Runs of different groups are never ranked against each other.
    """

    runs: list[ComparedRun]
    task: str
    metric: str
    higher: bool
    differences: dict[str, list[Any]]
    ranking: dict[str, tuple[int | None, int | None]]

    def members(self, group: str) -> list[int]:
        """Indices of the runs of ``group``."""
        return [i for i, r in enumerate(self.runs) if r.group == group]

    def overlap(self, group: str) -> bool:
        """Whether the best run of ``group`` is not clearly apart from its runner-up: the
        intervals overlap, or (means over folds) the gap is within either run's fold sd."""
        best, runner = self.ranking[group]
        if best is None or runner is None:
            return False
        a, b = self.runs[best].score, self.runs[runner].score
        if a.over_folds:
            spread = max((s for s in (a.sd, b.sd) if s is not None), default=float("nan"))
            return math.isfinite(spread) and abs(a.value - b.value) <= spread
        if not all(math.isfinite(x) for x in (a.low, a.high, b.low, b.high)):
            return False
        return a.low <= b.high and b.low <= a.high

    def best_runs(self) -> list[int]:
        """Indices of the runs with the best value of their group (several when they tie)."""
        out = []
        for group, (best, _) in self.ranking.items():
            if best is not None:
                top = self.runs[best].score.value
                out += [i for i in self.members(group) if self.runs[i].score.value == top]
        return sorted(out)

    def data_files(self) -> list[str]:
        """The distinct training files of the runs, in order of first appearance."""
        return list(dict.fromkeys(r.train_file for r in self.runs))

    def splits(self) -> list[str]:
        """The distinct parts scored by the runs of one held-out part (train runs)."""
        return list(dict.fromkeys(r.split for r in self.runs if r.command == "train"))


def best_and_runner_up(
    values: Sequence[float | None], *, higher: bool
) -> tuple[int | None, int | None]:
    """Indices of the best and second-best defined values (ties: the first run)."""
    defined = [(i, v) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    ranked = sorted(defined, key=lambda iv: -iv[1] if higher else iv[1])
    best = ranked[0][0] if ranked else None
    runner = ranked[1][0] if len(ranked) > 1 else None
    return best, runner


def _group_verdict(compared: RunsCompared, group: str) -> str:
    metric = metric_title(compared.metric)
    best_i, runner_i = compared.ranking[group]
    if best_i is None:
        return f"No run has a defined {metric}; none can be named best."
    best = compared.runs[best_i]
    text = f"Best run: {best.name} ({best.model}), {metric} {best.score.text()}."
    if runner_i is None:
        return text
    other = compared.runs[runner_i]
    if other.score.value == best.score.value:
        return (
            f"{best.name} and {other.name} tie on {metric} ({best.score.text()}); no run is "
            "clearly best."
        )
    if best.score.over_folds:
        if compared.overlap(group):
            return (
                f"{text} The gap to the runner-up, {other.name}, is within the spread over "
                "folds, so the folds do not clearly separate them."
            )
        return (
            f"{text} The gap to the runner-up, {other.name}, is larger than the spread over folds."
        )
    if compared.overlap(group):
        return (
            f"{text} Its interval overlaps that of the runner-up, {other.name}, so the data do "
            "not clearly separate them."
        )
    return f"{text} Its interval does not overlap that of the runner-up, {other.name}."


def _group_name(compared: RunsCompared, group: str) -> str:
    if any(compared.runs[i].command == "cv" for i in compared.members(group)):
        return "Among the cross-validation runs (mean ± sd over folds)"
    return f"Among the runs scored {group}"


def verdict(compared: RunsCompared) -> str:
    """The sentences at the top of the page: the best run of each group and how sure that is.

    Runs whose numbers are of different kinds (a test-part estimate, a mean over folds) are
    ranked within their own group only, and the verdict says so.
    """
    groups = list(compared.ranking)
    if len(groups) == 1:
        return _group_verdict(compared, groups[0])
    metric = metric_title(compared.metric)
    parts = [
        f"{_group_name(compared, group)}: {_group_verdict(compared, group)}" for group in groups
    ]
    if any(r.command == "cv" for r in compared.runs):
        why = "one held-out part or an average over folds, of different training sizes"
    else:
        why = "the next letter from the left or a hidden letter from both sides"
    return (
        " ".join(parts)
        + f" These {metric} numbers measure different things ({why}), so the groups are not "
        "ranked against each other."
    )


def _table_name(group: str, metric: str) -> str:
    return f"{metric} {group}"


def metrics_table(compared: RunsCompared, group: str | None = None) -> Table:
    """Run, model, the primary metric, the baseline, the part scored and the data file, for
    the runs of ``group`` (default: the first group). Means over folds get a per-fold column."""
    group = group if group is not None else next(iter(compared.ranking))
    metric = metric_title(compared.metric)
    members = compared.members(group)
    folds = any(compared.runs[i].score.over_folds for i in members)
    rows = []
    best = compared.best_runs()
    for i in members:
        run = compared.runs[i]
        name = f"{run.name} *" if i in best else run.name
        row = [name, run.model, run.score.cell()]
        if folds:
            row.append(", ".join(format_number(v) for v in run.score.folds))
        row += [run.baseline, run.baseline_score.cell(), run.split, Path(run.train_file).name]
        rows.append(row)
    direction: Literal["higher", "lower"] = "higher" if compared.higher else "lower"
    columns = ["Run", "Model", metric, *(["Per fold"] if folds else [])]
    columns += ["Baseline", f"Baseline {metric}", "Split", "Data"]
    index = list(compared.ranking).index(group)
    return Table(
        heading=_table_name(group, metric)[:1].upper() + _table_name(group, metric)[1:],
        columns=columns,
        rows=rows,
        caption=f"The best run is in bold; {direction} is better."
        + (" Per fold: the network's value on each held-out fold." if folds else ""),
        csv="compare_runs.csv" if index == 0 else f"compare_runs_{index + 1}.csv",
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
    curves = [
        (r.name, r.history.rename(columns={r.curve: "_curve"}))
        for r in compared.runs
        if r.history is not None and r.curve in r.history and "epoch" in r.history
    ]
    if not curves:
        return None
    fig = new_figure(7.5, 4.2)
    ax = fig.subplots()
    styles = ["-", "--", "-.", ":"]
    for i, (name, history) in enumerate(curves):
        epochs = history["epoch"].to_numpy(dtype=float)
        values = history["_curve"].to_numpy(dtype=float)
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
    ax.set_ylabel(f"Validation {curve_label(compared)}")
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


def curve_label(compared: RunsCompared) -> str:
    """What the training curves show: the primary metric, or (a forecast) the change loss."""
    column = next((r.curve for r in compared.runs if r.curve), f"valid_{compared.metric}")
    name = column.removeprefix("valid_")
    return metric_title(name) if name == compared.metric else name.replace("_", " ")


def _curves_html(compared: RunsCompared) -> str:
    data = curves_png(compared)
    metric = curve_label(compared)
    if data is None:
        return section_html(
            "Training curves",
            "None of these runs recorded a validation value per epoch"
            + (
                " (a cross-validation keeps none)."
                if any(r.command == "cv" for r in compared.runs)
                else "."
            ),
        )
    alt = (
        f"Line chart of the validation {metric} per epoch, one line per run: "
        + ", ".join(r.name for r in compared.runs if r.history is not None)
        + "."
    )
    drawn = [r for r in compared.runs if r.history is not None]
    last = [r.name for r in drawn if r.last_epoch_kept]
    why = "(fewer than 30 validation examples, or none, to choose an epoch on)"
    if not last:
        kept = "The kept weights are those of each run's best epoch"
    elif len(last) < len(drawn):
        kept = (
            "The kept weights are those of each run's best epoch, except the last epoch's for "
            f"{', '.join(last)} {why}"
        )
    else:
        kept = f"Each run kept its last epoch's weights {why}"
    caption = (
        f"Validation {metric} after each epoch, one line per run with a history. {kept}; "
        "the table above scores them on the held-out part."
    )
    return (
        "<h2>Training curves</h2><figure>"
        + image_html(data, "image/png", alt)
        + f"<figcaption><strong>Validation {esc(metric)} per epoch.</strong> "
        f"{esc(caption)}</figcaption></figure>"
    )


def read_with_care(compared: RunsCompared) -> list[str]:
    """What makes the runs' numbers not directly comparable: the page's "Read with care" box,
    and the warnings of :func:`biodl.compare_runs` (so the terminal's "(best)" says it too)."""
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
    objectives = {r.group for r in compared.runs if r.command == "language-model"}
    if len(objectives) > 1:
        out.append(
            "Causal and masked language models predict different things (the next letter "
            "from the left, a hidden letter from both sides): their perplexities are ranked "
            "separately."
        )
    return out


def write_compare_report(compared: RunsCompared, out: str | os.PathLike[str]) -> Path:
    """Write the comparison page to ``out`` and its tables as CSV under ``tables/`` beside it."""
    out = Path(out)
    results = [metrics_table(compared, group) for group in compared.ranking]
    tables = list(results)
    if compared.differences:
        tables.append(differences_table(compared))
    how = _HOW_TO_READ[compared.runs[0].command if len(compared.ranking) == 1 else "mixed"]
    body = [
        verdict_box(verdict(compared)),
        warnings_box(read_with_care(compared), heading="Read with care"),
        "<h2>Results</h2>",
        *(table_html(t) for t in results),
        f'<p class="how">{esc(how)}</p>',
        "<h2>Configuration</h2>",
        table_html(tables[-1])
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
