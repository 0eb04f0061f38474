"""Search spaces: defaults per model, YAML loading and its errors, grid values."""

from __future__ import annotations

import pytest

from biodl.config import RunConfig
from biodl.errors import ConfigError
from biodl.evaluation.search_space import (
    DEFAULT_SPACES,
    ParamSpec,
    apply_params,
    default_space,
    grid_values,
    load_space,
    validate_space,
)
from biodl.kinds import check_space, get_kind
from biodl.kinds import default_space as kind_space
from biodl.models import MODELS
from biodl.options import KINDS


@pytest.mark.parametrize("model", list(MODELS))
def test_default_spaces_fit_their_models(model):
    validate_space(DEFAULT_SPACES[model], model=model)
    assert "train.lr" in default_space(model)


def test_default_space_unknown_model():
    with pytest.raises(ConfigError, match="no default search space for model 'resnet'"):
        default_space("resnet")


KIND_MODELS = [(kind, model) for kind in KINDS for model in get_kind(kind).spaces]


@pytest.mark.parametrize(("kind", "model"), KIND_MODELS)
def test_every_kind_has_spaces_that_fit_its_own_models(kind, model):
    check_space(kind, model, kind_space(kind, model))


def test_every_model_of_every_kind_has_a_default_space():
    for kind in KINDS:
        for model in get_kind(kind).models:
            assert "train.lr" in kind_space(kind, model)


def test_a_sequence_parameter_is_not_an_image_parameter():
    with pytest.raises(ConfigError, match="valid options of model 'cnn': channels, n_layers"):
        check_space("image", "cnn", {"model.dilation": ParamSpec("categorical", choices=(1,))})
    with pytest.raises(ConfigError, match="on image data; models with one: cnn, resnet18"):
        kind_space("image", "fcn")


def test_load_space_reads_ranges_and_choices(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(
        "train.lr: {low: 1.0e-4, high: 1.0e-2, log: true}\n"
        "model.channels: {choices: [8, 16]}\n"
        "model.n_layers: {low: 1, high: 3}\n"
    )
    space = load_space(path)
    assert space["train.lr"] == ParamSpec("float", low=1e-4, high=1e-2, log=True)
    assert space["model.channels"].choices == (8, 16)
    assert space["model.n_layers"].kind == "int"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("model.chanels: {choices: [8]}", r"unknown key 'model.chanels'; valid options .*channels"),
        ("train.learning_rate: {low: 0.1, high: 1}", r"unknown key 'train.learning_rate'.*lr"),
        ("optim.lr: {low: 0.1, high: 1}", r"unknown key 'optim.lr'"),
        ("train.lr: {low: 0.1, high: 0.01}", r"train.lr: low \(0.1\) must be below high"),
        ("train.lr: {low: 0, high: 0.1, log: true}", r"train.lr: a log range needs low > 0"),
        ("model.channels: {choices: []}", r"model.channels: choices must be a non-empty list"),
        ("train.lr: {low: 0.1}", r"train.lr: a range needs both low and high"),
        ("train.lr: {low: 0.1, high: 1, step: 2}", r"train.lr: unknown field\(s\) step"),
        ("- 1\n- 2", r"expected a mapping of option paths"),
    ],
)
def test_load_space_errors(tmp_path, text, match):
    path = tmp_path / "space.yaml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError, match=match):
        load_space(path)


def test_load_space_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such search-space file"):
        load_space(tmp_path / "nope.yaml")


def test_grid_values():
    assert grid_values(ParamSpec("categorical", choices=(1, 2))) == [1, 2]
    assert grid_values(ParamSpec("float", low=1e-4, high=1e-2, log=True)) == pytest.approx(
        [1e-4, 1e-3, 1e-2]
    )
    assert grid_values(ParamSpec("float", low=0.0, high=0.5)) == [0.0, 0.25, 0.5]
    assert grid_values(ParamSpec("int", low=1, high=2)) == [1, 2]


def test_apply_params_sets_model_and_train_options():
    cfg = apply_params(RunConfig(), {"train.lr": 0.01, "model.channels": 8})
    assert cfg.train.lr == 0.01 and cfg.model.params == {"channels": 8}
