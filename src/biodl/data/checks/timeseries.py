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
from dataclasses import dataclass

import numpy as np

from biodl.data.checks.common import (
    N_EXAMPLES,
    check_parts,
    check_task,
    digest,
    duplicate_id_count,
    find_overlaps,
    label_lines,
    label_summaries,
    pair_findings,
    part_label_findings,
    repeat_findings,
    repeats,
    resolve_task,
    small_data_finding,
    sort_findings,
)
from biodl.data.checks.result import (
    Figure,
    Finding,
    Histogram,
    Inspection,
    LabelSummary,
    Lines,
    LineSeries,
    Table,
    count_with_examples,
    format_number,
    integer_histogram,
)
from biodl.data.targets import class_names
from biodl.data.timeseries import TimeSeriesSet

__all__ = ["SeriesPart", "inspect_timeseries"]

#: Later parts whose median length differs from the first part's by more than this fraction.
LENGTH_SHIFT = 0.1
#: A channel mean this many training standard deviations away from the training mean.
LEVEL_SHIFT = 1.0
MAX_CHANNELS_SHOWN = 20
MAX_CLASSES_DRAWN = 8


@dataclass
class SeriesPart:
    """Summary of one part of regular time series.

    Parameters
    ----------
    name, source : str
    n : int
        Series.
    channels : int
    length_min, length_median, length_max : float
        Real lengths (time points before the padding).
    length_edges, length_counts : list
        Histogram of the lengths.
    shorter_series : int
        Series shorter than the longest.
    nonfinite : int
        NaN or infinite values inside the series.
    nonfinite_series : int
        Series holding at least one.
    nonfinite_examples : list of str
        Up to 5 of their ids.
    channel_mean, channel_sd, channel_min, channel_max : list of float
        Per channel, over the finite values of every series.
    flat_series : int
        Series whose every channel holds one value over time.
    flat_examples : list of str
    label_columns : list of str
    labels : list of LabelSummary
    duplicate_series : int
        Series identical to an earlier series of this part.
    duplicate_examples : list of str
    duplicate_ids : int
    """

    name: str
    source: str
    n: int
    channels: int
    length_min: float
    length_median: float
    length_max: float
    length_edges: list[float]
    length_counts: list[int]
    shorter_series: int
    nonfinite: int
    nonfinite_series: int
    nonfinite_examples: list[str]
    channel_mean: list[float]
    channel_sd: list[float]
    channel_min: list[float]
    channel_max: list[float]
    flat_series: int
    flat_examples: list[str]
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_series: int
    duplicate_examples: list[str]
    duplicate_ids: int

    def lines(self) -> list[str]:
        """Plain-text summary: size, lengths, missing values, labels, repeats."""
        source = f" ({self.source})" if self.source and self.source != self.name else ""
        lengths = (
            f"length {format_number(self.length_min)}–{format_number(self.length_max)} "
            f"(median {format_number(self.length_median)})"
        )
        lines = [
            f"{self.name}{source}: {self.n} series, {self.channels} channel"
            f"{'s' if self.channels != 1 else ''}, {lengths}; {self.nonfinite} missing or "
            f"infinite values, {self.flat_series} flat series"
        ]
        lines += label_lines(self.labels)
        lines.append(
            f"  duplicates: {self.duplicate_series} repeated series, {self.duplicate_ids} "
            "repeated ids"
        )
        return lines

    def rows(self) -> list[tuple[str, str]]:
        """Cells of this part's column in the HTML parts table."""
        lengths = " / ".join(
            format_number(v) for v in (self.length_min, self.length_median, self.length_max)
        )
        return [
            ("Series", str(self.n)),
            ("Channels", str(self.channels)),
            ("Length min / median / max", lengths),
            (
                "NaN or infinite values",
                count_with_examples(self.nonfinite, self.nonfinite_examples),
            ),
            ("Flat series", count_with_examples(self.flat_series, self.flat_examples)),
            (
                "Repeated series",
                count_with_examples(self.duplicate_series, self.duplicate_examples),
            ),
            ("Repeated ids", str(self.duplicate_ids)),
        ]


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
    check_task(task)
    check_parts(parts, TimeSeriesSet, "Read it with biodl.data.timeseries.read_timeseries")
    resolved = resolve_task([s.labels for s in parts.values()], task)
    hashes = {name: _series_hashes(series) for name, series in parts.items()}
    summaries = [_summarise(name, series, hashes[name], resolved) for name, series in parts.items()]
    overlaps = find_overlaps({name: (s.ids, hashes[name]) for name, s in parts.items()})
    findings = small_data_finding(
        sum(p.n for p in summaries), "series", "series", "the summary-statistics and 1-NN baselines"
    )
    for part in summaries:
        findings += _part_findings(part)
    findings += _shift_findings(summaries)
    findings += pair_findings(summaries, overlaps, item="series", items="series")
    first_name, first = next(iter(parts.items()))
    figures: list[Figure] = [_length_figure(p) for p in summaries if p.length_min != p.length_max]
    figures.append(_mean_figure(first_name, first, resolved))
    return Inspection(
        resolved,
        summaries,
        overlaps,
        sort_findings(findings),
        kind="timeseries",
        item="series",
        items="series",
        identity="Two series are identical when they have the same length and channels and "
        "the same value at every time point (exact equality, no tolerance).",
        tables=[_channel_table(summaries)],
        figures=figures,
    )


# --------------------------------------------------------------------------- one part


def _series_hashes(series: TimeSeriesSet) -> list[bytes]:
    """A digest of each series' real values (its length and channels included)."""
    values, lengths = series.values, series.lengths
    channels = series.channels
    out = []
    for i in range(len(series)):
        head = np.array([channels, lengths[i]], dtype=np.int64).tobytes()
        out.append(digest(head + np.ascontiguousarray(values[i, :, : lengths[i]]).tobytes()))
    return out


def _summarise(
    name: str, series: TimeSeriesSet, hashes: list[bytes], task: str | None
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
    repeated, examples = repeats(hashes, series.ids)
    columns = [] if series.labels is None else [str(c) for c in series.labels.columns]
    return SeriesPart(
        name=name,
        source=series.source,
        n=len(series),
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
        label_columns=columns,
        labels=label_summaries(series.labels, task),  # type: ignore[arg-type]
        duplicate_series=repeated,
        duplicate_examples=examples,
        duplicate_ids=duplicate_id_count(series.ids),
    )


# --------------------------------------------------------------------------- findings


def _part_findings(part: SeriesPart) -> list[Finding]:
    name = part.name
    out = repeat_findings(
        name,
        part.n,
        part.duplicate_series,
        part.duplicate_examples,
        part.duplicate_ids,
        item="series",
        items="series",
    )
    if part.nonfinite:
        out.append(
            Finding(
                "warning",
                f"{name}: {part.nonfinite} values inside {part.nonfinite_series} of {part.n} "
                "series are missing (NaN) or infinite "
                f"(e.g. {', '.join(part.nonfinite_examples)}).",
                "Training refuses them: interpolate the gaps (or drop those series), or read "
                "the data as irregular records (--kind records), which model missing values.",
                "nonfinite",
            )
        )
    if part.length_min != part.length_max:
        out.append(
            Finding(
                "info",
                f"{name}: lengths vary ({format_number(part.length_min)} to "
                f"{format_number(part.length_max)}, median {format_number(part.length_median)}; "
                f"{part.shorter_series} of {part.n} series are shorter than the longest).",
                "Nothing to do for the networks, which mask the padding; the 1-NN baseline "
                "crops or zero-pads to the training length. To compare on one length, "
                "resample the series to a common length first.",
                "variable_lengths",
            )
        )
    if part.flat_series:
        out.append(
            Finding(
                "info",
                f"{name}: {part.flat_series} series hold one value at every time point (e.g. "
                f"{', '.join(part.flat_examples)}).",
                "Check for sensor dropouts or placeholder rows; a flat series carries no shape "
                "and becomes all zeros under --ts-normalisation instance.",
                "flat_series",
            )
        )
    return out + part_label_findings(name, part.labels)


def _shift_findings(parts: list[SeriesPart]) -> list[Finding]:
    first, out = parts[0], []
    for part in parts[1:]:
        if part.channels != first.channels:
            out.append(
                Finding(
                    "warning",
                    f"{part.name} series have {part.channels} channels but {first.name} series "
                    f"have {first.channels}.",
                    "Give every part the same channels in the same order; training refuses "
                    "parts with other channels.",
                    "channels_differ",
                )
            )
            continue
        ratio = part.length_median / first.length_median
        if abs(ratio - 1) > LENGTH_SHIFT:
            out.append(
                Finding(
                    "warning",
                    f"{part.name} series are {'longer' if ratio > 1 else 'shorter'} than "
                    f"{first.name} series (median length {format_number(part.length_median)} "
                    f"vs {format_number(first.length_median)}).",
                    "Check that the parts were recorded and cut the same way; a model (and the "
                    "1-NN baseline, which crops or pads to the training length) may not "
                    "transfer between lengths.",
                    "lengths_differ",
                )
            )
        out += _level_findings(first, part)
    return out


def _level_findings(first: SeriesPart, part: SeriesPart) -> list[Finding]:
    shifted = [
        c
        for c in range(first.channels)
        if first.channel_sd[c] > 0
        and abs(part.channel_mean[c] - first.channel_mean[c]) > LEVEL_SHIFT * first.channel_sd[c]
    ]
    if not shifted:
        return []
    c = shifted[0]
    return [
        Finding(
            "warning",
            f"{part.name}: {len(shifted)} of {first.channels} channels sit far from their "
            f"{first.name} level (channel {c + 1}: mean {format_number(part.channel_mean[c])} "
            f"vs {format_number(first.channel_mean[c])}, {first.name} sd "
            f"{format_number(first.channel_sd[c])}).",
            "Check units and preprocessing of each part; global normalisation (the default) "
            f"scales every part with the {first.name} mean and sd.",
            "level_shift",
        )
    ]


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
    return Histogram(
        heading=f"Series lengths in {part.name}",
        caption="Number of series per length (time points before the padding).",
        title=f"{part.name}: {part.n} series",
        xlabel="Length (time points)",
        ylabel="Series",
        edges=part.length_edges,
        counts=part.length_counts,
        marker=part.length_median,
        marker_label=f"median {format_number(part.length_median)}",
    )


def _mean_figure(name: str, series: TimeSeriesSet, task: str | None) -> Lines:
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
