"""Reading, labelling and splitting irregular records for the workflow (the records kind).

Kept apart from :mod:`biodl.kinds.records` (inputs, networks, baselines) so each file
holds one concept. Group splits: with ``--group-column`` (a column of the outcomes table, e.g.
a patient id), or when the outcomes table has a patient column (``patient_id``,
``subject_id``, ...), every patient's records go to one part.

Each part has its outcomes table: the training records ``--labels`` (else the ``Outcomes*``
file beside them); ``--valid``/``--test`` records ``--valid-labels``/``--test-labels``, else an
``Outcomes*`` file beside their own folder (PhysioNet's ``set-c/`` and ``Outcomes-c.txt``),
else the training table. Each table is read once.

Validation and test records are read with the training statics; a variable they hold that
training never saw is dropped (one warning names them), and a training variable they lack is
missing there (the grid's mask marks no observation; a static is NaN and its indicator says
missing), with a warning.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from biodl.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from biodl.config import DataConfig, RunConfig
    from biodl.data.outcomes import Outcomes
    from biodl.data.prepared import RawData
    from biodl.data.records import RecordSet

__all__ = [
    "absent_variables",
    "keep_variables",
    "outcomes_path",
    "read_part",
    "read_records_run",
    "unknown_variables",
]

_SHOWN = 5  # variable names shown in a warning


def read_part(
    path: str,
    data: DataConfig,
    reader: dict[str, Any],
    *,
    labels: str | None,
    outcomes: Outcomes | None = None,
    extra_ok: list[str] | None = None,
) -> RecordSet:
    """Read records at ``path`` (and attach outcomes when a table is given)."""
    from biodl.data.outcomes import attach_outcomes, read_outcomes
    from biodl.data.records import read_records

    records = read_records(
        path,
        id_column=reader["id_column"],
        time_column=reader["time_column"],
        variable_column=reader["variable_column"],
        value_column=reader["value_column"],
        time_unit=reader["time_unit"],
        statics=reader["statics"],
        static_missing=reader["static_missing"],
        require_statics=reader.get("require_statics", True),
    )
    if outcomes is None and labels:
        outcomes = read_outcomes(labels, label_columns=reader["label_columns"])
        extra_ok = list(outcomes.table.index)  # predict/evaluate: the table may cover more
    if outcomes is not None:
        records = attach_outcomes(records, outcomes, extra_ok=extra_ok or [])
    return records


def read_records_run(cfg: RunConfig, reader: dict[str, Any]) -> RawData:
    """Train (and valid/test) records with their outcomes; the patient column groups them.

    ``reader`` holds the records reader's options (:func:`read_part`). The group column is
    ``--group-column``, else a patient column of the outcomes table (``patient_id``,
    ``subject_id``, ...): a stratified split then keeps each patient's records in one part.
    """
    from biodl.data.outcomes import attach_outcomes, drop_unmatched, read_outcomes
    from biodl.data.prepared import RawData

    data = cfg.data
    given = [name for name in ("valid", "test") if getattr(data, name)]
    sources = {name: _required(outcomes_path(data, name), data) for name in ("train", *given)}
    first = read_part(data.train, data, reader, labels=None)
    # Other parts use the training statics (a record may lack some: they read as missing).
    reader = {**reader, "statics": list(first.static_names), "require_statics": False}
    read = {"train": first}
    for name in given:
        read[name] = read_part(getattr(data, name), data, reader, labels=None)
    train_path = sources["train"][0]
    tables = {
        train_path: read_outcomes(
            train_path,
            label_columns=data.label_columns,
            group_column=data.group_column,
            find_patient=True,
        )
    }
    columns = tables[train_path].label_columns
    for path, _ in sources.values():
        if path not in tables:  # a part's own table: the training label columns, no groups
            tables[path] = read_outcomes(path, label_columns=columns)
    notes = [note for _, note in sources.values() if note]
    if tables[train_path].note:
        notes.append(tables[train_path].note)
    parts: dict[str, Any] = {}
    for path, table in tables.items():
        names = [name for name in read if sources[name][0] == path]
        every = [i for name in names for i in read[name].ids]
        where = " or ".join(read[name].source for name in names)
        kept, dropped = drop_unmatched(table, every, where)
        notes += [dropped] if dropped else []
        for name in names:
            parts[name] = attach_outcomes(read[name], kept, extra_ok=every)
    train = parts["train"]
    for name in read:
        if name != "train":
            parts[name], found = _align(train, parts[name], name)
            notes += found
    return RawData(
        {name: parts[name] for name in read},
        {name: parts[name].labels[columns] for name in read},
        side=train.labels,
        files=[p for p in (data.train, data.valid, data.test, *tables) if p],
        label_source=train_path,
        part_label_sources={name: sources[name][0] for name in given},
        default_group=tables[train_path].group_column,
        notes=notes,
    )


def outcomes_path(data: DataConfig, part: str) -> tuple[str | None, str]:
    """The outcomes table of ``part`` and a note when it was found rather than given.

    Training: ``--labels``, else the ``Outcomes*`` file beside the records
    (:func:`biodl.data.outcomes.find_outcomes`), else None. Validation and test:
    ``--valid-labels``/``--test-labels``, else the ``Outcomes*`` file beside their folder
    when it is not the training table, else the training table.
    """
    from biodl.data.outcomes import find_outcomes

    train: str | None
    if data.labels:
        train, train_note = data.labels, ""
    else:
        found = find_outcomes(data.train)
        train = None if found is None else str(found)
        train_note = f"outcomes read from {found} (found beside the records)" if found else ""
    if part == "train":
        return train, train_note
    path = getattr(data, part)
    given = getattr(data, f"{part}_labels")
    if given:
        return given, ""
    found = find_outcomes(path)
    if found is not None and (train is None or found.resolve() != Path(train).resolve()):
        return str(found), f"{part} outcomes read from {found} (found beside {path})"
    return train, ""


def _required(source: tuple[str | None, str], data: DataConfig) -> tuple[str, str]:
    path, note = source
    if path is None:
        raise DataError(
            f"{data.train}: records need an outcomes table keyed by record id; pass it with "
            "--labels (e.g. --labels Outcomes-a.txt)."
        )
    return path, note


def _align(train: RecordSet, part: RecordSet, name: str) -> tuple[RecordSet, list[str]]:
    """``part`` without variables training never saw, and the warnings about both ways."""
    part, dropped = keep_variables(part, train.variables)
    notes = [unknown_variables(part, dropped, name, train.source)]
    notes.append(absent_variables(train, part, name))
    return part, [note for note in notes if note]


def keep_variables(records: RecordSet, variables: Sequence[str]) -> tuple[RecordSet, list[str]]:
    """``records`` without the observations of variables not in ``variables``.

    Returns
    -------
    records : RecordSet
        The same records (ids, statics, labels), fewer observations; ``variables`` keeps the
        order of the known ones.
    dropped : list of str
        The variables left out, in the records' order ([] when none).

    Examples
    --------
    >>> from biodl.data.records import RecordSet
    >>> rec = RecordSet(["a"], np.array([0, 2]), np.array([0.0, 1.0], "float32"),
    ...                 np.array([0, 1], "int16"), np.array([5.0, 6.0], "float32"),
    ...                 ("HR", "ICUType"), np.zeros((1, 0), "float32"), ())
    >>> kept, dropped = keep_variables(rec, ["HR"])
    >>> kept.variables, kept.value.tolist(), dropped
    (('HR',), [5.0], ['ICUType'])
    """
    known = set(variables)
    wanted = np.array([v in known for v in records.variables], dtype=bool)
    if wanted.all():
        return records, []
    keep = wanted[records.variable.astype(np.int64)]
    remap = (np.cumsum(wanted) - 1).astype(np.int16)
    counts = np.bincount(records.record_index[keep], minlength=len(records))
    return (
        replace(
            records,
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            time=records.time[keep],
            variable=remap[records.variable[keep].astype(np.int64)],
            value=records.value[keep],
            variables=tuple(v for v, w in zip(records.variables, wanted, strict=True) if w),
        ),
        [v for v, w in zip(records.variables, wanted, strict=True) if not w],
    )


def unknown_variables(part: RecordSet, dropped: Sequence[str], name: str, training: str) -> str:
    """The warning about variables of ``part`` dropped because training never saw them."""
    if not dropped:
        return ""
    return (
        f"{part.source}: {len(dropped)} variable(s) of the {name} records never occur in the "
        f"training records {training} ({_names(dropped)}); they were ignored. Nothing to do "
        "if training had no such measurements; otherwise add training records that hold them."
    )


def absent_variables(train: RecordSet, part: RecordSet, name: str) -> str:
    """The warning about training variables and statics that ``part`` never holds.

    A time-varying variable absent from the part is unobserved in every grid cell (its mask
    is 0); a static descriptor all-missing in the part (and not in training) is NaN with its
    missing indicator set. "" when the part holds every one.
    """
    here = set(part.variables)
    absent = [v for v in train.variables if v not in here]
    for k, static in enumerate(train.static_names):  # part read with the training statics
        if (
            len(part)
            and np.isnan(part.statics[:, k]).all()
            and not np.isnan(train.statics[:, k]).all()
        ):
            absent.append(f"{static} (static)")
    if not absent:
        return ""
    return (
        f"{part.source}: {len(absent)} training variable(s) never occur in the {name} records "
        f"({_names(absent)}); they are filled as missing there (the observation mask says "
        "so). Check that the files hold the same variables under the same names."
    )


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f", ... ({len(names)} in all)" if len(names) > _SHOWN else "")
