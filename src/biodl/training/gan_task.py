"""The Lightning module that trains a generator and a discriminator in turns.

One **round** is ``d_steps`` discriminator updates followed by ``g_steps`` generator updates.
Every training batch of real examples gives one discriminator update (against as many freshly
generated examples, with the batch's labels when conditional); after every ``d_steps``-th
discriminator update come ``g_steps`` generator updates, each on fresh noise (and the same
labels). The round counter carries over from one epoch to the next, so an epoch is one pass of
the discriminator over the real training examples.

While one network learns, the other's parameters are **frozen** (``requires_grad`` off):

- in a discriminator update the generated examples are constants (made under ``no_grad``),
  so no gradient reaches the generator;
- in a generator update the gradient must flow *through* the discriminator to the generated
  examples, but the discriminator's weights must not move, or the generator would win by
  weakening its judge. With ``requires_grad`` off, autograd does not even compute the
  discriminator's weight gradients (less work than computing and discarding them), and no
  optimiser step can touch them.

Optimisation is manual (two Adam optimisers); each update's loss and the discriminator's
scores are kept on the device as they are, and summed and read once per epoch, so training adds
no per-step synchronisation and no arithmetic per update. Where no precision plugin, strategy,
profiler or callback needs Lightning's per-update hooks (32-bit or bf16 on one device, the
usual case), each update is ``loss.backward()`` and the raw optimiser's ``step()``
(:mod:`biodl.training.direct_updates`: the same numbers, fewer calls); otherwise, e.g. with
'16-mixed' loss scaling or under DDP, ``manual_backward`` and ``LightningOptimizer.step``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import Dataset, Sampler

from biodl.data.dataset import BatchSampler
from biodl.errors import TrainingDiverged
from biodl.models.gan import GANDiscriminator, GANGenerator, sample_from
from biodl.models.gan_sequence import SequenceGenerator
from biodl.training.callbacks import divergence_message
from biodl.training.direct_updates import update, why_not_direct
from biodl.training.gan_losses import (
    correct_counts,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
)

__all__ = [
    "BATCHES_PER_STEP",
    "GANBatches",
    "GANTask",
    "GroupedBatches",
    "as_array",
    "set_trainable",
]


def set_trainable(network: nn.Module, trainable: bool) -> None:
    """Switch ``requires_grad`` of every parameter of ``network``."""
    for p in network.parameters():
        p.requires_grad_(trainable)


def as_array(
    generator: GANGenerator, samples: Tensor, *, probabilities: bool = False
) -> np.ndarray:
    """Generated examples as a NumPy array.

    Sequences become letter indices ``(n, length)`` (the most probable letter at each
    position), or stay probabilities ``(n, length, letters)`` with ``probabilities=True``;
    other examples keep their shape (images ``(n, C, H, W)``, tables ``(n, features)``).
    """
    if isinstance(generator, SequenceGenerator) and not probabilities:
        return samples.argmax(dim=-1).numpy()
    return samples.numpy()


#: Real batches per Lightning training step. Lightning's per-step bookkeeping (hooks, batch
#: transfer, progress) costs about half a millisecond on a CPU; handing it a group of batches
#: spreads that over the group. The batches and the updates are the same as one at a time.
BATCHES_PER_STEP = 8


class GroupedBatches(Sampler[list[np.ndarray]]):
    """Groups of up to ``size`` consecutive batches (arrays of row indices) of ``batches``.

    Parameters
    ----------
    batches : BatchSampler
        Yields arrays of row indices, reshuffled every epoch (``set_epoch`` is passed on).
    size : int
        Batches per group (the last group may hold fewer).
    """

    def __init__(self, batches: BatchSampler, size: int):
        self.batches = batches
        self.size = max(1, int(size))

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def __len__(self) -> int:
        return -(-len(self.batches) // self.size)

    def __iter__(self) -> Iterator[list[np.ndarray]]:
        group: list[np.ndarray] = []
        for batch in self.batches:
            group.append(batch)
            if len(group) == self.size:
                yield group
                group = []
        if group:
            yield group


class GANBatches(Dataset[Any]):
    """Real training examples (and labels), served in groups of whole batches.

    Indexing with an array of row indices gives one batch, ``x`` or ``(x, labels)``; with a
    list of such arrays, a list of batches (what :meth:`sampler` yields: groups of
    :data:`BATCHES_PER_STEP`). Letter codes of sequences ``(n, length)`` are kept as integers
    and one-hot encoded one batch at a time.

    Parameters
    ----------
    X : ndarray (n, *sample_shape), or (n, length) integer letter codes
    y : ndarray of int (n,) or None
    n_letters : int, default 0
        Alphabet size when ``X`` holds letter codes (0: ``X`` is used as it is).
    group : int, default BATCHES_PER_STEP
        Batches per group served by :meth:`sampler`.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray | None = None,
        n_letters: int = 0,
        group: int = BATCHES_PER_STEP,
    ):
        self.n_letters = n_letters
        self.group = group
        dtype = np.int64 if n_letters else np.float32
        self.X = torch.from_numpy(np.ascontiguousarray(X, dtype=dtype))
        self.y = None if y is None else torch.from_numpy(np.asarray(y, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def sampler(self, batch_size: int, *, shuffle: bool = False, seed: int = 0) -> GroupedBatches:
        """Groups of ``group`` batches of ``batch_size`` rows (used by ``data.dataset.loader``)."""
        inner = BatchSampler(len(self), batch_size, shuffle=shuffle, seed=seed)
        return GroupedBatches(inner, self.group)

    def batch(self, index: np.ndarray) -> Tensor | tuple[Tensor, Tensor]:
        """One batch of the rows ``index``."""
        rows = torch.from_numpy(np.sort(index))
        x = self.X[rows]
        if self.n_letters:
            x = torch.nn.functional.one_hot(x, self.n_letters).float()
        return x if self.y is None else (x, self.y[rows])

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return [self.batch(i) for i in index]
        return self.batch(index)


@dataclass
class _Turns:
    """Where the task is in its turns, in a plain object (an ``nn.Module``'s own attribute
    writes check for parameters and submodules; these change at every update)."""

    in_round: int = 0
    learner: str = ""
    params: dict[str, list[nn.Parameter]] = field(default_factory=dict)
    noise: tuple[int, torch.device, torch.dtype] | None = None  # (n_latent, device, dtype)


class GANTask(L.LightningModule):
    """Trains ``generator`` and ``discriminator`` in turns (see the module docstring).

    Parameters
    ----------
    generator : GANGenerator
    discriminator : GANDiscriminator
    loss : {'nonsaturating', 'minimax', 'wasserstein-gp'}, default 'nonsaturating'
    d_steps, g_steps : int, default 1
        Discriminator, then generator, updates per round.
    lr : float, default 2e-4
        Adam's learning rate of the generator.
    d_lr : float or None, default None
        The discriminator's; None: ``lr``.
    betas : (float, float), default (0.5, 0.999)
        Adam's betas of both (DCGAN's first moment of 0.5).
    gp_weight : float, default 10.0
        Weight of the gradient penalty ('wasserstein-gp').
    stop_when_fooled : float or None, default None
        Stop at the end of the first epoch whose discriminator accuracy is at most this.
    quality : callable or None, default None
        ``quality(samples) -> float``, lower is better, on ``quality_samples`` fresh samples
        (:func:`as_array`); the weights of the best epoch are kept (:attr:`best_state`).
    quality_every : int, default 1
        Epochs between quality evaluations (the last epoch is always evaluated).
    quality_samples : int, default 1000
    quality_labels : ndarray of int or None
        Labels of the quality samples (conditional models).
    seed : int, default 0
        Seeds the quality samples' noise (the same every evaluation, so epochs compare on
        equal terms; the training noise is not disturbed).

    Attributes
    ----------
    history : list of dict
        One row per epoch: ``epoch``, ``d_loss``, ``g_loss``, ``d_acc_real``, ``d_acc_fake``,
        ``quality`` (NaN where not evaluated).
    steps : dict
        Optimiser steps taken: ``{'discriminator': int, 'generator': int}``.
    best_epoch : int
        1-based epoch of the best quality (the last epoch without ``quality``).
    best_state : dict or None
        ``{'generator': state_dict, 'discriminator': state_dict}`` of the best epoch.
    stop_reason : str
        Why training ended early ('' when it ran every epoch; see :func:`fit_gan`).
    direct_updates : bool
        Whether the updates of the last fit bypassed Lightning's per-update hooks
        (:func:`~biodl.training.direct_updates.why_not_direct`).
    slow_reason : str
        Why they did not ('' when they did, or before fitting).
    """

    def __init__(
        self,
        generator: GANGenerator,
        discriminator: GANDiscriminator,
        *,
        loss: str = "nonsaturating",
        d_steps: int = 1,
        g_steps: int = 1,
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
    ):
        super().__init__()
        self.automatic_optimization = False
        self.generator = generator
        self.discriminator = discriminator
        self.loss_name = loss
        self.d_steps, self.g_steps = int(d_steps), int(g_steps)
        self.lr, self.d_lr = lr, lr if d_lr is None else d_lr
        self.betas = betas
        self.gp_weight = gp_weight
        self.stop_when_fooled = stop_when_fooled
        self.quality = quality
        self.quality_every = quality_every
        self.quality_samples = quality_samples
        self.quality_labels = quality_labels
        self.quality_seed = seed + 7919  # away from the training seed's own stream
        self.history: list[dict[str, float]] = []
        self.steps = {"discriminator": 0, "generator": 0}
        self.best_epoch = 0
        self.best_quality = math.inf
        self.best_state: dict[str, dict[str, Tensor]] | None = None
        self.stop_reason = ""
        self.direct_updates = False
        self.slow_reason = ""
        self._turns = _Turns()
        self._reset_sums()

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        d = torch.optim.Adam(self.discriminator.parameters(), lr=self.d_lr, betas=self.betas)
        g = torch.optim.Adam(self.generator.parameters(), lr=self.lr, betas=self.betas)
        return [d, g]

    # -- one round ---------------------------------------------------------------------------

    def learn(self, learner: str) -> None:
        """Unfreeze ``learner`` ('discriminator' or 'generator') and freeze the other."""
        turns = self._turns
        if learner != turns.learner:
            if not turns.params:  # listed once per fit (after the move to the device)
                turns.params = {
                    "discriminator": list(self.discriminator.parameters()),
                    "generator": list(self.generator.parameters()),
                }
            for name, params in turns.params.items():
                trainable = name == learner
                for p in params:
                    p.requires_grad_(trainable)
            turns.learner = learner

    def _noise(self, n: int) -> Tensor:
        if self._turns.noise is None:
            weight = next(self.generator.parameters())
            self._turns.noise = (self.generator.n_latent, weight.device, weight.dtype)
        n_latent, device, dtype = self._turns.noise
        return torch.randn(n, n_latent, device=device, dtype=dtype)

    def discriminator_step(self, real: Tensor, labels: Tensor | None, optimizer: Any) -> None:
        """One discriminator update on ``real`` and as many generated examples."""
        self.learn("discriminator")
        with torch.no_grad():
            fake = self.generator(self._noise(real.shape[0]), labels)
        real_scores = self.discriminator(real, labels)
        fake_scores = self.discriminator(fake, labels)
        loss = discriminator_loss(self.loss_name, real_scores, fake_scores)
        if self.loss_name == "wasserstein-gp":
            penalty = gradient_penalty(self.discriminator, real, fake, labels)
            loss = loss + self.gp_weight * penalty
        optimizer.zero_grad(set_to_none=True)
        update(self, loss, optimizer, direct=self.direct_updates)
        self.steps["discriminator"] += 1
        self._d_kept.append((loss.detach(), real_scores.detach(), fake_scores.detach()))
        self._d_sizes.append(real.shape[0])

    def generator_step(self, n: int, labels: Tensor | None, optimizer: Any) -> None:
        """One generator update on ``n`` generated examples, the discriminator frozen."""
        self.learn("generator")
        scores = self.discriminator(self.generator(self._noise(n), labels), labels)
        loss = generator_loss(self.loss_name, scores)
        optimizer.zero_grad(set_to_none=True)
        update(self, loss, optimizer, direct=self.direct_updates)
        self.steps["generator"] += 1
        self._g_losses.append(loss.detach())
        self._g_sizes.append(n)

    def training_step(self, batch: Any, batch_idx: int) -> None:
        """One batch or a list of batches (a group of :class:`GANBatches`), in order."""
        optimizers: Any = self.optimizers()
        opt_d, opt_g = optimizers
        for one in batch if isinstance(batch, list) else [batch]:
            real, labels = one if isinstance(one, tuple) else (one, None)
            self.discriminator_step(real, labels, opt_d)
            self._turns.in_round += 1
            if self._turns.in_round >= self.d_steps:
                self._turns.in_round = 0
                for _ in range(self.g_steps):
                    self.generator_step(real.shape[0], labels, opt_g)

    # -- per epoch ---------------------------------------------------------------------------

    def _reset_sums(self) -> None:
        # Kept as they come (no arithmetic per update) and summed once per epoch.
        self._d_kept: list[tuple[Tensor, Tensor, Tensor]] = []  # (loss, real, fake scores)
        self._d_sizes: list[int] = []
        self._g_losses: list[Tensor] = []
        self._g_sizes: list[int] = []

    def on_train_start(self) -> None:
        self._turns = _Turns()  # parameters and noise device as they are now
        self.slow_reason = why_not_direct(self.trainer, self)
        self.direct_updates = not self.slow_reason

    def on_train_epoch_start(self) -> None:
        self._reset_sums()

    def _weighted_sum(self, losses: list[Tensor], sizes: list[int]) -> Tensor:
        if not losses:
            return torch.zeros(1, device=self.device)
        stacked = torch.stack(losses).float()
        return (stacked * stacked.new_tensor(sizes)).sum().view(1)

    def _correct(self) -> Tensor:
        """Real and generated examples the discriminator got right this epoch, ``(2,)``."""
        if not self._d_kept:
            return torch.zeros(2, device=self.device)
        _, real, fake = zip(*self._d_kept, strict=True)
        if self.loss_name == "wasserstein-gp":  # the critic's threshold is per batch
            counts = [correct_counts(self.loss_name, r, f) for r, f in zip(real, fake, strict=True)]
            return torch.stack(counts).sum(dim=0).float()
        # A fixed threshold: the counts of the whole epoch at once are the batches' sum.
        return correct_counts(self.loss_name, torch.cat(real), torch.cat(fake)).float()

    def _epoch_totals(self) -> list[float]:
        """[d_loss sum, correct real, correct fake, g_loss sum, d examples, g examples]."""
        d_sum = self._weighted_sum([kept[0] for kept in self._d_kept], self._d_sizes)
        g_sum = self._weighted_sum(self._g_losses, self._g_sizes)
        counts = d_sum.new_tensor([sum(self._d_sizes), sum(self._g_sizes)])
        totals = torch.cat([d_sum, self._correct(), g_sum, counts])
        if self.trainer.world_size > 1:  # each process saw its share of the batches
            totals = self.trainer.strategy.reduce(totals, reduce_op="sum")
        return [float(v) for v in totals.tolist()]  # the one read of the epoch

    def on_train_epoch_end(self) -> None:
        d_sum, real_ok, fake_ok, g_sum, d_n, g_n = self._epoch_totals()
        epoch = self.current_epoch + 1
        d_loss = d_sum / max(d_n, 1)
        g_loss = g_sum / g_n if g_n else math.nan
        for value in (d_loss, g_loss if g_n else 0.0):
            if not math.isfinite(value):
                raise TrainingDiverged(
                    divergence_message(value, epoch=epoch, step="end", lr=self.lr)
                )
        accuracy = (real_ok + fake_ok) / max(2 * d_n, 1)
        fooled = self.stop_when_fooled is not None and accuracy <= self.stop_when_fooled
        last = fooled or epoch >= int(self.trainer.max_epochs or epoch)
        quality = math.nan
        if self.quality is not None and (epoch % self.quality_every == 0 or last):
            quality = self.evaluate_quality()
        self.history.append(
            {
                "epoch": epoch,
                "d_loss": d_loss,
                "g_loss": g_loss,
                "d_acc_real": real_ok / max(d_n, 1),
                "d_acc_fake": fake_ok / max(d_n, 1),
                "quality": quality,
            }
        )
        self._keep_best(epoch, quality)
        if fooled:
            self.stop_reason = (
                f"fooled: the discriminator's accuracy {accuracy:.3f} fell to "
                f"stop_when_fooled={self.stop_when_fooled} at epoch {epoch}"
            )
            self.trainer.should_stop = True

    def evaluate_quality(self) -> float:
        """``quality`` of ``quality_samples`` examples drawn now (NaN counts as not better)."""
        assert self.quality is not None
        samples = sample_from(
            self.generator, self.quality_samples, self.quality_labels, seed=self.quality_seed
        )
        return float(self.quality(as_array(self.generator, samples)))

    def _keep_best(self, epoch: int, quality: float) -> None:
        if self.quality is None:
            self.best_epoch = epoch
            return
        if math.isfinite(quality) and quality < self.best_quality:
            self.best_quality, self.best_epoch = quality, epoch
            self.best_state = {
                name: {k: v.detach().clone() for k, v in net.state_dict().items()}
                for name, net in (
                    ("generator", self.generator),
                    ("discriminator", self.discriminator),
                )
            }

    def on_train_end(self) -> None:
        set_trainable(self.generator, True)
        set_trainable(self.discriminator, True)
        self._turns = _Turns()
