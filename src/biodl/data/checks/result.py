"""What an inspection returns, the same for every kind of data.

An :class:`Inspection` holds findings (severity, message, fix), one summary per part (a
dataclass of the kind's check module, see :class:`PartSummary`), the identical items found
across parts (:class:`Overlap`), and presentation data (:class:`Table`, :class:`Histogram`,
:class:`Bars`, :class:`Lines`) that :mod:`biodl.report.inspection` draws without knowing the
kind. The checks that fill it are in :mod:`biodl.data.checks.common` and the kind modules.

Examples
--------
>>> finding = Finding("warning", "train: 3 of 10 records repeat a sequence.", "Remove them.")
>>> Inspection(None, [], [], [finding]).summary()
'warning: train: 3 of 10 records repeat a sequence. Fix: Remove them.'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from biodl._io import jsonable

__all__ = [
    "HISTOGRAM_BINS",
    "Bars",
    "Figure",
    "Finding",
    "Histogram",
    "Inspection",
    "LabelSummary",
    "LineSeries",
    "Lines",
    "Overlap",
    "PartSummary",
    "Severity",
    "Table",
    "article",
    "count_with_examples",
    "float_histogram",
    "format_number",
    "integer_histogram",
    "percent",
]

Severity = Literal["warning", "info"]
HISTOGRAM_BINS = 40


@dataclass(frozen=True)
class Finding:
    """One problem (or noteworthy fact) about the data, with what to do about it.

    Parameters
    ----------
    severity : {"warning", "info"}
        "warning" for what biases or invalidates results; "info" for what is worth a look.
    message : str
        What was found, with the numbers and the part names.
    fix : str
        What to do, in plain words (naming the biodl option where one exists).
    code : str, default ""
        Stable short name of the check (listed in ``docs/inspect.md``), for filtering.
    """

    severity: Severity
    message: str
    fix: str
    code: str = ""


@dataclass
class LabelSummary:
    """One label column of one part.

    Parameters
    ----------
    column : str
        Column name.
    kind : {"classes", "values"}
        "classes" for binary / multiclass / multilabel columns, "values" for regression.
    n : int
        Rows with a value.
    missing : int
        Rows without a value (empty, NaN, or not a number for "values").
    class_counts : dict of str to int
        Rows per class, sorted by class name ("classes" only).
    minimum, median, maximum, mean, sd, skewness : float
        Of the finite values ("values" only; NaN otherwise). ``sd`` is the sample standard
        deviation (``ddof=1``); ``skewness`` the Fisher-Pearson coefficient ``m3 / m2**1.5``.
    """

    column: str
    kind: Literal["classes", "values"]
    n: int
    missing: int
    class_counts: dict[str, int] = field(default_factory=dict)
    minimum: float = math.nan
    median: float = math.nan
    maximum: float = math.nan
    mean: float = math.nan
    sd: float = math.nan
    skewness: float = math.nan

    @property
    def minority_fraction(self) -> float:
        """Share of the rarest class among labelled rows (NaN without two classes)."""
        if self.kind != "classes" or len(self.class_counts) < 2 or self.n == 0:
            return math.nan
        return min(self.class_counts.values()) / self.n


@dataclass
class Overlap:
    """Identical items shared by two parts (``second`` comes after ``first``).

    Parameters
    ----------
    first, second : str
        Part names.
    second_n : int
        Items in ``second``.
    identical : int
        Items of ``second`` identical to an item of ``first``.
    examples : list of str
        Up to 5 ids (in ``second``) of such items.
    matches : list of str
        For each example, the id of an identical item in ``first``.
    shared_ids : int
        Ids of ``second`` that also occur in ``first`` (whatever their content).
    compared : bool, default True
        False when the parts could not be compared (``reason`` says why).
    reason : str, default ""
        Why they were not compared, e.g. "different alphabets".
    """

    first: str
    second: str
    second_n: int
    identical: int
    examples: list[str]
    matches: list[str]
    shared_ids: int
    compared: bool = True
    reason: str = ""


@dataclass
class Table:
    """A summary table of formatted cells, shown in the HTML page.

    Parameters
    ----------
    heading : str
    header : list of str
    rows : list of list of str
        Each as long as ``header``.
    note : str, default ""
        A sentence under the table.
    num_from : int, default 1
        Columns from this one on are right-aligned numbers.
    """

    heading: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    num_from: int = 1


@dataclass
class Histogram:
    """One histogram (e.g. lengths of one part), with an optional marked value.

    ``edges`` has ``len(counts) + 1`` bin edges.
    """

    heading: str
    caption: str
    title: str
    xlabel: str
    ylabel: str
    edges: list[float]
    counts: list[int]
    marker: float | None = None
    marker_label: str = ""


@dataclass
class Bars:
    """Grouped bars: one group per category, one bar per series (e.g. per part).

    ``series`` maps a name to one value per category; ``labels`` (optional, same layout) are
    written above the bars.
    """

    heading: str
    caption: str
    title: str
    ylabel: str
    categories: list[str]
    series: dict[str, list[float]]
    labels: dict[str, list[str]] = field(default_factory=dict)
    ymax: float | None = None


@dataclass
class LineSeries:
    """One line of a :class:`Lines` figure, with an optional band ``low``..``high``."""

    name: str
    y: list[float]
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)


@dataclass
class Lines:
    """Lines over a shared x axis (e.g. the mean series of each class)."""

    heading: str
    caption: str
    title: str
    xlabel: str
    ylabel: str
    x: list[float]
    lines: list[LineSeries]


Figure = Histogram | Bars | Lines


class PartSummary(Protocol):
    """What every kind's summary of one part has (each kind adds its own fields).

    ``lines()`` gives the plain-text lines of the part; ``rows()`` the ``(row name, value)``
    cells of the part's column in the HTML parts table (between "Source" and "Label
    columns").
    """

    name: str
    source: str
    n: int
    label_columns: list[str]
    labels: list[LabelSummary]

    def lines(self) -> list[str]: ...

    def rows(self) -> list[tuple[str, str]]: ...


@dataclass
class Inspection:
    """Result of inspecting data of any kind (``biodl inspect``).

    Parameters
    ----------
    task : str or None
        The task the labels were read as ("binary", "multiclass", "multilabel",
        "regression"), None for unlabelled data.
    parts : list of PartSummary
        One per part, in the order given; each kind's own dataclass.
    overlaps : list of Overlap
        One per pair of parts, earlier part first.
    findings : list of Finding
        Warnings first, then infos.
    kind : str, default "sequence"
        The kind of data.
    item, items : str, default "sequence", "sequences"
        What one item is called, singular and plural, in messages.
    identity : str, default ""
        How identical items are found (one sentence), shown with the overlaps.
    tables, figures : list
        Presentation data for the HTML page (:class:`Table`; :class:`Histogram`,
        :class:`Bars`, :class:`Lines`); left out of :meth:`to_dict`, which holds the data
        they are drawn from.
    """

    task: str | None
    parts: Sequence[PartSummary]
    overlaps: list[Overlap]
    findings: list[Finding]
    kind: str = "sequence"
    item: str = "sequence"
    items: str = "sequences"
    identity: str = ""
    tables: list[Table] = field(default_factory=list, repr=False)
    figures: list[Figure] = field(default_factory=list, repr=False)

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity "warning"."""
        return [f for f in self.findings if f.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict (NaN written as None), without ``tables`` and ``figures``."""
        raw = asdict(self)
        out = jsonable({k: v for k, v in raw.items() if k not in _PRESENTATION})
        assert isinstance(out, dict)
        return out

    def summary(self) -> str:
        """A few plain-text lines per part, then the overlaps and the findings."""
        lines: list[str] = []
        for part in self.parts:
            lines += part.lines()
        for ov in self.overlaps:
            if not ov.compared:
                lines.append(f"{ov.second} vs {ov.first}: not compared ({ov.reason})")
                continue
            text = (
                f"{ov.second} vs {ov.first}: {ov.identical} of {ov.second_n} {ov.second} "
                f"{self.items} identical to {article(ov.first)} {ov.first} {self.item}"
            )
            if ov.examples:
                text += f" (e.g. {', '.join(ov.examples)})"
            lines.append(text)
        if not self.findings:
            lines.append("No problems found.")
        for finding in self.findings:
            lines.append(f"{finding.severity}: {finding.message} Fix: {finding.fix}")
        return "\n".join(lines)


_PRESENTATION = ("tables", "figures")


# --------------------------------------------------------------------------- formatting


def integer_histogram(values: np.ndarray) -> tuple[list[float], list[int]]:
    """Histogram of whole numbers: bins centred on each value when the span is short, else
    :data:`HISTOGRAM_BINS` even bins."""
    low, high = int(values.min()), int(values.max())
    bins = min(HISTOGRAM_BINS, high - low + 1)
    counts, edges = np.histogram(values, bins=bins, range=(low - 0.5, high + 0.5))
    return edges.tolist(), counts.tolist()


def float_histogram(values: np.ndarray) -> tuple[list[float], list[int]]:
    """Histogram of real values in :data:`HISTOGRAM_BINS` even bins (one bin if all equal)."""
    low, high = float(values.min()), float(values.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, high))
    return edges.tolist(), counts.tolist()


def count_with_examples(count: int, examples: Sequence[str]) -> str:
    """``'3 (e.g. a, b, c)'``, or ``'0'``: a count and some of the ids it counts."""
    return f"{count} (e.g. {', '.join(examples)})" if count else "0"


def format_number(x: float) -> str:
    """Whole numbers without decimals, others with 4 significant digits; "n/a" if not finite."""
    if not math.isfinite(x):
        return "n/a"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def percent(x: float) -> str:
    """``0.123`` -> ``'12.3%'``; "—" when not finite."""
    return "—" if not math.isfinite(x) else f"{x:.1%}"


def article(word: str) -> str:
    """The indefinite article of ``word``: "an" before a vowel, else "a"."""
    return "an" if word[:1].lower() in "aeiou" else "a"
