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
    params: Iterable[torch.nn.Parameter] | Iterable[dict[str, Any]],
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


def parameter_groups(
    network: torch.nn.Module, *, lr: float, body_lr_factor: float = 1.0, train_body: bool = True
) -> list[dict[str, Any]]:
    """Optimiser parameter groups: the model's ``head`` at ``lr``, the rest (the body) at
    ``lr * body_lr_factor``, or left out when ``train_body`` is False (feature extraction).

    ``network`` is a wrapper whose ``.model`` has a ``head`` (or such a model itself). One group
    is returned when nothing distinguishes head and body. The head group comes first, so
    ``param_groups[0]['lr']`` is the learning rate that was asked for.

    Examples
    --------
    >>> net = torch.nn.Sequential()
    >>> net.add_module("body", torch.nn.Linear(3, 3)); net.add_module("head", torch.nn.Linear(3, 1))
    >>> [round(g["lr"], 4) for g in parameter_groups(net, lr=0.01, body_lr_factor=0.1)]
    [0.01, 0.001]
    """
    model = getattr(network, "model", network)
    head = getattr(model, "head", None)
    if not isinstance(head, torch.nn.Module) or (train_body and body_lr_factor == 1.0):
        return [{"params": list(network.parameters()), "lr": lr}]
    head_ids = {id(p) for p in head.parameters()}
    groups = [{"params": list(head.parameters()), "lr": lr, "name": "head"}]
    if train_body:
        body = [p for p in network.parameters() if id(p) not in head_ids]
        groups.append({"params": body, "lr": lr * body_lr_factor, "name": "body"})
    return groups


def make_scheduler(
    optimizer: torch.optim.Optimizer, name: str, *, epochs: int, total_steps: int = 0
) -> dict[str, Any] | None:
    """A Lightning ``lr_scheduler`` config, or None for 'none'.

    Every schedule steps once per epoch except 'onecycle', which steps once per optimiser
    step over ``total_steps`` (all ``epochs``; at least 1).

    Examples
    --------
    >>> opt = torch.optim.AdamW(torch.nn.Linear(2, 1).parameters(), lr=0.01)
    >>> make_scheduler(opt, "onecycle", epochs=2, total_steps=10)["interval"]
    'step'
    """
    sched: Any
    if name == "none":
        return None
    if name == "onecycle":
        max_lr = [group["lr"] for group in optimizer.param_groups]
        sched = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=max_lr, total_steps=max(1, total_steps)
        )
        return {"scheduler": sched, "interval": "step"}
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


def lightning_optimizers(
    groups: Iterable[dict[str, Any]],
    trainer: Any,
    *,
    optimizer: str,
    lr: float,
    momentum: float,
    nesterov: bool,
    weight_decay: float,
    scheduler: str,
    epochs: int,
) -> Any:
    """What a LightningModule's ``configure_optimizers`` returns: the optimiser and schedule.

    Parameters
    ----------
    groups : iterable of dict
        Parameter groups (see :func:`parameter_groups`).
    trainer : lightning.Trainer
        Its ``estimated_stepping_batches`` (epochs x batches per epoch) sizes ``onecycle``.
    optimizer, lr, momentum, nesterov, weight_decay
        See :func:`make_optimizer`.
    scheduler : str
    epochs : int
        See :func:`make_scheduler`.

    Returns
    -------
    torch.optim.Optimizer or dict
        The optimiser alone without a schedule, else Lightning's ``{"optimizer",
        "lr_scheduler"}``.
    """
    made = make_optimizer(
        list(groups),
        optimizer,
        lr=lr,
        momentum=momentum,
        nesterov=nesterov,
        weight_decay=weight_decay,
    )
    total = int(trainer.estimated_stepping_batches) if scheduler == "onecycle" else 0
    schedule = make_scheduler(made, scheduler, epochs=epochs, total_steps=total)
    if schedule is None:
        return made
    return {"optimizer": made, "lr_scheduler": schedule}
