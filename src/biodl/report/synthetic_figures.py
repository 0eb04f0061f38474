"""Figures that show how synthetic data compares with real data.

One function per plot, each drawing one figure with colour-blind-safe colours (real = blue,
synthetic = vermillion, from the Okabe-Ito palette), writing it atomically as PNG and
returning the path:

- :func:`pca_scatter`: real and synthetic rows on the first two principal components of the
  real training rows (standardised as in :class:`~biodl.evaluation.synthetic_space.FeatureSpace`);
- :func:`feature_histograms`: the features whose distributions differ most (largest KS);
- :func:`correlation_heatmaps`: the correlation matrices of the most variable features,
  real beside synthetic, on one colour scale;
- :func:`sample_grid`: a grid of images, ``(n, c, h, w)`` or ``(n, h, w)``;
- :func:`discriminator_accuracy`: a GAN discriminator's accuracy on real and on generated
  rows over epochs.

:func:`synthetic_report_figures` draws those that apply into a run's ``plots/`` folder and
returns them, captioned, for the report (each figure's title is its alt text there).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from biodl.report.synthetic_figures import discriminator_accuracy
>>> h = pd.DataFrame({"epoch": [1, 2, 3], "d_acc_real": [.9, .7, .6], "d_acc_fake": [.8, .6, .5]})
>>> discriminator_accuracy(h, "d_acc.png")  # doctest: +SKIP
PosixPath('d_acc.png')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from biodl.errors import DataError
from biodl.evaluation.samplers import rows_2d
from biodl.evaluation.synthetic_space import FeatureSpace
from biodl.report._plot import PALETTE, new_figure, save_png

if TYPE_CHECKING:
    from biodl.evaluation.synthetic import SyntheticQuality
    from biodl.report.html import Figure as ReportFigure

__all__ = [
    "HISTORY_COLUMNS",
    "correlation_heatmaps",
    "discriminator_accuracy",
    "feature_histograms",
    "pca_scatter",
    "pick_per_class",
    "sample_grid",
    "synthetic_report_figures",
]

REAL, SYNTHETIC, TRAIN = PALETTE[0], PALETTE[1], "#BBBBBB"
#: Columns :func:`discriminator_accuracy` needs in the training history.
HISTORY_COLUMNS = ("epoch", "d_acc_real", "d_acc_fake")


def pca_scatter(
    real_train: Any,
    real_holdout: Any,
    synthetic: Any,
    path: str | os.PathLike[str],
    *,
    space: FeatureSpace | None = None,
    title: str = "Real and synthetic rows on the real data's principal components",
) -> Path:
    """Scatter of held-out real, synthetic (and, faintly, training) rows on two components.

    The two components are fitted on the real training rows after the feature space's
    standardisation, so every synthetic set is drawn in the same axes.

    Parameters
    ----------
    real_train, real_holdout, synthetic : (n, ...) numeric arrays
    path : str or PathLike
        Output PNG file.
    space : FeatureSpace, optional
        Fitted on ``real_train``; fitted here when not given.
    title : str
    """
    space = space if space is not None else FeatureSpace.fit(real_train)
    z_train = space.standardise(real_train)
    pca = PCA(n_components=min(2, z_train.shape[1]), random_state=0).fit(z_train)
    fig = new_figure(5.6, 4.6)
    ax = fig.add_subplot(1, 1, 1)
    for rows, label, colour, marker, alpha in (
        (real_train, "real (training)", TRAIN, ".", 0.6),
        (real_holdout, "real (held out)", REAL, "o", 0.7),
        (synthetic, "synthetic", SYNTHETIC, "^", 0.6),
    ):
        xy = pca.transform(space.standardise(rows))
        y = xy[:, 1] if xy.shape[1] > 1 else np.zeros(len(xy))
        ax.scatter(xy[:, 0], y, s=12, c=colour, marker=marker, alpha=alpha, label=label)
    ratio = pca.explained_variance_ratio_
    ax.set_xlabel(f"PC 1 ({100 * ratio[0]:.0f} % of real training variance)")
    ax.set_ylabel(f"PC 2 ({100 * ratio[1]:.0f} %)" if len(ratio) > 1 else "")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    return save_png(fig, path)


def feature_histograms(
    real: Any,
    synthetic: Any,
    per_feature: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    n: int = 6,
    title: str = "The features that differ most (largest Kolmogorov-Smirnov statistic)",
) -> Path:
    """Histograms of real and synthetic values of the ``n`` most different features.

    Parameters
    ----------
    real, synthetic : (rows, ...) numeric arrays
        Held-out real rows and synthetic rows (flattened to features).
    per_feature : pandas.DataFrame
        :attr:`SyntheticQuality.per_feature`: columns ``feature``, ``index`` and ``ks``,
        most different first.
    path : str or PathLike
    n : int, default 6
    """
    r, s = rows_2d(real, "real"), rows_2d(synthetic, "synthetic")
    top = per_feature.head(n)
    cols = min(3, max(len(top), 1))
    rows = -(-max(len(top), 1) // cols)
    fig = new_figure(3.4 * cols, 2.6 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(top) :]:
        ax.set_axis_off()
    for ax, (_, row) in zip(axes, top.iterrows(), strict=False):
        j = int(row["index"])
        bins = np.histogram_bin_edges(np.r_[r[:, j], s[:, j]], bins=20)
        ax.hist(r[:, j], bins=bins, density=True, alpha=0.55, color=REAL, label="real")
        ax.hist(s[:, j], bins=bins, density=True, alpha=0.55, color=SYNTHETIC, label="synthetic")
        ax.set_title(f"{row['feature']} (KS {row['ks']:.2f})", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_png(fig, path)


def correlation_heatmaps(
    real: Any,
    synthetic: Any,
    path: str | os.PathLike[str],
    *,
    space: FeatureSpace,
    max_features: int = 30,
    title: str = "Correlations between the most variable features",
) -> Path:
    """Pearson correlation matrices of real and synthetic rows side by side (-1 to 1).

    Parameters
    ----------
    real, synthetic : (rows, ...) numeric arrays
    path : str or PathLike
    space : FeatureSpace
        Gives the features (its most variable ones first) and their transform.
    max_features : int, default 30
    """
    fig = new_figure(9.6, 4.4)
    axes = fig.subplots(1, 2)
    image = None
    for ax, rows, name in ((axes[0], real, "real (held out)"), (axes[1], synthetic, "synthetic")):
        z = space.standardise(rows)[:, :max_features]
        centred = z - z.mean(axis=0)
        norm = np.sqrt((centred**2).sum(axis=0))
        unit = np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0)
        image = ax.imshow(unit.T @ unit, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("feature (most variable first)", fontsize=8)
        ax.tick_params(labelsize=7)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="Pearson correlation")
    fig.suptitle(title, fontsize=10)
    return save_png(fig, path)


def _as_images(images: Any) -> np.ndarray:
    arr = np.asarray(images, dtype=np.float64)
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[1] not in (1, 3, 4):
        raise DataError(
            f"sample grid: expected images of shape (n, c, h, w) with 1, 3 or 4 channels or "
            f"(n, h, w), got shape {arr.shape}."
        )
    low, high = float(arr.min()), float(arr.max())
    if low < 0 or high > 1:  # e.g. 0..255 or a generator's tanh output: rescale for display
        arr = (arr - low) / (high - low if high > low else 1.0)
    return arr


def pick_per_class(labels: np.ndarray, n: int) -> np.ndarray:
    """Indices of up to ``ceil(n / classes)`` rows of each class, class by class (``n`` at most).

    Examples
    --------
    >>> pick_per_class(np.array([0, 0, 0, 1, 1]), 4).tolist()
    [0, 1, 3, 4]
    """
    classes = np.unique(labels)
    each = -(-n // len(classes))
    rows = [np.flatnonzero(labels == c)[:each] for c in classes]
    return np.concatenate(rows)[:n]


def sample_grid(
    images: Any,
    path: str | os.PathLike[str],
    *,
    labels: Any = None,
    n: int = 64,
    title: str = "Synthetic images",
) -> Path:
    """A grid of ``n`` images (values outside 0..1 are rescaled for display).

    Without labels the first ``n``; with labels, up to ``ceil(n / classes)`` of each class,
    class by class, so that every class shows.

    Parameters
    ----------
    images : (rows, c, h, w) or (rows, h, w) numeric array
    path : str or PathLike
    labels : (rows,) array, optional
        Shown above each image (e.g. the class a conditional generator was asked for).
    n : int, default 64
    """
    arr = _as_images(images)
    shown = np.arange(min(n, len(arr)))
    if labels is not None:
        shown = pick_per_class(np.asarray(labels), n)
        labels = np.asarray(labels)[shown]
    arr = arr[shown]
    cols = max(1, min(8, len(arr)))
    rows = -(-len(arr) // cols)
    fig = new_figure(1.2 * cols, 1.3 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= len(arr):
            continue
        if arr.shape[1] == 1:
            ax.imshow(arr[i, 0], cmap="gray", vmin=0, vmax=1)
        else:
            ax.imshow(np.moveaxis(arr[i, :3], 0, -1))
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_png(fig, path)


def discriminator_accuracy(
    history: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str = "Discriminator accuracy on real and generated rows",
) -> Path:
    """The discriminator's accuracy on real and on fake rows per epoch, with the 50 % line.

    Parameters
    ----------
    history : pandas.DataFrame
        Columns ``epoch``, ``d_acc_real``, ``d_acc_fake`` (accuracies 0..1), one row per epoch.
    path : str or PathLike

    Raises
    ------
    DataError
        If a column is missing.
    """
    missing = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise DataError(
            f"discriminator accuracy: the training history lacks columns {missing} (found "
            f"{[str(c) for c in history.columns]}). Log {', '.join(HISTORY_COLUMNS)} per epoch."
        )
    from matplotlib.ticker import MaxNLocator

    fig = new_figure(5.6, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    epochs = history["epoch"].to_numpy(dtype=float)
    for column, label, colour, marker in (
        ("d_acc_real", "on real rows", REAL, "o"),
        ("d_acc_fake", "on generated rows", SYNTHETIC, "^"),
    ):
        values = history[column].to_numpy(dtype=float)
        keep = np.isfinite(values)
        ax.plot(epochs[keep], values[keep], color=colour, marker=marker, markersize=3, label=label)
    ax.axhline(0.5, color="#444444", linestyle=":", label="fooled half the time")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return save_png(fig, path)


def synthetic_report_figures(
    quality: SyntheticQuality,
    real_train: Any,
    real_holdout: Any,
    synthetic: Any,
    plots: Path,
    *,
    history: pd.DataFrame | None = None,
    labels: Any = None,
) -> list[ReportFigure]:
    """Draw the figures that apply into ``plots`` and caption them for the report.

    The sample grid is drawn when the rows are images (``(n, c, h, w)`` or ``(n, h, w)``
    with ``h, w > 1``); the discriminator plot when ``history`` is given.
    """
    from biodl.report.html import Figure as ReportFigure

    out: list[ReportFigure] = []
    shape = np.asarray(synthetic).shape
    if len(shape) in (3, 4) and shape[-1] > 1 and shape[-2] > 1:
        out.append(
            ReportFigure(
                "Synthetic images",
                sample_grid(synthetic, plots / "synthetic_samples.png", labels=labels),
                "The first generated images (titled with their requested class).",
            )
        )
    out.append(
        ReportFigure(
            "Real and synthetic rows on shared principal components",
            pca_scatter(
                real_train,
                real_holdout,
                synthetic,
                plots / "synthetic_pca.png",
                space=quality.space,
            ),
            "Principal components fitted on the real training rows. Synthetic rows (triangles) "
            "should cover the same region as held-out real rows (circles); a tight cluster "
            "means mode collapse, points on top of training rows (grey) mean copying.",
        )
    )
    out.append(
        ReportFigure(
            "The most different features",
            feature_histograms(
                real_holdout, synthetic, quality.per_feature, plots / "synthetic_features.png"
            ),
            "Held-out real vs synthetic values of the features with the largest "
            "Kolmogorov-Smirnov statistic (0 = same distribution, 1 = disjoint).",
        )
    )
    out.append(
        ReportFigure(
            "Correlation matrices, real and synthetic",
            correlation_heatmaps(
                real_holdout, synthetic, plots / "synthetic_correlations.png", space=quality.space
            ),
            "Pearson correlations of the most variable features; a synthetic matrix that is "
            "near 0 off the diagonal means the generator lost the dependence between features.",
        )
    )
    if history is not None:
        out.append(
            ReportFigure(
                "Discriminator accuracy over epochs",
                discriminator_accuracy(history, plots / "discriminator_accuracy.png"),
                "The discriminator's accuracy on real and generated rows; 50 % on both means "
                "it is fooled half the time, which does not by itself mean good samples.",
            )
        )
    return out
