"""The summary of one part of regular time series (:class:`SeriesPart`) and its findings.

Within a part: missing or infinite values, lengths that vary, flat series. Between parts:
channels, lengths and channel levels that differ from the first part's. The summaries are
made by :func:`biodl.data.checks.timeseries.inspect_timeseries`.

Examples
--------
>>> LENGTH_SHIFT, LEVEL_SHIFT
(0.1, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from biodl.data.checks.part import KindTerms, PartBase, slashed, span
from biodl.data.checks.result import Finding, LabelSummary, count_with_examples, format_number
from biodl.data.timeseries import TimeSeriesSet

__all__ = [
    "LENGTH_SHIFT",
    "LEVEL_SHIFT",
    "SERIES",
    "SeriesPart",
    "part_findings",
    "shift_findings",
]

SERIES = KindTerms(
    "timeseries",
    "series",
    "series",
    baseline="the summary-statistics and 1-NN baselines",
    data=TimeSeriesSet,
    reader="Read it with biodl.data.timeseries.read_timeseries",
)

#: Later parts whose median length differs from the first part's by more than this fraction.
LENGTH_SHIFT = 0.1
#: A channel mean this many training standard deviations away from the training mean.
LEVEL_SHIFT = 1.0


@dataclass
class SeriesPart(PartBase):
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

    terms: ClassVar[KindTerms] = SERIES

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

    def headline(self) -> str:
        """Size, lengths, missing values."""
        return (
            f"{self.n} series, {self.channels} channel{'s' if self.channels != 1 else ''}, "
            f"length {span(self.length_min, self.length_max, self.length_median)}; "
            f"{self.nonfinite} missing or infinite values, {self.flat_series} flat series"
        )

    def kind_rows(self) -> list[tuple[str, str]]:
        """Channels, lengths, missing values, flat series."""
        return [
            ("Channels", str(self.channels)),
            (
                "Length min / median / max",
                slashed(self.length_min, self.length_median, self.length_max),
            ),
            (
                "NaN or infinite values",
                count_with_examples(self.nonfinite, self.nonfinite_examples),
            ),
            ("Flat series", count_with_examples(self.flat_series, self.flat_examples)),
        ]


def part_findings(part: SeriesPart, first: bool) -> list[Finding]:
    """Missing or infinite values, lengths that vary, flat series (the same for every part)."""
    name = part.name
    out: list[Finding] = []
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
    return out


def shift_findings(parts: Sequence[SeriesPart]) -> list[Finding]:
    """Channels, lengths and channel levels of later parts against the first part."""
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
