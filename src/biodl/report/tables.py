"""Tables of every report: HTML with the one number format, the better value marked, sortable
where long, and the same data as a CSV file beside the report.

A :class:`Table` holds raw cells (numbers, intervals, mean ± sd, text); :func:`table_html`
formats them with :mod:`biodl.report.formatting` and :func:`table_frame` keeps them at full
precision for the CSV (an interval becomes three columns, ``name``, ``name_low`` and
``name_high``; a mean ± sd two, ``name`` and ``name_sd``).

Examples
--------
>>> from biodl.report.figures import Interval
>>> t = Table("Per fold", ["Fold", "AUROC"], [[1, Interval(0.91234, 0.9, 0.93)], [2, 0.95]],
...           better={"AUROC": "higher"}, csv="per_fold.csv")
>>> "<strong>0.950</strong>" in table_html(t)
True
>>> list(table_frame(t).columns)
['Fold', 'AUROC', 'AUROC_low', 'AUROC_high']
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from numbers import Real
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

import pandas as pd

from biodl._io import atomic_write
from biodl.report.formatting import DASH, format_interval, format_mean_sd, format_number
from biodl.report.page import esc

__all__ = [
    "SORTABLE_FROM",
    "TABLES_FOLDER",
    "Cell",
    "MeanSdCell",
    "Table",
    "cell_value",
    "table_frame",
    "table_html",
    "write_tables",
]

#: Tables with at least this many rows are sortable without being asked.
SORTABLE_FROM = 8

#: Folder beside ``report.html`` that holds the tables as CSV files.
TABLES_FOLDER = "tables"


@runtime_checkable
class _IntervalCell(Protocol):
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class MeanSdCell:
    """A mean and standard deviation shown as ``mean ± sd`` (sd with the mean's decimals)."""

    mean: float | None
    sd: float | None


#: What a table cell may hold: text, a number, an interval (``value``, ``low``, ``high``), a
#: :class:`MeanSdCell`, or None (a dash).
Cell: TypeAlias = "str | int | float | MeanSdCell | _IntervalCell | None"


@dataclass(frozen=True)
class Table:
    """A table of a report.

    Parameters
    ----------
    heading : str
        Shown above the table.
    columns : list of str
        Column headings.
    rows : list of list of Cell
        Raw cells; numbers are formatted by the table. A row whose first cell is text ending
        with ``" *"`` is shown in bold (e.g. the chosen model).
    caption : str, default ""
        One or two sentences under the table.
    csv : str, default ""
        File name under ``tables/`` beside the report that receives the same data at full
        precision; empty: no CSV.
    better : mapping of column to {'higher', 'lower'}, default {}
        Columns whose best value is shown in bold (none when all values are equal).
    sortable : bool or None, default None
        Whether clicking a heading sorts the rows; None: when the table has
        :data:`SORTABLE_FROM` rows or more.
    compare : tuple of (columns, {'higher', 'lower'}), optional
        Columns compared within each row (e.g. the model and the baseline on each fold): the
        better of them is shown in bold on every row where they differ.
    """

    heading: str
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""
    csv: str = ""
    better: Mapping[str, Literal["higher", "lower"]] = field(default_factory=dict)
    sortable: bool | None = None
    compare: tuple[tuple[str, ...], Literal["higher", "lower"]] | None = None


def cell_value(cell: Any) -> float | None:
    """The number a cell sorts and compares by (an interval's value, a mean); None for text."""
    if isinstance(cell, MeanSdCell):
        number: Any = cell.mean
    elif isinstance(cell, _IntervalCell) and not isinstance(cell, str | Real):
        number = cell.value
    else:
        number = cell
    if number is None or isinstance(number, bool) or not isinstance(number, Real):
        return None
    value = float(number)
    return value if math.isfinite(value) else None


def _cell_text(cell: Any) -> str:
    if cell is None:
        return DASH
    if isinstance(cell, MeanSdCell):
        return format_mean_sd(cell.mean, cell.sd)
    if isinstance(cell, Real) and not isinstance(cell, bool):
        return format_number(cell)
    if isinstance(cell, _IntervalCell):
        return format_interval(cell.value, cell.low, cell.high)
    return str(cell)


def _is_numeric(cell: Any) -> bool:
    return cell_value(cell) is not None or (
        cell is None or (isinstance(cell, float) and not math.isfinite(cell))
    )


def _best(table: Table) -> dict[int, set[int]]:
    """Column index -> row indices holding its best value."""
    marked: dict[int, set[int]] = {}
    for column, direction in table.better.items():
        if column not in table.columns:
            continue
        j = table.columns.index(column)
        values = {i: cell_value(row[j]) for i, row in enumerate(table.rows) if j < len(row)}
        found = {i: v for i, v in values.items() if v is not None}
        if len(set(found.values())) < 2:
            continue
        target = max(found.values()) if direction == "higher" else min(found.values())
        marked[j] = {i for i, v in found.items() if v == target}
    if table.compare is not None:
        names, way = table.compare
        columns = [table.columns.index(c) for c in names if c in table.columns]
        for i, row in enumerate(table.rows):
            values = {j: cell_value(row[j]) for j in columns if j < len(row)}
            found = {j: v for j, v in values.items() if v is not None}
            if len(set(found.values())) < 2:
                continue
            target = max(found.values()) if way == "higher" else min(found.values())
            for j, v in found.items():
                if v == target:
                    marked.setdefault(j, set()).add(i)
    return marked


_NUM = ' class="num"'


def table_html(table: Table) -> str:
    """The table as HTML: heading, ``<table>`` (in a scrolling box when wide) and caption."""
    sortable = table.sortable if table.sortable is not None else len(table.rows) >= SORTABLE_FROM
    best = _best(table)
    numeric = [
        bool(table.rows) and all(_is_numeric(row[j]) for row in table.rows if j < len(row))
        for j in range(len(table.columns))
    ]
    head = "".join(
        f'<th scope="col"{_NUM if numeric[j] else ""}>{esc(c)}</th>'
        for j, c in enumerate(table.columns)
    )
    body = []
    for i, row in enumerate(table.rows):
        bold_row = bool(row) and isinstance(row[0], str) and row[0].endswith(" *")
        cells = []
        for j, cell in enumerate(row):
            text = esc(_cell_text(cell))
            if bold_row or i in best.get(j, ()):
                text = f"<strong>{text}</strong>"
            if _is_numeric(cell):
                value = cell_value(cell)
                sort = f' data-v="{value!r}"' if value is not None else ""
                cells.append(f'<td class="num"{sort}>{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    css = ' class="sortable"' if sortable else ""
    hint = " Click a column heading to sort." if sortable else ""
    csv = f" The same data: {TABLES_FOLDER}/{table.csv}." if table.csv else ""
    caption = f"{table.caption}{hint}{csv}".strip()
    return (
        f"<h3>{esc(table.heading)}</h3>"
        f'<div class="scroll"><table{css}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        + (f'<p class="how">{esc(caption)}</p>' if caption else "")
    )


def table_frame(table: Table) -> pd.DataFrame:
    """The table's raw data: intervals as ``name``/``name_low``/``name_high`` columns, mean ± sd
    as ``name``/``name_sd``, text without the ``" *"`` marker."""
    data: dict[str, list[Any]] = {}
    for j, column in enumerate(table.columns):
        cells = [row[j] if j < len(row) else None for row in table.rows]
        if any(isinstance(c, MeanSdCell) for c in cells):
            data[column] = [c.mean if isinstance(c, MeanSdCell) else cell_value(c) for c in cells]
            data[f"{column}_sd"] = [c.sd if isinstance(c, MeanSdCell) else None for c in cells]
        elif any(_interval(c) for c in cells):
            data[column] = [cell_value(c) for c in cells]
            data[f"{column}_low"] = [_bound(c, "low") for c in cells]
            data[f"{column}_high"] = [_bound(c, "high") for c in cells]
        else:
            data[column] = [
                c[:-2] if isinstance(c, str) and c.endswith(" *") else _raw(c) for c in cells
            ]
    return pd.DataFrame(data)


def _interval(cell: Any) -> bool:
    return isinstance(cell, _IntervalCell) and not isinstance(cell, str | Real | MeanSdCell)


def _bound(cell: Any, name: str) -> Any:
    return getattr(cell, name) if _interval(cell) else None


def _raw(cell: Any) -> Any:
    return cell_value(cell) if _interval(cell) else cell


def _to_csv(frame: pd.DataFrame, handle: Any) -> None:
    frame.to_csv(handle, index=False, lineterminator="\n")


def write_tables(tables: Sequence[Table], folder: str | os.PathLike[str]) -> list[Path]:
    """Write each table that names a CSV file to ``folder/tables/<csv>`` (atomically)."""
    written = []
    for table in tables:
        if table.csv:
            frame = table_frame(table)
            path = Path(folder) / TABLES_FOLDER / table.csv
            written.append(atomic_write(path, partial(_to_csv, frame), binary=False))
    return written
