"""The hyperparameter search shared by ``biodl tune`` and nested cross-validation.

A trial samples values from a search space (:mod:`biodl.evaluation.search_space`), applies
them to the base config, trains the network and scores the validation value of
``train.monitor`` at its best epoch, or the mean of that over folds (:class:`Objective`).
Samplers (grid, random, TPE), the median pruner that watches the per-epoch validation value,
and the translation of values Optuna cannot store are here too, for the resumable study on
disk (:mod:`biodl.pipeline.tune`) and the one in memory (:func:`tune_prepared`), which nested
cross-validation runs inside each outer fold.

Examples
--------
>>> sorted(SEARCH_HELP)
['bayes', 'grid', 'random']
>>> from biodl.evaluation.search_space import ParamSpec
>>> space = {"model.hidden": ParamSpec("categorical", choices=([64, 32], [128]))}
>>> decode_params(space, {"model.hidden": "[128]"})
{'model.hidden': [128]}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import pandas as pd

from biodl.config import RunConfig
from biodl.data.prepared import PreparedData, subset_prepared
from biodl.errors import ConfigError
from biodl.evaluation.search_space import ParamSpec, apply_params, grid_values
from biodl.kinds import check_model, check_space, default_space, get_kind, prepare_run_data
from biodl.options import OPTION_HELP, SearchOption
from biodl.pipeline.folds import cv_folds
from biodl.run_log import say

__all__ = [
    "INTERRUPTED",
    "SEARCH_HELP",
    "InMemoryTuneResult",
    "Objective",
    "TrialLines",
    "check_search_options",
    "decode_params",
    "direction_of",
    "make_pruner",
    "make_sampler",
    "pruning_callback",
    "remaining_trials",
    "resolve_model",
    "scoring_parts",
    "suggest",
    "tune_prepared",
]

#: What each ``--search`` does (declared in :mod:`biodl.options`).
SEARCH_HELP: dict[str, str] = OPTION_HELP["search"]
#: User attribute of a trial that failed because its search was killed (it runs again).
INTERRUPTED = "interrupted"
_PRUNER_WARMUP_EPOCHS = 3
_PRIMITIVE = (str, int, float, bool, type(None))


def check_search_options(cfg: RunConfig, search: str, trials: int, cv: int, jobs: int) -> None:
    """Refuse search options that cannot run, before any data is read.

    Raises
    ------
    ConfigError
        An unknown ``search``, fewer than 1 trial or worker, ``cv`` of 1 or below 0, no
        training data, or ``cv`` folds together with separate validation or test files.
    """
    if search not in SEARCH_HELP:
        raise ConfigError(f"--search {search}: expected one of {', '.join(SEARCH_HELP)}")
    if trials < 1:
        raise ConfigError(f"--trials {trials}: expected at least 1 trial")
    if cv == 1 or cv < 0:
        raise ConfigError(f"--cv {cv}: expected 0 (validation split) or at least 2 folds")
    if jobs < 1:
        raise ConfigError(f"--jobs {jobs}: expected at least 1 worker")
    if not cfg.data.train:
        raise ConfigError("no training data: give DATA (or data.train in --config)")
    if cv and (cfg.data.valid or cfg.data.test):
        raise ConfigError(
            "--cv makes its folds from DATA; --valid and --test do not apply (use --cv 0)"
        )


def make_sampler(search: str, space: dict[str, ParamSpec], seed: int) -> Any:
    """The Optuna sampler of ``search``: grid over ``space``, random, or TPE ('bayes')."""
    import optuna

    if search == "grid":
        grid = {k: [_encode(v) for v in grid_values(s)] for k, s in space.items()}
        return optuna.samplers.GridSampler(grid, seed=seed)
    if search == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def direction_of(cfg: RunConfig) -> Literal["minimize", "maximize"]:
    """Optimisation direction of ``train.monitor`` (loss, RMSE, MAE down; the rest up)."""
    from biodl.evaluation.metrics import METRIC_DIRECTION

    return "maximize" if METRIC_DIRECTION.get(cfg.train.monitor) == "max" else "minimize"


def make_pruner() -> Any:
    """Median pruner: stop a trial below the median of earlier ones, after warm-up epochs."""
    import optuna

    return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=_PRUNER_WARMUP_EPOCHS)


def remaining_trials(study: Any, trials: int, search: str, space: dict[str, ParamSpec]) -> int:
    """Trials still to run for a total of ``trials`` (a grid: at most its size).

    Complete, pruned and failed trials of ``study`` count as run, except those failed because
    their search was killed (user attribute :data:`INTERRUPTED`): they run again.
    """
    import optuna

    finished = (
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.PRUNED,
        optuna.trial.TrialState.FAIL,
    )
    total = trials
    if search == "grid":
        total = min(trials, math.prod(len(grid_values(s)) for s in space.values()))
    run = sum(t.state in finished and not t.user_attrs.get(INTERRUPTED) for t in study.trials)
    return max(0, total - run)


def _encode(value: Any) -> Any:
    """Optuna stores primitives only: lists (e.g. MLP hidden sizes) travel as JSON text."""
    return value if isinstance(value, _PRIMITIVE) else json.dumps(value)


def _decode(spec: ParamSpec, value: Any) -> Any:
    if spec.kind == "categorical" and isinstance(value, str):
        for choice in spec.choices or ():
            if not isinstance(choice, _PRIMITIVE) and json.dumps(choice) == value:
                return choice
    return value


def suggest(trial: Any, space: dict[str, ParamSpec]) -> dict[str, Any]:
    """Ask ``trial`` for one value per parameter of ``space`` (dotted path -> value)."""
    params: dict[str, Any] = {}
    for key, spec in space.items():
        if spec.kind == "categorical":
            value = trial.suggest_categorical(key, [_encode(c) for c in spec.choices or ()])
        elif spec.kind == "int":
            value = trial.suggest_int(key, int(spec.low or 0), int(spec.high or 0), log=spec.log)
        else:
            value = trial.suggest_float(
                key, float(spec.low or 0), float(spec.high or 0), log=spec.log
            )
        params[key] = _decode(spec, value)
    return params


def decode_params(space: dict[str, ParamSpec], params: dict[str, Any]) -> dict[str, Any]:
    """Stored trial params -> config values (JSON text back to lists)."""
    return {k: _decode(space[k], v) if k in space else v for k, v in params.items()}


def pruning_callback(trial: Any, monitor: str, step_offset: int = 0) -> Any:
    """A Lightning callback reporting ``valid_<monitor>`` each epoch and pruning bad trials."""
    import lightning as L
    import optuna

    class _Pruning(L.Callback):
        def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
            if trainer.sanity_checking:
                return
            value = trainer.callback_metrics.get(f"valid_{monitor}")
            if value is None:
                return
            step = step_offset + trainer.current_epoch
            trial.report(float(value), step=step)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at epoch {trainer.current_epoch}")

    return _Pruning()


class TrialLines:
    """An Optuna callback that says one plain line per finished trial
    (:func:`biodl.run_log.say`: stderr without a terminal, and the ``--log-file``).

    Parameters
    ----------
    total : int
        Trials asked for (resumed ones included); 0 in a study shared with other processes,
        whose trial numbers count theirs too.
    monitor : str
        The metric the trials are scored on.
    progress : bool, optional
        The command's ``progress`` (None: automatic).
    """

    def __init__(self, total: int, monitor: str, progress: bool | None = None):
        self.total = total
        self.monitor = monitor
        self.progress = progress

    def __call__(self, study: Any, trial: Any) -> None:
        seconds = trial.duration.total_seconds() if trial.duration is not None else 0.0
        value = f"{self.monitor} {trial.value:.4f}" if trial.value is not None else ""
        try:
            best = f"best {study.best_value:.4f} (trial {study.best_trial.number + 1})"
        except ValueError:  # no trial finished yet
            best = ""
        state = trial.state.name.lower()
        number = f"trial {trial.number + 1}" + (f"/{self.total}" if self.total else "")
        parts = [number, f"{seconds:.1f} s", state, value, best]
        say("  ".join(p for p in parts if p), progress=self.progress)


class Objective:
    """Picklable objective: prepared data is made once per process and reused by every trial.

    Calling it with an Optuna trial trains ``cfg`` with the trial's values on each scoring
    part and returns the mean best validation value of ``train.monitor`` (nan when none).

    Parameters
    ----------
    cfg : RunConfig
        The base configuration.
    space : dict of str to ParamSpec
    cv : int
        0 scores the validation split, K >= 2 the mean over K folds of the training part.
    progress : bool or None
        Progress bars of the trainings.
    parts : list of PreparedData, optional
        The scoring parts, when already prepared (else made on first use).
    """

    def __init__(
        self,
        cfg: RunConfig,
        space: dict[str, ParamSpec],
        cv: int,
        progress: bool | None,
        parts: list[Any] | None = None,
    ) -> None:
        self.cfg, self.space, self.cv, self.progress = cfg, space, cv, progress
        self._parts: list[Any] | None = parts

    def parts(self) -> list[Any]:
        """The scoring parts (:func:`scoring_parts`), prepared on first use."""
        if self._parts is None:
            self._parts = scoring_parts(self.cfg, self.cv)
            self._parts[0].emit_warnings()
        return self._parts

    def __call__(self, trial: Any) -> float:
        import warnings

        from biodl.errors import DataWarning

        cfg = apply_params(self.cfg, suggest(trial, self.space))
        with warnings.catch_warnings():
            # The data's warnings were shown once, when the parts were prepared.
            warnings.simplefilter("ignore", DataWarning)
            return self._score(trial, cfg)

    def _score(self, trial: Any, cfg: RunConfig) -> float:
        from biodl.evaluation.metrics import METRIC_DIRECTION
        from biodl.pipeline.fitting import fit_model
        from biodl.training.fit import epochs_for

        monitor = cfg.train.monitor
        higher = METRIC_DIRECTION.get(monitor) == "max"
        scores = []
        for i, part in enumerate(self.parts()):
            epochs = epochs_for(cfg.train, len(part.parts["train"]))
            callback = pruning_callback(trial, monitor, step_offset=i * epochs)
            _, fit = fit_model(cfg, part, progress=self.progress, callbacks=[callback])
            column = f"valid_{monitor}"
            values = fit.history[column].dropna() if column in fit.history else pd.Series([])
            if values.empty:
                return float("nan")
            scores.append(float(values.max() if higher else values.min()))
        return float(sum(scores) / len(scores))


def resolve_model(cfg: RunConfig, prepared: PreparedData) -> str:
    """The model a tuning study searches: ``--model``, else the kind's default; checked."""
    kind = get_kind(prepared.kind)
    model = cfg.model.name if cfg.model.name != "auto" else kind.default_model(prepared)
    check_model(kind, model)
    return model


def scoring_parts(cfg: RunConfig, cv: int) -> list[PreparedData]:
    """The data each trial trains on: the split (cv=0) or one PreparedData per inner fold."""
    if cv == 0:  # trials are scored on the validation part: its size is the one that matters
        prepared = prepare_run_data(cfg, scored="valid")
        if prepared.parts.get("valid") is None:
            raise ConfigError(
                "tuning scores the validation split, but there is none; set data.valid_size > 0 "
                "or give --valid, or use --cv K"
            )
        return [prepared]
    full = prepare_run_data(replace(cfg, data=replace(cfg.data, valid_size=0.0)), scored=None)
    folds = cv_folds(full, cfg.data, n_folds=cv, seed=cfg.train.seed)
    # The held-out fold is each fold's validation part: early stopping and the score use it,
    # exactly as cv=0 uses the validation split. The outer test part stays unseen.
    return [
        subset_prepared(full, f.train, valid=f.test, note=f"fold {f.fold + 1} of {cv}")
        for f in folds
    ]


@dataclass
class InMemoryTuneResult:
    """What :func:`tune_prepared` returns.

    Attributes
    ----------
    best_value : float
        Best validation score of ``monitor``.
    best_params : dict
        Dotted option path -> value of the best trial.
    best_config : RunConfig
        The base config with the best values applied.
    n_trials : int
        Trials run (complete, pruned and failed).
    """

    best_value: float
    best_params: dict[str, Any]
    best_config: RunConfig
    n_trials: int


def tune_prepared(
    cfg: RunConfig,
    data: Any,
    *,
    search: SearchOption = "bayes",
    trials: int = 20,
    space: dict[str, ParamSpec] | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> InMemoryTuneResult:
    """Tune ``cfg`` on already prepared data, in memory: no files, no SQLite study.

    The objective is that of :func:`run_tune` with ``cv=0``: each trial trains on
    ``data.parts['train']`` and scores the best validation value of ``train.monitor`` on
    ``data.parts['valid']``; ``data.parts['test']`` is never looked at (nested
    cross-validation passes ``None`` there).

    Parameters
    ----------
    cfg : RunConfig
    data : PreparedData
        Needs a ``valid`` part.
    search : {'grid', 'random', 'bayes'}, default 'bayes'
    trials : int, default 20
    space : dict of str to ParamSpec, optional
        Default: the model's built-in space.
    seed : int, optional
        Sampler seed; default ``cfg.train.seed``.
    progress : bool, optional

    Raises
    ------
    ConfigError
        For a bad option, no validation part, or when no trial finished.
    """
    import optuna

    check_search_options(cfg, search, trials, 0, 1)
    if data.parts.get("valid") is None:
        raise ConfigError("tuning scores a validation part, but there is none; set valid_size > 0")
    from biodl.pipeline.fitting import with_monitor

    cfg = with_monitor(cfg, data)  # --monitor auto: the objective and best config
    model = resolve_model(cfg, data)
    space = space if space is not None else default_space(data.kind, model)
    check_space(data.kind, model, space)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=optuna.storages.InMemoryStorage(),
        direction=direction_of(cfg),
        sampler=make_sampler(search, space, cfg.train.seed if seed is None else seed),
        pruner=make_pruner(),
    )
    objective = Objective(cfg, space, 0, progress, parts=[data])
    study.optimize(objective, n_trials=remaining_trials(study, trials, search, space))
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete or study.best_trial.value is None or math.isnan(study.best_trial.value):
        raise ConfigError(
            "no tuning trial finished (all pruned or failed); check the options with biodl train"
        )
    params = decode_params(space, study.best_trial.params)
    return InMemoryTuneResult(
        best_value=float(study.best_trial.value),
        best_params=params,
        best_config=apply_params(cfg, params),
        n_trials=len(study.trials),
    )
