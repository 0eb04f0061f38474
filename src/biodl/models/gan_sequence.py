"""One-dimensional convolutional generator / discriminator pair for fixed-length sequences.

Sequences are ``(batch, length, letters)``: one row of letter probabilities per position. The
generator projects the (label-joined) noise to ``ceil(length / 2**steps)`` positions, doubles
them ``steps`` times with transposed convolutions (kernel 4, stride 2), maps the features to
the letters with a convolution and ends in a **softmax over the letters**, so each position is
a probability vector. The discriminator reads one-hot sequences (real ones) and probability
rows (generated ones) alike, and integer letter codes ``(batch, length)``, which it one-hot
encodes. ``steps`` keeps the shortest map at 4 positions or more, at most ``n_layers``.

Examples
--------
>>> import torch
>>> from biodl.models.gan_sequence import SequenceDiscriminator, SequenceGenerator
>>> g = SequenceGenerator(50, 4, feature_maps=8)
>>> x = g(g.noise(3))
>>> tuple(x.shape), bool(torch.allclose(x.sum(-1), torch.ones(3, 50)))
((3, 50, 4), True)
>>> SequenceDiscriminator(50, 4, feature_maps=8)(x).shape
torch.Size([3])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from biodl.models.gan import (
    LEAK,
    ConditioningName,
    GANDiscriminator,
    GANGenerator,
    check_dropout,
    check_sizes,
    halvings,
    maps_at,
)

__all__ = ["SequenceDiscriminator", "SequenceGenerator"]


class SequenceGenerator(GANGenerator):
    """Convolutional generator of letter probabilities ``(batch, length, letters)``.

    Parameters
    ----------
    length : int
        Positions per sequence.
    n_letters : int, default 4
        Alphabet size (4 for DNA / RNA, 20 for proteins).
    n_classes : int, default 0
        0: unconditional; K: conditional on K classes (a label embedding joined to the noise).
    n_latent : int, default 64
        Width of the noise.
    feature_maps : int, default 64
        Feature maps at full length; doubled at each coarser level (at most 8 x).
    n_layers : int, default 3
        Most transposed convolutions (each doubles the length).
    kernel_size : int, default 5
        Width of the last convolution, over positions.
    batch_norm : bool, default True
        Batch normalisation after the projection and each transposed convolution.
    dropout : float, default 0.0
        Dropout after each hidden layer.
    embedding_dim : int, default 16
        Width of the label embedding (conditional only).
    """

    def __init__(
        self,
        length: int,
        n_letters: int = 4,
        n_classes: int = 0,
        *,
        n_latent: int = 64,
        feature_maps: int = 64,
        n_layers: int = 3,
        kernel_size: int = 5,
        batch_norm: bool = True,
        dropout: float = 0.0,
        embedding_dim: int = 16,
    ):
        super().__init__(n_classes, n_latent, embedding_dim)
        name = "SequenceGenerator"
        check_sizes(
            name,
            length=length,
            n_letters=n_letters,
            feature_maps=feature_maps,
            n_layers=n_layers,
            kernel_size=kernel_size,
        )
        check_dropout(name, dropout)
        self.sample_shape = (int(length), int(n_letters))
        steps = halvings(length, n_layers)
        self.start = math.ceil(length / 2**steps)
        self.start_maps = maps_at(feature_maps, steps)
        self.project = nn.Linear(self.in_width, self.start_maps * self.start)
        layers: list[nn.Module] = [*self._after(self.start_maps, batch_norm, dropout)]
        for level in range(steps, 0, -1):
            c_in, c_out = maps_at(feature_maps, level), maps_at(feature_maps, level - 1)
            layers.append(nn.ConvTranspose1d(c_in, c_out, 4, stride=2, padding=1, bias=False))
            layers += self._after(c_out, batch_norm, dropout)
        layers.append(nn.Conv1d(feature_maps, n_letters, kernel_size, padding=kernel_size // 2))
        self.body = nn.Sequential(*layers)

    @staticmethod
    def _after(maps: int, batch_norm: bool, dropout: float) -> list[nn.Module]:
        layers: list[nn.Module] = [nn.BatchNorm1d(maps)] if batch_norm else []
        layers.append(nn.ReLU())
        return layers + ([nn.Dropout(dropout)] if dropout > 0 else [])

    def generate(self, h: Tensor) -> Tensor:
        x = self.project(h).view(h.shape[0], self.start_maps, self.start)
        logits = self.body(x)[:, :, : self.sample_shape[0]]
        return torch.softmax(logits.transpose(1, 2), dim=-1)


class SequenceDiscriminator(GANDiscriminator):
    """Convolutional discriminator (critic) of sequences ``(batch, length, letters)``.

    Strided convolutions (stride 2, ``kernel_size`` wide) halve the length ``steps`` times,
    each followed by [BatchNorm] (not after the first), LeakyReLU(0.2) and [Dropout]; the
    flattened maps give one score. Input rows may be one-hot, probabilities, or integer codes
    ``(batch, length)``.

    Parameters
    ----------
    length : int
        Positions per sequence.
    n_letters : int, default 4
        Alphabet size.
    n_classes : int, default 0
        0: unconditional; K: conditional on K classes.
    feature_maps : int, default 64
        Feature maps of the first convolution; doubled at each halving (at most 8 x).
    n_layers : int, default 3
        Most strided convolutions.
    kernel_size : int, default 5
        Width of each convolution, over positions.
    batch_norm : bool, default False
        Batch normalisation after each convolution but the first (not allowed with the
        'wasserstein-gp' loss).
    dropout : float, default 0.2
        Dropout after each convolution.
    conditioning : {'projection', 'concat'}, default 'projection'
        How labels enter (conditional only); 'concat' adds a learned label embedding to every
        position as extra input channels.
    embedding_dim : int, default 16
        Width of that embedding ('concat' only).
    minibatch_std : bool, default False
        One more feature for the score: the batch's spread of the last features
        (:class:`~biodl.models.gan.GANDiscriminator`), against mode collapse.
    input_noise : float, default 0
        Gaussian noise (standard deviation) added to the inputs in training mode
        (:class:`~biodl.models.gan.GANDiscriminator`).
    """

    def __init__(
        self,
        length: int,
        n_letters: int = 4,
        n_classes: int = 0,
        *,
        feature_maps: int = 64,
        n_layers: int = 3,
        kernel_size: int = 5,
        batch_norm: bool = False,
        dropout: float = 0.2,
        conditioning: ConditioningName = "projection",
        embedding_dim: int = 16,
        minibatch_std: bool = False,
        input_noise: float = 0.0,
    ):
        super().__init__(
            n_classes, conditioning, minibatch_std=minibatch_std, input_noise=input_noise
        )
        name = "SequenceDiscriminator"
        check_sizes(
            name,
            length=length,
            n_letters=n_letters,
            feature_maps=feature_maps,
            n_layers=n_layers,
            kernel_size=kernel_size,
            embedding_dim=embedding_dim,
        )
        check_dropout(name, dropout)
        self.sample_shape = (int(length), int(n_letters))
        self.label_embedding = nn.Embedding(n_classes, embedding_dim) if self.concat else None
        steps = max(1, halvings(length, n_layers))
        c_in = n_letters + (embedding_dim if self.concat else 0)
        layers: list[nn.Module] = []
        size = length
        for level in range(steps):
            c_out = maps_at(feature_maps, level)
            layers.append(nn.Conv1d(c_in, c_out, kernel_size, stride=2, padding=kernel_size // 2))
            if batch_norm and level > 0:
                layers.append(nn.BatchNorm1d(c_out))
            layers.append(nn.LeakyReLU(LEAK))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            size = (size + 2 * (kernel_size // 2) - kernel_size) // 2 + 1
            c_in = c_out
        layers.append(nn.Flatten())
        self.body = nn.Sequential(*layers)
        self.make_head(c_in * size)

    def join(self, x: Tensor, labels: Tensor | None) -> Tensor:
        if not x.is_floating_point():
            x = F.one_hot(x.long(), self.sample_shape[1]).float()
        h = x.transpose(1, 2)
        if self.label_embedding is not None and labels is not None:
            planes = self.label_embedding(labels).unsqueeze(-1).expand(-1, -1, h.shape[-1])
            h = torch.cat([h, planes], dim=1)
        return h
