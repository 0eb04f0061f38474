"""Saliency maps for image models: vanilla gradients and integrated gradients, in plain torch.

Examples
--------
>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
>>> maps = saliency(net, torch.rand(3, 1, 4, 4), torch.tensor([0, 1, 1]))
>>> tuple(maps.shape)
(3, 4, 4)
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

__all__ = ["SaliencyMethod", "integrated_gradients", "saliency"]

SaliencyMethod = Literal["gradient", "integrated_gradients"]


def _grad(model: nn.Module, x: Tensor, target: Tensor) -> Tensor:
    x = x.detach().requires_grad_(True)
    out = model(x)
    picked = out[:, 0] if out.shape[1] == 1 else out.gather(1, target.view(-1, 1))[:, 0]
    (grad,) = torch.autograd.grad(picked.sum(), x)
    return grad


def integrated_gradients(
    model: nn.Module, x: Tensor, target: Tensor, *, steps: int = 32, baseline: Tensor | None = None
) -> Tensor:
    """Integrated gradients (Sundararajan et al. 2017) from a black (zero) baseline.

    Parameters
    ----------
    model : nn.Module
        Maps ``(batch, c, h, w)`` to ``(batch, k)`` outputs; put it in eval mode first.
    x : Tensor (batch, c, h, w)
    target : Tensor (batch,) int64
        Output column to explain (ignored for a single-output model).
    steps : int, default 32
        Riemann steps along the straight path from the baseline to ``x``.
    baseline : Tensor, optional
        Same shape as ``x``; zeros by default.

    Returns
    -------
    Tensor (batch, c, h, w)
        Attributions; they sum (approximately) to ``output(x) - output(baseline)``.
    """
    base = torch.zeros_like(x) if baseline is None else baseline
    total = torch.zeros_like(x)
    for alpha in (torch.arange(steps, dtype=x.dtype) + 0.5) / steps:
        total += _grad(model, base + alpha * (x - base), target)
    return (x - base) * total / steps


def saliency(
    model: nn.Module, x: Tensor, target: Tensor, *, method: SaliencyMethod = "gradient"
) -> Tensor:
    """One importance value per pixel: absolute attribution, maximum over channels.

    Parameters
    ----------
    model : nn.Module
    x : Tensor (batch, c, h, w)
    target : Tensor (batch,) int64
    method : {"gradient", "integrated_gradients"}, default "gradient"
        Vanilla gradient of the target output (Simonyan et al. 2014) or integrated gradients.

    Returns
    -------
    Tensor (batch, h, w)
        Non-negative maps.
    """
    was_training = model.training
    model.eval()
    try:
        if method == "gradient":
            attribution = _grad(model, x, target)
        else:
            attribution = integrated_gradients(model, x, target)
    finally:
        model.train(was_training)
    return attribution.abs().amax(dim=1)
