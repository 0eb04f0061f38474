"""The steps every kind's inspection takes, in one order (:func:`assemble`).

A kind's check function (e.g. :func:`~biodl.data.checks.sequence.inspect_sequences`) calls
:func:`check_arguments` to refuse bad arguments, reads the task of the labels
(:func:`~biodl.data.checks.labels.resolve_task`), summarises each part (its dataclass mixes in
:class:`~biodl.data.checks.part.PartBase`), finds identical items across parts
(:func:`~biodl.data.checks.common.find_overlaps`), and hands all that to :func:`assemble`, which
gathers the findings in the order every kind shares:

1. too little data, then the kind's findings on the data as a whole (``before``);
2. per part: repeated items and ids, the kind's findings on the part (``part_findings``), the
   labels;
3. the kind's findings between parts (``after``), leakage and shared ids, label columns and
   classes that differ between parts;

then sorts them (warnings first) into one :class:`~biodl.data.checks.result.Inspection`.
So a new kind writes only what is its own: its part dataclass, its hashes, its findings and
its tables and figures.

Examples
--------
>>> from biodl.data.checks.sequence import SEQUENCES
>>> check_arguments(SEQUENCES, {}, "auto")
Traceback (most recent call last):
...
biodl.errors.DataError: inspect: expected at least one part (e.g. train), got none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from biodl.data.checks.common import (
    check_parts,
    check_task,
    overlap_findings,
    repeat_findings,
    small_data_finding,
    sort_findings,
)
from biodl.data.checks.labels import label_consistency_findings, part_label_findings
from biodl.data.checks.part import KindTerms, PartBase
from biodl.data.checks.result import Figure, Finding, Inspection, Overlap, Table
from biodl.data.targets import TaskName

__all__ = ["assemble", "check_arguments"]

P = TypeVar("P", bound=PartBase)


def check_arguments(terms: KindTerms, parts: Mapping[str, Any], task: str) -> None:
    """Refuse an unknown ``task``, no parts, or a part that is not ``terms.data``.

    Raises
    ------
    ConfigError
        For an unknown ``task``.
    DataError
        For no parts, or a part of another type (the message says how to read one).
    """
    check_task(task)
    check_parts(parts, terms.data, terms.reader)


def assemble(
    terms: KindTerms,
    task: TaskName | None,
    summaries: Sequence[P],
    overlaps: list[Overlap],
    *,
    identity: str,
    part_findings: Callable[[P, bool], list[Finding]] | None = None,
    before: Sequence[Finding] = (),
    after: Sequence[Finding] = (),
    not_compared: Callable[[Overlap], Finding] | None = None,
    tables: Sequence[Table] = (),
    figures: Sequence[Figure] = (),
) -> Inspection:
    """Gather the findings of every kind and the kind's own into one inspection.

    Parameters
    ----------
    terms : KindTerms
        The kind's words.
    task : str or None
        The task the labels were read as; None for unlabelled data.
    summaries : sequence of part summaries
        One per part, in order (the first is the training part).
    overlaps : list of Overlap
        Identical items for every pair of parts.
    identity : str
        How identical items are found (one sentence, shown with the overlaps).
    part_findings : callable, optional
        ``part_findings(part, first)``: the kind's findings on one part; ``first`` is True
        for the first part.
    before, after : sequence of Finding, default ()
        The kind's findings on the data as a whole (before the parts' findings) and between
        parts (after them).
    not_compared : callable, optional
        ``not_compared(overlap)``: the finding for a pair of parts that was not compared.
    tables, figures : sequence, default ()
        The kind's presentation data for the HTML page.

    Returns
    -------
    Inspection
        Findings sorted warnings first, each group in the order above.
    """
    item, items = terms.item, terms.items
    findings = small_data_finding(sum(p.n for p in summaries), item, items, terms.baseline)
    findings += before
    for k, part in enumerate(summaries):
        findings += repeat_findings(
            part.name,
            part.n,
            part.repeated,
            part.duplicate_examples,
            part.duplicate_ids,
            item=item,
            items=items,
        )
        if part_findings is not None:
            findings += part_findings(part, k == 0)
        findings += part_label_findings(part.name, part.labels)
    findings += after
    findings += overlap_findings(overlaps, item=item, items=items, not_compared=not_compared)
    findings += label_consistency_findings(summaries)
    return Inspection(
        task,
        list(summaries),
        overlaps,
        sort_findings(findings),
        kind=terms.kind,
        item=item,
        items=items,
        identity=identity,
        tables=list(tables),
        figures=list(figures),
    )
