"""Figures of ``biodl explain``: sequence logos of attributions, heatmaps, gene bars, overlays.

Every function draws with matplotlib's object-oriented API and writes one PNG atomically.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> values = np.zeros((1, 4, 12)); values[0, 2, 3:6] = 1.0
>>> path = attribution_logos(values, "ACGT", ["seq1"], pathlib.Path(tempfile.mkdtemp()) / "a.png")
>>> path.name
'a.png'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from biodl.report._plot import new_figure, save_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "LETTER_COLOURS",
    "attribution_heatmaps",
    "attribution_logos",
    "draw_logo",
    "gene_bars",
    "image_overlays",
    "ranking_bars",
]

#: Classic nucleotide colours; other letters (amino acids) are drawn in grey-blue.
LETTER_COLOURS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839", "U": "#D62839"}


def draw_logo(ax: Axes, heights: np.ndarray, letters: str, *, start: int = 0) -> None:
    """Draw one logo: at each position the letters stacked by their (signed) heights.

    Parameters
    ----------
    ax : Axes
    heights : (letters, length)
        Positive heights stack upward from zero, negative ones downward.
    letters : str
        The letter of each row.
    start : int, default 0
        Position of the first column on the x axis.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    font = FontProperties(family="DejaVu Sans", weight="bold")
    glyphs = {a: TextPath((0, 0), a, size=1, prop=font) for a in letters}
    for pos in range(heights.shape[1]):
        up, down = 0.0, 0.0
        column = heights[:, pos]
        for k in np.argsort(np.abs(column)):
            h = float(column[k])
            if h == 0.0:
                continue
            glyph = glyphs[letters[k]]
            box = glyph.get_extents()
            base = up if h > 0 else down
            transform = (
                Affine2D()
                .translate(-box.x0, -box.y0)
                .scale(0.9 / max(box.width, 1e-9), abs(h) / max(box.height, 1e-9))
                .translate(start + pos - 0.45, base if h > 0 else base + h)
            )
            colour = LETTER_COLOURS.get(letters[k], "#4C6A92")
            ax.add_patch(PathPatch(transform.transform_path(glyph), color=colour, lw=0))
            if h > 0:
                up += h
            else:
                down += h
    top = float(np.clip(heights, 0, None).sum(0).max(initial=0.0))
    bottom = float(np.clip(heights, None, 0).sum(0).min(initial=0.0))
    pad = 0.05 * max(top - bottom, 1e-6)
    ax.set_xlim(start - 0.6, start + heights.shape[1] - 0.4)
    ax.set_ylim(bottom - pad, top + pad)
    ax.axhline(0, color="#888888", lw=0.5)
    ax.spines[["top", "right"]].set_visible(False)


def attribution_logos(
    values: np.ndarray,
    letters: str,
    titles: Sequence[str],
    path: str | os.PathLike[str],
    *,
    starts: Sequence[int] | None = None,
    ylabel: str = "attribution",
) -> Path:
    """One logo per row of ``values`` ``(m, letters, length)``, stacked vertically."""
    m, _, length = values.shape
    width = min(max(6.0, 0.09 * length + 1.5), 24.0)
    fig = new_figure(width, 1.5 * max(m, 1) + 0.3)
    axes = fig.subplots(max(m, 1), 1, squeeze=False)[:, 0]
    for i, ax in enumerate(axes[:m]):
        start = starts[i] if starts is not None else 1
        draw_logo(ax, values[i], letters, start=start)
        ax.set_title(titles[i], fontsize=9, loc="left")
        ax.set_ylabel(ylabel, fontsize=8)
    axes[-1].set_xlabel("position")
    return save_png(fig, path)


def attribution_heatmaps(
    values: np.ndarray,
    titles: Sequence[str],
    path: str | os.PathLike[str],
    *,
    rows: Sequence[str] | None = None,
    xlabel: str = "time step",
) -> Path:
    """One heatmap (variable x time) per example ``(m, variables, time)``; red up, blue down."""
    m = values.shape[0]
    fig = new_figure(8.0, 1.0 + (0.25 * values.shape[1] + 1.0) * max(m, 1))
    axes = fig.subplots(max(m, 1), 1, squeeze=False)[:, 0]
    for i, ax in enumerate(axes[:m]):
        scale = float(np.abs(values[i]).max()) or 1.0
        image = ax.imshow(
            values[i], aspect="auto", cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="none"
        )
        ax.set_title(titles[i], fontsize=9, loc="left")
        if rows is not None and len(rows) == values.shape[1] and len(rows) <= 40:
            ax.set_yticks(range(len(rows)), labels=list(rows), fontsize=7)
        fig.colorbar(image, ax=ax, shrink=0.8)
    axes[-1].set_xlabel(xlabel)
    return save_png(fig, path)


def gene_bars(
    table: dict[str, tuple[list[str], np.ndarray]], path: str | os.PathLike[str], *, top: int = 15
) -> Path:
    """Bars of the ``top`` genes of each class: ``{class: (genes, mean attribution)}``."""
    names = list(table)
    fig = new_figure(3.6 * max(1, min(len(names), 4)), 0.25 * top + 1.2)
    axes = fig.subplots(1, max(1, min(len(names), 4)), squeeze=False)[0]
    for ax, name in zip(axes, names[:4], strict=False):
        genes, score = table[name]
        order = np.argsort(-np.abs(score))[:top][::-1]
        colours = ["#D55E00" if score[j] > 0 else "#0072B2" for j in order]
        ax.barh(range(len(order)), score[order], color=colours)
        ax.set_yticks(range(len(order)), labels=[genes[j] for j in order], fontsize=7)
        ax.set_title(name, fontsize=9)
        ax.axvline(0, color="#888888", lw=0.5)
        ax.set_xlabel("mean attribution")
    return save_png(fig, path)


def ranking_bars(
    rankings: dict[str, tuple[Sequence[str], np.ndarray]],
    path: str | os.PathLike[str],
    *,
    top: int = 15,
    shared_top: int = 10,
) -> Path:
    """Side-by-side bars of each ranking's ``top`` names: ``{title: (names, importance)}``.

    Each panel is sorted by its own importance (largest at the top, absolute values ranked);
    names among the first ``shared_top`` of every ranking are drawn in vermillion, the others
    in grey, so the agreement of the rankings shows at a glance.
    """
    panels = list(rankings)
    tops = []
    for title in panels:
        names, score = rankings[title]
        order = np.argsort(-np.abs(score), kind="stable")
        tops.append({names[j] for j in order[:shared_top]})
    shared = set.intersection(*tops) if tops else set()
    shown = min(top, max((len(rankings[t][0]) for t in panels), default=1))
    fig = new_figure(3.6 * max(1, len(panels)), 0.25 * shown + 1.2)
    axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
    for ax, title in zip(axes, panels, strict=False):
        names, score = rankings[title]
        order = np.argsort(-np.abs(score), kind="stable")[:top][::-1]
        colours = ["#D55E00" if names[j] in shared else "#999999" for j in order]
        ax.barh(range(len(order)), np.abs(score[order]), color=colours)
        ax.set_yticks(range(len(order)), labels=[names[j] for j in order], fontsize=7)
        ax.set_title(title, fontsize=9)
    return save_png(fig, path)


def image_overlays(
    images: np.ndarray, maps: np.ndarray, titles: Sequence[str], path: str | os.PathLike[str]
) -> Path:
    """Images ``(m, c, h, w)`` in [0, 1] beside their attribution maps ``(m, h, w)``."""
    from biodl.report.images import saliency_overlays

    return save_png(saliency_overlays(images, maps, list(titles)), path)
