"""The checks every kind of data shares, used by each kind's check module.

Label balance and missing labels (:func:`label_summaries`, :func:`part_label_findings`),
repeated ids, items repeated within a part and identical items in two parts (by a 16-byte
digest per item: :func:`digest`, :func:`repeats`, :func:`find_overlaps`), label columns or
classes that differ between parts (:func:`pair_findings`), too little data
(:func:`small_data_finding`). What they return is described in
:mod:`biodl.data.checks.result`.

Examples
--------
>>> overlap = find_overlaps({"train": (["a", "b"], [b"1", b"2"]), "test": (["c"], [b"2"])})
>>> overlap[0].identical, overlap[0].examples, overlap[0].matches
(1, ['c'], ['b'])
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl.data.checks.result import (
    Finding,
    LabelSummary,
    Overlap,
    PartSummary,
    article,
    format_number,
)
from biodl.data.targets import TASKS, TaskName, class_names, infer_task
from biodl.errors import ConfigError, DataError

__all__ = [
    "INSPECT_TASKS",
    "N_EXAMPLES",
    "Ids",
    "InspectTask",
    "check_parts",
    "check_task",
    "digest",
    "duplicate_id_count",
    "find_overlaps",
    "label_lines",
    "label_summaries",
    "overlap",
    "pair_findings",
    "part_label_findings",
    "repeat_findings",
    "repeats",
    "resolve_task",
    "small_data_finding",
    "sort_findings",
]

#: Ids of the items of a part: a list, or an array (of a SequenceSet).
Ids = Sequence[Any] | np.ndarray
InspectTask = Literal["auto", "binary", "multiclass", "multilabel", "regression"]
INSPECT_TASKS: tuple[InspectTask, ...] = ("auto", *TASKS)

#: Thresholds of the shared findings, in one place so the docs and the messages agree.
#: Imbalance: the rarest of two classes below this share (of k classes: below
#: ``MINORITY_FRACTION * 2 / k``, the same fraction of a balanced share).
MINORITY_FRACTION = 0.2
SMALL_DATA = 200
FEW_EXAMPLES = 10
SKEWNESS = 2.0
RANGE_RATIO = 100.0
ID_LIKE_MIN_ROWS = 10
N_EXAMPLES = 5


# --------------------------------------------------------------------------- arguments


def check_task(task: str) -> None:
    """Raise a ConfigError unless ``task`` is one of :data:`INSPECT_TASKS`."""
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


# --------------------------------------------------------------------------- labels


def resolve_task(frames: Sequence[pd.DataFrame | None], task: str) -> TaskName | None:
    """The task of the labels: ``task``, or inferred from the first labelled frame.

    None when no frame has a label column.
    """
    labelled = [f for f in frames if f is not None and f.shape[1]]
    if not labelled:
        return None
    if task != "auto":
        return task  # type: ignore[return-value]
    return infer_task(labelled[0])


def label_summaries(frame: pd.DataFrame | None, task: TaskName | None) -> list[LabelSummary]:
    """One :class:`LabelSummary` per column of ``frame`` (none when unlabelled)."""
    if frame is None or task is None:
        return []
    return [_label_summary(str(c), frame[c], task) for c in frame.columns]


def _label_summary(column: str, values: pd.Series, task: TaskName) -> LabelSummary:
    if task == "regression":
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        finite = numbers[np.isfinite(numbers)]
        summary = LabelSummary(column, "values", len(finite), len(numbers) - len(finite))
        if len(finite):
            centred = finite - finite.mean()
            m2 = float(np.mean(centred**2))
            summary.minimum = float(finite.min())
            summary.median = float(np.median(finite))
            summary.maximum = float(finite.max())
            summary.mean = float(finite.mean())
            summary.sd = float(finite.std(ddof=1)) if len(finite) > 1 else math.nan
            summary.skewness = float(np.mean(centred**3) / m2**1.5) if m2 > 0 else 0.0
        return summary
    missing = values.isna() | (values.astype(str).str.strip() == "")
    names = class_names(values[~missing])
    counts = names.value_counts()
    class_counts = {str(k): int(counts[k]) for k in sorted(counts.index, key=str)}
    return LabelSummary(column, "classes", int((~missing).sum()), int(missing.sum()), class_counts)


def label_lines(labels: Sequence[LabelSummary]) -> list[str]:
    """Plain-text lines of the label columns of one part (indented)."""
    lines = []
    for lab in labels:
        missing = f"; {lab.missing} missing" if lab.missing else ""
        if lab.kind == "classes":
            shown = ", ".join(
                f"{k} {v} ({v / max(lab.n, 1):.0%})" for k, v in list(lab.class_counts.items())[:8]
            )
            if len(lab.class_counts) > 8:
                shown += f", ... ({len(lab.class_counts)} classes)"
            lines.append(f"  {lab.column}: {shown}{missing}")
        else:
            lines.append(
                f"  {lab.column}: min {format_number(lab.minimum)}, median "
                f"{format_number(lab.median)}, max {format_number(lab.maximum)}, mean "
                f"{format_number(lab.mean)}, sd {format_number(lab.sd)}{missing}"
            )
    return lines


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


def find_overlaps(
    items: Mapping[str, tuple[Ids, Sequence[bytes]]],
) -> list[Overlap]:
    """Identical items for every pair of parts, later part against earlier.

    Parameters
    ----------
    items : mapping of str to (ids, hashes)
        Per part in order, the ids and one digest per item (see :func:`digest`).
    """
    names = list(items)
    return [
        overlap(a, *items[a], b, *items[b]) for i, a in enumerate(names) for b in names[i + 1 :]
    ]


def overlap(
    first: str,
    ids_a: Ids,
    hashes_a: Sequence[bytes],
    second: str,
    ids_b: Ids,
    hashes_b: Sequence[bytes],
) -> Overlap:
    """Items of ``second`` whose digest also occurs in ``first`` (and shared ids)."""
    shared_ids = int(pd.Index(list(ids_b)).isin(pd.Index(list(ids_a))).sum())
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


def part_label_findings(name: str, labels: Sequence[LabelSummary]) -> list[Finding]:
    """Missing labels, one class, id-like labels, imbalance, rare classes, skewed targets."""
    out: list[Finding] = []
    for label in labels:
        out += _label_findings(name, label)
    return out


def _label_findings(name: str, label: LabelSummary) -> list[Finding]:
    out: list[Finding] = []
    where = f"{name} column '{label.column}'"
    if label.missing:
        out.append(
            Finding(
                "warning",
                f"{where}: {label.missing} of {label.n + label.missing} records have no value.",
                "Fill in the missing labels or drop those records before training.",
                "missing_labels",
            )
        )
    if label.kind == "values":
        return out + _target_findings(where, label)
    classes = label.class_counts
    if len(classes) == 1:
        only = next(iter(classes))
        out.append(
            Finding(
                "warning",
                f"{where}: every labelled record has the same class {only!r}.",
                "Add examples of the other classes; a classifier needs at least two classes "
                "in the training data, and a test part with one class gives no AUROC.",
                "single_class",
            )
        )
    if len(classes) == label.n and label.n >= ID_LIKE_MIN_ROWS:
        out.append(
            Finding(
                "warning",
                f"{where}: {len(classes)} classes for {label.n} records — every record has its "
                "own class, so this column looks like an id, not a label.",
                "Choose the real label column with --label-column (or --task regression if the "
                "values are measurements).",
                "id_like_labels",
            )
        )
        return out
    minority = label.minority_fraction
    # MINORITY_FRACTION for two classes; with k classes the same share of the balanced 1/k.
    if minority < MINORITY_FRACTION * 2 / max(len(classes), 2):
        rare = min(classes, key=lambda k: classes[k])
        balanced = f"; a balanced share is {1 / len(classes):.1%}" if len(classes) > 2 else ""
        out.append(
            Finding(
                "warning",
                f"{where}: classes are imbalanced; the rarest class {rare!r} is "
                f"{minority:.1%} of records ({classes[rare]} of {label.n}{balanced}).",
                "Train with --class-weights balanced and judge the model by balanced accuracy "
                "and AUPRC (area under the precision-recall curve), not accuracy, which a "
                "model gets high by always predicting the common class.",
                "imbalance",
            )
        )
    few = [k for k, v in classes.items() if v < FEW_EXAMPLES]
    if few:
        shown = ", ".join(f"{k!r} ({classes[k]})" for k in few[:N_EXAMPLES])
        more = f" and {len(few) - N_EXAMPLES} more" if len(few) > N_EXAMPLES else ""
        out.append(
            Finding(
                "warning",
                f"{where}: {len(few)} classes have fewer than {FEW_EXAMPLES} examples: "
                f"{shown}{more}.",
                "Collect more examples of these classes or merge / drop them; metrics on a "
                "handful of examples are unreliable.",
                "few_examples",
            )
        )
    return out


def _target_findings(where: str, label: LabelSummary) -> list[Finding]:
    if label.n < 3:
        return []
    nonnegative = label.minimum >= 0
    ratio = label.maximum / label.median if label.median > 0 else math.nan
    skewed = abs(label.skewness) > SKEWNESS
    wide = nonnegative and ratio > RANGE_RATIO
    if not (skewed or wide):
        return []
    shape = f"skewness {label.skewness:.1f}" + (f", max/median {ratio:.0f}" if wide else "")
    fix = (
        "Log-transform the target before training (log1p(y) for counts or intensities) and "
        "transform predictions back; otherwise the largest values dominate the loss."
        if nonnegative
        else "Check the extreme values for errors; consider a transform such as "
        "sign(y)·log1p(|y|) so the extremes do not dominate the loss."
    )
    return [
        Finding(
            "warning",
            f"{where}: the target is heavy-tailed (range {format_number(label.minimum)} to "
            f"{format_number(label.maximum)}, median {format_number(label.median)}; {shape}); "
            "this looks like raw counts or intensities.",
            fix,
            "skewed_target",
        )
    ]


def pair_findings(
    parts: Sequence[PartSummary],
    overlaps: Sequence[Overlap],
    *,
    item: str,
    items: str,
    not_compared: Callable[[Overlap], Finding] | None = None,
) -> list[Finding]:
    """Leakage, shared ids, and label columns or classes that differ between parts.

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
    labelled = [p for p in parts if p.labels]
    if labelled:
        out += _label_consistency(labelled)
    return out


def _label_consistency(labelled: list[PartSummary]) -> list[Finding]:
    out: list[Finding] = []
    reference = labelled[0]
    known = {lab.column: set(lab.class_counts) for lab in reference.labels}
    for part in labelled[1:]:
        if part.label_columns != reference.label_columns:
            out.append(
                Finding(
                    "warning",
                    f"{part.name} has label columns {', '.join(part.label_columns)} but "
                    f"{reference.name} has {', '.join(reference.label_columns)}.",
                    "Use the same label columns in every part (rename them or pass "
                    "--label-column).",
                    "label_columns_differ",
                )
            )
            continue
        for lab in part.labels:
            unseen = sorted(set(lab.class_counts) - known.get(lab.column, set()))
            if lab.kind == "classes" and unseen:
                out.append(
                    Finding(
                        "warning",
                        f"{part.name} column '{lab.column}': classes not in "
                        f"{reference.name}: {', '.join(map(repr, unseen[:N_EXAMPLES]))}.",
                        f"Add examples of these classes to {reference.name} or drop them from "
                        f"{part.name}; a model cannot predict a class it never saw.",
                        "unseen_classes",
                    )
                )
    return out
