"""Attribution methods, one implementation for every kind of data, in plain torch.

Each method explains one output column per example (``target``) of a differentiable function
``forward(x, rows) -> (m, k)``: ``x`` holds ``m`` input rows of any shape and ``rows`` says
which example of the batch each row belongs to (so inputs that are not attributed, such as a
padding mask, follow their example along an integration path). :mod:`biodl.interpret.inputs`
builds ``forward`` for a trained network of any kind.

The methods (:data:`ATTRIBUTION_HELP` says what each means and when to use it):

``saliency``
    the gradient of the output (Simonyan et al. 2014);
``input_x_gradient``
    the gradient times the input (Shrikumar et al. 2016);
``integrated_gradients``
    the gradient averaged along the straight path from a baseline (zeros) to the input, times
    the difference (Sundararajan et al. 2017); ``steps`` path points are evaluated in large
    batches (several examples and steps per forward/backward pass);
``shap``
    expected gradients (Erion et al. 2021): integrated gradients from several references,
    averaged, an estimate of SHAP values; sequences use dinucleotide-shuffled copies of each
    sequence as references, other kinds other examples of the same batch.

Integrated gradients and ``shap`` report a *convergence delta* per example: the sum of the
attributions minus the change of the output from the reference(s) to the input. Attributions
are complete when it is near zero; a large delta asks for more ``steps``.

Examples
--------
>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 2))
>>> forward = lambda x, rows: net(x)
>>> x = torch.rand(3, 2, 3)
>>> result = integrated_gradients(forward, x, torch.tensor([0, 1, 1]), steps=8)
>>> tuple(result.values.shape), bool(result.delta.abs().max() < 1e-4)
((3, 2, 3), True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from biodl.options import AttributionOption

__all__ = [
    "ATTRIBUTION_METHODS",
    "AttributionResult",
    "Forward",
    "attribute",
    "expected_gradients",
    "gradient",
    "input_x_gradient",
    "integrated_gradients",
    "picked",
]

#: ``forward(x, rows) -> (m, k)``: explained outputs of ``m`` input rows; ``rows`` (m,) int64
#: says which example of the batch each row belongs to.
Forward = Callable[[Tensor, Tensor], Tensor]

#: The gradient methods of :func:`attribute` (``ism`` is in :mod:`biodl.interpret.mutagenesis`).
ATTRIBUTION_METHODS = ("saliency", "input_x_gradient", "integrated_gradients", "shap")

#: Rows per forward/backward pass along integration paths (bounded memory). Larger passes are
#: slower per row on CPU once the activations leave the cache: with the default CNN on
#: 200 bp, 256-row passes cost 0.55 ms per row forward+backward, 2,048-row passes 0.98 ms
#: (``benchmarks/bench_explain.py``).
MAX_ROWS = 256


@dataclass
class AttributionResult:
    """Attributions of one batch.

    Attributes
    ----------
    values : Tensor (batch, *input shape)
    delta : Tensor (batch,) or None
        Convergence delta (integrated gradients, shap): ``values.sum() - (f(x) - f(ref))`` per
        example; None for the local methods.
    """

    values: Tensor
    delta: Tensor | None = None


def picked(out: Tensor, target: Tensor) -> Tensor:
    """``out[i, target[i]]`` for every row: the explained output of each row, ``(m,)``."""
    return out.gather(1, target.view(-1, 1).to(out.device))[:, 0]


def _rows(n: int, device: torch.device) -> Tensor:
    return torch.arange(n, device=device)


def gradient(forward: Forward, x: Tensor, target: Tensor, rows: Tensor | None = None) -> Tensor:
    """Gradient of each row's explained output with respect to its input row.

    Parameters
    ----------
    forward : Forward
    x : Tensor (m, ...)
    target : Tensor (m,) int64
        Output column of each row.
    rows : Tensor (m,) int64, optional
        Example of each row; default ``0..m-1``.

    Returns
    -------
    Tensor (m, ...)
    """
    rows = _rows(len(x), x.device) if rows is None else rows
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        out = picked(forward(x, rows), target)
        (grad,) = torch.autograd.grad(out.sum(), x)
    return grad


def input_x_gradient(forward: Forward, x: Tensor, target: Tensor) -> AttributionResult:
    """Gradient times input: ``x * d f / d x`` (a first-order estimate of each input's share)."""
    return AttributionResult(x * gradient(forward, x, target))


def _outputs(forward: Forward, x: Tensor, target: Tensor, max_rows: int) -> Tensor:
    """Explained outputs of every example, ``max_rows`` at a time, without gradients."""
    parts = []
    with torch.no_grad():
        for lo in range(0, len(x), max_rows):
            rows = _rows(len(x), x.device)[lo : lo + max_rows]
            parts.append(picked(forward(x[lo : lo + max_rows], rows), target[lo : lo + max_rows]))
    return torch.cat(parts) if parts else x.new_zeros(0)


def integrated_gradients(
    forward: Forward,
    x: Tensor,
    target: Tensor,
    *,
    baseline: Tensor | None = None,
    steps: int = 50,
    max_rows: int = MAX_ROWS,
) -> AttributionResult:
    """Integrated gradients from ``baseline`` (zeros by default) to ``x``.

    The path integral is a midpoint Riemann sum over ``steps`` points; points of several
    examples and steps go through the network together, at most ``max_rows`` rows per pass.

    Parameters
    ----------
    forward : Forward
    x : Tensor (batch, ...)
    target : Tensor (batch,) int64
    baseline : Tensor (batch, ...), optional
    steps : int, default 50
    max_rows : int, default 256

    Returns
    -------
    AttributionResult
        ``values`` (batch, ...) and the convergence ``delta`` (batch,).
    """
    base = torch.zeros_like(x) if baseline is None else baseline.to(x)
    n = len(x)
    alphas = (torch.arange(steps, dtype=x.dtype, device=x.device) + 0.5) / steps
    total = torch.zeros_like(x)
    diff = x - base
    # blocks of at most max_rows examples; each pass takes as many steps of a block as fit
    block = max(1, min(n, max_rows))
    for lo in range(0, n, block):
        b, d, t = base[lo : lo + block], diff[lo : lo + block], target[lo : lo + block]
        m = len(b)
        per_pass = max(1, max_rows // m)
        for first in range(0, steps, per_pass):
            a = alphas[first : first + per_pass]
            shape = (len(a),) + (1,) * x.dim()
            # row r of a pass is example lo + r % m at step first + r // m
            points = (b.unsqueeze(0) + a.view(shape) * d.unsqueeze(0)).reshape(-1, *x.shape[1:])
            rows = _rows(m, x.device).repeat(len(a)) + lo
            grads = gradient(forward, points, t.repeat(len(a)), rows)
            total[lo : lo + block] += grads.view(len(a), m, *x.shape[1:]).sum(0)
    values = diff * total / steps
    gap = _outputs(forward, x, target, max_rows) - _outputs(forward, base, target, max_rows)
    return AttributionResult(values, values.flatten(1).sum(1) - gap)


def expected_gradients(
    forward: Forward,
    x: Tensor,
    target: Tensor,
    references: Tensor,
    *,
    steps: int = 50,
    max_rows: int = MAX_ROWS,
) -> AttributionResult:
    """Integrated gradients averaged over several references: an estimate of SHAP values.

    Parameters
    ----------
    forward : Forward
    x : Tensor (batch, ...)
    target : Tensor (batch,) int64
    references : Tensor (r, batch, ...)
        ``r`` references per example (dinucleotide shuffles of a sequence, other examples).
    steps : int, default 50
        Path points per reference.
    max_rows : int, default 256

    Returns
    -------
    AttributionResult
        ``values`` (batch, ...) and ``delta`` (batch,): the sum of the attributions minus
        ``f(x) - mean_j f(reference_j)``.
    """
    values = torch.zeros_like(x)
    delta = torch.zeros(len(x), dtype=x.dtype, device=x.device)
    for ref in references:
        part = integrated_gradients(
            forward, x, target, baseline=ref, steps=steps, max_rows=max_rows
        )
        values += part.values
        assert part.delta is not None
        delta += part.delta
    r = len(references)
    return AttributionResult(values / r, delta / r)


def attribute(
    method: AttributionOption,
    forward: Forward,
    x: Tensor,
    target: Tensor,
    *,
    steps: int = 50,
    references: Tensor | None = None,
    max_rows: int = MAX_ROWS,
) -> AttributionResult:
    """Attributions of one batch by the gradient method ``method`` (:data:`ATTRIBUTION_METHODS`).

    Parameters
    ----------
    method : {'saliency', 'input_x_gradient', 'integrated_gradients', 'shap'}
    forward, x, target
        As for :func:`gradient`.
    steps : int, default 50
        Path points of integrated gradients (per reference for ``shap``).
    references : Tensor (r, batch, ...), optional
        Needed by ``shap``.

    Raises
    ------
    ValueError
        For ``ism`` (see :func:`biodl.interpret.mutagenesis.mutagenesis`) or ``shap`` without
        references.
    """
    if method == "saliency":
        return AttributionResult(gradient(forward, x, target))
    if method == "input_x_gradient":
        return input_x_gradient(forward, x, target)
    if method == "integrated_gradients":
        return integrated_gradients(forward, x, target, steps=steps, max_rows=max_rows)
    if method == "shap":
        if references is None:
            raise ValueError("shap needs references")
        return expected_gradients(forward, x, target, references, steps=steps, max_rows=max_rows)
    raise ValueError(f"{method}: not a gradient method; use biodl.interpret.mutagenesis")
