"""Fully convolutional network (FCN) and 1-D ResNet for time series classification.

The two deep baselines of Wang, Yan & Oates (2017), "Time series classification from scratch
with deep neural networks: a strong baseline" (IJCNN), which Fawaz et al. (2019) found among
the best deep models on the UCR archive. No pooling between layers: every block keeps the
length, and a masked global average pooling over time feeds the linear head, so series of any
length (and padded batches) are accepted.

Examples
--------
>>> import torch
>>> model = FCN(in_channels=1, n_outputs=2, channels=(8, 16, 8))
>>> tuple(model(torch.randn(4, 1, 50)).shape)
(4, 2)
>>> tuple(ResNet1d(in_channels=3, n_outputs=1, channels=(8, 8, 8))(torch.randn(2, 3, 20)).shape)
(2, 1)
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from biodl.models._layers import (
    ACTIVATIONS,
    GLOBAL_POOLINGS,
    ActivationName,
    GlobalPoolingName,
    MaskedConvBlock,
    SequenceModel,
    apply_mask,
    global_pool,
    run_masked_blocks,
)
from biodl.models.cnn import per_layer

__all__ = ["FCN", "ResNet1d"]


def _block(
    in_channels: int, out_channels: int, kernel: int, activation: str, batch_norm: bool
) -> MaskedConvBlock:
    return MaskedConvBlock(
        in_channels,
        out_channels,
        kernel,
        pooling="none",
        batch_norm=batch_norm,
        activation=activation,
    )


class FCN(SequenceModel):
    """Fully convolutional network for time series (Wang et al. 2017): 3 conv blocks, GAP, linear.

    Each block is Conv1d ('same' padding, stride 1) -> BatchNorm1d -> activation; no pooling
    between blocks. Padded time points are zeroed after every block and the global average
    pooling is masked, so in eval mode a series gets the same output padded or not.

    Parameters
    ----------
    in_channels : int
        Channels of the series (1 for univariate).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    length : int or None, default None
        Fixed input length, if any. Not needed: the network accepts any length.
    channels : int or list of int, default (128, 256, 128)
        Filters per block: one value for all blocks or one per block.
    kernel_size : int or list of int, default (8, 5, 3)
        Convolution width per block.
    n_layers : int, default 3
        Number of blocks.
    batch_norm : bool, default True
        BatchNorm1d after each convolution.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity after each block.
    dropout : float, default 0.0
        Dropout before the head (the original FCN uses none).
    global_pooling : {"avg", "max", "maxavg"}, default "avg"
        Masked pooling over time; the paper's FCN uses the average. ``"maxavg"`` concatenates
        maximum and mean (doubling the feature width).

    Attributes
    ----------
    n_features : int
        Width of :meth:`features` (the last block's channels).
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        length: int | None = None,
        channels: int | Sequence[int] = (128, 256, 128),
        kernel_size: int | Sequence[int] = (8, 5, 3),
        n_layers: int = 3,
        batch_norm: bool = True,
        activation: ActivationName = "relu",
        dropout: float = 0.0,
        global_pooling: GlobalPoolingName = "avg",
    ) -> None:
        super().__init__()
        widths = per_layer("fcn", "channels", channels, n_layers)
        kernels = per_layer("fcn", "kernel_size", kernel_size, n_layers)
        blocks = []
        previous = in_channels
        for width, kernel in zip(widths, kernels, strict=True):
            blocks.append(_block(previous, width, kernel, activation, batch_norm))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.global_pooling = global_pooling
        self.n_features = previous * GLOBAL_POOLINGS[global_pooling]
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.n_features, n_outputs)

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head: the blocks, then masked global pooling over time.

        ``x : (batch, in_channels, length)`` series, zero at padded time points, ``mask :
        (batch, length)`` -> ``(batch, n_features)``; see
        :meth:`biodl.models._layers.SequenceModel.features`.
        """
        h, mask = run_masked_blocks(self.blocks, x, mask)
        return global_pool(h, mask, self.global_pooling)


class _ResidualBlock(nn.Module):
    """Three masked conv blocks (the last without activation) + shortcut, then activation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernels: Sequence[int],
        activation: str,
        batch_norm: bool,
    ) -> None:
        super().__init__()
        acts = [activation] * (len(kernels) - 1) + ["identity"]
        layers, previous = [], in_channels
        for kernel, act in zip(kernels, acts, strict=True):
            layers.append(_block(previous, out_channels, kernel, act, batch_norm))
            previous = out_channels
        self.layers = nn.ModuleList(layers)
        self.shortcut = _block(in_channels, out_channels, 1, "identity", batch_norm)
        self.act = ACTIVATIONS[activation]()

    def forward(self, h: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor | None]:
        out = h
        for layer in self.layers:
            out, _ = layer(out, mask)
        short, _ = self.shortcut(h, mask)
        return apply_mask(self.act(out + short), mask), mask


class ResNet1d(SequenceModel):
    """Residual network for time series (Wang et al. 2017): 3 residual blocks, GAP, linear.

    Each residual block holds three convolutions (kernels 8, 5, 3; 'same' padding, BatchNorm)
    and a 1x1 convolution shortcut; the sum goes through the activation. Padding is masked as
    in :class:`FCN`.

    Parameters
    ----------
    in_channels : int
        Channels of the series (1 for univariate).
    n_outputs : int
        Width of the output.
    length : int or None, default None
        Fixed input length, if any. Not needed.
    channels : int or list of int, default (64, 128, 128)
        Filters of each residual block.
    kernel_size : int or list of int, default (8, 5, 3)
        Convolution widths inside every residual block (one per convolution).
    n_blocks : int, default 3
        Number of residual blocks.
    batch_norm : bool, default True
        BatchNorm1d after each convolution.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity.
    dropout : float, default 0.0
        Dropout before the head.

    Attributes
    ----------
    n_features : int
        Width of :meth:`features`.
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        length: int | None = None,
        channels: int | Sequence[int] = (64, 128, 128),
        kernel_size: int | Sequence[int] = (8, 5, 3),
        n_blocks: int = 3,
        batch_norm: bool = True,
        activation: ActivationName = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        widths = per_layer("resnet1d", "channels", channels, n_blocks)
        kernels = [kernel_size] if isinstance(kernel_size, int) else list(kernel_size)
        blocks = []
        previous = in_channels
        for width in widths:
            blocks.append(_ResidualBlock(previous, width, kernels, activation, batch_norm))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.n_features = previous
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.n_features, n_outputs)

    def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Representation before the head, ``(batch, n_features)``; see :meth:`FCN.features`."""
        h, mask = run_masked_blocks(self.blocks, x, mask)
        return global_pool(h, mask, "avg")
