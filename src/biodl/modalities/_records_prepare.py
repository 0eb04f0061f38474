"""Reading, labelling and splitting irregular records for the workflow (records modality).

Kept apart from :mod:`biodl.modalities.records` (inputs, networks, baselines) so each file
holds one concept. Group splits: with ``--group-column`` (a column of the outcomes table, e.g.
a patient id), or when the outcomes table has a patient column (``patient_id``,
``subject_id``, ...), every patient's records go to one part.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from biodl.errors import DataError

if TYPE_CHECKING:
    from biodl.config import DataConfig, RunConfig
    from biodl.data.outcomes import Outcomes
    from biodl.data.records import RecordSet
    from biodl.experiment import PreparedData

_PATIENT_NAMES = ("patient_id", "patientid", "subject_id", "subjectid", "patient")


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


def prepare_records(cfg: RunConfig, *, seed: int) -> PreparedData:
    """Read train (and valid/test) records with their outcomes, encode targets, split."""
    from biodl.data.outcomes import read_outcomes
    from biodl.data.splits import split_indices
    from biodl.data.targets import infer_targets
    from biodl.experiment import PreparedData
    from biodl.modalities.records import _reader_options

    data = cfg.data
    labels_path, note_labels = _labels_path(data)
    reader = _reader_options(data)
    first = read_part(data.train, data, reader, labels=None)
    # Other parts use the training statics (a record may lack some: they read as missing).
    reader = {**reader, "statics": list(first.static_names), "require_statics": False}
    others = {
        name: read_part(path, data, reader, labels=None)
        for name, path in (("valid", data.valid), ("test", data.test))
        if path
    }
    group = data.group_column
    probe = read_outcomes(labels_path, label_columns=data.label_columns)
    if group is None:
        group = next((c for c in probe.table.columns if c.lower() in _PATIENT_NAMES), None)
        group = group if group not in probe.label_columns else None
    outcomes = read_outcomes(labels_path, label_columns=data.label_columns, group_column=group)
    from biodl.data.outcomes import attach_outcomes

    every = [*first.ids, *(i for part in others.values() for i in part.ids)]
    train = attach_outcomes(first, outcomes, extra_ok=every)
    labelled = {n: attach_outcomes(p, outcomes, extra_ok=every) for n, p in others.items()}
    for name, part in labelled.items():
        _check_part_variables(train, part, name)
    assert train.labels is not None
    targets = infer_targets(train.labels[outcomes.label_columns], data.task, source=labels_path)
    parts: dict[str, Any] = {"train": train, "valid": None, "test": None, **labelled}
    test_size = 0.0 if "test" in labelled else data.test_size
    valid_size = 0.0 if "valid" in labelled else data.valid_size
    method = "group" if group and data.split == "stratified" else data.split
    note = "separate files" if labelled else ""
    groups_all = train.labels[group].to_numpy() if group else None
    if test_size or valid_size:
        y_all = targets.encode(train.labels[outcomes.label_columns], source=labels_path)
        split = split_indices(
            y_all,
            task=targets.task,
            test_size=test_size,
            valid_size=valid_size,
            method=method,
            seed=seed,
            class_names=targets.classes or None,
            source=labels_path,
            groups=groups_all,
            group_column=group or "group",
        )
        parts["train"] = train.subset(split.train)
        if len(split.valid):
            parts["valid"] = train.subset(split.valid)
        if len(split.test):
            parts["test"] = train.subset(split.test)
        by = f" by '{group}'" if method == "group" else ""
        note = (
            f"{method} split{by} of the training records (test {test_size:.0%}, validation "
            f"{valid_size:.0%})" + ("; others from separate files" if labelled else "")
        )
    y = {
        name: targets.encode(p.labels[outcomes.label_columns], source=labels_path)
        if p is not None
        else None
        for name, p in parts.items()
    }
    y_train = y["train"]
    assert y_train is not None
    prepared = PreparedData(
        parts=parts,
        y=y,
        targets=targets.scaled_to(y_train),
        length=None,
        split_note=note,
        files=[p for p in (data.train, data.valid, data.test, labels_path) if p],
        groups=groups_all if parts["train"] is train else None,
        kind="records",
    )
    for text in (note_labels, outcomes.note):
        if text:
            from biodl.errors import DataWarning

            prepared.add_warning(text, DataWarning)
    return prepared


def _labels_path(data: DataConfig) -> tuple[str, str]:
    """``--labels``, or the one ``Outcomes*`` file beside the training folder."""
    if data.labels:
        return data.labels, ""
    train = Path(data.train)
    beside = sorted(train.parent.glob("Outcomes*")) + (
        sorted(train.glob("Outcomes*")) if train.is_dir() else []
    )
    if len(beside) == 1:
        return str(beside[0]), f"outcomes read from {beside[0]} (found beside the records)"
    raise DataError(
        f"{data.train}: records need an outcomes table keyed by record id; pass it with "
        "--labels (e.g. --labels Outcomes-a.txt)."
    )


def _check_part_variables(train: RecordSet, part: RecordSet, name: str) -> None:
    unknown = sorted(set(part.variables) - set(train.variables))
    if unknown:
        raise DataError(
            f"{part.source}: {name} records hold variable(s) {', '.join(unknown[:5])} never seen "
            f"in the training records {train.source} ({len(unknown)} in all). Remove them or "
            "add training records that hold them."
        )
