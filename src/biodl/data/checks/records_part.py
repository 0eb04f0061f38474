"""The summary of one part of irregular records (:class:`RecordsPart`) and its findings.

Missingness per variable, static descriptors, stay lengths against the window, variables seen
in one part only, measurement practice and stay lengths that differ between parts, outcomes
that do not match the records. The summaries are made by
:func:`biodl.data.checks.records.inspect_records`.

Examples
--------
>>> RARE_COVERAGE, COVERAGE_SHIFT
(0.1, 0.25)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from biodl.data.checks.common import N_EXAMPLES
from biodl.data.checks.part import KindTerms, PartBase, slashed, span
from biodl.data.checks.result import (
    Finding,
    LabelSummary,
    count_with_examples,
    format_number,
    percent,
)
from biodl.data.outcomes import Outcomes
from biodl.data.records import RecordSet

__all__ = [
    "COVERAGE_SHIFT",
    "RARE_COVERAGE",
    "RECORDS",
    "RecordsPart",
    "outcome_findings",
    "part_findings",
    "shift_findings",
]

RECORDS = KindTerms(
    "records",
    "record",
    "records",
    baseline="the summary-statistics baselines",
    data=RecordSet,
    reader="Read it with biodl.data.records.read_records",
)

#: A variable measured in fewer than this share of the first part's records is "rare".
RARE_COVERAGE = 0.1
#: A static descriptor missing in more than this share of records.
STATIC_MISSING = 0.5
#: A variable whose share of measured records differs by more than this between parts.
COVERAGE_SHIFT = 0.25
#: Stays beyond the window above this share, or a median stay below this share of the window.
BEYOND_WINDOW = 0.2
SHORT_STAYS = 0.5
#: Later parts whose median stay differs from the first part's by more than this fraction.
STAY_SHIFT = 0.25


@dataclass
class RecordsPart(PartBase):
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

    terms: ClassVar[KindTerms] = RECORDS

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

    def headline(self) -> str:
        """Size, observations, stay lengths."""
        return (
            f"{self.n} records, {self.observations} observations of {len(self.variables)} "
            f"variables (median {format_number(self.observations_median)} per record); stays "
            f"{span(self.duration_min, self.duration_max, self.duration_median, 'h')}, "
            f"{self.beyond_window} beyond the {format_number(self.window_hours)} h window"
        )

    def kind_rows(self) -> list[tuple[str, str]]:
        """Observations, variables, stay lengths, empty records."""
        stays = (self.duration_min, self.duration_median, self.duration_max)
        return [
            ("Observations", str(self.observations)),
            (
                "Observations per record (median / max)",
                slashed(self.observations_median, self.observations_max),
            ),
            ("Variables observed", str(len(self.variables))),
            ("Stay hours min / median / max", slashed(*(round(v, 1) for v in stays))),
            (
                f"Stays beyond the {format_number(self.window_hours)} h window",
                f"{self.beyond_window} ({percent(self.beyond_window / max(self.n, 1))})",
            ),
            (
                "Records without observations",
                count_with_examples(self.empty_records, self.empty_examples),
            ),
        ]


def part_findings(part: RecordsPart, first: bool) -> list[Finding]:
    """Rare variables and missing statics (first part), empty records, stays vs the window."""
    out: list[Finding] = []
    name = part.name
    if first:
        out += _rare_variables(part)
        out += _missing_statics(part)
    if part.empty_records:
        out.append(
            Finding(
                "info",
                f"{name}: {part.empty_records} of {part.n} records hold no time-series "
                f"observation, only static descriptors (e.g. {', '.join(part.empty_examples)}).",
                "Check that their files are complete; the model sees an empty grid for them.",
                "empty_records",
            )
        )
    window = format_number(part.window_hours)
    # --window is a training option: a value is suggested from the training part's stays only
    chosen_there = (
        "--window is chosen on the training part's stays (its line, when it has one, gives a "
        "value), not on these."
    )
    if part.n and part.beyond_window / part.n > BEYOND_WINDOW:
        out.append(
            Finding(
                "info",
                f"{name}: {part.beyond_window} of {part.n} stays go on past the {window} h "
                f"window (median stay {format_number(round(part.duration_median, 1))} h); "
                "their later observations are not used.",
                "Nothing to do if the outcome should be predicted early; otherwise pass a longer "
                f"--window (e.g. --window {format_number(round(part.duration_p95))}h covers 95% "
                "of the stays)."
                if first
                else f"Nothing to do if the outcome should be predicted early; {chosen_there}",
                "window",
            )
        )
    elif part.n and part.duration_median < SHORT_STAYS * part.window_hours:
        out.append(
            Finding(
                "info",
                f"{name}: most stays end well before the {window} h window (median "
                f"{format_number(round(part.duration_median, 1))} h), so most of the time grid "
                "is padding.",
                f"Pass a shorter window, e.g. --window "
                f"{format_number(max(round(part.duration_p95), 1))}h (95% of the stays end by "
                "then)."
                if first
                else chosen_there,
                "window",
            )
        )
    return out


def _rare_variables(part: RecordsPart) -> list[Finding]:
    coverage = part.coverage
    rare = sorted(
        (v for v in part.variables if coverage[v] < RARE_COVERAGE), key=coverage.__getitem__
    )
    if not rare:
        return []
    shown = ", ".join(f"{v} {part.coverage[v]:.1%}" for v in rare[:N_EXAMPLES])
    return [
        Finding(
            "info",
            f"{part.name}: {len(rare)} of {len(part.variables)} variables are measured in fewer "
            f"than {RARE_COVERAGE:.0%} of records ({shown}).",
            "Expected for tests ordered only when needed (the model sees their absence through "
            "the mask); drop the ones that are almost never measured if they add only noise.",
            "rare_variables",
        )
    ]


def _missing_statics(part: RecordsPart) -> list[Finding]:
    missing = [s for s, f in part.static_missing.items() if f > STATIC_MISSING]
    if not missing:
        return []
    shown = ", ".join(f"{s} {part.static_missing[s]:.0%}" for s in missing[:N_EXAMPLES])
    return [
        Finding(
            "info",
            f"{part.name}: static descriptors missing in more than {STATIC_MISSING:.0%} of "
            f"records: {shown}.",
            "Check the sentinel for a missing value (--set data.static_missing=...); a "
            "descriptor missing this often adds little.",
            "static_missing",
        )
    ]


def shift_findings(parts: Sequence[RecordsPart]) -> list[Finding]:
    """Variables seen in one part only, measurement practice and stays that differ."""
    first, out = parts[0], []
    known = set(first.variables)
    for part in parts[1:]:
        unseen = sorted(set(part.variables) - known)
        if unseen:
            out.append(
                Finding(
                    "warning",
                    f"{part.name}: {len(unseen)} variables never occur in {first.name} (e.g. "
                    f"{', '.join(unseen[:N_EXAMPLES])}).",
                    f"Remove them from {part.name} or add {first.name} records that hold them; "
                    "a model cannot use a variable it never saw, and training refuses them.",
                    "unseen_variables",
                )
            )
        absent = [v for v in first.variables if v not in set(part.variables)]
        if absent:
            out.append(
                Finding(
                    "info",
                    f"{part.name}: {len(absent)} variables of {first.name} are never measured "
                    f"here (e.g. {', '.join(absent[:N_EXAMPLES])}).",
                    "Check that they were not dropped by mistake; the model sees them as always "
                    f"missing in {part.name}.",
                    "absent_variables",
                )
            )
        out += _coverage_shift(first, part)
        out += _stay_shift(first, part)
    return out


def _coverage_shift(first: RecordsPart, part: RecordsPart) -> list[Finding]:
    common = [v for v in first.variables if v in part.coverage]
    gap = {v: part.coverage[v] - first.coverage[v] for v in common}
    moved = sorted((v for v in common if abs(gap[v]) > COVERAGE_SHIFT), key=lambda v: -abs(gap[v]))
    if not moved:
        return []
    shown = ", ".join(
        f"{v} {part.coverage[v]:.0%} vs {first.coverage[v]:.0%}" for v in moved[:N_EXAMPLES]
    )
    return [
        Finding(
            "warning",
            f"{part.name}: {len(moved)} variables are measured in a very different share of "
            f"records than in {first.name} ({shown}).",
            "Check that the parts come from the same sites and protocols; a model can learn "
            "who measures what instead of the outcome.",
            "missingness_differs",
        )
    ]


def _stay_shift(first: RecordsPart, part: RecordsPart) -> list[Finding]:
    if not first.duration_median > 0:
        return []
    ratio = part.duration_median / first.duration_median
    if abs(ratio - 1) <= STAY_SHIFT:
        return []
    return [
        Finding(
            "warning",
            f"{part.name} stays are {'longer' if ratio > 1 else 'shorter'} than {first.name} "
            f"stays (median {format_number(round(part.duration_median, 1))} h vs "
            f"{format_number(round(first.duration_median, 1))} h).",
            "Check how the parts were selected; when stay length depends on the outcome (deaths "
            "cut stays short), a length that differs between parts shifts what the model sees.",
            "stay_lengths_differ",
        )
    ]


def outcome_findings(
    parts: Mapping[str, RecordSet],
    outcomes: Outcomes | Mapping[str, Outcomes | None] | None,
) -> list[Finding]:
    """Records without an outcome row, rows that match no record, and how the label was chosen.

    ``outcomes`` is one table for every part, or each part's own table (by part name); each
    table's rows are checked against the records of the parts it serves.
    """
    tables = per_part_outcomes(parts, outcomes)
    if all(table is None for table in tables.values()):
        if any(p.labels is not None for p in parts.values()):
            return []
        return [
            Finding(
                "info",
                "No outcomes table was found, so labels were not checked.",
                "Pass the outcomes table with --labels (training needs it).",
                "no_outcomes",
            )
        ]
    out: list[Finding] = []
    served: dict[int, tuple[Outcomes, list[str]]] = {}
    for name, table in tables.items():
        if table is not None:
            served.setdefault(id(table), (table, []))[1].append(name)
    for table, names in served.values():
        out += _table_findings(table, {name: parts[name] for name in names})
    return out


def per_part_outcomes(
    parts: Mapping[str, RecordSet], outcomes: Outcomes | Mapping[str, Outcomes | None] | None
) -> dict[str, Outcomes | None]:
    """The outcomes table of each part: ``outcomes`` itself when it is one table."""
    if outcomes is None or isinstance(outcomes, Outcomes):
        return dict.fromkeys(parts, outcomes)
    return {name: outcomes.get(name) for name in parts}


def _table_findings(outcomes: Outcomes, parts: Mapping[str, RecordSet]) -> list[Finding]:
    """:func:`outcome_findings` of one table and the parts it serves."""
    out: list[Finding] = []
    index = outcomes.table.index
    every: list[str] = []
    for name, part in parts.items():
        ids = pd.Index(part.ids)
        every += list(part.ids)
        lacking = ids[~ids.isin(index)]
        if len(lacking):
            out.append(
                Finding(
                    "warning",
                    f"{name}: {len(lacking)} of {len(ids)} records have no row in "
                    f"{outcomes.source} (e.g. {', '.join(map(str, lacking[:N_EXAMPLES]))}).",
                    "Add their outcomes or remove those records; training refuses records "
                    "without an outcome.",
                    "missing_outcomes",
                )
            )
    extra = index[~index.isin(every)]
    if len(extra):
        out.append(
            Finding(
                "info",
                f"{outcomes.source}: {len(extra)} outcome rows match no record read (e.g. "
                f"{', '.join(map(str, extra[:N_EXAMPLES]))}).",
                "Check that the outcomes table belongs to these records; rows of records kept "
                "elsewhere are fine.",
                "extra_outcomes",
            )
        )
    if outcomes.note:
        out.append(
            Finding(
                "info",
                f"{outcomes.source}: {outcomes.note}.",
                "Nothing to do if that is the outcome to predict.",
                "label_column",
            )
        )
    return out
