"""Irregular clinical records: readers for long-format tables and per-record files.

Two layouts are read, both in "long" format (one observation per row):

- a folder with one CSV/TXT file per record holding ``Time,Parameter,Value`` rows (the
  PhysioNet/CinC 2012 layout: ``132539.txt`` with ``00:00,Age,54`` ... ``00:07,HR,73``); the
  record id is the file name;
- one table with record id, time, variable and value columns (names detected or given).

Time is ``hh:mm``, minutes or hours (``time_unit``); it is stored in hours. Time-zero rows may
hold static descriptors (age, sex, height, unit type, weight): by default a variable is static
when it is observed at time zero in at least 90% of records (its time-zero value becomes the
static value; later rows stay a time series, as for Weight) ; ``statics`` names them instead.
A sentinel (default ``-1``) marks a missing static value.

Observations are kept compact — record offsets plus ``float32`` time, ``int16`` variable code
and ``float32`` value arrays — so memory is proportional to the observations, never to
records x variables x time grid (:mod:`biodl.data.timegrid` builds grids per batch).

Reading is vectorised: the files are concatenated in memory and parsed by one ``read_csv``
call; errors are mapped back to the file and line they come from.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from biodl.data._files import parse_csv
from biodl.data.input_files import file_bytes, head
from biodl.errors import DataError

__all__ = [
    "RECORD_SUFFIXES",
    "TIME_UNITS",
    "RecordSet",
    "TimeUnit",
    "looks_like_records",
    "read_records",
]

TimeUnit = Literal["auto", "hhmm", "minutes", "hours"]
#: How times are written: ``auto`` reads ``hh:mm`` when the times hold a colon, otherwise
#: numbers as hours (minutes when the largest time exceeds 500, i.e. three weeks in hours).
TIME_UNITS: tuple[TimeUnit, ...] = ("auto", "hhmm", "minutes", "hours")
RECORD_SUFFIXES = (".txt", ".csv", ".tsv")
STATIC_COVERAGE = 0.9
_FILE_HEADER = ("time", "parameter", "value")
_ID_NAMES = ("recordid", "record_id", "record", "stay_id", "icustay_id", "id")
_TIME_NAMES = ("time", "charttime", "hours", "hour", "minutes", "t")
_VAR_NAMES = ("parameter", "variable", "param", "item", "name", "feature")
_VALUE_NAMES = ("value", "valuenum", "val")


@dataclass
class RecordSet:
    """Irregular multivariate records stored as compact observation arrays.

    Parameters
    ----------
    ids : list of str
        ``n`` record ids.
    offsets : (n + 1,) int64
        Record ``i`` owns observations ``offsets[i]:offsets[i + 1]``, sorted by time.
    time : (m,) float32
        Hours since the record's time zero.
    variable : (m,) int16
        Index into ``variables``.
    value : (m,) float32
        Observed values (finite).
    variables : tuple of str
        Names of the time-series variables.
    statics : (n, s) float32
        Static descriptors, NaN where missing.
    static_names : tuple of str
    labels : pandas.DataFrame or None
        ``n`` rows in record order (label columns, plus the group column if any).
    source : str
        Where the records came from, for messages.
    """

    ids: list[str]
    offsets: np.ndarray
    time: np.ndarray
    variable: np.ndarray
    value: np.ndarray
    variables: tuple[str, ...]
    statics: np.ndarray
    static_names: tuple[str, ...]
    labels: pd.DataFrame | None = None
    source: str = "records"

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def counts(self) -> np.ndarray:
        """(n,) int64: observations per record."""
        return np.diff(self.offsets)

    @property
    def durations(self) -> np.ndarray:
        """(n,) float64 hours: time of each record's last observation (0 when it has none)."""
        if not self.time.size:  # no observation at all (statics only)
            return np.zeros(len(self))
        last = self.time[np.maximum(self.offsets[1:] - 1, 0)].astype(np.float64)
        return np.where(self.counts > 0, last, 0.0)

    @property
    def record_index(self) -> np.ndarray:
        """(m,) int64: the record of each observation."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.counts)

    def subset(self, index: Sequence[int] | np.ndarray) -> RecordSet:
        """The records at ``index`` (in that order), as a new RecordSet."""
        index = np.asarray(index, dtype=np.int64)
        counts = self.counts[index]
        starts = self.offsets[:-1][index]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        take = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])
        labels = None if self.labels is None else self.labels.iloc[index].reset_index(drop=True)
        return replace(
            self,
            ids=[self.ids[i] for i in index],
            offsets=offsets,
            time=self.time[take],
            variable=self.variable[take],
            value=self.value[take],
            statics=self.statics[index],
            labels=labels,
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the observation and static arrays."""
        arrays = (self.offsets, self.time, self.variable, self.value, self.statics)
        return int(sum(a.nbytes for a in arrays))


def looks_like_records(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder of ``Time,Parameter,Value`` files or a long records table."""
    p = Path(path)
    try:
        if p.is_dir():
            first = next((f for f in sorted(p.iterdir()) if f.suffix in RECORD_SUFFIXES), None)
            return first is not None and _header(first) == _FILE_HEADER
        if p.suffix.lower() in RECORD_SUFFIXES:
            columns = [c.lower() for c in _header(p)]
            return all(
                any(name in columns for name in names)
                for names in (_ID_NAMES, _TIME_NAMES, _VAR_NAMES, _VALUE_NAMES)
            ) and not set(columns) <= set(_FILE_HEADER)
    except (OSError, UnicodeDecodeError):
        return False
    return False


def _header(path: Path) -> tuple[str, ...]:
    line = next(iter(head(path).decode("utf-8").splitlines()), "").strip()  # any line end
    sep = "\t" if "\t" in line else ","
    return tuple(c.strip().lower() for c in line.split(sep))


@dataclass
class _Long:
    """Parsed rows before assembly: one entry per observation."""

    record: np.ndarray  # int64 record index
    time: np.ndarray  # float64 hours
    name: pd.Categorical
    value: np.ndarray  # float64
    ids: list[str]
    where: list[str]  # per record: its file (folder layout) or the table name
    line: np.ndarray  # 1-based line of each row in its file
    ordered: bool = True  # rows must come in time order (per-record files; not tables)


def read_records(
    path: str | os.PathLike[str],
    *,
    id_column: str | None = None,
    time_column: str | None = None,
    variable_column: str | None = None,
    value_column: str | None = None,
    time_unit: TimeUnit = "auto",
    statics: Sequence[str] | None = None,
    static_missing: float | None = -1.0,
    require_statics: bool = True,
) -> RecordSet:
    """Read irregular records from a folder of per-record files or one long table.

    Parameters
    ----------
    path : path
        A folder of ``Time,Parameter,Value`` files (``.txt``/``.csv``), or a CSV/TSV table.
    id_column, time_column, variable_column, value_column : str, optional
        Columns of a long table; detected from common names when not given.
    time_unit : {'auto', 'hhmm', 'minutes', 'hours'}, default 'auto'
    statics : sequence of str, optional
        Variables whose time-zero value is a static descriptor. Default: those observed at
        time zero in at least 90% of records. ``[]`` turns statics off.
    static_missing : float or None, default -1.0
        Static value that means missing (``None``: none).
    require_statics : bool, default True
        Refuse ``statics`` that never occur; False keeps them as all-missing columns (for
        test records read with the training statics).

    Returns
    -------
    RecordSet
        Without labels; see :func:`biodl.data.outcomes.attach_outcomes`.

    Raises
    ------
    DataError
        When the path holds no records, a record has no observations, a time does not parse
        or goes backwards, a value is not numeric, or a column cannot be found — naming the
        file and line.

    Examples
    --------
    >>> import tempfile
    >>> from biodl.data.synthetic_icu import write_icu_records
    >>> root = write_icu_records(tempfile.mkdtemp(), n_records=3)
    >>> records = read_records(root / "records")
    >>> len(records), records.static_names
    (3, ('Age', 'Gender', 'Height', 'ICUType', 'Weight'))
    """
    if time_unit not in TIME_UNITS:
        raise DataError(
            f"time unit '{time_unit}' is not valid (valid: {', '.join(TIME_UNITS)}). "
            "Choose one of those."
        )
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file or folder. Check the path.")
    if p.is_dir():
        long = _read_folder(p, time_unit)
    else:
        long = _read_table(p, id_column, time_column, variable_column, value_column, time_unit)
    return _assemble(long, str(p), statics, static_missing, require_statics)


def _read_folder(folder: Path, time_unit: TimeUnit) -> _Long:
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() in RECORD_SUFFIXES)
    if not files:
        raise DataError(
            f"{folder}: no .txt/.csv record files found. Point --train at the folder holding "
            "one Time,Parameter,Value file per record."
        )
    bodies: list[bytes] = []
    rows = np.zeros(len(files), dtype=np.int64)
    for k, file in enumerate(files):
        data = file_bytes(file).replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # any line end
        head, _, body = data.partition(b"\n")
        columns = tuple(c.strip().lower() for c in head.decode("utf-8", "replace").split(","))
        if columns != _FILE_HEADER:
            raise DataError(
                f"{file} line 1: expected the header Time,Parameter,Value, got "
                f"{head.decode('utf-8', 'replace')[:60]!r}. Give every record file that header "
                "(or move other files out of the folder)."
            )
        if body and not body.endswith(b"\n"):
            body += b"\n"
        bodies.append(body)
        rows[k] = body.count(b"\n")
    if not rows.any():
        raise DataError(
            f"{folder}: the record files hold a header but no rows; expected "
            "Time,Parameter,Value rows. Check that the files were written completely."
        )
    where = [str(f) for f in files]
    ids = [f.stem for f in files]
    buffer = b"".join(bodies)
    starts = np.concatenate([[0], np.cumsum(rows)])
    record = np.repeat(np.arange(len(files)), rows)
    line = np.arange(int(starts[-1])) - starts[record] + 2
    frame = _parse_rows(buffer, time_unit, where, record, line)
    keep = frame["name"].notna().to_numpy()
    return _Long(
        record=record[keep],
        time=frame["time"].to_numpy(np.float64)[keep],
        name=pd.Categorical(frame["name"][keep]),
        value=frame["value"].to_numpy(np.float64)[keep],
        ids=ids,
        where=where,
        line=line[keep],
    )


def _parse_rows(
    buffer: bytes, time_unit: TimeUnit, where: list[str], record: np.ndarray, line: np.ndarray
) -> pd.DataFrame:
    """Parse ``time,name,value`` rows; hh:mm is split into two numeric fields first (fast)."""
    clock = time_unit == "hhmm" or (time_unit == "auto" and b":" in buffer[:4096])
    if clock:
        # hh:mm becomes two numeric fields. One colon per row (the usual case) is a plain byte
        # replace, 50x faster than the regex kept for rows with other colons.
        rows = buffer.count(b"\n") - buffer.count(b"\n\n")
        if buffer.count(b":") == rows:
            buffer = buffer.replace(b":", b",")
        else:
            buffer = re.sub(rb"(?m)^\s*(\d+):(\d+)\s*,", rb"\1,\2,", buffer)
        names = ["h", "m", "name", "value"]
    else:
        names = ["t", "name", "value"]
    try:
        frame = pd.read_csv(
            io.BytesIO(buffer),
            header=None,
            names=names,
            skip_blank_lines=False,
            dtype={"name": "category"},
            engine="c",
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise _row_error(err, buffer, where, record, line) from None
    if len(frame) != len(record):  # a quote joined lines into one field
        quote = buffer.find(b'"')
        row = buffer.count(b"\n", 0, quote) if quote >= 0 else -1
        place = f"{where[record[row]]} line {line[row]}" if 0 <= row < len(record) else where[0]
        raise DataError(
            f'{place}: a double quote (") starts a field that runs over the following lines; '
            "remove the quote or close it on the same line"
        )
    if clock:
        _require_numeric(frame, ["h", "m"], where, record, line, "a time as hh:mm")
        bad = frame["m"].isna() & frame["name"].notna()
        _raise_at(bad.to_numpy(), where, record, line, "the time does not parse as hh:mm", frame)
        frame["time"] = frame["h"] + frame["m"] / 60.0
    else:
        _require_numeric(frame, ["t"], where, record, line, "a numeric time")
        frame["time"] = _scale_numeric(frame["t"].to_numpy(np.float64), time_unit)
    missing_time = frame["time"].isna() & frame["name"].notna()
    _raise_at(missing_time.to_numpy(), where, record, line, "the time is empty", frame)
    _require_numeric(frame, ["value"], where, record, line, "a numeric value")
    return frame


def _row_error(
    err: Exception, buffer: bytes, where: list[str], record: np.ndarray, line: np.ndarray
) -> DataError:
    """The file and line of the row pandas refused in the concatenated ``buffer``."""
    if isinstance(err, UnicodeDecodeError):
        try:
            buffer.decode("utf-8")
            row = None
        except UnicodeDecodeError as exact:
            row = buffer.count(b"\n", 0, exact.start)
        problem = "the row is not valid UTF-8 text; save the file as UTF-8"
    else:
        found = re.search(r"line (\d+)", str(err))
        row = int(found.group(1)) - 1 if found else None
        problem = (
            f"cannot parse the row ({' '.join(str(err).split())[:200]}); expected "
            "time,variable,value"
        )
    if row is None or not 0 <= row < len(record):
        return DataError(f"{where[0]}: {problem}. Fix that row.")
    return DataError(f"{where[record[row]]} line {line[row]}: {problem}. Fix or remove that row.")


def _scale_numeric(t: np.ndarray, time_unit: TimeUnit) -> np.ndarray:
    if time_unit == "minutes" or (time_unit == "auto" and np.nanmax(t, initial=0) > 500):
        return t / 60.0
    return t


def _require_numeric(
    frame: pd.DataFrame,
    columns: list[str],
    where: list[str],
    record: np.ndarray,
    line: np.ndarray,
    expected: str,
) -> None:
    for column in columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = (numbers.isna() & frame[column].notna()).to_numpy()
        k = int(np.flatnonzero(bad)[0])
        text = str(frame[column].iloc[k])
        what = "value" if column == "value" else "time"
        raise DataError(
            f"{where[record[k]]} line {line[k]}: {what} '{text[:30]}' is not {expected}. "
            f"Fix or remove that row ({int(bad.sum())} such rows in all)."
        )


def _raise_at(
    bad: np.ndarray,
    where: list[str],
    record: np.ndarray,
    line: np.ndarray,
    problem: str,
    frame: pd.DataFrame,
) -> None:
    if not bad.any():
        return
    k = int(np.flatnonzero(bad)[0])
    raise DataError(
        f"{where[record[k]]} line {line[k]}: {problem} (row for '{frame['name'].iloc[k]}'). "
        f"Fix or remove that row ({int(bad.sum())} such rows in all)."
    )


def _read_table(
    path: Path,
    id_column: str | None,
    time_column: str | None,
    variable_column: str | None,
    value_column: str | None,
    time_unit: TimeUnit,
) -> _Long:
    sep = "\t" if path.suffix.lower() == ".tsv" or "\t" in _first_line(path) else ","
    table = parse_csv(file_bytes(path), str(path), sep=sep, dtype=str, keep_default_na=True)
    if table.empty:
        raise DataError(
            f"{path}: the table has a header but no rows; expected one row per observation."
        )
    columns = {
        "id": _column(table, path, id_column, _ID_NAMES, "record id", "--id-column"),
        "time": _column(table, path, time_column, _TIME_NAMES, "time", "--time-column"),
        "name": _column(table, path, variable_column, _VAR_NAMES, "variable", "--variable-column"),
        "value": _column(table, path, value_column, _VALUE_NAMES, "value", "--value-column"),
    }
    ids, record = np.unique(table[columns["id"]].astype(str).str.strip(), return_inverse=True)
    line = np.arange(len(table)) + 2
    where = [str(path)] * len(ids)
    body = table[[columns["time"], columns["name"], columns["value"]]]
    frame = _parse_rows(
        body.to_csv(index=False, header=False).encode(), time_unit, where, record, line
    )
    keep = frame["name"].notna().to_numpy()
    return _Long(
        record=record[keep].astype(np.int64),
        time=frame["time"].to_numpy(np.float64)[keep],
        name=pd.Categorical(frame["name"][keep]),
        value=frame["value"].to_numpy(np.float64)[keep],
        ids=[str(i) for i in ids],
        where=where,
        line=line[keep],
        ordered=False,
    )


def _first_line(path: Path) -> str:
    return head(path).decode("utf-8", errors="replace").split("\n", 1)[0]


def _column(
    table: pd.DataFrame,
    path: Path,
    given: str | None,
    candidates: tuple[str, ...],
    what: str,
    option: str,
) -> str:
    if given is not None:
        if given not in table.columns:
            raise DataError(
                f"{path}: no column '{given}' (columns: {', '.join(map(str, table.columns))}). "
                f"Pass the {what} column with {option}."
            )
        return given
    lower = {str(c).lower(): str(c) for c in table.columns}
    for name in candidates:
        if name in lower:
            return lower[name]
    raise DataError(
        f"{path}: no {what} column found (columns: {', '.join(map(str, table.columns))}). "
        f"Name it with {option}."
    )


def _assemble(
    long: _Long,
    source: str,
    statics: Sequence[str] | None,
    static_missing: float | None,
    require_statics: bool = True,
) -> RecordSet:
    n = len(long.ids)
    names = np.asarray(long.name.categories.astype(str))
    codes = np.asarray(long.name.codes, dtype=np.int64)
    id_like = np.isin(np.char.lower(names.astype(str)), ["recordid", "record_id"])
    at_zero = long.time == 0
    chosen = _static_names(names, codes, long.record, at_zero, n, statics, require_statics)
    static_values = np.full((n, len(chosen)), np.nan, dtype=np.float32)
    drop = id_like[codes]
    for k, name in enumerate(chosen):
        hit = at_zero & (names[codes] == name)
        rec = long.record[hit]
        first = np.unique(rec, return_index=True)[1]
        static_values[rec[first], k] = long.value[hit][first]
        drop |= hit
    if static_missing is not None:
        static_values[static_values == static_missing] = np.nan
    keep = ~drop & np.isfinite(long.value)
    record, time, code = long.record[keep], long.time[keep], codes[keep]
    _check_order(long)
    _check_nonempty(long, (drop & ~id_like[codes]) | keep, n)
    order = np.lexsort((time, record))  # table rows may come in any order; files were checked
    series = sorted(set(np.unique(code).tolist()))
    remap = np.full(len(names), -1, dtype=np.int64)
    remap[series] = np.arange(len(series))
    counts = np.bincount(record, minlength=n)
    return RecordSet(
        ids=long.ids,
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        time=time[order].astype(np.float32),
        variable=remap[code[order]].astype(np.int16),
        value=long.value[keep][order].astype(np.float32),
        variables=tuple(str(names[c]) for c in series),
        statics=static_values,
        static_names=tuple(chosen),
        source=source,
    )


def _static_names(
    names: np.ndarray,
    codes: np.ndarray,
    record: np.ndarray,
    at_zero: np.ndarray,
    n: int,
    statics: Sequence[str] | None,
    require: bool,
) -> list[str]:
    if statics is not None:
        missing = [s for s in statics if s not in set(names.tolist())]
        if missing and require:
            raise DataError(
                f"static variable(s) {', '.join(missing)} never occur in the records "
                f"(variables: {', '.join(names[:12].tolist())}...). Check the names given to "
                "--statics."
            )
        return list(statics)
    pairs = np.unique(codes[at_zero] * n + record[at_zero])
    coverage = np.bincount(pairs // n, minlength=len(names)) / max(n, 1)
    lower = np.char.lower(names.astype(str))
    chosen = (coverage >= STATIC_COVERAGE) & ~np.isin(lower, ["recordid", "record_id"])
    return [str(s) for s in names[chosen]]


def _check_order(long: _Long) -> None:
    """Per-record files must list times in order (tables may be in any order)."""
    if not long.ordered:
        return
    same = long.record[1:] == long.record[:-1]
    back = np.flatnonzero(same & (long.time[1:] < long.time[:-1]))
    if back.size:
        k = int(back[0]) + 1
        raise DataError(
            f"{long.where[long.record[k]]} line {long.line[k]}: time {long.time[k]:.2f} h comes "
            f"after {long.time[k - 1]:.2f} h; times must not go backwards within a record. "
            "Sort the rows of that file by time."
        )


def _check_nonempty(long: _Long, present: np.ndarray, n: int) -> None:
    counts = np.bincount(long.record[present], minlength=n)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        folder = len(set(long.where)) > 1
        examples = ", ".join(long.where[k] if folder else long.ids[k] for k in empty[:3])
        table = "" if folder else f"{long.where[0]}: "  # a folder's examples name the files
        raise DataError(
            f"{table}{empty.size} record(s) have no observations (e.g. {examples}). Remove "
            "them, or add at least their static descriptors."
        )
