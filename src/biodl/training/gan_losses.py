"""The adversarial losses of a GAN, the gradient penalty, and the discriminator's accuracy.

Scores are the discriminator's raw outputs ``(batch,)``: logits for 'minimax' and
'nonsaturating' (``sigmoid(score)`` is the probability of "real"), unbounded critic values for
'wasserstein-gp'. Each loss is averaged over the batch; the trainer minimises both.

===============  ===========================================  ================================
loss             discriminator minimises                      generator minimises
===============  ===========================================  ================================
minimax          -log D(x) - log(1 - D(G(z)))                 log(1 - D(G(z)))
nonsaturating    -log D(x) - log(1 - D(G(z)))                 -log D(G(z))
wasserstein-gp   C(G(z)) - C(x) + gp_weight * penalty         -C(G(z))
===============  ===========================================  ================================

The penalty (Gulrajani et al. 2017) is ``mean((||grad_x' C(x')||_2 - 1)^2)`` at points
``x' = eps x + (1 - eps) G(z)`` on lines between real and generated examples, one uniform
``eps`` per example.

Examples
--------
>>> import torch
>>> real, fake = torch.tensor([2.0, 1.0]), torch.tensor([-1.0, 0.5])
>>> round(float(discriminator_loss("wasserstein-gp", real, fake)), 3)
-1.75
>>> [int(c) for c in correct_counts("nonsaturating", real, fake)]
[2, 1]
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from biodl.errors import ConfigError
from biodl.options import OPTION_HELP

__all__ = [
    "GAN_LOSSES",
    "check_loss",
    "correct_counts",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
]

#: Loss name -> meaning (the closed set ``gan_loss`` of :mod:`biodl.options`).
GAN_LOSSES: dict[str, str] = OPTION_HELP["gan_loss"]


def check_loss(loss: str) -> None:
    """Raise a ConfigError for a loss name outside :data:`GAN_LOSSES`."""
    if loss not in GAN_LOSSES:
        raise ConfigError(
            f"loss={loss!r}: unknown GAN loss; expected one of {', '.join(GAN_LOSSES)}. "
            "Use 'nonsaturating' (the default) or 'wasserstein-gp' for stability."
        )


def discriminator_loss(loss: str, real: Tensor, fake: Tensor) -> Tensor:
    """The discriminator's (critic's) loss on scores of real and generated examples.

    Without the gradient penalty, which :func:`gradient_penalty` adds for 'wasserstein-gp'.
    """
    if loss == "wasserstein-gp":
        return fake.mean() - real.mean()
    # -log sigmoid(s) = softplus(-s); -log(1 - sigmoid(s)) = softplus(s)
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def generator_loss(loss: str, fake: Tensor) -> Tensor:
    """The generator's loss on the discriminator's scores of generated examples."""
    if loss == "wasserstein-gp":
        return -fake.mean()
    if loss == "minimax":
        return -F.softplus(fake).mean()  # log(1 - sigmoid(s))
    return F.softplus(-fake).mean()  # -log sigmoid(s)


def gradient_penalty(
    critic: Any,
    real: Tensor,
    fake: Tensor,
    labels: Tensor | None = None,
    *,
    eps: Tensor | None = None,
) -> Tensor:
    """``mean((||grad C(x')||_2 - 1)^2)`` at ``x' = eps real + (1 - eps) fake``.

    Parameters
    ----------
    critic : callable
        ``critic(x, labels) -> (batch,)`` scores.
    real, fake : Tensor (batch, ...)
        Real and generated examples of one shape; ``fake`` is detached here.
    labels : Tensor (batch,), optional
        Labels of a conditional critic (the same for both).
    eps : Tensor (batch,), optional
        Mixing weights; default uniform on [0, 1), one per example.

    Returns
    -------
    Tensor (scalar)
        Differentiable with respect to the critic's weights (``create_graph``).

    Examples
    --------
    >>> import torch
    >>> w = torch.tensor([3.0, 4.0])
    >>> gradient_penalty(lambda x, y: x @ w, torch.ones(2, 2), torch.zeros(2, 2))
    tensor(16.)
    """
    fake = fake.detach()
    if eps is None:
        eps = torch.rand(real.shape[0], device=real.device, dtype=real.dtype)
    shape = (-1,) + (1,) * (real.dim() - 1)
    mixed = (eps.view(shape) * real + (1 - eps.view(shape)) * fake).requires_grad_(True)
    scores = critic(mixed, labels)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


def correct_counts(loss: str, real: Tensor, fake: Tensor) -> Tensor:
    """How many real and how many generated examples the discriminator gets right, ``(2,)``.

    A logit discriminator is right on a real example when its score is above 0 (probability
    of "real" above 0.5) and on a generated one when it is below 0. A Wasserstein critic has
    no fixed threshold (adding a constant to every score changes nothing), so its threshold is
    the midpoint of the batch's mean real and mean generated scores: a critic that cannot tell
    them apart is right about half the time, one that ranks every real example above every
    generated one is always right.
    """
    with torch.no_grad():
        if loss == "wasserstein-gp":
            threshold = 0.5 * (real.mean() + fake.mean())
        else:
            threshold = real.new_zeros(())
        return torch.stack([(real > threshold).sum(), (fake < threshold).sum()])
