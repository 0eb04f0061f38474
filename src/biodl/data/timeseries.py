"""Regular time series, one series per row: UCR/UEA text, CSV with id and label columns, ``.npz``.

A :class:`TimeSeriesSet` holds ``n`` series of ``channels`` channels as one float32 array
``(n, channels, length)``; shorter series are right-padded with zeros and their real length is
kept in ``lengths`` (``mask`` is ``True`` at real time points).

Layouts read by :func:`read_timeseries`:

- **UCR/UEA text** (``.txt``, ``.tsv``, ``.csv`` without a header; whitespace, tab or comma
  separated): one series per line, the class label first, then the values. Variable-length
  sets padded with trailing ``NaN`` become shorter series. Labels are class names (``-1.0``
  is read as ``-1``).
- **CSV/TSV with a header**: an id column (``id_column``, else a column named ``id``, else row
  numbers), one or more label columns (``label_columns``, else a column named ``label``,
  ``class``, ``target``, ``y`` or ``outcome``) and the values in the remaining columns, in
  file order (univariate). Empty trailing cells shorten a series.
- **NumPy ``.npz``** (loaded without pickle): values under ``X`` (or ``x``), or under
  ``x_<part>`` / ``X_<part>`` for ``part`` in train/valid/test; shape ``(n, channels, length)``
  or ``(n, length)`` (one channel). Labels under ``y`` / ``y_<part>`` (``(n,)`` or
  ``(n, k)``), optional ids under ``ids`` / ``ids_<part>``, optional ``lengths`` /
  ``lengths_<part>``; trailing ``NaN`` time points also count as padding.

Examples
--------
>>> import numpy as np
>>> ts = TimeSeriesSet.from_array(np.zeros((3, 2, 5)), labels=["a", "b", "a"])
>>> len(ts), ts.channels, ts.length
(3, 2, 5)
>>> ts.subset(np.array([2, 0])).ids
['2', '0']
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.data._files import fail
from biodl.data.input_files import file_bytes
from biodl.data.npz import read_npz
from biodl.errors import DataError

__all__ = ["LABEL_NAMES", "TimeSeriesSet", "read_timeseries"]

#: Column names read as the label column of a CSV when none is given (case-insensitive).
LABEL_NAMES = ("label", "class", "target", "y", "outcome")
NPZ_SUFFIXES = (".npz",)


@dataclass
class TimeSeriesSet:
    """``n`` regular series (equal sampling), possibly of different lengths.

    Attributes
    ----------
    values : (n, channels, length) float32
        The series; positions at or beyond ``lengths[i]`` are zero.
    lengths : (n,) int64
        Real length of each series (>= 1).
    ids : list of str
        ``n`` unique ids.
    labels : DataFrame or None
        ``n`` rows, one column per label column (raw values), or None when unlabelled.
    source : str
        The file they came from, for messages.
    """

    values: np.ndarray
    lengths: np.ndarray
    ids: list[str]
    labels: pd.DataFrame | None = None
    source: str = ""

    @classmethod
    def from_array(
        cls,
        values: Any,
        *,
        labels: Any = None,
        ids: Any = None,
        lengths: Any = None,
        source: str = "X",
        strict: bool = True,
    ) -> TimeSeriesSet:
        """Build from an array ``(n, length)`` or ``(n, channels, length)``.

        Trailing time points that are ``NaN`` in every channel count as padding (unless
        ``lengths`` is given); any other ``NaN`` is an error unless ``strict`` is False (see
        :func:`read_timeseries`).

        Raises
        ------
        DataError
            For a wrong number of dimensions, non-numeric values, empty series, ``NaN`` inside a
            series or repeated ids (when ``strict``), or ``labels`` / ``ids`` / ``lengths`` of
            the wrong size.
        """
        try:
            array = np.asarray(values, dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise DataError(
                f"{source}: values are not numeric ({err}); give a numeric array"
            ) from None
        if array.ndim == 2:
            array = array[:, None, :]
        if array.ndim != 3:
            raise DataError(
                f"{source}: expected an array of shape (n, length) or (n, channels, length), "
                f"got shape {array.shape}; reshape it"
            )
        n = array.shape[0]
        if lengths is None:
            lengths_array = _trailing_lengths(array)
        else:
            try:
                lengths_array = np.asarray(lengths, dtype=np.int64).reshape(-1)
            except (TypeError, ValueError, OverflowError):
                lengths_array = np.full(n + 1, -1, dtype=np.int64)  # refused just below
            wrong = (lengths_array > array.shape[2]) | (lengths_array < 0)
            if len(lengths_array) != n or wrong.any():
                raise DataError(
                    f"{source}: lengths must hold {n} values of at most {array.shape[2]} (whole "
                    "numbers, none negative); give one length per series"
                )
        frame = _label_frame(labels, n, source)
        return _finish(array, lengths_array, ids, frame, source, strict=strict)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def channels(self) -> int:
        """Number of channels (variables measured at every time point)."""
        return int(self.values.shape[1])

    @property
    def length(self) -> int:
        """Padded length (the longest series)."""
        return int(self.values.shape[2])

    @property
    def equal_length(self) -> bool:
        """Whether every series has the padded length (no mask needed)."""
        return bool(len(self.lengths) == 0 or (self.lengths == self.length).all())

    @property
    def mask(self) -> np.ndarray:
        """``(n, length)`` bool, ``True`` at real time points."""
        return np.arange(self.length)[None, :] < self.lengths[:, None]

    def subset(self, index: Any) -> TimeSeriesSet:
        """The series at ``index`` (integer positions or a boolean mask), in that order."""
        rows = np.arange(len(self))[np.asarray(index)]
        labels = None if self.labels is None else self.labels.iloc[rows].reset_index(drop=True)
        return TimeSeriesSet(
            self.values[rows],
            self.lengths[rows],
            [self.ids[i] for i in rows],
            labels,
            self.source,
        )


def _finish(
    array: np.ndarray,
    lengths: np.ndarray,
    ids: Any,
    labels: pd.DataFrame | None,
    source: str,
    lines: np.ndarray | None = None,
    *,
    strict: bool = True,
) -> TimeSeriesSet:
    """Check emptiness and inner NaN, zero the padding, attach ids.

    Not ``strict``: NaN inside a series stays NaN and ids may repeat (for ``biodl inspect``).
    """
    n = array.shape[0]
    if n == 0:
        raise DataError(f"{source}: no series found; expected one series per row")
    where = "series" if lines is None else "line"
    number = np.arange(n) + 1 if lines is None else lines
    empty = np.flatnonzero(lengths == 0)
    if len(empty):
        raise fail(
            source,
            f"{where} {number[empty[0]]} is empty (no values; {len(empty)} such series); "
            "remove it or give its values",
        )
    mask = np.arange(array.shape[2])[None, :] < lengths[:, None]
    inner = np.isnan(array) & mask[:, None, :]
    if strict and inner.any():
        row, channel, t = (int(v[0]) for v in np.nonzero(inner))
        raise fail(
            source,
            f"{where} {number[row]} has a missing value (NaN) at time point {t + 1} "
            f"of channel {channel + 1}; regular series must be complete inside their length. "
            "Interpolate it, or use the irregular records layout (--kind records)",
        )
    array = np.where(mask[:, None, :], array, np.float32(0.0)).astype(np.float32, copy=False)
    if ids is None:
        id_list = [str(i) for i in range(n)]
    else:
        id_list = [str(v) for v in np.asarray(ids).reshape(-1)]
        if len(id_list) != n:
            raise DataError(f"{source}: {len(id_list)} ids for {n} series; give one id per series")
        if strict and len(set(id_list)) != n:
            seen: set[str] = set()
            repeated = next(i for i in id_list if i in seen or seen.add(i))  # type: ignore[func-returns-value]
            raise DataError(f"{source}: id '{repeated}' occurs twice; ids must be unique")
    return TimeSeriesSet(np.ascontiguousarray(array), lengths, id_list, labels, source)


def _label_frame(labels: Any, n: int, source: str) -> pd.DataFrame | None:
    if labels is None:
        return None
    if isinstance(labels, pd.DataFrame):
        frame = labels.reset_index(drop=True)
    else:
        values = np.asarray(labels)
        if values.ndim not in (1, 2):
            raise DataError(
                f"{source}: expected labels of shape (n,) or (n, k), got shape {values.shape}; "
                "give one label (or one row of labels) per series"
            )
        if values.ndim == 1:
            frame = pd.DataFrame({"label": values})
        else:
            frame = pd.DataFrame(values, columns=[f"y{j}" for j in range(values.shape[1])])
    if len(frame) != n:
        raise DataError(f"{source}: {len(frame)} labels for {n} series; give one per series")
    return frame


def _class_name(token: str) -> str:
    """UCR labels are class names; ``'-1.0000000e+00'`` and ``'1'`` read as ``'-1'``, ``'1'``."""
    try:
        number = float(token)
    except ValueError:
        return token
    return str(int(number)) if number.is_integer() else token


def _parse_floats(tokens: list[str], source: str, line: int, first_column: int) -> np.ndarray:
    try:
        return np.array(tokens, dtype=np.float64)
    except ValueError:
        for j, token in enumerate(tokens):
            try:
                float(token)
            except ValueError:
                raise fail(
                    source,
                    f"column {j + first_column}: '{token[:20]}' is not a number; every value "
                    "after the label must be numeric (NaN marks padding). Fix or remove it",
                    line=line,
                ) from None
        raise  # pragma: no cover


def _split_line(text: str) -> list[str]:
    if "," in text:
        return [t.strip() for t in text.split(",")]
    if "\t" in text:
        return [t.strip() for t in text.split("\t")]
    return text.split()


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _read_text(
    path: Path,
    source: str,
    *,
    id_column: str | None,
    label_columns: list[str],
    strict: bool,
    extra_columns: list[str],
) -> TimeSeriesSet:
    text = file_bytes(path).decode("utf-8-sig", errors="strict")  # without a byte-order mark
    rows = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    if not rows:
        raise DataError(f"{source}: the file is empty; expected one series per line")
    first = _split_line(rows[0][1])
    named = first[0].strip().lower() in (*LABEL_NAMES, "id")
    headed = named or not all(_is_number(t) for t in first[1:])
    if headed or id_column or label_columns or extra_columns:
        return _read_headed(
            path,
            source,
            id_column=id_column,
            label_columns=label_columns,
            strict=strict,
            extra_columns=extra_columns,
        )
    labels: list[str] = []
    series: list[np.ndarray] = []
    for line, content in rows:
        tokens = _split_line(content)
        labels.append(_class_name(tokens[0]))
        series.append(_parse_floats(tokens[1:], source, line, 2))
    width = max(len(s) for s in series)
    array = np.full((len(series), 1, width), np.nan, dtype=np.float32)
    for i, values in enumerate(series):
        array[i, 0, : len(values)] = values
    lengths = _trailing_lengths(array)
    frame = pd.DataFrame({"label": labels})
    lines = np.array([r[0] for r in rows])
    return _finish(array, lengths, None, frame, source, lines, strict=strict)


def _trailing_lengths(array: np.ndarray) -> np.ndarray:
    if not array.shape[2]:  # no values at all: every series is empty
        return np.zeros(len(array), dtype=np.int64)
    present = ~np.isnan(array).all(axis=1)
    last = array.shape[2] - np.argmax(present[:, ::-1], axis=1)
    return np.where(present.any(axis=1), last, 0).astype(np.int64)


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _read_headed(
    path: Path,
    source: str,
    *,
    id_column: str | None,
    label_columns: list[str],
    strict: bool,
    extra_columns: list[str],
) -> TimeSeriesSet:
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else None
    try:
        table = pd.read_csv(
            io.BytesIO(file_bytes(path)),
            sep=sep,
            engine="python",
            dtype=str,
            keep_default_na=False,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise fail(source, f"cannot read the table ({err}); fix the malformed lines") from None
    columns = [str(c) for c in table.columns]
    given = [(id_column, "--id-column"), *[(c, "--label-column") for c in label_columns]]
    given += [(c, "--group-column or --split-column") for c in extra_columns]
    for name, flag in given:
        if name and name not in columns:
            raise fail(
                source,
                f"no column '{name}' (given by {flag}); columns: {', '.join(columns[:8])}"
                f"{' ...' if len(columns) > 8 else ''}. Check the name",
            )
    id_name = id_column or _pick([c for c in columns if c not in extra_columns], ("id",))
    found = label_columns or [
        c for c in [_pick([c for c in columns if c not in extra_columns], LABEL_NAMES)] if c
    ]
    if not found:
        raise fail(
            source,
            f"no label column found (looked for {', '.join(LABEL_NAMES)}); "
            "name it with --label-column",
        )
    labels = found + [c for c in extra_columns if c not in found]
    value_columns = [c for c in columns if c != id_name and c not in labels]
    if not value_columns:
        raise fail(source, "no value columns besides the id and label columns")
    # A row shorter than the header reads None in its last cells: padding, like empty cells.
    cells = table[value_columns].fillna("").apply(lambda c: c.str.strip())
    numeric = cells.replace("", "nan").apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & ~cells.apply(lambda c: c.str.lower().isin(["", "nan", "na"]))
    if bad.to_numpy().any():
        row, col = (int(v[0]) for v in np.nonzero(bad.to_numpy()))
        raise fail(
            source,
            f"'{cells.iat[row, col][:20]}' is not a number; value columns must be numeric "
            "(empty or NaN marks padding at the end). Fix it, or name the label column with "
            "--label-column",
            line=row + 2,
            column=value_columns[col],
        )
    array = numeric.to_numpy(dtype=np.float32)[:, None, :]
    frame = table[labels].copy()
    for column in labels:
        as_numbers = pd.to_numeric(frame[column], errors="coerce")
        if not as_numbers.isna().any():
            frame[column] = as_numbers
    ids = table[id_name].to_numpy() if id_name else None
    lines = np.arange(len(table)) + 2
    return _finish(array, _trailing_lengths(array), ids, frame, source, lines, strict=strict)


def _npz_key(keys: list[str], stem: str, part: str | None) -> str | None:
    names = [f"{stem}_{part}", f"{stem.upper()}_{part}"] if part else []
    names += [stem, stem.upper()]
    return next((k for k in names if k in keys), None)


def _read_npz(
    path: Path, source: str, *, part: str | None, require_labels: bool, strict: bool
) -> TimeSeriesSet:
    arrays = read_npz(path, source, fix="save it with numpy.savez")
    keys = list(arrays)
    x_key = _npz_key(keys, "x", part)
    if x_key is None:
        wanted = f"x_{part} or X" if part else "X"
        raise fail(
            source, f"no array named {wanted} (found: {', '.join(keys)}); name the values array so"
        )
    y_key = _npz_key(keys, "y", part)
    if require_labels and y_key is None:
        raise fail(
            source, f"no labels array y{'_' + part if part else ''} (found: {', '.join(keys)})"
        )
    id_key = _npz_key(keys, "ids", part)
    len_key = _npz_key(keys, "lengths", part)
    where = f"{source} array '{x_key}'"
    return TimeSeriesSet.from_array(
        arrays[x_key],
        labels=arrays[y_key] if y_key else None,
        ids=arrays[id_key] if id_key else None,
        lengths=arrays[len_key] if len_key else None,
        source=where,
        strict=strict,
    )


def read_timeseries(
    path: str | os.PathLike[str],
    *,
    id_column: str | None = None,
    label_columns: list[str] | None = None,
    part: str | None = None,
    require_labels: bool = True,
    strict: bool = True,
    extra_columns: list[str] | None = None,
) -> TimeSeriesSet:
    """Read regular time series (see the module docstring for the layouts).

    Parameters
    ----------
    path : str or PathLike
        UCR/UEA text (``.txt``, ``.tsv``, headerless ``.csv``), a CSV/TSV with a header, or
        ``.npz``.
    id_column : str, optional
        CSV id column (default: a column named ``id``, else row numbers).
    label_columns : list of str, optional
        CSV label columns (default: the column named label/class/target/y/outcome).
    part : {'train', 'valid', 'test'}, optional
        For ``.npz`` holding several parts: read ``x_<part>`` / ``y_<part>``.
    require_labels : bool, default True
        For ``.npz``: fail when there is no labels array.
    strict : bool, default True
        Refuse a ``NaN`` inside a series and repeated ids. False keeps them (the ``NaN`` stays
        in ``values``), for ``biodl inspect``, which reports them
        (:mod:`biodl.data.checks.timeseries`).
    extra_columns : list of str, optional
        CSV columns kept in ``labels`` after the label columns (group and split columns),
        never taken for the id, label or value columns; an ``.npz`` has none.

    Returns
    -------
    TimeSeriesSet

    Raises
    ------
    DataError
        Naming file, line and column: a non-numeric value, an empty series, a ``NaN`` inside a
        series, a missing column or array, labels or ids that do not match the series.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "toy_TRAIN.txt"
    >>> _ = path.write_text("1 0.1 0.2 0.3\\n-1 0.5 0.4 NaN\\n")
    >>> ts = read_timeseries(path)
    >>> ts.lengths.tolist(), ts.labels["label"].tolist()
    ([3, 2], ['1', '-1'])
    """
    file = Path(path)
    source = os.fspath(path)
    if not file.is_file():
        raise DataError(f"{source}: no such file; give a UCR text, CSV or .npz file")
    if file.suffix.lower() in NPZ_SUFFIXES:
        if extra_columns:
            raise fail(
                source,
                f"an .npz has no column '{extra_columns[0]}'; write the series as a CSV with "
                "that column, or use --split stratified or random",
            )
        return _read_npz(file, source, part=part, require_labels=require_labels, strict=strict)
    try:
        return _read_text(
            file,
            source,
            id_column=id_column,
            label_columns=list(label_columns or []),
            strict=strict,
            extra_columns=list(extra_columns or []),
        )
    except UnicodeDecodeError:
        raise fail(source, "is not a text file (not UTF-8); give UCR text, CSV or .npz") from None
