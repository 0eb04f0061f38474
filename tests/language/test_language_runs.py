"""biodl train --task language-model: a planted signal learned, the run directory, loading it
back, sampling, and bad input (one line, exit 2, nothing written)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.errors import ConfigError, DataError
from biodl.pipeline.language import load_language_model, sample_sequences

FAST = ["--model", "gru", "--set", "model.hidden_size=16", "--context", "24", "--quiet"]


@pytest.fixture(scope="module")
def periodic(tmp_path_factory):
    """DNA repeating ACGGT from a random phase: next letter fully determined after one."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("lm") / "periodic.fa"
    with open(path, "w") as handle:
        for i in range(160):
            start, length = int(rng.integers(0, 5)), int(rng.integers(20, 60))
            handle.write(f">s{i} family=x\n{('ACGGT' * 20)[start : start + length]}\n")
    return path


@pytest.fixture(scope="module")
def run(periodic, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "lm"
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(periodic),
            "--task",
            "language-model",
            "--out",
            str(out),
            "--epochs",
            "25",
            "--lr",
            "0.01",
            *FAST,
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_periodic_sequence_reaches_near_one_perplexity(run):
    metrics = json.loads((run / "metrics.json").read_text())
    net, markov = metrics["network"], metrics["markov"]
    assert metrics["task"] == "language-model" and metrics["objective"] == "causal"
    # the first letter of a window is a 1-in-4 guess, the rest near-certain
    assert net["test_perplexity"] < 1.3
    low, high = net["test_perplexity_ci"]
    assert low <= net["test_perplexity"] <= high
    assert markov["order"] >= 1 and markov["test_letters"] == net["test_letters"]
    assert metrics["letters"]["test"] == net["test_letters"]


def test_run_directory_loads_back_and_samples(run):
    for name in (
        "model/model.json",
        "model/weights.safetensors",
        "model/markov.npz",
        "history.csv",
        "config.yaml",
        "report.html",
        "tables/perplexity.csv",
        "tables/markov_orders.csv",
    ):
        assert (run / name).exists(), name
    table = pd.read_csv(run / "tables" / "perplexity.csv")
    assert table["validation"].notna().all() and len(table) == 2
    html = (run / "report.html").read_text()
    assert "perplexity is lower than" in html or "perplexity is higher than" in html
    loaded = load_language_model(run)
    assert loaded.objective == "causal" and loaded.context == 24
    assert loaded.alphabet.name == "dna" and not loaded.model.training
    assert loaded.markov is not None and loaded.markov.order >= 1
    history = (run / "history.csv").read_text()
    assert "valid_perplexity" in history
    drawn = sample_sequences(loaded.model, 4, length=30, prefix="ACG", seed=3, temperature=0.5)
    assert drawn == sample_sequences(
        loaded.model, 4, length=30, prefix="ACG", seed=3, temperature=0.5
    )
    assert all(len(s) == 30 and s.startswith("ACG") for s in drawn)
    assert sum("ACGGTACGGT" in s for s in drawn) >= 3  # the period was learned
    greedy = sample_sequences(loaded.model, 2, length=12, prefix="GT", top_k=1)
    assert greedy == ["GTACGGTACGGT"] * 2
    with pytest.raises(DataError, match="--prefix"):
        sample_sequences(loaded.model, 1, prefix="AXN", length=5)
    with pytest.raises(ConfigError, match="--temperature"):
        sample_sequences(loaded.model, 1, temperature=0)


def test_masked_objective_through_the_api(periodic, tmp_path):
    result = biodl.train(
        periodic,
        task="language-model",
        objective="masked",
        model="cnn",
        model_params={"channels": 8, "n_layers": 2},
        context=16,
        epochs=2,
        out=tmp_path / "masked",
    )
    assert result.metrics["objective"] == "masked"
    assert np.isfinite(result.metrics["network"]["test_perplexity"])
    loaded = load_language_model(tmp_path / "masked")
    assert loaded.model.objective == "masked" and loaded.model.mask_code == 16
    logits = loaded.model(torch.tensor([[1, 2, 16, 4]]))
    assert logits.shape == (1, 4, 4)
    with pytest.raises(ConfigError, match="causal language model"):
        sample_sequences(loaded.model, 1)
    assert "language model cnn (masked)" in result.summary()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--context", "1"], "--context 1: expected at least 2"),
        (["--objective", "sideways"], "sideways"),
        (["--set", "model.bidirectional=true"], "bidirectional=False"),
        (["--seeds", "3"], "--seeds with --task language-model"),
        (["--compare-scratch"], "--compare-scratch with --task language-model"),
        (["--init-from", "somewhere"], "--init-from with --task language-model"),
    ],
)
def test_bad_options_exit_2_with_one_line(periodic, tmp_path, args, message):
    out = tmp_path / "bad"
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(periodic),
            "--task",
            "language-model",
            "--out",
            str(out),
            "--epochs",
            "1",
            *FAST,
            *args,
        ],
    )
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.glob(".bad.partial-*"))


def test_unknown_letters_for_the_alphabet_exit_2(tmp_path):
    path = tmp_path / "odd.fa"
    path.write_text(">a\nACGT\n>b\nAC1T\n")
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(path),
            "--task",
            "language-model",
            "--alphabet",
            "dna",
            "--out",
            str(tmp_path / "bad"),
            *FAST,
        ],
    )
    assert result.exit_code == 2, result.output
    assert "odd.fa" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["cv", "tune"])
def test_cv_and_tune_refuse_the_language_model_task(periodic, tmp_path, command):
    result = CliRunner().invoke(
        app, [command, str(periodic), "--task", "language-model", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2, result.output
    assert f"biodl {command} does not train language models" in result.output


def test_predict_and_load_run_name_what_a_language_model_run_is_for(run, periodic):
    result = CliRunner().invoke(app, ["predict", str(run), str(periodic)])
    assert result.exit_code == 2
    assert "--task language-model run" in result.output and "biodl generate" in result.output
    with pytest.raises(DataError, match="load_language_model"):
        biodl.load_run(run)


def test_language_model_defaults_fill_only_what_was_left_at_the_common_default():
    from biodl.config import TrainConfig
    from biodl.pipeline.language import AUTO_LM_EPOCHS, DEFAULT_LM_LR, language_defaults

    large = language_defaults(TrainConfig(), n_windows=10**6)  # 15,625 steps an epoch
    assert large.lr == DEFAULT_LM_LR and large.epochs == AUTO_LM_EPOCHS
    assert language_defaults(TrainConfig(), n_windows=9_883).epochs == 17  # nRC: 155 steps
    assert language_defaults(TrainConfig(), n_windows=1_400).epochs == 114  # 22 steps
    assert language_defaults(TrainConfig(), n_windows=50).epochs == 200
    given = language_defaults(TrainConfig(lr=0.02, epochs=40), n_windows=50)
    assert given.lr == 0.02 and given.epochs == 40
