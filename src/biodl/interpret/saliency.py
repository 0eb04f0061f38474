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

import torch
from torch import Tensor, nn

from biodl.interpret import attribution

__all__ = ["SaliencyMethod", "integrated_gradients", "saliency", "smoothgrad"]

SaliencyMethod = Literal["gradient", "smoothgrad", "integrated_gradients"]


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


def smoothgrad(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    *,
    samples: int = 25,
    noise: float = 0.15,
    seed: int = 0,
) -> Tensor:
    """SmoothGrad (Smilkov et al. 2017): the gradient averaged over noisy copies of ``x``.

    A plain gradient of a ReLU network jumps from pixel to pixel and looks like noise on small
    images (28x28 X-rays); averaging it over ``samples`` copies with Gaussian noise of sd
    ``noise`` x (max - min of each image) keeps what is stable around the image.

    Parameters
    ----------
    model : nn.Module
    x : Tensor (batch, c, h, w)
    target : Tensor (batch,) int64
    samples : int, default 25
        Noisy copies per image (the paper's 10-50).
    noise : float, default 0.15
        Noise sd as a fraction of each image's value range (the paper's 10-20 %).
    seed : int, default 0
        Seed of the noise: the same maps on every run (one pattern per copy, shared by the
        images of the batch, so an image's map does not depend on the batch).

    Returns
    -------
    Tensor (batch, c, h, w)
        The averaged gradients.
    """
    forward, target = _forward(model), _target(model, x, target)
    flat = x.reshape(len(x), -1)
    sd = (flat.amax(1) - flat.amin(1)).clamp_min(1e-8) * noise
    generator = torch.Generator(device="cpu").manual_seed(seed)
    total = torch.zeros_like(x)
    for _ in range(samples):
        # One noise pattern for every image of the batch: an image's map does not depend on
        # which images are explained beside it.
        eps = torch.randn(x.shape[1:], generator=generator).to(x.device, x.dtype)
        total += attribution.gradient(forward, x + eps * sd.view(-1, *[1] * (x.dim() - 1)), target)
    return total / samples


def saliency(
    model: nn.Module, x: Tensor, target: Tensor, *, method: SaliencyMethod = "gradient"
) -> Tensor:
    """One importance value per pixel: absolute attribution, maximum over channels.

    Parameters
    ----------
    model : nn.Module
    x : Tensor (batch, c, h, w)
    target : Tensor (batch,) int64
    method : {"gradient", "smoothgrad", "integrated_gradients"}, default "gradient"
        Vanilla gradient of the target output (Simonyan et al. 2014), :func:`smoothgrad` or
        integrated gradients.

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
        elif method == "smoothgrad":
            values = smoothgrad(model, x, target)
        else:
            values = integrated_gradients(model, x, target)
    finally:
        model.train(was_training)
    return values.abs().amax(dim=1)
