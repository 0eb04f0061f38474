"""Options of irregular records (``--kind records``; see docs/timeseries.md), declared once.

This module imports only :mod:`biodl.options`, so ``biodl --help`` reads it without the kind.

Examples
--------
>>> parse_statics("age, sex,"), parse_statics("none")
(['age', 'sex'], [])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.options import READING, describe, document, option

__all__ = ["RECORDS_PANEL", "TIME_UNIT_HELP", "RecordsOptions", "TimeUnitOption", "parse_statics"]

#: The help panel of these options.
RECORDS_PANEL = "Irregular records"

TimeUnitOption = Literal["auto", "hhmm", "minutes", "hours"]
TIME_UNIT_HELP = {
    "auto": "hh:mm when times hold a colon, else hours (minutes when the largest time exceeds 500)",
    "hhmm": "hours:minutes since the record's start, e.g. 47:59",
    "minutes": "minutes since the record's start",
    "hours": "hours since the record's start",
}


def parse_statics(text: str) -> list[str]:
    """``--statics a,b``: the listed variables; 'none' for none."""
    if text.strip().lower() == "none":
        return []
    return [s.strip() for s in text.split(",") if s.strip()]


@document
@dataclass
class RecordsOptions:
    """How records in long format are read and put on a time grid."""

    time_column: str | None = option(
        help="Records in one long table: the time column (the record id is --id-column); "
        "detected from common names if not given.",
        panel=RECORDS_PANEL,
        commands=READING,
    )
    variable_column: str | None = option(
        help="Records in one long table: the variable column (detected if not given).",
        panel=RECORDS_PANEL,
        commands=READING,
    )
    value_column: str | None = option(
        help="Records in one long table: the value column (detected if not given).",
        panel=RECORDS_PANEL,
        commands=READING,
    )
    time_unit: TimeUnitOption = option(
        "auto", help=describe(TIME_UNIT_HELP), panel=RECORDS_PANEL, commands=READING
    )
    statics: list[str] | None = option(
        help="Records: comma-separated variables whose time-zero value is a static descriptor "
        "(default: those observed at time zero in at least 90% of records; 'none' for none).",
        panel=RECORDS_PANEL,
        parse=parse_statics,
        commands=READING,
    )
    static_missing: float | None = option(
        -1.0,
        help="Records: the static value that means missing (--set data.static_missing=null: "
        "no value does).",
        panel=RECORDS_PANEL,
        commands=READING,
    )
    bin: str = option(
        "1h", help="Records: time-grid step, e.g. 1h, 30min.", panel=RECORDS_PANEL, flags=("--bin",)
    )
    window: str = option(
        "48h",
        help="Records: only the first hours of each record, e.g. 48h, 2d.",
        panel=RECORDS_PANEL,
        commands=READING,
    )
    forward_fill: bool = option(
        False,
        help="Records: carry the last observed value into unobserved bins (the mask still "
        "marks them).",
        panel=RECORDS_PANEL,
    )
