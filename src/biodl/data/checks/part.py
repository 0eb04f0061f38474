"""What every kind's summary of one part shares: its words, fields, text lines and table rows.

A kind declares its words once (:class:`KindTerms`: what an item is called, the classical
baseline, the data type its reader returns) and a dataclass of its part summary that mixes in
:class:`PartBase`. The mixin builds the fields every part has (name, source, size, labels,
repeats: :meth:`PartBase.build`) and writes the plain-text lines and the HTML table rows around
what the kind adds (:meth:`PartBase.headline`, :meth:`PartBase.kind_rows`). :func:`span`,
:func:`slashed` and :func:`part_histogram` format what several kinds show alike.

Examples
--------
>>> span(3, 9.5, 5, "h")
'3–9.5 h (median 5 h)'
>>> slashed(1, 2.25, 7)
'1 / 2.25 / 7'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

import pandas as pd

from biodl.data.checks.common import Ids, duplicate_id_count, repeats
from biodl.data.checks.labels import label_lines, label_summaries
from biodl.data.checks.result import (
    Histogram,
    LabelSummary,
    count_with_examples,
    format_number,
)
from biodl.data.targets import TaskName

__all__ = ["ItemData", "KindTerms", "PartBase", "part_histogram", "slashed", "span"]

P = TypeVar("P", bound="PartBase")


@dataclass(frozen=True)
class KindTerms:
    """The words and the data type of one kind's checks, said once.

    Parameters
    ----------
    kind : str
        The kind's name ("sequence", "expression", ...), shown on the HTML page.
    item, items : str
        What one item is called, singular and plural ("sequence", "sequences"), in messages,
        the text summary and the parts table. A part summary names its count of repeated
        items ``duplicate_<items>`` (e.g. ``duplicate_sequences``).
    baseline : str
        The classical baseline biodl trains alongside, named in the small-data warning
        (e.g. "the k-mer baseline").
    data : type
        What the kind's reader returns (e.g. ``SequenceSet``); other parts are refused.
    reader : str
        How to make one, for that error (e.g. "Read it with biodl.data.read_sequences").
    """

    kind: str
    item: str
    items: str
    baseline: str
    data: type
    reader: str


class ItemData(Protocol):
    """What :meth:`PartBase.build` reads of a part's data: its source, ids and size."""

    @property
    def source(self) -> str: ...

    @property
    def ids(self) -> Ids: ...

    def __len__(self) -> int: ...


class PartBase:
    """The fields, text lines and table rows every part summary shares (a mixin).

    A kind's part dataclass declares its fields in the order its JSON shows them: ``name``,
    ``source``, ``n``, the kind's own fields, then ``label_columns``, ``labels``,
    ``duplicate_<items>``, ``duplicate_examples`` and ``duplicate_ids``. It sets
    :attr:`terms` and writes :meth:`headline` and :meth:`kind_rows`; where it counts more
    repeats or shows more lines it sets :attr:`id_word` and overrides :meth:`more_repeats` or
    :meth:`details`.
    """

    #: The kind's words (a class attribute of each kind's part dataclass).
    terms: ClassVar[KindTerms]
    #: What the repeated ids are called in the text and the table ("ids", "sample ids").
    id_word: ClassVar[str] = "ids"

    name: str
    source: str
    n: int
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_examples: list[str]
    duplicate_ids: int

    @classmethod
    def build(
        cls: type[P],
        name: str,
        data: ItemData,
        hashes: Sequence[bytes],
        labels: pd.DataFrame | None,
        task: TaskName | None,
        **fields: Any,
    ) -> P:
        """The part summary of ``data``: the shared fields from here, the kind's ``fields``.

        Parameters
        ----------
        name : str
            The part's name.
        data : ItemData
            The part as read (its ``source``, ``ids`` and length are used).
        hashes : sequence of bytes
            One digest per item (:func:`~biodl.data.checks.common.digest`), to count
            repeats.
        labels : DataFrame or None
            The label columns (None when unlabelled), read as ``task``.
        task : str or None
            The resolved task (:func:`~biodl.data.checks.labels.resolve_task`).
        **fields
            The kind's own fields.
        """
        count, examples = repeats(hashes, data.ids)
        make: Callable[..., P] = cls
        return make(
            name=name,
            source=data.source,
            n=len(data),
            label_columns=[] if labels is None else [str(c) for c in labels.columns],
            labels=label_summaries(labels, task),
            duplicate_examples=examples,
            duplicate_ids=duplicate_id_count(data.ids),
            **{f"duplicate_{cls.terms.items}": count},
            **fields,
        )

    @property
    def repeated(self) -> int:
        """Items that repeat an earlier item of this part (the ``duplicate_<items>`` field)."""
        return int(getattr(self, f"duplicate_{self.terms.items}"))

    def headline(self) -> str:
        """The kind's main numbers, written after the part's name on its first line."""
        raise NotImplementedError

    def details(self) -> list[str]:
        """More (indented) text lines after the first one; none by default."""
        return []

    def kind_rows(self) -> list[tuple[str, str]]:
        """The kind's ``(row name, value)`` cells, after the number of items."""
        raise NotImplementedError

    def more_repeats(self) -> list[tuple[str, int, list[str]]]:
        """Other repeats the kind counts, as ``(what, count, examples)``; none by default."""
        return []

    def lines(self) -> list[str]:
        """Plain-text summary: the headline and details, labels, repeats."""
        source = f" ({self.source})" if self.source and self.source != self.name else ""
        counts = [
            f"{self.repeated} repeated {self.terms.items}",
            f"{self.duplicate_ids} repeated {self.id_word}",
            *(f"{count} repeated {what}" for what, count, _ in self.more_repeats()),
        ]
        return [
            f"{self.name}{source}: {self.headline()}",
            *self.details(),
            *label_lines(self.labels),
            "  duplicates: " + ", ".join(counts),
        ]

    def rows(self) -> list[tuple[str, str]]:
        """Cells of this part's column in the HTML parts table."""
        items = self.terms.items
        return [
            (items.capitalize(), str(self.n)),
            *self.kind_rows(),
            (f"Repeated {items}", count_with_examples(self.repeated, self.duplicate_examples)),
            (f"Repeated {self.id_word}", str(self.duplicate_ids)),
            *(
                (f"Repeated {what}", count_with_examples(count, examples))
                for what, count, examples in self.more_repeats()
            ),
        ]


# --------------------------------------------------------------------------- formatting


def span(low: float, high: float, median: float, unit: str = "") -> str:
    """``'3–9 h (median 5 h)'``: a range and its median, with an optional unit."""
    after = f" {unit}" if unit else ""
    return (
        f"{format_number(low)}–{format_number(high)}{after} (median {format_number(median)}{after})"
    )


def slashed(*values: float) -> str:
    """``'3 / 5 / 9'``: numbers in one table cell (min / median / max and the like)."""
    return " / ".join(format_number(v) for v in values)


class _Named(Protocol):
    name: str
    n: int


def part_histogram(
    part: _Named,
    what: str,
    *,
    caption: str,
    xlabel: str,
    unit: str,
    edges: list[float],
    counts: list[int],
    marker: float,
    marker_label: str = "",
    title_note: str = "",
) -> Histogram:
    """A histogram of one part: ``what`` in the heading, ``unit`` counted on the y axis.

    The title reads ``"<part>: <n> <unit><title_note>"``; the marker is labelled
    ``marker_label``, by default ``"median <marker>"``.
    """
    return Histogram(
        heading=f"{what} in {part.name}",
        caption=caption,
        title=f"{part.name}: {part.n} {unit}{title_note}",
        xlabel=xlabel,
        ylabel=unit.capitalize(),
        edges=edges,
        counts=counts,
        marker=marker,
        marker_label=marker_label or f"median {format_number(marker)}",
    )
