"""``biodl train FILE --task forecast`` end to end: the run directory, and bad input (exit 2)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.errors import ConfigError, DataError
from biodl.pipeline.forecast import held_out_pairs

runner = CliRunner()
FAST = ["--epochs", "4", "--bootstrap", "30"]


def test_cli_writes_a_forecast_run(tmp_path, lineage_fasta):
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["train", str(lineage_fasta), "--task", "forecast", "--out", str(out), *FAST]
    )
    assert result.exit_code == 0, result.output
    assert "Forecast per-site AUROC" in result.output and "site" in result.output
    for name in ("config.yaml", "metrics.json", "predictions.csv", "history.csv", "report.html"):
        assert (out / name).is_file(), name
    assert (out / "model" / "weights.safetensors").is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "forecast"
    assert metrics["baselines"]["persistence"]["auroc"]["value"] == 0.5
    assert set(metrics["baselines"]) == {"persistence", "site_frequency", "site_entropy"}
    assert metrics["cases"] == 30 * 3  # 30 sites, 11 pairs: auto holds out 3
    table = pd.read_csv(out / "predictions.csv")
    assert len(table) == 90 and table["season"].nunique() == 3
    page = (out / "report.html").read_text()
    assert "Predicted vs actual changes per site" in page and "Site frequency" in page
    assert "exactly 0.5" in page


def test_api_same_seed_same_numbers_and_test_seasons(lineage_fasta):
    a = biodl.train(lineage_fasta, task="forecast", epochs=3, n_bootstrap=20, test_seasons=2)
    b = biodl.train(lineage_fasta, task="forecast", epochs=3, n_bootstrap=20, test_seasons=2)
    assert a.metrics == b.metrics
    assert a.evaluation.cases == 30 * 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("given", "n_pairs", "held_out"),
    [
        ("auto", 11, 3),
        ("auto", 14, 3),
        ("auto", 15, 3),
        ("auto", 20, 4),
        ("auto", 39, 7),
        (2, 39, 2),
    ],
)
def test_held_out_pairs_auto_is_a_fifth_at_least_3(given, n_pairs, held_out):
    assert held_out_pairs(given, n_pairs) == held_out


def test_auto_holds_out_a_fifth_of_a_long_lineage(long_lineage_fasta):
    result = biodl.train(long_lineage_fasta, task="forecast", epochs=2, n_bootstrap=20)
    assert result.metrics["data"]["pairs"]["test"] == [16, 17, 18, 19]
    assert result.evaluation.cases == 30 * 4  # type: ignore[union-attr]


def test_cli_test_seasons_not_a_number_exit_2(tmp_path, lineage_fasta):
    args = ["train", str(lineage_fasta), "--task", "forecast", "--out", str(tmp_path / "r")]
    result = runner.invoke(app, [*args, "--test-seasons", "some"])
    assert result.exit_code == 2, result.output
    assert "--test-seasons some: expected a whole number or 'auto'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_too_few_seasons_for_the_held_out_ones(lineage_fasta):
    with pytest.raises(DataError, match=r"span 12 season\(s\); at least 14 are needed"):
        biodl.train(lineage_fasta, task="forecast", test_seasons=10, epochs=1)


def test_zero_test_seasons(lineage_fasta):
    with pytest.raises(ConfigError, match="--test-seasons 0: expected at least 1"):
        biodl.train(lineage_fasta, task="forecast", test_seasons=0, epochs=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (">a date=2009\nAC\n>b date=20091\nAC\n", "record 'b': date='20091' cannot be read"),
        (">a date=2009\nACG\n>b date=2010\nAC\n", "must be aligned"),
    ],
)
def test_cli_bad_input_exit_2_one_line(tmp_path, text, message):
    path = tmp_path / "bad.fa"
    path.write_text(text)
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["train", str(path), "--task", "forecast", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".run.partial-*"))


def test_other_commands_refuse_task_forecast(lineage_fasta):
    result = runner.invoke(app, ["inspect", str(lineage_fasta), "--task", "forecast"])
    assert result.exit_code == 2, result.output
    assert "--task forecast is run by biodl train only" in result.stderr


def test_saved_forecaster_loads_back(tmp_path, lineage_fasta):
    import torch

    from biodl.data.forecast_features import forecast_data
    from biodl.data.seasons import read_lineage
    from biodl.pipeline.forecast import load_forecaster
    from biodl.training.forecast import HISTORY_WEIGHT, forecast_scores

    out = tmp_path / "run"
    result = biodl.train(lineage_fasta, task="forecast", epochs=2, n_bootstrap=20, out=out)
    net = load_forecaster(out)
    assert net.history_weight == HISTORY_WEIGHT  # the blend is saved with the network
    data = forecast_data(read_lineage(lineage_fasta))
    again = forecast_scores(net, data, [8, 9, 10])
    table = result.predictions  # type: ignore[union-attr]
    assert torch.allclose(
        torch.tensor(again.change.ravel()), torch.tensor(table["p_change"].values)
    )
    with pytest.raises(DataError, match="load it with biodl.pipeline.forecast.load_forecaster"):
        biodl.load_run(out)


def test_given_training_options_reach_the_forecaster(lineage_fasta):
    default = biodl.train(lineage_fasta, task="forecast", epochs=3, n_bootstrap=20)
    changed = biodl.train(lineage_fasta, task="forecast", epochs=3, n_bootstrap=20, lr=0.05)
    assert changed.metrics != default.metrics  # the rate reached the optimiser
    named = biodl.train(lineage_fasta, task="forecast", epochs=3, n_bootstrap=20, model="cnn")
    assert named.metrics == default.metrics
    assert any("--model cnn is not used" in w for w in named.warnings)  # type: ignore[union-attr]


def test_a_forecast_run_says_and_logs_as_a_classifier_run_does(tmp_path, lineage_fasta):
    """Its data warnings on the terminal and in log.txt (and on the page, through
    metrics.json), and Lightning's start-up messages in log.txt only."""
    out = tmp_path / "run"
    args = ["train", str(lineage_fasta), "--task", "forecast", "--model", "cnn", "--out", str(out)]
    result = runner.invoke(app, [*args, *FAST])
    assert result.exit_code == 0, result.output
    assert "warning: --model cnn is not used" in result.output
    assert "GPU available" not in result.output
    log = (out / "log.txt").read_text()
    assert "DataWarning at " in log and "--model cnn is not used" in log
    assert "INFO lightning.pytorch.utilities.rank_zero: GPU available" in log
    assert json.loads((out / "metrics.json").read_text())["warnings"] == [
        "--model cnn is not used: --task forecast has one network of its own "
        "(SiteForecaster, docs/forecast.md)"
    ]
