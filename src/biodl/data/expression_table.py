"""Expression tables (CSV/TSV, optionally gzipped) parsed into a matrix, ids and metadata.

A table holds samples as rows (first column = sample ids, one column per gene) or, with
``genes_as_rows=True``, genes as rows (one column per sample). A column is numeric when at
least 90% of its cells are numbers or blank. Non-numeric columns are not genes or samples:
with samples as rows they become sample metadata (``obs``); with genes as rows they are
dropped (annotation columns such as a description or microarray detection calls), each time
with a :class:`~biodl.errors.DataWarning` naming them. The gene-id column of genes as rows is
chosen as :mod:`biodl.data.expression` describes.

:func:`biodl.data.expression.read_expression` is the reader to use: it also reads ``.h5ad``
files, checks the ids and values, and joins a metadata table.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "toy.tsv"
>>> _ = path.write_text("gene\\ts1\\ts2\\ng1\\t1\\t2\\ng2\\t3\\t4\\n")
>>> table = read_table(path, str(path), genes_as_rows=True, id_column=None)
>>> table.X.tolist(), table.ids, table.genes
([[1.0, 3.0], [2.0, 4.0]], ['s1', 's2'], ['g1', 'g2'])
"""

from __future__ import annotations

import csv
import re
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.data._files import fail, file_suffix, open_stream
from biodl.data.input_files import head
from biodl.errors import DataWarning

__all__ = ["ExpressionTable", "examples", "read_header", "read_table"]

SHOWN = 5  # examples named in a message


def examples(values: Sequence[Any], n: int = SHOWN) -> str:
    """``'a', 'b', 'c', ...``: the first ``n`` of ``values`` quoted, for error messages."""
    shown = ", ".join(f"'{v}'" for v in list(values)[:n])
    return shown + (", ..." if len(values) > n else "")


def _counted(names: list[str]) -> str:
    """``'a', 'call' (x38)``: distinct names in order, repeats counted."""
    counts = pd.Series(names).value_counts(sort=False)
    shown = [f"'{n}'" + (f" (x{c})" if c > 1 else "") for n, c in counts.items()]
    return ", ".join(shown[:SHOWN]) + (", ..." if len(shown) > SHOWN else "")


@dataclass
class ExpressionTable:
    """What :func:`read_table` parsed, before any check of ids or values.

    Attributes
    ----------
    X : (n_samples, n_genes) float32 ndarray
    ids : list of str
        Sample ids, in row order of ``X``.
    genes : list of str
        Gene ids, in column order of ``X``.
    obs : pandas.DataFrame
        Sample metadata (the non-numeric columns of a samples-as-rows table), index = ``ids``.
    """

    X: np.ndarray
    ids: list[str]
    genes: list[str]
    obs: pd.DataFrame = field(repr=False)


#: Most bytes of a table read to find its header line.
HEADER_BYTES = 16 << 20


def _separator(file: Path, header: str) -> str:
    suffix = file_suffix(file)
    if suffix in (".tsv", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    return "\t" if header.count("\t") >= header.count(",") else ","


def read_header(file: Path, source: str) -> tuple[list[str], str]:
    """The column names of a table's header line and its separator (tab or comma).

    Raises
    ------
    DataError
        When the file is not UTF-8 text, or is empty or starts with a blank line.
    """
    try:
        raw = head(file, HEADER_BYTES)  # the bytes kept for the reader (one opening)
        if raw[:2] == b"\x1f\x8b":
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, HEADER_BYTES)
        # The header ends at the first line break, '\n', '\r\n' or a lone '\r' (old Mac
        # files), as pandas reads the rows.
        first = re.split(rb"\r\n?|\n", raw, maxsplit=1)[0].decode("utf-8")
    except (UnicodeDecodeError, OSError, zlib.error) as err:
        raise fail(
            source, f"cannot read as UTF-8 text ({err}); export the table as text."
        ) from None
    if not first.strip():
        raise fail(source, "the file is empty or starts with a blank line; expected a header.")
    sep = _separator(file, first)
    try:
        names = next(csv.reader([first], delimiter=sep))
    except csv.Error as err:
        raise fail(
            source, f"cannot read the header ({err}); write it as one line of names.", line=1
        ) from None
    return [n.strip() for n in names], sep


def read_table(
    file: Path, source: str, *, genes_as_rows: bool, id_column: str | None
) -> ExpressionTable:
    """Parse the table ``file`` (samples as rows, or genes as rows with ``genes_as_rows``).

    Parameters
    ----------
    file : Path
    source : str
        The name errors and warnings give the file.
    genes_as_rows : bool
        Genes are rows and samples columns.
    id_column : str, optional
        The column of row ids (sample ids, or gene ids with ``genes_as_rows``); default the
        first column, or the detected gene-id column.

    Raises
    ------
    DataError
        Unparsable table, rows of another width than the header, no rows or no numeric
        column, an unknown ``id_column``, or a cell of a numeric column that is not a number
        (its line and column named).
    """
    names, sep = read_header(file, source)
    stream, _ = open_stream(file, source)
    try:
        with stream:
            table = pd.read_csv(
                stream, sep=sep, header=None, skiprows=1, dtype=str, keep_default_na=False
            )
    except (pd.errors.ParserError, ValueError) as err:
        message = f"cannot parse the table ({err}). Check the separator and quoting."
        raise fail(source, message) from None
    if table.shape[1] != len(names):
        raise fail(
            source,
            f"the header has {len(names)} columns but the rows have {table.shape[1]}; every "
            "row needs one value per header name.",
            line=1,
        )
    if table.shape[0] == 0:
        raise fail(source, "the table has a header but no rows.")
    columns = _parse_columns(table, names)
    if genes_as_rows:
        return _genes_as_rows(table, names, columns, source, id_column)
    return _samples_as_rows(table, names, columns, source, id_column)


@dataclass
class _Column:
    """A numeric table column; ``bad`` is the (row, text) of its first non-number, if any."""

    values: np.ndarray
    bad: tuple[int, str] | None


_MISSING = ("", "na", "nan", "null", "none")


def _parse_columns(table: pd.DataFrame, names: list[str]) -> dict[int, _Column | None]:
    """Column position -> its numbers, or None where the column is not numeric.

    A column is numeric when at least 90% of its cells are numbers or blank; its other cells
    are kept as ``bad`` so the error names the first one.
    """
    parsed: dict[int, _Column | None] = {}
    for j in range(len(names)):
        text = table.iloc[:, j].str.strip()
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        blank = text.str.lower().isin(_MISSING).to_numpy()
        numeric = ~np.isnan(values)
        if not numeric.any() or (numeric | blank).mean() < 0.9:
            parsed[j] = None
            continue
        wrong = np.flatnonzero(~numeric & ~blank)
        bad = (int(wrong[0]), str(text.iloc[wrong[0]])) if wrong.size else None
        parsed[j] = _Column(values, bad)
    return parsed


def _samples_as_rows(
    table: pd.DataFrame,
    names: list[str],
    columns: dict[int, _Column | None],
    source: str,
    id_column: str | None,
) -> ExpressionTable:
    id_pos = _column_position(names, id_column, source) if id_column else 0
    ids = [s.strip() for s in table.iloc[:, id_pos].astype(str)]
    gene_pos = [j for j in range(len(names)) if j != id_pos and columns[j] is not None]
    meta_pos = [j for j in range(len(names)) if j != id_pos and columns[j] is None]
    if not gene_pos:
        raise fail(
            source,
            "no numeric columns; expected samples as rows (first column = sample ids) and one "
            "numeric column per gene. Pass --genes-as-rows if genes are rows.",
        )
    if meta_pos:
        warnings.warn(
            f"{source}: {len(meta_pos)} non-numeric column(s) "
            f"{examples([names[j] for j in meta_pos])} are read as sample metadata, not genes.",
            DataWarning,
            stacklevel=4,
        )
    X = np.column_stack([_numbers(columns[j], source, names[j]) for j in gene_pos])
    obs = pd.DataFrame({names[j]: table.iloc[:, j].to_numpy() for j in meta_pos}, index=ids)
    return ExpressionTable(X, ids, [names[j] for j in gene_pos], obs)


def _genes_as_rows(
    table: pd.DataFrame,
    names: list[str],
    columns: dict[int, _Column | None],
    source: str,
    id_column: str | None,
) -> ExpressionTable:
    id_pos = (
        _column_position(names, id_column, source)
        if id_column
        else _gene_id_position(table, names, columns)
    )
    genes = [s.strip() for s in table.iloc[:, id_pos].astype(str)]
    sample_pos = [j for j in range(len(names)) if j != id_pos and columns[j] is not None]
    dropped = [names[j] for j in range(len(names)) if j != id_pos and columns[j] is None]
    if not sample_pos:
        raise fail(
            source,
            "no numeric columns; with --genes-as-rows expected one numeric column per sample. "
            "Drop --genes-as-rows if samples are rows.",
        )
    if dropped:
        warnings.warn(
            f"{source}: {len(dropped)} non-numeric column(s) dropped (not samples): "
            f"{_counted(dropped)}; gene ids are column '{names[id_pos]}'.",
            DataWarning,
            stacklevel=4,
        )
    X = np.vstack([_numbers(columns[j], source, names[j]) for j in sample_pos])
    ids = [names[j] for j in sample_pos]
    return ExpressionTable(X, ids, genes, pd.DataFrame(index=ids))


def _gene_id_position(
    table: pd.DataFrame, names: list[str], columns: dict[int, _Column | None]
) -> int:
    for j in range(len(names)):
        if columns[j] is not None:
            break
        text = table.iloc[:, j].astype(str)
        if text.is_unique and not text.str.contains(r"\s", regex=True).any():
            return j
    return 0


def _column_position(names: list[str], column: str, source: str) -> int:
    if column not in names:
        raise fail(
            source,
            f"no column '{column}' (columns: {examples(names, 10)}). Name an existing column.",
        )
    return names.index(column)


def _numbers(column: _Column | None, source: str, name: str) -> np.ndarray:
    """The float32 values of a numeric column; a DataError at its first non-number."""
    assert column is not None
    if column.bad is not None:
        row, text = column.bad
        raise fail(
            source,
            f"value '{text}' is not a number; expected numeric expression values. Fix or "
            "empty that cell (empty cells are reported as missing).",
            line=row + 2,
            column=name,
        )
    return column.values.astype(np.float32)
