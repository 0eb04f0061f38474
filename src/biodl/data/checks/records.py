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
from dataclasses import dataclass, replace

import numpy as np

from biodl.data.checks.common import (
    N_EXAMPLES,
    check_parts,
    check_task,
    digest,
    duplicate_id_count,
    find_overlaps,
    label_lines,
    label_summaries,
    pair_findings,
    part_label_findings,
    repeat_findings,
    repeats,
    resolve_task,
    small_data_finding,
    sort_findings,
)
from biodl.data.checks.records_findings import outcome_findings, part_findings, shift_findings
from biodl.data.checks.result import (
    Bars,
    Histogram,
    Inspection,
    LabelSummary,
    Table,
    count_with_examples,
    float_histogram,
    format_number,
    percent,
)
from biodl.data.outcomes import Outcomes
from biodl.data.records import RecordSet

__all__ = ["RecordsPart", "inspect_records"]

MAX_VARIABLES_SHOWN = 60
MAX_VARIABLES_DRAWN = 40


@dataclass
class RecordsPart:
    """Summary of one part of irregular records.

    Parameters
    ----------
    name, source : str
    n : int
        Records (stays).
    observations : int
        Time-series observations in all records.
    observations_median, observations_max : float
        Per record.
    empty_records : int
        Records without any time-series observation (statics only).
    empty_examples : list of str
    duration_min, duration_median, duration_max, duration_p95 : float
        Hours from time zero to each record's last observation.
    duration_edges, duration_counts : list
        Histogram of those hours.
    window_hours : float
        The ``--window`` the grid would use.
    beyond_window : int
        Records with observations after the window (not used by the networks).
    variables : list of str
        Time-series variables observed at least once in this part.
    coverage : dict of str to float
        Per variable, the share of records with at least one observation of it.
    rate : dict of str to float
        Per variable, observations per record (mean over all records).
    static_missing : dict of str to float
        Per static descriptor, the share of records without a value.
    label_columns : list of str
    labels : list of LabelSummary
    duplicate_records : int
        Records identical to an earlier record of this part.
    duplicate_examples : list of str
    duplicate_ids : int
    """

    name: str
    source: str
    n: int
    observations: int
    observations_median: float
    observations_max: float
    empty_records: int
    empty_examples: list[str]
    duration_min: float
    duration_median: float
    duration_max: float
    duration_p95: float
    duration_edges: list[float]
    duration_counts: list[int]
    window_hours: float
    beyond_window: int
    variables: list[str]
    coverage: dict[str, float]
    rate: dict[str, float]
    static_missing: dict[str, float]
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_records: int
    duplicate_examples: list[str]
    duplicate_ids: int

    def lines(self) -> list[str]:
        """Plain-text summary: size, stay lengths, variables, labels, repeats."""
        source = f" ({self.source})" if self.source and self.source != self.name else ""
        stays = (
            f"stays {format_number(self.duration_min)}–{format_number(self.duration_max)} h "
            f"(median {format_number(self.duration_median)} h), {self.beyond_window} beyond "
            f"the {format_number(self.window_hours)} h window"
        )
        lines = [
            f"{self.name}{source}: {self.n} records, {self.observations} observations of "
            f"{len(self.variables)} variables (median {format_number(self.observations_median)} "
            f"per record); {stays}"
        ]
        lines += label_lines(self.labels)
        lines.append(
            f"  duplicates: {self.duplicate_records} repeated records, {self.duplicate_ids} "
            "repeated ids"
        )
        return lines

    def rows(self) -> list[tuple[str, str]]:
        """Cells of this part's column in the HTML parts table."""
        stays = " / ".join(
            format_number(round(v, 1))
            for v in (self.duration_min, self.duration_median, self.duration_max)
        )
        return [
            ("Records", str(self.n)),
            ("Observations", str(self.observations)),
            (
                "Observations per record (median / max)",
                f"{format_number(self.observations_median)} / "
                f"{format_number(self.observations_max)}",
            ),
            ("Variables observed", str(len(self.variables))),
            ("Stay hours min / median / max", stays),
            (
                f"Stays beyond the {format_number(self.window_hours)} h window",
                f"{self.beyond_window} ({percent(self.beyond_window / max(self.n, 1))})",
            ),
            (
                "Records without observations",
                count_with_examples(self.empty_records, self.empty_examples),
            ),
            (
                "Repeated records",
                count_with_examples(self.duplicate_records, self.duplicate_examples),
            ),
            ("Repeated ids", str(self.duplicate_ids)),
        ]


def inspect_records(
    parts: Mapping[str, RecordSet],
    *,
    outcomes: Outcomes | None = None,
    task: str = "auto",
    window_hours: float = 48.0,
) -> Inspection:
    """Summarise irregular records before training and list what to fix.

    Parameters
    ----------
    parts : mapping of str to RecordSet
        Named parts in order (the first is the training part); later parts read with the
        first part's static descriptors.
    outcomes : Outcomes, optional
        The outcomes table; its label columns become each part's labels (a record without a
        row has missing labels). None keeps the parts' own ``labels``.
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
    check_task(task)
    check_parts(parts, RecordSet, "Read it with biodl.data.records.read_records")
    labelled = {name: _with_outcomes(part, outcomes) for name, part in parts.items()}
    resolved = resolve_task([p.labels for p in labelled.values()], task)
    vocabulary = sorted({v for p in parts.values() for v in p.variables})
    hashes = {name: _record_hashes(p, vocabulary) for name, p in parts.items()}
    summaries = [
        _summarise(name, part, hashes[name], resolved, window_hours)
        for name, part in labelled.items()
    ]
    overlaps = find_overlaps({name: (p.ids, hashes[name]) for name, p in parts.items()})
    findings = small_data_finding(
        sum(p.n for p in summaries), "record", "records", "the summary-statistics baselines"
    )
    findings += outcome_findings(parts, outcomes)
    for k, part in enumerate(summaries):
        findings += part_findings(part, first=k == 0)
        findings += repeat_findings(
            part.name,
            part.n,
            part.duplicate_records,
            part.duplicate_examples,
            part.duplicate_ids,
            item="record",
            items="records",
        )
        findings += part_label_findings(part.name, part.labels)
    findings += shift_findings(summaries)
    findings += pair_findings(summaries, overlaps, item="record", items="records")
    return Inspection(
        resolved,
        summaries,
        overlaps,
        sort_findings(findings),
        kind="records",
        item="record",
        items="records",
        identity="Two records are identical when they hold the same observations (time, "
        "variable, value) and the same static values.",
        tables=[_variable_table(summaries), *_static_table(summaries)],
        figures=[*(_duration_figure(p) for p in summaries), _coverage_figure(summaries)],
    )


# --------------------------------------------------------------------------- one part


def _with_outcomes(part: RecordSet, outcomes: Outcomes | None) -> RecordSet:
    if outcomes is None:
        return part
    table = outcomes.table[outcomes.label_columns]
    return replace(part, labels=table.reindex(part.ids).reset_index(drop=True))


def _record_hashes(part: RecordSet, vocabulary: list[str]) -> list[bytes]:
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
    name: str, part: RecordSet, hashes: list[bytes], task: str | None, window_hours: float
) -> RecordsPart:
    n = len(part)
    counts = part.counts
    durations = part.durations
    empty = np.flatnonzero(counts == 0)
    pairs = np.unique(part.record_index * max(len(part.variables), 1) + part.variable)
    per_variable = np.bincount(pairs % max(len(part.variables), 1), minlength=len(part.variables))
    observations = np.bincount(part.variable.astype(np.int64), minlength=len(part.variables))
    edges, hist = float_histogram(durations) if n else ([], [])
    repeated, examples = repeats(hashes, part.ids)
    statics = part.statics
    missing = np.isnan(statics).mean(axis=0) if n else np.zeros(len(part.static_names))
    return RecordsPart(
        name=name,
        source=part.source,
        n=n,
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
        label_columns=[] if part.labels is None else [str(c) for c in part.labels.columns],
        labels=label_summaries(part.labels, task),  # type: ignore[arg-type]
        duplicate_records=repeated,
        duplicate_examples=examples,
        duplicate_ids=duplicate_id_count(part.ids),
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
    return Histogram(
        heading=f"Stay lengths in {part.name}",
        caption="Hours from time zero to each record's last observation. The dashed line is "
        "the --window: observations after it are not used by the networks.",
        title=f"{part.name}: {part.n} records",
        xlabel="Hours to the last observation",
        ylabel="Records",
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
