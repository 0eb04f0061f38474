"""Look at irregular clinical records before training: :func:`inspect_records`.

Per part: records, observations, stay lengths (hours to the last observation) against the
``--window``, how often each variable is measured (the share of records with at least one
observation: missingness per variable), static descriptors that are missing, records without
any time-series observation, outcomes. Across parts: variables seen in one part only,
variables measured far more or less often than in the first part, stay lengths that differ,
and identical records (leakage).

Outcomes are matched to records by id without refusing gaps: a record without an outcome row
counts as a missing label, and outcome rows that match no record are reported.

Two records are identical when they hold the same observations (time, variable and value,
variables matched by name) and the same static values (a 16-byte digest of each record).

Examples
--------
>>> import tempfile
>>> from biodl.data.records import read_records
>>> from biodl.data.synthetic_icu import write_icu_records
>>> root = write_icu_records(tempfile.mkdtemp(), n_records=20, seed=0)
>>> result = inspect_records({"train": read_records(root / "records")})
>>> result.parts[0].n, result.task is None
(20, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from biodl.data.checks.assemble import assemble, check_arguments
from biodl.data.checks.common import N_EXAMPLES, digest, find_overlaps
from biodl.data.checks.labels import resolve_task
from biodl.data.checks.part import part_histogram
from biodl.data.checks.records_part import (
    RECORDS,
    RecordsPart,
    outcome_findings,
    part_findings,
    per_part_outcomes,
    shift_findings,
)
from biodl.data.checks.result import (
    Bars,
    Histogram,
    Inspection,
    Table,
    float_histogram,
    format_number,
    percent,
)
from biodl.data.outcomes import Outcomes
from biodl.data.records import RecordSet
from biodl.data.targets import TaskName

__all__ = ["inspect_records"]


MAX_VARIABLES_SHOWN = 60
MAX_VARIABLES_DRAWN = 40


def inspect_records(
    parts: Mapping[str, RecordSet],
    *,
    outcomes: Outcomes | Mapping[str, Outcomes | None] | None = None,
    task: str = "auto",
    window_hours: float = 48.0,
) -> Inspection:
    """Summarise irregular records before training and list what to fix.

    Parameters
    ----------
    parts : mapping of str to RecordSet
        Named parts in order (the first is the training part); later parts read with the
        first part's static descriptors.
    outcomes : Outcomes or mapping of str to Outcomes, optional
        The outcomes table, or each part's own table by part name (``--test-labels``, or the
        ``Outcomes*`` file beside the test folder); its label columns become the part's
        labels (a record without a row has missing labels). None keeps the parts' own
        ``labels``.
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}, default "auto"
    window_hours : float, default 48.0
        The ``--window`` of training, to compare stay lengths with.

    Returns
    -------
    Inspection
        Part summaries (:class:`RecordsPart`), identical records across parts, findings;
        tables of variables and static descriptors, stay-length histograms and measurement
        rates per variable.

    Raises
    ------
    ConfigError
        For an unknown ``task``.
    DataError
        For no parts or a part that is not a RecordSet.
    """
    check_arguments(RECORDS, parts, task)
    tables = per_part_outcomes(parts, outcomes)
    labelled = {name: _with_outcomes(part, tables[name]) for name, part in parts.items()}
    resolved = resolve_task([p.labels for p in labelled.values()], task)
    vocabulary = sorted({v for p in parts.values() for v in p.variables})
    hashes = {name: record_hashes(p, vocabulary) for name, p in parts.items()}
    summaries = [
        _summarise(name, part, hashes[name], resolved, window_hours)
        for name, part in labelled.items()
    ]
    overlaps = find_overlaps({name: (p.ids, hashes[name]) for name, p in parts.items()})
    return assemble(
        RECORDS,
        resolved,
        summaries,
        overlaps,
        identity="Two records are identical when they hold the same observations (time, "
        "variable, value) and the same static values.",
        part_findings=part_findings,
        before=outcome_findings(parts, outcomes),
        after=shift_findings(summaries),
        tables=[_variable_table(summaries), *_static_table(summaries)],
        figures=[*(_duration_figure(p) for p in summaries), _coverage_figure(summaries)],
    )


# --------------------------------------------------------------------------- one part


def _with_outcomes(part: RecordSet, outcomes: Outcomes | None) -> RecordSet:
    if outcomes is None:
        return part
    table = outcomes.table[outcomes.label_columns]
    return replace(part, labels=table.reindex(part.ids).reset_index(drop=True))


def record_hashes(part: RecordSet, vocabulary: list[str]) -> list[bytes]:
    """A digest of each record: its observations (variables by name) and static values."""
    position = {v: k for k, v in enumerate(vocabulary)}
    codes = np.array([position[v] for v in part.variables], dtype=np.int32)
    variable = codes[part.variable.astype(np.int64)] if len(codes) else part.variable
    time = np.ascontiguousarray(part.time, dtype=np.float32)
    value = np.ascontiguousarray(part.value, dtype=np.float32)
    variable = np.ascontiguousarray(variable, dtype=np.int32)
    statics = np.ascontiguousarray(part.statics, dtype=np.float32)
    bounds = part.offsets.tolist()
    out = []
    for i in range(len(part)):
        a, b = bounds[i], bounds[i + 1]
        out.append(
            digest(
                time[a:b].tobytes()
                + variable[a:b].tobytes()
                + value[a:b].tobytes()
                + statics[i].tobytes()
            )
        )
    return out


def _summarise(
    name: str, part: RecordSet, hashes: list[bytes], task: TaskName | None, window_hours: float
) -> RecordsPart:
    n = len(part)
    counts = part.counts
    durations = part.durations
    empty = np.flatnonzero(counts == 0)
    pairs = np.unique(part.record_index * max(len(part.variables), 1) + part.variable)
    per_variable = np.bincount(pairs % max(len(part.variables), 1), minlength=len(part.variables))
    observations = np.bincount(part.variable.astype(np.int64), minlength=len(part.variables))
    edges, hist = float_histogram(durations) if n else ([], [])
    statics = part.statics
    missing = np.isnan(statics).mean(axis=0) if n else np.zeros(len(part.static_names))
    return RecordsPart.build(
        name,
        part,
        hashes,
        part.labels,
        task,
        observations=int(counts.sum()),
        observations_median=float(np.median(counts)) if n else math.nan,
        observations_max=float(counts.max()) if n else math.nan,
        empty_records=len(empty),
        empty_examples=[part.ids[i] for i in empty[:N_EXAMPLES]],
        duration_min=float(durations.min()) if n else math.nan,
        duration_median=float(np.median(durations)) if n else math.nan,
        duration_max=float(durations.max()) if n else math.nan,
        duration_p95=float(np.percentile(durations, 95)) if n else math.nan,
        duration_edges=edges,
        duration_counts=hist,
        window_hours=float(window_hours),
        beyond_window=int((durations > window_hours).sum()),
        variables=list(part.variables),
        coverage={v: float(per_variable[k] / max(n, 1)) for k, v in enumerate(part.variables)},
        rate={v: float(observations[k] / max(n, 1)) for k, v in enumerate(part.variables)},
        static_missing={s: float(missing[k]) for k, s in enumerate(part.static_names)},
    )


# --------------------------------------------------------------------------- presentation


def _all_variables(parts: list[RecordsPart]) -> list[str]:
    """Variables of the first part by falling coverage, then those of the others."""
    first = parts[0]
    order = sorted(first.variables, key=lambda v: (-first.coverage[v], v))
    others = sorted({v for p in parts[1:] for v in p.variables} - set(first.variables))
    return order + others


def _variable_table(parts: list[RecordsPart]) -> Table:
    names = _all_variables(parts)
    shown = names[:MAX_VARIABLES_SHOWN]
    first = parts[0]
    header = [
        "Variable",
        *[f"{p.name}: records measured" for p in parts],
        f"{first.name}: observations per record",
    ]
    rows = [
        [
            v,
            *[percent(p.coverage[v]) if v in p.coverage else "never" for p in parts],
            format_number(round(first.rate.get(v, 0.0), 2)),
        ]
        for v in shown
    ]
    note = "The share of records with at least one observation of each variable (100% minus "
    note += "its missingness per record)."
    if len(shown) < len(names):
        note += f" Showing {len(shown)} of {len(names)} variables."
    return Table("Variables", header, rows, note)


def _static_table(parts: list[RecordsPart]) -> list[Table]:
    names = list(parts[0].static_missing)
    if not names:
        return []
    rows = [[s, *[percent(p.static_missing.get(s, math.nan)) for p in parts]] for s in names]
    return [
        Table(
            "Static descriptors",
            ["Descriptor", *[f"{p.name}: missing" for p in parts]],
            rows,
            "Values read at time zero (age, sex, ...); the share of records without one.",
        )
    ]


def _duration_figure(part: RecordsPart) -> Histogram:
    return part_histogram(
        part,
        "Stay lengths",
        caption="Hours from time zero to each record's last observation. The dashed line is "
        "the --window: observations after it are not used by the networks.",
        xlabel="Hours to the last observation",
        unit="records",
        edges=part.duration_edges,
        counts=part.duration_counts,
        marker=part.window_hours,
        marker_label=f"window {format_number(part.window_hours)} h",
    )


def _coverage_figure(parts: list[RecordsPart]) -> Bars:
    names = _all_variables(parts)[:MAX_VARIABLES_DRAWN]
    return Bars(
        heading="How often each variable is measured",
        caption="Share of records with at least one observation of each variable, per part "
        f"(at most {MAX_VARIABLES_DRAWN} variables, most measured first). Bars that differ "
        "between parts mean different measurement practice, which a model can learn instead "
        "of the outcome.",
        title="Records with at least one observation",
        ylabel="Share of records",
        categories=names,
        series={p.name: [p.coverage.get(v, 0.0) for v in names] for p in parts},
        ymax=1.05,
    )
