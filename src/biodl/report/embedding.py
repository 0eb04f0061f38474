"""Figures and the HTML report of ``biodl embed``: one scatter panel per method, coloured by a
metadata column, and the comparison table with a plain verdict per label.

The page is rendered by :func:`biodl.report.html.render_report` (self-contained HTML).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.report._plot import PALETTE, new_figure, save_png
from biodl.report.html import Figure, ReportContent, write_report

__all__ = ["best_methods", "embedding_panels", "verdict_lines", "write_embed_report"]

_MAX_LEGEND = 12


def embedding_panels(
    coordinates: Mapping[str, np.ndarray],
    values: Sequence[Any] | None,
    path: str | os.PathLike[str],
    *,
    column: str = "",
    seed: int = 0,
) -> Path:
    """Scatter plots side by side, one panel per method, coloured by ``values``.

    Parameters
    ----------
    coordinates : mapping of method name to (n_samples, dims) array
        The first two dimensions are drawn; a 1-D embedding is drawn against a small jitter.
    values : sequence (n_samples,), optional
        Categorical (one colour per value, legend) or numeric with many values (colour map).
        None draws every point in one colour.
    path : path
        PNG file (written atomically).
    column : str
        The metadata column, for the legend title.
    """
    names = list(coordinates)
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig = new_figure(3.3 * cols + 1.4, 3.1 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    series = pd.Series(values, dtype=object) if values is not None else None
    numeric = series is not None and _is_continuous(series)
    handles: dict[str, Any] = {}
    for ax, name in zip(axes.flat, names, strict=False):
        xy = _xy(coordinates[name], seed)
        if series is None:
            ax.scatter(xy[:, 0], xy[:, 1], s=6, c=PALETTE[0], linewidths=0)
        elif numeric:
            points = ax.scatter(
                xy[:, 0], xy[:, 1], s=6, c=pd.to_numeric(series), cmap="viridis", linewidths=0
            )
            handles["colorbar"] = points
        else:
            labels = series.fillna("(missing)").astype(str)
            for i, level in enumerate(sorted(labels.unique())):
                mask = (labels == level).to_numpy()
                h = ax.scatter(
                    xy[mask, 0], xy[mask, 1], s=6, c=PALETTE[i % len(PALETTE)], linewidths=0
                )
                handles.setdefault(level, h)
        ax.set_title(name.upper())
        ax.set_xticks([])
        ax.set_yticks([])
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


def _xy(coords: np.ndarray, seed: int) -> np.ndarray:
    coords = np.asarray(coords, dtype=float)
    if coords.shape[1] >= 2 and np.ptp(coords[:, 1]) > 0:
        return coords[:, :2]
    jitter = np.random.default_rng(seed).uniform(-0.5, 0.5, size=len(coords))
    return np.column_stack([coords[:, 0], jitter * (np.ptp(coords[:, 0]) or 1.0) * 0.2])


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
            f"{row[f'{label}_knn_accuracy']:.3f}, silhouette {row[f'{label}_silhouette']:.3f}, "
            f"ARI {row[f'{label}_ari']:.3f}) in {row['fit_seconds']:.2f} s"
        )
        if cheapest != method:
            other = table.set_index("method").loc[cheapest]
            line += (
                f"; the fastest, {str(cheapest).upper()} ({other['fit_seconds']:.2f} s), reaches "
                f"kNN accuracy {other[f'{label}_knn_accuracy']:.3f}"
            )
        lines.append(line + ".")
    return lines


def _table_text(table: pd.DataFrame) -> str:
    lines = []
    for _, row in table.iterrows():
        cells = [
            f"{k}={v:.3f}" if isinstance(v, float) and not math.isnan(v) else f"{k}={v}"
            for k, v in row.items()
            if k != "method" and not (isinstance(v, float) and math.isnan(v))
        ]
        lines.append(f"{str(row['method']).upper()}: " + ", ".join(cells))
    return "\n\n".join(lines)


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
    data_facts : sequence of (name, value)
    notes : mapping of method to how it was computed
    """
    lines = verdict_lines(table, labels)
    if lines:
        verdict = " ".join(lines)
    else:
        verdict = (
            f"Computed {len(table)} embedding(s); no categorical --color-by column was given, so "
            "the methods are compared on reconstruction error and trustworthiness only."
        )
    sections = [
        ("Comparison table", _table_text(table)),
        (
            "How each method was computed",
            "\n\n".join(f"{m.upper()}: {n}" for m, n in notes.items()),
        ),
        (
            "How to read this report",
            "Each panel shows one method's embedding of the same samples. Silhouette (-1..1) "
            "says how far apart the groups of a label sit; kNN accuracy is the cross-validated "
            "accuracy of a 15-nearest-neighbour classifier in the embedding; ARI and NMI compare "
            "k-means clusters with the label (1 = identical, 0 = chance). Trustworthiness "
            "(0..1) says how far neighbours in the embedding were neighbours in the data. "
            "Reconstruction error is the mean squared error on held-out samples of methods "
            "that can map back to genes (lower is better). Fit time is the cost.",
        ),
    ]
    report = ReportContent(
        title="Embedding comparison",
        verdict=verdict,
        subtitle=subtitle,
        data_facts=list(data_facts),
        warnings=list(warnings),
        figures=[
            Figure(
                f"Coloured by {column}" if column else "Embeddings",
                png,
                "One panel per method; the first two dimensions.",
            )
            for column, png in figures
        ],
        sections=sections,
        config_yaml=config_yaml,
    )
    return write_report(report, path)
