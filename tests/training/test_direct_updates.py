"""Direct updates (``loss.backward()`` and the raw optimiser) where Lightning's per-update
machinery does nothing: the same weights as Lightning's path, the step count kept, and
Lightning's path wherever a hook, a loss scaler, a strategy or a profiler needs it."""

from __future__ import annotations

import lightning as L
import numpy as np
import pytest
import torch
from lightning.pytorch.plugins.precision import MixedPrecision

from biodl.data.dataset import loader
from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
from biodl.training.direct_updates import why_not_direct
from biodl.training.gan import fit_gan
from biodl.training.gan_task import GANBatches, GANTask


def _pair(n_classes=0):
    torch.manual_seed(0)
    g = MLPGenerator(8, n_classes, n_latent=4, hidden=(16, 16))
    return g, MLPDiscriminator(8, n_classes, hidden=(16, 16))


def _data(n=96):
    rng = np.random.default_rng(0)
    return np.tanh(rng.normal(size=(n, 8))).astype(np.float32), rng.integers(0, 3, size=n)


class Seen(L.Callback):
    """Records the path the task took and the trainer's step count (defines no update hook)."""

    def on_train_end(self, trainer, pl_module):
        self.direct, self.reason = pl_module.direct_updates, pl_module.slow_reason
        self.global_step = trainer.global_step


class AfterBackward(L.Callback):
    """A callback that needs Lightning's path: it counts its ``on_after_backward`` calls."""

    def __init__(self):
        self.calls = 0

    def on_after_backward(self, trainer, pl_module):
        self.calls += 1


def _weights(net):
    return {k: v.clone() for k, v in net.state_dict().items()}


@pytest.mark.parametrize(
    ("loss", "d_steps", "conditional"),
    [("nonsaturating", 1, True), ("wasserstein-gp", 3, False)],
)
def test_direct_updates_give_the_same_weights_as_lightnings_path(loss, d_steps, conditional):
    X, y = _data()
    results = []
    for hooked in (False, True):
        g, d = _pair(3 if conditional else 0)
        seen, after = Seen(), AfterBackward()
        fit = fit_gan(
            g,
            d,
            X,
            y if conditional else None,
            loss=loss,
            d_steps=d_steps,
            epochs=3,
            batch_size=16,
            callbacks=[seen, after] if hooked else [seen],
        )
        results.append((fit, seen, after, _weights(g), _weights(d)))
    (fast, seen_fast, _, g_fast, d_fast), (slow, seen_slow, after, g_slow, d_slow) = results
    assert seen_fast.direct and seen_fast.reason == ""
    assert not seen_slow.direct
    assert seen_slow.reason == "callback AfterBackward defines on_after_backward"
    total = sum(fast.steps.values())
    assert fast.steps == slow.steps
    assert after.calls == total  # the hook ran once per update on Lightning's path
    assert seen_fast.global_step == seen_slow.global_step == total  # steps still counted
    for a, b in ((g_fast, g_slow), (d_fast, d_slow)):
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert fast.history.equals(slow.history)


class Hooked(GANTask):
    def on_before_optimizer_step(self, optimizer):
        pass


def _trainer(**kwargs):
    return L.Trainer(
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        **kwargs,
    )


def test_why_not_direct_names_what_needs_lightnings_path():
    g, d = _pair()
    task = GANTask(g, d)
    assert why_not_direct(_trainer(), task) == ""
    assert why_not_direct(_trainer(precision="bf16-mixed"), task) == ""  # no loss scaling
    assert why_not_direct(_trainer(precision="64-true"), task) == ""
    scaled = _trainer(plugins=[MixedPrecision("16-mixed", "cpu", torch.amp.GradScaler("cpu"))])
    assert why_not_direct(scaled, task) == "precision '16-mixed' scales the loss (GradScaler)"
    assert why_not_direct(_trainer(profiler="simple"), task) == (
        "the profiler SimpleProfiler times every optimiser step"
    )
    assert why_not_direct(_trainer(callbacks=[AfterBackward()]), task) == (
        "callback AfterBackward defines on_after_backward"
    )
    assert why_not_direct(_trainer(), Hooked(g, d)) == (
        "the module Hooked defines on_before_optimizer_step"
    )
    ddp = L.Trainer(accelerator="cpu", devices=2, strategy="ddp", logger=False)
    assert why_not_direct(ddp, task).startswith("the strategy DDPStrategy overrides")


def test_16_mixed_keeps_the_loss_scaler(monkeypatch):
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**8)
    scaled = []
    scale = scaler.scale
    monkeypatch.setattr(scaler, "scale", lambda loss: scaled.append(1) or scale(loss))
    X, _ = _data(64)
    g, d = _pair()
    task = GANTask(g, d)
    trainer = _trainer(max_epochs=1, plugins=[MixedPrecision("16-mixed", "cpu", scaler)])
    trainer.fit(task, loader(GANBatches(X), 16, shuffle=True))
    assert not task.direct_updates
    assert task.slow_reason == "precision '16-mixed' scales the loss (GradScaler)"
    assert len(scaled) == sum(task.steps.values()) == trainer.global_step == 8


# Recorded with the code before direct updates and per-epoch tallies (manual_backward,
# LightningOptimizer.step, losses and accuracies summed at every update), seed 0:
# per epoch (d_loss, g_loss, d_acc_real, d_acc_fake), the sums of |weights| after 3 epochs;
# one torch thread (tests/conftest.py), as in tests/training/test_same_numbers.py.
BEFORE = {
    "nonsaturating": (
        [
            (1.3896632385253906, 0.7512314605712891, 0.03, 0.97),
            (1.3928436279296874, 0.746441879272461, 0.11, 0.94),
            (1.392124481201172, 0.74705078125, 0.05, 0.93),
        ],
        160.24020708042372,
        114.46911792330138,
    ),
    "wasserstein-gp": (
        [
            (6.672526245117187, -0.06332948058843613, 0.51, 0.55),
            (6.431917114257812, -0.0665539801120758, 0.49, 0.51),
            (6.47494873046875, -0.07263596190346612, 0.56, 0.51),
        ],
        104.3961645349118,
        62.07563433679752,
    ),
}


@pytest.mark.parametrize(
    ("loss", "d_steps", "n_classes"), [("nonsaturating", 1, 3), ("wasserstein-gp", 3, 0)]
)
def test_seeded_numbers_are_those_of_the_code_before(loss, d_steps, n_classes):
    rng = np.random.default_rng(0)
    X = np.tanh(rng.normal(size=(100, 8))).astype(np.float32)
    y = rng.integers(0, 3, size=100)
    g, d = _pair(n_classes)
    fit = fit_gan(
        g, d, X, y if n_classes else None, loss=loss, d_steps=d_steps, epochs=3, batch_size=16
    )
    history, g_sum, d_sum = BEFORE[loss]
    columns = ["d_loss", "g_loss", "d_acc_real", "d_acc_fake"]
    for row, expected in zip(fit.history[columns].itertuples(index=False), history, strict=True):
        assert row[:2] == pytest.approx(expected[:2], rel=1e-6)  # float32 sums, another order
        assert row[2:] == expected[2:]  # counts: exact
    weights = [sum(float(p.double().abs().sum()) for p in net.parameters()) for net in (g, d)]
    # 1e-9 on the CPU that recorded them; an AVX-512 Xeon (2026-12-06) gives up to 7e-6 at one
    # thread (Adam amplifies the rounding of other instructions)
    assert weights == pytest.approx([g_sum, d_sum], rel=1e-4)
