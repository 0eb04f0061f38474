"""``biodl tune``: hyperparameter search with Optuna, resumable, scored on validation data only.

Each trial samples values from a search space (:mod:`biodl.evaluation.search_space`), applies
them to the base config, trains the network and scores the validation value of
``train.monitor`` at its best epoch (``cv=0``) or the mean of that over ``cv`` folds of the
training part (``cv=K``); the test split is never used. Unpromising trials are stopped early
by a median pruner that watches the per-epoch validation value. The trial objective, samplers
and pruner are :mod:`biodl.pipeline.search`, shared with nested cross-validation; this module
keeps the study on disk.

The study lives in ``study.db`` (SQLite) inside the output folder, so a killed search goes on
with ``resume=True``; or, with ``storage=URL``, in a database shared by several ``biodl tune``
processes on one machine or several (:mod:`biodl.pipeline.study_place`: each runs its own
``trials``, and each writes the report of the whole study into its own output folder).
The same seed proposes the same trials with ``jobs=1``; with several
workers each gets its own seeded sampler and the order in which trials finish, hence what
each sampler has seen, may differ between runs.

Examples
--------
>>> # from biodl.config import build_config
>>> # result = run_tune(build_config(train="seqs.fa", epochs=5), search="random", trials=20,
>>> #                   out="runs/tune")
>>> # result.best_params
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from biodl import __version__
from biodl._io import atomic_write_text, to_json
from biodl.config import RunConfig, dump_config
from biodl.errors import ConfigError, DataError
from biodl.evaluation.search_space import ParamSpec, apply_params
from biodl.kinds import check_space, default_space, model_parameters
from biodl.options import SearchOption
from biodl.pipeline.fitting import with_monitor
from biodl.pipeline.search import (
    INTERRUPTED,
    Objective,
    TrialLines,
    check_search_options,
    decode_params,
    direction_of,
    make_pruner,
    make_sampler,
    remaining_trials,
    resolve_model,
    scoring_parts,
)
from biodl.pipeline.study_place import (
    LOCAL_STUDY_NAME,
    StudyPlace,
    TaggedObjective,
    create_or_join,
    default_study_name,
    describe_url,
    process_trials,
    register_process,
    search_signature,
    wait_for_others,
)
from biodl.run_lock import RunLock
from biodl.run_log import LOG_FILE, RunLog, keep_log
from biodl.training.ranks import check_one_process

__all__ = ["STUDY_NAME", "TuneResult", "run_tune", "study_storage", "verdict_sentence"]

STUDY_NAME = LOCAL_STUDY_NAME


@dataclass
class TuneResult:
    """What :func:`run_tune` returns.

    Attributes
    ----------
    out : Path
        The output folder (study.db, trials.csv, best_config.yaml, tune.json, report.html).
    best_value : float
        Best validation score of ``monitor``.
    best_params : dict
        Dotted option path -> value of the best trial.
    best_config : RunConfig
        The base config with the best values applied.
    trials : DataFrame
        One row per trial (``study.trials_dataframe()``).
    monitor : str
    direction : {'minimize', 'maximize'}
    """

    out: Path
    best_value: float
    best_params: dict[str, Any]
    best_config: RunConfig
    trials: pd.DataFrame
    monitor: str
    direction: str

    def summary(self) -> str:
        """One sentence: the best validation value and the values that gave it."""
        return verdict_sentence(self.monitor, self.best_value, self.best_params, len(self.trials))


def verdict_sentence(monitor: str, value: float, params: dict[str, Any], n: int) -> str:
    """``"Best validation loss 0.412 after 20 trials, with train.lr=0.003, ..."``."""
    values = ", ".join(f"{k}={_show(v)}" for k, v in params.items()) or "the base config"
    return f"Best validation {monitor} {value:.4g} after {n} trials, with {values}."


def _show(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def run_tune(
    cfg: RunConfig,
    *,
    out: str | os.PathLike[str],
    search: SearchOption = "bayes",
    trials: int = 20,
    space: dict[str, ParamSpec] | str | os.PathLike[str] | None = None,
    cv: int = 0,
    resume: bool = False,
    jobs: int = 1,
    overwrite: bool = False,
    progress: bool | None = None,
    storage: str | None = None,
    study_name: str | None = None,
) -> TuneResult:
    """Search hyperparameters of ``cfg``'s network; write the study and the best config.

    Parameters
    ----------
    cfg : RunConfig
        The base configuration; ``train.monitor`` is the score (``auto`` by default: validation
        AUROC for binary classification, else the validation loss), ``train.seed`` seeds the
        sampler.
    out : path
        Output folder: ``study.db``, ``tune.json``, ``trials.csv``, ``best_config.yaml``,
        ``plots/``, ``report.html`` and ``log.txt`` (the command's warnings and library
        messages, :mod:`biodl.run_log`; a resumed study adds to it).
    search : {'grid', 'random', 'bayes'}, default 'bayes'
        See :data:`biodl.pipeline.search.SEARCH_HELP`.
    trials : int, default 20
        Total number of trials (those of a resumed study included). Grid search stops early
        once every combination was tried. With ``storage``: the trials of this process (those
        of its resumed ``out`` included); the shared study ends with the sum over processes.
    space : dict of str to ParamSpec, or path of a YAML space, optional
        Default: the model's space for its kind of data
        (:func:`~biodl.evaluation.search_space.default_space`).
    cv : int, default 0
        0 scores the validation split; K >= 2 scores the mean over K folds of the training part.
    resume : bool, default False
        Continue the study in ``out`` (the input files must be unchanged).
    jobs : int, default 1
        Worker processes sharing the study (each uses one torch thread).
    overwrite : bool, default False
        Start afresh in an existing, non-empty ``out``.
    progress : bool, optional
        Progress bars of the trainings (off for several workers).
    storage : str, optional
        Database URL of a study shared by several processes (``sqlite:///PATH.db`` on one
        machine, ``postgresql://USER:PASSWORD@HOST/DB`` across machines); default: a study of
        its own in ``out/study.db``. Each process keeps its own ``out`` and writes into it the
        report of the whole study, after waiting for the trials the other processes still owe.
    study_name : str, optional
        Name of the shared study; default ``biodl-tune-`` and the start of the inputs' sha256.
        A process whose inputs, space, search, cv or monitor differ from the study's is
        refused.

    Returns
    -------
    TuneResult

    Raises
    ------
    ConfigError
        For a bad option, a non-empty ``out`` without ``resume`` or ``overwrite``, a search
        space that does not fit the model, an unusable ``storage`` or a shared study of
        another search.
    DataError
        When resuming on input files whose checksums differ from the first run's.
    """
    with keep_log() as log:
        where = (storage, study_name)
        return _tune(
            cfg, out, search, trials, space, cv, resume, jobs, overwrite, progress, log, where
        )


def _tune(
    cfg: RunConfig, out: str | os.PathLike[str], search: SearchOption, trials: int,
    space: dict[str, ParamSpec] | str | os.PathLike[str] | None, cv: int, resume: bool,
    jobs: int, overwrite: bool, progress: bool | None, log: RunLog,
    where: tuple[str | None, str | None],
) -> TuneResult:  # fmt: skip
    """:func:`run_tune` inside the command's log, written to ``out`` once ``out`` is ours."""
    from biodl.evaluation.search_space import load_space

    check_search_options(cfg, search, trials, cv, jobs)
    check_one_process("biodl tune", cfg.train.num_nodes)
    if where[1] is not None and where[0] is None:
        raise ConfigError("--study-name: applies to a shared study only; give --storage URL too")
    if where[0] is not None:  # a bad URL fails before any data is read
        StudyPlace.shared_at(where[0], where[1] or "biodl-check", "")
    parts = scoring_parts(cfg, cv)  # read once, before the study: bad data fails first
    parts[0].emit_warnings()
    asked = cfg.train.monitor
    cfg = with_monitor(cfg, *parts)  # --monitor auto: the objective, recorded
    kind = parts[0].kind
    model = resolve_model(cfg, parts[0])
    if space is None:
        space = default_space(kind, model)
    elif not isinstance(space, dict):
        options = [p.name for p in model_parameters(kind, model)]
        space = load_space(space, model=model, options=options)
    check_space(kind, model, space)
    out = Path(out)
    with RunLock(out):  # one process writes a study folder (its workers are its own)
        checksums = _input_checksums(cfg)
        before = _prepare_out(out, resume=resume, overwrite=overwrite, checksums=checksums)
        cfg = _resumed_monitor(out, cfg, asked, before if resume else {})
        place = _place(out, where, checksums, before if resume else None)
        try:
            return _study(
                out, cfg, search, trials, space, cv, jobs, progress, parts, checksums, place
            )
        finally:  # a killed or failed search keeps its log too (a resumed one adds to it)
            _write_log(out, log)


def _resumed_monitor(out: Path, cfg: RunConfig, asked: str, before: dict[str, Any]) -> RunConfig:
    """A resumed study goes on scoring what its trials scored (``before``: its ``tune.json``):
    ``--monitor auto`` takes the recorded quantity (a binary study begun before ``auto`` was
    the default scored the loss); another explicit one is refused."""
    was = before.get("monitor")
    if was is None or was == cfg.train.monitor:
        return cfg
    if asked == "auto":
        return replace(cfg, train=replace(cfg.train, monitor=was))
    raise ConfigError(
        f"{out}: its trials scored validation {was}, this process asks for --monitor {asked}; "
        f"resume with --monitor {was} (or auto), or start a new study with another --out"
    )


def _place(
    out: Path,
    where: tuple[str | None, str | None],
    checksums: dict[str, str],
    before: dict[str, Any] | None,
) -> StudyPlace:
    """The study of ``out``: its own, or the shared one (a resumed ``out`` keeps its process).

    ``before`` is the ``tune.json`` of a resumed ``out`` (None when not resuming).
    """
    import uuid

    url, name = where
    if before is not None:
        _check_same_study(out, before, url, name)
    else:
        before = {}
    if url is None:
        return StudyPlace.local(out)
    process = before.get("process") or uuid.uuid4().hex
    name = name or before.get("study_name") or default_study_name(_digest(checksums))
    return StudyPlace.shared_at(url, name, process)


def _check_same_study(out: Path, before: dict[str, Any], url: str | None, name: str | None) -> None:
    """Refuse to resume ``out`` against another study than the one it started with."""
    was = before.get("storage")
    if was is None and url is not None:
        raise ConfigError(
            f"{out}: this search kept its own study ({out}/study.db); resume it without --storage"
        )
    if was is not None and url is None:
        raise ConfigError(
            f"{out}: this search is part of the shared study at {was}; resume it with "
            f"--storage {was} (the password as before)"
        )
    if was is not None and url is not None and describe_url(url) != was:
        raise ConfigError(
            f"{out}: this search is part of the shared study at {was}, not {describe_url(url)}; "
            f"resume it with --storage {was}"
        )
    recorded = before.get("study_name")
    if recorded is not None and name is not None and name != recorded:
        raise ConfigError(
            f"{out}: this search is part of the study {recorded!r}, not {name!r}; resume it with "
            f"--study-name {recorded} (or without --study-name)"
        )


def _study(
    out: Path, cfg: RunConfig, search: SearchOption, trials: int, space: dict[str, ParamSpec],
    cv: int,
    jobs: int, progress: bool | None, parts: Any, checksums: dict[str, str], place: StudyPlace,
) -> TuneResult:  # fmt: skip
    """Run the study in the prepared ``out`` and write its results."""
    specs = {k: _spec_dict(v) for k, v in space.items()}
    state = {
        "schema_version": 1,
        "kind": "tuning",
        "biodl_version": __version__,
        "search": search,
        "trials": trials,
        "cv": cv,
        "seed": cfg.train.seed,
        "monitor": cfg.train.monitor,
        "space": specs,
        "input_sha256": checksums,
        "complete": False,
    }
    if place.shared:
        state.update(storage=describe_url(place.url), study_name=place.name, process=place.process)
    atomic_write_text(out / "tune.json", to_json(state))
    signature = search_signature(_digest(checksums), search, specs, cv, cfg.train.monitor)
    study = _open_study(place, cfg, search, space, seed_offset=0, signature=signature)
    if place.shared:
        register_process(study, place.process, trials, {"out": str(out.resolve())})
        done = process_trials(study.get_trials(deepcopy=False), place.process)
        left = remaining_trials(study, trials, search, space) if search == "grid" else trials
        left = min(left, trials - done)
    else:
        left = remaining_trials(study, trials, search, space)
    if left > 0:
        if jobs == 1:
            lines = TrialLines(0 if place.shared else trials, cfg.train.monitor, progress)
            objective: Any = Objective(cfg, space, cv, progress, parts)
            if place.shared:
                objective = TaggedObjective(objective, place.process)
            study.optimize(objective, n_trials=left, callbacks=[lines])
        else:
            _run_workers(place, cfg, search, space, cv, jobs, left, out)
    if place.shared:
        wait_for_others(study, place.process, show=progress is not False)
        state["process_trials"] = process_trials(study.get_trials(deepcopy=False), place.process)
    return _finish(out, cfg, place, state)


def _write_log(out: Path, log: RunLog) -> None:
    """Add the command's log (and the workers', :func:`_worker_log`) to ``out/log.txt``."""
    for path in sorted(out.glob(".log-worker-*.json")):
        for kind, message, where, count in json.loads(path.read_text(encoding="utf-8")):
            key = (kind, message, where)
            log.entries[key] = log.entries.get(key, 0) + count
        path.unlink()
    if not log:
        return
    target = out / LOG_FILE
    before = target.read_text(encoding="utf-8") if target.is_file() else ""
    atomic_write_text(target, before + log.text())


def _worker_log(out: Path, index: int, log: RunLog) -> None:
    """A worker's log as JSON beside the study, for the main process's ``log.txt``."""
    entries = [[*key, count] for key, count in log.entries.items()]
    if entries:
        atomic_write_text(out / f".log-worker-{index}.json", json.dumps(entries))


def _spec_dict(spec: ParamSpec) -> dict[str, Any]:
    if spec.kind == "categorical":
        return {"choices": list(spec.choices or ())}
    return {"kind": spec.kind, "low": spec.low, "high": spec.high, "log": spec.log}


def _input_checksums(cfg: RunConfig) -> dict[str, str]:
    from biodl._io import sha256_of

    sums: dict[str, str] = {}
    for path in (cfg.data.train, cfg.data.valid, cfg.data.test, cfg.data.labels):
        if path:
            if not Path(path).exists():
                raise DataError(f"{path}: no such file or folder; check DATA")
            sums.update(sha256_of(path))
    return sums


def _prepare_out(
    out: Path, *, resume: bool, overwrite: bool, checksums: dict[str, str]
) -> dict[str, Any]:
    """Check or empty ``out``; return the ``tune.json`` of a resumed study (else ``{}``)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a directory; choose another --out")
    existing = out.is_dir() and any(out.iterdir())
    if resume:
        record = out / "tune.json"
        if not record.is_file():
            raise ConfigError(f"{out}: no tune.json, so nothing to resume; drop --resume")
        state: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
        before = state.get("input_sha256", {})
        if _digest(before) != _digest(checksums):
            raise DataError(
                f"{out}: the input files changed since the study began (sha256 "
                f"{_digest(before)[:16]} then, {_digest(checksums)[:16]} now); resume with the "
                "same DATA, or start a new study with another --out"
            )
        return state
    if existing:
        if not overwrite:
            raise ConfigError(
                f"{out}: folder exists and is not empty; choose another --out, pass --resume to "
                "continue its study, or --overwrite to start afresh"
            )
        if not (out / "tune.json").is_file():
            raise ConfigError(
                f"{out}: not a biodl tuning folder (no tune.json), so --overwrite will not "
                "replace it; choose another --out"
            )
        import shutil

        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return {}


def _digest(checksums: dict[str, str]) -> str:
    """One sha256 over the digests of the inputs (their paths left out, so a move is fine)."""
    import hashlib

    return hashlib.sha256("\n".join(sorted(checksums.values())).encode()).hexdigest()


def study_storage(out: Path) -> Any:
    """The SQLite storage of the study in ``out`` (waits on a locked database)."""
    return StudyPlace.local(out).storage()


def _open_study(
    place: StudyPlace, cfg: RunConfig, search: str, space: dict[str, ParamSpec], seed_offset: int,
    signature: dict[str, Any] | None = None,
) -> Any:  # fmt: skip
    """The study (created or loaded); a shared one is joined checking ``signature`` if given."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = place.storage()
    existing = place.name in optuna.study.get_all_study_names(storage)
    # A resumed or parallel study gets a shifted seed, so it does not replay trials already run;
    # processes sharing a study start together, so each also shifts it by its own id.
    done = len(optuna.load_study(study_name=place.name, storage=storage).trials) if existing else 0
    if place.shared:
        seed_offset += int(place.process[:6], 16)

    def create(load_if_exists: bool) -> Any:
        return optuna.create_study(
            study_name=place.name,
            storage=storage,
            direction=direction_of(cfg),
            sampler=make_sampler(search, space, cfg.train.seed + seed_offset + done),
            pruner=make_pruner(),
            load_if_exists=load_if_exists,
        )

    if place.shared and signature is not None:
        study = create_or_join(create, signature)
    else:
        study = create(True)
    if seed_offset == 0 and not place.shared:
        rerun_interrupted(study)
    return study


def rerun_interrupted(study: Any) -> None:
    """Trials of a killed search never finish: mark them failed and run their parameters again.

    A trial left RUNNING in the study of a search that is not running (a killed ``biodl
    tune``) is set to FAIL with the user attribute ``interrupted`` (so it does not count as
    run, :func:`biodl.pipeline.search.remaining_trials`), and its parameters are queued, so
    the resumed search tries them first.
    """
    import optuna

    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.RUNNING:
            study._storage.set_trial_user_attr(trial._trial_id, INTERRUPTED, True)
            study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
            study.enqueue_trial(trial.params, user_attrs={"rerun_of": trial.number})


def _worker(
    place: StudyPlace, cfg_dict: dict[str, Any], search: str, space: dict[str, ParamSpec],
    cv: int, index: int, claimed: Any, n_trials: int, out: str,
) -> None:  # fmt: skip
    import torch

    torch.set_num_threads(1)
    os.environ["BIODL_QUIET"] = "1"
    cfg = RunConfig.from_dict(cfg_dict)
    with keep_log() as log:
        try:
            study = _open_study(place, cfg, search, space, seed_offset=1000 * (index + 1))
            objective: Any = Objective(cfg, space, cv, progress=False)
            if place.shared:
                objective = TaggedObjective(objective, place.process)
            # Workers claim trials one at a time from a shared counter: the total is exact and
            # a worker that drew short trials keeps working instead of idling.
            while True:
                with claimed.get_lock():
                    if claimed.value >= n_trials:
                        return
                    claimed.value += 1
                study.optimize(objective, n_trials=1)
        finally:
            _worker_log(Path(out), index, log)


def _run_workers(
    place: StudyPlace, cfg: RunConfig, search: str, space: dict[str, ParamSpec], cv: int,
    jobs: int, left: int, out: Path,
) -> None:  # fmt: skip
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    claimed = context.Value("i", 0)
    workers = [
        context.Process(
            target=_worker,
            args=(place, cfg.to_dict(), search, space, cv, i, claimed, left, os.fspath(out)),
        )
        for i in range(min(jobs, left))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    failed = [w.exitcode for w in workers if w.exitcode != 0]
    if failed:
        raise ConfigError(
            f"{len(failed)} tuning worker(s) failed (exit codes {failed}); run with --jobs 1 to "
            "see the error"
        )


def _finish(out: Path, cfg: RunConfig, place: StudyPlace, state: dict[str, Any]) -> TuneResult:
    import optuna

    from biodl.report.tuning import write_tune_report

    study = optuna.load_study(study_name=place.name, storage=place.storage())
    space = {k: ParamSpec(**_spec_from_dict(v)) for k, v in state["space"].items()}
    table = study.trials_dataframe()
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise ConfigError(
            f"{out}: no trial finished (all pruned or failed); check the options with biodl train"
        )
    best = study.best_trial
    params = decode_params(space, best.params)
    best_cfg = apply_params(cfg, params)
    csv = table.to_csv(index=False)
    atomic_write_text(out / "trials.csv", csv)
    atomic_write_text(out / "best_config.yaml", dump_config(best_cfg))
    state.update(
        {
            "complete": True,
            "n_trials": len(study.trials),
            "n_complete": len(complete),
            "n_pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials),
            "n_interrupted": sum(bool(t.user_attrs.get(INTERRUPTED)) for t in study.trials),
            "direction": study.direction.name.lower(),
            "best_value": best.value,
            "best_trial": best.number,
            "best_params": params,
        }
    )
    result = TuneResult(
        out=out,
        best_value=float(best.value or 0.0),
        best_params=params,
        best_config=best_cfg,
        trials=table,
        monitor=cfg.train.monitor,
        direction=state["direction"],
    )
    write_tune_report(out, study=study, result=result, state=state)
    atomic_write_text(out / "tune.json", to_json(state))
    return result


def _spec_from_dict(raw: dict[str, Any]) -> dict[str, Any]:
    if "choices" in raw:
        return {"kind": "categorical", "choices": tuple(raw["choices"])}
    return raw
