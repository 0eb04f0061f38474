"""Image figures for the run report: misclassified test images and saliency overlays.

:func:`image_report_figures` is what the image kind's ``report_figures`` hook draws into
a run's ``plots/`` folder: the grid of misclassified images of the final split and the
SmoothGrad saliency of a few of its images. Matplotlib is imported lazily, through its
object-oriented ``Figure`` API (no pyplot state).

Examples
--------
>>> import numpy as np
>>> fig = misclassified_grid(np.random.rand(5, 1, 8, 8), np.array([0, 1, 1, 0, 1]),
...                          np.array([1, 1, 0, 0, 0]), ["a", "b"])
>>> len(fig.axes)
3
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import nn

    from biodl.report.html import Figure as ReportFigure

__all__ = [
    "SaliencyExamples",
    "image_report_figures",
    "misclassified_grid",
    "pick_examples",
    "saliency_examples",
    "saliency_overlays",
]

N_SALIENCY = 8  # images shown with their saliency: up to half misclassified, the rest correct
N_MISCLASSIFIED = 16  # images in the grid of misclassified examples


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
    pairs = 1 if n < 4 else 2  # image-map pairs per row
    rows = max(1, -(-n // pairs))
    fig = Figure(figsize=(2.8 * pairs, 1.5 * rows))
    for i in range(n):
        shown, cmap = _show(images[i])
        left = fig.add_subplot(rows, 2 * pairs, 2 * i + 1)
        left.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        left.set_title(titles[i], fontsize=7, loc="left")
        right = fig.add_subplot(rows, 2 * pairs, 2 * i + 2)
        right.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        top = float(maps[i].max()) or 1.0
        right.imshow(maps[i] / top, cmap="inferno", alpha=0.6, vmin=0, vmax=1)
        left.axis("off")
        right.axis("off")
    return fig


def pick_examples(y_true: np.ndarray, y_pred: np.ndarray, *, n: int = N_SALIENCY) -> np.ndarray:
    """Rows to explain: the first misclassified ones (at most half), then the first correct ones.

    Examples
    --------
    >>> pick_examples(np.array([0, 1, 1, 0, 1]), np.array([0, 0, 1, 1, 1]), n=4).tolist()
    [1, 3, 0, 2]
    """
    wrong = np.flatnonzero(y_true != y_pred)
    right = np.flatnonzero(y_true == y_pred)
    first = wrong[: max(n // 2, n - len(right))]
    return np.concatenate([first, right[: n - len(first)]]).astype(np.int64)


@dataclass
class SaliencyExamples:
    """Images of one split with their saliency maps.

    Attributes
    ----------
    index : (n,) int
        Rows of the split.
    images : (n, c, h, w) float in [0, 1]
    maps : (n, h, w) non-negative
        Absolute SmoothGrad of the predicted class's output, maximum over channels.
    titles : list of str
        'true X, predicted Y' per image.
    """

    index: np.ndarray
    images: np.ndarray
    maps: np.ndarray
    titles: list[str]


def saliency_examples(
    network: nn.Module,
    part: Any,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: list[str],
    *,
    n: int = N_SALIENCY,
) -> SaliencyExamples:
    """SmoothGrad saliency of :func:`pick_examples` rows of ``part`` (a plain gradient looks
    like noise on small images).

    Parameters
    ----------
    network : nn.Module
        ``(batch, c, h, w)`` pixels in [0, 1] -> ``(batch, k)`` outputs (the run's wrapper).
    part : ImageSet
        ``part.load(index)`` gives the pixels.
    y_true, y_pred : (len(part),) int class codes
    classes : list of str
    n : int, default 8
    """
    import torch

    from biodl.interpret.saliency import saliency

    index = pick_examples(y_true, y_pred, n=n)
    images = part.load(index)
    device = next(network.parameters()).device
    x = torch.from_numpy(images).to(device)
    target = torch.from_numpy(y_pred[index]).to(device)
    maps = saliency(network, x, target, method="smoothgrad").detach().cpu().numpy()
    titles = [f"true {classes[y_true[i]]}, predicted {classes[y_pred[i]]}" for i in index]
    return SaliencyExamples(index, images, maps, titles)


def image_report_figures(
    network: nn.Module,
    part: Any,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: list[str],
    plots: Path,
    *,
    split: str = "test",
) -> list[ReportFigure]:
    """Draw ``plots/misclassified.png`` and ``plots/saliency.png``; describe them for the report.

    The grid is left out when no image of ``split`` is misclassified (the saliency caption says
    so). Works for greyscale and RGB images and any number of classes.
    """
    from biodl.report._plot import save_png
    from biodl.report.html import Figure as ReportFigure

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    out: list[ReportFigure] = []
    wrong = np.flatnonzero(y_true != y_pred)
    if len(wrong):
        shown = wrong[:N_MISCLASSIFIED]
        grid = misclassified_grid(
            part.load(shown), y_true[shown], y_pred[shown], classes, limit=N_MISCLASSIFIED
        )
        out.append(
            ReportFigure(
                "Misclassified images",
                save_png(grid, plots / "misclassified.png"),
                f"The first {len(shown)} of the {len(wrong)} misclassified {split} images "
                f"(of {len(y_true)}), titled true → predicted class. Look for label noise, "
                "ambiguous images or a class the network confuses systematically.",
            )
        )
    examples = saliency_examples(network, part, y_true, y_pred, classes)
    note = (
        f"No {split} image was misclassified, so there is no grid of misclassified images; "
        "these are correctly classified ones."
        if not len(wrong)
        else "The first rows are misclassified images, the rest correctly classified ones."
    )
    overlays = saliency_overlays(examples.images, examples.maps, examples.titles)
    out.append(
        ReportFigure(
            "Saliency maps",
            save_png(overlays, plots / "saliency.png"),
            f"{len(examples.index)} {split} images (left) and the SmoothGrad saliency of the "
            "predicted class's output (right): the absolute gradient with respect to each "
            "pixel, averaged over 25 copies of the image with 15 % noise (bright = the output "
            "changes most when these pixels change). " + note + " Gradients show sensitivity, "
            "not proof of what the network relies on.",
        )
    )
    return out
