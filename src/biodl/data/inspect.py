"""Look at the data before training: :func:`inspect_sequences` and its :class:`Inspection`.

The checks are the ones a careful analyst makes before fitting anything: how many sequences,
how long, which letters (and how many ambiguous ones), how the classes are balanced or how the
target is distributed, whether sequences repeat within a part, and whether identical sequences
sit in two parts (leakage that inflates test scores). Each problem found becomes a
:class:`Finding` with a concrete fix in plain words.

Exact duplicates are found by hashing the integer codes of each record (one short digest per
record), so memory stays small; only records of the same alphabet are compared.

Examples
--------
>>> import pandas as pd
>>> from biodl.data.sequence import SequenceSet
>>> train = SequenceSet.from_strings(["ACGT", "ACGT", "GGCC"], ids=["a", "b", "c"],
...                                  labels=pd.DataFrame({"label": ["x", "y", "x"]}))
>>> test = SequenceSet.from_strings(["GGCC", "TTAA"], ids=["d", "e"],
...                                 labels=pd.DataFrame({"label": ["x", "y"]}))
>>> result = inspect_sequences({"train": train, "test": test})
>>> result.parts[0].duplicate_sequences, result.overlaps[0].identical, result.overlaps[0].examples
(1, 1, ['d'])
>>> sorted({f.code for f in result.findings})[:3]
['duplicates', 'few_examples', 'leakage']
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl.data.sequence import SequenceSet
from biodl.data.targets import TASKS, TaskName, class_names, infer_task
from biodl.errors import ConfigError, DataError

__all__ = [
    "INSPECT_TASKS",
    "Finding",
    "FindingCode",
    "InspectTask",
    "Inspection",
    "LabelSummary",
    "Overlap",
    "PartSummary",
    "Severity",
    "inspect_sequences",
]

InspectTask = Literal["auto", "binary", "multiclass", "multilabel", "regression"]
INSPECT_TASKS: tuple[InspectTask, ...] = ("auto", *TASKS)
Severity = Literal["warning", "info"]
FindingCode = Literal[
    "alphabet_mismatch",
    "ambiguous_letters",
    "duplicates",
    "duplicate_ids",
    "few_examples",
    "id_like_labels",
    "imbalance",
    "label_columns_differ",
    "leakage",
    "missing_labels",
    "shared_ids",
    "single_class",
    "skewed_target",
    "small_data",
    "unseen_classes",
    "variable_lengths",
]

#: Thresholds of the findings, in one place so the docs and the messages agree.
MINORITY_FRACTION = 0.2
SMALL_DATA = 200
FEW_EXAMPLES = 10
LENGTH_SPREAD = 2.0
AMBIGUOUS_FRACTION = 0.05
SKEWNESS = 2.0
RANGE_RATIO = 100.0
ID_LIKE_MIN_ROWS = 10
N_EXAMPLES = 5
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
        Stable short name of the check (see :data:`FindingCode`), for filtering.
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
class PartSummary:
    """Summary of one part (a split or a file).

    Parameters
    ----------
    name : str
        The key given to :func:`inspect_sequences` ("train", "test", a file name, ...).
    source : str
        :attr:`SequenceSet.source` (the path as given).
    n : int
        Number of records.
    alphabet : str
        "dna", "rna" or "protein".
    length_min, length_median, length_max, length_mean, length_p95 : float
        Of the record lengths (letters).
    length_edges, length_counts : list of float, list of int
        Histogram of the lengths: ``len(length_counts) + 1`` bin edges.
    composition : dict of str to float
        Fraction of all letters per letter: every plain letter, then the ambiguity codes that
        occur.
    ambiguous_fraction : float
        Fraction of letters that are ambiguity codes (N, R, Y, ... or X, B, Z, ...).
    gc_content : float or None
        (G + C) / (A + C + G + T/U) over unambiguous letters; None for protein.
    label_columns : list of str
        Empty for unlabelled data.
    labels : list of LabelSummary
        One per label column.
    duplicate_sequences : int
        Records whose sequence occurs earlier in this part.
    duplicate_examples : list of str
        Up to 5 ids of such records.
    duplicate_ids : int
        Records whose id occurs earlier in this part.
    """

    name: str
    source: str
    n: int
    alphabet: str
    length_min: float
    length_median: float
    length_max: float
    length_mean: float
    length_p95: float
    length_edges: list[float]
    length_counts: list[int]
    composition: dict[str, float]
    ambiguous_fraction: float
    gc_content: float | None
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_sequences: int
    duplicate_examples: list[str]
    duplicate_ids: int


@dataclass
class Overlap:
    """Identical sequences shared by two parts (``second`` comes after ``first``).

    Parameters
    ----------
    first, second : str
        Part names.
    second_n : int
        Records in ``second``.
    identical : int
        Records of ``second`` whose sequence also occurs in ``first``.
    examples : list of str
        Up to 5 ids (in ``second``) of such records.
    matches : list of str
        For each example, the id of an identical record in ``first``.
    shared_ids : int
        Ids of ``second`` that also occur in ``first`` (whatever their sequences).
    compared : bool
        False when the parts have different alphabets and were not compared.
    """

    first: str
    second: str
    second_n: int
    identical: int
    examples: list[str]
    matches: list[str]
    shared_ids: int
    compared: bool = True


@dataclass
class Inspection:
    """Result of :func:`inspect_sequences`.

    Parameters
    ----------
    task : str or None
        The task the labels were read as ("binary", "multiclass", "multilabel",
        "regression"), None for unlabelled data.
    parts : list of PartSummary
        In the order given.
    overlaps : list of Overlap
        One per pair of parts, earlier part first.
    findings : list of Finding
        Warnings first, then infos.
    """

    task: str | None
    parts: list[PartSummary]
    overlaps: list[Overlap]
    findings: list[Finding]

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity "warning"."""
        return [f for f in self.findings if f.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict (NaN written as None)."""
        out = _jsonable(asdict(self))
        assert isinstance(out, dict)
        return out

    def summary(self) -> str:
        """A few plain-text lines per part, then the overlaps and the findings."""
        lines: list[str] = []
        for part in self.parts:
            lines += _part_lines(part)
        for ov in self.overlaps:
            if not ov.compared:
                lines.append(f"{ov.second} vs {ov.first}: not compared (different alphabets)")
                continue
            text = (
                f"{ov.second} vs {ov.first}: {ov.identical} of {ov.second_n} {ov.second} "
                f"sequences identical to a {ov.first} sequence"
            )
            if ov.examples:
                text += f" (e.g. {', '.join(ov.examples)})"
            lines.append(text)
        if not self.findings:
            lines.append("No problems found.")
        for finding in self.findings:
            lines.append(f"{finding.severity}: {finding.message} Fix: {finding.fix}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- entry point


def inspect_sequences(parts: Mapping[str, SequenceSet], *, task: str = "auto") -> Inspection:
    """Summarise sequence data before training and list what to fix.

    Parameters
    ----------
    parts : mapping of str to SequenceSet
        Named parts in order, e.g. ``{"train": ..., "valid": ..., "test": ...}`` or file names.
        Labels are optional. Overlaps are counted for every pair, later part against earlier.
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}, default "auto"
        How to read the labels. "auto" infers it from the first labelled part, like training
        does (see :func:`~biodl.data.targets.infer_targets`).

    Returns
    -------
    Inspection
        Per-part summaries, pairwise overlaps and findings (each with a fix).

    Raises
    ------
    ConfigError
        For an unknown ``task``.
    DataError
        For no parts, or a value that is not a :class:`SequenceSet`.

    Examples
    --------
    >>> from biodl.data.sequence import SequenceSet
    >>> seqs = SequenceSet.from_strings(["ACGT", "ACGTNN"])
    >>> inspect_sequences({"all": seqs}).parts[0].ambiguous_fraction
    0.2
    """
    if task not in INSPECT_TASKS:
        raise ConfigError(
            f"task: expected one of {', '.join(INSPECT_TASKS)}, got {task!r}. Use --task auto "
            "to infer it from the labels."
        )
    if not parts:
        raise DataError("inspect: expected at least one part (e.g. train), got none.")
    for name, seqs in parts.items():
        if not isinstance(seqs, SequenceSet):
            raise DataError(
                f"inspect part {name!r}: expected a SequenceSet, got {type(seqs).__name__}. "
                "Read it with biodl.data.read_sequences or SequenceSet.from_strings."
            )
    resolved = _resolve_task(parts, task)
    hashes = {name: _record_hashes(seqs) for name, seqs in parts.items()}
    summaries = [_summarise(name, seqs, hashes[name], resolved) for name, seqs in parts.items()]
    names = list(parts)
    overlaps = [
        _overlap(a, parts[a], hashes[a], b, parts[b], hashes[b])
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]
    findings = _findings(summaries, overlaps, resolved)
    findings.sort(key=lambda f: f.severity != "warning")
    return Inspection(resolved, summaries, overlaps, findings)


def _resolve_task(parts: Mapping[str, SequenceSet], task: str) -> TaskName | None:
    labelled = [s.labels for s in parts.values() if s.labels is not None and s.labels.shape[1]]
    if not labelled:
        return None
    if task != "auto":
        return task  # type: ignore[return-value]
    return infer_task(labelled[0])


# --------------------------------------------------------------------------- one part


def _record_hashes(seqs: SequenceSet) -> list[bytes]:
    """A 16-byte digest of the codes of each record (one Python call per record, not letter)."""
    view = np.ascontiguousarray(seqs.codes).data
    bounds = seqs.offsets.tolist()
    blake = hashlib.blake2b
    return [blake(view[a:b], digest_size=16).digest() for a, b in itertools.pairwise(bounds)]


def _summarise(
    name: str, seqs: SequenceSet, hashes: list[bytes], task: TaskName | None
) -> PartSummary:
    lengths = seqs.lengths
    edges, counts = _length_histogram(lengths)
    composition, ambiguous, gc = _composition(seqs)
    ids = pd.Index(seqs.ids)
    repeated = pd.Index(hashes).duplicated()
    columns = [] if seqs.labels is None else [str(c) for c in seqs.labels.columns]
    labels = []
    if seqs.labels is not None and task is not None:
        labels = [_label_summary(str(c), seqs.labels[c], task) for c in seqs.labels.columns]
    return PartSummary(
        name=name,
        source=seqs.source,
        n=len(seqs),
        alphabet=seqs.alphabet.name,
        length_min=float(lengths.min()),
        length_median=float(np.median(lengths)),
        length_max=float(lengths.max()),
        length_mean=float(lengths.mean()),
        length_p95=float(np.percentile(lengths, 95)),
        length_edges=edges,
        length_counts=counts,
        composition=composition,
        ambiguous_fraction=ambiguous,
        gc_content=gc,
        label_columns=columns,
        labels=labels,
        duplicate_sequences=int(repeated.sum()),
        duplicate_examples=[str(i) for i in seqs.ids[repeated][:N_EXAMPLES]],
        duplicate_ids=int(ids.duplicated().sum()),
    )


def _length_histogram(lengths: np.ndarray) -> tuple[list[float], list[int]]:
    low, high = int(lengths.min()), int(lengths.max())
    # Bins centred on whole lengths when the span is short, else HISTOGRAM_BINS even bins.
    bins = min(HISTOGRAM_BINS, high - low + 1)
    counts, edges = np.histogram(lengths, bins=bins, range=(low - 0.5, high + 0.5))
    return edges.tolist(), counts.tolist()


def _composition(seqs: SequenceSet) -> tuple[dict[str, float], float, float | None]:
    alphabet = seqs.alphabet
    counts = np.bincount(seqs.codes, minlength=alphabet.n_codes)[1 : alphabet.n_codes]
    total = max(int(counts.sum()), 1)
    plain = len(alphabet.letters)
    composition = {
        letter: float(counts[i] / total)
        for i, letter in enumerate(alphabet.symbols)
        if i < plain or counts[i]
    }
    ambiguous = float(counts[plain:].sum() / total)
    gc = None
    if alphabet.name in ("dna", "rna"):
        unambiguous = int(counts[:plain].sum())
        strong = int(counts[alphabet.symbols.index("G")] + counts[alphabet.symbols.index("C")])
        gc = strong / unambiguous if unambiguous else math.nan
    return composition, ambiguous, gc


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


# --------------------------------------------------------------------------- pairs of parts


def _overlap(
    first: str,
    a: SequenceSet,
    hashes_a: list[bytes],
    second: str,
    b: SequenceSet,
    hashes_b: list[bytes],
) -> Overlap:
    shared_ids = int(pd.Index(b.ids).isin(pd.Index(a.ids)).sum())
    if a.alphabet.name != b.alphabet.name:
        return Overlap(first, second, len(b), 0, [], [], shared_ids, compared=False)
    index_a = pd.Index(hashes_a)
    first_seen = ~index_a.duplicated()
    found = index_a[first_seen].get_indexer(pd.Index(hashes_b))
    position = np.where(found >= 0, np.flatnonzero(first_seen)[found], -1)
    hits = np.flatnonzero(position >= 0)
    return Overlap(
        first,
        second,
        len(b),
        len(hits),
        [str(b.ids[i]) for i in hits[:N_EXAMPLES]],
        [str(a.ids[position[i]]) for i in hits[:N_EXAMPLES]],
        shared_ids,
    )


# --------------------------------------------------------------------------- findings


def _findings(
    parts: list[PartSummary], overlaps: list[Overlap], task: TaskName | None
) -> list[Finding]:
    out: list[Finding] = []
    total = sum(p.n for p in parts)
    if total < SMALL_DATA:
        out.append(
            Finding(
                "warning",
                f"Only {total} sequence{'s' if total != 1 else ''} in all parts together "
                f"(fewer than {SMALL_DATA}).",
                "Deep learning may not beat a simple baseline on so few examples: compare with "
                "the k-mer baseline biodl trains alongside, prefer a small model, and estimate "
                "performance with cross-validation (several splits) rather than one small test "
                "set.",
                "small_data",
            )
        )
    for part in parts:
        out += _part_findings(part)
    out += _pair_findings(parts, overlaps)
    return out


def _part_findings(part: PartSummary) -> list[Finding]:
    out: list[Finding] = []
    name = part.name
    if part.duplicate_sequences:
        out.append(
            Finding(
                "warning",
                f"{name}: {part.duplicate_sequences} of {part.n} records repeat a sequence that "
                f"occurs earlier in {name} (e.g. {', '.join(part.duplicate_examples)}).",
                "Remove the repeats (keep one copy of each sequence, checking that their labels "
                "agree) so no sequence counts twice and none can end up in two splits.",
                "duplicates",
            )
        )
    if part.duplicate_ids:
        out.append(
            Finding(
                "warning",
                f"{name}: {part.duplicate_ids} records reuse an id that occurs earlier.",
                "Give every record a unique id (labels are matched to sequences by id).",
                "duplicate_ids",
            )
        )
    if part.length_max > LENGTH_SPREAD * part.length_median:
        out.append(
            Finding(
                "info",
                f"{name}: lengths vary widely ({_num(part.length_min)} to "
                f"{_num(part.length_max)}, median {_num(part.length_median)}).",
                f"Check for truncated or concatenated records; to train on one length, pass "
                f"--length {_num(part.length_p95)} (95% of {name} is at most that long; longer "
                "sequences are centre-cropped).",
                "variable_lengths",
            )
        )
    if part.ambiguous_fraction > AMBIGUOUS_FRACTION:
        letter = "X" if part.alphabet == "protein" else "N"
        out.append(
            Finding(
                "warning",
                f"{name}: {part.ambiguous_fraction:.1%} of letters are ambiguity codes "
                f"({letter} and similar), above {AMBIGUOUS_FRACTION:.0%}.",
                "Check the assembly or masking; drop or trim records that are mostly "
                f"{letter}, since the model cannot learn from unknown letters and may learn the "
                f"amount of {letter} instead.",
                "ambiguous_letters",
            )
        )
    for label in part.labels:
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
    if minority < MINORITY_FRACTION:
        rare = min(classes, key=lambda k: classes[k])
        out.append(
            Finding(
                "warning",
                f"{where}: classes are imbalanced; the rarest class {rare!r} is "
                f"{minority:.1%} of records ({classes[rare]} of {label.n}).",
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
            f"{where}: the target is heavy-tailed (range {_num(label.minimum)} to "
            f"{_num(label.maximum)}, median {_num(label.median)}; {shape}); this looks like "
            "raw counts or intensities.",
            fix,
            "skewed_target",
        )
    ]


def _pair_findings(parts: list[PartSummary], overlaps: list[Overlap]) -> list[Finding]:
    out: list[Finding] = []
    for ov in overlaps:
        if not ov.compared:
            out.append(
                Finding(
                    "warning",
                    f"{ov.first} and {ov.second} have different alphabets, so they were not "
                    "compared for identical sequences.",
                    "Read every part with the same --alphabet (dna, rna or protein).",
                    "alphabet_mismatch",
                )
            )
        if ov.identical:
            out.append(
                Finding(
                    "warning",
                    f"Leakage: {ov.identical} of {ov.second_n} {ov.second} sequences are "
                    f"identical to a {ov.first} sequence (e.g. {', '.join(ov.examples)}).",
                    f"Remove them from {ov.second} (or from {ov.first}) so the model is judged "
                    "on sequences it has not seen; scores on copies of training data are "
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


# --------------------------------------------------------------------------- text


def _part_lines(part: PartSummary) -> list[str]:
    source = f" ({part.source})" if part.source and part.source != part.name else ""
    letters = f"{part.n} {part.alphabet.upper()} sequences"
    length = (
        f"length {_num(part.length_min)}–{_num(part.length_max)} "
        f"(median {_num(part.length_median)})"
    )
    extra = f", ambiguous {part.ambiguous_fraction:.1%}"
    if part.gc_content is not None and math.isfinite(part.gc_content):
        extra = f", GC {part.gc_content:.1%}" + extra
    lines = [f"{part.name}{source}: {letters}, {length}{extra}"]
    for lab in part.labels:
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
                f"  {lab.column}: min {_num(lab.minimum)}, median {_num(lab.median)}, "
                f"max {_num(lab.maximum)}, mean {_num(lab.mean)}, sd {_num(lab.sd)}{missing}"
            )
    lines.append(
        f"  duplicates: {part.duplicate_sequences} repeated sequences, "
        f"{part.duplicate_ids} repeated ids"
    )
    return lines


def _num(x: float) -> str:
    """Whole numbers without decimals, others with 4 significant digits."""
    if not math.isfinite(x):
        return "n/a"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
