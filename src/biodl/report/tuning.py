"""The report of a hyperparameter search: best trial, history, importances, top trials."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from biodl import __version__
from biodl.config import dump_config
from biodl.report._plot import PALETTE, new_figure, note, save_png
from biodl.report.html import Figure, ReportContent, write_report

_HOW_TO_READ = (
    "Each trial trained the network with one set of hyperparameter values and was scored on "
    "validation data only (the validation split, or the mean over the inner folds with --cv); "
    "the test split was never used, so the best score here is optimistic for new data: it was "
    "chosen as the best of many. Train best_config.yaml with biodl train to measure it on the "
    "test split. Pruned trials were stopped early because their validation score was worse "
    "than the median of earlier trials at the same epoch. Parameter importances (fANOVA) say "
    "how much of the variation in the score each parameter explains over these trials; with "
    "few trials they are rough."
)


def optimization_history(
    values: np.ndarray, numbers: np.ndarray, path: str | os.PathLike[str], *, maximize: bool,
    monitor: str,
) -> Path:  # fmt: skip
    """Plot each complete trial's score and the best so far; write PNG to ``path``.

    Parameters
    ----------
    values, numbers : (n_trials,)
        Scores and trial numbers of the complete trials.
    """
    fig = new_figure(6.5, 4.0)
    ax = fig.add_subplot()
    ax.scatter(numbers, values, color=PALETTE[0], s=18, label="trial")
    if len(values):
        best = np.maximum.accumulate(values) if maximize else np.minimum.accumulate(values)
        ax.step(numbers, best, where="post", color=PALETTE[1], label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"validation {monitor}")
    ax.legend(frameon=False)
    return save_png(fig, path)


def param_importances(importances: dict[str, float], path: str | os.PathLike[str]) -> Path:
    """Horizontal bars of parameter importances (or a note when there are none)."""
    fig = new_figure(6.5, 0.5 + 0.4 * max(3, len(importances)))
    ax = fig.add_subplot()
    if importances:
        names = list(importances)[::-1]
        ax.barh(names, [importances[n] for n in names], color=PALETTE[0])
        ax.set_xlabel("importance (share of score variation)")
    else:
        ax.set_axis_off()
        note(ax, ["Importances need at least 2 complete trials", "with varying parameters."])
    return save_png(fig, path)


def write_tune_report(folder: Path, *, study: Any, result: Any, state: dict[str, Any]) -> Path:
    """Write ``plots/*.png`` and ``report.html`` into ``folder``; return the report path."""
    import optuna

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    maximize = result.direction == "maximize"
    history = optimization_history(
        np.array([t.value for t in complete], dtype=float),
        np.array([t.number for t in complete]),
        folder / "plots" / "optimization_history.png",
        maximize=maximize,
        monitor=result.monitor,
    )
    importances: dict[str, float] = {}
    note = ""
    varying = {
        k for t in complete for k in t.params if len({str(u.params.get(k)) for u in complete}) > 1
    }
    if len(complete) >= 2 and varying:
        try:
            importances = optuna.importance.get_param_importances(study)
        except (RuntimeError, ValueError) as err:
            note = f"Parameter importances could not be computed: {err}."
    else:
        note = "Parameter importances need at least 2 complete trials with varying values."
    imp_plot = param_importances(importances, folder / "plots" / "param_importances.png")
    ranked = sorted(complete, key=lambda t: t.value, reverse=maximize)[:5]
    lines = [
        f"Trial {t.number}: {result.monitor} {t.value:.4g}; "
        + ", ".join(f"{k}={v}" for k, v in t.params.items())
        for t in ranked
    ]
    content = ReportContent(
        title=f"Hyperparameter search ({state['search']}, {len(study.trials)} trials)",
        subtitle=f"biodl {__version__} · output folder {folder}",
        verdict=result.summary(),
        results_heading="Search",
        how_to_read=_HOW_TO_READ,
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
        figures=[
            Figure(
                "Optimisation history",
                history,
                "Validation score of each complete trial (dots) and the best so far (line).",
            ),
            Figure(
                "Parameter importances", imp_plot, note or "fANOVA importance of each parameter."
            ),
        ],
        sections=[("Top 5 trials", "\n\n".join(lines))],
        config_yaml=dump_config(result.best_config),
    )
    return write_report(content, folder / "report.html")
