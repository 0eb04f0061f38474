"""Sequence logos: motifs as information content, attributions as signed letter heights.

Each letter is drawn as a filled path (matplotlib ``TextPath``) stretched to its height, so a
logo needs no font files beyond matplotlib's own and renders the same in PNG and SVG. In a
column, letters are stacked smallest first (the largest on top); negative heights (attributions)
are stacked downward from zero.

Examples
--------
>>> import numpy as np
>>> from biodl.interpret.motifs import Motif
>>> png = motif_logo(Motif("m", np.eye(4)[[0, 2, 2, 3]]), fmt="png")
>>> png[:4] == b"\\x89PNG"
True
>>> svg = attribution_logo(np.random.default_rng(0).normal(size=(12, 4)), fmt="svg")
>>> svg.lstrip().startswith(b"<?xml")
True
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from biodl.errors import DataError
from biodl.interpret.motifs import DNA, Motif, information_content
from biodl.report._plot import DPI, new_figure, save_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.textpath import TextPath

__all__ = [
    "LETTER_COLOURS",
    "attribution_logo",
    "draw_logo",
    "logo_bytes",
    "motif_heights",
    "motif_logo",
    "motif_logos",
]

#: The usual nucleotide colours (A green, C blue, G orange, T/U red); other letters are grey.
LETTER_COLOURS: dict[str, str] = {
    "A": "#109648",
    "C": "#255C99",
    "G": "#F7B32B",
    "T": "#D62839",
    "U": "#D62839",
}

LogoFormat = Literal["png", "svg"]


def motif_heights(motif: Motif, background: np.ndarray | None = None) -> np.ndarray:
    """Letter heights of an information-content logo: ``probability × bits`` per position.

    Returns
    -------
    (width, A) float array
    """
    bits = information_content(motif.probabilities, background)
    return motif.probabilities * bits[:, None]


def _letter_path(letter: str) -> TextPath:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    return TextPath(
        (0, 0), letter, size=1, prop=FontProperties(family="DejaVu Sans", weight="bold")
    )


def draw_logo(ax: Axes, heights: np.ndarray, alphabet: str = DNA, *, start: int = 1) -> None:
    """Draw a logo on ``ax``: each letter a filled path scaled to its height.

    Parameters
    ----------
    ax : matplotlib Axes
    heights : (width, A) array
        Signed letter heights; positive ones stack up from 0, negative ones down.
    alphabet : str, default "ACGT"
    start : int, default 1
        Number of the first position on the x axis.
    """
    from matplotlib.patches import PathPatch
    from matplotlib.transforms import Affine2D

    h = np.asarray(heights, dtype=float)
    if h.ndim != 2 or h.shape[1] != len(alphabet):
        raise DataError(f"logo heights must be (width, {len(alphabet)}), got shape {h.shape}")
    paths = {c: _letter_path(c) for c in alphabet}
    for pos, column in enumerate(h):
        up, down = 0.0, 0.0
        for idx in np.argsort(np.abs(column), kind="stable"):
            value = float(column[idx])
            if value == 0 or not np.isfinite(value):
                continue
            letter = alphabet[idx]
            path = paths[letter]
            box = path.get_extents()
            base = up if value > 0 else down + value
            transform = (
                Affine2D()
                .translate(-box.x0, -box.y0)
                .scale(0.9 / max(box.width, 1e-9), abs(value) / max(box.height, 1e-9))
                .translate(pos + 0.05 + start - 0.5, base)
            )
            ax.add_patch(
                PathPatch(
                    transform.transform_path(path),
                    lw=0,
                    facecolor=LETTER_COLOURS.get(letter.upper(), "#777777"),
                )
            )
            if value > 0:
                up += value
            else:
                down += value
    top = max(float(np.clip(h, 0, None).sum(axis=1).max(initial=0)), 1e-6)
    bottom = min(float(np.clip(h, None, 0).sum(axis=1).min(initial=0)), 0.0)
    ax.set_xlim(start - 0.5, start + len(h) - 0.5)
    ax.set_ylim(bottom * 1.05, top * 1.05)
    if bottom < 0:
        ax.axhline(0, color="#444444", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)


def logo_bytes(fig: MplFigure, fmt: LogoFormat) -> bytes:
    """The figure rendered as PNG or SVG bytes (no software or date metadata)."""
    if fmt not in ("png", "svg"):
        raise DataError(f"logo format must be 'png' or 'svg', got {fmt!r}")
    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Creator": None, "Date": None}
    fig.savefig(
        buffer, format=fmt, dpi=DPI, bbox_inches="tight", facecolor="white", metadata=metadata
    )
    return buffer.getvalue()


def _figure(width: int, height: float) -> tuple[MplFigure, Axes]:
    fig = new_figure(max(2.0, 0.35 * width + 0.8), height)
    return fig, fig.add_subplot()


def motif_logo(
    motif: Motif,
    *,
    background: np.ndarray | None = None,
    title: str | None = None,
    fmt: LogoFormat = "png",
) -> bytes:
    """An information-content logo of ``motif`` (bits on the y axis), as PNG or SVG bytes.

    Parameters
    ----------
    motif : Motif
    background : (A,) array, optional
        Uniform by default.
    title : str, optional
        Defaults to the motif's id and name.
    fmt : {"png", "svg"}, default "png"
    """
    fig, ax = _figure(motif.width, 1.8)
    draw_logo(ax, motif_heights(motif, background), motif.alphabet)
    ax.set_ylim(0, max(np.log2(len(motif.alphabet)), ax.get_ylim()[1]))
    ax.set_ylabel("bits")
    ax.set_title(motif.label if title is None else title, fontsize=9)
    return logo_bytes(fig, fmt)


def attribution_logo(
    attributions: np.ndarray,
    onehot: np.ndarray | None = None,
    *,
    alphabet: str = DNA,
    start: int = 1,
    title: str = "",
    fmt: LogoFormat = "png",
) -> bytes:
    """A logo of one sequence's attributions, as PNG or SVG bytes.

    Parameters
    ----------
    attributions : (L, A) array
        Per position and letter.
    onehot : (L, A) array, optional
        When given, only the observed letter is drawn (actual contributions,
        ``attributions × onehot``); otherwise every letter's value is (hypothetical).
    alphabet : str, default "ACGT"
    start : int, default 1
        Number of the first position (e.g. the window's place in the sequence).
    title : str, default ""
    fmt : {"png", "svg"}, default "png"
    """
    heights = np.asarray(attributions, dtype=float)
    if onehot is not None:
        mask = np.asarray(onehot, dtype=float)
        if mask.shape != heights.shape:
            raise DataError(
                f"attributions {heights.shape} and one-hot {mask.shape} must have one shape"
            )
        heights = heights * mask
    fig, ax = _figure(len(heights), 1.8)
    draw_logo(ax, heights, alphabet, start=start)
    ax.set_ylabel("attribution")
    if title:
        ax.set_title(title, fontsize=9)
    return logo_bytes(fig, fmt)


def motif_logos(
    motifs: Sequence[Motif],
    titles: Sequence[str],
    path: str | os.PathLike[str],
    *,
    columns: int = 2,
) -> Path:
    """Information-content logos of ``motifs`` in a grid (``columns`` per row), as one PNG.

    Parameters
    ----------
    motifs : sequence of Motif
    titles : sequence of str
        One per motif.
    path : path
        The PNG written (atomically).
    columns : int, default 2

    Returns
    -------
    Path
    """
    if len(titles) != len(motifs):
        raise DataError(f"{len(motifs)} motifs but {len(titles)} titles")
    n = max(len(motifs), 1)
    cols = max(1, min(columns, n))
    rows = -(-n // cols)
    widest = max((m.width for m in motifs), default=6)
    fig = new_figure(cols * max(3.0, 0.3 * widest + 1.0), 1.7 * rows + 0.2)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, motif, title in zip(axes, motifs, titles, strict=False):
        draw_logo(ax, motif_heights(motif), motif.alphabet)
        ax.set_ylim(0, max(np.log2(len(motif.alphabet)), ax.get_ylim()[1]))
        ax.set_ylabel("bits", fontsize=8)
        ax.set_title(title, fontsize=8, loc="left")
    for ax in axes[len(motifs) :]:
        ax.set_axis_off()
    return save_png(fig, path)
