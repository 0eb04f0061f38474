"""Dated, aligned sequences of one lineage, grouped into seasons (for ``--task forecast``).

A FASTA record carries its date in the header, ``>A/Perth/16/2009 date=2009-08-04`` (also
``date=2009-08`` or ``date=2009``), or its season directly, ``season=2009`` (an integer). A
CSV/TSV table has a sequence column (sequence/seq) and a ``date`` or ``season`` column (an
``id``/``name`` column is optional). Seasons are calendar years by default;
``season_length`` months (a divisor of 12) makes shorter ones, e.g. 6 for half-years.

Every sequence of a lineage must be aligned: the same length, one column per site (gaps as
``-``).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "l.fa"
>>> _ = path.write_text(">a date=2001-03-02\\nACG\\n>b date=2002-07-01\\nACT\\n")
>>> lineage = read_lineage(path)
>>> lineage.season_labels, lineage.letters.shape
(['2001', '2002'], (2, 3))
"""

from __future__ import annotations

import gzip
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from biodl.errors import ConfigError, DataError

__all__ = ["SeasonedLineage", "parse_season", "read_lineage"]

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_SEQUENCE_COLUMNS = ("sequence", "seq", "sequences")
_ID_COLUMNS = ("id", "name", "strain", "sequence_id")
_ALLOWED = re.compile(r"^[A-Z*\-.]+$")


@dataclass(frozen=True)
class SeasonedLineage:
    """Aligned sequences, each with its season.

    Attributes
    ----------
    ids : list of str
        ``n`` record names.
    letters : (n, length) uint8
        The sequences as ASCII bytes (upper case).
    seasons : (n,) int64
        0-based season index of each sequence (0 = the earliest season).
    season_labels : list of str
        One label per season from the first to the last, also for seasons without sequences
        (``'2009'``, or ``'2009-07'`` for seasons shorter than a year).
    source : str
        The file.
    """

    ids: list[str]
    letters: np.ndarray
    seasons: np.ndarray
    season_labels: list[str]
    source: str

    @property
    def n_seasons(self) -> int:
        """Number of seasons from the first to the last."""
        return len(self.season_labels)

    @property
    def length(self) -> int:
        """Sites of the alignment."""
        return int(self.letters.shape[1])


def parse_season(text: str, key: str, season_length: int) -> int:
    """The season number of a ``date`` (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``) or ``season``
    (an integer) value: months since year 0 divided by ``season_length``.

    Raises
    ------
    ValueError
        The text is not such a value (the caller names the record).

    Examples
    --------
    >>> parse_season("2009-08-04", "date", 12), parse_season("2009-08-04", "date", 6)
    (2009, 4019)
    >>> parse_season("2010", "season", 12)
    2010
    """
    text = text.strip()
    if key == "season":
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError("expected an integer season such as 2009")
        return int(text) if season_length == 12 else int(text) * 12 // season_length
    match = _DATE.match(text)
    if not match:
        raise ValueError("expected a date YYYY-MM-DD (or YYYY-MM, YYYY)")
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"month {month} is not 1-12")
    if day is not None:
        pd.Timestamp(year=year or 0, month=month or 1, day=day)  # ValueError on 2009-02-30
    months = (year or 0) * 12 + ((month or 1) - 1)
    return months // season_length


def _label(season: int, season_length: int) -> str:
    if season_length == 12:
        return str(season)
    months = season * season_length
    return f"{months // 12}-{months % 12 + 1:02d}"


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text; expected a FASTA file or a table") from err


def _fasta_rows(text: str, source: str) -> list[tuple[str, int, dict[str, str], str]]:
    """(id, header line, key=value pairs, sequence) of each record."""
    rows: list[tuple[str, int, dict[str, str], str]] = []
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">"):
            if rows:
                rows[-1] = (*rows[-1][:3], "".join(parts))
            words = line[1:].split()
            if not words:
                raise DataError(f"{source} line {number}: a header without a name; write >name")
            pairs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            rows.append((words[0], number, pairs, ""))
            parts = []
        elif not rows:
            raise DataError(f"{source} line {number}: text before the first '>' header")
        else:
            parts.append(line)
    if rows:
        rows[-1] = (*rows[-1][:3], "".join(parts))
    return rows


def _table_rows(text: str, source: str) -> list[tuple[str, int, dict[str, str], str]]:
    table = pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=str)
    names = {c.lower(): c for c in table.columns}
    seq = next((names[c] for c in _SEQUENCE_COLUMNS if c in names), None)
    when = [names[c] for c in ("date", "season") if c in names]
    if seq is None or not when:
        raise DataError(
            f"{source}: a forecast table needs a sequence column (sequence or seq) and a date "
            f"or season column; found {', '.join(map(str, table.columns))}"
        )
    key = when[0].lower()
    ident = next((names[c] for c in _ID_COLUMNS if c in names), None)
    rows = []
    for i, record in enumerate(table.itertuples(index=False), start=2):
        values = dict(zip(table.columns, record, strict=True))
        name = str(values[ident]) if ident else str(i - 1)
        value = values[when[0]]
        pairs = {key: "" if pd.isna(value) else str(value)}
        rows.append((name, i, pairs, "" if pd.isna(values[seq]) else str(values[seq])))
    return rows


def read_lineage(
    path: str | os.PathLike[str], *, season_length: int = 12, min_seasons: int = 1
) -> SeasonedLineage:
    """Read dated, aligned sequences and group them into seasons.

    Parameters
    ----------
    path : path
        FASTA (optionally gzipped) with ``date=`` or ``season=`` in each header, or a CSV/TSV
        table with a sequence column and a ``date`` or ``season`` column.
    season_length : int, default 12
        Months per season: 12 (calendar years), 6, 4, 3, 2 or 1.
    min_seasons : int, default 1
        Fewest seasons (first to last) accepted.

    Returns
    -------
    SeasonedLineage

    Raises
    ------
    DataError
        A record without a date, a date that cannot be parsed (the record is named), sequences
        of unequal lengths (unaligned), letters other than A-Z, ``-``, ``*``, ``.``, or fewer
        than ``min_seasons`` seasons.
    ConfigError
        ``season_length`` does not divide 12.
    """
    if season_length not in (1, 2, 3, 4, 6, 12):
        raise ConfigError(
            f"--season-length {season_length}: expected months per season that divide a year "
            "(1, 2, 3, 4, 6 or 12)"
        )
    source = os.fspath(path)
    text = _read_text(Path(path))
    is_fasta = text.lstrip().startswith(">")
    rows = _fasta_rows(text, source) if is_fasta else _table_rows(text, source)
    if not rows:
        raise DataError(f"{source}: no sequences found")
    seasons = np.empty(len(rows), dtype=np.int64)
    for k, (name, line, pairs, sequence) in enumerate(rows):
        key = "date" if "date" in pairs else "season" if "season" in pairs else None
        where = f"{source} line {line}: record '{name}'"
        if key is None:
            raise DataError(
                f"{where} has no date; write date=YYYY-MM-DD (or season=YYYY) in its "
                + ("header" if is_fasta else "row")
            )
        try:
            seasons[k] = parse_season(pairs[key], key, season_length)
        except ValueError as err:
            raise DataError(f"{where}: {key}={pairs[key]!r} cannot be read: {err}") from None
        if not _ALLOWED.match(sequence.upper()):
            raise DataError(
                f"{where}: the sequence is empty or holds a character other than letters, "
                "'-', '*' or '.'; write the aligned sequence with '-' for gaps"
            )
    lengths = np.array([len(r[3]) for r in rows])
    if (lengths != lengths[0]).any():
        odd = int(np.flatnonzero(lengths != lengths[0])[0])
        raise DataError(
            f"{source} line {rows[odd][1]}: record '{rows[odd][0]}' has {lengths[odd]} letters "
            f"but '{rows[0][0]}' has {lengths[0]}; the sequences of a lineage must be aligned "
            "(equal length, one column per site): align them first (e.g. mafft or "
            "muscle), with '-' for gaps"
        )
    first = int(seasons.min())
    n_seasons = int(seasons.max()) - first + 1
    if n_seasons < min_seasons:
        raise DataError(
            f"{source}: the sequences span {n_seasons} season(s); at least {min_seasons} are "
            "needed (training season pairs plus --test-seasons). Add earlier sequences, lower "
            "--test-seasons, or use shorter seasons (--season-length)"
        )
    letters = np.frombuffer("".join(r[3] for r in rows).upper().encode("ascii"), dtype=np.uint8)
    return SeasonedLineage(
        ids=[r[0] for r in rows],
        letters=letters.reshape(len(rows), int(lengths[0])).copy(),
        seasons=seasons - first,
        season_labels=[_label(first + s, season_length) for s in range(n_seasons)],
        source=source,
    )
