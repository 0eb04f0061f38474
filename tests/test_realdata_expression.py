"""Golub et al. (1999) ALL/AML microarrays: train on the 38 training samples, test on the 34
independent ones, with default expression preprocessing (log1p auto, top 2,000 variable genes,
z-scoring) and the default MLP."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from biodl.cli import app

pytestmark = pytest.mark.realdata


def test_golub_mlp_and_baseline_on_the_independent_set(shared_data, tmp_path):
    folder = shared_data / "expression" / "golub_all_aml"
    run = tmp_path / "golub"
    args = [
        "train",
        folder / "data_set_ALL_AML_train.csv",
        "--test",
        folder / "data_set_ALL_AML_independent.csv",
        "--labels",
        folder / "actual.csv",
        "--label-column",
        "cancer",
        "--genes-as-rows",
        "--model",
        "mlp",
        "--out",
        run,
        "--quiet",
    ]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["n_test"] == 34
    assert metrics["model"]["test"]["accuracy"] >= 0.85
    assert metrics["baseline"]["test"]["accuracy"] >= 0.75
    info = json.loads((run / "model" / "model.json").read_text())
    assert info["inputs"]["options"]["log1p"] is True  # raw intensities: logged by default
    assert len(info["inputs"]["preprocessing"]["genes_out"]) == 2000
