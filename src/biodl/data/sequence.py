"""Biological sequences in memory (:class:`SequenceSet`) and :func:`read_sequences`.

A :class:`SequenceSet` keeps every sequence as compact integer codes (one ``uint8`` per letter,
all records concatenated) plus record offsets, ids and an optional label table. One-hot or
k-mer features are built from the codes per batch, so memory stays about one byte per letter.

:func:`read_sequences` reads FASTA (optionally gzipped, labels from ``key=value`` pairs in the
headers or from a separate table), CSV/TSV tables with a sequence column, and folders with one
FASTA file per class; the parsing lives in :mod:`biodl.data.fasta` and :mod:`biodl.data.tables`.
:meth:`SequenceSet.from_strings` builds a set from Python strings (notebooks, estimators).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "toy.fa").write_text(">a label=x\\nACGT\\nAC\\n>b label=y\\nGGN\\n")
>>> seqs = read_sequences(folder / "toy.fa")
>>> len(seqs), seqs.sequence(0), seqs.labels["label"].tolist()
(2, 'ACGTAC', ['x', 'y'])
>>> seqs.padded().shape
(2, 6)
>>> SequenceSet.from_strings(["acgt", "GGN"]).sequence(0)
'ACGT'
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd

from biodl.data._files import (
    DETECT_BYTES,
    HEAD_BYTES,
    Records,
    capacity_hint,
    check_text,
    check_unique,
    fail,
    file_suffix,
    letter_message,
    open_stream,
    read_bytes,
    rename_repeats,
)
from biodl.data.alphabet import ALPHABETS, NOT_ALLOWED, Alphabet, detect_alphabet
from biodl.data.fasta import (
    FASTA_SUFFIXES,
    FastaRecords,
    header_table,
    parse_fasta,
    read_fasta_folder,
)
from biodl.data.store import is_mapped, is_store, open_store, release_pages, spill
from biodl.data.tables import (
    EXTRA_LABELS_OPTIONS,
    ExtraLabels,
    LabelsTable,
    fasta_labels,
    own_parts,
    read_table,
    table_records,
)
from biodl.errors import ConfigError, DataError, DataWarning
from biodl.kinds.sequence_options import AlphabetOption

__all__ = ["AlphabetOption", "ExtraLabels", "SequenceSet", "read_sequences"]

ALPHABET_OPTIONS: tuple[AlphabetOption, ...] = get_args(AlphabetOption)

_GATHER_BLOCK = 1 << 22  # letters copied per vectorised gather step


@dataclass
class SequenceSet:
    """Sequences as concatenated integer codes, with ids and optional labels.

    Parameters
    ----------
    ids : (n,) object array of str
        Unique record ids.
    codes : (total_letters,) uint8
        Integer codes of all records concatenated (see :class:`~biodl.data.alphabet.Alphabet`;
        0 is padding and never occurs here).
    offsets : (n + 1,) int64
        Record ``i`` is ``codes[offsets[i]:offsets[i + 1]]``.
    alphabet : Alphabet
        Alphabet of the codes.
    labels : pandas.DataFrame or None, default None
        ``n`` rows in record order, one column per label column: ``str`` values for classes,
        ``float64`` for numbers. None when the data is unlabelled.
    source : str, default ""
        The path as the user gave it, for messages.
    notes : list of str, default []
        What reading changed that the user should know (repeated ids renamed ``id#2``, ...);
        a run shows them with its warnings. Not carried over by :meth:`subset`.
    own_parts : pandas.DataFrame or None, default None
        The file's columns or header keys besides labels, ids and side columns whose every
        value names a part (``SET=train`` / ``SET=test``): a split the file carries, for the
        warning of a run that splits it otherwise (``--split-column`` uses it). Not carried
        over by :meth:`subset`.
    """

    ids: np.ndarray
    codes: np.ndarray
    offsets: np.ndarray
    alphabet: Alphabet
    labels: pd.DataFrame | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)
    own_parts: pd.DataFrame | None = None

    @classmethod
    def from_strings(
        cls,
        sequences: Sequence[str] | np.ndarray,
        *,
        ids: Sequence[str] | np.ndarray | None = None,
        alphabet: str = "auto",
        labels: pd.DataFrame | None = None,
        source: str = "sequences",
    ) -> SequenceSet:
        """Build a set from sequences given as Python strings (notebooks, estimators).

        The strings are joined and encoded through the alphabet's lookup table in one step.

        Parameters
        ----------
        sequences : sequence of str or (n,) numpy array of str
            ``n >= 1`` non-empty sequences; lower case is folded to upper case. Whitespace and
            other symbols are not letters and raise.
        ids : sequence of str or (n,) numpy array of str, optional
            ``n`` unique record ids. Default ``"0"``, ``"1"``, ... (the item positions).
        alphabet : {"auto", "dna", "rna", "protein"}, default "auto"
            "auto" guesses from the first megabyte of letters, like :func:`read_sequences`.
        labels : pandas.DataFrame, optional
            ``n`` rows in the order of ``sequences``, kept as given (re-indexed from 0).
        source : str, default "sequences"
            Name used in messages and stored in :attr:`source`.

        Returns
        -------
        SequenceSet
            ``n`` records; ``codes`` and ``offsets`` equal those :func:`read_sequences` gives
            for the same sequences in a FASTA file.

        Raises
        ------
        DataError
            Naming the item (0-based) for a non-str item, an empty sequence or a letter outside
            the alphabet; also for no sequences, repeated ids, or ``ids`` / ``labels`` of the
            wrong length.
        ConfigError
            For an unknown ``alphabet``.

        Examples
        --------
        >>> seqs = SequenceSet.from_strings(["ACGTac", "GGN"], ids=["a", "b"])
        >>> seqs.sequence(0), seqs.alphabet.name, seqs.offsets.tolist()
        ('ACGTAC', 'dna', [0, 6, 9])
        """
        wanted = _resolve_alphabet(alphabet)
        items = _string_items(sequences, source, "sequences")
        if not items:
            raise DataError(
                f"{source}: expected at least one sequence, got none. Pass a non-empty list "
                "of strings."
            )
        names = _item_ids(ids, len(items), source)
        codes, offsets, found = _encode_strings(items, wanted, source)
        return cls(
            np.array(names, dtype=object),
            codes,
            offsets,
            found,
            _item_labels(labels, len(items), source),
            source,
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Record lengths, ``(n,) int64``."""
        return np.diff(self.offsets)

    def sequence(self, i: int) -> str:
        """Letters of record ``i`` as an upper-case string."""
        return self.alphabet.decode(self.codes[self.offsets[i] : self.offsets[i + 1]])

    def subset(self, index: np.ndarray) -> SequenceSet:
        """Records selected by ``index``, re-packed into new arrays.

        Parameters
        ----------
        index : (k,) int array or (n,) bool mask
            Records to keep, in the order wanted.

        Returns
        -------
        SequenceSet
            ``k`` records; labels re-indexed from 0. The codes are copied into memory, except
            for a set read from a store (memory-mapped codes): a run of consecutive records
            is then a view of the file, other subsets are packed into a temporary file
            (:func:`biodl.data.store.spill`).
        """
        idx = _as_index(index, len(self))
        lengths = self.lengths[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if is_mapped(self.codes):  # a store's codes stay on disk (see biodl.data.store)
            release_pages(self.codes)
            if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and (np.diff(idx) == 1).all():
                first = int(self.offsets[idx[0]])
                codes = self.codes[first : first + int(offsets[-1])]
            else:
                codes = spill(self.codes, self.offsets[:-1][idx], lengths, _copy_runs)
        else:
            codes = np.empty(int(offsets[-1]), dtype=np.uint8)
            _copy_runs(self.codes, self.offsets[:-1][idx], lengths, codes, offsets[:-1])
        labels = None if self.labels is None else self.labels.iloc[idx].reset_index(drop=True)
        return SequenceSet(self.ids[idx], codes, offsets, self.alphabet, labels, self.source)

    def padded(
        self,
        index: np.ndarray | None = None,
        *,
        length: int | None = None,
        starts: np.ndarray | None = None,
    ) -> np.ndarray:
        """Records as a padded code matrix.

        Parameters
        ----------
        index : (k,) int array or bool mask, optional
            Records to take; default all ``n``.
        length : int, optional
            Width ``L``. Default: the longest selected record. Longer records are centre-cropped
            (the middle ``L`` letters), shorter ones right-padded with 0.
        starts : (k,) int array, optional
            Where the window of each record longer than ``L`` begins (``0 <= start <= length -
            L``, clipped into that range); default the centre. Ignored for shorter records.

        Returns
        -------
        codes : (k, L) uint8
            0 is padding.
        """
        idx = np.arange(len(self)) if index is None else _as_index(index, len(self))
        lengths = self.lengths[idx]
        width = (int(lengths.max()) if len(idx) else 0) if length is None else int(length)
        if width < 0:
            raise ConfigError(f"padded length must be >= 0, got {width}")
        take = np.minimum(lengths, width)
        room = lengths - take
        shift = room // 2 if starts is None else np.clip(np.asarray(starts), 0, room)
        start = self.offsets[:-1][idx] + shift
        out = np.zeros((len(idx), width), dtype=np.uint8)
        if len(idx) and index is None and starts is None and (lengths == lengths[0]).all():
            block = self.codes[self.offsets[0] : self.offsets[-1]].reshape(len(idx), -1)
            crop = int(start[0] - self.offsets[0])
            out[:, : take[0]] = block[:, crop : crop + take[0]]
            return out
        _copy_runs(self.codes, start, take, out.reshape(-1), np.arange(len(idx)) * width)
        return out


def _as_index(index: np.ndarray, n: int) -> np.ndarray:
    idx = np.asarray(index)
    if idx.dtype == bool:
        return np.flatnonzero(idx)
    return idx.astype(np.int64, copy=False)


def _copy_runs(
    src: np.ndarray,
    src_starts: np.ndarray,
    lengths: np.ndarray,
    dst: np.ndarray,
    dst_starts: np.ndarray,
) -> None:
    """``dst[dst_starts[i]:+lengths[i]] = src[src_starts[i]:+lengths[i]]`` for all i, vectorised.

    Works in blocks of records so that the int64 index arrays stay near ``_GATHER_BLOCK``.
    """
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    cuts = np.searchsorted(ends, np.arange(_GATHER_BLOCK, total, _GATHER_BLOCK)) + 1
    bounds = np.unique(np.concatenate(([0], np.minimum(cuts, len(lengths)), [len(lengths)])))
    for r0, r1 in itertools.pairwise(bounds):
        run = lengths[r0:r1]
        total = int(run.sum())
        if total == 0:
            continue
        first = np.repeat(np.cumsum(run) - run, run)
        within = np.arange(total, dtype=np.int64) - first
        source_index = np.repeat(src_starts[r0:r1], run) + within
        dst[np.repeat(dst_starts[r0:r1], run) + within] = src[source_index]


# --------------------------------------------------------------------------- from strings


def _string_items(values: Sequence[str] | np.ndarray, source: str, what: str) -> list[str]:
    """``values`` as a list of str, or a DataError naming the first item that is not one."""
    place = source if what == "sequences" else what
    if isinstance(values, (str, bytes)):
        raise DataError(
            f"{place}: expected a list of strings, got a single {type(values).__name__}. "
            f"Wrap it in a list: [{what[:-1]}]."
        )
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise DataError(
            f"{place}: expected a 1-d array of str, got shape {values.shape}. Pass one "
            "string per sequence (flatten the array)."
        )
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if not all(issubclass(t, str) for t in set(map(type, items))):
        i = next(i for i, v in enumerate(items) if not isinstance(v, str))
        raise DataError(
            f"{place} item {i}: expected a str, got {type(items[i]).__name__} "
            f"({items[i]!r:.40}). Pass {what} as strings."
        )
    return items


def _encode_strings(
    items: list[str], alphabet: Alphabet | None, source: str
) -> tuple[np.ndarray, np.ndarray, Alphabet]:
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    if lengths.min() == 0:
        i = int(np.flatnonzero(lengths == 0)[0])
        raise DataError(
            f"{source} item {i}: the sequence is empty; expected letters. Remove the item or "
            "fill in its sequence."
        )
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    text = "".join(items)
    if not text.isascii():
        i = next(i for i, v in enumerate(items) if not v.isascii())
        letter = next(c for c in items[i] if not c.isascii())
        found = alphabet or detect_alphabet(text.encode("ascii", "ignore")[:DETECT_BYTES])
        raise DataError(f"{source} item {i}: {letter_message(letter, found)}")
    joined = text.encode("ascii")
    del text
    if alphabet is None:
        alphabet = detect_alphabet(joined[:DETECT_BYTES])
    codes = np.frombuffer(joined.translate(alphabet.lut.tobytes()), dtype=np.uint8).copy()
    if codes.max() == NOT_ALLOWED:
        k = int(np.argmax(codes == NOT_ALLOWED))
        i = int(np.searchsorted(offsets, k, side="right")) - 1
        raise DataError(f"{source} item {i}: {letter_message(chr(joined[k]), alphabet)}")
    return codes, offsets, alphabet


def _item_ids(ids: Sequence[str] | np.ndarray | None, n: int, source: str) -> list[str]:
    if ids is None:
        return [str(i) for i in range(n)]
    names = _string_items(ids, source, "ids")
    if len(names) != n:
        raise DataError(
            f"{source}: expected {n} ids (one per sequence), got {len(names)}. "
            "Pass one id per sequence."
        )
    index = pd.Index(names)
    if index.has_duplicates:
        dup = int(np.flatnonzero(index.duplicated())[0])
        first = int(np.flatnonzero(index == names[dup])[0])
        raise DataError(
            f"{source}: id '{names[dup]}' occurs twice (items {first} and {dup}); expected "
            "unique ids. Rename or remove the duplicate."
        )
    return names


def _item_labels(labels: pd.DataFrame | None, n: int, source: str) -> pd.DataFrame | None:
    if labels is None:
        return None
    if not isinstance(labels, pd.DataFrame):
        raise DataError(
            f"{source}: expected labels as a pandas DataFrame (one column per label), got "
            f"{type(labels).__name__}. Wrap it: pandas.DataFrame({{'label': values}})."
        )
    if len(labels) != n:
        raise DataError(
            f"{source}: expected {n} label rows (one per sequence), got {len(labels)}. "
            "Pass one row per sequence, in the same order."
        )
    return labels.reset_index(drop=True)


# --------------------------------------------------------------------------- options


def _resolve_alphabet(option: str) -> Alphabet | None:
    if option == "auto":
        return None
    if option not in ALPHABETS:
        raise ConfigError(
            f"alphabet: expected one of {', '.join(ALPHABET_OPTIONS)}, got "
            f"{option!r}. Use --alphabet auto to detect it."
        )
    return ALPHABETS[option]


# --------------------------------------------------------------------------- entry point


def read_sequences(
    path: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | pd.DataFrame | LabelsTable | None = None,
    label_columns: Sequence[str] | str | None = None,
    sequence_column: str | None = None,
    id_column: str | None = None,
    alphabet: AlphabetOption = "auto",
    require_labels: bool = True,
    extra_labels: ExtraLabels = "error",
    extra_columns: Mapping[str, str] | None = None,
) -> SequenceSet:
    """Read sequences (and their labels) from FASTA, CSV/TSV or a folder of class FASTA files.

    Parameters
    ----------
    path : str or PathLike
        A FASTA file (``.fa .fasta .fna .faa .ffn``, optionally ``.gz``; any file whose first
        non-blank character is ``>``), a CSV/TSV table (``.csv .tsv .tab .txt``, optionally
        ``.gz``; other names are sniffed; a header row is optional), or a folder with one FASTA
        file per class (class = file name without extensions; label column ``"label"``).
    labels : str, PathLike, pandas.DataFrame or LabelsTable, optional
        For FASTA: a table of labels keyed by sequence id (id column ``id_column``, or one named
        id/name/sequence_id/seq_id, else the first column). Without it, labels come from
        ``key=value`` pairs in the FASTA headers. A table read once with
        :func:`biodl.data.tables.read_labels_table` can serve several files. Tables and class
        folders hold their own labels and refuse it.
    label_columns : list of str, optional
        Label column(s); several give a multi-label / multi-target problem. Default: a column
        named label/labels/class/target/y/fitness/activity/outcome, else the single remaining
        column.
    sequence_column : str, optional
        Table column with the sequences. Default: a column named
        sequence/seq/sequences/dna/rna/protein, else the one column that looks like sequences.
    id_column : str, optional
        Column with the record ids (in the table, or in ``labels``). Default: a column named
        id/name/sequence_id/seq_id/instance_name/identifier, else the one text column with all
        values unique, else the row number (``"1"``, ``"2"``, ...).
    alphabet : {"auto", "dna", "rna", "protein"}, default "auto"
        "auto" guesses from the first megabyte of letters. Lower case is folded to upper case.
    require_labels : bool, default True
        False allows unlabelled data (for prediction): ``labels`` is then None unless label
        columns are named or found by name.
    extra_labels : {"error", "ignore"}, default "error"
        What to do with ids in ``labels`` that are not in the FASTA file.
    extra_columns : mapping of str to str, optional
        Columns (of a table, of ``labels`` or ``key=value`` header keys) kept after the label
        columns in ``labels``, each with the option that named it for messages; they are
        never taken for the id or label column (group and split columns: one reading gives
        labels and side columns).

    Returns
    -------
    SequenceSet
        ``n`` records; labels are ``str`` for classes and ``float64`` for numeric columns.
        ``notes`` holds the warnings below.

    Raises
    ------
    DataError
        One-line message naming the file (and line / column) for a missing, empty, binary or
        corrupt file, malformed FASTA, letters outside the alphabet, missing or extra labels,
        unknown columns, or a folder with fewer than two class files; for repeated ids where
        labels are joined by id (a ``labels`` table, or a table's named ``id_column``), naming
        both lines.

    Warns
    -----
    DataWarning
        Repeated ids where labels do not depend on them (FASTA header labels, a class folder,
        unlabelled FASTA, a table without a named id column): repeats are renamed ``id#2``,
        ``id#3``, ...; the warning gives their count and examples with their lines.
    """
    source = os.fspath(path)
    target = Path(path)
    wanted = _resolve_alphabet(alphabet)
    if extra_labels not in EXTRA_LABELS_OPTIONS:
        raise ConfigError(f"extra_labels: expected 'error' or 'ignore', got {extra_labels!r}")
    columns = [label_columns] if isinstance(label_columns, str) else label_columns
    columns = None if columns is None else list(columns)
    if not target.exists():
        raise fail(
            source,
            f"No such file or folder; expected sequences (FASTA, CSV/TSV or a "
            f"folder of class FASTA files). Check the path (working folder: "
            f"{os.getcwd()}).",
        )
    if target.is_dir() and is_store(target):
        records, headers = open_store(target, wanted)
        return _from_fasta(
            records,
            source,
            headers,
            labels,
            columns,
            id_column,
            require_labels,
            extra_labels,
            extra_columns,
        )
    if target.is_dir():
        if labels is not None:
            raise fail(
                source,
                "a class folder takes its labels from the file names; expected "
                "no labels table. Drop --labels or pass a single FASTA file.",
            )
        for column, flag in (extra_columns or {}).items():
            raise fail(
                source,
                f"there is no column '{column}'; a class folder has one column 'label'. List "
                f"the sequences in a CSV/TSV with a '{column}' column, or drop {flag}.",
            )
        return _from_records(read_fasta_folder(target, source, wanted, columns), source)
    stream, gzipped = open_stream(target, source)
    with stream:
        head = read_bytes(stream, HEAD_BYTES, source)
        check_text(head, source)
        first_char = head.lstrip()[:1]
        if first_char == b">" or file_suffix(target) in FASTA_SUFFIXES:
            records = parse_fasta(stream, head, source, wanted, capacity_hint(target, gzipped))
            return _from_fasta(
                records,
                source,
                None,
                labels,
                columns,
                id_column,
                require_labels,
                extra_labels,
                extra_columns,
            )
        if labels is not None:
            where = (
                labels.source
                if isinstance(labels, LabelsTable)
                else "a DataFrame"
                if isinstance(labels, pd.DataFrame)
                else os.fspath(labels)
            )
            raise fail(
                source,
                f"a CSV/TSV table holds its labels in its own columns; expected no labels "
                f"table (got {where}). Drop --labels / --valid-labels / --test-labels and name "
                "the label column with --label-column.",
            )
        data = head + read_bytes(stream, -1, source)
    table, header_lines = read_table(data, source, target)
    found = table_records(
        table,
        header_lines,
        source,
        wanted,
        sequence_column,
        id_column,
        columns,
        require_labels,
        extra_columns,
    )
    return _from_records(found, source)


def _from_fasta(
    records: FastaRecords,
    source: str,
    headers: pd.DataFrame | None,
    labels: str | os.PathLike[str] | pd.DataFrame | LabelsTable | None,
    columns: list[str] | None,
    id_column: str | None,
    require_labels: bool,
    extra_labels: ExtraLabels,
    extra_columns: Mapping[str, str] | None,
) -> SequenceSet:
    """The set of FASTA ``records`` (read now, or from a converted store with its parsed
    ``headers``): ids made unique or refused, labels from the headers or a table."""
    note = _fasta_ids(records, source, keyed=labels is not None)
    if labels is None and headers is None:
        headers = header_table(records)  # parsed once: labels, side columns, own parts
    label_frame = fasta_labels(
        records,
        source,
        labels,
        columns,
        id_column,
        require_labels,
        extra_labels,
        extra_columns,
        headers=headers,
    )
    used = {*(label_frame.columns if label_frame is not None else ()), *(extra_columns or {})}
    found = Records(
        records.ids,
        records.codes,
        records.offsets,
        records.alphabet,
        label_frame,
        [note] if note else [],
        None if labels is not None or headers is None else own_parts(headers, used),
    )
    return _from_records(found, source)


def _fasta_ids(records: FastaRecords, source: str, *, keyed: bool) -> str:
    """Make the FASTA ids unique, or refuse repeats when labels are joined by id.

    Returns the note about renamed ids ("" when none repeat).
    """
    if not pd.Index(records.ids).has_duplicates:
        return ""
    if keyed:
        check_unique(records.ids, records.header_lines, source)
    places = [f"line {line}" for line in records.header_lines.tolist()]
    records.ids, note = rename_repeats(records.ids, places, source)
    return note


def _from_records(records: Records, source: str) -> SequenceSet:
    ids = np.array(records.ids, dtype=object)
    for note in records.notes:
        warnings.warn(note, DataWarning, stacklevel=3)
    return SequenceSet(
        ids,
        records.codes,
        records.offsets,
        records.alphabet,
        records.labels,
        source,
        list(records.notes),
        records.own_parts,
    )
