"""biodl tune: outputs, seeding, grid size, resume, checksums, workers, inner CV."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import biodl
from biodl.cli import app

runner = CliRunner()
TINY = ["--epochs", "2", "--set", "model.channels=8", "--set", "model.n_layers=1", "-q"]


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    path = tmp_path_factory.mktemp("space") / "space.yaml"
    path.write_text(
        "train.lr: {low: 1.0e-3, high: 1.0e-2, log: true}\nmodel.kernel_size: {choices: [5, 9]}\n"
    )
    return path


@pytest.fixture(scope="module")
def grid_space(tmp_path_factory):
    path = tmp_path_factory.mktemp("grid") / "grid.yaml"
    path.write_text("train.lr: {choices: [0.001, 0.01]}\nmodel.kernel_size: {choices: [5, 9]}\n")
    return path


def tune(data, out, *args):
    result = runner.invoke(app, ["tune", str(data), "--out", str(out), *TINY, *map(str, args)])
    return result


def params(out):
    table = pd.read_csv(out / "trials.csv")
    return table[[c for c in table.columns if c.startswith("params_")]]


def test_tune_writes_study_and_best_config_trains(motif_fasta, space, tmp_path):
    out = tmp_path / "tune"
    result = tune(motif_fasta, out, "--search", "random", "--trials", 3, "--space", space)
    assert result.exit_code == 0, result.output
    for name in ("trials.csv", "best_config.yaml", "report.html", "tune.json", "study.db"):
        assert (out / name).is_file()
    assert (out / "plots" / "optimization_history.png").is_file()
    assert (out / "plots" / "param_importances.png").is_file()
    record = json.loads((out / "tune.json").read_text())
    assert record["complete"] and record["n_trials"] == 3 and "train.lr" in record["best_params"]
    assert record["monitor"] == "auroc"  # --monitor auto on a binary task
    assert "Best validation auroc" in (out / "report.html").read_text()
    run = runner.invoke(
        app,
        ["train", "--config", str(out / "best_config.yaml"), "--out", str(tmp_path / "r"), "-q"],
    )
    assert run.exit_code == 0, run.output


def test_same_seed_same_trials(motif_fasta, space, tmp_path):
    for name in ("a", "b"):
        result = tune(
            motif_fasta, tmp_path / name, "--search", "random", "--trials", 3, "--space", space
        )
        assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(params(tmp_path / "a"), params(tmp_path / "b"))


def test_grid_runs_every_combination_once(motif_fasta, grid_space, tmp_path):
    out = tmp_path / "grid"
    result = tune(motif_fasta, out, "--search", "grid", "--trials", 50, "--space", grid_space)
    assert result.exit_code == 0, result.output
    table = params(out)
    assert len(table) == 4
    assert len(table.drop_duplicates()) == 4


def test_resume_continues_and_refuses_other_data(motif_fasta, space, tmp_path):
    out = tmp_path / "tune"
    assert (
        tune(motif_fasta, out, "--search", "random", "--trials", 2, "--space", space).exit_code == 0
    )
    first = params(out)
    result = tune(
        motif_fasta, out, "--search", "random", "--trials", 4, "--space", space, "--resume"
    )
    assert result.exit_code == 0, result.output
    after = params(out)
    assert len(after) == 4
    pd.testing.assert_frame_equal(after.iloc[:2], first)
    other = tmp_path / "other.fa"
    other.write_text(motif_fasta.read_text().replace("A", "C", 1))
    result = tune(other, out, "--search", "random", "--trials", 5, "--space", space, "--resume")
    assert result.exit_code == 2
    assert "input files changed" in result.output and "sha256" in result.output


def test_existing_out_needs_resume_or_overwrite(motif_fasta, space, tmp_path):
    out = tmp_path / "tune"
    assert (
        tune(motif_fasta, out, "--search", "random", "--trials", 1, "--space", space).exit_code == 0
    )
    result = tune(motif_fasta, out, "--search", "random", "--trials", 1, "--space", space)
    assert result.exit_code == 2 and "--overwrite" in result.output
    result = tune(motif_fasta, out, "--trials", 1, "--space", space, "--overwrite")
    assert result.exit_code == 0, result.output


def test_space_error_is_one_line(motif_fasta, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model.chanels: {choices: [8]}\n")
    result = tune(motif_fasta, tmp_path / "t", "--space", bad)
    assert result.exit_code == 2 and "unknown key 'model.chanels'" in result.output


def test_bad_options_raise(motif_fasta, tmp_path):
    with pytest.raises(biodl.ConfigError, match="--cv 1: expected 0"):
        biodl.tune(motif_fasta, out=tmp_path / "t", cv=1)
    with pytest.raises(biodl.ConfigError, match="--search fancy: expected one of grid"):
        biodl.tune(motif_fasta, out=tmp_path / "t", search="fancy")


def test_inner_cv_scores_folds(motif_fasta, space, tmp_path):
    out = tmp_path / "cv"
    result = tune(
        motif_fasta, out, "--search", "random", "--trials", 2, "--space", space, "--cv", 2
    )
    assert result.exit_code == 0, result.output
    assert json.loads((out / "tune.json").read_text())["cv"] == 2


@pytest.mark.slow
def test_parallel_workers_share_the_study(motif_fasta, space, tmp_path):
    out = tmp_path / "jobs"
    result = tune(
        motif_fasta, out, "--search", "random", "--trials", 4, "--space", space, "--jobs", 2
    )
    assert result.exit_code == 0, result.output
    assert len(params(out)) == 4


@pytest.mark.realdata
@pytest.mark.slow
def test_promoters_random_search(shared_data, tmp_path):
    data = shared_data / "sequences" / "uci_ecoli_promoters" / "promoters.data"
    out = tmp_path / "promoters"
    result = runner.invoke(
        app,
        ["tune", str(data), "--out", str(out), "--search", "random", "--trials", "10",
         "--epochs", "5", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out / "trials.csv")) == 10
    assert (out / "best_config.yaml").is_file()


def test_resume_runs_again_the_trial_a_kill_interrupted(motif_fasta, space, tmp_path):
    import optuna

    out = tmp_path / "tune"
    result = tune(motif_fasta, out, "--search", "random", "--trials", 1, "--space", space)
    assert result.exit_code == 0, result.output
    # what a SIGKILL during the second trial leaves: a trial RUNNING in the study
    storage = f"sqlite:///{out / 'study.db'}"
    study = optuna.load_study(study_name="biodl-tune", storage=storage)
    killed = study.ask(fixed_distributions=study.trials[0].distributions)
    result = tune(
        motif_fasta, out, "--search", "random", "--trials", 3, "--space", space, "--resume"
    )
    assert result.exit_code == 0, result.output
    trials = optuna.load_study(study_name="biodl-tune", storage=storage).trials
    states = [t.state.name for t in trials]
    assert states == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]  # 3 complete, as asked
    assert trials[1].user_attrs["interrupted"] and trials[2].user_attrs["rerun_of"] == 1
    assert trials[2].params == killed.params  # the interrupted parameters, tried again
    record = json.loads((out / "tune.json").read_text())
    assert record["n_complete"] == 3 and record["n_trials"] == 4 and record["n_interrupted"] == 1


def test_the_small_part_warned_about_is_the_validation_part_trials_are_scored_on(
    motif_fasta, space, tmp_path
):
    # 240 sequences: 48 test (never looked at by tune) and 24 validation examples
    result = tune(
        motif_fasta, tmp_path / "t", "--search", "random", "--trials", 1, "--space", space
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "only 24 validation examples, on which every trial is scored" in said
    assert "use more data or --cv K" in said and "test" not in said
    inner = tune(motif_fasta, tmp_path / "cv", "--trials", 1, "--space", space, "--cv", 2)
    assert inner.exit_code == 0 and "examples" not in inner.output
