"""Typed run results: metrics.json round trips, runs written by earlier biodl still read."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from biodl.errors import DataError
from biodl.evaluation.bootstrap import MetricEstimate
from biodl.evaluation.comparison import PairedComparison
from biodl.evaluation.estimates import Estimate, MeanSd, SplitMetrics, finite
from biodl.evaluation.results import (
    Comparison,
    DataFacts,
    ExtraBaselineResult,
    ModelMetrics,
    PretrainingFacts,
    Prevalence,
    RunResults,
    SeedsSummary,
    Thresholds,
    TrainingFacts,
)
from biodl.evaluation.transfer_results import (
    ScratchComparison,
    ScratchResult,
    ScratchTraining,
    TransferFacts,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "run_schema2"
TRAIN_RUNS = ["sequence", "transfer", "timeseries", "expression"]


def _metrics(run: str) -> dict:
    return json.loads((FIXTURES / run / "metrics.json").read_text())


@pytest.mark.parametrize("run", TRAIN_RUNS)
def test_fixture_reads_and_writes_back_the_same_file(run):
    data = _metrics(run)
    results = RunResults.from_json(data)
    assert results.to_json() == data
    # same keys in the same order: a run rewritten from its results is the same file
    assert json.dumps(results.to_json(), indent=2) == json.dumps(data, indent=2)
    assert RunResults.from_json(results.to_json()) == results


def test_fixture_sections_are_typed():
    results = RunResults.from_json(_metrics("sequence"))
    assert results.final_split == "test" and results.task == "binary"
    assert results.model.splits["test"].value("auroc") == pytest.approx(0.475)
    assert not results.model.splits["train"].intervals
    assert results.model.splits["valid"].intervals
    assert results.baseline.features == "4-mer frequencies + position-wise one-hot"
    assert results.threshold is not None and results.threshold.rule == "balanced_accuracy"
    assert results.decision_threshold("model") == results.threshold.model
    assert results.seeds is not None and results.seeds.seeds == [0, 1]
    assert results.data.facts["alphabet"] == "dna" and results.data.sizes["test"] == 40
    assert results.training is not None and not results.training.epoch_chosen_on_valid
    transfer = RunResults.from_json(_metrics("transfer"))
    assert transfer.transfer is not None and transfer.transfer.freeze == "body"
    assert transfer.scratch is not None and transfer.scratch.training.epochs_run == 2
    extra = RunResults.from_json(_metrics("timeseries")).extra_baselines
    assert [e.name for e in extra] == ["1-NN (Euclidean)"]
    expression = RunResults.from_json(_metrics("expression"))
    assert expression.training is not None and expression.training.pretraining is not None
    assert expression.training.pretraining.encoder == "ae"
    assert expression.prevalence is None and expression.decision_threshold("model") == 0.5


def _every_section() -> RunResults:
    """Results with every optional section, undefined values and a train-only split."""
    nan = float("nan")
    boot = {"auroc": MetricEstimate(0.8, 0.7, 0.9), "auprc": MetricEstimate(nan, nan, nan)}
    split = SplitMetrics.from_bootstrap(boot)
    train = SplitMetrics.from_values({"auroc": 0.95, "auprc": np.float64(0.9)})
    paired = PairedComparison("auroc", 0.8, 0.7, 0.1, -0.05, 0.2, 0.3)
    return RunResults(
        task="binary",
        primary_metric="auroc",
        ci_level=0.95,
        n_bootstrap=100,
        model=ModelMetrics("CNN", {"train": train, "test": split}),
        baseline=ModelMetrics("logistic regression", {"train": train, "test": split}, "k-mers"),
        data=DataFacts(
            "a.fa",
            "sequence",
            {"alphabet": "dna", "length": {"min": 5, "max": 9, "median": 7.0}},
            "random split",
            {"train": 80, "test": 20},
            ["a", "b"],
            ["label"],
            {"identical_train_test": 1},
        ),
        comparison=Comparison.of(paired, split="test", verdict="It helped."),
        training=TrainingFacts(
            3, 2, True, 1.5, 0.1, "cpu", pretraining=PretrainingFacts("vae", 4, True, 80, 9, 0.2)
        ),
        threshold=Thresholds("f1", "valid", 0.3, 0.4),
        prevalence=Prevalence("test", 0.25),
        extra_baselines=[ExtraBaselineResult("1-NN", "test", 0.01, split)],
        seeds=SeedsSummary(
            [0, 1], "test", {"auroc": MeanSd.over([0.8, nan])}, {"auroc": MeanSd.over([0.7, 0.6])}
        ),
        transfer=TransferFacts("runs/a", "none", 0.1, 2, "loaded 2 tensors", "w", "run", "cnn"),
        scratch=ScratchResult(
            "CNN from scratch",
            "test",
            split,
            ScratchTraining(3, 3, 0.5),
            ScratchComparison.of(paired, verdict="Transfer helped."),
        ),
        warnings=["only 20 test examples: test metrics are coarse"],
    )


def test_every_section_round_trips_through_a_file(tmp_path):
    from biodl.runs import to_json

    results = _every_section()
    path = tmp_path / "metrics.json"
    path.write_text(to_json(results.to_json()))
    data = json.loads(path.read_text())
    assert RunResults.from_json(data) == results
    assert results.to_json() == data
    assert data["model"]["test"]["auprc"] is None and data["model"]["test_ci"]["auprc"] == [
        None,
        None,
    ]
    assert "train_ci" not in data["model"]
    assert data["seeds"]["model"]["auroc"] == {"mean": 0.8, "sd": None, "values": [0.8, None]}
    assert list(data)[-2:] == ["training", "warnings"]
    assert data["warnings"] == ["only 20 test examples: test metrics are coarse"]
    del data["warnings"]  # a run without warnings (or written before them) has none
    assert RunResults.from_json(data).warnings == []


def test_undefined_numbers_are_held_as_none():
    assert finite(float("nan")) is None and finite(np.float64("inf")) is None
    assert finite(np.int64(3)) == 3 and isinstance(finite(np.int64(3)), int)
    assert finite(np.float32(0.5)) == 0.5 and finite(None) is None and finite(True) is True
    assert Estimate.of(MetricEstimate(float("nan"), 0.1, 0.2)) == Estimate(None, 0.1, 0.2)
    stat = MeanSd.over([0.5, float("nan"), 0.7])
    assert stat.mean == pytest.approx(0.6) and stat.sd == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert MeanSd.over([float("nan")]) == MeanSd(None, None, [None])


def test_data_facts_keep_the_kinds_facts_in_order():
    data = _metrics("expression")["data"]
    facts = DataFacts.from_json(data)
    assert list(facts.facts) == ["genes", "sparse", "density", "value_scale"]
    assert facts.sizes == {"train": 56, "valid": 8, "test": 16}
    assert list(facts.to_json()) == list(data)


def test_transfer_facts_hold_every_field_of_the_load_report():
    from biodl.training.pretrained import LoadReport

    report = {f.name for f in fields(LoadReport)}
    assert report <= {f.name for f in fields(TransferFacts)}


def test_a_run_from_before_kinds_and_stopping_facts_still_reads():
    data = _metrics("sequence")
    for key in ("kind", "leakage", "label_columns"):
        del data["data"][key]
    del data["training"]["epoch_chosen_on_valid"]
    del data["schema_version"]
    results = RunResults.from_json(data)
    assert results.data.kind == "sequence" and results.data.leakage == {}
    assert results.training is not None and results.training.epoch_chosen_on_valid


def test_newer_results_are_refused():
    data = _metrics("sequence")
    data["schema_version"] = 99
    with pytest.raises(
        DataError, match=r"runs/x/metrics.json: written by a newer biodl \(schema 99"
    ):
        RunResults.from_json(data, source="runs/x/metrics.json")


def test_cross_validation_results_are_not_train_results():
    data = json.loads((FIXTURES / "cv" / "metrics.json").read_text())
    with pytest.raises(DataError, match="cross-validation run .* CVResults.from_json"):
        RunResults.from_json(data)


def test_a_file_without_a_section_is_named():
    data = copy.deepcopy(_metrics("sequence"))
    del data["comparison"]
    with pytest.raises(
        DataError, match=r"m.json: not the metrics.json of a biodl train run .*'comparison'"
    ):
        RunResults.from_json(data, source="m.json")


def test_comparison_of_a_paired_bootstrap_keeps_undefined_as_none():
    nan = float("nan")
    paired = PairedComparison("auroc", nan, 0.5, nan, nan, nan, 1.0)
    c = Comparison.of(paired, split="valid", verdict="undefined")
    assert c.to_json()["ci"] == [None, None] and c.model is None and c.baseline == 0.5
    assert math.isclose(Comparison.from_json(c.to_json()).p_value or 0.0, 1.0)
