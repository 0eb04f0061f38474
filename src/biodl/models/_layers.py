"""Building blocks shared by the models: activations, hidden-layer stacks, masked pooling,
masked convolution, and :class:`SequenceModel`, the base of the sequence-shaped models.

The sequence helpers take a boolean ``mask`` of shape ``(batch, length)`` where ``True`` marks a
real position and ``False`` padding. They keep padded positions at zero so that a sequence
gives the same result whether or not it is padded inside a longer batch.

Examples
--------
>>> import torch
>>> from biodl.models._layers import masked_mean
>>> h = torch.tensor([[[1.0, 3.0, 0.0]]])
>>> mask = torch.tensor([[True, True, False]])
>>> masked_mean(h, mask)
tensor([[2.]])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "ACTIVATIONS",
    "GLOBAL_POOLINGS",
    "POOLINGS",
    "ActivationName",
    "GlobalPoolingName",
    "MaskedConvBlock",
    "PoolingName",
    "SequenceModel",
    "apply_mask",
    "dense_stack",
    "full_mask",
    "global_pool",
    "masked_max",
    "masked_mean",
    "run_masked_blocks",
]

ActivationName = Literal["relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"]
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}
# Internal extra for blocks that must stay linear (not offered to users).
_BLOCK_ACTIVATIONS: dict[str, type[nn.Module]] = {**ACTIVATIONS, "identity": nn.Identity}

PoolingName = Literal["max", "avg", "none"]
POOLINGS: tuple[str, ...] = ("max", "avg", "none")

GlobalPoolingName = Literal["max", "avg", "maxavg"]
GLOBAL_POOLINGS: dict[str, int] = {"max": 1, "avg": 1, "maxavg": 2}  # name -> width multiplier


def dense_stack(
    n_in: int,
    widths: Sequence[int],
    *,
    activation: str,
    dropout: float | None,
    batch_norm: bool,
) -> tuple[nn.Sequential, int]:
    """Hidden layers of a multilayer perceptron: Linear -> [BatchNorm1d] -> activation -> [Dropout].

    Parameters
    ----------
    n_in : int
        Input width.
    widths : sequence of int
        Widths of the hidden layers, first to last; empty for none.
    activation : str
        Name in :data:`ACTIVATIONS`.
    dropout : float or None
        Dropout probability after each layer; ``None`` adds no Dropout module at all (the
        autoencoders omit it at 0, which their saved weights' layer numbering reflects).
    batch_norm : bool
        Add BatchNorm1d after each linear layer.

    Returns
    -------
    tuple of (nn.Sequential, int)
        The layers, ``(batch, n_in) -> (batch, width)``, and that output ``width`` (``n_in``
        with no layers). (An internal helper, so a tuple is fine here.)

    Examples
    --------
    >>> body, width = dense_stack(10, [8, 4], activation="relu", dropout=0.1, batch_norm=True)
    >>> width, len(body)
    (4, 8)
    """
    layers: list[nn.Module] = []
    for size in widths:
        layers.append(nn.Linear(n_in, size))
        if batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(ACTIVATIONS[activation]())
        if dropout is not None:
            layers.append(nn.Dropout(dropout))
        n_in = size
    return nn.Sequential(*layers), n_in


def full_mask(x: Tensor) -> Tensor:
    """All-real mask for ``x`` of shape ``(batch, channels, length)``: ``(batch, length)`` bool."""
    return torch.ones(x.shape[0], x.shape[-1], dtype=torch.bool, device=x.device)


def apply_mask(h: Tensor, mask: Tensor | None) -> Tensor:
    """``h`` of shape ``(batch, channels, length)`` with padded positions set to zero.

    ``mask`` is ``(batch, length)`` bool, ``True`` at real positions; ``None`` (no padding)
    returns ``h`` unchanged.
    """
    return h if mask is None else h * mask.unsqueeze(1).to(h.dtype)


def masked_mean(h: Tensor, mask: Tensor) -> Tensor:
    """Mean over real positions.

    Parameters
    ----------
    h : Tensor (batch, channels, length)
        Values; padded positions may hold anything.
    mask : Tensor (batch, length) bool
        ``True`` at real positions.

    Returns
    -------
    Tensor (batch, channels)
        Mean over the real positions; zero for a sequence with none.
    """
    m = mask.unsqueeze(1).to(h.dtype)
    count = m.sum(dim=-1).clamp(min=1.0)
    return (h * m).sum(dim=-1) / count


def masked_max(h: Tensor, mask: Tensor) -> Tensor:
    """Maximum over real positions, so padding never wins.

    Parameters
    ----------
    h : Tensor (batch, channels, length)
        Values; padded positions may hold anything.
    mask : Tensor (batch, length) bool
        ``True`` at real positions.

    Returns
    -------
    Tensor (batch, channels)
        Maximum over the real positions; zero for a sequence with none.
    """
    filled = h.masked_fill(~mask.unsqueeze(1), float("-inf"))
    out = filled.amax(dim=-1)
    empty = ~mask.any(dim=-1, keepdim=True)
    return out.masked_fill(empty, 0.0)


def global_pool(h: Tensor, mask: Tensor | None, how: str) -> Tensor:
    """Masked global pooling over the length axis (or, without a mask, every axis after channels).

    Parameters
    ----------
    h : Tensor (batch, channels, length), or (batch, channels, height, width) without a mask
        Values.
    mask : Tensor (batch, length) bool or None
        ``True`` at real positions; None when there is no padding (plain pooling, faster).
    how : {"max", "avg", "maxavg"}
        ``"maxavg"`` concatenates max and mean: output width ``2 * channels``.

    Returns
    -------
    Tensor (batch, channels * GLOBAL_POOLINGS[how])
    """
    if mask is None:
        dims = tuple(range(2, h.dim()))
        if how == "max":
            return h.amax(dim=dims)
        if how == "avg":
            return h.mean(dim=dims)
        return torch.cat([h.amax(dim=dims), h.mean(dim=dims)], dim=1)
    if how == "max":
        return masked_max(h, mask)
    if how == "avg":
        return masked_mean(h, mask)
    return torch.cat([masked_max(h, mask), masked_mean(h, mask)], dim=1)


def _pad_to_multiple(h: Tensor, mask: Tensor, size: int) -> tuple[Tensor, Tensor]:
    extra = (-h.shape[-1]) % size
    if extra:
        h = F.pad(h, (0, extra))
        mask = F.pad(mask, (0, extra), value=False)
    return h, mask


class MaskedConvBlock(nn.Module):
    """Conv1d -> [BatchNorm1d] -> (+ shortcut) -> activation -> [pooling] -> dropout, masked.

    The convolution uses 'same' padding (output position ``i`` is centred on input position
    ``i * stride``) and the output is zeroed at padded positions after the activation, so padding
    stays inert for the next block. Pooling windows start at position 0; the input is right-padded
    to a whole number of windows, max pooling ignores padded positions and average pooling
    divides by the number of real positions. The mask is downsampled alongside.

    Parameters
    ----------
    in_channels : int
        Input channels.
    out_channels : int
        Output channels.
    kernel_size : int
        Convolution width.
    stride : int, default 1
        Convolution stride.
    dilation : int, default 1
        Convolution dilation.
    pooling : {"max", "avg", "none"}, default "max"
        Local pooling after the activation.
    pool_size : int, default 2
        Pooling window and stride.
    batch_norm : bool, default True
        Add BatchNorm1d after the convolution.
    activation : str, default "relu"
        Name in :data:`ACTIVATIONS`.
    dropout : float, default 0.0
        Dropout probability after pooling.
    residual : bool, default False
        Add the (strided) input to the convolution output when ``in_channels == out_channels``.

    Examples
    --------
    >>> import torch
    >>> block = MaskedConvBlock(4, 8, 5)
    >>> h, m = block(torch.zeros(2, 4, 11), torch.ones(2, 11, dtype=torch.bool))
    >>> tuple(h.shape), tuple(m.shape)
    ((2, 8, 6), (2, 6))
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        dilation: int = 1,
        pooling: str = "max",
        pool_size: int = 2,
        batch_norm: bool = True,
        activation: str = "relu",
        dropout: float = 0.0,
        residual: bool = False,
    ) -> None:
        super().__init__()
        total = dilation * (kernel_size - 1)
        self.pad = (total // 2, total - total // 2)
        self.stride = stride
        self.conv = nn.Conv1d(
            in_channels, out_channels, kernel_size, stride=stride, dilation=dilation
        )
        self.norm: nn.Module = nn.BatchNorm1d(out_channels) if batch_norm else nn.Identity()
        self.act = _BLOCK_ACTIVATIONS[activation]()
        self.residual = residual and in_channels == out_channels
        self.pooling = pooling if pool_size > 1 else "none"
        self.pool_size = pool_size
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, h: Tensor, mask: Tensor | None, *, causal: bool = False
    ) -> tuple[Tensor, Tensor | None]:
        """Apply the block.

        Parameters
        ----------
        h : Tensor (batch, in_channels, length)
            Input, zero at padded positions.
        mask : Tensor (batch, length) bool or None
            ``True`` at real positions; None when there is no padding, which skips all masking
            (the result is the same as with an all-true mask, computed faster).
        causal : bool, default False
            Pad the convolution on the left only, so output position ``i`` sees input positions
            ``<= i`` (language models); the weights are the same either way.

        Returns
        -------
        tuple of Tensor
            ``(batch, out_channels, new_length)`` output, zero at padding, and its
            ``(batch, new_length)`` mask. (An internal helper, so a tuple is fine here.)
        """
        pad = (sum(self.pad), 0) if causal else self.pad
        out = self.norm(self.conv(F.pad(h, pad)))
        if self.stride > 1 and mask is not None:
            mask = mask[:, :: self.stride]
        if self.residual:
            out = out + h[:, :, :: self.stride]
        out = self.act(out)
        if mask is None and self.pooling != "none" and out.shape[-1] % self.pool_size:
            mask = full_mask(out)  # a partial last window needs the masked pooling
        out = apply_mask(out, mask)
        if self.pooling != "none":
            if mask is None:
                pool = F.max_pool1d if self.pooling == "max" else F.avg_pool1d
                out = pool(out, self.pool_size)
            else:
                out, mask = self._pool(out, mask)
        return self.dropout(out), mask

    def _pool(self, h: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        h, mask = _pad_to_multiple(h, mask, self.pool_size)
        m = mask.unsqueeze(1)
        size = self.pool_size
        if self.pooling == "max":
            pooled = F.max_pool1d(h.masked_fill(~m, float("-inf")), size)
        else:
            mf = m.to(h.dtype)
            pooled = F.avg_pool1d(h, size) / F.avg_pool1d(mf, size).clamp(min=1e-12)
        new_mask = F.max_pool1d(m.to(h.dtype), size).squeeze(1) > 0
        pooled = pooled.masked_fill(~new_mask.unsqueeze(1), 0.0)
        return pooled, new_mask


def run_masked_blocks(
    blocks: Iterable[nn.Module], x: Tensor, mask: Tensor | None, *, causal: bool = False
) -> tuple[Tensor, Tensor | None]:
    """Zero ``x`` at padding, then run ``blocks`` (each ``(h, mask) -> (h, mask)``) in turn.

    Parameters
    ----------
    blocks : iterable of nn.Module
        Masked blocks such as :class:`MaskedConvBlock`.
    x : Tensor (batch, channels, length)
        Input.
    mask : Tensor (batch, length) bool or None
        ``True`` at real positions; None when there is no padding.
    causal : bool, default False
        Left-padded convolutions (see :meth:`MaskedConvBlock.forward`); passed only when true,
        so blocks of other kinds keep their ``(h, mask)`` call.

    Returns
    -------
    tuple of Tensor
        The last block's output and its mask (downsampled with any pooling). (An internal
        helper, so a tuple is fine here.)
    """
    h = apply_mask(x, mask)
    for block in blocks:
        h, mask = block(h, mask, causal=True) if causal else block(h, mask)
    return h, mask


class SequenceModel(nn.Module):
    """Base of the models on ``(batch, channels, length)`` input with a padding mask.

    A subclass builds ``dropout`` (before the head) and ``head`` and defines :meth:`features`;
    :meth:`forward` is the head on the features, so ``forward == head(features)`` in eval mode.

    Attributes
    ----------
    n_features : int
        Width of :meth:`features`.
    dropout : nn.Module
        Applied to the features before the head.
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.
    """

    n_features: int
    dropout: nn.Module
    head: nn.Linear

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head.

        Parameters
        ----------
        x : Tensor (batch, in_channels, length) float
            Encoded sequences (one-hot or soft) or series, zero at padded positions.
        mask : Tensor (batch, length) bool, optional
            ``True`` at real positions; ``None`` means no padding.

        Returns
        -------
        Tensor (batch, n_features)
        """
        raise NotImplementedError

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Raw outputs (logits or regression values), ``(batch, n_outputs)``.

        The arguments are those of :meth:`features`.
        """
        return self.head(self.dropout(self.features(x, mask)))
