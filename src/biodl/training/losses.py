"""Loss functions by name, and how a network's raw outputs become scores.

Examples
--------
>>> resolve_loss("auto", "multiclass")
'cross_entropy'
>>> output_size("bce", "binary", n_classes=2)
1
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from biodl.errors import ConfigError

#: Which losses fit which task; the first is the default ('auto').
TASK_LOSSES: dict[str, tuple[str, ...]] = {
    "binary": ("bce", "cross_entropy"),
    "multiclass": ("cross_entropy",),
    "multilabel": ("bce",),
    "regression": ("mse", "l2", "l1", "huber"),
}


def resolve_loss(name: str, task: str) -> str:
    """The loss to use for ``task``: ``name`` checked against the task, or the default.

    Raises
    ------
    ConfigError
        If the loss does not fit the task.
    """
    allowed = TASK_LOSSES[task]
    if name == "auto":
        return allowed[0]
    if name not in allowed:
        raise ConfigError(
            f"--loss {name} does not fit a {task} task; use one of: {', '.join(allowed)}"
        )
    return "mse" if name == "l2" else name


def output_size(loss: str, task: str, *, n_classes: int) -> int:
    """Number of network outputs: one logit for binary BCE, else one per class/label/target."""
    if task == "binary" and loss == "bce":
        return 1
    return n_classes


def class_weight_vector(y: np.ndarray, task: str) -> np.ndarray:
    """'Balanced' weights from training targets: n / (K * count) per class, or neg/pos per label.

    For binary BCE the single value is the positive-class weight (``pos_weight``). Multilabel
    targets with missing labels (NaN) count each label's observed entries only.
    """
    if task == "multiclass" or task == "binary":
        counts = np.bincount(y, minlength=int(y.max()) + 1).astype(np.float64)
        return len(y) / (len(counts) * np.maximum(counts, 1))
    if y.dtype.kind == "f" and np.isnan(y).any():
        positives = np.nansum(y, axis=0)
        return (np.isfinite(y).sum(axis=0) - positives) / np.maximum(positives, 1)
    positives = y.sum(axis=0).astype(np.float64)
    return (len(y) - positives) / np.maximum(positives, 1)


def has_missing(y: np.ndarray | None) -> bool:
    """Whether targets hold missing labels (NaN; several label columns only)."""
    return y is not None and y.dtype.kind == "f" and bool(np.isnan(y).any())


class TaskLoss(nn.Module):
    """A loss by name as a module: ``loss(outputs, targets) -> scalar``.

    A module (not a closure) so that it moves to the device with the network, carries its class
    weights as a buffer, and pickles for multi-process strategies (DDP spawn).

    Parameters
    ----------
    loss : str
        A resolved loss name (see :func:`resolve_loss`).
    task : str
    weights : tensor, optional
        From :func:`class_weight_vector`: class weights for cross-entropy, or (K,) positive
        weights for multilabel BCE; for binary BCE the positive weight is
        ``weights[1] / weights[0]``.
    masked : bool, default False
        Targets may hold NaN (missing labels of multilabel or multi-target regression): the
        loss is then the mean over the observed entries only (0 for a batch with none).
    """

    weights: torch.Tensor | None

    def __init__(
        self,
        loss: str,
        task: str,
        weights: torch.Tensor | None = None,
        *,
        masked: bool = False,
    ):
        super().__init__()
        self.masked = masked
        if loss not in ("cross_entropy", "bce", "mse", "l1", "huber"):
            raise ConfigError(f"unknown loss {loss!r}")
        self.loss = loss
        self.task = task
        if weights is not None and loss == "bce" and task == "binary":
            weights = (weights[1] / weights[0]).reshape(1)
        self.register_buffer("weights", weights, persistent=False)

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.masked:
            return self._masked(out, y)
        if self.loss == "cross_entropy":
            return F.cross_entropy(out, y, weight=self.weights)
        if self.loss == "bce":
            logits = out[:, 0] if self.task == "binary" else out
            return F.binary_cross_entropy_with_logits(
                logits, y.to(out.dtype), pos_weight=self.weights
            )
        if self.loss == "mse":
            return F.mse_loss(out, y)
        if self.loss == "l1":
            return F.l1_loss(out, y)
        return F.huber_loss(out, y)

    def _masked(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean of the element-wise loss over the observed (non-NaN) targets."""
        observed = ~torch.isnan(y)
        target = torch.where(observed, y, torch.zeros_like(y)).to(out.dtype)
        if self.loss == "bce":
            each = F.binary_cross_entropy_with_logits(
                out, target, pos_weight=self.weights, reduction="none"
            )
        elif self.loss == "mse":
            each = F.mse_loss(out, target, reduction="none")
        elif self.loss == "l1":
            each = F.l1_loss(out, target, reduction="none")
        else:
            each = F.huber_loss(out, target, reduction="none")
        weight = observed.to(out.dtype)
        return (each * weight).sum() / weight.sum().clamp(min=1.0)


def make_loss(
    loss: str, task: str, weights: torch.Tensor | None = None, *, masked: bool = False
) -> TaskLoss:
    """The loss module for ``loss`` and ``task`` (see :class:`TaskLoss`)."""
    return TaskLoss(loss, task, weights, masked=masked)


def to_scores(outputs: torch.Tensor, loss: str, task: str) -> torch.Tensor:
    """Raw outputs -> scores in the task layout (probabilities, or predictions for regression).

    Binary BCE's single logit becomes two columns ``[1 - p, p]``.
    """
    if task == "regression":
        return outputs
    if loss == "cross_entropy":
        return torch.softmax(outputs, dim=1)
    p = torch.sigmoid(outputs)
    if task == "binary":
        return torch.cat([1 - p, p], dim=1)
    return p
