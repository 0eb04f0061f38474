"""Multilayer perceptron on flattened pixels: the model that shows why convolution helps.

Flattening throws away which pixels are neighbours, so the network must learn every shifted
copy of a pattern separately and has ``channels * size * size`` weights per first-layer unit.

Examples
--------
>>> import torch
>>> from biodl.models.image_mlp import ImageMLP
>>> model = ImageMLP(in_channels=1, n_outputs=10, size=8)
>>> tuple(model(torch.zeros(5, 1, 8, 8)).shape)
(5, 10)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from biodl.errors import ConfigError, DataError
from biodl.models._layers import ActivationName, dense_stack

__all__ = ["ImageMLP"]


class ImageMLP(nn.Module):
    """Multilayer perceptron on flattened pixels (no notion of neighbouring pixels).

    Parameters
    ----------
    in_channels : int
        Image channels.
    n_outputs : int
        Width of the output.
    size : int or None, default None
        Image side; required, as the first layer has one weight per pixel and channel.
    hidden_sizes : list of int, default (256, 128)
        Widths of the hidden layers; empty for a linear model on pixels.
    activation : {"relu", "gelu", "tanh", "sigmoid", "elu", "leaky_relu"}, default "relu"
        Non-linearity after each hidden layer.
    dropout : float, default 0.2
        Dropout after each hidden layer.
    batch_norm : bool, default False
        Add BatchNorm1d after each hidden linear layer.

    Attributes
    ----------
    n_features : int
        Width of :meth:`features`.
    min_size : int
        Smallest accepted side (1; the side must equal ``size`` anyway).
    head : nn.Linear
        Final layer.

    Examples
    --------
    >>> ImageMLP(in_channels=3, n_outputs=2, size=4, hidden_sizes=(7,)).body[0].in_features
    48
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        size: int | None = None,
        hidden_sizes: Sequence[int] = (256, 128),
        activation: ActivationName = "relu",
        dropout: float = 0.2,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if size is None:
            raise ConfigError(
                "model 'mlp' on images needs the image side (size); pass --size <int>."
            )
        self.size = size
        self.min_size = 1
        self.body, width = dense_stack(
            in_channels * size * size,
            hidden_sizes,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
        )
        self.n_features = width
        self.head = nn.Linear(width, n_outputs)

    def features(self, x: Tensor) -> Tensor:
        """Representation before the head.

        Parameters
        ----------
        x : Tensor (batch, in_channels, size, size) float

        Returns
        -------
        Tensor (batch, n_features)

        Raises
        ------
        DataError
            When the image side differs from ``size``.
        """
        if x.shape[-1] != self.size or x.shape[-2] != self.size:
            raise DataError(
                f"model 'mlp': images are {x.shape[-2]}x{x.shape[-1]} but the model was built "
                f"for {self.size}x{self.size}; resize them with --size {self.size}."
            )
        return self.body(torch.flatten(x, 1))

    def forward(self, x: Tensor) -> Tensor:
        """Raw outputs: ``(batch, in_channels, size, size)`` -> ``(batch, n_outputs)``."""
        return self.head(self.features(x))
