"""Fit a network with Lightning: trainer, early stopping, best-weights checkpoint, history.

Examples
--------
See :func:`biodl.train` for the whole workflow; this module is the training step of it.
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
from typing import Any

import numpy as np
import pandas as pd
import torch
from lightning.pytorch.callbacks import Callback
from torch import nn
from torch.utils.data import Dataset

from biodl.config import TrainConfig
from biodl.data.dataset import loader
from biodl.data.targets import TaskName
from biodl.errors import DataWarning, RunInterrupted
from biodl.evaluate.metrics import METRIC_DIRECTION
from biodl.training.losses import make_loss
from biodl.training.task import SupervisedTask


@dataclass
class FitResult:
    """What training produced.

    Attributes
    ----------
    network : nn.Module
        With the weights of the best validation epoch (or the last epoch without validation).
    history : DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``valid_loss``, ``valid_<metric>``, ``lr``,
        ``best``.
    best_epoch : int
        1-based epoch whose weights were kept.
    epochs_run : int
    stopped_early : bool
    seconds : float
        Wall-clock training time.
    device : str
        Where training ran, e.g. 'cpu' or 'cuda x2'.
    chosen_on_valid : bool
        Whether ``best_epoch`` was chosen on the validation part (False: the last epoch, for
        want of a validation part of ``MIN_VALID_FOR_STOPPING`` examples).
    """

    network: nn.Module
    history: pd.DataFrame
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    seconds: float
    device: str
    chosen_on_valid: bool = True


#: ``epochs='auto'``: enough epochs for about this many optimiser steps, within AUTO_EPOCHS.
AUTO_STEPS = 1000
AUTO_EPOCHS = (30, 200)
#: Fewer validation examples than this cannot rank epochs: no early stopping or best-epoch
#: selection on them (the full epochs run and the last weights are kept).
MIN_VALID_FOR_STOPPING = 30


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


def batch_size_for(cfg: TrainConfig, n_train: int) -> int:
    """The numeric batch size: 'full' means the whole training split."""
    return n_train if cfg.batch_size == "full" else int(cfg.batch_size)


def epochs_for(cfg: TrainConfig, n_train: int) -> int:
    """The numeric epoch limit: 'auto' gives about ``AUTO_STEPS`` optimiser steps.

    30 epochs of a 100-example training split in batches of 64 are only 60 steps; 'auto'
    trains small data longer (up to 200 epochs) and large data for at least 30 epochs.

    >>> from biodl.config import TrainConfig
    >>> [epochs_for(TrainConfig(), n) for n in (10, 100, 1000, 5000)]
    [200, 200, 63, 30]
    """
    if cfg.epochs != "auto":
        return int(cfg.epochs)
    steps = -(-n_train // max(1, batch_size_for(cfg, n_train)))
    low, high = AUTO_EPOCHS
    return int(np.clip(-(-AUTO_STEPS // max(1, steps)), low, high))


def monitor_key(cfg: TrainConfig) -> tuple[str, str]:
    """The logged key early stopping watches and whether lower ('min') or higher is better."""
    name = cfg.monitor
    return f"valid_{name}", METRIC_DIRECTION.get(name, "max")


def progress_enabled() -> bool:
    """Progress bars only on an interactive terminal and unless BIODL_QUIET is set."""
    return sys.stderr.isatty() and not os.environ.get("BIODL_QUIET")


def fit_network(
    network: nn.Module,
    train: Dataset[Any],
    valid: Dataset[Any] | None,
    *,
    task: TaskName,
    loss: str,
    cfg: TrainConfig,
    class_weights: np.ndarray | None = None,
    target_scale: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool | None = None,
    callbacks: list[Any] | None = None,
) -> FitResult:
    """Train ``network`` on ``train``, early-stopping on ``valid`` when given.

    Parameters
    ----------
    network : nn.Module
        Called as ``network(*batch.inputs)`` (e.g. a :class:`SequenceNetwork`).
    train, valid : Dataset
        Whole-batch datasets with targets (``data[indices] -> batch`` with ``inputs``, ``y``).
    task : str
    loss : str
        Resolved loss name.
    cfg : TrainConfig
        Optimiser, schedule, batch size, epochs, patience, penalties, device options.
    class_weights : ndarray, optional
        From :func:`biodl.training.losses.class_weight_vector`.
    target_scale : (mean, std), optional
        Standardisation of regression targets, to report validation metrics unscaled.
    progress : bool, optional
        Show a progress bar; default: only on an interactive terminal.
    callbacks : list of lightning Callback, optional
        Extra callbacks (e.g. a tuning trial's pruning callback, which sees the logged
        ``valid_loss`` / ``valid_<metric>`` at the end of every validation epoch).
    """
    weights = (
        torch.as_tensor(class_weights, dtype=torch.float32) if class_weights is not None else None
    )
    module = SupervisedTask(
        network,
        loss_fn=make_loss(loss, task, weights),
        loss=loss,
        task=task,
        optimizer=cfg.optimizer,
        lr=cfg.lr,
        momentum=cfg.momentum,
        nesterov=cfg.nesterov,
        weight_decay=cfg.weight_decay,
        scheduler=cfg.scheduler,
        epochs=epochs_for(cfg, len(train)),  # type: ignore[arg-type]
        l1=cfg.l1,
        l2=cfg.l2,
        target_scale=target_scale,
        body_lr_factor=cfg.body_lr_factor if cfg.init_from else 1.0,
        train_body=not (cfg.init_from and cfg.freeze == "body"),
    )
    return fit_module(
        module,
        train,
        valid,
        cfg=cfg,
        monitor=monitor_key(cfg),
        progress=progress,
        callbacks=callbacks,
    )


def fit_module(
    module: Any,
    train: Dataset[Any],
    valid: Dataset[Any] | None,
    *,
    cfg: TrainConfig,
    monitor: tuple[str, str] = ("valid_loss", "min"),
    progress: bool | None = None,
    callbacks: list[Any] | None = None,
) -> FitResult:
    """Run Lightning on any training module: checkpoint of the best epoch, early stopping.

    The module (a ``LightningModule``) must have a ``network`` attribute (what is returned,
    with the best weights) and a ``history_path`` attribute: rank zero writes the per-epoch
    history there as a JSON list of dicts (``epoch``, ``train_loss``, ``valid_loss``, ...), so
    it reaches this process under every strategy. :class:`SupervisedTask` is one such module;
    the autoencoders' training module is another.

    Parameters
    ----------
    module : LightningModule
    train, valid : Dataset
        Whole-batch datasets (see :func:`biodl.data.dataset.loader`).
    cfg : TrainConfig
        Batch size, epochs, patience, gradient clipping, seed, device options.
    monitor : (key, 'min' | 'max'), default ('valid_loss', 'min')
        The logged value early stopping and the checkpoint watch.
    progress : bool, optional
    callbacks : list of lightning Callback, optional
    """
    import lightning as L
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    workdir = tempfile.TemporaryDirectory(prefix="biodl-fit-")
    module.history_path = str(Path(workdir.name) / "history.json")
    show = progress_enabled() if progress is None else progress
    batch_size = batch_size_for(cfg, len(train))  # type: ignore[arg-type]
    train_loader = loader(train, batch_size, shuffle=True, seed=cfg.seed)
    valid_loader = (
        loader(valid, max(batch_size, 256)) if valid is not None and len(valid) else None  # type: ignore[arg-type]
    )
    callbacks = [*(callbacks or []), ReleaseProcessGroup()]
    checkpoint = None
    epochs = epochs_for(cfg, len(train))  # type: ignore[arg-type]
    if valid_loader is not None and len(valid) < MIN_VALID_FOR_STOPPING:  # type: ignore[arg-type]
        if cfg.patience > 0:
            warnings.warn(
                f"only {len(valid)} validation examples: too few to choose the best epoch "  # type: ignore[arg-type]
                f"or stop early on, so all {epochs} epochs run and the last weights are kept; "
                f"use --epochs to set the training length",
                DataWarning,
                stacklevel=2,
            )
    elif valid_loader is not None:
        key, mode = monitor
        checkpoint = ModelCheckpoint(
            dirpath=workdir.name, monitor=key, mode=mode, save_top_k=1, save_weights_only=True
        )
        callbacks.append(checkpoint)
        if cfg.patience > 0:
            callbacks.append(EarlyStopping(monitor=key, mode=mode, patience=cfg.patience))
    accelerator = {"auto": "auto", "cpu": "cpu", "cuda": "gpu"}[cfg.device]
    devices: Any = cfg.devices if cfg.devices == "auto" else int(cfg.devices)
    if show:
        from lightning.pytorch.callbacks import TQDMProgressBar

        callbacks.append(TQDMProgressBar(refresh_rate=max(1, len(train_loader) // 20)))
    with quiet_lightning():
        trainer = L.Trainer(
            max_epochs=epochs,
            accelerator=accelerator,
            devices=devices,
            num_nodes=cfg.num_nodes,
            strategy=cfg.strategy,
            precision=cfg.precision,  # type: ignore[arg-type]
            gradient_clip_val=cfg.grad_clip or None,
            callbacks=callbacks,
            logger=False,
            enable_checkpointing=checkpoint is not None,
            enable_progress_bar=show,
            enable_model_summary=False,
            num_sanity_val_steps=0,
            deterministic=False,
            default_root_dir=workdir.name,
        )
        start = time.perf_counter()
        sigint = signal.getsignal(signal.SIGINT)
        try:
            trainer.fit(module, train_loader, valid_loader)
        except SystemExit as stop:
            # Lightning leaves Ctrl-C ignored after an interrupt; give the caller it back.
            signal.signal(signal.SIGINT, sigint)
            # Lightning turns Ctrl-C into sys.exit(1) and SIGTERM into an exit with code 0;
            # either way the run did not finish and must not look finished.
            if trainer.interrupted or isinstance(stop, SIGTERMException):
                signum = signal.SIGTERM if isinstance(stop, SIGTERMException) else signal.SIGINT
                raise RunInterrupted(int(signum)) from None
            raise
    seconds = time.perf_counter() - start
    best_epoch = trainer.current_epoch
    if checkpoint is not None and checkpoint.best_model_path:
        state = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=True)
        module.load_state_dict(state["state_dict"])
        best_epoch = _epoch_of(checkpoint.best_model_path, default=best_epoch)
    history_file = Path(workdir.name) / "history.json"
    frame = pd.DataFrame(json.loads(history_file.read_text()) if history_file.exists() else [])
    workdir.cleanup()
    epochs_run = len(frame)
    if epochs_run and checkpoint is None:
        best_epoch = epochs_run
    if epochs_run:
        frame["best"] = frame["epoch"] == best_epoch
    stopped = epochs_run < epochs
    device = str(trainer.strategy.root_device.type)
    if trainer.num_devices > 1:
        device += f" x{trainer.num_devices * trainer.num_nodes}"
    return FitResult(
        network=module.network.cpu(),
        history=frame,
        best_epoch=best_epoch,
        epochs_run=epochs_run,
        stopped_early=stopped,
        seconds=seconds,
        device=device,
        chosen_on_valid=checkpoint is not None,
    )


def _epoch_of(path: str, default: int) -> int:
    """ModelCheckpoint names files 'epoch=E-step=S.ckpt' with a 0-based E."""
    name = Path(path).stem
    try:
        return int(name.split("epoch=")[1].split("-")[0]) + 1
    except (IndexError, ValueError):
        return default


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Silence Lightning's start-up chatter (GPU/TPU availability, tips); keep real warnings."""
    names = [
        "lightning.pytorch.utilities.rank_zero",
        "lightning.pytorch.accelerators.cuda",
        "lightning.fabric.utilities.rank_zero",
    ]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*number of training batches.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*LeafSpec.*")
        warnings.filterwarnings("ignore", message=".*validation_step.*val_dataloader.*")
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)
