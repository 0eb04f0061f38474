"""``--monitor auto`` (the default): AUROC for binary classification, the loss elsewhere, as
recorded in the run; train, cv and tune resolve it the same way."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

import biodl
from biodl.errors import ConfigError

SMALL = {"channels": 8, "n_layers": 1}
FAST = {"model_params": SMALL, "baseline": "fast", "n_bootstrap": 20, "min_steps": 0}


@pytest.fixture(scope="module")
def gc_table(tmp_path_factory):
    """400 DNA sequences of 40 bp whose G/C probability is 0.2, 0.45 or 0.7: a binary label
    (rich above 0.45), a three-class label and the G/C probability as a regression target."""
    rng = np.random.default_rng(0)
    level = rng.integers(0, 3, 400)
    gc = np.array([0.2, 0.45, 0.7])[level]
    seqs = [
        "".join(rng.choice(list("ACGT"), 40, p=[(1 - g) / 2, g / 2, g / 2, (1 - g) / 2]))
        for g in gc
    ]
    folder = tmp_path_factory.mktemp("gc")
    paths = {}
    for task, label in (
        ("binary", np.where(level == 2, "rich", "other")),
        ("multiclass", np.array(["low", "mid", "high"])[level]),
        ("regression", gc + rng.normal(0, 0.05, 400)),
    ):
        paths[task] = folder / f"{task}.csv"
        pd.DataFrame({"sequence": seqs, "label": label}).to_csv(paths[task], index=False)
    return paths


@pytest.mark.parametrize(
    ("task", "monitor"), [("binary", "auroc"), ("multiclass", "loss"), ("regression", "loss")]
)
def test_auto_is_resolved_per_task_and_recorded_in_the_saved_run(tmp_path, gc_table, task, monitor):
    out = tmp_path / "run"
    result = biodl.train(gc_table[task], out=out, epochs=6, **FAST)
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["train"]["monitor"] == monitor
    assert json.loads((out / "metrics.json").read_text())["training"]["monitor"] == monitor
    assert biodl.load_results(out).training.monitor == monitor
    label = {"auroc": "AUROC", "loss": "loss"}[monitor]
    assert f"(the best validation {label}) were kept" in (out / "report.html").read_text()
    # the kept epoch is the earliest best one of the resolved quantity
    history = result.history
    values = history[f"valid_{monitor}"].to_numpy()
    best = np.argmax(values) if monitor == "auroc" else np.argmin(values)
    assert history["best"].to_numpy().nonzero()[0].tolist() == [best]
    assert result.results.training.best_epoch == history["epoch"].iloc[best]


def test_an_explicit_monitor_is_kept(gc_table):
    result = biodl.train(gc_table["binary"], epochs=2, monitor="accuracy", **FAST)
    assert result.config.train.monitor == "accuracy"
    assert result.results.training.monitor == "accuracy"


def test_auto_watches_the_loss_where_the_validation_part_holds_one_class(tmp_path, gc_table):
    table = pd.read_csv(gc_table["binary"])
    valid = tmp_path / "valid.csv"
    table[table["label"] == "rich"].head(40).to_csv(valid, index=False)  # AUROC undefined
    result = biodl.train(gc_table["binary"], valid=valid, epochs=2, **FAST)
    assert result.config.train.monitor == "loss" == result.results.training.monitor


def test_cross_validation_records_the_resolved_monitor(tmp_path, gc_table):
    out = tmp_path / "cv"
    result = biodl.cross_validate(gc_table["binary"], folds=2, epochs=2, out=out, **FAST)
    assert result.config.train.monitor == "auroc"
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["train"]["monitor"] == "auroc"


@pytest.mark.parametrize(("task", "monitor", "direction"), [
    ("binary", "auroc", "maximize"),
    ("regression", "loss", "minimize"),
])  # fmt: skip
def test_tune_optimises_what_auto_resolves_to(tmp_path, gc_table, task, monitor, direction):
    result = biodl.tune(
        gc_table[task], out=tmp_path / "tune", search="random", trials=2, epochs=2, **FAST
    )
    assert result.monitor == monitor and result.direction == direction
    state = json.loads((tmp_path / "tune" / "tune.json").read_text())
    assert state["monitor"] == monitor
    best = yaml.safe_load((tmp_path / "tune" / "best_config.yaml").read_text())
    assert best["train"]["monitor"] == monitor


def test_a_monitor_that_is_no_metric_of_the_task_is_refused(gc_table):
    with pytest.raises(ConfigError, match=r"--monitor rmse: not a metric of a binary task; choo"):
        biodl.train(gc_table["binary"], epochs=1, monitor="rmse", **FAST)


@pytest.fixture(scope="module")
def rare_table(tmp_path_factory):
    """1000 DNA sequences of 40 bp, 4 of them G/C-rich ('rich'): a random inner validation
    part or held-out fold can hold no 'rich' one."""
    rng = np.random.default_rng(1)
    rich = np.isin(np.arange(1000), [0, 1, 2, 3])
    seqs = [
        "".join(rng.choice(list("ACGT"), 40, p=[0.15, 0.35, 0.35, 0.15] if r else None))
        for r in rich
    ]
    path = tmp_path_factory.mktemp("rare") / "rare.csv"
    pd.DataFrame({"sequence": seqs, "label": np.where(rich, "rich", "other")}).to_csv(
        path, index=False
    )
    return path


def test_cv_folds_resolve_auto_on_their_own_validation_part(rare_table, monkeypatch):
    import biodl.training.fit as fitting

    key, watched = fitting.monitor_key, []
    monkeypatch.setattr(fitting, "monitor_key", lambda *a: watched.append(key(*a)) or watched[-1])
    result = biodl.cross_validate(rare_table, folds=2, epochs=2, split="random", **FAST)
    # an inner validation part without a 'rich' sequence watches the loss (AUROC undefined)
    assert ("valid_loss", "min") in watched and result.config.train.monitor == "auroc"


def test_tune_over_folds_watches_the_loss_when_a_fold_holds_one_class(tmp_path, rare_table):
    result = biodl.tune(
        rare_table, out=tmp_path / "tune", search="random", trials=1, cv=5, epochs=2,
        split="random", **FAST,
    )  # fmt: skip
    assert result.monitor == "loss" and result.direction == "minimize"


def test_a_resumed_study_goes_on_scoring_what_its_trials_scored(tmp_path, gc_table):
    out, options = tmp_path / "tune", dict(search="random", epochs=2, **FAST)
    biodl.tune(gc_table["binary"], out=out, trials=1, monitor="loss", **options)
    resumed = biodl.tune(gc_table["binary"], out=out, trials=2, resume=True, **options)
    assert resumed.monitor == "loss" and resumed.direction == "minimize"
    assert json.loads((out / "tune.json").read_text())["monitor"] == "loss"
    with pytest.raises(ConfigError, match=r"its trials scored validation loss, this process asks"):
        biodl.tune(
            gc_table["binary"], out=out, trials=3, resume=True, monitor="accuracy", **options
        )


def test_an_explicit_auroc_on_a_one_class_validation_part_is_refused(tmp_path, gc_table):
    table = pd.read_csv(gc_table["binary"])
    valid = tmp_path / "valid.csv"
    table[table["label"] == "rich"].head(40).to_csv(valid, index=False)
    with pytest.raises(ConfigError, match=r"--monitor auroc: the validation part holds one cla"):
        biodl.train(gc_table["binary"], valid=valid, epochs=2, monitor="auroc", **FAST)
