"""Outcome tables keyed by record id (``Outcomes-a.txt``: RecordID, SAPS-I, ..., In-hospital_death).

:func:`read_outcomes` reads the table and picks the label column(s); :func:`attach_outcomes`
puts the rows in record order on a :class:`~biodl.data.records.RecordSet`, refusing tables
that miss records (which outcome would they have?). Rows naming records that were not read
(PhysioNet's ``Outcomes-a.txt`` lists 4 records that have no file) are dropped with a warning
giving their count and examples (:func:`drop_unmatched`).

Without ``label_columns``, a table with one column besides the id uses it; otherwise the
column whose name says outcome (``death``, ``mortality``, ``outcome``, ``label``, ``target``,
``class``, ``y``) is taken, else the last column — and the choice is reported as a note.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from biodl.data._files import parse_csv
from biodl.data.input_files import file_bytes
from biodl.data.records import RecordSet
from biodl.errors import DataError, DataWarning

__all__ = ["Outcomes", "attach_outcomes", "drop_unmatched", "find_outcomes", "read_outcomes"]

_ID_NAMES = ("recordid", "record_id", "record", "stay_id", "icustay_id", "id")
_OUTCOME_WORDS = re.compile(r"death|mortality|outcome|label|target|class|^y$", re.IGNORECASE)


@dataclass(frozen=True)
class Outcomes:
    """An outcomes table indexed by record id.

    Attributes
    ----------
    table : pandas.DataFrame
        Index: record ids (str); columns: the label columns, then the group column if any.
    label_columns : list of str
    group_column : str or None
    note : str
        How the label column was chosen ("" when given).
    source : str
    """

    table: pd.DataFrame
    label_columns: list[str]
    group_column: str | None
    note: str
    source: str


#: Column names read as a patient id (case-insensitive): one patient's records stay together.
PATIENT_COLUMNS = ("patient_id", "patientid", "subject_id", "subjectid", "patient")


def read_outcomes(
    path: str | os.PathLike[str],
    *,
    label_columns: Sequence[str] = (),
    id_column: str | None = None,
    group_column: str | None = None,
    find_patient: bool = False,
) -> Outcomes:
    """Read an outcomes table (CSV/TSV/TXT) with one row per record.

    Parameters
    ----------
    path : path
    label_columns : sequence of str, default ()
        Label columns; chosen as described in the module docstring when empty.
    id_column : str, optional
        Record id column; default the first column named like a record id, else the first.
    group_column : str, optional
        Patient (group) column kept beside the labels.
    find_patient : bool, default False
        Without ``group_column``: a column named like a patient id (:data:`PATIENT_COLUMNS`)
        that is not a given label column becomes the group column.

    Returns
    -------
    Outcomes

    Raises
    ------
    DataError
        If a named column is absent or an id occurs twice.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such outcomes file. Check the --labels path.")
    data = file_bytes(p)  # one opening: the run's checksum is computed from these bytes
    sep = "\t" if b"\t" in data.split(b"\n", 1)[0] else ","
    table = parse_csv(data, str(p), sep=sep, dtype=str)
    table.columns = [str(c).strip() for c in table.columns]
    ident = id_column or next(
        (c for c in table.columns if c.lower() in _ID_NAMES), str(table.columns[0])
    )
    if group_column is None and find_patient:
        group_column = next(
            (
                c
                for c in table.columns
                if c.lower() in PATIENT_COLUMNS and c != ident and c not in label_columns
            ),
            None,
        )
    for column in (ident, *label_columns, *([group_column] if group_column else [])):
        if column not in table.columns:
            raise DataError(
                f"{p}: no column '{column}' (columns: {', '.join(table.columns)}). Name an "
                "existing column."
            )
    ids = _normalise_ids(table[ident])
    duplicated = ids[ids.duplicated()]
    if len(duplicated):
        raise DataError(
            f"{p} column '{ident}': record id '{duplicated.iloc[0]}' occurs "
            f"{int((ids == duplicated.iloc[0]).sum())} times. Keep one outcome row per record."
        )
    labels, note = _label_columns(table, ident, list(label_columns), group_column, p)
    keep = labels + ([group_column] if group_column else [])
    out = table[keep].copy()
    out.index = pd.Index(ids.to_numpy(), name=ident)
    return Outcomes(out, labels, group_column, note, str(p))


def find_outcomes(records: str | os.PathLike[str]) -> Path | None:
    """The ``Outcomes*`` file of the records: the only one beside them (or inside their
    folder), or among several the one whose name ends as the folder's does (PhysioNet 2012 as
    distributed: ``set-a/`` takes ``Outcomes-a.txt``, ``set-c/`` takes ``Outcomes-c.txt``).
    None when there is none, or no single one fits.

    Examples
    --------
    >>> import tempfile
    >>> from biodl.data.synthetic_icu import write_icu_records
    >>> root = write_icu_records(tempfile.mkdtemp(), n_records=3)
    >>> find_outcomes(root / "records").name
    'Outcomes.txt'
    >>> for name in ("Outcomes-a.txt", "Outcomes-c.txt"):
    ...     _ = (root / name).write_text("RecordID,death\\n")
    >>> find_outcomes(root / "set-c").name
    'Outcomes-c.txt'
    """
    path = Path(records)
    beside = sorted(path.parent.glob("Outcomes*")) + (
        sorted(path.glob("Outcomes*")) if path.is_dir() else []
    )
    if len(beside) == 1:
        return beside[0]
    tag = _tag(path.name)
    fitting = [p for p in beside if tag and _tag(p.name.split(".")[0][len("Outcomes") :]) == tag]
    return fitting[0] if len(fitting) == 1 else None


def _tag(name: str) -> str:
    """The last word of a name: 'set-a' -> 'a', '-c' -> 'c', 'records' -> 'records'."""
    words = [w for w in re.split(r"[-_.\s]+", name.lower()) if w]
    return words[-1] if words else ""


def drop_unmatched(outcomes: Outcomes, ids: Sequence[str], where: str) -> tuple[Outcomes, str]:
    """The outcomes without rows whose record id is not in ``ids``, and a note about them.

    Parameters
    ----------
    outcomes : Outcomes
    ids : sequence of str
        Every record read (all parts the table serves).
    where : str
        The records' files or folders, for the note.

    Returns
    -------
    outcomes : Outcomes
        Rows in the order of the file, those matching no record left out.
    note : str
        The count and up to three example ids of the rows dropped; "" when none were.

    Examples
    --------
    >>> table = pd.DataFrame({"death": ["0", "1", "0"]}, index=pd.Index(["1", "2", "3"]))
    >>> kept, note = drop_unmatched(Outcomes(table, ["death"], None, "", "o.txt"), ["1"], "set-a")
    >>> list(kept.table.index), note[:52]
    (['1'], 'o.txt: 2 of 3 outcome rows name records not found in')
    """
    index = outcomes.table.index
    known = index.isin(list(ids))
    if known.all():
        return outcomes, ""
    extra = index[~known]
    note = (
        f"{outcomes.source}: {len(extra)} of {len(index)} outcome rows name records not found "
        f"in {where} (e.g. {', '.join(map(str, extra[:3]))}); those rows were dropped. Check "
        "that the outcomes table belongs to these records."
    )
    return replace(outcomes, table=outcomes.table[known]), note


def attach_outcomes(
    records: RecordSet, outcomes: Outcomes, *, extra_ok: Sequence[str] = ()
) -> RecordSet:
    """The records with ``labels`` taken from ``outcomes`` in record order.

    Parameters
    ----------
    records : RecordSet
    outcomes : Outcomes
    extra_ok : sequence of str, default ()
        Ids expected in the table although not in ``records`` (records of other parts).

    Raises
    ------
    DataError
        If records have no outcome row.

    Warns
    -----
    DataWarning
        If the table holds ids of no record read (nor in ``extra_ok``): those rows are
        ignored (see :func:`drop_unmatched`).
    """
    index = outcomes.table.index
    ids = pd.Index(records.ids)
    missing = ids[~ids.isin(index)]
    if len(missing):
        raise DataError(
            f"{outcomes.source}: {len(missing)} of {len(ids)} records in {records.source} have "
            f"no outcome row (e.g. {', '.join(missing[:3])}). Add their outcomes or remove "
            "those record files."
        )
    _, note = drop_unmatched(outcomes, [*records.ids, *extra_ok], records.source)
    if note:
        warnings.warn(note, DataWarning, stacklevel=2)
    labels = outcomes.table.loc[records.ids].reset_index(drop=True)
    return replace(records, labels=labels)


def _normalise_ids(column: pd.Series) -> pd.Series:
    """Ids as text; ``132539.0`` (a float-formatted integer) reads as ``132539``."""
    text = column.astype(str).str.strip()
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _label_columns(
    table: pd.DataFrame, ident: str, given: list[str], group: str | None, path: Path
) -> tuple[list[str], str]:
    if given:
        return given, ""
    candidates = [c for c in table.columns if c not in (ident, group)]
    if not candidates:
        raise DataError(
            f"{path}: no label column besides the id column '{ident}'. Add the outcome column."
        )
    if len(candidates) == 1:
        return candidates, ""
    named = [c for c in candidates if _OUTCOME_WORDS.search(c)]
    chosen = named[-1] if named else candidates[-1]
    note = (
        f"label column '{chosen}' chosen from {len(candidates)} outcome columns "
        f"({', '.join(candidates)}); pass --label-column to choose another"
    )
    return [chosen], note
