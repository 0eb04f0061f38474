"""Private drawing helpers shared by the report's figure modules: palette, new figure, atomic
high-DPI PNG saving, integer axes, notes, input checks.

Matplotlib is imported lazily and only through its object-oriented ``Figure`` API, so importing
biodl stays fast, no display is needed and the backend of an interactive session is left alone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from biodl._io import atomic_write
from biodl.errors import DataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

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
#: Resolution of saved PNGs: 200 pixels per inch, shown at 120 per inch in the report (see
#: :data:`biodl.report.page.DISPLAY_DPI`), so figures stay sharp when zoomed.
DPI = 200


def new_figure(width: float, height: float) -> MplFigure:
    from matplotlib.figure import Figure as MplFigure

    # The Figure API needs no pyplot and no backend switch; savefig uses the Agg renderer.
    fig = MplFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig


def save_png(fig: MplFigure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically and return the path."""

    def write(handle: Any) -> None:
        # No "Software" text chunk: the PNG then carries no version string or web address.
        fig.savefig(
            handle,
            format="png",
            dpi=DPI,
            bbox_inches="tight",
            facecolor="white",
            metadata={"Software": None},
        )

    return atomic_write(path, write, binary=True)


def integer_axis(axis: Any) -> None:
    """Ticks at whole numbers only (trials, folds, epochs)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def note(ax: Axes, lines: Sequence[str]) -> None:
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


def vector(values: np.ndarray, name: str) -> np.ndarray:
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


def same_length(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if len(a) != len(b):
        raise DataError(
            f"{what}: expected arrays of the same length, got {len(a)} and {len(b)}. "
            "Pass labels and predictions for the same examples."
        )


def fmt(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.3f}"
