"""Image figures for the run report: misclassified test images and saliency overlays.

Matplotlib is imported lazily, through its object-oriented ``Figure`` API (no pyplot state).

Examples
--------
>>> import numpy as np
>>> fig = misclassified_grid(np.random.rand(5, 1, 8, 8), np.array([0, 1, 1, 0, 1]),
...                          np.array([1, 1, 0, 0, 0]), ["a", "b"])
>>> len(fig.axes)
3
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["misclassified_grid", "saliency_overlays"]


def _show(image: np.ndarray) -> tuple[np.ndarray, str | None]:
    """``(c, h, w)`` in [0, 1] -> an array imshow takes, and its colour map."""
    if image.shape[0] == 1:
        return image[0], "gray"
    return np.clip(np.moveaxis(image[:3], 0, -1), 0, 1), None


def misclassified_grid(
    images: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: list[str],
    *,
    limit: int = 16,
) -> Figure:
    """A grid of up to ``limit`` misclassified test images, titled 'true -> predicted'.

    Parameters
    ----------
    images : (n, c, h, w) float in [0, 1]
    y_true, y_pred : (n,) int class codes
    classes : list of str
    limit : int, default 16
    """
    from matplotlib.figure import Figure

    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))[:limit]
    cols = max(1, min(8, len(wrong)))
    rows = max(1, -(-len(wrong) // cols))
    fig = Figure(figsize=(1.4 * cols, 1.6 * rows))
    if not len(wrong):
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "no misclassified test images", ha="center", va="center")
        ax.axis("off")
        return fig
    for k, i in enumerate(wrong):
        ax = fig.add_subplot(rows, cols, k + 1)
        shown, cmap = _show(images[i])
        ax.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        ax.set_title(f"{classes[y_true[i]]} → {classes[y_pred[i]]}", fontsize=7)
        ax.axis("off")
    fig.suptitle("Misclassified test images (true → predicted)", fontsize=9)
    return fig


def saliency_overlays(images: np.ndarray, maps: np.ndarray, titles: list[str]) -> Figure:
    """Each image beside its saliency map laid over it (hot colours = large gradient).

    Parameters
    ----------
    images : (n, c, h, w) float in [0, 1]
    maps : (n, h, w) non-negative saliency
    titles : list of str
    """
    from matplotlib.figure import Figure

    n = len(images)
    fig = Figure(figsize=(2.8, 1.5 * max(n, 1)))
    for i in range(n):
        shown, cmap = _show(images[i])
        left = fig.add_subplot(n, 2, 2 * i + 1)
        left.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        left.set_title(titles[i], fontsize=7)
        right = fig.add_subplot(n, 2, 2 * i + 2)
        right.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        top = float(maps[i].max()) or 1.0
        right.imshow(maps[i] / top, cmap="inferno", alpha=0.6, vmin=0, vmax=1)
        left.axis("off")
        right.axis("off")
    return fig
