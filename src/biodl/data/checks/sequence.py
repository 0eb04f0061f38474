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

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from biodl.data.checks.assemble import assemble, check_arguments
from biodl.data.checks.common import digest, find_overlaps
from biodl.data.checks.labels import resolve_task
from biodl.data.checks.part import KindTerms, PartBase, part_histogram, slashed, span
from biodl.data.checks.result import (
    Finding,
    Histogram,
    Inspection,
    LabelSummary,
    Overlap,
    Table,
    format_number,
    integer_histogram,
    percent,
)
from biodl.data.kmers import record_blocks
from biodl.data.sequence import SequenceSet
from biodl.data.store import release_pages
from biodl.data.targets import TaskName

__all__ = ["SEQUENCES", "SequencePart", "inspect_sequences"]

_BLOCK_LETTERS = 1 << 24  # letters read per step (a store's pages released after each)

SEQUENCES = KindTerms(
    "sequence",
    "sequence",
    "sequences",
    baseline="the k-mer baseline",
    data=SequenceSet,
    reader="Read it with biodl.data.read_sequences or SequenceSet.from_strings",
)

#: Thresholds of the sequence findings.
LENGTH_SPREAD = 2.0
AMBIGUOUS_FRACTION = 0.05


@dataclass
class SequencePart(PartBase):
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

    terms: ClassVar[KindTerms] = SEQUENCES

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

    def headline(self) -> str:
        """Sizes, lengths and letters."""
        extra = f", ambiguous {self.ambiguous_fraction:.1%}"
        if self.gc_content is not None and math.isfinite(self.gc_content):
            extra = f", GC {self.gc_content:.1%}" + extra
        length = span(self.length_min, self.length_max, self.length_median)
        return f"{self.n} {self.alphabet.upper()} sequences, length {length}{extra}"

    def kind_rows(self) -> list[tuple[str, str]]:
        """Alphabet, lengths and letters."""
        return [
            ("Alphabet", self.alphabet.upper()),
            (
                "Length min / median / max",
                slashed(self.length_min, self.length_median, self.length_max),
            ),
            ("Mean length", format_number(round(self.length_mean, 1))),
            ("GC content", "—" if self.gc_content is None else percent(self.gc_content)),
            ("Ambiguous letters", percent(self.ambiguous_fraction)),
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
    check_arguments(SEQUENCES, parts, task)
    resolved = resolve_task([s.labels for s in parts.values()], task)
    hashes = {name: _record_hashes(seqs) for name, seqs in parts.items()}
    summaries = [_summarise(name, seqs, hashes[name], resolved) for name, seqs in parts.items()]

    def why_not(a: str, b: str) -> str:
        same = parts[a].alphabet.name == parts[b].alphabet.name
        return "" if same else "different alphabets"

    overlaps = find_overlaps(
        {name: (s.ids, hashes[name]) for name, s in parts.items()}, why_not=why_not
    )
    return assemble(
        SEQUENCES,
        resolved,
        summaries,
        overlaps,
        identity="Two sequences are identical when all their letters are (parts of different "
        "alphabets are not compared).",
        part_findings=lambda part, first: _part_findings(part, summaries[0]),
        not_compared=_not_compared,
        tables=[_letters_table(summaries)],
        figures=[_length_figure(p) for p in summaries],
    )


# --------------------------------------------------------------------------- one part


def _record_hashes(seqs: SequenceSet) -> list[bytes]:
    """A 16-byte digest of the codes of each record (one Python call per record, not letter).

    Records are read in blocks of about :data:`_BLOCK_LETTERS` letters; the pages of a store's
    mapped codes are released after each block, so a pass over a store does not hold it.
    """
    out: list[bytes] = []
    offsets = seqs.offsets
    for r0, r1 in record_blocks(offsets, _BLOCK_LETTERS):
        lo, hi = int(offsets[r0]), int(offsets[r1])
        view = np.ascontiguousarray(seqs.codes[lo:hi]).data
        bounds = (offsets[r0 : r1 + 1] - lo).tolist()
        out.extend(digest(view[a:b]) for a, b in itertools.pairwise(bounds))
        del view
        release_pages(seqs.codes)
    return out


def _summarise(
    name: str, seqs: SequenceSet, hashes: list[bytes], task: TaskName | None
) -> SequencePart:
    lengths = seqs.lengths
    edges, counts = integer_histogram(lengths)
    composition, ambiguous, gc = _composition(seqs)
    return SequencePart.build(
        name,
        seqs,
        hashes,
        seqs.labels,
        task,
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
    )


def _composition(seqs: SequenceSet) -> tuple[dict[str, float], float, float | None]:
    alphabet = seqs.alphabet
    counts = np.zeros(alphabet.n_codes, dtype=np.int64)
    for lo in range(0, len(seqs.codes), _BLOCK_LETTERS):  # bincount copies to 8 bytes a letter
        counts += np.bincount(seqs.codes[lo : lo + _BLOCK_LETTERS], minlength=alphabet.n_codes)
        release_pages(seqs.codes)
    counts = counts[1 : alphabet.n_codes]
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


# --------------------------------------------------------------------------- findings


def _part_findings(part: SequencePart, train: SequencePart) -> list[Finding]:
    """Lengths that vary widely, ambiguity codes (the same for every part).

    The ``--length`` suggested for every part is the training part's (``train``, the first):
    a training option is never chosen on the validation or test part.
    """
    name = part.name
    out: list[Finding] = []
    if part.length_max > LENGTH_SPREAD * part.length_median:
        out.append(
            Finding(
                "info",
                f"{name}: lengths vary widely ({format_number(part.length_min)} to "
                f"{format_number(part.length_max)}, median {format_number(part.length_median)}).",
                f"Check for truncated or concatenated records; to train on one length, pass "
                f"--length {format_number(train.length_p95)} (95% of {train.name} is at most "
                "that long; longer sequences are centre-cropped).",
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
    return out


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
    return part_histogram(
        part,
        "Sequence lengths",
        caption="Number of records per length. A long tail or a second peak can mean truncated "
        "or concatenated records.",
        xlabel="Sequence length (letters)",
        unit="records",
        edges=part.length_edges,
        counts=part.length_counts,
        marker=part.length_median,
    )
