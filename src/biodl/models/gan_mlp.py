"""Multilayer-perceptron generator / discriminator pair for tables and expression profiles.

Examples are rows ``(batch, n_features)``: standardised clinical variables, log-normalised
expression, or raw counts (give the generator ``output='softplus'``). See
:mod:`biodl.models.gan` for the interface every pair shares.

Examples
--------
>>> import torch
>>> from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
>>> g = MLPGenerator(20, n_latent=8, hidden=(32,), output="softplus")
>>> x = g(g.noise(4))
>>> tuple(x.shape), bool((x >= 0).all()), tuple(MLPDiscriminator(20, hidden=(32,))(x).shape)
((4, 20), True, (4,))
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from biodl.models.gan import (
    LEAK,
    ConditioningName,
    GANDiscriminator,
    GANGenerator,
    GanOutputName,
    check_dropout,
    check_sizes,
    output_layer,
)

__all__ = ["MLPDiscriminator", "MLPGenerator", "dense_layers"]


def dense_layers(
    n_in: int, widths: Sequence[int], *, act: nn.Module, batch_norm: bool, dropout: float
) -> tuple[nn.Sequential, int]:
    """Linear -> [BatchNorm] -> ``act`` -> [Dropout] per width; the stack and its width."""
    layers: list[nn.Module] = []
    for width in widths:
        layers.append(nn.Linear(n_in, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(act)
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_in = width
    return nn.Sequential(*layers), n_in


class MLPGenerator(GANGenerator):
    """Multilayer-perceptron generator for tables and expression profiles ``(batch, n_features)``.

    Linear -> [BatchNorm] -> ReLU -> [Dropout] per hidden layer, then a linear layer to
    ``n_features`` and the ``output`` activation.

    Parameters
    ----------
    n_features : int
        Width of one example (genes, columns).
    n_classes : int, default 0
        0: unconditional; K: conditional on K classes (a label embedding joined to the noise).
    n_latent : int, default 32
        Width of the noise.
    hidden : sequence of int, default (128, 128)
        Widths of the hidden layers.
    batch_norm : bool, default True
        Batch normalisation after each hidden linear layer; it keeps one batch of samples from
        collapsing onto one example.
    dropout : float, default 0.0
        Dropout after each hidden layer.
    output : {'linear', 'tanh', 'sigmoid', 'softplus'}, default 'linear'
        Last activation: 'linear' for standardised values, 'softplus' for non-negative counts,
        'tanh' / 'sigmoid' for values scaled to [-1, 1] / [0, 1].
    embedding_dim : int, default 16
        Width of the label embedding (conditional only).

    Examples
    --------
    >>> import torch
    >>> MLPGenerator(10, n_latent=4, output="softplus")(torch.randn(3, 4)).min() >= 0
    tensor(True)
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int = 0,
        *,
        n_latent: int = 32,
        hidden: Sequence[int] = (128, 128),
        batch_norm: bool = True,
        dropout: float = 0.0,
        output: GanOutputName = "linear",
        embedding_dim: int = 16,
    ):
        super().__init__(n_classes, n_latent, embedding_dim)
        check_sizes("MLPGenerator", n_features=n_features, hidden=hidden)
        check_dropout("MLPGenerator", dropout)
        self.sample_shape = (int(n_features),)
        self.body, width = dense_layers(
            self.in_width, hidden, act=nn.ReLU(), batch_norm=batch_norm, dropout=dropout
        )
        self.out = nn.Linear(width, n_features)
        self.output = output_layer(output)

    def generate(self, h: Tensor) -> Tensor:
        return self.output(self.out(self.body(h)))


class MLPDiscriminator(GANDiscriminator):
    """Multilayer-perceptron discriminator (critic) for ``(batch, n_features)`` examples.

    Linear -> [BatchNorm] -> LeakyReLU(0.2) -> [Dropout] per hidden layer, then one score.

    Parameters
    ----------
    n_features : int
        Width of one example.
    n_classes : int, default 0
        0: unconditional; K: conditional on K classes.
    hidden : sequence of int, default (128, 128)
        Widths of the hidden layers.
    batch_norm : bool, default False
        Batch normalisation after each hidden linear layer (not allowed with the
        'wasserstein-gp' loss, whose penalty is per example).
    dropout : float, default 0.2
        Dropout after each hidden layer: keeps the discriminator from winning too early.
    conditioning : {'concat', 'projection'}, default 'concat'
        How labels enter (conditional only). 'concat' joins a label embedding to the input;
        on the 8x8 digits (64 features) it kept the synthetic digits useful over long training
        where 'projection' let them drift (benchmarks/RESULTS.md).
    embedding_dim : int, default 16
        Width of the label embedding joined to the input ('concat' only).
    minibatch_std : bool, default False
        One more feature for the score: the batch's spread of the last features
        (:class:`~biodl.models.gan.GANDiscriminator`), against mode collapse.
    input_noise : float, default 0
        Gaussian noise (standard deviation) added to the inputs in training mode
        (:class:`~biodl.models.gan.GANDiscriminator`).

    Examples
    --------
    >>> import torch
    >>> MLPDiscriminator(10)(torch.randn(3, 10)).shape
    torch.Size([3])
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int = 0,
        *,
        hidden: Sequence[int] = (128, 128),
        batch_norm: bool = False,
        dropout: float = 0.2,
        conditioning: ConditioningName = "concat",
        embedding_dim: int = 16,
        minibatch_std: bool = False,
        input_noise: float = 0.0,
    ):
        super().__init__(
            n_classes, conditioning, minibatch_std=minibatch_std, input_noise=input_noise
        )
        check_sizes("MLPDiscriminator", n_features=n_features, hidden=hidden)
        check_sizes("MLPDiscriminator", embedding_dim=embedding_dim)
        check_dropout("MLPDiscriminator", dropout)
        self.sample_shape = (int(n_features),)
        self.label_embedding = nn.Embedding(n_classes, embedding_dim) if self.concat else None
        n_in = n_features + (embedding_dim if self.concat else 0)
        self.body, width = dense_layers(
            n_in, hidden, act=nn.LeakyReLU(LEAK), batch_norm=batch_norm, dropout=dropout
        )
        self.make_head(width)

    def join(self, x: Tensor, labels: Tensor | None) -> Tensor:
        if self.label_embedding is not None and labels is not None:
            return torch.cat([x, self.label_embedding(labels)], dim=1)
        return x
