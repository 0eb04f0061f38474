"""Irregular records: both layouts, statics and sentinels, compact storage, outcomes, errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biodl.data.outcomes import attach_outcomes, drop_unmatched, read_outcomes
from biodl.data.records import looks_like_records, read_records
from biodl.data.synthetic_icu import write_icu_records
from biodl.errors import DataError, DataWarning


def write(folder: Path, name: str, rows: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("Time,Parameter,Value\n" + rows)
    return path


@pytest.fixture
def physionet(tmp_path: Path) -> Path:
    """Two records in the PhysioNet 2012 layout (descriptors at 00:00, -1 = missing)."""
    folder = tmp_path / "set-a"
    statics = "00:00,RecordID,{id}\n00:00,Age,{age}\n00:00,Gender,0\n00:00,Height,-1\n"
    write(
        folder,
        "132539.txt",
        statics.format(id=132539, age=54)
        + "00:00,Weight,-1\n00:07,HR,73\n00:37,HR,77\n01:15,Lactate,2.5\n47:59,HR,90\n",
    )
    write(
        folder,
        "132540.txt",
        statics.format(id=132540, age=76)
        + "00:00,Weight,80.6\n00:00,HR,88\n02:30,Weight,81\n10:00,HR,95\n",
    )
    return folder


def test_folder_layout_reads_series_statics_and_sentinels(physionet):
    records = read_records(physionet)
    assert records.ids == ["132539", "132540"]
    assert records.static_names == ("Age", "Gender", "Height", "Weight")
    np.testing.assert_array_equal(records.statics[:, 0], [54, 76])
    assert np.isnan(records.statics[0, 2]) and np.isnan(records.statics[0, 3])  # -1 = missing
    assert records.statics[1, 3] == pytest.approx(80.6)
    assert records.variables == ("HR", "Lactate", "Weight")  # later Weight stays a series
    first = slice(records.offsets[0], records.offsets[1])
    np.testing.assert_allclose(records.time[first], [7 / 60, 37 / 60, 75 / 60, 47 + 59 / 60], 1e-6)
    assert records.counts.tolist() == [4, 3]
    assert records.time.dtype == np.float32 and records.variable.dtype == np.int16
    assert records.durations[1] == pytest.approx(10.0)
    assert looks_like_records(physionet)


def test_static_options(physionet):
    records = read_records(physionet, statics=["Age"], static_missing=None)
    assert records.static_names == ("Age",)
    assert "Height" in records.variables  # no longer static: stays a (time-zero) series
    with pytest.raises(DataError, match="never occur in the records"):
        read_records(physionet, statics=["Bmi"])


def test_subset_keeps_the_observations_of_each_record(physionet):
    records = read_records(physionet)
    sub = records.subset([1, 0])
    assert sub.ids == ["132540", "132539"] and sub.counts.tolist() == [3, 4]
    np.testing.assert_array_equal(sub.value[:3], records.value[4:7])
    assert len(sub) == 2 and sub.nbytes < 200


def test_long_table_with_minutes_in_any_row_order(tmp_path):
    table = pd.DataFrame(
        {
            "stay_id": ["a", "b", "a", "a", "b"],
            "minutes": [600, 30, 0, 1200, 0],
            "variable": ["hr", "hr", "age", "sbp", "age"],
            "value": [80, 90, 60, 120, 70],
        }
    )
    table.to_csv(tmp_path / "long.csv", index=False)
    assert looks_like_records(tmp_path / "long.csv")
    records = read_records(tmp_path / "long.csv", time_unit="minutes")
    assert records.ids == ["a", "b"] and records.static_names == ("age",)
    assert records.time[:2].tolist() == [10.0, 20.0]  # sorted by time within the record
    one = table[table["stay_id"] == "a"]
    one.to_csv(tmp_path / "one.csv", index=False)  # a single record, rows out of time order
    assert read_records(tmp_path / "one.csv", time_unit="minutes").counts.tolist() == [2]
    with pytest.raises(DataError, match="no column 'missing'.*--time-column"):
        read_records(tmp_path / "long.csv", time_column="missing")
    table.rename(columns={"variable": "what"}).to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(DataError, match="no variable column found.*--variable-column"):
        read_records(tmp_path / "long.csv")


def test_synthetic_cohort_reads_with_outcomes(tmp_path):
    root = write_icu_records(tmp_path, n_records=30, seed=3)
    records = read_records(root / "records")
    outcomes = read_outcomes(root / "Outcomes.txt")
    assert outcomes.label_columns == ["In-hospital_death"] and "chosen" in outcomes.note
    labelled = attach_outcomes(records, outcomes)
    assert labelled.labels is not None and len(labelled.labels) == 30
    assert len(records.variables) > 30


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ("00:00,Age,54\n00:07,HR,73\n00:05,HR,70\n", r"bad.txt line 4: time 0.08 h comes after"),
        ("00:00,Age,54\n0h07,HR,73\n", r"bad.txt line 3: time '0h07' is not a time"),
        ("00:00,Age,54\n00:07,HR,high\n", r"bad.txt line 3: value 'high' is not a numeric"),
        ("", r"1 record\(s\) have no observations"),
    ],
)
def test_bad_files_name_the_file_and_line(tmp_path, physionet, rows, match):
    write(physionet, "bad.txt", rows)
    with pytest.raises(DataError, match=match):
        read_records(physionet)


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (b"00:00,Age,54\n00:\xe87,HR,73\n", r"bad\.txt line 3: the row is not valid UTF-8"),
        (b"00:00,Age,54\n00:07,HR,73,1,2\n", r"bad\.txt line 3: cannot parse the row \(.*"),
        # an open quote joined lines, which escaped as IndexError
        (b'00:00,Age,54\n00:07,"HR,73\n00:09,HR,7"5\n', r"bad\.txt line 3: a double quote"),
    ],
)
def test_unreadable_rows_name_the_record_file_and_line(physionet, rows, match):
    # Fuzzing found both escaping: UnicodeDecodeError, and pandas' ParserError naming a line
    # of the records concatenated in memory rather than the file's.
    (physionet / "bad.txt").write_bytes(b"Time,Parameter,Value\n" + rows)
    with pytest.raises(DataError, match=match):
        read_records(physionet)


def test_carriage_return_line_endings_read_as_newlines(physionet):
    # A record file saved with lone CRs (old Mac) was refused with a message that carried the
    # CRs, so the terminal showed it on several lines (found by fuzzing).
    expected = read_records(physionet)
    path = physionet / "132539.txt"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    assert looks_like_records(physionet)
    again = read_records(physionet)
    np.testing.assert_array_equal(again.value, expected.value)
    assert again.ids == expected.ids
    path.write_bytes(b"Time;Parameter;Value\r00:00;Age;54\r")
    with pytest.raises(DataError, match=r"line 1: expected the header .*got 'Time;Parameter;Va"):
        read_records(physionet)


def test_a_table_record_without_observations_names_the_table(tmp_path):
    table = tmp_path / "events.csv"
    table.write_text("RecordID,Time,Parameter,Value\n1,00:00,Age,54\n2\n")
    with pytest.raises(DataError, match=r"events\.csv: 1 record\(s\) have no observations"):
        read_records(table)


def test_empty_tables_and_header_only_files(tmp_path, physionet):
    for name in ("132539.txt", "132540.txt"):
        (physionet / name).write_text("Time,Parameter,Value\n")
    with pytest.raises(DataError, match=r"set-a: the record files hold a header but no rows"):
        read_records(physionet)
    table = tmp_path / "events.csv"
    table.write_text("")
    with pytest.raises(DataError, match=r"events\.csv: the file is empty; expected a header"):
        read_records(table)
    table.write_text("RecordID,Time,Parameter,Value\n")
    with pytest.raises(DataError, match=r"events\.csv: the table has a header but no rows"):
        read_records(table)
    table.write_bytes(b"RecordID,Time,Parameter,Value\n1,00:00,Age\xff,5\n")
    with pytest.raises(DataError, match=r"events\.csv line 2: byte \d+ is not valid UTF-8"):
        read_records(table)
    outcomes = tmp_path / "Outcomes.txt"
    outcomes.write_text("")
    with pytest.raises(DataError, match=r"Outcomes\.txt: the file is empty; expected a header"):
        read_outcomes(outcomes)
    outcomes.write_text('RecordID,death\n1,"0\n')
    with pytest.raises(DataError, match=r"Outcomes\.txt: cannot parse the table \(.*EOF"):
        read_outcomes(outcomes)


def test_wrong_header_and_empty_folder(tmp_path):
    (tmp_path / "x.txt").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="expected the header Time,Parameter,Value"):
        read_records(tmp_path)
    (tmp_path / "x.txt").unlink()
    with pytest.raises(DataError, match="no .txt/.csv record files"):
        read_records(tmp_path)
    with pytest.raises(DataError, match="no such file or folder"):
        read_records(tmp_path / "nothing")


def test_outcomes_missing_or_extra_records(physionet, tmp_path):
    records = read_records(physionet)
    pd.DataFrame({"RecordID": [132539], "death": [1]}).to_csv(tmp_path / "o.csv", index=False)
    with pytest.raises(DataError, match=r"1 of 2 records .* no outcome row \(e.g. 132540\)"):
        attach_outcomes(records, read_outcomes(tmp_path / "o.csv"))
    pd.DataFrame({"RecordID": [132539, 132540, 9], "death": [1, 0, 0]}).to_csv(
        tmp_path / "o.csv", index=False
    )
    pattern = (
        r"o\.csv: 1 of 3 outcome rows name records not found in .*set-a \(e\.g\. 9\); "
        r"those rows were dropped"
    )
    with pytest.warns(DataWarning, match=pattern):
        labelled = attach_outcomes(records, read_outcomes(tmp_path / "o.csv"))
    assert labelled.labels is not None and labelled.labels["death"].tolist() == ["1", "0"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        attach_outcomes(records, read_outcomes(tmp_path / "o.csv"), extra_ok=["9"])
    kept, note = drop_unmatched(read_outcomes(tmp_path / "o.csv"), ["132540"], "here")
    assert list(kept.table.index) == ["132540"] and note.startswith(
        f"{tmp_path / 'o.csv'}: 2 of 3 outcome rows name records not found in here (e.g. 132539, 9)"
    )
    with pytest.raises(DataError, match="no column 'survival'"):
        read_outcomes(tmp_path / "o.csv", label_columns=["survival"])
    pd.DataFrame({"RecordID": [1, 1], "death": [1, 0]}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(DataError, match="record id '1' occurs 2 times"):
        read_outcomes(tmp_path / "d.csv")
