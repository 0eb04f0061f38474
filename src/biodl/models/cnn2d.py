"""Two-dimensional convolutional network for images: conv -> batch norm -> activation -> pool.

A kernel slides over the pixels and produces one feature map per output channel; pooling and
stride shrink the maps so later layers see larger regions of the image (their receptive field
grows); a global pooling over the last maps gives one vector per image, and a linear head maps
it to the outputs.

Examples
--------
>>> import torch
>>> from biodl.models.cnn2d import CNN2d
>>> model = CNN2d(in_channels=1, n_outputs=10, size=28, channels=(8, 16), n_layers=2)
>>> tuple(model(torch.zeros(4, 1, 28, 28)).shape)
(4, 10)
>>> model.min_size
4
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from biodl.models._layers import (
    ACTIVATIONS,
    GLOBAL_POOLINGS,
    ActivationName,
    GlobalPoolingName,
    PoolingName,
    global_pool,
)
from biodl.models.cnn import per_layer

__all__ = ["CNN2d", "ConvBlock2d", "GlobalPooling2dName", "min_input_size"]

#: The global poolings of :class:`CNN2d`: those of the sequence models, over both image axes.
GlobalPooling2dName = GlobalPoolingName


def _out(n: int, kernel: int, stride: int, pad: int) -> int:
    return (n + 2 * pad - kernel) // stride + 1


class ConvBlock2d(nn.Module):
    """Conv2d ('same' padding) -> [BatchNorm2d] -> activation -> [pooling] -> dropout.

    Parameters
    ----------
    in_channels : int
        Input channels.
    out_channels : int
        Output channels (feature maps).
    kernel_size : int
        Square kernel width; odd sizes keep the map centred.
    stride : int, default 1
        Convolution stride.
    pooling : {"max", "avg", "none"}, default "max"
        Local pooling after the activation.
    pool_size : int, default 2
        Pooling window and stride.
    batch_norm : bool, default True
        Add BatchNorm2d after the convolution (the convolution then has no bias).
    activation : str, default "relu"
        Name in :data:`biodl.models._layers.ACTIVATIONS`.
    dropout : float, default 0.0
        Dropout probability after pooling.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        pooling: str = "max",
        pool_size: int = 2,
        batch_norm: bool = True,
        activation: str = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.pad = kernel_size, stride, kernel_size // 2
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel_size, stride, self.pad, bias=not batch_norm
        )
        self.norm: nn.Module = nn.BatchNorm2d(out_channels) if batch_norm else nn.Identity()
        self.act = ACTIVATIONS[activation]()
        self.pool_size = pool_size if pooling != "none" else 1
        self.pool: nn.Module = nn.Identity()
        if pooling == "max" and pool_size > 1:
            self.pool = nn.MaxPool2d(pool_size)
        elif pooling == "avg" and pool_size > 1:
            self.pool = nn.AvgPool2d(pool_size)
        self.dropout = nn.Dropout(dropout)

    def output_size(self, n: int) -> int:
        """Side of the output map for an ``n`` x ``n`` input (0 when the input is too small)."""
        n = _out(n, self.kernel_size, self.stride, self.pad)
        return n // self.pool_size if n > 0 else 0

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block: ``(batch, in_channels, h, w)`` -> ``(batch, out_channels, h', w')``."""
        return self.dropout(self.pool(self.act(self.norm(self.conv(x)))))


def min_input_size(blocks: Sequence[ConvBlock2d]) -> int:
    """Smallest image side for which every block still produces at least one pixel.

    Parameters
    ----------
    blocks : sequence of ConvBlock2d

    Returns
    -------
    int

    Examples
    --------
    >>> min_input_size([ConvBlock2d(1, 4, 3), ConvBlock2d(4, 4, 3)])
    4
    """
    n = 1
    while True:
        side = n
        for block in blocks:
            side = block.output_size(side)
        if side >= 1:
            return n
        n += 1


class CNN2d(nn.Module):
    """Convolutional network for images: conv blocks, global pooling, linear head.

    Each block is Conv2d ('same' padding) -> [BatchNorm2d] -> activation -> [pooling] -> dropout;
    global pooling over the last feature maps gives one vector per image. With the defaults a
    28x28 image becomes 14x14, 7x7 and 3x3 maps of 32, 64 and 128 channels.

    Parameters
    ----------
    in_channels : int
        Image channels (1 greyscale, 3 RGB).
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    size : int or None, default None
        Image side the model will see. Not needed: the network accepts any side of at least
        :attr:`min_size`.
    channels : int or list of int, default (32, 64, 128)
        Feature maps per convolution layer: one value for all layers or one per layer.
    n_layers : int, default 3
        Number of convolution blocks.
    kernel_size : int or list of int, default 3
        Square kernel width (one value or one per layer).
    stride : int, default 1
        Convolution stride of every layer.
    pooling : {"max", "avg", "none"}, default "max"
        Local pooling after each block.
    pool_size : int, default 2
        Pooling window and stride; 1 disables pooling.
    batch_norm : bool, default True
        Add BatchNorm2d after each convolution.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity after each convolution.
    dropout : float, default 0.1
        Dropout probability after each block and before the head.
    global_pooling : {"max", "avg", "maxavg"}, default "avg"
        Pooling over the last maps; ``"maxavg"`` concatenates both (doubles the width).

    Attributes
    ----------
    n_features : int
        Width of :meth:`features`.
    min_size : int
        Smallest image side the network accepts.
    head : nn.Linear
        Final layer, ``n_features -> n_outputs``.

    Examples
    --------
    >>> import torch
    >>> model = CNN2d(in_channels=3, n_outputs=2, channels=16, n_layers=2, pooling="avg")
    >>> tuple(model.features(torch.zeros(2, 3, 32, 32)).shape)
    (2, 16)
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        size: int | None = None,
        channels: int | Sequence[int] = (32, 64, 128),
        n_layers: int = 3,
        kernel_size: int | Sequence[int] = 3,
        stride: int = 1,
        pooling: PoolingName = "max",
        pool_size: int = 2,
        batch_norm: bool = True,
        activation: ActivationName = "relu",
        dropout: float = 0.1,
        global_pooling: GlobalPooling2dName = "avg",
    ) -> None:
        super().__init__()
        widths = per_layer("cnn", "channels", channels, n_layers)
        kernels = per_layer("cnn", "kernel_size", kernel_size, n_layers)
        blocks: list[ConvBlock2d] = []
        previous = in_channels
        for width, kernel in zip(widths, kernels, strict=True):
            blocks.append(
                ConvBlock2d(
                    previous,
                    width,
                    kernel,
                    stride=stride,
                    pooling=pooling,
                    pool_size=pool_size,
                    batch_norm=batch_norm,
                    activation=activation,
                    dropout=dropout,
                )
            )
            previous = width
        self.blocks = nn.Sequential(*blocks)
        self.min_size = min_input_size(blocks)
        self.global_pooling = global_pooling
        self.n_features = previous * GLOBAL_POOLINGS[global_pooling]
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.n_features, n_outputs)

    def features(self, x: Tensor) -> Tensor:
        """Representation before the head.

        Parameters
        ----------
        x : Tensor (batch, in_channels, height, width) float
            Normalised images.

        Returns
        -------
        Tensor (batch, n_features)
        """
        return global_pool(self.blocks(x), None, self.global_pooling)

    def forward(self, x: Tensor) -> Tensor:
        """Raw outputs ``(batch, n_outputs)`` of ``x`` as in :meth:`features`."""
        return self.head(self.dropout(self.features(x)))
