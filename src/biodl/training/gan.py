"""Fit a GAN on the one Lightning path: :func:`fit_gan` and its result :class:`GANFit`.

The generator and discriminator (:mod:`biodl.models.gan`, :mod:`biodl.models.gan_image`,
:mod:`biodl.models.gan_sequence`) are trained in turns by
:class:`~biodl.training.gan_task.GANTask`: ``d_steps`` discriminator updates, then ``g_steps``
generator updates, the other network frozen while one learns. Training runs through
:func:`biodl.training.trainer.run_fit`, like every other fit: the same device options,
progress bar, epoch lines and Ctrl-C handling.

Examples
--------
>>> import numpy as np
>>> from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
>>> X = np.random.default_rng(0).normal(2.0, 0.5, size=(128, 2)).astype("float32")
>>> fit = fit_gan(MLPGenerator(2, hidden=(16,)), MLPDiscriminator(2, hidden=(16,)), X,
...               epochs=2, batch_size=32)
>>> list(fit.history.columns)
['epoch', 'd_loss', 'g_loss', 'd_acc_real', 'd_acc_fake', 'quality']
>>> fit.sample(5, seed=1).shape
(5, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from biodl.data.dataset import loader
from biodl.errors import ConfigError, DataError
from biodl.models.gan import GANDiscriminator, GANGenerator, sample_from
from biodl.models.gan_sequence import SequenceGenerator
from biodl.options import GanLossOption
from biodl.training.gan_losses import check_loss
from biodl.training.gan_task import GANBatches, GANTask, as_array
from biodl.training.trainer import TrainerOptions, run_fit

__all__ = ["GANFit", "fit_gan"]


@dataclass
class GANFit:
    """A trained GAN.

    Attributes
    ----------
    generator : GANGenerator
        The kept generator (see ``best_epoch``), in eval mode, on the CPU.
    discriminator : GANDiscriminator
        The discriminator of the same epoch, in eval mode, on the CPU.
    history : DataFrame
        One row per epoch: ``epoch``, ``d_loss``, ``g_loss``, ``d_acc_real``, ``d_acc_fake``
        (the discriminator's accuracy on the real and generated examples of its updates),
        ``quality`` (NaN where not evaluated).
    best_epoch : int
        1-based epoch whose weights are kept: the best (lowest) quality when ``quality`` was
        given, else the last epoch trained.
    stop_reason : str
        Why training ended: ``'fooled: ...'`` (``stop_when_fooled``) or
        ``'epochs: trained all N epochs'``.
    loss : str
        The adversarial loss.
    steps : dict
        Optimiser steps taken: ``{'discriminator': int, 'generator': int}``.
    class_counts : ndarray of int (n_classes,) or None
        Training examples per class (conditional models).
    seconds : float
        Wall-clock training time.
    device : str
        Where training ran, e.g. 'cpu' or 'cuda'.
    """

    generator: GANGenerator
    discriminator: GANDiscriminator
    history: pd.DataFrame
    best_epoch: int
    stop_reason: str
    loss: str
    steps: dict[str, int]
    class_counts: np.ndarray | None
    seconds: float
    device: str

    def sample(
        self, n: int, labels: Any = None, *, seed: int = 0, probabilities: bool = False
    ) -> np.ndarray:
        """``n`` new examples from the kept generator.

        Parameters
        ----------
        n : int
            At least 1.
        labels : int or array of int (n,), optional
            Classes of a conditional GAN (required there: see :meth:`training_labels`);
            refused for an unconditional one.
        seed : int, default 0
            The same seed gives the same examples.
        probabilities : bool, default False
            Sequences only: letter probabilities ``(n, length, letters)`` instead of letter
            indices ``(n, length)`` (the most probable letter at each position).

        Returns
        -------
        ndarray, float32 (or int64 letter indices)
            Tables ``(n, features)``, images ``(n, channels, height, width)``, sequences
            ``(n, length)`` or ``(n, length, letters)``.

        Raises
        ------
        ConfigError
            ``n`` not positive; labels refused, missing, or out of range.
        """
        samples = sample_from(self.generator, n, labels, seed=seed)
        return as_array(self.generator, samples, probabilities=probabilities)

    def training_labels(self, n: int, *, seed: int = 0) -> np.ndarray:
        """``n`` labels drawn with the training classes' frequencies (conditional GANs).

        Raises
        ------
        ConfigError
            For an unconditional GAN, or ``n`` not positive.
        """
        if self.class_counts is None:
            raise ConfigError("training_labels: this GAN is unconditional; it has no labels")
        if n < 1:
            raise ConfigError(f"n={n!r}: expected a positive number of labels (1 or more)")
        share = self.class_counts / self.class_counts.sum()
        return np.random.default_rng(seed).choice(len(share), size=n, p=share)


def _positive_int(name: str, value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name}={value!r}: expected {what}, a whole number of 1 or more")
    return int(value)


def _check_options(
    loss: str, lr: float, d_lr: float | None, betas: tuple[float, float], gp_weight: float
) -> None:
    check_loss(loss)
    for name, rate in (("lr", lr), ("d_lr", lr if d_lr is None else d_lr)):
        if not rate > 0:
            raise ConfigError(f"{name}={rate!r}: expected a positive learning rate, e.g. 2e-4")
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ConfigError(f"betas={betas!r}: expected two numbers in [0, 1), e.g. (0.5, 0.999)")
    if not gp_weight >= 0:
        raise ConfigError(f"gp_weight={gp_weight!r}: expected 0 or more (10 is usual)")


def _check_pair(generator: nn.Module, discriminator: nn.Module, loss: str) -> None:
    if not isinstance(generator, GANGenerator) or not isinstance(discriminator, GANDiscriminator):
        raise ConfigError(
            "fit_gan: expected a GANGenerator and a GANDiscriminator (biodl.models.gan); got "
            f"{type(generator).__name__} and {type(discriminator).__name__}"
        )
    if generator.sample_shape != discriminator.sample_shape:
        raise ConfigError(
            f"the generator makes examples of shape {generator.sample_shape} but the "
            f"discriminator reads {discriminator.sample_shape}; build both for the same data"
        )
    if generator.n_classes != discriminator.n_classes:
        raise ConfigError(
            f"the generator has n_classes={generator.n_classes} but the discriminator "
            f"{discriminator.n_classes}; build both with the same number of classes"
        )
    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
    if loss == "wasserstein-gp" and any(isinstance(m, norms) for m in discriminator.modules()):
        raise ConfigError(
            "loss='wasserstein-gp' needs a critic without batch norm (the gradient penalty is "
            "per example); build the discriminator with batch_norm=False"
        )


def _check_data(generator: GANGenerator, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray | None]:
    X = np.asarray(X)
    shape = generator.sample_shape
    codes = isinstance(generator, SequenceGenerator) and X.ndim == 2
    expected = shape[:1] if codes else shape
    if X.ndim != len(expected) + 1 or tuple(X.shape[1:]) != expected:
        raise DataError(
            f"X has shape {X.shape}; the generator makes examples of shape {shape}, so X must "
            f"be (n, {', '.join(map(str, shape))})"
            + (" or (n, length) letter codes" if isinstance(generator, SequenceGenerator) else "")
        )
    if X.shape[0] < 2:
        raise DataError(f"X has {X.shape[0]} example(s); a GAN needs at least 2 to train")
    if codes and (X.min() < 0 or X.max() >= shape[1] or not np.issubdtype(X.dtype, np.integer)):
        raise DataError(f"X: letter codes must be integers in [0, {shape[1]})")
    if not codes and not np.isfinite(X).all():
        raise DataError("X contains NaN or infinite values; impute or drop them first")
    if y is None:
        if generator.n_classes:
            raise DataError(
                f"y: the GAN is conditional on {generator.n_classes} classes but no labels "
                "were given; pass y (integers in [0, n_classes))"
            )
        return X, None
    if not generator.n_classes:
        raise ConfigError(
            "y: labels were given but the GAN is unconditional (n_classes=0); leave y out, or "
            "build the generator and discriminator with n_classes=K"
        )
    labels = np.asarray(y)
    if labels.shape != (X.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(
            f"y has shape {labels.shape} and type {labels.dtype}; expected {X.shape[0]} "
            "integer labels, one per row of X"
        )
    if labels.min() < 0 or labels.max() >= generator.n_classes:
        raise DataError(
            f"y: labels must be in [0, {generator.n_classes}); got {labels.min()} to "
            f"{labels.max()}. Encode classes as 0..K-1"
        )
    return X, labels


def fit_gan(
    generator: GANGenerator,
    discriminator: GANDiscriminator,
    X: np.ndarray,
    y: np.ndarray | None = None,
    *,
    loss: GanLossOption = "nonsaturating",
    d_steps: int = 1,
    g_steps: int = 1,
    epochs: int = 200,
    batch_size: int = 64,
    lr: float = 2e-4,
    d_lr: float | None = None,
    betas: tuple[float, float] = (0.5, 0.999),
    gp_weight: float = 10.0,
    stop_when_fooled: float | None = None,
    quality: Callable[[np.ndarray], float] | None = None,
    quality_every: int = 1,
    quality_samples: int = 1000,
    quality_labels: np.ndarray | None = None,
    seed: int = 0,
    options: TrainerOptions | None = None,
    progress: bool | None = False,
    callbacks: list[Any] | None = None,
) -> GANFit:
    """Train a generator and a discriminator in turns on the examples ``X`` (labels ``y``).

    Parameters
    ----------
    generator : GANGenerator
        From :mod:`biodl.models.gan` (``MLPGenerator``), ``gan_image`` or ``gan_sequence``.
    discriminator : GANDiscriminator
        Of the same family, shape and ``n_classes``.
    X : ndarray (n, *sample_shape)
        Real training examples, scaled as the generator's ``output`` produces them (e.g.
        standardised for 'linear', [-1, 1] for images with 'tanh'); sequences as one-hot
        ``(n, length, letters)`` or letter codes ``(n, length)``.
    y : ndarray of int (n,), optional
        Classes ``0..K-1``; required for a conditional pair, refused otherwise.
    loss : {'nonsaturating', 'minimax', 'wasserstein-gp'}, default 'nonsaturating'
        See :mod:`biodl.training.gan_losses`. 'wasserstein-gp' needs a discriminator without
        batch norm and usually ``d_steps=5``.
    d_steps, g_steps : int, default 1
        One round: ``d_steps`` discriminator updates (one per real batch), then ``g_steps``
        generator updates; the other network is frozen while one learns.
    epochs : int, default 200
        Passes of the discriminator over ``X``.
    batch_size : int, default 64
        Real examples per discriminator update (and generated ones per update); capped at
        ``n``, and one more when the last batch would hold a single example.
    lr : float, default 2e-4
        Adam's learning rate of the generator.
    d_lr : float or None, default None
        The discriminator's learning rate; None: ``lr``.
    betas : (float, float), default (0.5, 0.999)
        Adam's betas of both networks.
    gp_weight : float, default 10.0
        Weight of the gradient penalty ('wasserstein-gp' only).
    stop_when_fooled : float or None, default None
        The course's rule "train until the discriminator fails half the time" (give 0.5):
        training stops at the end of the first epoch in which the discriminator's accuracy,
        over every real and generated example it judged in that epoch's updates (each scored
        just before the update that learns from it; real and generated counted alike), is at
        most this value. For the Wasserstein critic, accuracy uses the midpoint threshold of
        :func:`~biodl.training.gan_losses.correct_counts`.
    quality : callable or None, default None
        ``quality(samples) -> float``, lower is better (a distance to held-out real data,
        a detection AUROC, 1 - a downstream accuracy ...), called on ``quality_samples``
        examples generated after every ``quality_every``-th epoch and the last one, in the
        format of :meth:`GANFit.sample`. The weights of the epoch with the lowest value are
        kept: a discriminator fooled half the time says only that the two networks are
        balanced, not that the samples are good (both can be poor, and the generator can
        collapse onto a few examples the discriminator has not yet learned to reject), and
        GAN training oscillates, so the last epoch is often not the best one.
    quality_every : int, default 1
    quality_samples : int, default 1000
    quality_labels : ndarray of int (quality_samples,), optional
        Classes of the quality samples of a conditional GAN (pass them to use the labels in
        ``quality``); default drawn from the training labels with ``seed``.
    seed : int, default 0
        Seeds the batches, the noise, dropout and the quality samples; the same seed, data and
        initial weights give the same result on the CPU.
    options : TrainerOptions, optional
        Device, precision, strategy; default ``TrainerOptions(devices=1)``.
    progress : bool or None, default False
        Lightning's progress bar (None: only on an interactive terminal).
    callbacks : list of lightning Callback, optional

    Returns
    -------
    GANFit

    Raises
    ------
    ConfigError
        An unknown loss; ``d_steps``, ``g_steps``, ``epochs``, ``batch_size``,
        ``quality_every`` or ``quality_samples`` below 1; a learning rate not positive;
        ``stop_when_fooled`` outside (0, 1); mismatched networks; batch norm in a
        Wasserstein critic; labels given to an unconditional GAN.
    DataError
        ``X`` of the wrong shape, with NaN, or under 2 examples; labels missing for a
        conditional GAN, of the wrong shape or out of range.
    RunInterrupted
        Ctrl-C or SIGTERM stopped training.
    TrainingDiverged
        A loss became NaN or infinite.
    """
    _check_options(loss, lr, d_lr, betas, gp_weight)
    d_steps = _positive_int("d_steps", d_steps, "discriminator updates per round")
    g_steps = _positive_int("g_steps", g_steps, "generator updates per round")
    epochs = _positive_int("epochs", epochs, "a number of epochs")
    batch_size = _positive_int("batch_size", batch_size, "examples per batch")
    quality_every = _positive_int("quality_every", quality_every, "epochs between evaluations")
    quality_samples = _positive_int("quality_samples", quality_samples, "a number of samples")
    if stop_when_fooled is not None and not 0 < stop_when_fooled < 1:
        raise ConfigError(
            f"stop_when_fooled={stop_when_fooled!r}: expected an accuracy in (0, 1), e.g. 0.5"
        )
    _check_pair(generator, discriminator, loss)
    X, labels = _check_data(generator, X, y)
    counts = None if labels is None else np.bincount(labels, minlength=generator.n_classes)
    if labels is not None and quality_labels is None:
        quality_labels = np.random.default_rng(seed).choice(labels, size=quality_samples)

    torch.manual_seed(seed)
    letters = generator.sample_shape[1] if isinstance(generator, SequenceGenerator) else 0
    data = GANBatches(X, labels, n_letters=letters if X.ndim == 2 and letters else 0)
    n = len(data)
    size = min(batch_size, n)
    if n % size == 1:  # a batch of one breaks batch normalisation
        size += 1
    task = GANTask(
        generator,
        discriminator,
        loss=loss,
        d_steps=d_steps,
        g_steps=g_steps,
        lr=lr,
        d_lr=d_lr,
        betas=betas,
        gp_weight=gp_weight,
        stop_when_fooled=stop_when_fooled,
        quality=quality,
        quality_every=quality_every,
        quality_samples=quality_samples,
        quality_labels=quality_labels,
        seed=seed,
    )
    run = run_fit(
        task,
        loader(data, size, shuffle=True, seed=seed),
        max_epochs=epochs,
        options=options or TrainerOptions(devices=1),
        progress=progress,
        callbacks=callbacks,
    )
    if task.best_state is not None:
        generator.load_state_dict(task.best_state["generator"])
        discriminator.load_state_dict(task.best_state["discriminator"])
    generator.cpu().eval()
    discriminator.cpu().eval()
    history = pd.DataFrame(
        task.history or run.history.to_dict(orient="records"),
        columns=["epoch", "d_loss", "g_loss", "d_acc_real", "d_acc_fake", "quality"],
    )
    return GANFit(
        generator=generator,
        discriminator=discriminator,
        history=history,
        best_epoch=task.best_epoch or run.best_epoch,
        stop_reason=task.stop_reason or f"epochs: trained all {epochs} epochs",
        loss=loss,
        steps=dict(task.steps),
        class_counts=counts,
        seconds=run.seconds,
        device=run.device,
    )
