"""The one LightningModule: any network + a loss + an optimiser, with per-epoch metrics.

The training step does only what a hand-written loop does (forward, loss, optional
penalties); losses are summed on the device and read once per epoch, so Lightning adds no
per-step synchronisation.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import lightning as L
import numpy as np
import torch
from torch import nn

from biodl.data.dataset import batch_size_of, onehot
from biodl.data.targets import TaskName
from biodl.errors import TrainingDiverged
from biodl.evaluation.metrics import compute_metrics
from biodl.training.callbacks import divergence_message
from biodl.training.losses import TaskLoss, to_scores
from biodl.training.optim import lightning_optimizers, parameter_groups


@runtime_checkable
class OwnPenalty(Protocol):
    """A part of a network with its own regularisation, added to the training loss (the CNN's
    ``additive_penalty``)."""

    def loss_penalty(self) -> torch.Tensor | float: ...


class SequenceNetwork(nn.Module):
    """Integer codes -> one-hot -> ``model``. Only ``model`` holds trained weights.

    Parameters
    ----------
    model : nn.Module
        A biodl model: ``model(x: (batch, channels, length), mask) -> (batch, n_outputs)``.
    table : (n_codes, channels) tensor
        The alphabet's one-hot table (a non-persistent buffer: not saved with the weights).
    """

    table: torch.Tensor

    def __init__(self, model: nn.Module, table: torch.Tensor):
        super().__init__()
        self.model = model
        self.register_buffer("table", table, persistent=False)

    def forward(self, codes: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.model(onehot(codes, self.table), mask)


class SupervisedTask(L.LightningModule):
    """Trains a network with a loss, optimiser, schedule and penalties.

    Parameters
    ----------
    network : nn.Module
        Called as ``network(*batch.inputs)``; e.g. a :class:`SequenceNetwork`. Every batch has
        ``inputs`` and ``y`` (see :class:`biodl.data.dataset.TensorBatch`).
    loss_fn : callable
        ``(outputs, targets) -> scalar`` from :func:`biodl.training.losses.make_loss`.
    loss : str
        The resolved loss name (decides how outputs become scores).
    task : str
    optimizer : str
    lr, momentum, weight_decay : float
    nesterov : bool
    scheduler : str
    epochs : int
    l1, l2 : float
        Penalties on weight matrices (parameters with more than one dimension). Parts of the
        network with a ``loss_penalty()`` (:class:`OwnPenalty`, e.g. the CNN's
        ``additive_penalty``) add it to the training loss as well.
    target_scale : (mean, std) arrays, optional
        Regression targets are standardised for training; validation metrics are reported
        on the original scale.
    body_lr_factor : float, default 1.0
        Transfer learning: the body (everything outside ``network.model.head``) learns at
        ``lr * body_lr_factor``.
    train_body : bool, default True
        False leaves the body out of the optimiser (feature extraction).
    """

    def __init__(
        self,
        network: nn.Module,
        *,
        loss_fn: TaskLoss,
        loss: str,
        task: TaskName,
        optimizer: str = "adam",
        lr: float = 1e-3,
        momentum: float = 0.9,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        scheduler: str = "none",
        epochs: int = 1,
        l1: float = 0.0,
        l2: float = 0.0,
        target_scale: tuple[np.ndarray, np.ndarray] | None = None,
        body_lr_factor: float = 1.0,
        train_body: bool = True,
    ):
        super().__init__()
        self.network = network
        self.loss_fn = loss_fn
        self.loss_name = loss
        self.task_name = task
        self.optimizer_name = optimizer
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self.scheduler_name = scheduler
        self.epochs = epochs
        self.l1 = l1
        self.l2 = l2
        self.target_scale = target_scale
        self.body_lr_factor = body_lr_factor
        self.train_body = train_body
        self._penalised = [p for p in network.parameters() if p.ndim > 1]
        self._own_penalties = [m for m in network.modules() if isinstance(m, OwnPenalty)]
        self._train_sum = torch.zeros(())
        self._train_count = 0
        self._valid_outputs: list[torch.Tensor] = []
        self._valid_targets: list[torch.Tensor] = []
        self._valid_logs: dict[str, float] = {}
        #: One dict per epoch: epoch, train_loss, valid_loss, valid_<metric>, lr (the
        #: training path carries it back from every process: see biodl.training.trainer).
        self.history: list[dict[str, float]] = []

    def forward(self, *inputs: torch.Tensor | None) -> torch.Tensor:
        return self.network(*inputs)

    def _penalty(self) -> torch.Tensor | float:
        total: torch.Tensor | float = 0.0
        if self.l1:
            total = total + self.l1 * sum(p.abs().sum() for p in self._penalised)
        if self.l2:
            total = total + self.l2 * sum(p.pow(2).sum() for p in self._penalised)
        return total

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        out = self.network(*batch.inputs)
        assert batch.y is not None
        loss = self.loss_fn(out, batch.y)
        n = batch_size_of(batch)
        self._train_sum = self._train_sum.to(loss.device) + loss.detach() * n
        self._train_count += n
        if self.l1 or self.l2:
            loss = loss + self._penalty()
        for part in self._own_penalties:  # a model's own regularisation (CNN additive_penalty)
            loss = loss + part.loss_penalty()
        return loss

    def on_train_epoch_end(self) -> None:
        mean = self._train_sum / max(self._train_count, 1)
        self.log("train_loss", mean, prog_bar=True, sync_dist=True)
        self._train_sum = torch.zeros((), device=mean.device)
        self._train_count = 0
        lr = self.trainer.optimizers[0].param_groups[0]["lr"] if self.trainer.optimizers else 0.0
        row = {"epoch": self.current_epoch + 1, "train_loss": float(mean), "lr": float(lr)}
        row.update(self._valid_logs)
        self.history.append(row)
        self._valid_logs = {}

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self._valid_outputs.append(self.network(*batch.inputs).float())
        assert batch.y is not None
        self._valid_targets.append(batch.y)

    def on_validation_epoch_end(self) -> None:
        if not self._valid_outputs:
            return
        outputs = torch.cat(self._valid_outputs)
        targets = torch.cat(self._valid_targets)
        self._valid_outputs.clear()
        self._valid_targets.clear()
        if not bool(torch.isfinite(outputs).all()):  # before the metrics, which refuse them
            lr = (
                self.trainer.optimizers[0].param_groups[0]["lr"]
                if self.trainer.optimizers
                else None
            )
            what = "the network's outputs on the validation part became NaN or infinite"
            step = "end"
            raise TrainingDiverged(
                divergence_message(what, epoch=self.current_epoch + 1, step=step, lr=lr)
            )
        logs: dict[str, Any] = {"valid_loss": self.loss_fn(outputs, targets)}
        scores = to_scores(outputs, self.loss_name, self.task_name).cpu().numpy()
        y = targets.cpu().numpy()
        if self.target_scale is not None:
            mean, std = self.target_scale
            scores, y = scores * std + mean, y * std + mean
        metrics = compute_metrics(self.task_name, y, scores)
        logs.update({f"valid_{k}": float(v) for k, v in metrics.items() if np.isfinite(v)})
        self.log_dict(logs, prog_bar=False, sync_dist=True)
        self._valid_logs = {k: float(v) for k, v in logs.items()}

    def configure_optimizers(self) -> Any:
        groups = parameter_groups(
            self.network, lr=self.lr, body_lr_factor=self.body_lr_factor, train_body=self.train_body
        )
        return lightning_optimizers(
            groups,
            self.trainer,
            optimizer=self.optimizer_name,
            lr=self.lr,
            momentum=self.momentum,
            nesterov=self.nesterov,
            weight_decay=self.weight_decay,
            scheduler=self.scheduler_name,
            epochs=self.epochs,
        )
