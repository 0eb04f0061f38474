"""Irregular records end to end: planted signal learned, CLI train/predict/evaluate, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.synthetic_icu import write_icu_records

runner = CliRunner()
FAST = ["--epochs", "10", "--batch-size", "16", "--lr", "0.003", "--bootstrap", "20", "--quiet"]
FAST += ["--set", "model.hidden_size=16"]


def biodl(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_icu_records(tmp_path_factory.mktemp("icu"), n_records=200, seed=0, signal=3.0)


def test_train_default_model_learns_the_planted_signal(cohort, tmp_path):
    out = tmp_path / "run"
    # --baseline fast: the single logistic regression, with gradient boosting beside it (the
    # default panel holds both: tests/test_baseline_panel.py)
    result = biodl(
        "train",
        cohort / "records",
        "--labels",
        cohort / "Outcomes.txt",
        "--out",
        out,
        "--baseline",
        "fast",
        *FAST,
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    text = json.dumps(metrics)
    assert metrics["model"]["name"].lower() == "gru" and "gradient boosting" in text.lower()
    assert metrics["model"]["test"]["auroc"] > 0.65  # planted signal (signal=3); chance 0.5
    assert metrics["data"]["kind"] == "records" and metrics["data"]["variables"] == 37
    assert metrics["extra_baselines"][0]["name"] == "gradient boosting on summary statistics"
    assert (out / "report.html").exists()
    predictions = pd.read_csv(out / "predictions.csv")
    assert len(predictions) > 0
    # predict on the same folder with the trained model
    pred = biodl("predict", out, cohort / "records", "--out", tmp_path / "p.csv")
    assert pred.exit_code == 0, pred.output
    assert len(pd.read_csv(tmp_path / "p.csv")) == 200


@pytest.mark.parametrize("model", ["grud", "transformer"])
def test_grud_and_channel_models_train(cohort, tmp_path, model):
    out = tmp_path / model
    extra = ["--set", "model.channels=8"] if model == "cnn" else []
    result = biodl(
        "train",
        cohort / "records",
        "--labels",
        cohort / "Outcomes.txt",
        "--out",
        out,
        "--model",
        model,
        "--epochs",
        "2",
        "--bootstrap",
        "20",
        "--quiet",
        *extra,
    )
    assert result.exit_code == 0, result.output


def _bad(tmp_path: Path, cohort: Path, *extra: str | Path) -> Any:
    out = tmp_path / "bad"
    result = biodl("train", *extra, "--out", out, *FAST)
    assert result.exit_code == 2, result.output
    assert not out.exists()
    return result


def test_outcomes_missing_records_exit_2(cohort, tmp_path):
    table = pd.read_csv(cohort / "Outcomes.txt").iloc[:-5]
    table.to_csv(tmp_path / "o.csv", index=False)
    result = _bad(tmp_path, cohort, cohort / "records", "--labels", tmp_path / "o.csv")
    assert "5 of 200 records" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_window_longer_than_every_record_exit_2(cohort, tmp_path):
    result = _bad(
        tmp_path,
        cohort,
        cohort / "records",
        "--labels",
        cohort / "Outcomes.txt",
        "--set",
        "data.window=96h",
    )
    assert "longer than every record" in result.stderr


def test_unknown_test_variable_is_ignored_with_a_warning(cohort, tmp_path):
    # Issue 12: a test variable training never saw was refused (exit 2); now it is ignored.
    folder = tmp_path / "test"
    folder.mkdir()
    (folder / "100000.txt").write_text("Time,Parameter,Value\n00:00,Age,50\n00:10,Troponin,2\n")
    out = tmp_path / "run"
    result = biodl(
        "train", cohort / "records", "--test", folder, "--labels", cohort / "Outcomes.txt",
        "--out", out, *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "records never occur in the training records" in result.stderr
    assert "(Troponin); they were ignored" in result.stderr


def test_non_numeric_value_exit_2(tmp_path):
    root = write_icu_records(tmp_path / "c", n_records=30, seed=1)
    path = root / "records" / "100003.txt"
    path.write_text(path.read_text() + "47:00,HR,abc\n")
    result = _bad(tmp_path, root, root / "records", "--labels", root / "Outcomes.txt")
    assert "100003.txt line" in result.stderr and "'abc' is not a numeric value" in result.stderr


def test_balanced_sampling_draws_each_class_equally_often(cohort, tmp_path):
    import numpy as np

    from biodl.data.outcomes import attach_outcomes, read_outcomes
    from biodl.data.records import read_records
    from biodl.data.timegrid import fit_grid
    from biodl.kinds.records import RECORDS

    records = attach_outcomes(
        read_records(cohort / "records"), read_outcomes(cohort / "Outcomes.txt")
    )
    assert records.labels is not None
    y = records.labels.iloc[:, 0].astype(int).to_numpy()
    inputs = {"grid": fit_grid(records).to_dict(), "sampling": "balanced"}
    data = RECORDS.dataset(records, y, inputs, training=True, seed=0)
    drawn = np.concatenate(
        [b for e in range(20) for b in data.sampler(16, shuffle=True, seed=e)]  # type: ignore[attr-defined]
    )
    assert y.mean() < 0.35 and abs(y[drawn].mean() - 0.5) < 0.05
    plain = RECORDS.dataset(records, y, {**inputs, "sampling": "shuffle"}, training=True, seed=0)
    assert sorted(np.concatenate(list(plain.sampler(16, shuffle=True, seed=0)))) == list(  # type: ignore[attr-defined]
        range(len(y))
    )
    result = biodl(
        "train",
        cohort / "records",
        "--labels",
        cohort / "Outcomes.txt",
        "--out",
        tmp_path / "bal",
        "--sampling",
        "balanced",
        "--epochs",
        "1",
        "--bootstrap",
        "20",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
