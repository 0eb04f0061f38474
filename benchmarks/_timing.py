"""Timing pieces shared by the training-throughput benchmarks (biodl vs a hand-written loop).

``TimedTask`` is biodl's own training task plus epoch timestamps; a benchmark swaps it in for
``biodl.training.fit.SupervisedTask`` so that biodl trains exactly as users get it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

from biodl.training.task import SupervisedTask


@dataclass
class Run:
    """One training run: wall time of the whole call and the time of every epoch."""

    wall: float
    epochs: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def rate(self, n: int) -> float:
        """Examples per second over epochs 2..E (epoch 1 is warm-up)."""
        steady = self.epochs[1:] or self.epochs
        return n * len(steady) / sum(steady)

    def cpu_rate(self, n: int) -> float:
        """Examples per CPU-second of the process over epochs 2..E."""
        steady = self.cpu[1:] or self.cpu
        return n * len(steady) / sum(steady)

    @property
    def startup(self) -> float:
        """Seconds of the call outside the epochs."""
        return self.wall - sum(self.epochs)


def sync(device: object) -> None:
    """Wait for the GPU's queued work before reading the clock (nothing on CPU)."""
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def autocast(device: str, precision: str) -> object:
    """The autocast context of a plain loop at Lightning's ``precision`` (fp32: none)."""
    import contextlib

    import torch

    if precision == "bf16-mixed":
        return torch.autocast(device_type=device, dtype=torch.bfloat16)
    if precision == "16-mixed":
        return torch.autocast(device_type=device, dtype=torch.float16)
    return contextlib.nullcontext()


class TimedTask(SupervisedTask):
    """biodl's task, unchanged, plus timestamps at the start and end of each training epoch."""

    epoch_times: ClassVar[list[float]] = []
    epoch_cpu: ClassVar[list[float]] = []

    def on_train_epoch_start(self) -> None:
        self._t0 = time.perf_counter()
        self._c0 = time.process_time()

    def on_train_epoch_end(self) -> None:
        super().on_train_epoch_end()
        sync(self.device)
        TimedTask.epoch_times.append(time.perf_counter() - self._t0)
        TimedTask.epoch_cpu.append(time.process_time() - self._c0)
