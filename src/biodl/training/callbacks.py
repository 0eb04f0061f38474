"""Callbacks of the one training path that speak to the user: plain progress lines per epoch
(:class:`EpochLines`) and a clear stop when the loss stops being a number
(:class:`StopOnNonFinite`).

Both work with any module :func:`biodl.training.trainer.run_fit` trains: they read the
module's ``history`` (one dict per epoch) when it keeps one, and the loss a training step
returns.

Examples
--------
>>> divergence_message(float("nan"), epoch=3, step=12, lr=1e6)[:60]
'the training loss became nan at epoch 3, step 12 (learning r'
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from lightning.pytorch.callbacks import Callback

from biodl.errors import TrainingDiverged
from biodl.run_log import say

__all__ = ["EpochLines", "StopOnNonFinite", "divergence_message", "epoch_line"]


def epoch_line(row: dict[str, Any], *, max_epochs: int, seconds: float, monitor: str | None) -> str:
    """One plain line about a finished epoch: number, seconds, training loss, validation metric.

    >>> epoch_line({"epoch": 2, "train_loss": 0.5, "valid_loss": 0.4, "valid_auroc": 0.8},
    ...            max_epochs=10, seconds=1.25, monitor="valid_auroc")
    'epoch 2/10  1.2 s  train_loss 0.5000  valid_loss 0.4000  valid_auroc 0.8000'
    """
    parts = [f"epoch {int(row.get('epoch', 0))}/{max_epochs}", f"{seconds:.1f} s"]
    keys = ["train_loss", "valid_loss"]
    if monitor and monitor not in keys:
        keys.append(monitor)
    for key in keys:
        value = row.get(key)
        if isinstance(value, int | float):
            parts.append(f"{key} {value:.4f}")
    return "  ".join(parts)


class EpochLines(Callback):
    """Say one plain line per finished epoch (:func:`biodl.run_log.say`): on stderr when it is
    not a terminal, and in the ``--log-file``.

    An epoch's row of the module's ``history`` is complete only after the module's own
    ``on_train_epoch_end``, which runs after the callbacks' (Lightning's order), so each line
    is said when the next epoch starts, and the last one when training ends.

    Parameters
    ----------
    max_epochs : int
    monitor : str, optional
        The logged key early stopping watches (shown besides the losses).
    progress : bool, optional
        The command's ``progress`` (None: automatic).
    """

    def __init__(self, max_epochs: int, monitor: str | None = None, progress: bool | None = None):
        self.max_epochs = max_epochs
        self.monitor = monitor
        self.progress = progress
        self._said = 0
        self._start = 0.0

    def _say_new_rows(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.is_global_zero:
            return
        history = list(getattr(pl_module, "history", None) or [])
        seconds = time.perf_counter() - self._start
        if not history:  # a module without a history: the epoch count alone
            epoch = int(trainer.current_epoch)
            history = [{"epoch": e + 1} for e in range(epoch)]
        for row in history[self._said :]:
            line = epoch_line(
                row, max_epochs=self.max_epochs, seconds=seconds, monitor=self.monitor
            )
            say(line, progress=self.progress)
        self._said = len(history)

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        # A resumed fit starts with the epochs done before: they were said then.
        self._said = len(getattr(pl_module, "history", None) or []) or int(trainer.current_epoch)

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        self._say_new_rows(trainer, pl_module)
        self._start = time.perf_counter()

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        self._say_new_rows(trainer, pl_module)


def divergence_message(value: float | str, *, epoch: int, step: int | str, lr: float | None) -> str:
    """The one line that says the loss diverged, why it usually does, and what to try.

    ``value`` is the loss (a number) or what became non-finite (e.g. ``"weights"``).
    """
    rate = f"learning rate {lr:g}" if lr is not None else "learning rate unknown"
    lower = f"--lr {lr / 10:g}" if lr else "a lower --lr"
    what = f"the training loss became {value}" if isinstance(value, float) else value
    when = f"at the end of epoch {epoch}" if step == "end" else f"at epoch {epoch}, step {step}"
    return (
        f"{what} {when} ({rate}), so training "
        "stopped; likely causes: a learning rate too high for this model and data, inputs or "
        "regression targets on a very large scale, or exploding gradients in a deep or "
        f"recurrent model; try {lower}, --grad-clip 1.0, or scaling the inputs"
    )


class StopOnNonFinite(Callback):
    """Stop training at once when the loss is NaN or infinite, raising
    :class:`~biodl.errors.TrainingDiverged` with :func:`divergence_message`.

    The loss a training step returns is read every step on the CPU and every ``every`` steps
    on an accelerator (reading it there waits for the device); a manually optimised module
    that returns nothing is checked on its ``history`` at the end of each epoch. The weights
    are checked once per epoch, before validation and when training ends: the last step of an
    epoch can turn them into NaN after a finite loss.

    Parameters
    ----------
    every : int, default 16
        Steps between checks on an accelerator.
    """

    def __init__(self, every: int = 16):
        self.every = max(1, every)
        self._bad: torch.Tensor | None = None

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if not isinstance(loss, torch.Tensor):
            return
        loss = loss.detach()
        if loss.device.type != "cpu" and (batch_idx + 1) % self.every:
            finite = torch.isfinite(loss).all()
            self._bad = ~finite if self._bad is None else self._bad | ~finite
            return
        bad = not bool(torch.isfinite(loss).all()) or (self._bad is not None and bool(self._bad))
        self._bad = None
        if bad:
            self._stop(trainer, float(loss.float().sum()), step=batch_idx + 1)

    def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.sanity_checking:
            self._check_weights(trainer, pl_module)

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        self._check_weights(trainer, pl_module)

    def _check_weights(self, trainer: Any, pl_module: Any) -> None:
        # Buffers too: a batch norm's running variance overflows before its weights do.
        tensors = [*pl_module.parameters(), *pl_module.buffers()]
        params = [t.detach() for t in tensors if t.is_floating_point()]
        if params and not bool(torch.stack([torch.isfinite(p).all() for p in params]).all()):
            step = int(getattr(trainer.fit_loop.epoch_loop.batch_progress.current, "completed", 0))
            self._stop(trainer, "the weights became NaN or infinite", step=step)

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        history = getattr(pl_module, "history", None) or []
        loss = history[-1].get("train_loss") if history else None
        if isinstance(loss, float) and not math.isfinite(loss):
            self._stop(trainer, loss, step=0, epoch=int(history[-1].get("epoch", 0)))

    def _stop(
        self, trainer: Any, value: float | str, *, step: int, epoch: int | None = None
    ) -> None:
        optimizers = getattr(trainer, "optimizers", None) or []
        lr = float(optimizers[0].param_groups[0]["lr"]) if optimizers else None
        epoch = int(trainer.current_epoch) + 1 if epoch is None else epoch
        where: int | str = step if step else "end"
        raise TrainingDiverged(divergence_message(value, epoch=epoch, step=where, lr=lr))
