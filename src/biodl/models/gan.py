"""Generative adversarial networks: what every generator / discriminator pair shares.

A GAN is two networks. The **generator** maps random noise ``z : (batch, n_latent)`` (and, when
conditional, a class label) to a synthetic example; the **discriminator** (called a *critic*
under the Wasserstein loss) maps an example to one score per example: a logit, high for
"real". They are trained in turns (:mod:`biodl.training.gan`); the classes here are plain
``nn.Module`` s that any PyTorch loop can train.

Every pair shares one interface:

- ``generator(z, labels=None) -> (batch, *generator.sample_shape)``;
  ``generator.noise(n, generator=None) -> (n, n_latent)`` draws ``z``;
- ``discriminator(x, labels=None) -> (batch,)`` scores;
- ``n_classes``: 0 for an unconditional model; ``K`` for a conditional one, whose ``labels``
  are integers ``(batch,)`` in ``[0, K)``. A conditional generator joins a learned label
  embedding to the noise; a conditional discriminator either joins one to its input
  (``conditioning='concat'``) or adds the inner product of a label embedding with its last
  features to the score (``'projection'``, Miyato & Koyama 2018).

The families (:data:`biodl.models.GAN_PAIRS`): ``'mlp'`` (tables, expression profiles,
:mod:`biodl.models.gan_mlp`), ``'dcgan'`` (images, :mod:`biodl.models.gan_image`) and
``'conv1d'`` (sequences, :mod:`biodl.models.gan_sequence`). This module holds what they share:
the base classes, the conditioning, the output activations and :func:`sample_from`. Data
arguments (shapes, ``n_classes``) are positional; hyperparameters are keyword-only, read by
:mod:`biodl.models.registry`.

Examples
--------
>>> import torch
>>> from biodl.models.gan import sample_from
>>> from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
>>> g, d = MLPGenerator(5, 3, hidden=(16,)), MLPDiscriminator(5, 3, hidden=(16,))
>>> labels = torch.tensor([0, 2])
>>> d(g(g.noise(2), labels), labels).shape
torch.Size([2])
>>> sample_from(g, 4, labels=1, seed=0).shape
torch.Size([4, 5])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor, nn

from biodl.errors import ConfigError

__all__ = [
    "CONDITIONINGS",
    "GAN_OUTPUTS",
    "LEAK",
    "ConditioningName",
    "GANDiscriminator",
    "GANGenerator",
    "GanOutputName",
    "check_dropout",
    "check_labels",
    "check_sizes",
    "halvings",
    "maps_at",
    "output_layer",
    "sample_from",
]

GanOutputName = Literal["linear", "tanh", "sigmoid", "softplus"]
GAN_OUTPUTS: dict[str, str] = {
    "linear": "no squashing: standardised (z-scored) or log-scaled values of any sign",
    "tanh": "values in [-1, 1]: images or features scaled to that range",
    "sigmoid": "values in [0, 1]: proportions, pixel intensities scaled to that range",
    "softplus": "non-negative values: counts or log1p counts",
}
ConditioningName = Literal["projection", "concat"]
CONDITIONINGS: dict[str, str] = {
    "projection": "the score gains the inner product of a learned label embedding with the "
    "discriminator's last features (projection discriminator)",
    "concat": "a learned label embedding is joined to the discriminator's input",
}

#: Slope of the leaky ReLU of every discriminator (the DCGAN value).
LEAK = 0.2


def output_layer(name: str) -> nn.Module:
    """The generator's last activation, by name (see :data:`GAN_OUTPUTS`)."""
    if name not in GAN_OUTPUTS:
        raise ConfigError(
            f"output={name!r}: expected one of {', '.join(GAN_OUTPUTS)}. "
            "Use 'linear' for standardised values, 'softplus' for counts."
        )
    layers: dict[str, nn.Module] = {
        "linear": nn.Identity(),
        "tanh": nn.Tanh(),
        "sigmoid": nn.Sigmoid(),
        "softplus": nn.Softplus(),
    }
    return layers[name]


def maps_at(feature_maps: int, level: int) -> int:
    """Feature maps ``level`` halvings away from full resolution (doubling, at most 8 x).

    Examples
    --------
    >>> [maps_at(16, level) for level in range(5)]
    [16, 32, 64, 128, 128]
    """
    return feature_maps * min(8, 2**level)


def halvings(size: int, max_steps: int, smallest: int = 4) -> int:
    """How many stride-2 layers fit ``size``: at most ``max_steps``, keeping ``smallest`` or more.

    The convolutional pairs start the generator at ``ceil(size / 2**steps)`` and double it
    ``steps`` times (8 -> 1 step from 4; 28 -> 2 steps from 7; 64 -> 4 steps from 4).

    >>> halvings(8, 6), halvings(28, 6), halvings(64, 6), halvings(3, 6)
    (1, 2, 4, 0)
    """
    steps = 0
    while steps < max_steps and size / 2 ** (steps + 1) >= smallest:
        steps += 1
    return steps


def check_sizes(name: str, **sizes: int | Sequence[int]) -> None:
    """Raise a ConfigError naming the first size of ``sizes`` that is not a positive number."""
    for key, value in sizes.items():
        values = list(value) if isinstance(value, Sequence) else [value]
        if any(int(v) < 1 for v in values):
            raise ConfigError(
                f"{name}: {key}={value!r} must be positive whole numbers. Give sizes of 1 or more."
            )


def check_dropout(name: str, dropout: float) -> None:
    """Raise a ConfigError when ``dropout`` is not in [0, 1)."""
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"{name}: dropout={dropout}: expected a value in [0, 1)")


def check_labels(model: nn.Module, labels: Tensor | None) -> None:
    """Raise a ConfigError when ``labels`` do not suit ``model`` (given to an unconditional
    model, or missing for a conditional one)."""
    n_classes = int(getattr(model, "n_classes", 0))
    name = type(model).__name__
    if labels is not None and n_classes == 0:
        raise ConfigError(
            f"{name} is unconditional (n_classes=0) but labels were given; leave labels out, "
            "or build a conditional model with n_classes=K"
        )
    if labels is None and n_classes > 0:
        raise ConfigError(
            f"{name} is conditional on {n_classes} classes but no labels were given; pass "
            f"labels (integers in [0, {n_classes}))"
        )


class GANGenerator(nn.Module):
    """Base of the generators: noise (and labels) -> examples ``(batch, *sample_shape)``.

    Subclasses set ``sample_shape`` and implement :meth:`generate` on the joined input
    ``(batch, n_latent + embedding_dim)``.

    Parameters
    ----------
    n_classes : int
        0: unconditional; K: conditional on K classes.
    n_latent : int
        Width of the noise.
    embedding_dim : int
        Width of the label embedding joined to the noise (conditional only).
    """

    sample_shape: tuple[int, ...]

    def __init__(self, n_classes: int, n_latent: int, embedding_dim: int):
        super().__init__()
        check_sizes(type(self).__name__, n_latent=n_latent, embedding_dim=embedding_dim)
        if n_classes < 0 or n_classes == 1:
            raise ConfigError(
                f"{type(self).__name__}: n_classes={n_classes}: expected 0 (unconditional) or "
                "at least 2 classes"
            )
        self.n_classes = int(n_classes)
        self.n_latent = int(n_latent)
        self.label_embedding = nn.Embedding(n_classes, embedding_dim) if n_classes else None
        self.in_width = n_latent + (embedding_dim if n_classes else 0)

    def noise(self, n: int, *, generator: torch.Generator | None = None) -> Tensor:
        """Standard normal noise ``(n, n_latent)`` on the CPU (move it to the model's device)."""
        return torch.randn(n, self.n_latent, generator=generator)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Examples ``(batch, *sample_shape)`` from noise ``z : (batch, n_latent)``."""
        check_labels(self, labels)
        if self.label_embedding is not None and labels is not None:
            z = torch.cat([z, self.label_embedding(labels)], dim=1)
        return self.generate(z)

    def generate(self, h: Tensor) -> Tensor:
        """The network on the joined noise ``(batch, in_width)``."""
        raise NotImplementedError


class GANDiscriminator(nn.Module):
    """Base of the discriminators: examples (and labels) -> one score per example ``(batch,)``.

    Subclasses set ``sample_shape``, build ``body`` (features ``(batch, width)`` of the
    possibly label-joined input, see :meth:`join`) and call :meth:`make_head` with ``width``.

    Parameters
    ----------
    n_classes : int
        0: unconditional; K: conditional on K classes.
    conditioning : {'projection', 'concat'}
        How labels enter (conditional only); see :data:`CONDITIONINGS`.
    minibatch_std : bool, default False
        Give the score one more feature: the standard deviation of each last feature across
        the batch, averaged (Karras et al. 2018, "Progressive growing of GANs", section 3). A
        generated batch whose examples are all alike scores differently from a real batch,
        so the discriminator can punish a generator that collapses onto a few examples. It
        makes each score depend on the rest of its batch (as batch norm does), and needs the
        real and the generated examples scored in separate batches, as ``fit_gan`` does.
    input_noise : float, default 0
        Standard deviation of Gaussian noise added to every (floating-point) input example
        in training mode, real and generated alike ("instance noise", Sonderby et al. 2017;
        Arjovsky & Bottou 2017): the two distributions overlap, so the discriminator cannot
        separate them perfectly and its gradient stays informative. Integer letter codes of
        sequences get none (give one-hot rows).
    """

    sample_shape: tuple[int, ...]
    body: nn.Module

    def __init__(
        self,
        n_classes: int,
        conditioning: str,
        *,
        minibatch_std: bool = False,
        input_noise: float = 0.0,
    ):
        super().__init__()
        if n_classes < 0 or n_classes == 1:
            raise ConfigError(
                f"{type(self).__name__}: n_classes={n_classes}: expected 0 (unconditional) or "
                "at least 2 classes"
            )
        if conditioning not in CONDITIONINGS:
            raise ConfigError(
                f"{type(self).__name__}: conditioning={conditioning!r}: expected one of "
                f"{', '.join(CONDITIONINGS)}"
            )
        self.n_classes = int(n_classes)
        self.conditioning = conditioning
        self.concat = n_classes > 0 and conditioning == "concat"
        self.minibatch_std = bool(minibatch_std)
        if not (math.isfinite(input_noise) and input_noise >= 0):
            raise ConfigError(
                f"{type(self).__name__}: input_noise={input_noise}: expected a standard "
                "deviation >= 0"
            )
        self.input_noise = float(input_noise)

    def make_head(self, width: int) -> None:
        """The linear score and, for a projection discriminator, the label embedding."""
        self.head = nn.Linear(width + (1 if self.minibatch_std else 0), 1)
        project = self.n_classes > 0 and self.conditioning == "projection"
        self.projection = nn.Embedding(self.n_classes, width) if project else None
        if self.projection is not None:
            nn.init.normal_(self.projection.weight, std=0.02)

    def join(self, x: Tensor, labels: Tensor | None) -> Tensor:
        """The input the body sees (labels joined for 'concat')."""
        return x

    def features(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """Last features ``(batch, width)`` before the score."""
        return self.body(self.join(x, labels))

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """Scores ``(batch,)`` of ``x : (batch, *sample_shape)`` (logits; high = real)."""
        check_labels(self, labels)
        if self.training and self.input_noise > 0 and x.is_floating_point():
            x = x + self.input_noise * torch.randn_like(x)
        h = self.features(x, labels)
        if self.minibatch_std:
            spread = h.std(dim=0, unbiased=False).mean() if len(h) > 1 else h.new_zeros(())
            score = self.head(torch.cat([h, spread.expand(len(h), 1)], dim=1)).squeeze(-1)
        else:
            score = self.head(h).squeeze(-1)
        if self.projection is not None and labels is not None:
            score = score + (self.projection(labels) * h).sum(dim=-1)
        return score


def _label_tensor(generator: GANGenerator, n: int, labels: Any) -> Tensor | None:
    if labels is None:
        check_labels(generator, None)
        return None
    array = np.asarray(labels)
    if array.ndim == 0:
        array = np.full(n, array)
    if array.shape != (n,) or not np.issubdtype(array.dtype, np.integer):
        raise ConfigError(
            f"labels: expected one integer or {n} integers (one per sample); got an array of "
            f"shape {array.shape} and type {array.dtype}"
        )
    check_labels(generator, torch.as_tensor(array))
    if array.min() < 0 or array.max() >= generator.n_classes:
        raise ConfigError(
            f"labels: expected integers in [0, {generator.n_classes}); got values from "
            f"{array.min()} to {array.max()}"
        )
    return torch.as_tensor(array, dtype=torch.long)


@torch.no_grad()
def sample_from(
    generator: GANGenerator,
    n: int,
    labels: Any = None,
    *,
    seed: int = 0,
    batch_size: int = 1024,
) -> Tensor:
    """``n`` examples ``(n, *sample_shape)`` from ``generator`` in eval mode, on the CPU.

    The noise is drawn on the CPU from ``seed``, so the same seed gives the same samples on
    every device; draws inside the generator (:class:`~biodl.models.gan_counts.
    CountGenerator`) come from torch's global generator seeded with ``seed``, whose state is
    restored afterwards. The generator's training mode is restored afterwards.

    Parameters
    ----------
    generator : GANGenerator
    n : int
        Number of examples, at least 1.
    labels : int or array of int (n,), optional
        Classes of a conditional generator (one integer: every example of that class);
        required for a conditional generator, refused for an unconditional one.
    seed : int, default 0
    batch_size : int, default 1024
        Examples generated per forward pass.

    Returns
    -------
    Tensor (n, *sample_shape), float32
        For a sequence generator, probabilities ``(n, length, letters)``.

    Raises
    ------
    ConfigError
        ``n`` not positive; labels given to an unconditional generator, missing for a
        conditional one, of the wrong shape or out of range.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ConfigError(f"n={n!r}: expected a positive number of samples (1 or more)")
    label_tensor = _label_tensor(generator, int(n), labels)
    rng = torch.Generator().manual_seed(int(seed))
    z = generator.noise(int(n), generator=rng)
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    # A generator that draws inside (CountGenerator) uses torch's global generator: seeded
    # here from ``seed``, and the caller's random state restored afterwards.
    forked = [device] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=forked):
            torch.default_generator.manual_seed(int(seed))
            if forked:
                torch.cuda.manual_seed(int(seed))
            parts = []
            for start in range(0, int(n), batch_size):
                zb = z[start : start + batch_size].to(device)
                lb = None if label_tensor is None else label_tensor[start : start + batch_size]
                parts.append(generator(zb, None if lb is None else lb.to(device)).float().cpu())
    finally:
        generator.train(was_training)
    return torch.cat(parts)
