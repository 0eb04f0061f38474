"""Reading, labelling and splitting irregular records for the workflow (the records kind).

Kept apart from :mod:`biodl.kinds.records` (inputs, networks, baselines) so each file
holds one concept. Group splits: with ``--group-column`` (a column of the outcomes table, e.g.
a patient id), or when the outcomes table has a patient column (``patient_id``,
``subject_id``, ...), every patient's records go to one part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biodl.errors import DataError

if TYPE_CHECKING:
    from biodl.config import DataConfig, RunConfig
    from biodl.data.outcomes import Outcomes
    from biodl.data.prepared import RawData
    from biodl.data.records import RecordSet


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
    labels_path, note_labels = _labels_path(data)
    first = read_part(data.train, data, reader, labels=None)
    # Other parts use the training statics (a record may lack some: they read as missing).
    reader = {**reader, "statics": list(first.static_names), "require_statics": False}
    others = {
        name: read_part(path, data, reader, labels=None)
        for name, path in (("valid", data.valid), ("test", data.test))
        if path
    }
    outcomes = read_outcomes(
        labels_path,
        label_columns=data.label_columns,
        group_column=data.group_column,
        find_patient=True,
    )
    group = outcomes.group_column
    every = [*first.ids, *(i for part in others.values() for i in part.ids)]
    where = " or ".join(p for p in (data.train, data.valid, data.test) if p)
    outcomes, note_rows = drop_unmatched(outcomes, every, where)
    train = attach_outcomes(first, outcomes, extra_ok=every)
    parts: dict[str, Any] = {"train": train}
    for name, part in others.items():
        parts[name] = attach_outcomes(part, outcomes, extra_ok=every)
        check_part_variables(train, parts[name], name)
    columns = outcomes.label_columns
    labels = {name: part.labels[columns] for name, part in parts.items()}
    return RawData(
        parts,
        labels,
        side=train.labels,
        files=[p for p in (data.train, data.valid, data.test, labels_path) if p],
        label_source=labels_path,
        default_group=group,
        notes=[text for text in (note_labels, outcomes.note, note_rows) if text],
    )


def _labels_path(data: DataConfig) -> tuple[str, str]:
    """``--labels``, or the one ``Outcomes*`` file beside the training folder."""
    from biodl.data.outcomes import find_outcomes

    if data.labels:
        return data.labels, ""
    found = find_outcomes(data.train)
    if found is not None:
        return str(found), f"outcomes read from {found} (found beside the records)"
    raise DataError(
        f"{data.train}: records need an outcomes table keyed by record id; pass it with "
        "--labels (e.g. --labels Outcomes-a.txt)."
    )


def check_part_variables(train: RecordSet, part: RecordSet, name: str) -> None:
    unknown = sorted(set(part.variables) - set(train.variables))
    if unknown:
        raise DataError(
            f"{part.source}: {name} records hold variable(s) {', '.join(unknown[:5])} never seen "
            f"in the training records {train.source} ({len(unknown)} in all). Remove them or "
            "add training records that hold them."
        )
