"""DCGAN-style generator / discriminator pair for images ``(batch, channels, height, width)``.

The generator projects the (label-joined) noise to a small map of ``ceil(side / 2**steps)``
pixels and doubles it ``steps`` times with transposed convolutions (kernel 4, stride 2),
halving the feature maps each time, then a 3 x 3 convolution gives the image channels. The
discriminator mirrors it with strided convolutions and LeakyReLU(0.2). ``steps`` is the number
of halvings that keep the smallest map at 4 pixels or more (:func:`~biodl.models.gan.halvings`):
8 x 8 images use one (from 4 x 4), 28 x 28 two (from 7 x 7), 64 x 64 four (from 4 x 4). A side
that is not a power-of-two multiple is cropped from the next larger one.

The generator's default ``output='tanh'`` expects images scaled to [-1, 1] (DCGAN's choice).

Examples
--------
>>> import torch
>>> from biodl.models.gan_image import ImageDiscriminator, ImageGenerator
>>> g = ImageGenerator(1, 28, 28, feature_maps=8)
>>> x = g(g.noise(2))
>>> tuple(x.shape), tuple(ImageDiscriminator(1, 28, 28, feature_maps=8)(x).shape)
((2, 1, 28, 28), (2,))
"""

from __future__ import annotations

import math

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
    halvings,
    maps_at,
    output_layer,
)

__all__ = ["ImageDiscriminator", "ImageGenerator"]

#: Most stride-2 layers of either network; the widest layer has 8 x ``feature_maps`` maps.
MAX_STEPS = 5


class ImageGenerator(GANGenerator):
    """DCGAN-style convolutional generator of ``(batch, channels, height, width)`` images.

    Parameters
    ----------
    channels : int
        Image channels (1 grey, 3 colour).
    height, width : int
        Image size in pixels.
    n_classes : int, default 0
        0: unconditional; K: conditional on K classes (a label embedding joined to the noise).
    n_latent : int, default 64
        Width of the noise.
    feature_maps : int, default 32
        Feature maps at full resolution; doubled at each coarser level (at most 8 x).
    batch_norm : bool, default True
        Batch normalisation after the projection and each transposed convolution.
    dropout : float, default 0.0
        Dropout after each hidden layer.
    output : {'linear', 'tanh', 'sigmoid', 'softplus'}, default 'tanh'
        Last activation; 'tanh' for images scaled to [-1, 1].
    embedding_dim : int, default 16
        Width of the label embedding (conditional only).
    """

    def __init__(
        self,
        channels: int,
        height: int,
        width: int,
        n_classes: int = 0,
        *,
        n_latent: int = 64,
        feature_maps: int = 32,
        batch_norm: bool = True,
        dropout: float = 0.0,
        output: GanOutputName = "tanh",
        embedding_dim: int = 16,
    ):
        super().__init__(n_classes, n_latent, embedding_dim)
        name = "ImageGenerator"
        check_sizes(name, channels=channels, height=height, width=width, feature_maps=feature_maps)
        check_dropout(name, dropout)
        self.sample_shape = (int(channels), int(height), int(width))
        steps = halvings(min(height, width), MAX_STEPS)
        self.start = (math.ceil(height / 2**steps), math.ceil(width / 2**steps))
        self.start_maps = maps_at(feature_maps, steps)
        self.project = nn.Linear(self.in_width, self.start_maps * self.start[0] * self.start[1])
        layers: list[nn.Module] = [*self._after(self.start_maps, batch_norm, dropout)]
        for level in range(steps, 0, -1):
            c_in, c_out = maps_at(feature_maps, level), maps_at(feature_maps, level - 1)
            layers.append(nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=False))
            layers += self._after(c_out, batch_norm, dropout)
        layers.append(nn.Conv2d(feature_maps, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.output = output_layer(output)

    @staticmethod
    def _after(maps: int, batch_norm: bool, dropout: float) -> list[nn.Module]:
        layers: list[nn.Module] = [nn.BatchNorm2d(maps)] if batch_norm else []
        layers.append(nn.ReLU())
        return layers + ([nn.Dropout(dropout)] if dropout > 0 else [])

    def generate(self, h: Tensor) -> Tensor:
        x = self.project(h).view(h.shape[0], self.start_maps, *self.start)
        _, height, width = self.sample_shape
        return self.output(self.body(x)[:, :, :height, :width])


class ImageDiscriminator(GANDiscriminator):
    """DCGAN-style convolutional discriminator (critic) of ``(batch, channels, height, width)``.

    Strided 4 x 4 convolutions halve the image down to 4 pixels or more per side (doubling the
    feature maps), each followed by [BatchNorm] (not after the first), LeakyReLU(0.2) and
    [Dropout]; the flattened maps give one score.

    Parameters
    ----------
    channels : int
        Image channels.
    height, width : int
        Image size in pixels.
    n_classes : int, default 0
        0: unconditional; K: conditional on K classes.
    feature_maps : int, default 32
        Feature maps of the first convolution; doubled at each halving (at most 8 x).
    batch_norm : bool, default False
        Batch normalisation after each convolution but the first (not allowed with the
        'wasserstein-gp' loss).
    dropout : float, default 0.2
        Dropout after each convolution.
    conditioning : {'projection', 'concat'}, default 'projection'
        How labels enter (conditional only); 'concat' adds a learned label map as one more
        input channel.
    minibatch_std : bool, default False
        One more feature for the score: the batch's spread of the last features
        (:class:`~biodl.models.gan.GANDiscriminator`), against mode collapse.
    input_noise : float, default 0
        Gaussian noise (standard deviation) added to the inputs in training mode
        (:class:`~biodl.models.gan.GANDiscriminator`).
    """

    def __init__(
        self,
        channels: int,
        height: int,
        width: int,
        n_classes: int = 0,
        *,
        feature_maps: int = 32,
        batch_norm: bool = False,
        dropout: float = 0.2,
        conditioning: ConditioningName = "projection",
        minibatch_std: bool = False,
        input_noise: float = 0.0,
    ):
        super().__init__(
            n_classes, conditioning, minibatch_std=minibatch_std, input_noise=input_noise
        )
        name = "ImageDiscriminator"
        check_sizes(name, channels=channels, height=height, width=width, feature_maps=feature_maps)
        check_dropout(name, dropout)
        self.sample_shape = (int(channels), int(height), int(width))
        self.label_map = nn.Embedding(n_classes, height * width) if self.concat else None
        steps = halvings(min(height, width), MAX_STEPS)
        c_in = channels + (1 if self.concat else 0)
        layers: list[nn.Module] = []
        h, w = height, width
        for level in range(max(steps, 1)):
            c_out = maps_at(feature_maps, level)
            stride = 2 if steps else 1
            layers.append(nn.Conv2d(c_in, c_out, 4 if steps else 3, stride=stride, padding=1))
            if batch_norm and level > 0:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.LeakyReLU(LEAK))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            h, w, c_in = (h // 2, w // 2, c_out) if steps else (h, w, c_out)
        layers.append(nn.Flatten())
        self.body = nn.Sequential(*layers)
        self.make_head(c_in * h * w)

    def join(self, x: Tensor, labels: Tensor | None) -> Tensor:
        if self.label_map is not None and labels is not None:
            _, height, width = self.sample_shape
            plane = self.label_map(labels).view(-1, 1, height, width)
            return torch.cat([x, plane], dim=1)
        return x
