"""The label checks every kind of data shares: balance, missing labels, classes across parts.

:func:`resolve_task` reads the task as training does, :func:`label_summaries` summarises each
label column of a part (:class:`~biodl.data.checks.result.LabelSummary`) and
:func:`label_lines` writes them as text; :func:`part_label_findings` finds missing labels, a
single class, id-like labels, imbalance, rare classes and heavy-tailed targets, and
:func:`label_consistency_findings` label columns or classes that differ between parts.

Examples
--------
>>> import pandas as pd
>>> labels = label_summaries(pd.DataFrame({"y": ["a", "a", "b", None]}), "binary")
>>> labels[0].class_counts, labels[0].missing
({'a': 2, 'b': 1}, 1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from biodl.data.checks.common import N_EXAMPLES
from biodl.data.checks.result import Finding, LabelSummary, PartSummary, format_number
from biodl.data.targets import TaskName, class_names, infer_task

__all__ = [
    "FEW_EXAMPLES",
    "MINORITY_FRACTION",
    "label_consistency_findings",
    "label_lines",
    "label_summaries",
    "part_label_findings",
    "resolve_task",
]

#: Thresholds of the label findings, in one place so the docs and the messages agree.
#: Imbalance: the rarest of two classes below this share (of k classes: below
#: ``MINORITY_FRACTION * 2 / k``, the same fraction of a balanced share).
MINORITY_FRACTION = 0.2
FEW_EXAMPLES = 10
SKEWNESS = 2.0
RANGE_RATIO = 100.0
ID_LIKE_MIN_ROWS = 10


# --------------------------------------------------------------------------- summaries


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


# --------------------------------------------------------------------------- findings


def part_label_findings(name: str, labels: Sequence[LabelSummary]) -> list[Finding]:
    """Missing labels, one class, id-like labels, imbalance, rare classes, skewed targets."""
    out: list[Finding] = []
    for label in labels:
        out += _label_findings(name, label, several=len(labels) > 1)
    return out


def _label_findings(name: str, label: LabelSummary, *, several: bool = False) -> list[Finding]:
    out: list[Finding] = []
    where = f"{name} column '{label.column}'"
    if label.missing:
        advice = (
            "With several label columns these are missing labels: training leaves them out of "
            "the loss and of this column's metrics (a column or row with no label is refused)."
            if several
            else "Fill in the missing labels or drop those records before training."
        )
        out.append(
            Finding(
                "warning",
                f"{where}: {label.missing} of {label.n + label.missing} records have no value.",
                advice,
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


def label_consistency_findings(parts: Sequence[PartSummary]) -> list[Finding]:
    """Label columns, or classes, of later labelled parts that the first labelled part lacks."""
    labelled = [p for p in parts if p.labels]
    if not labelled:
        return []
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
