"""Fit a network on a supervised task: loss, optimiser, epochs, early stopping, history.

Examples
--------
See :func:`biodl.train` for the whole workflow; this module is the training step of it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import Dataset

from biodl.config import TrainConfig
from biodl.data.dataset import loader
from biodl.data.targets import TaskName
from biodl.errors import DataWarning
from biodl.evaluation.metrics import METRIC_DIRECTION, resolve_monitor
from biodl.training.losses import make_loss
from biodl.training.task import SupervisedTask
from biodl.training.trainer import TrainerOptions, run_fit


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
#: ``epochs='auto'``: the floor of AUTO_EPOCHS gives way where it would exceed this many steps
#: (large data: 30 passes over 477,854 GB1 variants are about 224,000 steps, over two hours on
#: two CPU cores); at least one epoch.
AUTO_MAX_STEPS = 20_000
#: Fewer validation examples than this cannot rank epochs: no early stopping or best-epoch
#: selection on them (the full epochs run and the last weights are kept).
MIN_VALID_FOR_STOPPING = 30


def batch_size_for(cfg: TrainConfig, n_train: int) -> int:
    """The numeric batch size: 'full' means the whole training split."""
    return n_train if cfg.batch_size == "full" else int(cfg.batch_size)


def epochs_for(cfg: TrainConfig, n_train: int) -> int:
    """The numeric epoch limit: 'auto' gives about ``AUTO_STEPS`` optimiser steps.

    30 epochs of a 100-example training split in batches of 64 are only 60 steps; 'auto'
    trains small data longer (up to 200 epochs) and larger data for at least 30 epochs, unless
    those exceed ``AUTO_MAX_STEPS`` steps: very large data gets the epochs that make them.

    >>> from biodl.config import TrainConfig
    >>> [epochs_for(TrainConfig(), n) for n in (10, 100, 1000, 5000, 100_000, 500_000)]
    [200, 200, 63, 30, 13, 3]
    """
    if cfg.epochs != "auto":
        return int(cfg.epochs)
    steps = -(-n_train // max(1, batch_size_for(cfg, n_train)))
    low, high = AUTO_EPOCHS
    low = max(1, min(low, -(-AUTO_MAX_STEPS // max(1, steps))))
    return int(np.clip(-(-AUTO_STEPS // max(1, steps)), low, high))


def monitor_key(cfg: TrainConfig, task: TaskName) -> tuple[str, str]:
    """The logged key early stopping watches and whether lower ('min') or higher is better.

    ``auto`` is resolved for ``task`` (AUROC for binary classification, else the loss). Among
    epochs with equal values the earliest is kept: the checkpoint and early stopping count
    only a strict improvement, which matters for AUROC on small validation parts (ties).

    >>> from biodl.config import TrainConfig
    >>> monitor_key(TrainConfig(), "binary"), monitor_key(TrainConfig(), "regression")
    (('valid_auroc', 'max'), ('valid_loss', 'min'))
    """
    name = resolve_monitor(cfg.monitor, task)
    return f"valid_{name}", METRIC_DIRECTION.get(name, "max")


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
    masked: bool = False,
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
    masked : bool, default False
        Targets hold missing labels (NaN): the loss averages the observed entries only.
    """
    weights = (
        torch.as_tensor(class_weights, dtype=torch.float32) if class_weights is not None else None
    )
    module = SupervisedTask(
        network,
        loss_fn=make_loss(loss, task, weights, masked=masked),
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
        monitor=monitor_key(cfg, task),
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
    """Train a network's module on whole-batch datasets: best-epoch checkpoint, early stopping.

    The module (a ``LightningModule``) must have a ``network`` attribute (what is returned,
    with the best weights) and keep a ``history``: a list of dicts, one per epoch (``epoch``,
    ``train_loss``, ``valid_loss``, ...). :class:`SupervisedTask` is one such module. Training
    itself runs on the one Lightning path, :func:`biodl.training.trainer.run_fit`.

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

    Raises
    ------
    RunInterrupted
        Ctrl-C or SIGTERM stopped training.
    """
    batch_size = batch_size_for(cfg, len(train))  # type: ignore[arg-type]
    train_loader = loader(train, batch_size, shuffle=True, seed=cfg.seed)
    n_valid = len(valid) if valid is not None else 0  # type: ignore[arg-type]
    valid_loader = loader(valid, max(batch_size, 256)) if valid is not None and n_valid else None
    epochs = epochs_for(cfg, len(train))  # type: ignore[arg-type]
    watch: tuple[str, str] | None = monitor
    if valid_loader is not None and n_valid < MIN_VALID_FOR_STOPPING:
        watch = None
        if cfg.patience > 0:
            warnings.warn(
                f"only {n_valid} validation examples: too few to choose the best epoch "
                f"or stop early on, so all {epochs} epochs run and the last weights are kept; "
                f"use --epochs to set the training length",
                DataWarning,
                stacklevel=2,
            )
    run = run_fit(
        module,
        train_loader,
        valid_loader,
        max_epochs=epochs,
        options=TrainerOptions.from_config(cfg),
        monitor=watch,
        patience=cfg.patience,
        min_steps=cfg.min_steps if watch is not None else 0,
        grad_clip=cfg.grad_clip,
        progress=progress,
        callbacks=callbacks,
    )
    frame = run.history
    if len(frame):
        frame["best"] = frame["epoch"] == run.best_epoch
    return FitResult(
        network=module.network.cpu(),
        history=frame,
        best_epoch=run.best_epoch,
        epochs_run=run.epochs_run,
        stopped_early=run.epochs_run < epochs,
        seconds=run.seconds,
        device=run.device,
        chosen_on_valid=run.chosen_on_valid,
    )
