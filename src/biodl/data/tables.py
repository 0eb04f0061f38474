"""Sequences from CSV/TSV tables, and labels tables joined to FASTA records by id.

A table may have a header row or not (told from its first row), and its separator is taken
from the file name or sniffed. The sequence, id and label columns are found by name or by
content unless named by the caller. Every message names the file, line and column.

Examples
--------
>>> from pathlib import Path
>>> from biodl.data.tables import read_table, table_records
>>> data = b"id,sequence,label\\na,ACGTACGT,x\\nb,GGCCGGCC,y\\n"
>>> table, header_lines = read_table(data, "toy.csv", Path("toy.csv"))
>>> records = table_records(table, header_lines, "toy.csv", None, None, None, None, True)
>>> records.ids, records.labels["label"].tolist()
(['a', 'b'], ['x', 'y'])
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from biodl.data._files import (
    DETECT_BYTES,
    Records,
    check_text,
    check_unique,
    fail,
    file_suffix,
    letter_error,
    open_stream,
    read_bytes,
    rename_repeats,
)
from biodl.data.alphabet import NOT_ALLOWED, Alphabet, detect_alphabet
from biodl.data.fasta import FastaRecords, header_table
from biodl.data.targets import missing_as_nan

__all__ = [
    "EXTRA_LABELS_OPTIONS",
    "ID_COLUMN_NAMES",
    "LABEL_COLUMN_NAMES",
    "SEQUENCE_COLUMN_NAMES",
    "TABLE_SEPARATORS",
    "ExtraLabels",
    "LabelsTable",
    "fasta_labels",
    "read_labels_table",
    "read_table",
    "table_records",
    "unmatched_labels",
]

ExtraLabels = Literal["error", "ignore"]
EXTRA_LABELS_OPTIONS: tuple[ExtraLabels, ...] = ("error", "ignore")

TABLE_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": None}
SEQUENCE_COLUMN_NAMES = ("sequence", "seq", "sequences", "dna", "rna", "protein")
ID_COLUMN_NAMES = ("id", "name", "sequence_id", "seq_id", "instance_name", "identifier")
LABEL_COLUMN_NAMES = ("label", "labels", "class", "target", "y", "fitness", "activity", "outcome")


def _sniff_separator(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()][:20]
    best, best_key = ",", (-1, 0)
    for rank, sep in enumerate((",", "\t", ";")):
        rows = list(csv.reader(lines, delimiter=sep))
        widths = {len(r) for r in rows}
        if len(widths) != 1 or widths.pop() < 2:
            continue
        empty = sum(1 for r in rows for cell in r if not cell.strip())
        key = (1, -empty * 10 - rank)
        if key > best_key:
            best, best_key = sep, key
    return best


def _is_sequence_like(text: str) -> bool:
    return len(text) >= 8 and text.isascii() and text.isalpha()


def _column_is_sequences(values: pd.Series) -> bool:
    if not len(values):
        return False
    return bool(values.str.fullmatch(r"[A-Za-z]+").all() and values.str.len().median() >= 8)


def _has_header(first: list[str], body: pd.DataFrame) -> bool:
    known = {*SEQUENCE_COLUMN_NAMES, *ID_COLUMN_NAMES, *LABEL_COLUMN_NAMES}
    if any(cell.lower() in known for cell in first):
        return True
    sample = body.head(100)
    for j, cell in enumerate(first):
        column = sample.iloc[:, j]
        if _is_sequence_like(cell) and (
            not len(column)
            or (_column_is_sequences(column) and len(cell) >= 0.5 * column.str.len().median())
        ):
            return False
    return True


def read_table(data: bytes, source: str, path: Path) -> tuple[pd.DataFrame, int]:
    """Parse CSV/TSV bytes into a str table; also return the number of header lines (0 or 1)."""
    text_head = data[:65536].decode("utf-8", errors="replace")
    sep = TABLE_SEPARATORS.get(file_suffix(path)) or _sniff_separator(text_head)
    try:
        table = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise fail(
            source,
            f"cannot read the table ({err}); expected a CSV/TSV file with the "
            "same number of fields on every line. Fix the malformed lines.",
        ) from None
    table = table.apply(lambda column: column.str.strip())
    first = [str(v) for v in table.iloc[0]]
    if _has_header(first, table.iloc[1:]):
        names = [v or f"column_{j + 1}" for j, v in enumerate(first)]
        if len(set(names)) != len(names):
            raise fail(
                source,
                f"the header repeats a column name ({', '.join(names)}); "
                "expected unique column names. Rename the repeated columns.",
                line=1,
            )
        table = table.iloc[1:].reset_index(drop=True)
        table.columns = pd.Index(names)
        return table, 1
    table.columns = pd.Index([f"column_{j + 1}" for j in range(table.shape[1])])
    return table, 0


def _named(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in reversed(list(columns))}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _require_column(name: str, columns: Sequence[str], source: str, what: str, flag: str) -> str:
    if name not in columns:
        raise fail(
            source,
            f"there is no {what} column '{name}'; the columns are "
            f"{', '.join(map(repr, columns))}. Pass one of them with {flag}.",
        )
    return name


def _sequence_column(table: pd.DataFrame, requested: str | None, source: str) -> str:
    columns = list(table.columns)
    if requested is not None:
        return _require_column(requested, columns, source, "sequence", "--sequence-column")
    named = _named(columns, SEQUENCE_COLUMN_NAMES)
    if named is not None:
        return named
    candidates = [c for c in columns if _column_is_sequences(table[c])]
    if len(candidates) > 1:
        candidates = [c for c in candidates if table[c].nunique() > 0.5 * len(table)]
    if len(candidates) == 1:
        return candidates[0]
    found = "several do" if candidates else "none does"
    raise fail(
        source,
        f"cannot tell which column holds the sequences ({found}; columns: "
        f"{', '.join(map(repr, columns))}). Pass it with --sequence-column.",
    )


def _is_numeric(values: pd.Series) -> bool:
    return bool(len(values)) and bool(pd.to_numeric(values, errors="coerce").notna().all())


def _id_column(
    table: pd.DataFrame, requested: str | None, exclude: set[str], source: str
) -> str | None:
    columns = list(table.columns)
    if requested is not None:
        return _require_column(requested, columns, source, "id", "--id-column")
    named = _named([c for c in columns if c not in exclude], ID_COLUMN_NAMES)
    if named is not None:
        return named
    candidates = [
        c
        for c in columns
        if c not in exclude
        and c.lower() not in LABEL_COLUMN_NAMES
        and table[c].is_unique
        and not _is_numeric(table[c])
    ]
    return candidates[0] if len(candidates) == 1 else None


def _label_columns(
    columns: Sequence[str],
    requested: Sequence[str] | None,
    exclude: set[str],
    source: str,
    require: bool,
) -> list[str] | None:
    if requested is not None:
        missing = [c for c in requested if c not in columns]
        if not missing:
            return list(requested)
        if not require:
            return None
        raise fail(
            source,
            f"there is no label column '{missing[0]}'; the columns are "
            f"{', '.join(map(repr, columns))}. Pass one of them with --label-column.",
        )
    named = _named([c for c in columns if c not in exclude], LABEL_COLUMN_NAMES)
    if named is not None:
        return [named]
    if not require:
        return None
    remaining = [c for c in columns if c not in exclude]
    if len(remaining) == 1:
        return remaining
    raise fail(
        source,
        "cannot tell which column holds the labels (columns: "
        f"{', '.join(map(repr, columns)) or 'none'}). Pass it with --label-column.",
    )


def _label_frame(
    table: pd.DataFrame,
    columns: list[str],
    ids: Sequence[str],
    lines: np.ndarray,
    source: str,
    may_be_empty: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The ``columns`` of ``table``, numbers where every cell reads as one; an empty cell is an
    error except in ``may_be_empty`` (label columns of several tasks: missing labels)."""
    out = {}
    for column in columns:
        values = table[column].astype(str).str.strip().reset_index(drop=True)
        empty = np.flatnonzero((values == "").to_numpy())
        if len(empty) and column in may_be_empty:
            out[column] = missing_as_nan(values)
            continue
        if len(empty):
            i = int(empty[0])
            raise fail(
                source,
                f"the label of '{ids[i]}' is empty ({len(empty)} empty in all); "
                "expected a value for every record. Fill in the labels or remove these "
                "records.",
                line=int(lines[i]),
                column=column,
            )
        numbers = pd.to_numeric(values, errors="coerce")
        out[column] = numbers.astype(np.float64) if numbers.notna().all() else values
    return pd.DataFrame(out)


def _encode_column(
    values: pd.Series,
    lines: np.ndarray,
    ids: Sequence[str],
    source: str,
    column: str,
    alphabet: Alphabet | None,
) -> tuple[np.ndarray, np.ndarray, Alphabet]:
    lengths = values.str.len().to_numpy(dtype=np.int64)
    if len(lengths) and lengths.min() == 0:
        i = int(np.flatnonzero(lengths == 0)[0])
        raise fail(
            source,
            f"the sequence of '{ids[i]}' is empty; expected letters. Remove the "
            "row or fill in its sequence.",
            line=int(lines[i]),
            column=column,
        )
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    joined = "".join(values.tolist()).encode("utf-8")
    if alphabet is None:
        alphabet = detect_alphabet(joined[:DETECT_BYTES])
    codes = np.frombuffer(joined.translate(alphabet.lut.tobytes()), dtype=np.uint8).copy()
    if len(codes) != offsets[-1] or (len(codes) and codes.max() == NOT_ALLOWED):
        row = next(
            i
            for i, v in enumerate(values)
            if not v.isascii()
            or alphabet.lut[np.frombuffer(v.encode(), dtype=np.uint8)].max() == 255
        )
        letter = next(
            c for c in values.iloc[row] if not c.isascii() or alphabet.lut[ord(c)] == NOT_ALLOWED
        )
        raise letter_error(source, int(lines[row]), letter, alphabet)
    return codes, offsets, alphabet


def _unique_ids(
    ids: pd.Series, lines: np.ndarray, source: str, explicit: bool
) -> tuple[list[str], str]:
    """The ids with repeats renamed ``id#2``, ... (refused where ``explicit``), and the note
    saying so with examples and their lines ("" when none repeat), as for FASTA headers."""
    values = ids.astype(str).tolist()
    if explicit:
        check_unique(values, lines, source)
    return rename_repeats(values, [f"line {int(line)}" for line in lines], source)


def table_records(
    table: pd.DataFrame,
    header_lines: int,
    source: str,
    alphabet: Alphabet | None,
    sequence_column: str | None,
    id_column: str | None,
    label_columns: list[str] | None,
    require_labels: bool,
    extra_columns: Mapping[str, str] | None = None,
) -> Records:
    """Encode the sequence column of ``table`` and pick its id and label columns.

    Parameters
    ----------
    table : pandas.DataFrame
        All columns ``str``, as :func:`read_table` returns it.
    header_lines : int
        0 or 1, to turn row numbers into file line numbers.
    source : str
        The file name for messages.
    alphabet : Alphabet or None
        None detects it from the first letters.
    sequence_column, id_column : str or None
        Named columns; None finds them by name or content.
    label_columns : list of str or None
        Named label columns; None finds them by name, else the single remaining column.
    require_labels : bool
        False allows a table without a label column (labels None).
    extra_columns : mapping of str to str, optional
        Columns kept after the label columns (group and split columns), each with the option
        that named it (for the message when it is missing); never taken for ids or labels.

    Returns
    -------
    Records
        Ids are the id column, renamed ``id#2`` ... where repeated, or ``"1"``, ``"2"``, ...
    """
    if not len(table):
        raise fail(
            source,
            "the table has a header but no rows; expected one row per sequence. "
            "Check that the file was written completely.",
        )
    lines = np.arange(len(table), dtype=np.int64) + 1 + header_lines
    extra = dict(extra_columns or {})
    seq_col = _sequence_column(table, sequence_column, source)
    exclude = {seq_col, *(label_columns or []), *extra}
    id_col = _id_column(table, id_column, exclude, source)
    note = ""
    if id_col is None:
        ids = [str(i + 1) for i in range(len(table))]
    else:
        ids, note = _unique_ids(table[id_col], lines, source, explicit=id_column is not None)
    codes, offsets, alpha = _encode_column(table[seq_col], lines, ids, source, seq_col, alphabet)
    used = ({seq_col} if id_col is None else {seq_col, id_col}) | set(extra)
    chosen = _label_columns(list(table.columns), label_columns, used, source, require_labels)
    labels = _with_extra(table, chosen, extra, ids, lines, source)
    own = own_parts(table, used | set(chosen or []))
    return Records(ids, codes, offsets, alpha, labels, [note] if note else [], own)


def own_parts(table: pd.DataFrame, used: set[str]) -> pd.DataFrame | None:
    """The columns of ``table`` besides ``used`` whose every value names a part
    (:func:`biodl.data.splits.part_columns`): a split the file carries, kept for the warning
    of a run that splits it otherwise. None when there are none."""
    from biodl.data.splits import part_columns

    found = list(part_columns(table, used))
    return table[found].reset_index(drop=True) if found else None


def _with_extra(
    table: pd.DataFrame,
    chosen: list[str] | None,
    extra: dict[str, str],
    ids: Sequence[str],
    lines: np.ndarray,
    source: str,
) -> pd.DataFrame | None:
    """The label columns ``chosen`` and then the ``extra`` columns, as one frame."""
    if chosen is None:
        return None
    columns = list(table.columns)
    for column, flag in extra.items():
        if column not in columns:
            raise fail(
                source,
                f"there is no column '{column}'; the columns are "
                f"{', '.join(map(repr, columns))}. Pass one of them with {flag}.",
            )
    wanted = chosen + [c for c in extra if c not in chosen]
    several = set(chosen) if len(chosen) > 1 else set()
    return _label_frame(table, wanted, ids, lines, source, several)


# --------------------------------------------------------------------------- labels for FASTA


@dataclass(frozen=True)
class LabelsTable:
    """A labels table read once, to be joined to the records of one or more FASTA files.

    Attributes
    ----------
    table : pandas.DataFrame
        All columns ``str``, one row per sequence id.
    source : str
        The file it was read from, for messages.
    first_line : int
        File line of the first row (2 under a header line), for messages.
    """

    table: pd.DataFrame
    source: str
    first_line: int


def read_labels_table(
    labels: str | os.PathLike[str] | pd.DataFrame | LabelsTable, *, flag: str = "--labels"
) -> LabelsTable:
    """Read a labels table keyed by sequence id (CSV/TSV, optionally gzipped) once.

    A DataFrame is taken as it is (messages call it "labels table"); a :class:`LabelsTable`
    is returned unchanged, so a table read once serves several FASTA files.

    Raises
    ------
    DataError
        For a missing, binary or malformed file (``flag`` names the option in the message).
    """
    if isinstance(labels, LabelsTable):
        return labels
    if isinstance(labels, pd.DataFrame):
        table = labels.astype(str).reset_index(drop=True)
        table.columns = pd.Index([str(c) for c in table.columns])
        return LabelsTable(table, "labels table", 1)
    path = Path(labels)
    source = os.fspath(labels)
    if not path.is_file():
        raise fail(
            source,
            "No such file; expected a CSV/TSV table of labels keyed by sequence "
            f"id. Check the path given to {flag}.",
        )
    stream, _ = open_stream(path, source)
    with stream:
        data = read_bytes(stream, -1, source)
    check_text(data, source)
    table, header_lines = read_table(data, source, path)
    return LabelsTable(table, source, 1 + header_lines)


def _key_column(labels: LabelsTable, id_column: str | None) -> str:
    """The id column of a labels table: ``id_column``, else one named like an id, else the
    first column."""
    columns = [str(c) for c in labels.table.columns]
    if id_column is not None:
        return _require_column(id_column, columns, labels.source, "id", "--id-column")
    return _named(columns, ID_COLUMN_NAMES[:4]) or columns[0]


def unmatched_labels(
    labels: LabelsTable, ids: Sequence[str], where: str, *, id_column: str | None = None
) -> str:
    """A warning about rows of ``labels`` naming none of ``ids``, or "" when every row does.

    Such rows (sequences filtered out of the FASTA files, or kept in another file) are left
    out of the run; the warning gives their count and up to three ids.

    Parameters
    ----------
    labels : LabelsTable
    ids : sequence of str
        Every sequence id of the files the table serves.
    where : str
        Those files, for the message.
    id_column : str, optional
        The table's id column (as ``--id-column``).

    Examples
    --------
    >>> table = LabelsTable(pd.DataFrame({"id": ["a", "b"], "y": ["0", "1"]}), "l.csv", 2)
    >>> unmatched_labels(table, ["a"], "x.fa")[:45]
    'l.csv: 1 of 2 label rows name sequences not f'
    """
    keys = labels.table[_key_column(labels, id_column)].astype(str).str.strip()
    extra = keys[~keys.isin(list(ids))].tolist()
    if not extra:
        return ""
    return (
        f"{labels.source}: {len(extra)} of {len(keys)} label rows name sequences not found in "
        f"{where} (e.g. {', '.join(map(repr, extra[:3]))}); those rows were dropped. Check that "
        "the labels table belongs to these sequences."
    )


def fasta_labels(
    records: FastaRecords,
    source: str,
    labels: str | os.PathLike[str] | pd.DataFrame | LabelsTable | None,
    label_columns: list[str] | None,
    id_column: str | None,
    require: bool,
    extra: ExtraLabels,
    extra_columns: Mapping[str, str] | None = None,
    *,
    headers: pd.DataFrame | None = None,
) -> pd.DataFrame | None:
    """Labels of FASTA ``records``, from their ``key=value`` headers or from a labels table.

    ``labels`` (a path, a DataFrame or a :class:`LabelsTable`) is keyed by sequence id and
    re-ordered to the records; every record needs a row, and ids not in the records raise
    unless ``extra="ignore"``. ``extra_columns`` (column -> option that named it) are kept
    after the label columns, as in :func:`table_records`. Returns None when there are no
    labels and ``require`` is False. ``headers`` is the ``key=value`` table when it was parsed
    already (:func:`biodl.data.store.open_store`); by default it is parsed from the records'
    descriptions (:func:`biodl.data.fasta.header_table`).
    """
    side = dict(extra_columns or {})
    if labels is None:
        table = headers if headers is not None else header_table(records)
        if table is None:
            if require:
                raise fail(
                    source,
                    "no labels found; expected 'key=value' pairs in the headers "
                    "(e.g. '>seq1 label=enhancer') or a labels table. Pass --labels "
                    "FILE or add labels to the headers.",
                )
            return None
        chosen = _label_columns(list(table.columns), label_columns, set(side), source, require)
        return _with_extra(table, chosen, side, records.ids, records.header_lines, source)
    read = read_labels_table(labels)
    table, table_source, first_line = read.table, read.source, read.first_line
    columns = [str(c) for c in table.columns]
    key = _key_column(read, id_column)
    chosen = _label_columns(columns, label_columns, {key, *side}, table_source, require)
    if chosen is None:
        return None
    keys = table[key].astype(str).str.strip()
    table_lines = np.arange(len(table)) + first_line
    check_unique(keys.tolist(), table_lines, table_source)
    position = pd.Index(keys).get_indexer(pd.Index(records.ids))
    missing = [records.ids[i] for i in np.flatnonzero(position < 0)]
    if missing:
        raise fail(
            table_source,
            f"{len(missing)} sequence ids of {source} have no label (e.g. "
            f"{', '.join(map(repr, missing[:3]))}); expected a row for every id. Add "
            "them to the labels table.",
            column=key,
        )
    extra_ids = sorted(set(keys) - set(records.ids))
    if extra_ids and extra == "error":
        raise fail(
            table_source,
            f"{len(extra_ids)} ids are not in {source} (e.g. "
            f"{', '.join(map(repr, extra_ids[:3]))}); expected labels only for its "
            "sequences. Remove them or pass extra_labels='ignore'.",
            column=key,
        )
    aligned = table.iloc[position].reset_index(drop=True)
    return _with_extra(aligned, chosen, side, records.ids, table_lines[position], table_source)
