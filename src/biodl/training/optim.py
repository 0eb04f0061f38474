"""Optimisers and learning-rate schedules by name.

Examples
--------
>>> import torch
>>> net = torch.nn.Linear(3, 1)
>>> type(make_optimizer(net.parameters(), "sgd", lr=0.1, momentum=0.9, nesterov=True)).__name__
'SGD'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "adagrad": torch.optim.Adagrad,
    "adadelta": torch.optim.Adadelta,
}


def make_optimizer(
    params: Iterable[torch.nn.Parameter],
    name: str,
    *,
    lr: float,
    momentum: float = 0.9,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> torch.optim.Optimizer:
    """Build optimiser ``name`` with the options that apply to it.

    ``momentum`` applies to SGD and RMSprop; ``nesterov`` to SGD (it needs momentum > 0).
    """
    kwargs: dict[str, Any] = {"lr": lr, "weight_decay": weight_decay}
    if name == "sgd":
        kwargs.update(momentum=momentum, nesterov=nesterov and momentum > 0)
    elif name == "rmsprop":
        kwargs.update(momentum=momentum)
    return OPTIMIZERS[name](params, **kwargs)


def make_scheduler(
    optimizer: torch.optim.Optimizer, name: str, *, epochs: int
) -> dict[str, Any] | None:
    """A Lightning ``lr_scheduler`` config stepping once per epoch, or None for 'none'."""
    sched: Any
    if name == "none":
        return None
    if name == "step":
        sched = torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)
    elif name == "exponential":
        sched = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
    elif name == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs))
    elif name == "plateau":
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.1, patience=2)
        return {"scheduler": sched, "interval": "epoch", "monitor": "valid_loss", "strict": False}
    else:
        raise ValueError(name)
    return {"scheduler": sched, "interval": "epoch"}
