"""Look at regular time series before training: :func:`inspect_timeseries`.

Per part: how many series, channels and lengths, missing values (NaN) or infinities inside a
series, constant (flat) series, the values per channel; across parts: lengths, channels and
channel levels that differ, and identical series (leakage). Series are read with
``strict=False`` (:func:`~biodl.data.timeseries.read_timeseries`) so a NaN inside a series or
a repeated id becomes a finding here instead of a reading error.

Two series are identical when they have the same length and channels and the same value at
every time point (a 16-byte digest of the float32 values as read; no tolerance).

Examples
--------
>>> import numpy as np
>>> from biodl.data.timeseries import TimeSeriesSet
>>> x = np.array([[1.0, 2, 3], [1, 2, 3], [0, 0, 0]])
>>> result = inspect_timeseries({"train": TimeSeriesSet.from_array(x, labels=["a", "b", "a"])})
>>> result.parts[0].duplicate_series, result.parts[0].flat_series
(1, 1)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np

from biodl.data.checks.assemble import assemble, check_arguments
from biodl.data.checks.common import N_EXAMPLES, digest, find_overlaps
from biodl.data.checks.labels import resolve_task
from biodl.data.checks.part import part_histogram
from biodl.data.checks.result import (
    Figure,
    Histogram,
    Inspection,
    Lines,
    LineSeries,
    Table,
    format_number,
    integer_histogram,
)
from biodl.data.checks.timeseries_part import SERIES, SeriesPart, part_findings, shift_findings
from biodl.data.targets import TaskName, class_names
from biodl.data.timeseries import TimeSeriesSet

__all__ = ["inspect_timeseries"]


MAX_CHANNELS_SHOWN = 20
MAX_CLASSES_DRAWN = 8


def inspect_timeseries(parts: Mapping[str, TimeSeriesSet], *, task: str = "auto") -> Inspection:
    """Summarise regular time series before training and list what to fix.

    Parameters
    ----------
    parts : mapping of str to TimeSeriesSet
        Named parts in order (the first is the training part), read with ``strict=False``.
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}, default "auto"

    Returns
    -------
    Inspection
        Part summaries (:class:`SeriesPart`), identical series across parts, findings; a
        table of channel levels, length histograms (when lengths vary) and the mean series
        of each class.

    Raises
    ------
    ConfigError
        For an unknown ``task``.
    DataError
        For no parts or a part that is not a TimeSeriesSet.
    """
    check_arguments(SERIES, parts, task)
    resolved = resolve_task([s.labels for s in parts.values()], task)
    hashes = {name: series_hashes(series) for name, series in parts.items()}
    summaries = [_summarise(name, series, hashes[name], resolved) for name, series in parts.items()]
    overlaps = find_overlaps({name: (s.ids, hashes[name]) for name, s in parts.items()})
    first_name, first = next(iter(parts.items()))
    figures: list[Figure] = [_length_figure(p) for p in summaries if p.length_min != p.length_max]
    figures.append(_mean_figure(first_name, first, resolved))
    return assemble(
        SERIES,
        resolved,
        summaries,
        overlaps,
        identity="Two series are identical when they have the same length and channels and "
        "the same value at every time point (exact equality, no tolerance).",
        part_findings=part_findings,
        after=shift_findings(summaries),
        tables=[_channel_table(summaries)],
        figures=figures,
    )


# --------------------------------------------------------------------------- one part


def series_hashes(series: TimeSeriesSet) -> list[bytes]:
    """A digest of each series' real values (its length and channels included)."""
    values, lengths = series.values, series.lengths
    channels = series.channels
    out = []
    for i in range(len(series)):
        head = np.array([channels, lengths[i]], dtype=np.int64).tobytes()
        out.append(digest(head + np.ascontiguousarray(values[i, :, : lengths[i]]).tobytes()))
    return out


def _summarise(
    name: str, series: TimeSeriesSet, hashes: list[bytes], task: TaskName | None
) -> SeriesPart:
    values, mask = series.values, series.mask
    real = np.broadcast_to(mask[:, None, :], values.shape)
    finite = np.isfinite(values) & real
    bad = real & ~finite
    bad_series = np.flatnonzero(bad.any(axis=(1, 2)))
    lengths = series.lengths
    edges, counts = integer_histogram(lengths)
    means, sds, lows, highs = [], [], [], []
    for c in range(series.channels):
        kept = values[:, c, :][finite[:, c, :]].astype(np.float64)
        means.append(float(kept.mean()) if kept.size else math.nan)
        sds.append(float(kept.std()) if kept.size else math.nan)
        lows.append(float(kept.min()) if kept.size else math.nan)
        highs.append(float(kept.max()) if kept.size else math.nan)
    top = np.where(finite, values, -np.inf).max(axis=2)
    low = np.where(finite, values, np.inf).min(axis=2)
    flat = np.flatnonzero((top == low).all(axis=1))
    return SeriesPart.build(
        name,
        series,
        hashes,
        series.labels,
        task,
        channels=series.channels,
        length_min=float(lengths.min()),
        length_median=float(np.median(lengths)),
        length_max=float(lengths.max()),
        length_edges=edges,
        length_counts=counts,
        shorter_series=int((lengths < lengths.max()).sum()),
        nonfinite=int(bad.sum()),
        nonfinite_series=len(bad_series),
        nonfinite_examples=[series.ids[i] for i in bad_series[:N_EXAMPLES]],
        channel_mean=means,
        channel_sd=sds,
        channel_min=lows,
        channel_max=highs,
        flat_series=len(flat),
        flat_examples=[series.ids[i] for i in flat[:N_EXAMPLES]],
    )


# --------------------------------------------------------------------------- presentation


def _channel_table(parts: list[SeriesPart]) -> Table:
    first = parts[0]
    shown = min(first.channels, MAX_CHANNELS_SHOWN)
    header = ["Channel"] + [f"{p.name} mean ± sd" for p in parts] + [f"{first.name} min / max"]
    rows = []
    for c in range(shown):
        cells = [
            f"{format_number(p.channel_mean[c])} ± {format_number(p.channel_sd[c])}"
            if c < p.channels
            else "—"
            for p in parts
        ]
        extent = f"{format_number(first.channel_min[c])} / {format_number(first.channel_max[c])}"
        rows.append([str(c + 1), *cells, extent])
    note = f"Showing {shown} of {first.channels} channels." if shown < first.channels else ""
    return Table("Channels", header, rows, note)


def _length_figure(part: SeriesPart) -> Histogram:
    return part_histogram(
        part,
        "Series lengths",
        caption="Number of series per length (time points before the padding).",
        xlabel="Length (time points)",
        unit="series",
        edges=part.length_edges,
        counts=part.length_counts,
        marker=part.length_median,
    )


def _mean_figure(name: str, series: TimeSeriesSet, task: TaskName | None) -> Lines:
    groups = {"all series": np.arange(len(series))}
    if task in ("binary", "multiclass") and series.labels is not None:
        column = series.labels.iloc[:, 0]
        known = column.notna().to_numpy()
        names = np.full(len(series), "", dtype=object)
        names[known] = class_names(column[known]).to_numpy()
        top = sorted(set(names[known]), key=lambda k: -int((names == k).sum()))[:MAX_CLASSES_DRAWN]
        groups = {f"class {k}": np.flatnonzero(names == k) for k in sorted(top)}
    values = np.where(series.mask, series.values[:, 0, :], np.nan)
    lines = []
    for label, rows in groups.items():
        block = values[rows]
        with warnings.catch_warnings():  # a time point no series of the group reaches
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(block, axis=0)
            sd = np.nanstd(block, axis=0)
        lines.append(
            LineSeries(
                f"{label} ({len(rows)})", mean.tolist(), (mean - sd).tolist(), (mean + sd).tolist()
            )
        )
    channel = " (channel 1)" if series.channels > 1 else ""
    return Lines(
        heading=f"Mean series per class in {name}" if len(groups) > 1 else f"Mean series in {name}",
        caption="Mean value at each time point, with a band of ± one standard deviation, over "
        "the series of each class (values as read, before normalisation). Classes that differ "
        "only inside the bands are hard to tell apart.",
        title=f"{name}{channel}",
        xlabel="Time point",
        ylabel="Value",
        x=[float(t) for t in range(series.length)],
        lines=lines,
    )
