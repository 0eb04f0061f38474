"""Config dataclasses: YAML round trip, validation messages, overrides, flat API options."""

from __future__ import annotations

import pytest

from biodl.config import RunConfig, apply_overrides, build_config, dump_config, load_config
from biodl.errors import ConfigError


def test_yaml_round_trip(tmp_path):
    cfg = RunConfig.from_dict(
        {"data": {"train": "a.fa", "label_columns": ["x"]}, "train": {"lr": 0.01}}
    )
    path = tmp_path / "run.yaml"
    path.write_text(dump_config(cfg))
    assert load_config(path) == cfg


def test_int_accepted_where_float_expected():
    assert RunConfig.from_dict({"train": {"lr": 1}}).train.lr == 1.0


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"train": {"lr": "fast"}}, r"train\.lr: expected a number, got 'fast'"),
        ({"train": {"epochs": 2.5}}, r"train\.epochs: expected a whole number"),
        (
            {"train": {"optimizer": "adamm"}},
            r"train\.optimizer: expected one of sgd, rmsprop, adam",
        ),
        ({"train": {"nesterov": "yes"}}, r"train\.nesterov: expected true or false"),
        ({"train": {"batch_size": "half"}}, r"train\.batch_size: .*whole number.*full"),
        ({"train": {"lrr": 0.1}}, r"unknown option 'train\.lrr'; valid options here: loss,"),
        ({"trainer": {}}, r"unknown option 'trainer'; valid options here: data, model"),
        ({"data": ["x"]}, r"data should be a mapping"),
        # optional fields (X | None) are checked too, not passed through
        ({"data": {"size": "abc"}}, r"data\.size: expected a whole number, got 'abc'"),
        ({"data": {"test": 3}}, r"data\.test: expected text, got 3"),
    ],
)
def test_wrong_types_are_named(raw, match):
    with pytest.raises(ConfigError, match=match):
        RunConfig.from_dict(raw, source="run.yaml")


def test_bad_yaml_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  lr: [0.1\n")
    with pytest.raises(ConfigError, match=r"bad.yaml line \d+: not valid YAML"):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")


def test_newer_schema_refused(tmp_path):
    path = tmp_path / "new.yaml"
    path.write_text("schema_version: 99\n")
    with pytest.raises(ConfigError, match="newer biodl"):
        load_config(path)


def test_overrides_set_model_params_and_fields():
    cfg = apply_overrides(
        RunConfig(),
        ["model.channels=128", "train.lr=0.01", "model.name=lstm", "data.label_columns=[a, b]"],
    )
    assert cfg.model.params == {"channels": 128}
    assert cfg.train.lr == 0.01
    assert cfg.model.name == "lstm"
    assert cfg.data.label_columns == ["a", "b"]


@pytest.mark.parametrize(
    ("item", "match"),
    [
        ("lr=0.1", "expected section.key=value"),
        ("optim.lr=1", "unknown section 'optim'"),
        ("train.lr=x", "expected a number"),
    ],
)
def test_bad_overrides(item, match):
    with pytest.raises(ConfigError, match=match):
        apply_overrides(RunConfig(), [item])


def test_flat_options_map_to_sections(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  lr: 0.5\n  epochs: 3\n")
    cfg = build_config(
        path,
        lr=0.1,
        model="gru",
        kmer=3,
        dropout=0.2,
        baseline="random_forest",
        overrides=["train.epochs=7"],
    )
    assert (cfg.train.lr, cfg.train.epochs, cfg.model.name) == (0.1, 7, "gru")
    assert cfg.baseline.k == 3 and cfg.baseline.name == "random_forest"
    assert cfg.model.params["dropout"] == 0.2


def test_unknown_flat_option():
    with pytest.raises(ConfigError, match="unknown option 'learning_rate'; valid options: .*lr"):
        build_config(learning_rate=0.1)


def test_a_relative_path_from_a_config_file_not_found_here_names_the_field(tmp_path, monkeypatch):
    started = tmp_path / "started"
    started.mkdir()
    (started / "records.csv").write_text("x\n")
    config = started / "config.yaml"
    config.write_text("data:\n  train: records.csv\n  labels: records.csv\n")
    monkeypatch.chdir(started)
    assert build_config(config).data.train == "records.csv"  # from the folder it was made in
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"config.yaml: data.train 'records.csv' is a relative"):
        build_config(config)
    here = str(started / "records.csv")  # the files given again
    with pytest.raises(ConfigError, match=r"data.labels 'records.csv'.*the folder the run was"):
        build_config(config, train=here)
    assert build_config(config, train=here, labels=here).data.labels == here
