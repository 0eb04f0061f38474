"""In-silico mutagenesis limited to the receptive field (the idea of fastISM, Nair et al. 2022).

A single-letter change at position ``p`` of a convolutional network's input changes each
convolution's output only within the reach of its kernel around ``p``, and each local pooling's
output only in the windows that contain a changed position. :class:`LocalISM` runs the
reference sequences once through :class:`biodl.models.cnn.CNN`, keeps every block's
intermediate values, and then, for each position, pushes only the *change* of the input
through the blocks, window by window:

* a convolution is linear, so the change of its output is the transposed convolution of the
  change of its input (``in width x kernel`` products per channel pair instead of
  ``out width x kernel``); batch normalisation in eval mode scales it per channel; a residual
  shortcut adds the input change;
* the activation is applied to the reference pre-activation plus the change, in the window;
* the local pooling is recomputed for the pooling windows that hold a changed position;
* the masked global pooling is finished from cached reference values: the mean from the
  reference sum plus the change, the maximum from the larger of the window's new maximum and
  the reference maximum outside the window (prefix and suffix maxima).

The head then scores all mutants of a chunk of sequences together. The result equals the full
computation (:func:`biodl.interpret.mutagenesis.mutagenesis`) up to float rounding; the tests
check it to ``1e-5``. Other models (recurrent, transformer, ResNet, strided convolutions,
anything non-local) are scored by the full batched ISM; :func:`local_ism` says which.

Examples
--------
>>> import torch
>>> from biodl.models.cnn import CNN
>>> model = CNN(in_channels=4, n_outputs=1, channels=8, n_layers=2).eval()
>>> x = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 30)), 4).transpose(1, 2).float()
>>> fast = local_ism(model, lambda out: out)
>>> tuple(fast(x, torch.zeros(2, dtype=torch.long)).shape)
(2, 4, 30)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from biodl.interpret.attribution import picked
from biodl.models._layers import MaskedConvBlock
from biodl.models.cnn import CNN

__all__ = ["LocalISM", "local_ism", "local_ism_unsupported"]

#: Mutants per pass of :class:`LocalISM` (the windows are narrow, so passes can be large).
MAX_ROWS = 2048

#: ``transform(raw outputs (m, n_outputs)) -> explained outputs (m, k)``.
Transform = Callable[[Tensor], Tensor]


def local_ism_unsupported(model: nn.Module) -> str | None:
    """Why receptive-field-limited ISM is not exact for ``model``; None when it is.

    It is exact for :class:`biodl.models.cnn.CNN` in eval mode whose blocks have stride 1 and
    batch normalisation with running statistics (or none): any activation, dilation, residual
    shortcut, max/avg/no local pooling and any global pooling.
    """
    if not isinstance(model, CNN):
        return f"{type(model).__name__} is not a plain convolutional network"
    if model.training:
        return "the model is in training mode"
    if model.composition is not None:  # its head reads the whole sequence's letter shares too
        return "the head also reads the sequence's composition"
    for block in model.blocks:
        if not isinstance(block, MaskedConvBlock):
            return f"block {type(block).__name__} is not a MaskedConvBlock"
        conv = block.conv
        if conv.stride != (1,) or conv.padding != (0,) or conv.groups != 1:
            return "a convolution has a stride, its own padding or groups"
        norm = block.norm
        if isinstance(norm, nn.BatchNorm1d):
            if norm.running_mean is None or norm.running_var is None:
                return "a batch normalisation has no running statistics"
        elif not isinstance(norm, nn.Identity):
            return f"normalisation {type(norm).__name__} is not per channel"
    return None


def local_ism(model: nn.Module, transform: Transform) -> LocalISM | None:
    """A :class:`LocalISM` of ``model``, or None where it would not be exact (see
    :func:`local_ism_unsupported`)."""
    if local_ism_unsupported(model) is not None:
        return None
    assert isinstance(model, CNN)
    return LocalISM(model, transform)


@dataclass
class _Cache:
    """One block's reference values for a chunk of sequences."""

    z: Tensor  # (b, c, length) pre-activation (after normalisation and shortcut)
    a: Tensor  # (b, c, length) after the activation
    out: Tensor  # (b, c, new length) the block's output (after the local pooling)


def _pool(h: Tensor, size: int, how: str) -> Tensor:
    """Local pooling of ``h (m, c, w)`` in windows of ``size`` from its first position; a
    partial last window pools its real positions only (as the masked block does)."""
    extra = (-h.shape[-1]) % size
    if how == "max":
        if extra:
            h = F.pad(h, (0, extra), value=float("-inf"))
        if size == 2:  # the default: one elementwise maximum is faster than max_pool1d
            return torch.maximum(h[..., 0::2], h[..., 1::2])
        return F.max_pool1d(h, size)
    pooled = F.avg_pool1d(F.pad(h, (0, extra)), size)
    if extra:
        pooled[..., -1] *= size / (size - extra)
    return pooled


def _window(h: Tensor, start: int, stop: int) -> Tensor:
    """``h[:, :, start:stop]`` as a contiguous ``(b, 1, c, w)``: broadcasting over the mutants
    of each sequence is several times faster from a contiguous copy than from the strided
    slice."""
    return h[:, None, :, start:stop].contiguous()


class LocalISM:
    """Receptive-field-limited in-silico mutagenesis of a :class:`biodl.models.cnn.CNN`.

    Parameters
    ----------
    model : CNN
        In eval mode (see :func:`local_ism_unsupported`).
    transform : callable
        Raw outputs ``(m, n_outputs)`` -> explained outputs ``(m, k)``.
    max_rows : int, default 2048
        Mutants per pass.
    """

    def __init__(self, model: CNN, transform: Transform, *, max_rows: int = MAX_ROWS) -> None:
        self.model = model
        self.transform = transform
        self.max_rows = max_rows
        self.blocks: list[MaskedConvBlock] = [b for b in model.blocks]  # type: ignore[misc]
        # the transposed convolution's weight (in, out, kernel), scaled by the normalisation
        self._weights = [
            (b.conv.weight.detach() * self._scale(b.norm, b.conv.weight))
            .transpose(0, 1)
            .flip(-1)
            .contiguous()
            for b in self.blocks
        ]

    @staticmethod
    def _scale(norm: nn.Module, weight: Tensor) -> Tensor:
        """Per output channel ``(out, 1, 1)``: the factor of batch normalisation in eval mode."""
        if not isinstance(norm, nn.BatchNorm1d):
            return torch.ones(1, 1, 1, dtype=weight.dtype, device=weight.device)
        assert norm.running_var is not None
        scale = torch.rsqrt(norm.running_var.detach() + norm.eps)
        if norm.weight is not None:
            scale = scale * norm.weight.detach()
        return scale.view(-1, 1, 1)

    def __call__(self, x: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
        """Effect of every single-letter change, ``f(mutant) - f(x)`` of the explained output.

        Parameters
        ----------
        x : Tensor (batch, letters, length)
            One-hot sequences, zero at padding.
        target : Tensor (batch,) int64
            The explained output column of each sequence.
        mask : Tensor (batch, length) bool, optional
            ``True`` at real positions; sequences are scored at their own length (the model
            gives a padded sequence the same output).

        Returns
        -------
        Tensor (batch, letters, length)
            Zero at each sequence's own letter and at padding.
        """
        n, letters, length = x.shape
        effects = torch.zeros(n, letters, length, dtype=x.dtype, device=x.device)
        lengths = torch.full((n,), length, device=x.device) if mask is None else mask.sum(dim=1)
        per_chunk = max(1, self.max_rows // max(letters - 1, 1))
        with torch.inference_mode():
            for size in torch.unique(lengths).tolist():
                group = torch.nonzero(lengths == size)[:, 0]
                for lo in range(0, len(group), per_chunk):
                    rows = group[lo : lo + per_chunk]
                    part = self._chunk(x[rows, :, :size], target[rows])
                    effects[rows, :, :size] = part
        return effects

    def _reference(self, x: Tensor) -> tuple[list[_Cache], Tensor]:
        caches = []
        h = x
        for block in self.blocks:
            z = block.norm(block.conv(F.pad(h, block.pad)))
            if block.residual:
                z = z + h
            out, _ = block(h, None)
            caches.append(_Cache(z, block.act(z), out))
            h = out
        return caches, h

    def _chunk(self, x: Tensor, target: Tensor) -> Tensor:
        """All mutants of ``b`` unpadded sequences of one length."""
        b, letters, length = x.shape
        alts = letters - 1
        effects = torch.zeros(b, letters, length, dtype=x.dtype, device=x.device)
        if length == 0 or alts == 0:
            return effects
        caches, last = self._reference(x)
        model = self.model
        linear = self._linear(x)  # (b, n_outputs) the additive term, zero without one
        raw = model.head(model.dropout(self._global(last))) + linear
        base = picked(self.transform(raw), target)
        ref = x.argmax(dim=1)  # (b, length)
        offsets = torch.arange(1, letters, device=x.device)
        eye = torch.eye(letters, dtype=x.dtype, device=x.device)
        total = last.sum(dim=-1)  # (b, c)
        prefix = torch.cummax(last, dim=-1).values  # max over [0, k]
        suffix = torch.cummax(last.flip(-1), dim=-1).values.flip(-1)  # max over [k, end)
        final = last.shape[-1]
        tgt = target.repeat_interleave(alts)
        alt_all = (ref[:, None, :] + offsets[None, :, None]) % letters  # (b, alts, length)
        scores = torch.empty(b, alts, length, dtype=x.dtype, device=x.device)
        for p in range(length):
            alt = alt_all[:, :, p]  # (b, alts)
            delta = (eye[alt] - x[:, None, :, p]).unsqueeze(-1)  # (b, alts, letters, 1)
            start, stop, delta = self._propagate(caches, delta, p, p + 1)
            new = delta + _window(last, start, stop)  # (b, alts, c, w)
            feats = []
            if model.global_pooling in ("max", "maxavg"):
                outside = torch.full_like(total, float("-inf"))
                if start > 0:
                    outside = prefix[:, :, start - 1]
                if stop < final:
                    outside = torch.maximum(outside, suffix[:, :, stop])
                feats.append(torch.maximum(outside[:, None], new.amax(dim=-1)))
            if model.global_pooling in ("avg", "maxavg"):
                feats.append((total[:, None] + delta.sum(dim=-1)) / final)
            features = torch.cat(feats, dim=-1).reshape(b * alts, -1)
            raw = model.head(model.dropout(features)) + self._linear_change(linear, ref, alt, p)
            out = self.transform(raw)
            scores[:, :, p] = picked(out, tgt).view(b, alts)
        return effects.scatter_(1, alt_all, scores - base[:, None, None])

    def _linear(self, x: Tensor) -> Tensor:
        """The CNN's additive term (``additive=True``) of unpadded ``x (b, letters, w)``, padded
        to the model's length as its input is; zeros ``(b, 1)`` without one."""
        lin = self.model.linear
        if lin is None:
            return x.new_zeros(x.shape[0], 1)
        width = lin.in_features // x.shape[1]
        return lin(F.pad(x, (0, width - x.shape[-1])).flatten(1))

    def _linear_change(self, linear: Tensor, ref: Tensor, alt: Tensor, p: int) -> Tensor:
        """The additive term of each mutant ``(b * alts, n_outputs)``: the reference's plus the
        weight of the new letter at ``p`` minus that of the old one (exact: the term is linear)."""
        lin = self.model.linear
        b, alts = alt.shape
        if lin is None:
            return linear.new_zeros(b * alts, 1)
        letters = self.blocks[0].conv.in_channels
        w = lin.weight.view(lin.out_features, letters, -1)[:, :, p].T  # (letters, n_outputs)
        change = w[alt] - w[ref[:, p]][:, None]  # (b, alts, n_outputs)
        return (linear[:, None] + change).reshape(b * alts, -1)

    def _global(self, h: Tensor) -> Tensor:
        how = self.model.global_pooling
        if how == "max":
            return h.amax(dim=-1)
        if how == "avg":
            return h.mean(dim=-1)
        return torch.cat([h.amax(dim=-1), h.mean(dim=-1)], dim=1)

    def _propagate(
        self, caches: list[_Cache], delta: Tensor, start: int, stop: int
    ) -> tuple[int, int, Tensor]:
        """Push the change ``delta (b, alts, c, stop - start)`` of the input window
        ``[start, stop)`` through the blocks: the last block's changed window and its change."""
        for block, cache, weight in zip(self.blocks, caches, self._weights, strict=True):
            b, alts, c, width = delta.shape
            size = cache.z.shape[-1]  # stride 1: the length is kept
            dil = block.conv.dilation[0]
            reach = dil * (block.conv.kernel_size[0] - 1)
            change = F.conv_transpose1d(delta.reshape(b * alts, c, width), weight, dilation=dil)
            change = change.view(b, alts, -1, width + reach)
            lo = start + block.pad[0] - reach
            hi = lo + width + reach
            cut_lo, cut_hi = max(lo, 0), min(hi, size)
            if block.pooling == "none":
                change = change[..., cut_lo - lo : cut_hi - lo]
                if block.residual:
                    change[..., start - cut_lo : stop - cut_lo] += delta
                a_new = block.act(change + _window(cache.z, cut_lo, cut_hi))
                delta = a_new - _window(cache.a, cut_lo, cut_hi)
                start, stop = cut_lo, cut_hi
                continue
            # widen the changed window to whole pooling windows (zero change at the edges)
            k = block.pool_size
            first, last = cut_lo // k, (cut_hi - 1) // k + 1
            w_lo, w_hi = first * k, min(last * k, size)
            change = F.pad(change, (max(lo - w_lo, 0), max(w_hi - hi, 0)))
            change = change[..., w_lo - min(lo, w_lo) : w_hi - min(lo, w_lo)]
            if block.residual:
                change[..., start - w_lo : stop - w_lo] += delta
            change += _window(cache.z, w_lo, w_hi)  # change is a fresh tensor (the pad)
            a_new = block.act(change)
            pooled = _pool(a_new.view(b * alts, -1, w_hi - w_lo), k, block.pooling)
            delta = pooled.view(b, alts, -1, last - first) - _window(cache.out, first, last)
            start, stop = first, last
        return start, stop, delta
