"""Diagnostic figures of a trained model on the test set: ROC, precision-recall, confusion
matrix (classifiers) and predicted against true values (regressors).

Each function takes arrays that evaluation already produced, draws one figure with
colour-blind-safe colours and writes it atomically as PNG (see :mod:`biodl.report._plot`).
All public names are also importable from :mod:`biodl.report.figures`.

Examples
--------
>>> import numpy as np
>>> from biodl.report.diagnostics import CurveSet, roc_curves
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
from typing import TYPE_CHECKING, Literal

import numpy as np

from biodl.errors import DataError
from biodl.report._plot import PALETTE, fmt, new_figure, note, same_length, save_png, vector

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CurveSet",
    "calibration_curve",
    "confusion_matrix",
    "one_vs_rest_curves",
    "pr_curves",
    "predicted_vs_true",
    "roc_curves",
]

MAX_OVR_CLASSES = 10
MAX_ANNOTATED_CLASSES = 20


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

    fig = new_figure(5.2, 4.8)
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
    note(ax, notes)
    return save_png(fig, path)


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

    fig = new_figure(5.2, 4.8)
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
    note(ax, notes)
    return save_png(fig, path)


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
    y = vector(curve.y, f"curve '{curve.label}' y")
    score = vector(curve.score, f"curve '{curve.label}' score")
    same_length(y, score, f"curve '{curve.label}'")
    keep = np.isfinite(score) & np.isfinite(y)  # a missing label (NaN) is not drawn
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
    y = vector(y, f"{name} y")
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
    y = vector(y, "confusion matrix y").astype(np.int64)
    pred = vector(pred, "confusion matrix predictions").astype(np.int64)
    same_length(y, pred, "confusion matrix")
    k = len(class_names)
    _check_classes(y, k, "confusion matrix y")
    _check_classes(pred, k, "confusion matrix predictions")
    counts = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    totals = counts.sum(axis=1, keepdims=True)
    fraction = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)

    side = min(max(3.5, 0.55 * k + 2.0), 14.0)
    fig = new_figure(side + 1.0, side)
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
    return save_png(fig, path)


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
    y = vector(y, "predicted vs true y").astype(float)
    series = [(model_name, vector(pred, "predictions").astype(float), "o")]
    if baseline_pred is not None:
        series.append((baseline_name, vector(baseline_pred, "baseline predictions"), "s"))
    fig = new_figure(5.2, 5.0)
    ax = fig.subplots()
    alpha = float(np.clip(300.0 / max(len(y), 1), 0.15, 0.8))
    lows, highs = [], []
    for i, (name, values, marker) in enumerate(series):
        values = values.astype(float)
        same_length(y, values, f"predicted vs true ({name})")
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
            label=f"{name} (Pearson r {fmt(r)}, Spearman ρ {fmt(rho)})",
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
    return save_png(fig, path)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import rankdata

    return _pearson(rankdata(a), rankdata(b))


def calibration_curve(
    curves: Sequence[CurveSet],
    path: str | os.PathLike[str],
    *,
    n_bins: int = 10,
    title: str = "Calibration (reliability diagram)",
) -> Path:
    """Observed frequency of positives against the mean predicted probability, per bin.

    Bins hold equal numbers of examples (quantiles of the predicted probability), so sparse
    high-risk bins of a rare outcome are not left with a handful of examples. The diagonal is
    perfect calibration; the legend gives each curve's Brier score.

    Parameters
    ----------
    curves : sequence of CurveSet
        ``score`` must be a probability of the positive class.
    path : str or PathLike
        Output PNG file.
    n_bins : int, default 10
    title : str

    Returns
    -------
    Path
        ``path``.
    """
    fig = new_figure(5.2, 4.8)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#777777", linestyle=":", linewidth=1, label="perfect")
    for curve, colour in zip(curves, _colours(curves), strict=True):
        y, score = _binary_pair(curve)
        if not len(y):
            continue
        order = np.argsort(score, kind="stable")
        groups = [g for g in np.array_split(order, min(n_bins, len(y))) if len(g)]
        mean_p = [float(score[g].mean()) for g in groups]
        freq = [float(y[g].mean()) for g in groups]
        brier = float(np.mean((score - y) ** 2))
        style = "--" if curve.dashed else "-"
        ax.plot(
            mean_p,
            freq,
            marker="o",
            markersize=3,
            color=colour,
            linestyle=style,
            label=f"{curve.label} (Brier {brier:.3f})",
        )
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("Mean predicted probability")
    ax.set_ylabel("Observed fraction of positives")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return save_png(fig, path)
