"""The page of ``biodl tune``: the best trial, the search history (pruned trials drawn apart),
parameter importances when there are enough complete trials, and every trial in a sortable
table.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "history.png"
>>> path = optimization_history([TrialPoint(0, 0.5, "complete"), TrialPoint(1, 0.7, "pruned")],
...                             out, maximize=False, monitor="loss")
>>> path.name
'history.png'
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from biodl import __version__
from biodl.config import dump_config
from biodl.report._plot import PALETTE, integer_axis, new_figure, note, save_png
from biodl.report.formatting import format_number
from biodl.report.html import Figure, ReportContent, write_report
from biodl.report.tables import Table

__all__ = [
    "MIN_TRIALS_FOR_IMPORTANCES",
    "TrialPoint",
    "optimization_history",
    "param_importances",
    "trials_table",
    "write_tune_report",
]

#: Complete trials needed before parameter importances are computed and shown: fANOVA fits a
#: random forest to (parameters, score) pairs, which says little from fewer points.
MIN_TRIALS_FOR_IMPORTANCES = 10

_HOW_TO_READ = (
    "Each trial trained the network with one set of hyperparameter values and was scored on "
    "validation data only (the validation split, or the mean over the inner folds with --cv); "
    "the test split was never used, so the best score here is optimistic for new data: it was "
    "chosen as the best of many. Train best_config.yaml with biodl train to measure it on the "
    "test split. Pruned trials were stopped early because their validation score was worse "
    "than the median of earlier trials at the same epoch; their score is the last one they "
    "reported, so it is not comparable with complete trials."
)


@dataclass(frozen=True)
class TrialPoint:
    """One trial in the history: its number, score, and state.

    ``value`` is the final score of a complete trial and the last reported (intermediate)
    score of a pruned one; None when a pruned trial reported nothing.
    """

    number: int
    value: float | None
    state: Literal["complete", "pruned"]


def optimization_history(
    points: Sequence[TrialPoint], path: str | os.PathLike[str], *, maximize: bool, monitor: str
) -> Path:
    """Plot each trial's score and the best so far; write a PNG to ``path``.

    Complete trials are filled dots, pruned trials hollow grey crosses at their last reported
    score; the best-so-far line follows complete trials only. The x axis is the trial number
    (whole numbers).
    """
    fig = new_figure(6.5, 4.0)
    ax = fig.add_subplot()
    done = [p for p in points if p.state == "complete" and p.value is not None]
    pruned = [p for p in points if p.state == "pruned" and p.value is not None]
    if pruned:
        ax.scatter(
            [p.number for p in pruned],
            np.array([p.value for p in pruned], dtype=float),
            marker="x",
            color="#888888",
            s=28,
            label="pruned (last reported score)",
        )
    if done:
        numbers = np.array([p.number for p in done])
        values = np.array([p.value for p in done], dtype=float)
        ax.scatter(numbers, values, color=PALETTE[0], s=24, label="complete", zorder=3)
        best = np.maximum.accumulate(values) if maximize else np.minimum.accumulate(values)
        last = max(p.number for p in points)
        ax.step(
            np.append(numbers, last),
            np.append(best, best[-1]),
            where="post",
            color=PALETTE[1],
            label="best so far",
        )
    if points:
        low, high = min(p.number for p in points), max(p.number for p in points)
        ax.set_xlim(low - 0.5, high + 0.5)
    integer_axis(ax.xaxis)
    ax.set_xlabel("trial")
    ax.set_ylabel(f"validation {monitor}")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    return save_png(fig, path)


def param_importances(
    importances: dict[str, float], path: str | os.PathLike[str], *, reason: str = ""
) -> Path:
    """Horizontal bars of parameter importances, or ``reason`` when there are none."""
    fig = new_figure(6.5, 0.5 + 0.4 * max(3, len(importances)))
    ax = fig.add_subplot()
    if importances:
        names = list(importances)[::-1]
        ax.barh(names, [importances[n] for n in names], color=PALETTE[0])
        ax.set_xlabel("importance (share of score variation)")
    else:
        fig.set_layout_engine("none")  # an empty axes leaves constrained layout nothing to fit
        ax.set_axis_off()
        note(ax, textwrap.wrap(reason or "No parameter importances.", 60))
    return save_png(fig, path)


def trials_table(study: Any, monitor: str, *, maximize: bool) -> Table:
    """Every trial: state, score (last reported for pruned ones), epochs, parameters, time."""
    import optuna

    complete, pruned = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED
    shown = [t for t in study.trials if t.state in (complete, pruned)]
    names: list[str] = []
    for t in shown:
        names += [k for k in t.params if k not in names]

    def order(t: Any) -> tuple[int, float]:
        value = _score(t)
        key = float("inf") if value is None else (-value if maximize else value)
        return (0 if t.state == complete else 1, key)

    rows: list[list[Any]] = []
    for t in sorted(shown, key=order):
        steps = len(t.intermediate_values)
        seconds = t.duration.total_seconds() if t.duration is not None else None
        rows.append(
            [
                t.number,
                "complete" if t.state == complete else "pruned",
                _score(t),
                steps or None,
                *(_param(t.params.get(n)) for n in names),
                seconds,
            ]
        )
    column = f"Validation {monitor}"
    return Table(
        "Trials",
        ["Trial", "State", column, "Epochs", *names, "Time (s)"],
        rows,
        "Every trial, best first; a pruned trial's score is the last one it reported before it "
        "was stopped. All trials with every attribute are in trials.csv.",
        better={column: "higher" if maximize else "lower"},
        sortable=True,
    )


def _score(trial: Any) -> float | None:
    if trial.value is not None:
        return float(trial.value)
    if trial.intermediate_values:
        return float(trial.intermediate_values[max(trial.intermediate_values)])
    return None


def _param(value: Any) -> Any:
    return value if isinstance(value, int | float | str) or value is None else str(value)


def _importances(study: Any, complete: list[Any]) -> tuple[dict[str, float], str]:
    """(importances, why there are none): fANOVA from MIN_TRIALS_FOR_IMPORTANCES trials on."""
    import optuna

    if len(complete) < MIN_TRIALS_FOR_IMPORTANCES:
        return {}, (
            f"Parameter importances need at least {MIN_TRIALS_FOR_IMPORTANCES} complete trials; "
            f"this search has {len(complete)}. Run more trials (--trials, or --resume to add "
            "to this search) to see which parameters matter."
        )
    varying = {
        k for t in complete for k in t.params if len({str(u.params.get(k)) for u in complete}) > 1
    }
    if not varying:
        return {}, "Parameter importances need parameters whose values vary between trials."
    try:
        return dict(optuna.importance.get_param_importances(study)), ""
    except (RuntimeError, ValueError) as err:
        return {}, f"Parameter importances could not be computed: {err}."


def _verdict(study: Any, result: Any) -> str:
    """The best trial in one sentence, numbers in the report's format."""
    values = ", ".join(
        f"{k}={format_number(v) if isinstance(v, float) else v}"
        for k, v in result.best_params.items()
    )
    return (
        f"Best validation {result.monitor} {format_number(result.best_value)} after "
        f"{len(study.trials)} trials (trial {study.best_trial.number}), with "
        f"{values or 'the base config'}."
    )


def write_tune_report(folder: Path, *, study: Any, result: Any, state: dict[str, Any]) -> Path:
    """Write ``plots/*.png`` and ``report.html`` into ``folder``; return the report path."""
    import optuna

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    maximize = result.direction == "maximize"
    points = [
        TrialPoint(
            t.number,
            _score(t),
            "complete" if t.state == optuna.trial.TrialState.COMPLETE else "pruned",
        )
        for t in study.trials
        if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    ]
    history = optimization_history(
        points,
        folder / "plots" / "optimization_history.png",
        maximize=maximize,
        monitor=result.monitor,
    )
    importances, why_not = _importances(study, complete)
    imp_plot = param_importances(
        importances, folder / "plots" / "param_importances.png", reason=why_not
    )
    figures = [
        Figure(
            "Optimisation history",
            history,
            "Validation score of each complete trial (dots), of each pruned trial at the epoch it "
            "was stopped (grey crosses) and the best complete trial so far (line), by trial "
            "number.",
        )
    ]
    if importances:
        figures.append(
            Figure(
                "Parameter importances",
                imp_plot,
                f"fANOVA importance of each parameter over the {len(complete)} complete trials: "
                "the share of the variation in the score it explains. With few trials it is "
                "rough.",
            )
        )
    content = ReportContent(
        title=f"Hyperparameter search ({state['search']}, {len(study.trials)} trials)",
        subtitle=f"biodl {__version__} · output folder {folder}",
        verdict=_verdict(study, result),
        results_heading="",
        data_facts=[
            ("Search", f"{state['search']}, seed {state['seed']}"),
            (
                "Trials",
                f"{state['n_trials']} ({state['n_complete']} complete, {state['n_pruned']} pruned)",
            ),
            ("Score", f"validation {result.monitor} ({result.direction})"),
            ("Scored on", f"{state['cv']} inner folds" if state["cv"] else "validation split"),
            *[
                (f"Input {Path(k).name}", f"sha256 {v[:16]}…")
                for k, v in state["input_sha256"].items()
            ],
        ],
        figures=figures,
        tables=[trials_table(study, result.monitor, maximize=maximize)],
        sections=[
            ("How to read this search", _HOW_TO_READ),
            *([("Parameter importances", why_not)] if why_not else []),
        ],
        config_yaml=dump_config(result.best_config),
    )
    return write_report(content, folder / "report.html")
