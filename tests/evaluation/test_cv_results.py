"""Typed cross-validation results: metrics.json of biodl cv round trips and old files read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from biodl.errors import DataError
from biodl.evaluation.crossval import FoldComparison
from biodl.evaluation.cv_results import (
    CVComparison,
    CVData,
    CVModelSummary,
    CVResults,
    NestedTuning,
    TunedFold,
)
from biodl.evaluation.estimates import MeanSd

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "run_schema2" / "cv" / "metrics.json"


def test_fixture_reads_and_writes_back_the_same_file():
    data = json.loads(FIXTURE.read_text())
    results = CVResults.from_json(data)
    assert json.dumps(results.to_json(), indent=2) == json.dumps(data, indent=2)
    assert CVResults.from_json(results.to_json()) == results
    assert results.seeds == [0, 1] and results.comparison.n_folds == 4
    assert results.tuning is not None and len(results.tuning.folds) == 4
    assert results.tuning.folds[0].params["model.activation"] == "gelu"
    assert results.model.metrics["accuracy"].values == [0.53, 0.5, 0.49, 0.5]


def test_plain_cross_validation_has_no_seeds_or_tuning():
    nan = float("nan")
    compared = FoldComparison("auroc", 3, 0.8, 0.7, 0.1, 0.1, 0.1, 0.05, nan, 0.4, 0.5)
    results = CVResults(
        task="binary",
        primary_metric="auroc",
        folds=3,
        repeats=1,
        split="stratified",
        data=CVData("a.fa", 30, ["a", "b"]),
        model=CVModelSummary("CNN", 1.0, {"auroc": MeanSd.over([0.7, 0.8, 0.9])}),
        baseline=CVModelSummary("logistic regression", 0.1, {"auroc": MeanSd(0.7, None, [0.7])}),
        comparison=CVComparison.of(compared, verdict="No difference."),
    )
    data = results.to_json()
    assert "seeds" not in data and "tuning" not in data and "started" not in data
    assert data["kind"] == "cross-validation" and data["comparison"]["corrected_t"] is None
    assert CVResults.from_json(json.loads(json.dumps(data))) == results


def test_nested_tuning_round_trips():
    tuning = NestedTuning("bayes", 5, "loss", [TunedFold(1, 1, {"train.lr": 0.01}, 0.3, 5)])
    assert NestedTuning.from_json(tuning.to_json()) == tuning
    assert tuning.to_json()["nested"] is True


def test_train_results_are_not_cross_validation_results():
    data = json.loads((FIXTURE.parents[1] / "sequence" / "metrics.json").read_text())
    with pytest.raises(DataError, match="not the results of a cross-validation run"):
        CVResults.from_json(data)


def test_newer_and_broken_files_are_refused():
    data = json.loads(FIXTURE.read_text())
    with pytest.raises(DataError, match="newer biodl"):
        CVResults.from_json({**data, "schema_version": 2})
    del data["model"]
    with pytest.raises(DataError, match=r"cv.json: not the metrics.json of a biodl cv run"):
        CVResults.from_json(data, source="cv.json")
