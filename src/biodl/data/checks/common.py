"""The checks every kind of data shares, used by each kind's check module.

Arguments (:func:`check_task`, :func:`check_parts`), repeated ids, items repeated within a
part and identical items in two parts (by a 16-byte digest per item: :func:`digest`,
:func:`repeats`, :func:`find_overlaps`) and their findings (:func:`repeat_findings`,
:func:`overlap_findings`), too little data (:func:`small_data_finding`). The label checks are
in :mod:`biodl.data.checks.labels`; :mod:`biodl.data.checks.assemble` runs them all in one
order for every kind. What they return is described in :mod:`biodl.data.checks.result`.

Examples
--------
>>> overlap = find_overlaps({"train": (["a", "b"], [b"1", b"2"]), "test": (["c"], [b"2"])})
>>> overlap[0].identical, overlap[0].examples, overlap[0].matches
(1, ['c'], ['b'])
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl.data.checks.result import Finding, Overlap, article
from biodl.data.prepared import Leakage
from biodl.data.targets import FORECAST_ONLY, TASKS
from biodl.errors import ConfigError, DataError

__all__ = [
    "INSPECT_TASKS",
    "N_EXAMPLES",
    "SMALL_DATA",
    "Ids",
    "InspectTask",
    "check_parts",
    "check_task",
    "digest",
    "duplicate_id_count",
    "find_overlaps",
    "overlap",
    "overlap_findings",
    "repeat_findings",
    "repeats",
    "small_data_finding",
    "sort_findings",
]

#: Ids of the items of a part: a list, or an array (of a SequenceSet).
Ids = Sequence[Any] | np.ndarray
InspectTask = Literal["auto", "binary", "multiclass", "multilabel", "regression"]
INSPECT_TASKS: tuple[InspectTask, ...] = ("auto", *TASKS)

#: All parts together hold fewer items than this: the small-data warning.
SMALL_DATA = 200
#: Ids given as examples in a finding, at most.
N_EXAMPLES = 5


# --------------------------------------------------------------------------- arguments


def check_task(task: str) -> None:
    """Raise a ConfigError unless ``task`` is one of :data:`INSPECT_TASKS`."""
    if task == "forecast":
        raise ConfigError(FORECAST_ONLY)
    if task not in INSPECT_TASKS:
        raise ConfigError(
            f"task: expected one of {', '.join(INSPECT_TASKS)}, got {task!r}. Use --task auto "
            "to infer it from the labels."
        )


def check_parts(parts: Mapping[str, Any], expected: type, how: str) -> None:
    """Raise a DataError for no parts or a part that is not an ``expected`` instance.

    ``how`` says how to make one, e.g. "Read it with biodl.data.read_sequences".
    """
    if not parts:
        raise DataError("inspect: expected at least one part (e.g. train), got none.")
    for name, part in parts.items():
        if not isinstance(part, expected):
            raise DataError(
                f"inspect part {name!r}: expected {article(expected.__name__)} "
                f"{expected.__name__}, got "
                f"{type(part).__name__}. {how}."
            )


# --------------------------------------------------------------------------- identical items


def digest(data: Any) -> bytes:
    """A 16-byte BLAKE2b digest of a bytes-like object (an item's content)."""
    return hashlib.blake2b(data, digest_size=16).digest()


def repeats(hashes: Sequence[bytes], ids: Ids) -> tuple[int, list[str]]:
    """How many items repeat an earlier item of the same part, and up to 5 of their ids."""
    repeated = np.asarray(pd.Index(list(hashes)).duplicated())
    where = np.flatnonzero(repeated)[:N_EXAMPLES]
    return int(repeated.sum()), [str(ids[i]) for i in where]


def duplicate_id_count(ids: Ids) -> int:
    """How many ids occur earlier in the same part."""
    return int(pd.Index(list(ids)).duplicated().sum())


def identical_leakage(
    train: tuple[Ids, Sequence[bytes]],
    part: tuple[Ids, Sequence[bytes]],
    *,
    what: str,
    item: str,
    fix: str,
) -> Leakage:
    """Items of ``part`` identical to a training item, from ``(ids, digests)`` of both.

    For the training-time leakage check of kinds compared by content (see
    :meth:`biodl.kinds.Kind`'s ``leakage`` hook); ``near`` equals ``exact``.
    """
    found = overlap("train", *train, "part", *part)
    pairs = list(zip(found.examples, found.matches, strict=True))
    return Leakage(found.identical, found.identical, pairs, what=what, item=item, fix=fix)


def find_overlaps(
    items: Mapping[str, tuple[Ids, Sequence[bytes]]],
    *,
    why_not: Callable[[str, str], str] | None = None,
) -> list[Overlap]:
    """Identical items for every pair of parts, later part against earlier.

    Parameters
    ----------
    items : mapping of str to (ids, hashes)
        Per part in order, the ids and one digest per item (see :func:`digest`).
    why_not : callable, optional
        ``why_not(first, second)`` says why two parts cannot be compared (e.g. "different
        alphabets"), or "" when they can. Pairs that cannot are not compared (``compared``
        False); their shared ids are still counted.
    """
    names = list(items)
    return [
        overlap(a, *items[a], b, *items[b], reason=why_not(a, b) if why_not else "")
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]


def overlap(
    first: str,
    ids_a: Ids,
    hashes_a: Sequence[bytes],
    second: str,
    ids_b: Ids,
    hashes_b: Sequence[bytes],
    *,
    reason: str = "",
) -> Overlap:
    """Items of ``second`` whose digest also occurs in ``first`` (and shared ids).

    With a ``reason``, the parts are not compared: only their shared ids are counted.
    """
    shared_ids = int(pd.Index(list(ids_b)).isin(pd.Index(list(ids_a))).sum())
    if reason:
        return Overlap(first, second, len(hashes_b), 0, [], [], shared_ids, False, reason)
    index_a = pd.Index(list(hashes_a))
    first_seen = ~np.asarray(index_a.duplicated())
    found = index_a[first_seen].get_indexer(pd.Index(list(hashes_b)))
    position = np.where(found >= 0, np.flatnonzero(first_seen)[found], -1)
    hits = np.flatnonzero(position >= 0)
    return Overlap(
        first,
        second,
        len(hashes_b),
        len(hits),
        [str(ids_b[i]) for i in hits[:N_EXAMPLES]],
        [str(ids_a[position[i]]) for i in hits[:N_EXAMPLES]],
        shared_ids,
    )


# --------------------------------------------------------------------------- findings


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Warnings first, then infos, each group in the order found."""
    return sorted(findings, key=lambda f: f.severity != "warning")


def small_data_finding(total: int, item: str, items: str, baseline: str) -> list[Finding]:
    """A warning when all parts together hold fewer than :data:`SMALL_DATA` items.

    ``baseline`` names the classical baseline of the kind, e.g. "the k-mer baseline".
    """
    if total >= SMALL_DATA:
        return []
    return [
        Finding(
            "warning",
            f"Only {total} {item if total == 1 else items} in all parts together "
            f"(fewer than {SMALL_DATA}).",
            f"Deep learning may not beat a simple baseline on so few examples: compare with "
            f"{baseline} biodl trains alongside, prefer a small model, and estimate "
            "performance with cross-validation (several splits) rather than one small test "
            "set.",
            "small_data",
        )
    ]


def repeat_findings(
    name: str, n: int, count: int, examples: list[str], duplicate_ids: int, *, item: str, items: str
) -> list[Finding]:
    """Warnings for items repeated within part ``name`` and for ids it reuses."""
    out = []
    if count:
        out.append(
            Finding(
                "warning",
                f"{name}: {count} of {n} records repeat {article(item)} {item} that occurs earlier "
                f"in {name} (e.g. {', '.join(examples)}).",
                f"Remove the repeats (keep one copy of each {item}, checking that their labels "
                f"agree) so no {item} counts twice and none can end up in two splits.",
                "duplicates",
            )
        )
    if duplicate_ids:
        out.append(
            Finding(
                "warning",
                f"{name}: {duplicate_ids} records reuse an id that occurs earlier.",
                f"Give every record a unique id (labels are matched to {items} by id).",
                "duplicate_ids",
            )
        )
    return out


def overlap_findings(
    overlaps: Sequence[Overlap],
    *,
    item: str,
    items: str,
    not_compared: Callable[[Overlap], Finding] | None = None,
) -> list[Finding]:
    """Leakage and shared ids between parts, and parts that could not be compared.

    ``not_compared(overlap)`` gives the finding for a pair that could not be compared.
    """
    out: list[Finding] = []
    for ov in overlaps:
        if not ov.compared and not_compared is not None:
            out.append(not_compared(ov))
        if ov.identical:
            out.append(
                Finding(
                    "warning",
                    f"Leakage: {ov.identical} of {ov.second_n} {ov.second} {items} are "
                    f"identical to {article(ov.first)} {ov.first} {item} "
                    f"(e.g. {', '.join(ov.examples)}).",
                    f"Remove them from {ov.second} (or from {ov.first}) so the model is judged "
                    f"on {items} it has not seen; scores on copies of training data are "
                    "inflated.",
                    "leakage",
                )
            )
        if ov.shared_ids and ov.shared_ids != ov.identical:
            out.append(
                Finding(
                    "info",
                    f"{ov.shared_ids} ids of {ov.second} also occur in {ov.first}.",
                    "If these are the same records, remove them from one part; if the ids are "
                    "just row numbers, nothing needs to change.",
                    "shared_ids",
                )
            )
    return out
