"""`biodl cv --tune` (nested cross-validation) and `biodl cv --seeds`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import biodl.pipeline.cv
import biodl.pipeline.search
from biodl.cli import app

runner = CliRunner()
TINY = [
    "--label-column",
    "label",
    "--folds",
    "2",
    "--epochs",
    "1",
    "--quiet",
    "--set",
    "model.channels=8",
    "--set",
    "model.n_layers=1",
]


def run(*args):
    return runner.invoke(app, ["cv", *(str(a) for a in args)])


def test_nested_cv_records_params_and_keeps_the_held_out_fold_out_of_tuning(
    motif_csv, tmp_path, monkeypatch
):
    held_out: list[set[str]] = []
    tuned_on: list[set[str]] = []
    fold_data, tune_prepared = biodl.pipeline.cv.fold_data, biodl.pipeline.search.tune_prepared

    def record_fold(full, train_idx, test_idx, cfg):
        part = fold_data(full, train_idx, test_idx, cfg)
        held_out.append(set(part.parts["test"].ids))
        return part

    def record_tuning(cfg, data, **kwargs):
        assert data.parts["test"] is None
        tuned_on.append(set(data.parts["train"].ids) | set(data.parts["valid"].ids))
        return tune_prepared(cfg, data, **kwargs)

    monkeypatch.setattr(biodl.pipeline.cv, "fold_data", record_fold)
    monkeypatch.setattr(biodl.pipeline.search, "tune_prepared", record_tuning)
    out = tmp_path / "nested"
    result = run(motif_csv, "--out", out, "--tune", "--trials", "2", *TINY)
    assert result.exit_code == 0, result.output

    assert len(held_out) == len(tuned_on) == 2
    for test_ids, tune_ids in zip(held_out, tuned_on, strict=True):
        assert tune_ids and not test_ids & tune_ids
    metrics = json.loads((out / "metrics.json").read_text())
    tuning = metrics["tuning"]
    assert tuning["search"] == "random" and tuning["trials"] == 2
    assert [f["fold"] for f in tuning["folds"]] == [1, 2]
    assert all(f["params"] for f in tuning["folds"])
    assert "nested cross-validation" in metrics["comparison"]["verdict"]
    table = pd.read_csv(out / "folds.csv")
    model_rows = table[table["who"] == "model"]
    params = [json.loads(p) for p in model_rows["params"]]
    assert params == [f["params"] for f in tuning["folds"]]
    assert table[table["who"] == "baseline"]["params"].isna().all()


def test_seeds_repeat_the_cross_validation(motif_csv, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run(motif_csv, "--out", one, *TINY).exit_code == 0
    result = run(motif_csv, "--out", two, "--seeds", "2", "--seed", "3", *TINY)
    assert result.exit_code == 0, result.output
    rows_one, rows_two = pd.read_csv(one / "folds.csv"), pd.read_csv(two / "folds.csv")
    assert len(rows_two) == 2 * len(rows_one)
    assert sorted(rows_two["seed"].unique()) == [3, 4]
    metrics = json.loads((two / "metrics.json").read_text())
    assert metrics["seeds"] == [3, 4]
    assert metrics["comparison"]["n_folds"] == 4


def test_tune_needs_a_trial(motif_csv, tmp_path):
    result = run(motif_csv, "--out", tmp_path / "x", "--tune", "--trials", "0", *TINY)
    assert result.exit_code == 2
    assert "--trials 0: --tune needs at least 1 trial per fold" in result.output


def test_seeds_and_repeats_are_exclusive(motif_csv, tmp_path):
    result = run(motif_csv, "--out", tmp_path / "x", "--seeds", "2", "--repeats", "2", *TINY)
    assert result.exit_code == 2
    assert "give one of them" in result.output


def test_nested_cv_tunes_the_kinds_own_model_space(tmp_path):
    """Expression data: the inner search explores the MLP's space, not the sequence CNN's."""
    rng = np.random.default_rng(0)
    ids = [f"S{i}" for i in range(60)]
    counts = pd.DataFrame(rng.poisson(5.0, (60, 12)), index=pd.Index(ids, name="sample"))
    counts.columns = [f"G{j}" for j in range(12)]
    counts.to_csv(tmp_path / "counts.csv")
    meta = pd.DataFrame({"sample": ids, "status": ["a", "b"] * 30})
    meta.to_csv(tmp_path / "meta.csv", index=False)
    out = tmp_path / "nested"
    result = run(
        tmp_path / "counts.csv", "--labels", tmp_path / "meta.csv", "--label-column", "status",
        "--folds", "2", "--epochs", "1", "--quiet", "--tune", "--trials", "1", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folds = json.loads((out / "metrics.json").read_text())["tuning"]["folds"]
    for fold in folds:
        assert {"model.width", "model.depth"} <= set(fold["params"]), fold["params"]
        assert "model.channels" not in fold["params"]
