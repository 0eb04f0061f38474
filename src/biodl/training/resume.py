"""Checkpoints that let a killed run resume where it stopped, with the same numbers.

A run that writes a run directory opens :func:`checkpointing` on a folder inside its partial
run folder. Every fit on the one training path (:func:`biodl.training.trainer.run_fit`) then
takes the next :class:`FitSlot` in call order (``fit-1``, ``fit-2``, ...: a pretraining, the
network, the repeats of ``--seeds``, the folds of ``cv``), whatever the module, its callbacks
and its schedulers are:

- every ``every`` epochs, :class:`ResumeCheckpoint` writes Lightning's full checkpoint
  (weights, optimisers, schedulers, every callback's state such as early stopping and the
  best-epoch checkpoint, loop counters) plus the module's ``history``, the elapsed seconds and
  the random number generators, to ``last.ckpt`` atomically (a temporary file renamed);
- when the fit ends, ``finished.pt`` keeps the weights it ended with, its facts and the random
  states, so a resumed run skips the fit entirely.

On resume the same code runs again in the same order: finished fits are skipped, the first
unfinished one continues from its ``last.ckpt`` (``trainer.fit(ckpt_path=...)``), and the
rest run as they would have. Because the data loaders reshuffle from ``(seed, epoch)`` and the
random states are restored at the start of the next epoch, the resumed run's metrics equal an
uninterrupted run's.

Examples
--------
>>> import tempfile
>>> with checkpointing(tempfile.mkdtemp(), every=2) as slots:
...     first, second = next_slot(), next_slot()
...     with slot_scope("fold-1"):
...         third = next_slot()
>>> first.folder.name, second.folder.name, third.folder.parent.name, third.folder.name
('fit-1', 'fit-2', 'fold-1', 'fit-1')
>>> next_slot() is None
True
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.pytorch.callbacks import Checkpoint

__all__ = [
    "CHECKPOINTS",
    "CheckpointSlots",
    "FitSlot",
    "ResumeCheckpoint",
    "checkpointing",
    "next_slot",
    "no_checkpointing",
    "random_states",
    "set_random_states",
    "slot_scope",
]

#: The folder of checkpoints inside a partial run folder.
CHECKPOINTS = "checkpoints"
_LAST = "last.ckpt"
_FINISHED = "finished.pt"
_KEY = "biodl_resume"


def random_states() -> dict[str, Any]:
    """The states of Python's, numpy's and torch's (CPU and CUDA) global generators, as
    tensors and numbers only (loadable with ``weights_only=True``)."""
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states: dict[str, Any] = {
        "python": [version, torch.tensor(internal, dtype=torch.int64), gauss],
        "numpy": [kind, torch.from_numpy(np.asarray(keys, dtype=np.int64)), pos, has_gauss, cached],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_random_states(states: dict[str, Any]) -> None:
    """Restore what :func:`random_states` returned."""
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(int(v) for v in internal.tolist()), gauss))
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


class ResumeCheckpoint(Checkpoint):
    """Write the fit's full state to ``path`` every ``every`` epochs; restore it on resume.

    A :class:`~lightning.pytorch.callbacks.Checkpoint`, so Lightning calls its
    ``on_train_epoch_end`` after the module's (the epoch's ``history`` row is complete then)
    and after early stopping and the best-epoch checkpoint have seen the epoch.

    Parameters
    ----------
    path : str
        The checkpoint file (``last.ckpt`` of a :class:`FitSlot`).
    every : int, default 1
    seconds_before : float, default 0.0
        Training seconds of the fit before this process (a resumed fit adds them up).
    """

    def __init__(self, path: str, every: int = 1, seconds_before: float = 0.0):
        self.path = path
        self.every = max(1, int(every))
        self.seconds_before = seconds_before
        self._start = time.perf_counter()
        self._restored_random: dict[str, Any] | None = None
        self._resumed = False

    @property
    def state_key(self) -> str:
        return "ResumeCheckpoint"

    def seconds(self) -> float:
        """Training seconds of the fit so far, before this process included."""
        return self.seconds_before + time.perf_counter() - self._start

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking or (trainer.current_epoch + 1) % self.every:
            return
        tmp = f"{self.path}.tmp"
        trainer.save_checkpoint(tmp, weights_only=False)  # collective under DDP; rank 0 writes
        if trainer.is_global_zero:
            os.replace(tmp, self.path)

    def on_save_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        history = getattr(pl_module, "history", None)
        checkpoint[_KEY] = {
            "history": list(history) if history is not None else None,
            "seconds": self.seconds(),
            "random": random_states(),
        }

    def on_load_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        saved = checkpoint.get(_KEY)
        if saved is None:
            return
        if saved["history"] is not None and hasattr(pl_module, "history"):
            pl_module.history = list(saved["history"])
        self.seconds_before = float(saved["seconds"])
        self._start = time.perf_counter()
        self._restored_random = saved["random"]
        self._resumed = True

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        # The generators as they were when the checkpointed epoch ended, restored before the
        # training loader's iterator of the next epoch is made (it draws its base seed): in a
        # fit, Lightning makes the first epoch's iterator before ``on_train_start``.
        if self._restored_random is not None:
            set_random_states(self._restored_random)
            self._restored_random = None


@dataclass
class FitSlot:
    """Where one fit keeps its checkpoints: ``last.ckpt``, the best epoch's, ``finished.pt``.

    Attributes
    ----------
    folder : Path
    every : int
        Epochs between checkpoints.
    """

    folder: Path
    every: int = 1

    @property
    def last(self) -> Path:
        return self.folder / _LAST

    def resume_from(self) -> str | None:
        """The checkpoint an interrupted fit continues from (None: start afresh)."""
        return str(self.last) if self.last.is_file() else None

    def callback(self) -> ResumeCheckpoint:
        self.folder.mkdir(parents=True, exist_ok=True)
        return ResumeCheckpoint(str(self.last), self.every)

    def finish(self, module: Any, facts: dict[str, Any]) -> None:
        """Keep the finished fit (the module's weights now, ``facts``, the random states) and
        drop its epoch checkpoints."""
        record = {
            "state_dict": {k: v.detach().cpu() for k, v in module.state_dict().items()},
            "facts": facts,
            "random": random_states(),
        }
        tmp = self.folder / f"{_FINISHED}.tmp"
        torch.save(record, tmp)
        os.replace(tmp, self.folder / _FINISHED)
        for old in self.folder.glob("*.ckpt"):
            old.unlink(missing_ok=True)

    def finished(self, module: Any) -> dict[str, Any] | None:
        """The facts of a fit finished before the run was interrupted (its weights loaded into
        ``module``, the random states restored), or None."""
        path = self.folder / _FINISHED
        if not path.is_file():
            return None
        record = torch.load(path, map_location="cpu", weights_only=True)
        module.load_state_dict(record["state_dict"])
        set_random_states(record["random"])
        facts: dict[str, Any] = record["facts"]
        return facts


@dataclass
class CheckpointSlots:
    """The fits of one run, numbered in call order within each scope (see
    :func:`checkpointing` and :func:`slot_scope`)."""

    folder: Path
    every: int = 1
    counts: dict[str, int] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=list)
    paused: list[bool] = field(default_factory=list)

    def next(self) -> FitSlot | None:
        if self.paused:
            return None
        key = "/".join(self.scopes)
        self.counts[key] = self.counts.get(key, 0) + 1
        return FitSlot(self.folder.joinpath(*self.scopes, f"fit-{self.counts[key]}"), self.every)


_ACTIVE: list[CheckpointSlots] = []


@contextmanager
def checkpointing(folder: str | os.PathLike[str], *, every: int = 1) -> Iterator[CheckpointSlots]:
    """Give the fits inside the block checkpoint slots under ``folder`` (see the module)."""
    slots = CheckpointSlots(Path(folder), every)
    _ACTIVE.append(slots)
    try:
        yield slots
    finally:
        _ACTIVE.remove(slots)


@contextmanager
def no_checkpointing() -> Iterator[None]:
    """No checkpoints for the fits inside the block (a tuning search: its trials rerun)."""
    if not _ACTIVE:
        yield
        return
    slots = _ACTIVE[-1]
    slots.paused.append(True)
    try:
        yield
    finally:
        slots.paused.pop()


@contextmanager
def slot_scope(name: str) -> Iterator[None]:
    """Number the fits inside the block apart, under ``name`` (a fold of ``cv``): a resumed
    run that skips a finished fold still gives the next fold's fits their own slots."""
    if not _ACTIVE:
        yield
        return
    slots = _ACTIVE[-1]
    slots.scopes.append(name)
    try:
        yield
    finally:
        slots.scopes.pop()


def next_slot() -> FitSlot | None:
    """The checkpoint slot of the next fit, or None outside :func:`checkpointing`."""
    return _ACTIVE[-1].next() if _ACTIVE else None
