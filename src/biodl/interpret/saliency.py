"""Saliency maps for image models: one importance value per pixel, from the shared attributions.

A thin layer over :mod:`biodl.interpret.attribution` for ``(batch, c, h, w)`` inputs of a
network called as ``model(x)``: the report's saliency figure uses it.

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

from torch import Tensor, nn

from biodl.interpret import attribution

__all__ = ["SaliencyMethod", "integrated_gradients", "saliency"]

SaliencyMethod = Literal["gradient", "integrated_gradients"]


def _forward(model: nn.Module) -> attribution.Forward:
    def forward(x: Tensor, rows: Tensor) -> Tensor:
        out: Tensor = model(x)
        return out

    return forward


def _target(model: nn.Module, x: Tensor, target: Tensor) -> Tensor:
    """Column 0 for a single-output model, else ``target``."""
    out = model(x[:1])
    return target.clone().zero_() if out.shape[1] == 1 else target


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
    result = attribution.integrated_gradients(
        _forward(model), x, _target(model, x, target), baseline=baseline, steps=steps
    )
    return result.values


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
            values = attribution.gradient(_forward(model), x, _target(model, x, target))
        else:
            values = integrated_gradients(model, x, target)
    finally:
        model.train(was_training)
    return values.abs().amax(dim=1)
