"""`biodl inspect` on real data: Golub ALL/AML expression and UCR ECG200 series, with their
own train/test files. Marked `realdata`; skipped where ../shared/data is absent."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from biodl.cli import app

pytestmark = pytest.mark.realdata


def test_golub_expression(shared_data, tmp_path):
    folder = shared_data / "expression" / "golub_all_aml"
    out, js = tmp_path / "golub.html", tmp_path / "golub.json"
    args = [
        "inspect",
        folder / "data_set_ALL_AML_train.csv",
        "--test",
        folder / "data_set_ALL_AML_independent.csv",
        "--labels",
        folder / "actual.csv",
        "--label-column",
        "cancer",
        "--genes-as-rows",
        "--out",
        out,
        "--json",
        js,
    ]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert data["kind"] == "expression" and data["task"] == "binary"
    train, test = data["parts"]
    assert (train["n"], test["n"], train["genes"], test["genes"]) == (38, 34, 7129, 7129)
    assert train["value_scale"] == test["value_scale"] == "intensities"
    assert train["labels"][0]["class_counts"] == {"ALL": 27, "AML": 11}
    assert test["labels"][0]["class_counts"] == {"ALL": 20, "AML": 14}
    assert train["nonfinite"] == 0 and train["negative"] > 0
    assert data["overlaps"][0]["identical"] == 0
    codes = {f["code"]: f for f in data["findings"]}
    assert codes["scale"]["severity"] == "info" and "log1p" in codes["scale"]["message"]
    assert "small_data" in codes  # 72 samples
    assert {"leakage", "nonfinite", "missing_genes", "scale_differs"}.isdisjoint(codes)
    assert "data:image/png;base64," in out.read_text()


def test_ecg200_series(shared_data, tmp_path):
    folder = shared_data / "timeseries" / "ucr_ecg200"
    js = tmp_path / "ecg.json"
    args = ["inspect", folder / "ECG200_TRAIN.txt", "--test", folder / "ECG200_TEST.txt"]
    result = CliRunner().invoke(app, [str(a) for a in [*args, "--json", js]])
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert data["kind"] == "timeseries" and data["task"] == "binary"
    for part in data["parts"]:
        assert (part["n"], part["channels"], part["length_min"], part["length_max"]) == (
            100,
            1,
            96,
            96,
        )
        assert part["nonfinite"] == 0 and part["duplicate_series"] == 0
    assert data["parts"][0]["labels"][0]["class_counts"] == {"-1": 31, "1": 69}
    assert data["overlaps"][0]["identical"] == 0
    assert "test vs train: 0 of 100 test series identical" in result.stdout
    assert not [f for f in data["findings"] if f["severity"] == "warning"]
