"""The one number format and the report tables: bold best values, sorting, CSV beside the page."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from biodl.report.figures import Interval
from biodl.report.formatting import format_interval, format_mean_sd, format_number
from biodl.report.page import page
from biodl.report.tables import MeanSdCell, Table, table_frame, table_html, write_tables


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.99412, "0.994"),
        (0.959, "0.959"),
        (12.345, "12.3"),
        (1234.5, "1234"),
        (0.000653, "0.000653"),
        (6.5e-05, "6.50e-05"),
        (0.9996, "1.00"),
        (-0.25, "-0.250"),
        (7, "7"),
        (math.nan, "—"),
        (None, "—"),
    ],
)
def test_three_significant_digits(value: object, text: str) -> None:
    assert format_number(value) == text


def test_sd_takes_the_means_decimals_and_intervals_go_in_brackets() -> None:
    assert format_mean_sd(0.994, 0.000653) == "0.994 ± 0.001"
    assert format_mean_sd(0.959, 0.011) == "0.959 ± 0.011"
    assert format_mean_sd(12.31, 1.234) == "12.3 ± 1.2"
    assert format_interval(0.0417, -0.2543, 0.3299) == "0.0417 [-0.254, 0.330]"
    assert format_interval(0.95, 0.93, 0.97) == "0.950 [0.930, 0.970]"
    assert format_interval(0.5, math.nan, 0.6) == "0.500"


def _table(**kw: object) -> Table:
    rows = [
        ["a", Interval(0.91, 0.88, 0.94), 1.5, MeanSdCell(0.3, 0.01)],
        ["b", Interval(0.95, 0.92, 0.97), 0.5, MeanSdCell(0.2, 0.02)],
        ["c", None, 2.5, MeanSdCell(None, None)],
    ]
    return Table("T", ["Name", "AUROC", "RMSE", "Loss"], rows, "cap", **kw)  # type: ignore[arg-type]


def test_best_value_per_column_and_per_row_is_bold() -> None:
    html = table_html(_table(better={"AUROC": "higher", "RMSE": "lower"}))
    assert "<strong>0.950 [0.920, 0.970]</strong>" in html and "<strong>0.500</strong>" in html
    assert "<strong>0.910" not in html and "<strong>1.50" not in html
    assert '<td class="num">—</td>' in html  # missing interval: a dash, still a number cell
    rows = [[1, 0.8, 0.7], [2, 0.6, 0.9], [3, 0.5, 0.5]]
    per_row = table_html(Table("F", ["Fold", "m", "b"], rows, compare=(("m", "b"), "higher")))  # type: ignore[arg-type]
    assert "<strong>0.800</strong>" in per_row and "<strong>0.900</strong>" in per_row
    assert "<strong>0.500</strong>" not in per_row  # a tie marks neither


def test_long_tables_are_sortable_and_pages_carry_the_script_only_then() -> None:
    short = table_html(_table())
    assert 'class="sortable"' not in short and "<script" not in page("x", [short])
    long = table_html(Table("L", ["i", "v"], [[i, i / 7] for i in range(9)]))
    assert 'class="sortable"' in long and 'data-v="0.14285714285714285"' in long
    html = page("x", [long])
    assert html.count("<script>") == 1 and "Content-Security-Policy" in html


def test_csv_keeps_full_precision_and_splits_intervals(tmp_path) -> None:
    frame = table_frame(_table())
    assert list(frame.columns) == ["Name", "AUROC", "AUROC_low", "AUROC_high", "RMSE", "Loss",
                                   "Loss_sd"]  # fmt: skip
    assert frame["AUROC_low"].tolist()[:2] == [0.88, 0.92]
    written = write_tables([_table(csv="t.csv"), _table()], tmp_path)
    assert written == [tmp_path / "tables" / "t.csv"]
    back = pd.read_csv(written[0])
    assert back["RMSE"].tolist() == [1.5, 0.5, 2.5] and back["Name"].tolist() == ["a", "b", "c"]
    assert "The same data: tables/t.csv." in table_html(_table(csv="t.csv"))
