"""Records inspection: each finding from a planted problem, counts and examples exact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from biodl.data.checks.records import inspect_records
from biodl.data.checks.result import Bars, Inspection
from biodl.data.outcomes import find_outcomes, read_outcomes
from biodl.data.records import read_records
from biodl.errors import ConfigError, DataError

Obs = list[tuple[float, str, float]]


def write_table(path: Path, records: dict[str, Obs]) -> Path:
    lines = ["RecordID,Time,Parameter,Value"]
    for rid, rows in records.items():
        lines += [f"{rid},{t},{name},{value}" for t, name, value in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def train_record(k: int) -> Obs:
    rows: Obs = [(0, "Age", 50 + k)]
    rows += [(t, "HR", 70 + k + t) for t in (1, 14, 27, 40)]
    rows += [(2, "Lactate", 1.0 + k / 10), (3, "Temp", 37.0)]
    if k != 3:
        rows.append((4, "Albumin", 3.0))
    if k == 0:
        rows.append((5, "Rare", 1.0))
    return rows


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Inspection, Path]:
    train = {f"r{k}": train_record(k) for k in range(19)}
    train["r18"] = train_record(17)  # a repeat of r17 under another id
    train["r19"] = [(0, "Age", 60)]  # statics only
    test = {
        f"t{k}": [(0, "Age", 40), (1, "HR", 80), (5, "HR", 81), (10, "HR", 82), (3, "OnlyTest", 1)]
        for k in range(4)
    }
    test["t0"].append((2, "Temp", 37.5))
    test["r7"] = [(0, "Age", 33), (1, "HR", 90), (9, "HR", 91)]  # same id as a train record
    test["t4"] = train_record(3)  # leaked from train
    test["r9"] = test.pop("t3")  # another id that train uses too
    outcomes = tmp_path / "outcomes.csv"
    rows = [f"r{k},{k % 2}" for k in range(19)] + [f"t{k},{k % 2}" for k in range(5)]
    outcomes.write_text("RecordID,death\n" + "\n".join([*rows, "zz,1"]) + "\n")
    parts = {
        "train": read_records(write_table(tmp_path / "train.csv", train), statics=["Age"]),
        "test": read_records(
            write_table(tmp_path / "test.csv", test), statics=["Age"], require_statics=False
        ),
    }
    result = inspect_records(parts, outcomes=read_outcomes(outcomes), window_hours=48)
    return result, outcomes


def codes(inspection: Inspection) -> set[str]:
    return {f.code for f in inspection.findings}


def finding(inspection: Inspection, code: str, part: str = ""):
    return next(f for f in inspection.findings if f.code == code and f.message.startswith(part))


def test_missingness_per_variable(planted: tuple[Inspection, Path]) -> None:
    result, _ = planted
    train = result.parts[0]
    assert train.coverage["HR"] == pytest.approx(19 / 20)
    assert train.coverage["Albumin"] == pytest.approx(18 / 20)
    assert train.coverage["Rare"] == pytest.approx(1 / 20)
    assert train.rate["HR"] == pytest.approx(4 * 19 / 20)
    assert train.static_missing == {"Age": 0.0}
    rare = finding(result, "rare_variables")
    assert "1 of 5 variables are measured in fewer than 10% of records (Rare 5.0%)" in rare.message


def test_variables_seen_in_one_part_only(planted: tuple[Inspection, Path]) -> None:
    result, _ = planted
    unseen = finding(result, "unseen_variables")
    assert unseen.severity == "warning" and "1 variables never occur in train (e.g. OnlyTest)" in (
        unseen.message
    )
    absent = finding(result, "absent_variables")
    assert "2 variables of train are never measured here (e.g. Albumin, Rare)" in absent.message
    moved = finding(result, "missingness_differs")
    assert "2 variables are measured in a very different share" in moved.message
    assert "(Lactate 17% vs 95%, Temp 33% vs 95%)" in moved.message


def test_stay_lengths(planted: tuple[Inspection, Path]) -> None:
    result, _ = planted
    train, test = result.parts
    assert (train.duration_min, train.duration_median, train.duration_max) == (0, 40, 40)
    assert (train.empty_records, train.empty_examples) == (1, ["r19"])
    assert test.duration_median == 10 and test.beyond_window == 0
    shift = finding(result, "stay_lengths_differ")
    assert "test stays are shorter than train stays (median 10 h vs 40 h)" in shift.message
    # the test part's short stays: no --window computed on them (a training option)
    fix = finding(result, "window", "test").fix
    assert "--window is chosen on the training part's stays" in fix
    assert not re.search(r"--window \d", fix)
    assert "empty_records" in codes(result)


def test_window_beyond(tmp_path: Path) -> None:
    records = read_records(write_table(tmp_path / "t.csv", {"a": train_record(1)}), statics=[])
    result = inspect_records({"train": records}, window_hours=24)
    assert result.parts[0].beyond_window == 1
    assert "go on past the 24 h window" in finding(result, "window").message


def test_identical_records_shared_ids_and_outcomes(planted: tuple[Inspection, Path]) -> None:
    result, outcomes = planted
    train = result.parts[0]
    assert (train.duplicate_records, train.duplicate_examples) == (1, ["r18"])
    (overlap,) = result.overlaps
    assert (overlap.identical, overlap.examples, overlap.matches) == (1, ["t4"], ["r3"])
    assert overlap.shared_ids == 2  # r7, r9
    assert (
        "1 of 6 test records are identical to a train record" in finding(result, "leakage").message
    )
    assert "shared_ids" in codes(result)
    missing = finding(result, "missing_outcomes")
    assert missing.message == f"train: 1 of 20 records have no row in {outcomes} (e.g. r19)."
    extra = finding(result, "extra_outcomes")
    assert "2 outcome rows match no record read (e.g. t3, zz)" in extra.message
    assert train.labels[0].missing == 1 and result.task == "binary"


def test_presentation(planted: tuple[Inspection, Path]) -> None:
    result, _ = planted
    variables = result.tables[0]
    assert variables.heading == "Variables" and variables.rows[0][0] == "HR"
    assert ["OnlyTest", "never", "66.7%", "0"] in variables.rows
    assert result.tables[1].rows == [["Age", "0.0%", "0.0%"]]
    (bars,) = [f for f in result.figures if isinstance(f, Bars)]
    assert bars.series["test"][bars.categories.index("OnlyTest")] == pytest.approx(4 / 6)


def test_no_outcomes_and_bad_arguments(tmp_path: Path) -> None:
    records = read_records(write_table(tmp_path / "t.csv", {"a": train_record(1)}), statics=[])
    assert "no_outcomes" in codes(inspect_records({"train": records}))
    with pytest.raises(DataError, match="expected a RecordSet"):
        inspect_records({"train": "records"})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="task: expected one of"):
        inspect_records({"train": records}, task="survival")


def test_find_outcomes_beside_the_records(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    assert find_outcomes(folder) is None
    (tmp_path / "Outcomes-a.txt").write_text("RecordID,death\n")
    assert find_outcomes(folder) == tmp_path / "Outcomes-a.txt"
    (tmp_path / "Outcomes-b.txt").write_text("RecordID,death\n")
    assert find_outcomes(folder) is None  # two candidates: none is guessed
