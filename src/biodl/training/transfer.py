"""Transfer learning: start a fit from pretrained weights, and freeze the body while it trains.

:func:`setup_transfer` loads ``--init-from`` into a freshly built model
(:func:`biodl.training.pretrained.load_initial_weights`, which documents where weights come from
and how their keys are mapped) and returns the callbacks of the fit.

Freezing: the *body* is every parameter outside ``model.head``. ``freeze='body'`` (feature
extraction) trains only the head; ``freeze='none'`` (fine-tuning) trains everything, the body
optionally at ``lr * body_lr_factor`` and, with ``unfreeze_after=N``, frozen for the first N
epochs (gradual unfreezing). While the body is frozen its BatchNorm layers stay in eval mode,
so their running statistics are the pretrained ones and do not drift with the new data.

Examples
--------
>>> from torch import nn
>>> net = nn.Sequential()
>>> net.add_module("conv1", nn.Conv2d(3, 4, 3)); net.add_module("head", nn.Linear(4, 2))
>>> [p.shape[0] for p in body_parameters(net)]
[4, 4]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lightning.pytorch.callbacks import Callback
from torch import nn

from biodl.config import TrainConfig
from biodl.errors import ConfigError
from biodl.training.pretrained import HEAD, LoadReport, load_initial_weights

__all__ = [
    "BodyFreezer",
    "TransferSetup",
    "body_parameters",
    "check_transfer_options",
    "setup_transfer",
]


def check_transfer_options(cfg: TrainConfig) -> None:
    """Validate the transfer options of a run together (call before reading any data).

    Raises
    ------
    ConfigError
        For options that need ``--init-from`` without it, a missing weights path, a
        non-positive body learning-rate factor, a negative ``unfreeze_after``, or
        ``unfreeze_after`` together with ``freeze='body'``.
    """
    init_from, freeze, body_lr_factor = cfg.init_from, cfg.freeze, cfg.body_lr_factor
    unfreeze_after, compare_scratch = cfg.unfreeze_after, cfg.compare_scratch
    if init_from is None:
        used = [
            name
            for name, on in (
                ("--freeze body", freeze == "body"),
                (f"--body-lr-factor {body_lr_factor:g}", body_lr_factor != 1.0),
                (f"--unfreeze-after {unfreeze_after}", unfreeze_after != 0),
                ("--compare-scratch", compare_scratch),
            )
            if on
        ]
        if used:
            raise ConfigError(
                f"{used[0]} applies to transfer learning and needs --init-from RUN_DIR_OR_WEIGHTS "
                "(the pretrained weights to start from)"
            )
        return
    if not Path(init_from).exists():
        raise ConfigError(
            f"--init-from {init_from}: no such run directory or weights file; pass the --out "
            "folder of an earlier `biodl train`, a .safetensors file or a PyTorch state dict"
        )
    if not body_lr_factor > 0:
        raise ConfigError(
            f"--body-lr-factor {body_lr_factor:g}: must be > 0 (the body's learning rate is "
            "lr x factor); to keep the body fixed use --freeze body"
        )
    if unfreeze_after < 0:
        raise ConfigError(f"--unfreeze-after {unfreeze_after}: must be 0 or a positive epoch count")
    if unfreeze_after and freeze == "body":
        raise ConfigError(
            f"--unfreeze-after {unfreeze_after} trains the body after that many epochs, which "
            "--freeze body forbids; use --freeze none with --unfreeze-after"
        )


def body_parameters(model: nn.Module) -> list[nn.Parameter]:
    """Every parameter of ``model`` outside ``model.head`` (shared ones once)."""
    head = getattr(model, HEAD, None)
    head_ids = {id(p) for p in head.parameters()} if isinstance(head, nn.Module) else set()
    return [p for p in model.parameters() if id(p) not in head_ids]


def _body_batchnorms(model: nn.Module) -> list[nn.Module]:
    head = getattr(model, HEAD, None)
    in_head = {id(m) for m in head.modules()} if isinstance(head, nn.Module) else set()
    return [
        m
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and id(m) not in in_head
    ]


class BodyFreezer(Callback):
    """Keep the body of ``model`` frozen for the first ``epochs`` epochs (None: all of them).

    Frozen means ``requires_grad=False`` on every body parameter (set at construction, before
    any distributed wrapping) and body BatchNorm layers in eval mode at every training batch,
    so their running statistics stay the pretrained ones. At epoch ``epochs`` (0-based) the
    body is unfrozen and its BatchNorm layers follow the module's mode again. When fitting ends
    ``requires_grad`` is restored.

    Parameters
    ----------
    model : nn.Module
        The plain model (with ``head``).
    epochs : int or None
        Frozen epochs; None keeps the body frozen for the whole fit (feature extraction).

    Raises
    ------
    ConfigError
        At fit start, for gradual unfreezing on several devices (distributed data parallel
        registers trainable parameters once, so parameters unfrozen later would not be
        synchronised).
    """

    def __init__(self, model: nn.Module, *, epochs: int | None):
        self.model = model
        self.epochs = epochs
        self.params = body_parameters(model)
        self.norms = _body_batchnorms(model)
        self.frozen = False
        self._set_frozen(epochs is None or epochs > 0)

    def _set_frozen(self, frozen: bool) -> None:
        for p in self.params:
            p.requires_grad_(not frozen)
        self.frozen = frozen

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if self.epochs is not None and trainer.world_size > 1:
            raise ConfigError(
                "--unfreeze-after is not supported with several devices (distributed training "
                "registers trainable parameters once); train on one device or use --freeze body"
            )

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        if self.frozen and self.epochs is not None and trainer.current_epoch >= self.epochs:
            self._set_frozen(False)
            for m in self.norms:
                m.train(pl_module.training)

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, idx: int) -> None:
        if self.frozen:
            for m in self.norms:
                m.eval()

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self._set_frozen(False)


@dataclass
class TransferSetup:
    """What :func:`setup_transfer` prepared for one fit.

    Attributes
    ----------
    report : LoadReport or None
        None when the run starts from random weights.
    callbacks : list of Callback
        A :class:`BodyFreezer` for ``freeze='body'`` or ``unfreeze_after > 0``.
    """

    report: LoadReport | None
    callbacks: list[Callback]

    def info(self, cfg: TrainConfig) -> dict[str, Any] | None:
        """The ``transfer`` entry of ``model.json`` / ``metrics.json`` (None from scratch)."""
        if self.report is None:
            return None
        return {
            "init_from": cfg.init_from,
            "freeze": cfg.freeze,
            "body_lr_factor": cfg.body_lr_factor,
            "unfreeze_after": cfg.unfreeze_after,
            "summary": self.report.summary(),
            **self.report.to_dict(),
        }


def setup_transfer(
    model: nn.Module, cfg: TrainConfig, *, targets: dict[str, Any] | None = None
) -> TransferSetup:
    """Load ``cfg.init_from`` into ``model`` and build the freezing callback, if any.

    Parameters
    ----------
    model : nn.Module
        The freshly built plain model (with ``head``).
    cfg : TrainConfig
    targets : dict, optional
        The new task's ``TargetEncoding.to_dict()`` (decides whether a source run's head fits).
    """
    check_transfer_options(cfg)
    if cfg.init_from is None:
        return TransferSetup(None, [])
    report = load_initial_weights(model, cfg.init_from, targets=targets)
    callbacks: list[Callback] = []
    if cfg.freeze == "body":
        callbacks.append(BodyFreezer(model, epochs=None))
    elif cfg.unfreeze_after:
        callbacks.append(BodyFreezer(model, epochs=cfg.unfreeze_after))
    return TransferSetup(report, callbacks)
