"""The CLI only parses: options generated from the config declarations, one help per option.

Checks that ``train``, ``cv`` and ``tune`` show each shared option with the same help and panel,
that every config field is a ``train`` option, that parsed values reach the API unchanged
(the API is replaced by a recorder, so nothing trains), and that help never imports torch.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import typer.main
from typer.testing import CliRunner

import biodl.api
from biodl.cli import app
from biodl.config import FLAT_OPTIONS, DataConfig, TrainConfig, flat_options, section_classes
from biodl.errors import ConfigError
from biodl.options import (
    CLOSED_SETS,
    OPTION_HELP,
    TRAINING_COMMANDS,
    keyword_of,
    parse_batch_size,
    parse_epochs,
    spec_of,
)

runner = CliRunner()


def _params(command: str) -> dict[str, Any]:
    """Click parameters of ``command`` by their first flag (options only)."""
    group = typer.main.get_command(app)
    params = group.commands[command].params  # type: ignore[attr-defined]
    return {p.opts[0]: p for p in params if p.opts[0].startswith("-")}


def test_a_shared_option_has_one_help_and_panel_in_train_cv_and_tune():
    params = {command: _params(command) for command in TRAINING_COMMANDS}
    flags = {flag for found in params.values() for flag in found}
    shared = 0
    for flag in sorted(flags):
        offered = [(c, params[c][flag]) for c in TRAINING_COMMANDS if flag in params[c]]
        if len(offered) < 2:
            continue
        shared += 1
        helps = {c: p.help for c, p in offered}
        assert len(set(helps.values())) == 1, f"{flag}: {helps}"
        panels = {c: getattr(p, "rich_help_panel", None) for c, p in offered}
        assert len(set(panels.values())) == 1, f"{flag}: {panels}"
        flag_sets = {c: (tuple(p.opts), tuple(p.secondary_opts)) for c, p in offered}
        assert len(set(flag_sets.values())) == 1, f"{flag}: {flag_sets}"
    assert shared > 50  # data, model, training and hardware options, --out, --set, ...


def test_rendered_help_shows_the_same_text_in_every_command():
    wide = {"COLUMNS": "400"}
    pages = {c: runner.invoke(app, [c, "--help"], env=wide).output for c in TRAINING_COMMANDS}
    for page in pages.values():
        assert "Learning rate." in page and "Training" in page and "Hardware" in page
        assert "Nesterov momentum for sgd." in page
    split = " ".join(pages["train"].split())
    assert "How the validation and test parts (cv: the folds) are made" in split
    for command in ("cv", "tune"):
        assert "How the validation and test parts (cv: the folds) are made" in " ".join(
            pages[command].split()
        )


def test_every_config_field_is_an_option_of_train():
    params = _params("train")
    by_name = {p.name: p for p in params.values()}
    wide = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "400"}).output
    missing = []
    for section, cls in section_classes().items():
        for f in dataclasses.fields(cls):
            if (section, f.name) in (("data", "train"), ("model", "params")):
                continue
            if keyword_of(f) not in by_name:
                missing.append(f"{section}.{f.name}")
                continue
            flag = by_name[keyword_of(f)].opts[0]
            assert flag in wide, flag
    assert missing == []


def test_options_are_offered_only_where_they_work():
    assert "--test" not in _params("cv")  # cv makes its own folds and refuses test files
    assert "--folds" not in _params("train") and "--trials" not in _params("train")
    assert {"--compare-scratch", "--bootstrap"} <= set(_params("train"))
    assert "--compare-scratch" not in _params("tune") and "--seeds" not in _params("tune")
    assert {"--search", "--trials", "--space", "--cv", "--resume", "--jobs"} <= set(_params("tune"))
    assert {"--folds", "--repeats", "--tune", "--search", "--trials"} <= set(_params("cv"))
    assert _params("cv")["--search"].default == "random"
    assert _params("tune")["--search"].default == "bayes"


def test_short_flags_and_renamed_flags_still_work():
    params = _params("train")
    assert params["--model"].opts == ["--model", "-m"]
    assert params["--out"].opts == ["--out", "-o"]
    assert params["--quiet"].opts == ["--quiet", "-q"]
    assert params["--raw"].name == "use_raw" and params["--raw"].secondary_opts == ["--no-raw"]
    assert params["--bootstrap"].name == "n_bootstrap"
    assert params["--kmer"].name == "kmer" and params["--label-column"].multiple
    assert params["--genes-as-rows"].secondary_opts == ["--samples-as-rows"]


class Recorder:
    """Stands in for an API function: keeps the arguments, returns a result with a summary."""

    def __init__(self) -> None:
        self.args: tuple[Any, ...] = ()
        self.kwargs: dict[str, Any] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.args, self.kwargs = args, kwargs
        return self

    def summary(self) -> str:
        return "summary"

    run_dir = out = Path("somewhere")


GIVEN = [
    "--optimizer",
    "sgd",
    "--batch-size",
    "full",
    "--epochs",
    "auto",
    "--log1p",
    "false",
    "--statics",
    "none",
    "--static-missing",
    "-2",
    "--label-column",
    "a",
    "--label-column",
    "b",
    "--nesterov",
    "--no-scale",
    "--dropout",
    "0.2",
    "--set",
    "model.channels=8",
    "-m",
    "cnn",
]
EXPECTED = {
    "optimizer": "sgd",
    "batch_size": "full",
    "epochs": "auto",
    "log1p": False,
    "statics": [],
    "static_missing": -2.0,
    "label_columns": ["a", "b"],
    "nesterov": True,
    "scale": False,
    "dropout": 0.2,
    "model": "cnn",
}


@pytest.mark.parametrize(
    ("command", "function", "own"),
    [
        ("train", "train", {}),
        (
            "cv",
            "cross_validate",
            {"folds": 3, "repeats": 1, "tune": True, "search": "random", "trials": 10},
        ),
        (
            "tune",
            "tune",
            {
                "search": "grid",
                "trials": 20,
                "space": None,
                "cv": 0,
                "resume": False,
                "jobs": 1,
                "storage": None,
                "study_name": None,
            },
        ),
    ],
)
def test_parsed_values_reach_the_api(monkeypatch, tmp_path, command, function, own):
    recorder = Recorder()
    monkeypatch.setattr(biodl.api, function, recorder)
    extra = {"cv": ["--folds", "3", "--tune"], "tune": ["--search", "grid"]}.get(command, [])
    result = runner.invoke(
        app, [command, "data.csv", "--out", str(tmp_path / "o"), "-q", *GIVEN, *extra]
    )
    assert result.exit_code == 0, result.output
    assert recorder.args == (Path("data.csv"),)
    kwargs = dict(recorder.kwargs)
    assert kwargs.pop("overrides") == ["model.channels=8"]
    assert kwargs.pop("out") == tmp_path / "o"
    assert kwargs.pop("config") is None and kwargs.pop("overwrite") is False
    assert kwargs.pop("progress") is False
    for key, value in own.items():
        assert kwargs.pop(key) == value, key
    assert kwargs == EXPECTED


def test_options_not_given_are_not_passed(monkeypatch, tmp_path):
    recorder = Recorder()
    monkeypatch.setattr(biodl.api, "train", recorder)
    result = runner.invoke(app, ["train", "d.fa", "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 0, result.output
    assert set(recorder.kwargs) == {"out", "config", "overrides", "overwrite", "progress"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "many"], "--epochs many: expected a whole number or 'auto'"),
        (["--log1p", "maybe"], "--log1p maybe: expected auto, true or false"),
        (["--batch-size", "half"], "--batch-size half: expected a whole number"),
    ],
)
def test_bad_option_text_exits_2_with_one_line(tmp_path, args, message):
    for command in TRAINING_COMMANDS:
        result = runner.invoke(app, [command, "d.fa", "--out", str(tmp_path / "o"), *args])
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "o").exists()


def test_out_is_required_by_every_training_command():
    for command, what in (("train", "run"), ("cv", "cross-validation"), ("tune", "study")):
        result = runner.invoke(app, [command, "d.fa"])
        assert result.exit_code == 2
        assert f"--out is required: the folder to write the {what} into" in result.stderr


def test_closed_sets_and_their_tables_name_the_same_values():
    for name, closed in CLOSED_SETS.items():
        words = {str(v).lower() for v in get_args(closed)}
        assert words == set(OPTION_HELP[name]), name


def test_every_word_of_a_kind_option_is_explained_in_its_help():
    hints = typing.get_type_hints(DataConfig)
    literals = [f for f in dataclasses.fields(DataConfig) if get_origin(hints[f.name]) is Literal]
    assert {"alphabet", "log1p", "time_unit", "ts_normalisation", "fit"} <= {
        f.name for f in literals
    }
    for f in literals:
        for word in get_args(hints[f.name]):
            assert f"{str(word).lower()}: " in spec_of(f).help, (f.name, word)


def test_flat_keywords_come_from_the_declarations():
    flat = flat_options()
    assert flat["model"] == ("model", "name") and flat["model_params"] == ("model", "params")
    assert flat["baseline"] == ("baseline", "name") and flat["kmer"] == ("baseline", "k")
    assert flat["n_bootstrap"] == ("evaluate", "n_bootstrap") and flat["lr"] == ("train", "lr")
    assert flat == FLAT_OPTIONS
    assert "name" not in flat and "k" not in flat


def test_config_docstrings_are_written_from_the_declarations():
    doc = TrainConfig.__doc__ or ""
    assert "lr : float, default 0.001\n" in doc and "Learning rate. (CLI: --lr)" in doc
    assert "optimizer : {'sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', 'adadelta'}" in doc
    data_doc = DataConfig.__doc__ or ""
    assert "(CLI: --raw/--no-raw)" in data_doc
    train_field = next(f for f in dataclasses.fields(DataConfig) if f.name == "train")
    assert spec_of(train_field).commands == ()


def test_parsers():
    assert parse_batch_size("7") == 7 and parse_batch_size("full") == "full"
    assert parse_epochs("12") == 12 and parse_epochs("auto") == "auto"
    from biodl.kinds.expression_options import parse_log1p
    from biodl.kinds.records_options import parse_statics

    assert parse_log1p("TRUE") is True and parse_log1p("off") is False
    assert parse_log1p("auto") == "auto"
    assert parse_statics("age, sex,") == ["age", "sex"] and parse_statics("None") == []
    with pytest.raises(ConfigError, match="--batch-size 0.5: expected a whole number"):
        parse_batch_size("0.5")


def test_help_path_never_imports_torch_lightning_or_sklearn():
    code = (
        "import sys\n"
        "from biodl.cli import app\n"
        "for args in (['--help'], ['train', '--help'], ['cv', '--help'], ['tune', '--help']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit as stop:\n"
        "        assert stop.code == 0, stop.code\n"
        "heavy = [m for m in ('torch', 'lightning', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage" in done.stdout


def test_python_dash_m_biodl_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "biodl", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("biodl ")
