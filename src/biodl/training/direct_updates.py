"""Manual-optimisation updates without Lightning's per-update machinery, where nothing needs it.

A module that optimises by hand (``automatic_optimization = False``) normally updates with
``self.manual_backward(loss)`` and ``optimizer.step()`` on the ``LightningOptimizer``. Each
call goes through the strategy and the precision plugin, which run the callbacks' and the
module's ``on_before_backward``, ``on_after_backward`` and ``on_before_optimizer_step`` hooks,
scale the loss for 16-bit mixed precision (``GradScaler``), prepare DDP's gradient reduction,
and hand ``optimizer.step`` a closure. On a small network that is a tenth of the update's time
(about 0.3 ms per update on a CPU, against 2 ms for the update itself).

When none of it does anything, the same update is ``loss.backward()`` and the raw optimiser's
``step()``: the same numbers, fewer Python calls. :func:`why_not_direct` says when that holds:

- the strategy and the precision plugin are Lightning's plain ones for these calls (their
  ``backward``, ``pre_backward``, ``post_backward`` and ``optimizer_step`` not overridden):
  one device (CPU or GPU), precision '32-true', '64-true', 'bf16-true', '16-true', or
  'bf16-mixed' (mixed precision without a loss scaler); not '16-mixed' (its ``GradScaler``
  scales the loss and unscales and checks the gradients), not DDP, FSDP or DeepSpeed;
- no callback, and not the module, defines one of the three hooks above, and the module does
  not override ``manual_backward`` or ``backward``;
- no profiler is attached (Lightning times each step in a profiler's "optimizer_step").

Otherwise every update takes Lightning's path. Either way :func:`count_update` keeps
``trainer.global_step`` counting optimiser steps, as Lightning's own step does, so callbacks,
checkpoints and resumed runs see the same step numbers.
"""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.plugins.precision import MixedPrecision, Precision
from lightning.pytorch.profilers import PassThroughProfiler
from lightning.pytorch.strategies import Strategy

__all__ = ["UPDATE_HOOKS", "count_update", "update", "why_not_direct"]

#: The hooks Lightning runs around every manual backward and optimiser step.
UPDATE_HOOKS = ("on_before_backward", "on_after_backward", "on_before_optimizer_step")

_STRATEGY_CALLS = ("backward", "pre_backward", "post_backward", "optimizer_step")
_PRECISION_CALLS = (
    "pre_backward",
    "backward",
    "post_backward",
    "optimizer_step",
    "_wrap_closure",
    "_after_closure",
)


def _overridden(obj: object, base: type, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if getattr(type(obj), name) is not getattr(base, name)]


def _plain_precision(plugin: Precision) -> str:
    """'' when the plugin's backward and step are the base ones, else why not."""
    if isinstance(plugin, MixedPrecision):
        if plugin.scaler is not None:
            return f"precision {plugin.precision!r} scales the loss (GradScaler)"
        # Without a scaler, MixedPrecision's pre_backward and optimizer_step are the base ones.
        changed = _overridden(plugin, MixedPrecision, _PRECISION_CALLS)
    else:
        changed = _overridden(plugin, Precision, _PRECISION_CALLS)
    if changed:
        return f"the precision plugin {type(plugin).__name__} overrides {', '.join(changed)}"
    return ""


def why_not_direct(trainer: Any, module: L.LightningModule) -> str:
    """Why ``module``'s updates must take Lightning's path in ``trainer`` ('' when not).

    Parameters
    ----------
    trainer : lightning.Trainer
        The trainer fitting ``module`` (its strategy, precision plugin, callbacks, profiler).
    module : lightning.LightningModule
        A module with ``automatic_optimization = False``.

    Returns
    -------
    str
        '' when :func:`update` may call ``loss.backward()`` and the raw optimiser directly;
        otherwise the first reason found, e.g. ``"precision '16-mixed' scales the loss
        (GradScaler)"`` or ``"callback GradientLogger defines on_after_backward"``.
    """
    strategy = trainer.strategy
    changed = _overridden(strategy, Strategy, _STRATEGY_CALLS)
    if changed:
        return f"the strategy {type(strategy).__name__} overrides {', '.join(changed)}"
    reason = _plain_precision(strategy.precision_plugin)
    if reason:
        return reason
    if not isinstance(trainer.profiler, PassThroughProfiler):
        return f"the profiler {type(trainer.profiler).__name__} times every optimiser step"
    for callback in trainer.callbacks:
        hooks = _overridden(callback, L.Callback, UPDATE_HOOKS)
        if hooks:
            return f"callback {type(callback).__name__} defines {', '.join(hooks)}"
    hooks = _overridden(module, L.LightningModule, (*UPDATE_HOOKS, "manual_backward", "backward"))
    if hooks:
        return f"the module {type(module).__name__} defines {', '.join(hooks)}"
    return ""


def count_update(trainer: Any) -> None:
    """Count one optimiser step in ``trainer.global_step``, as ``LightningOptimizer.step`` does."""
    progress = trainer.fit_loop.epoch_loop.manual_optimization.optim_step_progress
    progress.increment_ready()
    progress.increment_completed()


def update(module: L.LightningModule, loss: Any, optimizer: Any, *, direct: bool) -> None:
    """Backward ``loss`` and step ``optimizer`` (a ``LightningOptimizer``) once.

    Parameters
    ----------
    module : lightning.LightningModule
        The module being fitted (manual optimisation).
    loss : Tensor
        A scalar with a graph.
    optimizer : LightningOptimizer
        From ``module.optimizers()``; its gradients already zeroed.
    direct : bool
        ``loss.backward()``, the raw optimiser's ``step()`` and :func:`count_update`: only
        where :func:`why_not_direct` is ''. False: ``module.manual_backward(loss)`` and
        ``optimizer.step()`` (hooks, loss scaling, strategy).
    """
    if direct:
        loss.backward()
        optimizer.optimizer.step()
        count_update(module.trainer)
    else:
        module.manual_backward(loss)
        optimizer.step()
