"""Figures for the run report: one function per plot, each writing one PNG file.

This module holds the shared data types (:class:`Interval`, :class:`ComparisonRow`, ...) and the
training and comparison figures (:func:`learning_curves`, :func:`metric_comparison`); the
diagnostic plots of a classifier or regressor (ROC, precision-recall, confusion matrix,
predicted vs true) live in :mod:`biodl.report.diagnostics` and are re-exported here, so every
figure is reachable as ``biodl.report.figures.<name>``.

Every function takes arrays that evaluation already produced, draws one figure with
colour-blind-safe colours (Okabe-Ito), writes it atomically (a temporary file in the same
folder, then a rename) and returns the path. Matplotlib is imported lazily and only through its
object-oriented ``Figure`` API, so importing biodl stays fast, no display is needed and the
backend of an interactive session (a notebook) is left alone.

Examples
--------
>>> import numpy as np
>>> from biodl.report.figures import CurveSet, roc_curves
>>> y = np.array([0, 0, 1, 1]); s = np.array([0.1, 0.4, 0.35, 0.8])
>>> roc_curves([CurveSet("CNN", y, s)], "roc.png")  # doctest: +SKIP
PosixPath('roc.png')
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from biodl._io import file_mode as file_mode
from biodl.errors import DataError
from biodl.report._plot import DPI as DPI
from biodl.report._plot import PALETTE as PALETTE
from biodl.report._plot import fmt, new_figure, note, save_png
from biodl.report.diagnostics import MAX_ANNOTATED_CLASSES as MAX_ANNOTATED_CLASSES
from biodl.report.diagnostics import MAX_OVR_CLASSES as MAX_OVR_CLASSES
from biodl.report.diagnostics import CurveSet as CurveSet
from biodl.report.diagnostics import calibration_curve as calibration_curve
from biodl.report.diagnostics import confusion_matrix as confusion_matrix
from biodl.report.diagnostics import one_vs_rest_curves as one_vs_rest_curves
from biodl.report.diagnostics import pr_curves as pr_curves
from biodl.report.diagnostics import predicted_vs_true as predicted_vs_true
from biodl.report.diagnostics import roc_curves as roc_curves

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "LOWER_IS_BETTER",
    "PALETTE",
    "ComparisonRow",
    "CurveSet",
    "Interval",
    "IntervalLike",
    "calibration_curve",
    "confusion_matrix",
    "file_mode",
    "higher_is_better",
    "learning_curves",
    "metric_comparison",
    "one_vs_rest_curves",
    "pr_curves",
    "predicted_vs_true",
    "roc_curves",
]

#: Metric names (lower-cased, spaces and dashes as underscores) where a smaller value is better.
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {
        "rmse",
        "mse",
        "mae",
        "loss",
        "log_loss",
        "brier",
        "brier_score",
        "ece",
        "calibration_error",
        "reconstruction_error",
        "error",
        "error_rate",
        "perplexity",
    }
)


class IntervalLike(Protocol):
    """Anything with a point estimate and a confidence interval (``value``, ``low``, ``high``)."""

    @property
    def value(self) -> float: ...

    @property
    def low(self) -> float: ...

    @property
    def high(self) -> float: ...


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval.

    Parameters
    ----------
    value : float
        The estimate on the full test set.
    low, high : float
        Lower and upper ends of the confidence interval (NaN when unknown).
    """

    value: float
    low: float = math.nan
    high: float = math.nan


@dataclass(frozen=True)
class ComparisonRow:
    """One metric of the deep model beside the same metric of the baseline.

    Parameters
    ----------
    metric : str
        Metric name, e.g. ``"AUROC"``.
    model, baseline : IntervalLike
        Estimates with confidence intervals (an :class:`Interval` or anything with ``value``,
        ``low`` and ``high``, such as the evaluation layer's metric results).
    higher_is_better : bool or None, default None
        Direction shown in the panel title; None infers it with :func:`higher_is_better`.
    """

    metric: str
    model: IntervalLike
    baseline: IntervalLike
    higher_is_better: bool | None = None


def higher_is_better(metric: str, override: bool | None = None) -> bool:
    """Whether a larger value of ``metric`` is better.

    Parameters
    ----------
    metric : str
        Metric name; case, spaces and dashes are ignored.
    override : bool or None, default None
        Returned as is when not None.

    Returns
    -------
    bool
        False for names in :data:`LOWER_IS_BETTER` (RMSE, MAE, loss, Brier, ...), else True.
    """
    if override is not None:
        return override
    return metric.strip().lower().replace(" ", "_").replace("-", "_") not in LOWER_IS_BETTER


# --------------------------------------------------------------------------------------------
# learning curves


def learning_curves(
    history: pd.DataFrame, path: str | os.PathLike[str], *, title: str = "Learning curves"
) -> Path:
    """Plot losses (left) and validation metrics (right) against the epoch.

    Parameters
    ----------
    history : pandas.DataFrame
        One row per epoch (rows may hold NaN where a value was not logged). Column ``epoch`` is
        required; ``train_loss``, ``valid_loss`` (any ``*_loss`` column) go to the left panel,
        ``valid_<metric>`` columns to the right panel, which is omitted when there are none.
        A boolean column ``best`` marks the epoch whose weights were kept (dotted line).
    path : str or PathLike
        Output PNG file; parent folders are created.
    title : str, default "Learning curves"
        Figure title.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    DataError
        If ``history`` has no ``epoch`` column.
    """
    if "epoch" not in history.columns:
        raise DataError(
            f"learning curves: expected a column 'epoch' in the training history, found "
            f"{list(map(str, history.columns))}. Log the epoch number with each row."
        )
    from matplotlib.ticker import MaxNLocator

    columns = [str(c) for c in history.columns]
    losses = [c for c in columns if c == "loss" or c.endswith("_loss")]
    metrics = [c for c in columns if c.startswith("valid_") and c not in losses]
    n_panels = 2 if metrics else 1
    fig = new_figure(5.0 * n_panels + 0.5, 3.8)
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    epochs = history["epoch"].to_numpy(dtype=float)
    best_epoch = _best_epoch(history, epochs)

    panels: list[tuple[Axes, list[str], str]] = [(axes[0], losses, "Loss")]
    if metrics:
        panels.append((axes[1], metrics, "Validation metric"))
    for ax, names, ylabel in panels:
        for i, name in enumerate(names):
            values = history[name].to_numpy(dtype=float)
            keep = np.isfinite(values) & np.isfinite(epochs)
            label = (
                _metric_label(name.removeprefix("valid_"))
                if ylabel != "Loss"
                else name.replace("_", " ")
            )
            ax.plot(
                epochs[keep],
                values[keep],
                marker="o" if keep.sum() <= 30 else None,
                markersize=3,
                color=PALETTE[i % len(PALETTE)],
                label=label,
            )
        if best_epoch is not None:
            ax.axvline(
                best_epoch, color="#444444", linestyle=":", label=f"best epoch ({best_epoch:g})"
            )
        ax.set_xlabel("Epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        finite = epochs[np.isfinite(epochs)]
        if len(finite) and np.ptp(finite) < 4:
            # few epochs: whole-number ticks need a range of whole numbers around them
            ax.set_xlim(finite.min() - 0.5, finite.max() + 0.5)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if names or best_epoch is not None:
            ax.legend(fontsize=8)
        else:
            note(ax, ["no loss values recorded"])
    fig.suptitle(title)
    return save_png(fig, path)


#: How metric names from the training history are written in legends.
_METRIC_LABELS = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "auroc": "AUROC",
    "auprc": "AUPRC",
    "f1": "F1",
    "mcc": "MCC",
    "rmse": "RMSE (lower is better)",
    "mae": "MAE (lower is better)",
    "r2": "R²",
    "pearson": "Pearson r",
    "spearman": "Spearman ρ",
}


def _metric_label(name: str) -> str:
    return _METRIC_LABELS.get(name, name.replace("_", " "))


def _best_epoch(history: pd.DataFrame, epochs: np.ndarray) -> float | None:
    if "best" not in history.columns:
        return None
    flags = history["best"].fillna(False).to_numpy(dtype=bool)
    if not flags.any():
        return None
    # The last flagged row is the checkpoint that was finally kept.
    return float(epochs[np.flatnonzero(flags)[-1]])


# --------------------------------------------------------------------------------------------
# model vs baseline


def metric_comparison(
    rows: Sequence[ComparisonRow],
    path: str | os.PathLike[str],
    *,
    title: str = "Deep model vs baseline",
    model_name: str = "Model",
    baseline_name: str = "Baseline",
    bars: str = "95% confidence interval",
) -> Path:
    """Compare the model with the baseline, one small panel per metric, with CI error bars.

    ``bars`` names what the error bars are (shown under the title), e.g. "mean ± sd"."""
    return _metric_comparison(
        rows, path, title=title, model_name=model_name, baseline_name=baseline_name, bars=bars
    )


def _metric_comparison(
    rows: Sequence[ComparisonRow],
    path: str | os.PathLike[str],
    *,
    title: str,
    model_name: str,
    baseline_name: str,
    bars: str,
) -> Path:
    """Implementation of :func:`metric_comparison`.

    Each metric gets its own panel and y-scale, because metrics live on different scales
    (AUROC in [0, 1], RMSE in the units of the target).

    Parameters
    ----------
    rows : sequence of ComparisonRow
        One row per metric. NaN interval ends draw no error bar; a NaN value draws no dot.
    path : str or PathLike
        Output PNG file.
    title : str, default "Deep model vs baseline"
        Figure title.
    model_name, baseline_name : str, default "Model", "Baseline"
        Tick labels.

    Returns
    -------
    Path
        ``path``. With no rows, the figure says so.
    """
    n = max(len(rows), 1)
    ncols = min(n, 4)
    nrows = math.ceil(n / ncols)
    fig = new_figure(2.3 * ncols + 0.4, 2.8 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(rows) :]:
        ax.set_axis_off()
    if not rows:
        axes[0].text(0.5, 0.5, "no metrics to compare", ha="center", va="center")
    kinds: list[tuple[str, Literal["o", "s"], str]] = [
        (model_name, "o", PALETTE[0]),
        (baseline_name, "s", PALETTE[1]),
    ]
    for ax, row in zip(axes, rows, strict=False):
        zero_width: list[tuple[int, float]] = []
        for x, (interval, (_, marker, colour)) in enumerate(
            zip((row.model, row.baseline), kinds, strict=True)
        ):
            value, low, high = (float(interval.value), float(interval.low), float(interval.high))
            if not math.isfinite(value):
                continue
            err = None
            if math.isfinite(low) and math.isfinite(high):
                err = [[max(value - low, 0.0)], [max(high - value, 0.0)]]
            ax.errorbar(
                [x],
                [value],
                yerr=err,
                fmt=marker,
                color=colour,
                capsize=5,
                markersize=7,
                elinewidth=1.5,
            )
            ax.annotate(
                fmt(value),
                (x, value),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
            if err is not None and high - low == 0.0:
                zero_width.append((x, value))
        # A zero-width interval (e.g. a perfect score on a small test set) is not certainty;
        # say so under (or over) the dot, inside the panel.
        bottom, top = ax.get_ylim()
        for x, value in zero_width:
            upper = value >= (bottom + top) / 2
            ax.annotate(
                "CI of zero\nwidth: small\ntest set?",
                (x, value),
                xytext=(0, -10 if upper else 10),
                textcoords="offset points",
                ha="center",
                va="top" if upper else "bottom",
                fontsize=7,
                color="#a33",
            )
        ax.set_xticks([0, 1], [model_name, baseline_name], fontsize=8)
        ax.set_xlim(-0.6, 1.9)
        direction = "higher" if higher_is_better(row.metric, row.higher_is_better) else "lower"
        ax.set_title(f"{row.metric}\n({direction} is better)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{title}\n(dots: estimate; bars: {bars})", fontsize=10)
    return save_png(fig, path)
