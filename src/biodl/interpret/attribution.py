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
``occlusion`` (:func:`occlusion`, not a gradient method)
    the drop of the output when a window of the input is set to zero (Zeiler & Fergus 2014),
    averaged over the sliding windows that cover each input value; images use patches of
    every channel.

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
    "occlusion",
    "occlusion_window",
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


def occlusion_window(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The default occlusion window and stride for one image of ``shape`` ``(c, h, w)``: every
    channel, square patches of about an eighth of the shorter side (at least 2 pixels), moved
    by half a patch."""
    c, h, w = shape
    side = max(2, round(min(h, w) / 8))
    step = max(1, side // 2)
    return (c, min(side, h), min(side, w)), (c, step, step)


def occlusion(
    forward: Forward,
    x: Tensor,
    target: Tensor,
    *,
    window: tuple[int, ...],
    stride: tuple[int, ...],
    max_rows: int = MAX_ROWS,
) -> AttributionResult:
    """Occlusion: how much each example's output drops when a window of its input is zeroed.

    Every window position (``window`` values per example axis, moved by ``stride``, the last
    window of each axis flush with its end) is set to zero in a copy of each example; the
    drop ``f(x) - f(x occluded)`` is credited to every value of the window and averaged over
    the windows covering the value. Occluded copies go through ``forward`` in passes of at most
    ``max_rows`` rows, so memory is bounded by a pass.

    Parameters
    ----------
    forward, x, target
        As for :func:`gradient`; ``x`` is ``(batch, *shape)``.
    window, stride : tuple of int
        One entry per axis of an example (``len(shape)``), each at least 1.
    max_rows : int, default :data:`MAX_ROWS`

    Returns
    -------
    AttributionResult
        ``values`` of the shape of ``x``; no delta.

    Raises
    ------
    ValueError
        For a window or stride of the wrong length or below 1.

    Examples
    --------
    >>> import torch
    >>> f = lambda x, rows: x.flatten(1).sum(1, keepdim=True)
    >>> occlusion(f, torch.ones(1, 4), torch.tensor([0]), window=(2,), stride=(2,)).values
    tensor([[2., 2., 2., 2.]])
    """
    shape = tuple(x.shape[1:])
    if len(window) != len(shape) or len(stride) != len(shape) or min(window + stride) < 1:
        raise ValueError(f"occlusion window {window} / stride {stride} do not fit inputs {shape}")
    window = tuple(min(w, n) for w, n in zip(window, shape, strict=True))
    starts_per_axis = []
    for n, w, s in zip(shape, window, stride, strict=True):
        starts = list(range(0, n - w + 1, s))
        if starts[-1] != n - w:
            starts.append(n - w)
        starts_per_axis.append(starts)
    import itertools

    slices = [
        tuple(slice(a, a + w) for a, w in zip(corner, window, strict=True))
        for corner in itertools.product(*starts_per_axis)
    ]
    n = len(x)
    base = _outputs(forward, x, target, max_rows)
    total = torch.zeros_like(x)
    count = torch.zeros(shape, dtype=x.dtype, device=x.device)
    per_pass = max(1, max_rows // max(n, 1))
    rows_all = _rows(n, x.device)
    with torch.no_grad():
        for first in range(0, len(slices), per_pass):
            group = slices[first : first + per_pass]
            copies = x.unsqueeze(0).repeat(len(group), *([1] * x.dim()))
            for k, where in enumerate(group):
                index: tuple[int | slice, ...] = (k, slice(None), *where)
                copies[index] = 0
            flat = copies.reshape(len(group) * n, *shape)
            rows = rows_all.repeat(len(group))
            drops = []
            for lo in range(0, len(flat), max_rows):
                part = slice(lo, lo + max_rows)
                drops.append(picked(forward(flat[part], rows[part]), target[rows[part]]))
            drop = base.repeat(len(group)) - torch.cat(drops)
            for k, where in enumerate(group):
                view = (slice(None), *where)
                total[view] += drop[k * n : (k + 1) * n].view(n, *([1] * len(shape)))
                count[where] += 1
    return AttributionResult(total / count.clamp(min=1))
