"""Benchmark: GAN training throughput of biodl (``fit_gan``, Lightning) vs a hand-written loop.

Both sides train the same networks (built fresh from the same seed) on the same batches
(``GANBatches`` served by biodl's seeded batch sampler) with the same two Adam optimisers
(lr 2e-4, betas (0.5, 0.999)) and the same algorithm, the course's turns: per real batch one
discriminator update (generated examples made under ``no_grad``, the generator frozen), and
after every ``d_steps``-th of them ``g_steps`` generator updates (the discriminator frozen,
``requires_grad`` off). The hand-written loop is what one would write in plain PyTorch::

    for epoch: for real, labels in loader:
        freeze G; fake = G(z, labels) (no_grad); loss = D loss (+ penalty)
        zero_grad; backward; step
        every d_steps: freeze D; g_steps x (loss = G loss; zero_grad; backward; step)

biodl adds what ``fit_gan`` always does: Lightning's loop (groups of 8 batches per training
step), the losses and the discriminator's scores kept on the device and tallied once per epoch,
the history. Its updates are ``loss.backward()`` and the optimisers' own ``step()`` here (one
CPU, 32-bit, no callback with update hooks: ``biodl.training.direct_updates``);
``--lightning-hooks`` adds a callback defining an (empty) ``on_after_backward``, which sends
every update through ``manual_backward`` and ``LightningOptimizer.step`` (precision plugin,
callback hooks), the path of '16-mixed' or of such callbacks.

Timing is CPU time of the process (``time.process_time``) per epoch, epochs 2..E (epoch 1
is warm-up; biodl's start-up is reported apart), with one torch thread; runs alternate biodl /
plain and the ratio is the median over repeats of plain seconds per step / biodl seconds
per step. The final weights of both sides are compared: the same numbers mean the same work.
Run from the repository root::

    python benchmarks/bench_gan.py [--repeats 3] [--epochs 4] [--lightning-hooks]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import lightning as L
import numpy as np
import torch

from biodl.data.dataset import loader
from biodl.models.gan import GANDiscriminator, GANGenerator
from biodl.models.gan_image import ImageDiscriminator, ImageGenerator
from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
from biodl.training.gan import fit_gan
from biodl.training.gan_losses import discriminator_loss, generator_loss, gradient_penalty
from biodl.training.gan_task import GANBatches, set_trainable

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")

Pair = Callable[[], tuple[GANGenerator, GANDiscriminator]]


@dataclass
class Case:
    name: str
    pair: Pair
    X: np.ndarray
    y: np.ndarray | None
    loss: str
    d_steps: int


def cases(n: int) -> list[Case]:
    rng = np.random.default_rng(0)
    images = np.tanh(rng.normal(size=(n, 1, 28, 28))).astype(np.float32)
    table = rng.normal(size=(n, 1000)).astype(np.float32)
    small = np.tanh(rng.normal(size=(n, 64))).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    return [
        Case(
            "dcgan 1x28x28, conditional, nonsaturating",
            lambda: (ImageGenerator(1, 28, 28, 10), ImageDiscriminator(1, 28, 28, 10)),
            images,
            labels,
            "nonsaturating",
            1,
        ),
        Case(
            "mlp 1000 features, wasserstein-gp, d_steps 5",
            lambda: (
                MLPGenerator(1000, hidden=(256, 256)),
                MLPDiscriminator(1000, hidden=(256, 256)),
            ),
            table,
            None,
            "wasserstein-gp",
            5,
        ),
        Case(
            "mlp 64 features (digits size), conditional, nonsaturating",
            lambda: (MLPGenerator(64, 10, output="tanh"), MLPDiscriminator(64, 10)),
            small,
            labels,
            "nonsaturating",
            1,
        ),
    ]


class EpochClock(L.Callback):
    """CPU time at the start of every epoch and at the end of training."""

    def __init__(self) -> None:
        self.marks: list[float] = []

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.marks.append(time.process_time())

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.marks.append(time.process_time())


class AfterBackward(L.Callback):
    """Does nothing, but defines an update hook: Lightning's path for every update."""

    def on_after_backward(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        pass


def build(case: Case) -> tuple[GANGenerator, GANDiscriminator]:
    torch.manual_seed(0)
    return case.pair()


def biodl_run(
    case: Case, epochs: int, hooks: bool = False
) -> tuple[list[float], float, GANGenerator]:
    g, d = build(case)
    clock = EpochClock()
    start = time.process_time()
    fit_gan(
        g,
        d,
        case.X,
        case.y,
        loss=case.loss,  # type: ignore[arg-type]
        d_steps=case.d_steps,
        epochs=epochs,
        batch_size=64,
        callbacks=[clock, AfterBackward()] if hooks else [clock],
    )
    total = time.process_time() - start
    epoch_times = list(np.diff(clock.marks))
    return epoch_times, total - sum(epoch_times), g


def plain_run(case: Case, epochs: int) -> tuple[list[float], GANGenerator]:
    g, d = build(case)
    torch.manual_seed(0)
    g.train()
    d.train()
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    batches = loader(GANBatches(case.X, case.y), 64, shuffle=True, seed=0)
    times, in_round = [], 0
    for _ in range(epochs):
        start = time.process_time()
        for batch in (b for group in batches for b in group):  # groups of whole batches
            real, labels = batch if isinstance(batch, tuple) else (batch, None)
            set_trainable(g, False)
            set_trainable(d, True)
            with torch.no_grad():
                fake = g(torch.randn(real.shape[0], g.n_latent), labels)
            loss = discriminator_loss(case.loss, d(real, labels), d(fake, labels))
            if case.loss == "wasserstein-gp":
                loss = loss + 10.0 * gradient_penalty(d, real, fake, labels)
            opt_d.zero_grad(set_to_none=True)
            loss.backward()
            opt_d.step()
            in_round += 1
            if in_round == case.d_steps:
                in_round = 0
                set_trainable(d, False)
                set_trainable(g, True)
                loss = generator_loss(
                    case.loss, d(g(torch.randn(real.shape[0], g.n_latent), labels), labels)
                )
                opt_g.zero_grad(set_to_none=True)
                loss.backward()
                opt_g.step()
        times.append(time.process_time() - start)
    return times, g


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--cases", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--lightning-hooks",
        action="store_true",
        help="biodl's updates through manual_backward and LightningOptimizer.step",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(
        f"{args.n} examples, batch 64, {args.epochs} epochs (timed: 2..E), 1 torch thread, CPU s;"
        f" updates {'through Lightning hooks' if args.lightning_hooks else 'direct'};"
        f" load average {os.getloadavg()[0]:.1f} at the start"
    )
    print(
        "| case | biodl ms/step | plain ms/step | ratio (median) | range | biodl start-up s "
        "| same weights |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for case in [cases(args.n)[i] for i in args.cases]:
        steps = -(-args.n // 64) * (args.epochs - 1)
        ours, theirs, startups, same = [], [], [], True
        for _ in range(args.repeats):
            epoch_times, startup, g_ours = biodl_run(case, args.epochs, args.lightning_hooks)
            ours.append(sum(epoch_times[1:]) / steps)
            startups.append(startup)
            plain_times, g_plain = plain_run(case, args.epochs)
            theirs.append(sum(plain_times[1:]) / steps)
            same &= all(
                torch.allclose(a, b, atol=1e-5)
                for a, b in zip(
                    g_ours.state_dict().values(), g_plain.state_dict().values(), strict=True
                )
            )
        ratios = [t / o for o, t in zip(ours, theirs, strict=True)]
        print(
            f"| {case.name} | {1e3 * statistics.median(ours):.2f} | "
            f"{1e3 * statistics.median(theirs):.2f} | {statistics.median(ratios):.3f} | "
            f"{min(ratios):.3f}-{max(ratios):.3f} | {statistics.median(startups):.2f} | {same} |",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
