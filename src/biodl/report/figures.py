"""Figures for the run report: one function per plot, each writing one PNG file.

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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from biodl.errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

__all__ = [
    "LOWER_IS_BETTER",
    "PALETTE",
    "ComparisonRow",
    "CurveSet",
    "Interval",
    "IntervalLike",
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

#: Okabe-Ito colours (yellow dropped: unreadable on white), then two from Paul Tol's palette so
#: that ten classes get ten distinguishable colours.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#882255",  # wine
    "#999933",  # olive
    "#888888",  # grey
)
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
    }
)
MAX_OVR_CLASSES = 10
MAX_ANNOTATED_CLASSES = 20
DPI = 120


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
class CurveSet:
    """Labels and scores of one binary problem, drawn as one ROC or precision-recall curve.

    Parameters
    ----------
    label : str
        Legend text, e.g. ``"CNN (AUROC 0.95)"``.
    y : (n,) array of int
        True labels, 0 or 1.
    score : (n,) array of float
        Score of the positive class (probability or any monotone score).
    dashed : bool, default False
        Draw a dashed line (use it for the baseline's curves). Dashed curves take colours in
        their own order, so the baseline's curve for class *j* has the model's colour for *j*;
        a single solid curve followed by a single dashed one (binary: model and baseline) get
        the first and second colours.
    """

    label: str
    y: np.ndarray
    score: np.ndarray
    dashed: bool = False


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
# shared helpers


def _new_figure(width: float, height: float) -> MplFigure:
    from matplotlib.figure import Figure as MplFigure

    # The Figure API needs no pyplot and no backend switch; savefig uses the Agg renderer.
    fig = MplFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig


def _save(fig: MplFigure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            # No "Software" text chunk: the PNG then carries no version string or web address.
            fig.savefig(
                handle,
                format="png",
                dpi=DPI,
                bbox_inches="tight",
                facecolor="white",
                metadata={"Software": None},
            )
        os.chmod(tmp_name, file_mode())
        os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)
        raise
    return target


def file_mode() -> int:
    """Permission bits of a new file under the current umask (mkstemp would give 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _note(ax: Axes, lines: Sequence[str]) -> None:
    """Write skipped-curve notes in the lower part of the axes."""
    if lines:
        ax.text(
            0.98,
            0.02 if len(lines) < 8 else 0.3,
            "\n".join(lines),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
            color="#444444",
            bbox={"boxstyle": "round", "facecolor": "#f4f4f4", "edgecolor": "#cccccc"},
        )


def _vector(values: np.ndarray, name: str) -> np.ndarray:
    """Return a 1-D view of ``values``; a single column ``(n, 1)`` is accepted."""
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(
            f"{name}: expected a 1-D array of shape (n,), got shape {arr.shape}. "
            "Plot one target or one class at a time."
        )
    return arr


def _same_length(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if len(a) != len(b):
        raise DataError(
            f"{what}: expected arrays of the same length, got {len(a)} and {len(b)}. "
            "Pass labels and predictions for the same examples."
        )


def _colours(curves: Sequence[CurveSet]) -> list[str]:
    # One model curve and one baseline curve (binary): the baseline takes the second colour,
    # as in the model-vs-baseline and predicted-vs-true figures, not the model's colour.
    if len(curves) == 2 and not curves[0].dashed and curves[1].dashed:
        return [PALETTE[0], PALETTE[1]]
    solid = dashed = 0
    out = []
    for curve in curves:
        if curve.dashed:
            out.append(PALETTE[dashed % len(PALETTE)])
            dashed += 1
        else:
            out.append(PALETTE[solid % len(PALETTE)])
            solid += 1
    return out


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
    fig = _new_figure(5.0 * n_panels + 0.5, 3.8)
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
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if names or best_epoch is not None:
            ax.legend(fontsize=8)
        else:
            _note(ax, ["no loss values recorded"])
    fig.suptitle(title)
    return _save(fig, path)


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
# ROC and precision-recall


def roc_curves(
    curves: Sequence[CurveSet],
    path: str | os.PathLike[str],
    *,
    title: str = "ROC curve",
    show_area: bool = False,
) -> Path:
    """Overlay ROC curves (e.g. model and baseline) with the chance diagonal.

    Parameters
    ----------
    curves : sequence of CurveSet
        One curve each. A curve whose ``y`` holds a single class has no ROC curve; it is
        skipped and named in a note on the plot.
    path : str or PathLike
        Output PNG file.
    title : str, default "ROC curve"
        Axes title.
    show_area : bool, default False
        Append ``(AUROC 0.950)`` to each legend label.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    DataError
        If a curve's ``y`` and ``score`` differ in length or are not 1-D.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    fig = _new_figure(5.2, 4.8)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1, label="chance")
    notes = []
    for curve, colour in zip(curves, _colours(curves), strict=True):
        y, score = _binary_pair(curve)
        if len(np.unique(y)) < 2:
            notes.append(f"skipped {curve.label}: only one class in y")
            continue
        fpr, tpr, _ = roc_curve(y, score)
        label = curve.label
        if show_area:
            label += f" (AUROC {roc_auc_score(y, score):.3f})"
        ax.plot(fpr, tpr, color=colour, linestyle="--" if curve.dashed else "-", label=label)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("False positive rate (1 - specificity)")
    ax.set_ylabel("True positive rate (sensitivity)")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    _curve_legend(ax, len(curves), "lower right" if not notes else "center right")
    _note(ax, notes)
    return _save(fig, path)


def pr_curves(
    curves: Sequence[CurveSet],
    path: str | os.PathLike[str],
    *,
    title: str = "Precision-recall curve",
    show_area: bool = False,
) -> Path:
    """Overlay precision-recall curves, each with its prevalence as a dashed line.

    The prevalence (fraction of positives) is the precision of a random guess; curves of
    different tasks drawn together get one prevalence line each only when the prevalences differ.

    Parameters
    ----------
    curves : sequence of CurveSet
        One curve each. A curve without positives (or with only positives) is skipped and named
        in a note on the plot.
    path : str or PathLike
        Output PNG file.
    title : str, default "Precision-recall curve"
        Axes title.
    show_area : bool, default False
        Append ``(AP 0.800)`` (average precision) to each legend label.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    DataError
        If a curve's ``y`` and ``score`` differ in length or are not 1-D.
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig = _new_figure(5.2, 4.8)
    ax = fig.subplots()
    notes = []
    drawn: list[tuple[CurveSet, str, np.ndarray, np.ndarray]] = []
    for curve, colour in zip(curves, _colours(curves), strict=True):
        y, score = _binary_pair(curve)
        if len(np.unique(y)) < 2:
            notes.append(f"skipped {curve.label}: only one class in y")
        else:
            drawn.append((curve, colour, y, score))
    prevalences = [float(np.mean(y == 1)) for _, _, y, _ in drawn]
    shared = len({round(p, 9) for p in prevalences}) == 1
    seen: set[float] = set()
    for curve, colour, y, score in drawn:
        precision, recall, _ = precision_recall_curve(y, score)
        label = curve.label
        if show_area:
            label += f" (AP {average_precision_score(y, score):.3f})"
        style = "--" if curve.dashed else "-"
        ax.plot(
            recall, precision, color=colour, linestyle=style, label=label, drawstyle="steps-post"
        )
    for (_, colour, _, _), prevalence in zip(drawn, prevalences, strict=True):
        if round(prevalence, 9) in seen:
            continue
        seen.add(round(prevalence, 9))
        # One grey line when all curves share the test set; else one line per curve's colour.
        ax.axhline(
            prevalence,
            color="#777777" if shared else colour,
            linestyle="--",
            linewidth=1,
            alpha=1.0 if shared else 0.6,
            label=f"prevalence {prevalence:.3f} (random guess)" if shared else None,
        )
    if drawn and not shared:
        # Thin dashed lines in each curve's colour: say once what they are.
        ax.plot(
            [],
            [],
            color="#777777",
            linestyle="--",
            linewidth=1,
            alpha=0.6,
            label="thin dashed: share of each class (random guess)",
        )
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("Recall (sensitivity)")
    ax.set_ylabel("Precision (positive predictive value)")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    if drawn:
        _curve_legend(ax, len(drawn), "lower left" if not notes else "center left")
    _note(ax, notes)
    return _save(fig, path)


def _curve_legend(
    ax: Axes,
    n_curves: int,
    loc: Literal["lower right", "center right", "lower left", "center left"],
) -> None:
    # Many curves (one per class) would hide each other behind an inner legend.
    if n_curves > 4:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    else:
        ax.legend(fontsize=8, loc=loc)


def _binary_pair(curve: CurveSet) -> tuple[np.ndarray, np.ndarray]:
    y = _vector(curve.y, f"curve '{curve.label}' y")
    score = _vector(curve.score, f"curve '{curve.label}' score")
    _same_length(y, score, f"curve '{curve.label}'")
    keep = np.isfinite(score)
    return y[keep].astype(np.int64), score[keep].astype(float)


def one_vs_rest_curves(
    name: str,
    y: np.ndarray,
    scores: np.ndarray,
    class_names: Sequence[str],
    *,
    dashed: bool = False,
) -> list[CurveSet]:
    """Split a multiclass problem into one binary curve per class (class vs the rest).

    Parameters
    ----------
    name : str
        Model name used in the labels, which read ``"<name>: <class>"``.
    y : (n,) array of int
        True classes in ``0 .. K-1``.
    scores : (n, K) array of float
        Class probabilities (column *k* = class *k*).
    class_names : sequence of str, length K
        Display names of the classes.
    dashed : bool, default False
        Mark the curves dashed (use it for the baseline).

    Returns
    -------
    list of CurveSet
        At most 10 curves: with more than 10 classes, the 10 most frequent classes in ``y``
        (ties broken by class order), listed in class order.

    Raises
    ------
    DataError
        If shapes disagree or ``y`` holds a class outside ``0 .. K-1``.
    """
    y = _vector(y, f"{name} y")
    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.shape[0] != len(y) or scores.shape[1] != len(class_names):
        raise DataError(
            f"{name} scores: expected shape ({len(y)}, {len(class_names)}) = (examples, "
            f"classes), got {scores.shape}. Pass one probability column per class name."
        )
    _check_classes(y, len(class_names), f"{name} y")
    classes = np.arange(len(class_names))
    if len(classes) > MAX_OVR_CLASSES:
        counts = np.bincount(y.astype(np.int64), minlength=len(classes))
        # Stable sort on -count keeps class order among ties.
        classes = np.sort(np.argsort(-counts, kind="stable")[:MAX_OVR_CLASSES])
    return [
        CurveSet(
            label=f"{name}: {class_names[int(k)]}",
            y=(y == k).astype(np.int64),
            score=scores[:, k],
            dashed=dashed,
        )
        for k in classes
    ]


def _check_classes(y: np.ndarray, n_classes: int, what: str) -> None:
    if len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise DataError(
            f"{what}: expected class indices in 0..{n_classes - 1} (one per class name), found "
            f"values from {y.min()} to {y.max()}. Pass the encoded labels and all class names."
        )


# --------------------------------------------------------------------------------------------
# confusion matrix


def confusion_matrix(
    y: np.ndarray,
    pred: np.ndarray,
    class_names: Sequence[str],
    path: str | os.PathLike[str],
    *,
    title: str = "Confusion matrix",
) -> Path:
    """Draw a confusion matrix: colour = fraction of each true class, text = count and percent.

    Parameters
    ----------
    y : (n,) array of int
        True classes in ``0 .. K-1``.
    pred : (n,) array of int
        Predicted classes in ``0 .. K-1``.
    class_names : sequence of str, length K
        Display names (rows = true, columns = predicted).
    path : str or PathLike
        Output PNG file.
    title : str, default "Confusion matrix"
        Axes title.

    Returns
    -------
    Path
        ``path``. Cells are annotated for up to 20 classes.

    Raises
    ------
    DataError
        If ``y`` and ``pred`` differ in length or hold a class outside ``0 .. K-1``.
    """
    y = _vector(y, "confusion matrix y").astype(np.int64)
    pred = _vector(pred, "confusion matrix predictions").astype(np.int64)
    _same_length(y, pred, "confusion matrix")
    k = len(class_names)
    _check_classes(y, k, "confusion matrix y")
    _check_classes(pred, k, "confusion matrix predictions")
    counts = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    totals = counts.sum(axis=1, keepdims=True)
    fraction = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)

    side = min(max(3.5, 0.55 * k + 2.0), 14.0)
    fig = _new_figure(side + 1.0, side)
    ax = fig.subplots()
    image = ax.imshow(fraction, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, shrink=0.8, label="Fraction of the true class")
    names = [str(n) for n in class_names]
    ax.set_xticks(range(k), names, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    ax.set_title(title)
    if k <= MAX_ANNOTATED_CLASSES:
        size = 9 if k <= 8 else 7
        for i in range(k):
            for j in range(k):
                colour = "white" if fraction[i, j] > 0.55 else "black"
                text = f"{counts[i, j]}\n{100 * fraction[i, j]:.0f}%"
                ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=size)
    return _save(fig, path)


# --------------------------------------------------------------------------------------------
# regression


def predicted_vs_true(
    y: np.ndarray,
    pred: np.ndarray,
    path: str | os.PathLike[str],
    *,
    title: str = "Predicted vs true",
    baseline_pred: np.ndarray | None = None,
    model_name: str = "Model",
    baseline_name: str = "Baseline",
) -> Path:
    """Scatter predictions against true values with the identity line; r and rho in the legend.

    Parameters
    ----------
    y : (n,) or (n, 1) array of float
        True values of one target.
    pred : (n,) or (n, 1) array of float
        The model's predictions.
    path : str or PathLike
        Output PNG file.
    title : str, default "Predicted vs true"
        Axes title.
    baseline_pred : (n,) array of float, optional
        The baseline's predictions, drawn as hollow squares.
    model_name, baseline_name : str, default "Model", "Baseline"
        Legend names.

    Returns
    -------
    Path
        ``path``. Pearson r and Spearman rho are computed on finite pairs; they read ``n/a``
        when a side is constant.

    Raises
    ------
    DataError
        If the arrays differ in length or are not one target.
    """
    y = _vector(y, "predicted vs true y").astype(float)
    series = [(model_name, _vector(pred, "predictions").astype(float), "o")]
    if baseline_pred is not None:
        series.append((baseline_name, _vector(baseline_pred, "baseline predictions"), "s"))
    fig = _new_figure(5.2, 5.0)
    ax = fig.subplots()
    alpha = float(np.clip(300.0 / max(len(y), 1), 0.15, 0.8))
    lows, highs = [], []
    for i, (name, values, marker) in enumerate(series):
        values = values.astype(float)
        _same_length(y, values, f"predicted vs true ({name})")
        keep = np.isfinite(y) & np.isfinite(values)
        r, rho = _pearson(y[keep], values[keep]), _spearman(y[keep], values[keep])
        ax.scatter(
            y[keep],
            values[keep],
            s=14,
            marker=marker,
            alpha=alpha,
            facecolors=PALETTE[i] if i == 0 else "none",
            edgecolors=PALETTE[i],
            linewidths=0.8,
            label=f"{name} (Pearson r {_fmt(r)}, Spearman ρ {_fmt(rho)})",
        )
        if keep.any():
            lows.append(min(y[keep].min(), values[keep].min()))
            highs.append(max(y[keep].max(), values[keep].max()))
    lo, hi = (min(lows), max(highs)) if lows else (0.0, 1.0)
    pad = 0.03 * (hi - lo) if hi > lo else 0.5
    ax.plot(
        [lo - pad, hi + pad],
        [lo - pad, hi + pad],
        color="#777777",
        linestyle="--",
        linewidth=1,
        label="identity (perfect prediction)",
    )
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("True value")
    ax.set_ylabel("Predicted value")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import rankdata

    return _pearson(rankdata(a), rankdata(b))


def _fmt(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.3f}"


# --------------------------------------------------------------------------------------------
# model vs baseline


def metric_comparison(
    rows: Sequence[ComparisonRow],
    path: str | os.PathLike[str],
    *,
    title: str = "Deep model vs baseline",
    model_name: str = "Model",
    baseline_name: str = "Baseline",
) -> Path:
    """Compare the model with the baseline, one small panel per metric, with CI error bars.

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
    fig = _new_figure(2.3 * ncols + 0.4, 2.8 * nrows + 0.4)
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
                _fmt(value),
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
    fig.suptitle(f"{title}\n(dots: estimate; bars: 95% confidence interval)", fontsize=10)
    return _save(fig, path)
