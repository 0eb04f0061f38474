"""``biodl train FILE --task forecast``: learn which sites of a lineage change next season.

Steps: read the dated, aligned sequences and group them into seasons
(:func:`biodl.data.seasons.read_lineage`); compute per-season features and next-season targets
(:func:`biodl.data.forecast_features.forecast_data`); train a
:class:`~biodl.models.forecast.SiteForecaster` on the season pairs before the held-out ones
(the last fifth of them, at least one, validate); score the held-out pairs and the baselines
(:func:`biodl.evaluation.forecast.evaluate_forecast`); write the run directory atomically:
``config.yaml``, ``metrics.json``, ``predictions.csv``, ``history.csv``, ``environment.json``,
``model/`` and ``report.html``.

Examples
--------
>>> from biodl.config import RunConfig
>>> # result = run_forecast(RunConfig.from_dict({"data": {"train": "lineage.fa",
>>> #                                                      "task": "forecast"}}), out="runs/f")
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl import __version__
from biodl.config import RunConfig, TrainConfig, dump_config
from biodl.data.forecast_features import ForecastData, forecast_data
from biodl.data.seasons import SeasonedLineage, read_lineage
from biodl.errors import ConfigError, DataError, DataWarning
from biodl.evaluation.forecast import ForecastEvaluation, evaluate_forecast
from biodl.models.forecast import SiteForecaster
from biodl.pipeline.train import environment_record
from biodl.report.forecast import FORECASTERS, forecast_facts, write_forecast_report
from biodl.runs import MODEL_DIR, MODEL_FILE, WEIGHTS_FILE, RunWriter, run_directory, save_model
from biodl.training.forecast import ForecastFit, fit_forecaster, forecast_scores
from biodl.training.trainer import TrainerOptions

__all__ = [
    "AUTO_TEST_FRACTION",
    "DEFAULT_EPOCHS",
    "MIN_TEST_PAIRS",
    "MIN_TRAIN_PAIRS",
    "ForecastResult",
    "format_summary",
    "held_out_pairs",
    "load_forecaster",
    "prediction_table",
    "run_forecast",
]

#: Epochs when ``--epochs auto`` (early stopping on the validation pairs usually ends sooner).
DEFAULT_EPOCHS = 150
#: Fewest season pairs before the held-out ones (training plus validation).
MIN_TRAIN_PAIRS = 3
#: ``--test-seasons auto``: this fraction of the season pairs is held out (rounded down), at
#: least :data:`MIN_TEST_PAIRS`. More held-out pairs, more changes to judge the forecast by:
#: the last 3 pairs of a 40-season simulated lineage held 10-40 changes, the last 7 about
#: twice as many (benchmarks/RESULTS.md).
AUTO_TEST_FRACTION = 0.2
#: Held-out pairs of ``--test-seasons auto`` on short lineages (the default before auto).
MIN_TEST_PAIRS = 3


@dataclass
class ForecastResult:
    """What :func:`run_forecast` returns.

    Attributes
    ----------
    run_dir : Path or None
    evaluation : ForecastEvaluation
        The forecast and the baselines on the held-out pairs.
    config : RunConfig
    fit : ForecastFit
        The trained network and its history.
    predictions : DataFrame
        ``predictions.csv``: one row per site and held-out pair.
    warnings : list of str
    details : dict
        ``data`` (file, sequences, sites, letters, season labels, the season pairs of each
        part) and ``training`` (epochs run, epoch kept): written to ``metrics.json`` (with the
        ``warnings``) so that ``biodl report RUN`` can draw the page again.
    """

    run_dir: Path | None
    evaluation: ForecastEvaluation
    config: RunConfig
    fit: ForecastFit
    predictions: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, Any]:
        """The content of ``metrics.json``."""
        return {"task": "forecast", **self.evaluation.to_json(), **self.details}

    def summary(self) -> str:
        """One line: the forecast's AUROC beside the strongest baseline's, and the verdict."""
        return format_summary(self.evaluation)


def format_summary(evaluation: ForecastEvaluation) -> str:
    """The one-line summary of a forecast run."""
    model = evaluation.model.auroc
    base = evaluation.baselines[evaluation.strongest].auroc
    name = FORECASTERS[evaluation.strongest].lower()
    return (
        f"Forecast per-site AUROC {model.value:.3f} [{model.low:.3f}, {model.high:.3f}] vs "
        f"{name} {base.value:.3f} [{base.low:.3f}, {base.high:.3f}] on {evaluation.cases} "
        f"held-out cases ({evaluation.changed} changed). {evaluation.verdict}"
    )


def held_out_pairs(test_seasons: int | str, n_pairs: int) -> int:
    """How many of ``n_pairs`` season pairs ``--test-seasons`` holds out (the last ones).

    Examples
    --------
    >>> held_out_pairs("auto", 39), held_out_pairs("auto", 10), held_out_pairs(5, 39)
    (7, 3, 5)
    """
    if test_seasons == "auto":
        return max(MIN_TEST_PAIRS, int(n_pairs * AUTO_TEST_FRACTION + 1e-9))
    k = int(test_seasons)
    if k < 1:
        raise ConfigError(f"--test-seasons {k}: expected at least 1 held-out season")
    return k


def _pairs(cfg: RunConfig, lineage: SeasonedLineage) -> tuple[list[int], list[int], list[int]]:
    """Training, validation and held-out seasons ``s`` (each standing for ``s -> s + 1``)."""
    n_pairs = lineage.n_seasons - 1
    k = held_out_pairs(cfg.data.test_seasons, n_pairs)
    test = list(range(n_pairs - k, n_pairs))
    before = list(range(0, n_pairs - k))
    n_valid = max(1, len(before) // 5)
    return before[:-n_valid], before[-n_valid:], test


def prediction_table(
    data: ForecastData, test: list[int], labels: list[str], change: np.ndarray, letters: np.ndarray
) -> pd.DataFrame:
    """``predictions.csv``: per held-out pair and site, the truth, the forecast and baselines."""
    A = np.array(list(data.letters))
    S, L = len(test), data.consensus.shape[1]
    index = np.array(test)
    order = np.argsort(-letters, axis=-1, kind="stable")[..., 0]
    return pd.DataFrame(
        {
            "season": np.repeat([labels[s] for s in test], L),
            "next_season": np.repeat([labels[s + 1] for s in test], L),
            "site": np.tile(np.arange(1, L + 1), S),
            "consensus": A[data.consensus[index]].ravel(),
            "next_consensus": A[data.new_letter[index]].ravel(),
            "changed": data.change[index].ravel(),
            "p_change": change.ravel(),
            "predicted_new_letter": A[order].ravel(),
            "site_frequency": data.site_frequency()[index].ravel(),
            "site_entropy": data.site_entropy()[index].ravel(),
        }
    )


def _given_settings(cfg: RunConfig, n_train: int) -> dict[str, Any]:
    """``--lr``, ``--batch-size``, ``--patience``, ``--weight-decay`` where the user changed them.

    The forecast's own defaults (:func:`biodl.training.forecast.fit_forecaster`) differ from
    the supervised ones (a few seasons per batch, a higher rate), so an option left at the
    common default keeps the forecast's. ``--batch-size full`` is all ``n_train`` pairs.
    """
    common = TrainConfig()
    given: dict[str, Any] = {}
    for name in ("lr", "patience", "weight_decay", "batch_size"):
        value = getattr(cfg.train, name)
        if value != getattr(common, name):
            given[name] = value
    if given.get("batch_size") == "full":
        given["batch_size"] = n_train
    return given


def run_forecast(
    cfg: RunConfig,
    *,
    out: str | os.PathLike[str] | None,
    overwrite: bool = False,
    progress: bool | None = None,
    resume: str | os.PathLike[str] | None = None,
) -> ForecastResult:
    """Train and evaluate a lineage forecast; write the run directory (atomically).

    Parameters
    ----------
    cfg : RunConfig
        ``data.train`` (the dated, aligned sequences), ``data.test_seasons``,
        ``data.season_length``, ``train.epochs`` (auto: :data:`DEFAULT_EPOCHS`),
        ``train.seed``, the device options and ``evaluate.n_bootstrap`` / ``evaluate.level``
        are read.
    out : path or None
        Run directory; None writes nothing.
    overwrite : bool, default False
    progress : bool, optional
    resume : path, optional
        The partial folder of an interrupted run (``--checkpoint-every`` checkpoints):
        the network continues from its last checkpoint (``biodl train --resume``).

    Raises
    ------
    DataError
        Unreadable dates (the record is named), unaligned sequences, or fewer seasons than
        ``test_seasons + MIN_TRAIN_PAIRS + 1`` (``auto``: :data:`MIN_TEST_PAIRS` held out).
    ConfigError
        ``--test-seasons`` below 1 or ``--season-length`` not dividing 12.
    """
    from biodl.pipeline.train import resumable

    if not cfg.data.train:
        raise ConfigError("no training file: give biodl train FILE --task forecast")
    started = datetime.now(timezone.utc)
    # The run directory is open from the start, as for a classifier: the run's warnings and
    # Lightning's messages reach its log.txt whether the CLI or the API runs it.
    with (
        run_directory(out, overwrite=overwrite, resume=resume) as writer,
        resumable(writer, cfg, "train", resume=resume is not None, overwrite=overwrite),
    ):
        result, lineage, data, pairs, scores = _forecast(cfg, progress)
        if writer is not None:
            _write_run(writer, result, lineage, data, pairs, scores, started)
    if out is not None:
        result.run_dir = Path(out)
    return result


def _forecast(
    cfg: RunConfig, progress: bool | None
) -> tuple[
    ForecastResult,
    SeasonedLineage,
    ForecastData,
    tuple[list[int], list[int], list[int]],
    np.ndarray,
]:
    given = cfg.data.test_seasons
    need = (MIN_TEST_PAIRS if given == "auto" else int(given)) + MIN_TRAIN_PAIRS + 1
    lineage = read_lineage(
        cfg.data.train, season_length=int(cfg.data.season_length), min_seasons=need
    )
    train, valid, test = _pairs(cfg, lineage)
    data = forecast_data(lineage)
    notes = [
        f"season {lineage.season_labels[s]} has no sequences; it takes the profile of the "
        "season before"
        for s in np.flatnonzero(data.counts == 0)
    ]
    if cfg.model.name not in ("auto", ""):
        notes.append(
            f"--model {cfg.model.name} is not used: --task forecast has one network of its own "
            "(SiteForecaster, docs/forecast.md)"
        )
    for note in notes:  # as a classifier's data warnings: on the terminal and in log.txt
        warnings.warn(note, DataWarning, stacklevel=3)
    epochs = DEFAULT_EPOCHS if cfg.train.epochs == "auto" else int(cfg.train.epochs)
    fit = fit_forecaster(
        data,
        train_pairs=train,
        valid_pairs=valid,
        epochs=epochs,
        **_given_settings(cfg, len(train)),
        seed=cfg.train.seed,
        options=TrainerOptions.from_config(cfg.train),
        progress=progress,
    )
    scores = forecast_scores(fit.model, data, test)
    index = np.array(test)
    evaluation = evaluate_forecast(
        change=data.change[index],
        new_letter=data.new_letter[index],
        scores=scores.change,
        letter_scores=scores.letter,
        baseline_scores={
            "site_frequency": data.site_frequency()[index],
            "site_entropy": data.site_entropy()[index],
        },
        frequencies=data.frequencies[index],
        n_boot=cfg.evaluate.n_bootstrap,
        level=cfg.evaluate.level,
        seed=cfg.train.seed,
    )
    table = prediction_table(data, test, lineage.season_labels, scores.change, scores.letter)
    details = {
        "data": {
            "train_file": os.fspath(lineage.source),
            "sequences": len(lineage.ids),
            "sites": int(lineage.length),
            "letters": data.letters,
            "seasons": list(lineage.season_labels),
            "pairs": {"train": train, "valid": valid, "test": test},
        },
        "training": {"epochs_run": fit.epochs_run, "best_epoch": fit.best_epoch},
    }
    result = ForecastResult(None, evaluation, cfg, fit, table, notes, details)
    return result, lineage, data, (train, valid, test), scores.change


def _write_run(
    writer: RunWriter,
    result: ForecastResult,
    lineage: SeasonedLineage,
    data: ForecastData,
    pairs: tuple[list[int], list[int], list[int]],
    scores: np.ndarray,
    started: datetime,
) -> None:
    cfg, fit = result.config, result.fit
    test = pairs[2]
    labels = lineage.season_labels
    config_yaml = dump_config(cfg)
    writer.write_text("config.yaml", config_yaml)
    # the page's warnings too, so that `biodl report RUN` draws the same page
    writer.write_json("metrics.json", {**result.metrics, "warnings": result.warnings})
    writer.write_csv("predictions.csv", result.predictions)
    writer.write_csv("history.csv", fit.history)
    env = environment_record(cfg, [lineage.source], fit.device)
    env["started"] = started.isoformat(timespec="seconds")
    writer.write_json("environment.json", env)
    model = fit.model
    info = {
        "task": "forecast",
        "class": type(model).__name__,
        "params": model.params,
        "letters": data.letters,
        "sites": lineage.length,
        "best_epoch": fit.best_epoch,
        "epochs_run": fit.epochs_run,
    }
    save_model(writer.path / MODEL_DIR, model, info)

    write_forecast_report(
        writer.path / "report.html",
        evaluation=result.evaluation,
        scores=scores,
        change=data.change[np.array(test)],
        pair_labels=[f"{labels[s]} -> {labels[s + 1]}" for s in test],
        history=fit.history,
        best_epoch=fit.best_epoch,
        plots=writer.path / "plots",
        facts=forecast_facts(result.metrics),
        config_yaml=config_yaml,
        environment={k: str(v) for k, v in env.items()},
        warnings=result.warnings,
        subtitle=f"biodl {__version__} · {started:%Y-%m-%d %H:%M} UTC",
    )


def load_forecaster(run: str | os.PathLike[str]) -> SiteForecaster:
    """The trained network of a forecast run (safetensors weights and ``model.json``).

    Raises
    ------
    DataError
        The folder holds no forecast model.

    Examples
    --------
    >>> # net = load_forecaster("runs/forecast")
    """
    from safetensors.torch import load_file

    folder = Path(run) / MODEL_DIR
    try:
        info = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DataError(f"{folder / MODEL_FILE}: cannot be read ({err})") from err
    if info.get("task") != "forecast":
        raise DataError(f"{run}: not a --task forecast run (its model.json says otherwise)")
    model = SiteForecaster(**info["params"])
    model.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
    return model.eval()
