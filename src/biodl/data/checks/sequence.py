"""Look at sequences before training: :func:`inspect_sequences`.

The checks are the ones a careful analyst makes before fitting anything: how many sequences,
how long, which letters (and how many ambiguous ones), how the classes are balanced or how the
target is distributed, whether sequences repeat within a part, and whether identical sequences
sit in two parts (leakage that inflates test scores). Each problem found becomes a
:class:`~biodl.data.checks.result.Finding` with a concrete fix in plain words.

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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from biodl.data.checks.common import (
    check_parts,
    check_task,
    duplicate_id_count,
    label_lines,
    label_summaries,
    overlap,
    pair_findings,
    part_label_findings,
    repeat_findings,
    repeats,
    resolve_task,
    small_data_finding,
    sort_findings,
)
from biodl.data.checks.result import (
    Finding,
    Histogram,
    Inspection,
    LabelSummary,
    Overlap,
    Table,
    count_with_examples,
    format_number,
    integer_histogram,
    percent,
)
from biodl.data.sequence import SequenceSet
from biodl.data.targets import TaskName

__all__ = ["SequencePart", "inspect_sequences"]

#: Thresholds of the sequence findings.
LENGTH_SPREAD = 2.0
AMBIGUOUS_FRACTION = 0.05


@dataclass
class SequencePart:
    """Summary of one part of sequences (a split or a file).

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

    def lines(self) -> list[str]:
        """Plain-text summary: sizes, lengths and letters, labels, repeats."""
        source = f" ({self.source})" if self.source and self.source != self.name else ""
        letters = f"{self.n} {self.alphabet.upper()} sequences"
        length = (
            f"length {format_number(self.length_min)}–{format_number(self.length_max)} "
            f"(median {format_number(self.length_median)})"
        )
        extra = f", ambiguous {self.ambiguous_fraction:.1%}"
        if self.gc_content is not None and math.isfinite(self.gc_content):
            extra = f", GC {self.gc_content:.1%}" + extra
        lines = [f"{self.name}{source}: {letters}, {length}{extra}"]
        lines += label_lines(self.labels)
        lines.append(
            f"  duplicates: {self.duplicate_sequences} repeated sequences, "
            f"{self.duplicate_ids} repeated ids"
        )
        return lines

    def rows(self) -> list[tuple[str, str]]:
        """Cells of this part's column in the HTML parts table."""
        repeated = count_with_examples(self.duplicate_sequences, self.duplicate_examples)
        lengths = " / ".join(
            format_number(v) for v in (self.length_min, self.length_median, self.length_max)
        )
        return [
            ("Sequences", str(self.n)),
            ("Alphabet", self.alphabet.upper()),
            ("Length min / median / max", lengths),
            ("Mean length", format_number(round(self.length_mean, 1))),
            ("GC content", "—" if self.gc_content is None else percent(self.gc_content)),
            ("Ambiguous letters", percent(self.ambiguous_fraction)),
            ("Repeated sequences", repeated),
            ("Repeated ids", str(self.duplicate_ids)),
        ]


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
        Per-part summaries (:class:`SequencePart`), pairwise overlaps and findings (each with
        a fix); tables of letters and a length histogram per part.

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
    check_task(task)
    check_parts(
        parts, SequenceSet, "Read it with biodl.data.read_sequences or SequenceSet.from_strings"
    )
    resolved = resolve_task([s.labels for s in parts.values()], task)
    hashes = {name: _record_hashes(seqs) for name, seqs in parts.items()}
    summaries = [_summarise(name, seqs, hashes[name], resolved) for name, seqs in parts.items()]
    names = list(parts)
    overlaps = [
        _overlap(a, parts[a], hashes[a], b, parts[b], hashes[b])
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]
    findings = small_data_finding(
        sum(p.n for p in summaries), "sequence", "sequences", "the k-mer baseline"
    )
    for part in summaries:
        findings += _part_findings(part)
    findings += pair_findings(
        summaries, overlaps, item="sequence", items="sequences", not_compared=_not_compared
    )
    return Inspection(
        resolved,
        summaries,
        overlaps,
        sort_findings(findings),
        kind="sequence",
        item="sequence",
        items="sequences",
        identity="Two sequences are identical when all their letters are (parts of different "
        "alphabets are not compared).",
        tables=[_letters_table(summaries)],
        figures=[_length_figure(p) for p in summaries],
    )


# --------------------------------------------------------------------------- one part


def _record_hashes(seqs: SequenceSet) -> list[bytes]:
    """A 16-byte digest of the codes of each record (one Python call per record, not letter)."""
    view = np.ascontiguousarray(seqs.codes).data
    bounds = seqs.offsets.tolist()
    blake = hashlib.blake2b
    return [blake(view[a:b], digest_size=16).digest() for a, b in itertools.pairwise(bounds)]


def _summarise(
    name: str, seqs: SequenceSet, hashes: list[bytes], task: TaskName | None
) -> SequencePart:
    lengths = seqs.lengths
    edges, counts = integer_histogram(lengths)
    composition, ambiguous, gc = _composition(seqs)
    repeated, examples = repeats(hashes, seqs.ids)
    columns = [] if seqs.labels is None else [str(c) for c in seqs.labels.columns]
    return SequencePart(
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
        labels=label_summaries(seqs.labels, task),
        duplicate_sequences=repeated,
        duplicate_examples=examples,
        duplicate_ids=duplicate_id_count(seqs.ids),
    )


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


def _overlap(
    first: str,
    a: SequenceSet,
    hashes_a: list[bytes],
    second: str,
    b: SequenceSet,
    hashes_b: list[bytes],
) -> Overlap:
    if a.alphabet.name != b.alphabet.name:
        shared_ids = int(pd.Index(b.ids).isin(pd.Index(a.ids)).sum())
        return Overlap(first, second, len(b), 0, [], [], shared_ids, False, "different alphabets")
    return overlap(first, a.ids, hashes_a, second, b.ids, hashes_b)


# --------------------------------------------------------------------------- findings


def _part_findings(part: SequencePart) -> list[Finding]:
    name = part.name
    out = repeat_findings(
        name,
        part.n,
        part.duplicate_sequences,
        part.duplicate_examples,
        part.duplicate_ids,
        item="sequence",
        items="sequences",
    )
    if part.length_max > LENGTH_SPREAD * part.length_median:
        out.append(
            Finding(
                "info",
                f"{name}: lengths vary widely ({format_number(part.length_min)} to "
                f"{format_number(part.length_max)}, median {format_number(part.length_median)}).",
                f"Check for truncated or concatenated records; to train on one length, pass "
                f"--length {format_number(part.length_p95)} (95% of {name} is at most that "
                "long; longer sequences are centre-cropped).",
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
    return out + part_label_findings(name, part.labels)


def _not_compared(ov: Overlap) -> Finding:
    return Finding(
        "warning",
        f"{ov.first} and {ov.second} have different alphabets, so they were not compared for "
        "identical sequences.",
        "Read every part with the same --alphabet (dna, rna or protein).",
        "alphabet_mismatch",
    )


# --------------------------------------------------------------------------- presentation


def _letters_table(parts: list[SequencePart]) -> Table:
    letters: list[str] = []
    for p in parts:
        letters += [k for k in p.composition if k not in letters]
    rows = [[k, *[percent(p.composition.get(k, 0.0)) for p in parts]] for k in letters]
    return Table("Letters", ["Letter", *[p.name for p in parts]], rows)


def _length_figure(part: SequencePart) -> Histogram:
    return Histogram(
        heading=f"Sequence lengths in {part.name}",
        caption="Number of records per length. A long tail or a second peak can mean truncated "
        "or concatenated records.",
        title=f"{part.name}: {part.n} records",
        xlabel="Sequence length (letters)",
        ylabel="Records",
        edges=part.length_edges,
        counts=part.length_counts,
        marker=part.length_median,
        marker_label=f"median {format_number(part.length_median)}",
    )
