"""The one Lightning path: every trained object is fitted by :func:`run_fit`.

A supervised network (:func:`biodl.training.fit.fit_module`), an autoencoder
(:func:`biodl.training.autoencoder.fit_autoencoder`) and any later trained object (say a GAN,
two optimisers in one module with manual optimisation) are trained here, so the device
options (``--device``, ``--strategy``, ``--precision``, ``--devices``, ``--num-nodes``), the
progress bar, Lightning's quiet start-up, the best-epoch checkpoint and Ctrl-C behave the same
for all of them.

What a module may offer, beyond being a ``LightningModule``:

- ``history``: a list of dicts, one per epoch. Rank zero writes it to a file when fitting
  ends, so it comes back as :attr:`TrainerRun.history` under every strategy (the workers of
  ``ddp_spawn`` are other processes).
- ``automatic_optimization = False``: then gradient clipping is left to the module (Lightning
  refuses ``gradient_clip_val`` there).

Examples
--------
>>> import torch, lightning as L
>>> from torch.utils.data import DataLoader
>>> class Mean(L.LightningModule):
...     def __init__(self):
...         super().__init__()
...         self.w = torch.nn.Parameter(torch.zeros(1))
...     def training_step(self, batch, batch_idx):
...         return ((batch - self.w) ** 2).mean()
...     def configure_optimizers(self):
...         return torch.optim.SGD(self.parameters(), lr=0.1)
>>> run = run_fit(Mean(), DataLoader(torch.ones(8, 1), batch_size=4), max_epochs=2,
...               options=TrainerOptions(device="cpu"))
>>> run.epochs_run, run.device
(2, 'cpu')
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping

from biodl.config import TrainConfig
from biodl.errors import ConfigError, RunInterrupted
from biodl.run_log import LogHandler
from biodl.training.callbacks import EpochLines, StopOnNonFinite
from biodl.training.resume import next_slot

if TYPE_CHECKING:
    import lightning as L

__all__ = [
    "EarlyStoppingAfter",
    "HistoryFile",
    "ReleaseProcessGroup",
    "TrainerOptions",
    "TrainerRun",
    "build_trainer",
    "progress_enabled",
    "quiet_lightning",
    "run_fit",
]

_ACCELERATORS = {"auto": "auto", "cpu": "cpu", "cuda": "gpu"}


@dataclass(frozen=True)
class TrainerOptions:
    """Where and how Lightning runs: the device options of :class:`biodl.config.TrainConfig`.

    Parameters
    ----------
    device : {'auto', 'cpu', 'cuda'}, default 'auto'
        'auto' uses a GPU when there is one.
    precision : str, default '32-true'
        Lightning precision: '32-true', '16-mixed', 'bf16-mixed', '64-true'.
    strategy : str, default 'auto'
        Lightning strategy, e.g. 'ddp' for several GPUs or 'ddp_spawn'.
    devices : int or 'auto', default 'auto'
        Number of devices (a numeric string is read as a number).
    num_nodes : int, default 1

    Examples
    --------
    >>> TrainerOptions(device="cpu", devices="2").trainer_arguments()["devices"]
    2
    """

    device: str = "auto"
    precision: str = "32-true"
    strategy: str = "auto"
    devices: int | str = "auto"
    num_nodes: int = 1

    @classmethod
    def from_config(cls, cfg: TrainConfig) -> TrainerOptions:
        """The device options of a run's training configuration."""
        return cls(
            device=cfg.device,
            precision=cfg.precision,
            strategy=cfg.strategy,
            devices=cfg.devices,
            num_nodes=cfg.num_nodes,
        )

    def trainer_arguments(self) -> dict[str, Any]:
        """``accelerator``, ``devices``, ``num_nodes``, ``strategy``, ``precision`` for
        ``lightning.Trainer``.

        Raises
        ------
        ConfigError
            For a device other than auto, cpu, cuda, or a device count that is not a whole
            number or 'auto'.
        """
        if self.device not in _ACCELERATORS:
            raise ConfigError(f"device={self.device!r}: expected one of {', '.join(_ACCELERATORS)}")
        devices: int | str = self.devices
        if devices != "auto":
            try:
                devices = int(devices)
            except ValueError:
                raise ConfigError(
                    f"devices={self.devices!r}: expected a number of devices or 'auto'"
                ) from None
        return {
            "accelerator": _ACCELERATORS[self.device],
            "devices": devices,
            "num_nodes": int(self.num_nodes),
            "strategy": self.strategy,
            "precision": self.precision,
        }


@dataclass
class TrainerRun:
    """What one Lightning fit produced (the module itself holds the weights).

    Attributes
    ----------
    history : DataFrame
        The module's ``history`` (one row per epoch); empty when the module keeps none.
    epochs_run : int
        Epochs trained (Lightning's count, also without a history).
    best_epoch : int
        1-based epoch whose weights the module now holds: the checkpointed best one, or the
        last epoch without a checkpoint.
    chosen_on_valid : bool
        Whether ``best_epoch`` was chosen on the validation data (a checkpoint was kept).
    seconds : float
        Wall-clock time of ``trainer.fit``.
    device : str
        Where training ran, e.g. 'cpu' or 'cuda x2'.
    trainer : lightning.Trainer or None
        The trainer that ran (for callers that need more of its state); None for a fit that
        finished before its run was resumed.
    """

    history: pd.DataFrame
    epochs_run: int
    best_epoch: int
    chosen_on_valid: bool
    seconds: float
    device: str
    trainer: L.Trainer | None


class EarlyStoppingAfter(EarlyStopping):
    """Lightning's early stopping, which cannot end training before ``min_steps`` optimiser
    steps.

    Patience is counted as usual (epochs since the best one), so once ``min_steps`` is reached
    training stops only if the last ``patience`` epochs brought no improvement. (Lightning's own
    ``Trainer(min_steps=...)`` instead keeps a stop that was signalled earlier and ends training
    at ``min_steps`` even right after an improvement.) On a small training set the first
    epochs are a handful of steps each, and a noisy validation part can look worse for a few
    of them while the network is still far from fitted.

    Parameters
    ----------
    min_steps : int
        0: plain early stopping.
    **kwargs
        ``monitor``, ``mode``, ``patience``, ... of ``EarlyStopping``.
    """

    def __init__(self, min_steps: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_steps = min_steps

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        before = trainer.should_stop
        super().on_validation_end(trainer, pl_module)
        self._hold(trainer, before)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        before = trainer.should_stop
        super().on_train_epoch_end(trainer, pl_module)
        self._hold(trainer, before)

    def _hold(self, trainer: Any, before: bool) -> None:
        if trainer.global_step < self.min_steps:
            trainer.should_stop = before


class ReleaseProcessGroup(Callback):
    """Destroy the process group in each spawned worker (``ddp_spawn``) once fitting ends.

    Lightning leaves it to the interpreter's exit, where tearing down gloo's threads can abort
    the worker ("terminate called without an active exception", SIGABRT) after training
    finished, which loses the run. Nothing collective runs after ``teardown`` in a worker,
    which exits next. Processes that live on (plain ``ddp`` ranks) keep their group for
    later fits.
    """

    def teardown(self, trainer: Any, pl_module: Any, stage: str) -> None:
        import multiprocessing

        import torch.distributed as dist

        spawned = multiprocessing.parent_process() is not None
        if spawned and trainer.world_size > 1 and dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()


class HistoryFile(Callback):
    """Rank zero writes the module's ``history`` (a list of dicts) to ``path`` when fitting ends.

    The file, not the module, carries the history back to the calling process: under
    ``ddp_spawn`` the module trained in another process.

    Parameters
    ----------
    path : str
    """

    def __init__(self, path: str):
        self.path = path

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        history = getattr(pl_module, "history", None)
        if history is not None and trainer.is_global_zero:
            Path(self.path).write_text(json.dumps(list(history)))


def progress_enabled() -> bool:
    """Progress bars only on an interactive terminal and unless BIODL_QUIET is set."""
    return sys.stderr.isatty() and not os.environ.get("BIODL_QUIET")


def build_trainer(
    options: TrainerOptions,
    *,
    max_epochs: int,
    callbacks: list[Any] | None = None,
    grad_clip: float = 0.0,
    progress: bool = False,
    refresh_rate: int = 1,
    checkpointing: bool = False,
    manual_optimization: bool = False,
    root_dir: str | None = None,
) -> L.Trainer:
    """A ``lightning.Trainer`` with biodl's settings: no logger, no model summary, no sanity
    validation, and the device options of ``options``.

    Parameters
    ----------
    options : TrainerOptions
    max_epochs : int
    callbacks : list of lightning Callback, optional
    grad_clip : float, default 0.0
        Clip the gradient norm to this value (0: no clipping). Ignored with
        ``manual_optimization``, where the module clips (Lightning refuses it there).
    progress : bool, default False
        Show a progress bar, refreshed every ``refresh_rate`` steps.
    refresh_rate : int, default 1
    checkpointing : bool, default False
        Whether a ``ModelCheckpoint`` is among the callbacks.
    manual_optimization : bool, default False
        The module sets ``automatic_optimization = False``.
    root_dir : str, optional
        Lightning's working folder (checkpoints).
    """
    import lightning as L

    callbacks = list(callbacks or [])
    if progress:
        from lightning.pytorch.callbacks import TQDMProgressBar

        callbacks.append(TQDMProgressBar(refresh_rate=max(1, refresh_rate)))
    clip = None if manual_optimization else (grad_clip or None)
    return L.Trainer(
        max_epochs=max_epochs,
        **options.trainer_arguments(),
        gradient_clip_val=clip,
        callbacks=callbacks,
        logger=False,
        enable_checkpointing=checkpointing,
        enable_progress_bar=progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        deterministic=False,
        default_root_dir=root_dir,
    )


def run_fit(
    module: L.LightningModule,
    train_loader: Any,
    valid_loader: Any = None,
    *,
    max_epochs: int,
    options: TrainerOptions | None = None,
    monitor: tuple[str, str] | None = None,
    patience: int = 0,
    min_steps: int = 0,
    grad_clip: float = 0.0,
    progress: bool | None = None,
    callbacks: list[Any] | None = None,
) -> TrainerRun:
    """Fit ``module`` with Lightning; Ctrl-C and SIGTERM raise :class:`RunInterrupted`.

    Parameters
    ----------
    module : LightningModule
        Any module, with automatic or manual optimisation (any number of optimisers). Its
        ``history`` (a list of dicts, one per epoch), when it keeps one, is returned.
    train_loader, valid_loader : DataLoader
        ``valid_loader`` may be None (no validation).
    max_epochs : int
    options : TrainerOptions, optional
        Device, precision, strategy, devices, nodes; default: ``TrainerOptions()``.
    monitor : (key, 'min' | 'max'), optional
        With a ``valid_loader``: keep the weights of the epoch with the best logged ``key``
        (they are loaded back into ``module``), and stop early after ``patience`` epochs
        without improvement (``patience`` 0: never).
    patience : int, default 0
    min_steps : int, default 0
        Early stopping does not end training before this many optimiser steps.
    grad_clip : float, default 0.0
        Gradient-norm clipping under automatic optimisation (0: none).
    progress : bool, optional
        Show a progress bar; default: only on an interactive terminal, unless BIODL_QUIET.
    callbacks : list of lightning Callback, optional
        Extra callbacks (e.g. a tuning trial's pruning callback).

    Returns
    -------
    TrainerRun

    Raises
    ------
    RunInterrupted
        Ctrl-C (SIGINT) or SIGTERM stopped the fit; nothing of it should be kept.
    TrainingDiverged
        The training loss became NaN or infinite
        (:class:`~biodl.training.callbacks.StopOnNonFinite`).

    Notes
    -----
    Each finished epoch is said in one plain line (:class:`~biodl.training.callbacks.EpochLines`):
    on stderr when it is not a terminal (no progress bar can show there), and in the log file.
    """
    from lightning.pytorch.callbacks import ModelCheckpoint

    options = options or TrainerOptions()
    show = progress_enabled() if progress is None else progress
    slot = next_slot()  # a resumable run's checkpoints of this fit (biodl.training.resume)
    if slot is not None and (facts := slot.finished(module)) is not None:
        return _finished_run(facts)
    workdir = tempfile.TemporaryDirectory(prefix="biodl-fit-")
    try:
        history_file = Path(workdir.name) / "history.json"
        callbacks = [*(callbacks or []), ReleaseProcessGroup(), HistoryFile(str(history_file))]
        watched = monitor[0] if monitor is not None and valid_loader is not None else None
        callbacks += [StopOnNonFinite(), EpochLines(max_epochs, watched, progress)]
        checkpoint = None
        if monitor is not None and valid_loader is not None:
            key, mode = monitor
            checkpoint = ModelCheckpoint(
                dirpath=str(slot.folder) if slot is not None else workdir.name,
                monitor=key,
                mode=mode,
                save_top_k=1,
                save_weights_only=True,
            )
            callbacks.append(checkpoint)
            if patience > 0:
                callbacks.append(
                    EarlyStoppingAfter(min_steps, monitor=key, mode=mode, patience=patience)
                )
        resume = slot.callback() if slot is not None else None  # last: sees the others' state
        callbacks += [resume] if resume is not None else []
        with quiet_lightning():
            trainer = build_trainer(
                options,
                max_epochs=max_epochs,
                callbacks=callbacks,
                grad_clip=grad_clip,
                progress=show,
                refresh_rate=len(train_loader) // 20,
                checkpointing=checkpoint is not None or resume is not None,
                manual_optimization=not module.automatic_optimization,
                root_dir=workdir.name,
            )
            ckpt_path = slot.resume_from() if slot is not None else None
            seconds = _fit(trainer, module, train_loader, valid_loader, ckpt_path)
            seconds += resume.seconds_before if resume is not None else 0.0
        history = pd.DataFrame(
            json.loads(history_file.read_text()) if history_file.exists() else []
        )
        # The history counts epochs in every process; under ddp_spawn the trainer here is not
        # the one that trained, and its epoch counter stays at 0.
        epochs_run = len(history) or int(trainer.current_epoch)
        best_epoch = epochs_run
        best = checkpoint.best_model_path if checkpoint is not None else ""
        # Under ddp rank 0 saved the checkpoint, maybe on another machine: the other ranks,
        # which write nothing (biodl.training.ranks), load it only where they can see it.
        if best and (trainer.is_global_zero or Path(best).is_file()):
            state = torch.load(best, map_location="cpu", weights_only=True)
            module.load_state_dict(state["state_dict"])
            best_epoch = _epoch_of(best, default=best_epoch)
        if best and trainer.world_size > 1:  # (a no-op without a process group: ddp_spawn)
            trainer.strategy.barrier()  # rank 0 removes its folder once every rank has read
    finally:
        workdir.cleanup()
    device = str(trainer.strategy.root_device.type)
    if trainer.world_size > 1:  # devices per node times nodes
        device += f" x{trainer.world_size}"
    run = TrainerRun(
        history=history,
        epochs_run=epochs_run,
        best_epoch=best_epoch,
        chosen_on_valid=checkpoint is not None,
        seconds=seconds,
        device=device,
        trainer=trainer,
    )
    if slot is not None:
        slot.finish(module, _facts_of(run))
    return run


def _facts_of(run: TrainerRun) -> dict[str, Any]:
    """A finished fit's facts, kept by its checkpoint slot (tensors, numbers and text only)."""
    return {
        "history": run.history.to_dict(orient="records"),
        "epochs_run": run.epochs_run,
        "best_epoch": run.best_epoch,
        "chosen_on_valid": run.chosen_on_valid,
        "seconds": run.seconds,
        "device": run.device,
    }


def _finished_run(facts: dict[str, Any]) -> TrainerRun:
    """The :class:`TrainerRun` of a fit that finished before its run was resumed."""
    return TrainerRun(
        history=pd.DataFrame(facts["history"]),
        epochs_run=int(facts["epochs_run"]),
        best_epoch=int(facts["best_epoch"]),
        chosen_on_valid=bool(facts["chosen_on_valid"]),
        seconds=float(facts["seconds"]),
        device=str(facts["device"]),
        trainer=None,
    )


def _fit(
    trainer: L.Trainer,
    module: Any,
    train_loader: Any,
    valid_loader: Any,
    ckpt_path: str | None = None,
) -> float:
    """``trainer.fit`` (from ``ckpt_path`` when resuming), timed; an interrupted fit raises
    :class:`RunInterrupted`."""
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    start = time.perf_counter()
    sigint = signal.getsignal(signal.SIGINT)
    try:
        trainer.fit(module, train_loader, valid_loader, ckpt_path=ckpt_path, weights_only=True)
    except SystemExit as stop:
        # Lightning leaves Ctrl-C ignored after an interrupt; give the caller it back.
        signal.signal(signal.SIGINT, sigint)
        # Lightning turns Ctrl-C into sys.exit(1) and SIGTERM into an exit with code 0;
        # either way the run did not finish and must not look finished.
        if trainer.interrupted or isinstance(stop, SIGTERMException):
            signum = signal.SIGTERM if isinstance(stop, SIGTERMException) else signal.SIGINT
            raise RunInterrupted(int(signum)) from None
        raise
    return time.perf_counter() - start


def _epoch_of(path: str, default: int) -> int:
    """ModelCheckpoint names files 'epoch=E-step=S.ckpt' with a 0-based E."""
    name = Path(path).stem
    try:
        return int(name.split("epoch=")[1].split("-")[0]) + 1
    except (IndexError, ValueError):
        return default


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Keep Lightning's start-up chatter (GPU/TPU availability, tips) off the terminal: its
    messages go to the run's log (:class:`biodl.run_log.LogHandler`; dropped outside a run);
    its warnings reach the run's log like every warning, and a few known ones are ignored."""
    names = [
        "lightning.pytorch.utilities.rank_zero",
        "lightning.pytorch.accelerators.cuda",
        "lightning.fabric.utilities.rank_zero",
    ]
    loggers = [logging.getLogger(n) for n in names]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    handler = LogHandler()
    for lg in loggers:
        lg.setLevel(logging.INFO)
        lg.propagate = False
        lg.addHandler(handler)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*number of training batches.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*LeafSpec.*")
        warnings.filterwarnings("ignore", message=".*validation_step.*val_dataloader.*")
        try:
            yield
        finally:
            for lg, (level, propagate) in zip(loggers, saved, strict=True):
                lg.removeHandler(handler)
                lg.setLevel(level)
                lg.propagate = propagate
