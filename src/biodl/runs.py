"""The run directory on disk: writing it atomically, and loading a trained model back.

Layout (documented in docs/run-directory.md, versioned by ``RUN_SCHEMA_VERSION``)::

    RUN/
      config.yaml         resolved configuration; `biodl train --config RUN/config.yaml` reruns it
      metrics.json        typed results (biodl.evaluation.results): metrics per split, CIs,
                          the comparison; read back with :func:`load_results`
      predictions.csv     id, split, true label(s), predicted label, one score column per output
      history.csv         per epoch: train/valid loss, valid metrics, learning rate
      model/weights.safetensors, model/model.json
      plots/*.png
      report.html
      environment.json    versions, seed, device, sha256 of the input files
      log.txt             optional: warnings and library messages of the run (biodl.run_log)

A run is written into a hidden sibling folder and renamed into place only when complete, so
an interrupted run never leaves a directory that looks finished.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from biodl._io import to_json
from biodl.errors import BiodlError, ConfigError, DataError, TrainingDiverged
from biodl.evaluation.cv_results import CV_KIND, CVResults
from biodl.evaluation.results import RunResults
from biodl.run_lock import RunLock
from biodl.run_log import LOG_FILE, RunLog, keep_log
from biodl.runs_partial import (
    PARTIAL,
    RESUME_FILE,
    name_stale_partials,
    read_resume_record,
)
from biodl.training.ranks import launch_rank
from biodl.training.resume import CHECKPOINTS

RUN_SCHEMA_VERSION = 2
MODEL_DIR = "model"
WEIGHTS_FILE = "weights.safetensors"
MODEL_FILE = "model.json"
RESULTS_FILE = "metrics.json"
#: Open :func:`run_directory` blocks of this process that another rank writes.
_FOLLOWING: list[bool] = []


class RunWriter:
    """Builds a run directory in a hidden temporary sibling and moves it into place.

    Use as a context manager: on success :meth:`commit` is called; on an exception ``out``
    is untouched and the partial folder is deleted, except when its training diverged (kept
    for inspection) or when it was interrupted or crashed holding a checkpoint (kept, to
    resume: see docs/runs.md). Inside the block the command's warnings are kept
    (:func:`biodl.run_log.keep_log`, from the start of the command when the command line or
    the pipeline began it earlier) and written to ``log.txt`` when there are any.

    One process at a time writes a run: the writer holds the lock of ``out``
    (:class:`biodl.run_lock.RunLock`) from the start until the run is in place. Partial
    folders that dead runs left beside ``out`` are named in a warning, never deleted.

    Parameters
    ----------
    out : path
        The final run directory.
    overwrite : bool, default False
        Replace an existing run directory (only once the new one is complete).
    resume : path, optional
        The partial folder of an interrupted run of ``out`` to continue writing.

    Raises
    ------
    ConfigError
        If ``out`` exists and is not empty, unless ``overwrite`` is True and ``out`` is a biodl
        run directory (a folder of anything else is never replaced); if another live process
        writes ``out``.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        resume: str | os.PathLike[str] | None = None,
    ):
        self.out = Path(out)
        self.lock = RunLock(self.out)
        self.lock.acquire()  # before looking at the folder: one writer decides what is there
        try:
            self._check_out(overwrite)
            self.out.parent.mkdir(parents=True, exist_ok=True)
            name_stale_partials(
                self.out.parent, own=self.out, keep=Path(resume) if resume else None
            )
            if resume is not None:
                self.path = Path(resume)
            else:
                self.path = self.out.parent / f".{self.out.name}{PARTIAL}{uuid.uuid4().hex[:8]}"
                self.path.mkdir()
        except BaseException:
            self.lock.release()
            raise
        self.log: RunLog | None = None
        self._stack = ExitStack()

    def _check_out(self, overwrite: bool) -> None:
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError(f"{self.out}: exists and is not a directory; choose another --out")
        if self.out.exists() and any(self.out.iterdir()):
            if not overwrite:
                raise ConfigError(
                    f"{self.out}: run directory exists and is not empty; choose another --out "
                    "or pass --overwrite"
                )
            if not is_run_dir(self.out):
                raise ConfigError(
                    f"{self.out}: not a biodl run directory (no config.yaml and metrics.json), "
                    "so --overwrite will not replace it; choose another --out"
                )

    def __enter__(self) -> RunWriter:
        self.log = self._stack.enter_context(keep_log())
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.commit()
            elif not self._keep_after(exc):
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._stack.close()
            self.lock.release()

    def resumable(self) -> bool:
        """Whether the partial run holds anything to resume from (a fit's epochs, a fold)."""
        folder = self.path / CHECKPOINTS
        return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))

    def _keep_after(self, exc: BaseException) -> bool:
        """Keep the partial run after ``exc``, saying so in its message: a diverged training
        for inspection; an interrupted or crashed run that has a checkpoint, to resume."""
        if self.log:
            self.write_text(LOG_FILE, self.log.text())
        remove = f"remove it with `rm -r {self.path}`"
        if isinstance(exc, TrainingDiverged):
            exc.args = (f"{exc}; the partial run is kept for inspection in {self.path} ({remove})",)
            return True
        if isinstance(exc, BiodlError) or not self.resumable():
            return False
        hint = f"continue it with `biodl {self._command()} --resume {self.path}`, or {remove}"
        if isinstance(exc, KeyboardInterrupt):
            exc.kept = str(self.path)  # type: ignore[attr-defined]
            exc.hint = hint  # type: ignore[attr-defined]
        else:
            exc.add_note(f"biodl: the run so far is kept in {self.path}: {hint}")
        return True

    def _command(self) -> str:
        record = read_resume_record(self.path)
        return str(record.get("command", "train")) if record else "train"

    def file(self, relative: str) -> Path:
        """Path of a file inside the run being written (its folder is created)."""
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, relative: str, text: str) -> Path:
        target = self.file(relative)
        target.write_text(text, encoding="utf-8")
        return target

    def write_json(self, relative: str, obj: Any) -> Path:
        return self.write_text(relative, to_json(obj))

    def write_csv(self, relative: str, frame: pd.DataFrame) -> Path:
        target = self.file(relative)
        frame.to_csv(target, index=False)
        return target

    def commit(self) -> None:
        """Write ``log.txt`` (when the log holds anything), then move the finished run into
        place (replacing an old one only now)."""
        if self.log:
            self.write_text(LOG_FILE, self.log.text())
        shutil.rmtree(self.path / CHECKPOINTS, ignore_errors=True)  # only to resume from
        (self.path / RESUME_FILE).unlink(missing_ok=True)
        if self.out.exists():
            trash = self.out.parent / f".{self.out.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(self.out, trash)
            os.replace(self.path, self.out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(self.path, self.out)


@contextmanager
def run_directory(
    out: str | os.PathLike[str] | None,
    *,
    overwrite: bool = False,
    resume: str | os.PathLike[str] | None = None,
) -> Iterator[RunWriter | None]:
    """A :class:`RunWriter` for ``out`` (None when ``out`` is None, and nothing is written).

    Under a distributed launch (``torchrun``, ``srun``) only global rank 0
    (:func:`biodl.training.ranks.launch_rank`) writes ``out``; the other ranks get None.

    The run is moved into place when the block ends without error (Ctrl-C included: it is
    removed then, unless it holds a checkpoint to resume from), so the caller never commits or
    cleans up by hand. ``resume`` continues the partial folder of an interrupted run.

    Examples
    --------
    >>> with run_directory(None) as writer:
    ...     writer is None
    True
    """
    if out is None:
        yield None
        return
    if launch_rank() > 0:  # a distributed training: only rank 0 writes the run folder
        _FOLLOWING.append(True)
        try:
            yield None
        finally:
            _FOLLOWING.pop()
        return
    with RunWriter(out, overwrite=overwrite, resume=resume) as writer:
        yield writer


def following_run() -> bool:
    """Whether this process trains inside a run folder that another rank writes
    (:func:`run_directory` of a distributed training gave it None): it must still take part in
    the collective steps of the fits, checkpoints included."""
    return bool(_FOLLOWING)


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` holds a finished biodl run (config.yaml and metrics.json)."""
    return (path / "config.yaml").is_file() and (path / "metrics.json").is_file()


def save_model(folder: Path, model: Any, info: dict[str, Any]) -> None:
    """Write ``weights.safetensors`` (the model's state dict) and ``model.json`` (``info``)."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    info = {"schema_version": RUN_SCHEMA_VERSION, **info}
    (folder / MODEL_FILE).write_text(to_json(info), encoding="utf-8")


@dataclass
class SavedModel:
    """A model read back from a run: the network with its weights and its description.

    Attributes
    ----------
    model : torch.nn.Module
        The plain biodl model (eval mode), weights loaded.
    info : dict
        Contents of ``model.json``: kind of data, model name and hyperparameters, the fitted
        input preprocessing (``inputs``: alphabet and length handling for sequences), task,
        classes, label columns, loss, target scaling, schema version.
    run_dir : Path or None
    network : torch.nn.Module
        ``model`` inside the kind's input wrapper (what ``predict`` calls).
    """

    model: Any
    info: dict[str, Any]
    run_dir: Path | None
    network: Any = None


def model_folder(path: str | os.PathLike[str]) -> Path:
    """The ``model/`` folder of a run directory, or ``path`` itself if it is one.

    Raises
    ------
    DataError
        If neither ``path/model/model.json`` nor ``path/model.json`` exists.
    """
    path = Path(path)
    for folder in (path / MODEL_DIR, path):
        if (folder / MODEL_FILE).is_file() and (folder / WEIGHTS_FILE).is_file():
            return folder
    raise DataError(
        f"{path}: not a biodl run directory (no {MODEL_DIR}/{MODEL_FILE} and "
        f"{MODEL_DIR}/{WEIGHTS_FILE}); pass the --out folder of a finished `biodl train`"
    )


def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """Load the model of a run directory without unpickling anything.

    Weights come from safetensors (plain tensors, no code); the description from JSON.

    Raises
    ------
    DataError
        If the folder is not a run, was written by a newer biodl, or the weights do not match
        the described model.
    """
    from safetensors.torch import load_file

    from biodl.kinds import get_kind

    folder = model_folder(path)
    try:
        info = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(
            f"{folder / MODEL_FILE}: not valid JSON ({err.msg}, line {err.lineno})"
        ) from err
    version = info.get("schema_version", 0)
    if version > RUN_SCHEMA_VERSION:
        raise DataError(
            f"{folder / MODEL_FILE}: written by a newer biodl (schema {version}; this biodl reads "
            f"up to {RUN_SCHEMA_VERSION}); upgrade biodl"
        )
    if info.get("task") == "forecast":
        raise DataError(
            f"{folder}: the model of a --task forecast run; load it with "
            "biodl.pipeline.forecast.load_forecaster(run)"
        )
    if info.get("task") == "language-model":
        raise DataError(
            f"{folder}: the model of a --task language-model run, which predicts letters, not "
            "labels; use `biodl generate RUN`, `biodl score RUN VARIANTS` or `biodl train "
            "--init-from RUN` (in Python: biodl.pipeline.language.load_language_model(run))"
        )
    inputs = info.get("inputs", info)  # schema 1 kept them at top level
    info.setdefault("kind", "sequence")  # schema 1 came before other kinds: sequences
    kind = get_kind(info["kind"])
    network = kind.build_network(info["model"], info["params"], inputs, info["n_outputs"])
    ensemble = info.get("ensemble")  # --ensemble N: N networks averaged as one model
    if ensemble:
        from biodl.models.ensemble import Ensemble

        members: list[Any] = [network.model] + [
            kind.build_network(info["model"], info["params"], inputs, info["n_outputs"]).model
            for _ in range(int(ensemble["members"]) - 1)
        ]
        network.model = Ensemble(members, combine=ensemble["combine"])
    model: Any = network.model
    state = load_file(str(folder / WEIGHTS_FILE))
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).splitlines()[0]
        raise DataError(f"{folder / WEIGHTS_FILE}: weights do not fit the model ({first})") from err
    network.eval()
    run_dir = folder.parent if folder.name == MODEL_DIR else None
    return SavedModel(model=model, info=info, run_dir=run_dir, network=network)


def load_results(path: str | os.PathLike[str]) -> RunResults | CVResults:
    """The typed results of a run directory (its ``metrics.json``), of any schema biodl knows.

    Parameters
    ----------
    path : path
        A ``biodl train`` or ``biodl cv`` run directory, or its ``metrics.json``.

    Returns
    -------
    RunResults or CVResults
        :class:`~biodl.evaluation.cv_results.CVResults` for a cross-validation run.

    Raises
    ------
    DataError
        If there is no ``metrics.json``, it is not valid JSON, was written by a newer biodl,
        or lacks a section every run has.

    Examples
    --------
    >>> # results = load_results("runs/splice"); print(results.comparison.verdict)
    """
    path = Path(path)
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.is_file():
        raise DataError(
            f"{path}: no {RESULTS_FILE}; pass the --out folder of a finished `biodl train` or "
            "`biodl cv`"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"{file}: not valid JSON ({err.msg}, line {err.lineno})") from err
    if not isinstance(data, dict):
        raise DataError(f"{file}: expected a JSON object of results, got {type(data).__name__}")
    if data.get("kind") == CV_KIND:
        return CVResults.from_json(data, source=str(file))
    return RunResults.from_json(data, source=str(file))
