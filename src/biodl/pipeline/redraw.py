"""``biodl report RUN``: the page of one language-model or forecast run drawn again from the
files of its run directory.

Everything the page shows is read from the folder: ``metrics.json`` (numbers, verdict, the
facts of the data and training, the run's warnings), ``history.csv``, ``config.yaml``,
``environment.json`` and, for a forecast, ``predictions.csv`` (the per-site probabilities of
the held-out season pairs). The same run gives the same page as when it was trained; a run
written before the facts were recorded in ``metrics.json`` gets the facts its folder still
holds. ``biodl train`` classifier and ``biodl cv`` pages need the data itself and are not
drawn again (one line, exit 2).

Examples
--------
>>> # redraw_report("runs/lm")                      # runs/lm/report.html written again
>>> # redraw_report("runs/forecast", out="f.html")  # elsewhere, with plots/ and tables/ beside
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl import __version__
from biodl.config import load_config
from biodl.errors import DataError
from biodl.evaluation.forecast import ForecastEvaluation
from biodl.report.forecast import forecast_facts, write_forecast_report
from biodl.report.language import language_facts, language_subtitle, write_language_report
from biodl.runs import MODEL_DIR, MODEL_FILE, RESULTS_FILE, is_run_dir

__all__ = ["REDRAWN", "redraw_report"]

#: The tasks whose page ``biodl report RUN`` draws again.
REDRAWN = ("language-model", "forecast")


def _json(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DataError(f"{file}: cannot be read ({err})") from err
    if not isinstance(data, dict):
        raise DataError(f"{file}: expected a JSON object, got {type(data).__name__}")
    return data


def _history(folder: Path) -> pd.DataFrame:
    file = folder / "history.csv"
    return pd.read_csv(file) if file.is_file() else pd.DataFrame()


def redraw_report(
    run: str | os.PathLike[str], *, out: str | os.PathLike[str] | None = None
) -> Path:
    """Draw the page of a language-model or forecast run again from its folder.

    Parameters
    ----------
    run : path
        The ``--out`` folder of ``biodl train --task language-model`` or ``--task forecast``.
    out : path, optional
        The page to write; default the run's own ``report.html``. Figures go to ``plots/``
        and tables to ``tables/`` beside it.

    Returns
    -------
    Path
        The page written.

    Raises
    ------
    DataError
        If ``run`` is not a run directory, is a run of another kind, or a file of it cannot be
        read.
    """
    folder = Path(run)
    if not is_run_dir(folder):
        raise DataError(
            f"{folder}: not a biodl run directory (no config.yaml and metrics.json); pass the "
            "--out folder of a finished run"
        )
    data = _json(folder / RESULTS_FILE)
    page = Path(out) if out is not None else folder / "report.html"
    task = data.get("task")
    try:
        if task == "language-model":
            return _language(folder, data, page)
        if task == "forecast":
            return _forecast(folder, data, page)
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(
            f"{folder}: its files do not hold a finished {task} run ({type(err).__name__}: "
            f"{err}); train it again"
        ) from err
    what = "cross-validation" if data.get("kind") == "cross-validation" else "biodl train"
    raise DataError(
        f"{folder}: a {what} run; `biodl report RUN` draws again only the page of one "
        "language-model or forecast run: pass two or more runs to compare them, or open "
        f"{folder / 'report.html'}"
    )


def _language(folder: Path, metrics: dict[str, Any], page: Path) -> Path:
    train_file = str(load_config(folder / "config.yaml").data.train)
    return write_language_report(
        page,
        metrics=metrics,
        history=_history(folder),
        facts=language_facts(metrics, train_file),
        warnings=list(metrics.get("warnings", [])),
        subtitle=language_subtitle(train_file),
    )


def _forecast(folder: Path, metrics: dict[str, Any], page: Path) -> Path:
    evaluation = ForecastEvaluation.from_json(metrics)
    table = pd.read_csv(folder / "predictions.csv", dtype={"season": str, "next_season": str})
    pairs = list(dict.fromkeys(zip(table["season"], table["next_season"], strict=True)))
    shape = (len(pairs), len(table) // max(1, len(pairs)))
    info_file = folder / MODEL_DIR / MODEL_FILE
    info = _json(info_file) if info_file.is_file() else {}
    training = metrics.get("training") or info
    facts = forecast_facts(metrics) or [
        ("Training file", str(load_config(folder / "config.yaml").data.train)),
        ("Sites", str(shape[1])),
        ("Held-out pairs", ", ".join(f"{a} -> {b}" for a, b in pairs)),
    ]
    env_file = folder / "environment.json"
    env = _json(env_file) if env_file.is_file() else {}
    started = env.get("started")
    when = f" · {datetime.fromisoformat(started):%Y-%m-%d %H:%M} UTC" if started else ""
    return write_forecast_report(
        page,
        evaluation=evaluation,
        scores=table["p_change"].to_numpy(dtype=np.float64).reshape(shape),
        change=table["changed"].to_numpy(dtype=bool).reshape(shape),
        pair_labels=[f"{a} -> {b}" for a, b in pairs],
        history=_history(folder),
        best_epoch=int(training.get("best_epoch", 0)),
        plots=page.parent / "plots",
        facts=facts,
        config_yaml=(folder / "config.yaml").read_text(encoding="utf-8"),
        environment={k: str(v) for k, v in env.items()},
        warnings=list(metrics.get("warnings", [])),
        subtitle=f"biodl {env.get('biodl', __version__)}{when}",
    )
