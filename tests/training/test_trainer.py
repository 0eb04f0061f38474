"""The one Lightning path: any module (two optimisers included), device options, Ctrl-C."""

from __future__ import annotations

import ast
import signal
from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch
from lightning.pytorch.strategies import DDPStrategy
from torch import nn
from torch.utils.data import DataLoader

import biodl.training
from biodl.config import TrainConfig
from biodl.errors import ConfigError, RunInterrupted
from biodl.training.trainer import TrainerOptions, build_trainer, run_fit


class TinyGAN(L.LightningModule):
    """A generator and a discriminator, each with its own optimiser, stepped by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.generator = nn.Linear(2, 3)
        self.discriminator = nn.Linear(3, 1)
        self.history: list[dict[str, float]] = []
        self._losses: list[tuple[float, float]] = []

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> None:
        opt_d, opt_g = self.optimizers()  # type: ignore[misc]
        bce = nn.functional.binary_cross_entropy_with_logits
        fake = self.generator(torch.randn(batch.shape[0], 2))
        real_logits, fake_logits = self.discriminator(batch), self.discriminator(fake.detach())
        d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(
            fake_logits, torch.zeros_like(fake_logits)
        )
        opt_d.zero_grad()
        self.manual_backward(d_loss)
        opt_d.step()
        fooled = self.discriminator(fake)
        g_loss = bce(fooled, torch.ones_like(fooled))
        opt_g.zero_grad()
        self.manual_backward(g_loss)
        opt_g.step()
        self._losses.append((float(d_loss.detach()), float(g_loss.detach())))

    def on_train_epoch_end(self) -> None:
        d, g = (sum(x) / len(self._losses) for x in zip(*self._losses, strict=True))
        self.history.append({"epoch": self.current_epoch + 1, "d_loss": d, "g_loss": g})
        self._losses.clear()

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        return [
            torch.optim.Adam(self.discriminator.parameters(), lr=1e-2),
            torch.optim.Adam(self.generator.parameters(), lr=1e-2),
        ]


def _real(n: int = 64) -> DataLoader:
    torch.manual_seed(0)
    return DataLoader(torch.randn(n, 3) + 2.0, batch_size=16, shuffle=False)


CPU = TrainerOptions(device="cpu")


def test_a_module_with_two_optimisers_and_manual_optimisation_trains_on_the_one_path():
    torch.manual_seed(0)
    gan = TinyGAN()
    before = {k: v.clone() for k, v in gan.state_dict().items()}
    # grad_clip is the run's option; under manual optimisation it is the module's business
    # (Lightning refuses gradient_clip_val there), so the path must leave it out.
    run = run_fit(gan, _real(), max_epochs=3, options=CPU, grad_clip=1.0, progress=False)
    assert len(run.trainer.optimizers) == 2
    assert run.epochs_run == 3 and run.best_epoch == 3 and not run.chosen_on_valid
    assert list(run.history.columns) == ["epoch", "d_loss", "g_loss"]
    assert list(run.history["epoch"]) == [1, 2, 3]
    after = gan.state_dict()
    for name in ("generator.weight", "discriminator.weight"):
        assert not torch.equal(before[name], after[name]), f"{name} was not trained"


def test_automatic_optimisation_clips_gradients():
    trainer = build_trainer(CPU, max_epochs=1, grad_clip=0.5)
    assert trainer.gradient_clip_val == 0.5
    manual = build_trainer(CPU, max_epochs=1, grad_clip=0.5, manual_optimization=True)
    assert manual.gradient_clip_val is None


class _CtrlC(L.Callback):
    """Presses Ctrl-C after the second training batch."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if batch_idx == 1:
            raise KeyboardInterrupt


def test_ctrl_c_raises_run_interrupted_and_gives_ctrl_c_back():
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(RunInterrupted) as stopped:
        run_fit(TinyGAN(), _real(), max_epochs=3, options=CPU, callbacks=[_CtrlC()])
    assert stopped.value.signal_number == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) == handler


def test_device_options_reach_the_trainer():
    options = TrainerOptions(device="cpu", strategy="ddp_spawn", devices="2", precision="64-true")
    trainer = build_trainer(options, max_epochs=1)
    assert isinstance(trainer.strategy, DDPStrategy)
    assert trainer.strategy._start_method == "spawn"
    assert trainer.num_devices == 2 and trainer.precision == "64-true"


def test_options_from_a_training_config():
    cfg = TrainConfig(device="cpu", precision="bf16-mixed", strategy="ddp", devices="3")
    assert TrainerOptions.from_config(cfg) == TrainerOptions(
        device="cpu", precision="bf16-mixed", strategy="ddp", devices="3", num_nodes=1
    )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (TrainerOptions(device="gpu"), r"device='gpu': expected one of auto, cpu, cuda"),
        (TrainerOptions(devices="two"), r"devices='two': expected a number of devices or 'auto'"),
    ],
)
def test_bad_device_options_are_refused(options, match):
    with pytest.raises(ConfigError, match=match):
        options.trainer_arguments()


def test_the_training_package_imports_no_private_name_of_another_module():
    """``quiet_lightning`` was imported across modules; the one path makes it public."""
    package = Path(biodl.training.__file__).parent
    private = []
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("biodl"):
                private += [f"{path.name}: {a.name}" for a in node.names if a.name[0] == "_"]
    assert private == []


class WorseEveryEpoch(L.LightningModule):
    """A module whose validation loss rises every epoch: early stopping wants to stop at once."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        return ((batch - self.w) ** 2).mean()

    def validation_step(self, batch: torch.Tensor, batch_idx: int) -> None:
        self.log("valid_loss", float(self.current_epoch))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.01)


class BetterAtEpochFour(WorseEveryEpoch):
    """Validation loss 0, 1, 1, -1, 0, 0, ...: worse, then the best epoch is the fourth."""

    def validation_step(self, batch: torch.Tensor, batch_idx: int) -> None:
        self.log(
            "valid_loss", {0: 0.0, 3: -1.0}.get(self.current_epoch, 1.0 - (self.current_epoch > 3))
        )


@pytest.mark.parametrize(
    ("module", "patience", "min_steps", "epochs", "best"),
    [
        (WorseEveryEpoch, 1, 0, 2, 1),  # plain early stopping
        (WorseEveryEpoch, 1, 20, 5, 1),  # 20 steps of 4 batches: 5 epochs first
        (BetterAtEpochFour, 2, 0, 3, 1),  # stops before the improvement
        (BetterAtEpochFour, 2, 16, 6, 4),  # the improvement at epoch 4 resets patience
    ],
)
def test_min_steps_keeps_early_stopping_from_ending_training_too_soon(
    module, patience, min_steps, epochs, best
):
    run = run_fit(
        module(),
        _real(),
        _real(),
        max_epochs=50,
        options=CPU,
        monitor=("valid_loss", "min"),
        patience=patience,
        min_steps=min_steps,
    )
    assert int(run.trainer.current_epoch) == epochs and run.best_epoch == best


class RankingImprovesAfterTheLoss(WorseEveryEpoch):
    """Planted validation curves: the loss is lowest at epoch 2 and rises after, while AUROC
    keeps improving to 0.9 at epoch 4 and ties it at epoch 6 (then falls)."""

    LOSS = (0.60, 0.50, 0.55, 0.60, 0.70, 0.80, 0.90, 1.00, 1.10, 1.20)
    AUROC = (0.70, 0.75, 0.80, 0.90, 0.85, 0.90, 0.80, 0.80, 0.80, 0.80)

    def validation_step(self, batch: torch.Tensor, batch_idx: int) -> None:
        self.log("valid_loss", self.LOSS[self.current_epoch])
        self.log("valid_auroc", self.AUROC[self.current_epoch])


@pytest.mark.parametrize(
    ("task", "best", "epochs"),
    [
        ("binary", 4, 8),  # the earliest best AUROC: the tie at epoch 6 is no improvement
        ("regression", 2, 6),  # the lowest loss; stopped 4 epochs later
        ("multiclass", 2, 6),
    ],
)
def test_monitor_auto_keeps_the_best_auroc_epoch_for_binary_and_the_best_loss_elsewhere(
    task, best, epochs
):
    from biodl.training.fit import monitor_key

    run = run_fit(
        RankingImprovesAfterTheLoss(),
        _real(),
        _real(),
        max_epochs=10,
        options=CPU,
        monitor=monitor_key(TrainConfig(patience=4, min_steps=0), task),
        patience=4,
    )
    assert run.best_epoch == best and int(run.trainer.current_epoch) == epochs
    assert run.best_epoch == (
        1 + int(np.argmax(RankingImprovesAfterTheLoss.AUROC))
        if task == "binary"
        else 1 + int(np.argmin(RankingImprovesAfterTheLoss.LOSS))
    )
