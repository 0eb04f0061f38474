"""Figures and the page of ``biodl embed``: one scatter panel per method, coloured by a
metadata column, and the comparison table (one sortable row per method) with a plain verdict
per label.

An embedding of more than two dimensions is drawn through a 2-D UMAP of the embedding (the
scanpy convention: neighbours in the plot are neighbours in the embedding); ``view="first_two"``
draws its raw first two dimensions instead. Without umap-learn the 2-D view is the first two
principal components of the embedding, and the caption says so.

The page is rendered by :func:`biodl.report.html.render_report` (self-contained HTML).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl.report._plot import PALETTE, new_figure, save_png
from biodl.report.formatting import format_number as fmt
from biodl.report.html import Figure, ReportContent, write_report
from biodl.report.tables import Table

__all__ = [
    "EmbedView",
    "best_methods",
    "comparison_table_view",
    "embedding_panels",
    "planar_method",
    "verdict_lines",
    "write_embed_report",
]

#: How an embedding of more than two dimensions is drawn.
EmbedView = Literal["umap", "first_two"]

#: Fewer samples than this: the 2-D view of a wide embedding is PCA (UMAP needs neighbours).
_MIN_UMAP_SAMPLES = 10

_MAX_LEGEND = 12


def embedding_panels(
    coordinates: Mapping[str, np.ndarray],
    values: Sequence[Any] | None,
    path: str | os.PathLike[str],
    *,
    column: str = "",
    seed: int = 0,
    view: EmbedView = "umap",
) -> Path:
    """Scatter plots side by side, one panel per method, coloured by ``values``.

    Parameters
    ----------
    coordinates : mapping of method name to (n_samples, dims) array
        Two dimensions are drawn as they are; more through a 2-D view (``view``); a 1-D
        embedding is drawn against a small jitter.
    values : sequence (n_samples,), optional
        Categorical (one colour per value, legend) or numeric with many values (colour map).
        None draws every point in one colour.
    path : path
        PNG file (written atomically).
    column : str
        The metadata column, for the legend title.
    seed : int, default 0
        Seed of the UMAP view and of the jitter.
    view : {'umap', 'first_two'}, default 'umap'
        An embedding of more than two dimensions: a 2-D UMAP of it (PCA without umap-learn or
        below 10 samples; see :func:`planar_method`), or its raw first two dimensions.
    """
    names = list(coordinates)
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig = new_figure(3.3 * cols + 1.4, 3.1 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    series = pd.Series(values, dtype=object) if values is not None else None
    numeric = series is not None and _is_continuous(series)
    handles: dict[str, Any] = {}
    # few samples: larger points; many: small ones that do not hide each other
    n = len(next(iter(coordinates.values()))) if coordinates else 0
    size = float(np.clip(3000 / max(n, 1), 4, 30))
    for ax, name in zip(axes.flat, names, strict=False):
        xy, axis = _xy(coordinates[name], seed, view)
        if series is None:
            ax.scatter(xy[:, 0], xy[:, 1], s=size, c=PALETTE[0], linewidths=0)
        elif numeric:
            points = ax.scatter(
                xy[:, 0], xy[:, 1], s=size, c=pd.to_numeric(series), cmap="viridis", linewidths=0
            )
            handles["colorbar"] = points
        else:
            labels = series.fillna("(missing)").astype(str)
            for i, level in enumerate(sorted(labels.unique())):
                mask = (labels == level).to_numpy()
                h = ax.scatter(
                    xy[mask, 0], xy[mask, 1], s=size, c=PALETTE[i % len(PALETTE)], linewidths=0
                )
                handles.setdefault(level, h)
        ax.set_title(name.upper())
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{axis} 1", fontsize=8)
        ax.set_ylabel(f"{axis} 2", fontsize=8)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    if "colorbar" in handles:
        fig.colorbar(handles["colorbar"], ax=axes, label=column, shrink=0.8)
    elif handles:
        shown = list(handles)[:_MAX_LEGEND]
        fig.legend(
            [handles[k] for k in shown],
            shown,
            title=column + (f" (first {_MAX_LEGEND})" if len(handles) > _MAX_LEGEND else ""),
            loc="outside right upper",
            markerscale=2.5,
            frameon=False,
        )
    return save_png(fig, path)


def _is_continuous(series: pd.Series) -> bool:
    numbers = pd.to_numeric(series, errors="coerce")
    return bool(numbers.notna().all() and series.nunique() > 12)


def planar_method(n_samples: int) -> str:
    """'UMAP' or 'PCA': how :func:`embedding_panels` draws a wide embedding of ``n_samples``."""
    if n_samples < _MIN_UMAP_SAMPLES:
        return "PCA"
    try:
        import umap  # noqa: F401
    except ImportError:
        return "PCA"
    return "UMAP"


def _xy(coords: np.ndarray, seed: int, view: EmbedView) -> tuple[np.ndarray, str]:
    """The two coordinates to draw and the axis name ('dim', 'UMAP', 'PC')."""
    coords = np.asarray(coords, dtype=float)
    if coords.shape[1] > 2 and view == "umap":
        return _planar(coords, seed)
    if coords.shape[1] >= 2 and np.ptp(coords[:, 1]) > 0:
        return coords[:, :2], "dim"
    jitter = np.random.default_rng(seed).uniform(-0.5, 0.5, size=len(coords))
    return np.column_stack([coords[:, 0], jitter * (np.ptp(coords[:, 0]) or 1.0) * 0.2]), "dim"


def _planar(coords: np.ndarray, seed: int) -> tuple[np.ndarray, str]:
    finite = np.nan_to_num(coords)
    if planar_method(len(coords)) == "UMAP":
        import umap

        reducer = umap.UMAP(
            n_components=2,
            n_neighbors=min(15, len(coords) - 1),
            min_dist=0.5,
            random_state=seed,
            n_jobs=1,
        )
        return np.asarray(reducer.fit_transform(finite)), "UMAP"
    centred = finite - finite.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, "PC"


def best_methods(table: pd.DataFrame, labels: Sequence[str]) -> dict[str, str]:
    """Per label, the method with the highest kNN accuracy (ties: higher silhouette)."""
    best: dict[str, str] = {}
    for label in labels:
        knn, sil = f"{label}_knn_accuracy", f"{label}_silhouette"
        if knn not in table or table[knn].isna().all():
            continue
        ranked = table.assign(_k=table[knn].fillna(-1), _s=table[sil].fillna(-2))
        best[label] = str(ranked.sort_values(["_k", "_s"], ascending=False)["method"].iloc[0])
    return best


def verdict_lines(table: pd.DataFrame, labels: Sequence[str]) -> list[str]:
    """One sentence per label: which method keeps it best and at what cost."""
    lines = []
    for label, method in best_methods(table, labels).items():
        row = table.set_index("method").loc[method]
        cheapest = str(table["method"].iloc[int(np.argmin(table["fit_seconds"].to_numpy()))])
        line = (
            f"'{label}': {method.upper()} keeps the groups best (kNN accuracy "
            f"{fmt(row[f'{label}_knn_accuracy'])}, silhouette "
            f"{fmt(row[f'{label}_silhouette'])}, ARI {fmt(row[f'{label}_ari'])}) in "
            f"{fmt(row['fit_seconds'])} s"
        )
        if cheapest != method:
            other = table.set_index("method").loc[cheapest]
            line += (
                f"; the fastest, {str(cheapest).upper()} ({fmt(other['fit_seconds'])} s), "
                f"reaches kNN accuracy {fmt(other[f'{label}_knn_accuracy'])}"
            )
        lines.append(line + ".")
    return lines


#: Columns of the comparison table that are better when lower.
_LOWER = {"fit_seconds", "reconstruction_error"}

_TITLES = {
    "method": "Method",
    "dims": "Dims",
    "fit_seconds": "Fit (s)",
    "reconstruction_error": "Reconstruction error",
    "trustworthiness": "Trustworthiness",
    "silhouette": "silhouette",
    "knn_accuracy": "kNN accuracy",
    "ari": "ARI",
    "nmi": "NMI",
}


def comparison_table_view(table: pd.DataFrame, labels: Sequence[str]) -> Table:
    """The comparison as a report table: one row per method, the best value of each measure
    in bold (lowest fit time and reconstruction error, highest of the others)."""
    columns: list[str] = []
    titles: list[str] = []
    better: dict[str, Literal["higher", "lower"]] = {}
    for key in map(str, table.columns):
        if table[key].isna().all():
            continue
        label = next((lab for lab in labels if key.startswith(f"{lab}_")), None)
        if label is None:
            title = _TITLES.get(key, key)
        else:
            title = f"{label}: {_TITLES.get(key[len(label) + 1 :], key)}"
        columns.append(key)
        titles.append(title)
        if key not in ("method", "dims"):
            better[title] = "lower" if key in _LOWER else "higher"
    rows = [
        [str(v).upper() if c == "method" else _cell(v) for c, v in zip(columns, row, strict=True)]
        for row in table[columns].itertuples(index=False)
    ]
    return Table(
        "Comparison of the methods",
        titles,
        rows,
        "One row per method; the best value of each measure in bold (lowest fit time and "
        "reconstruction error, highest of the others). Full precision: comparison.csv.",
        better=better,
        sortable=len(rows) > 2,
    )


def _cell(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_embed_report(
    path: str | os.PathLike[str],
    *,
    table: pd.DataFrame,
    labels: Sequence[str],
    figures: Sequence[tuple[str, Path]],
    data_facts: Sequence[tuple[str, str]],
    notes: Mapping[str, str],
    warnings: Sequence[str] = (),
    config_yaml: str = "",
    subtitle: str = "",
    raw_figures: Sequence[tuple[str, Path]] = (),
    n_samples: int = 0,
) -> Path:
    """Write the self-contained ``report.html`` of an embedding comparison.

    Parameters
    ----------
    path : path
    table : DataFrame
        From :func:`biodl.evaluation.embedding.comparison_table`.
    labels : sequence of str
        Scored metadata columns.
    figures : sequence of (column, png path)
        Panels drawn by :func:`embedding_panels` with the default view.
    data_facts : sequence of (name, value)
    notes : mapping of method to how it was computed
    warnings, config_yaml, subtitle
        Shown as such.
    raw_figures : sequence of (column, png path), default ()
        The same panels with ``view="first_two"`` (given when an embedding has more than two
        dimensions).
    n_samples : int, default 0
        Samples drawn, to say how a wide embedding was drawn (:func:`planar_method`).
    """
    lines = verdict_lines(table, labels)
    if lines:
        verdict = " ".join(lines)
    else:
        verdict = (
            f"Computed {len(table)} embedding(s); no categorical --color-by column was given, so "
            "the methods are compared on reconstruction error and trustworthiness only."
        )
    wide = bool(raw_figures)
    how = planar_method(n_samples)
    drawn = (
        "Embeddings of more than two dimensions are drawn through a 2-D UMAP of the embedding "
        "(the scanpy convention): points close in the plot are close in the embedding, but "
        "distances between groups and the axes have no meaning of their own."
        if how == "UMAP"
        else "Embeddings of more than two dimensions are drawn by their first two principal "
        "components (umap-learn is not installed or there are too few samples for UMAP)."
    )
    caption = "One panel per method. " + (
        f"{drawn} Two-dimensional embeddings are drawn as they are."
        if wide
        else "Each embedding's two dimensions as they are."
    )
    figures_ = [
        Figure(f"Coloured by {column}" if column else "Embeddings", png, caption)
        for column, png in figures
    ] + [
        Figure(
            f"First two dimensions, coloured by {column}" if column else "First two dimensions",
            png,
            "The same panels drawn by the raw first two dimensions of each embedding: what a "
            "plot of the embedding alone would show, which for a model with more dimensions "
            "may hide structure the other dimensions carry.",
        )
        for column, png in raw_figures
    ]
    sections = [
        (
            "How each method was computed",
            "\n\n".join(f"{m.upper()}: {n}" for m, n in notes.items()),
        ),
        (
            "How to read the comparison",
            "Each panel shows one method's embedding of the same samples. Silhouette (-1..1) "
            "says how far apart the groups of a label sit; kNN accuracy is the cross-validated "
            "accuracy of a 15-nearest-neighbour classifier in the embedding; ARI and NMI compare "
            "k-means clusters with the label (1 = identical, 0 = chance). Trustworthiness "
            "(0..1) says how far neighbours in the embedding were neighbours in the data. "
            "Reconstruction error is the mean squared error on held-out samples of methods "
            "that can map back to genes (lower is better). Fit time is the cost. All are "
            "measured in the embedding itself, not in the 2-D view drawn.",
        ),
    ]
    report = ReportContent(
        title="Embedding comparison",
        verdict=verdict,
        subtitle=subtitle,
        results_heading="",
        data_facts=list(data_facts),
        warnings=list(warnings),
        figures=figures_,
        tables=[comparison_table_view(table, labels)],
        sections=sections,
        config_yaml=config_yaml,
    )
    return write_report(report, path)
