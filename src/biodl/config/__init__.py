"""Run configuration: every option of a run, declared once, and YAML in and out.

A run is described by one :class:`RunConfig` made of six sections: data
(:mod:`biodl.config.data`), model, training, baseline and evaluation
(:mod:`biodl.config.training`), and explanation (:mod:`biodl.config.explain`). The same
names are used by the CLI (``--lr``), by YAML files
(``train: {lr: 0.001}``), by ``--set train.lr=0.001`` overrides and by the Python API
(``biodl.train(..., lr=0.001)``). Each field is declared once with :func:`biodl.options.option`:
its help text, flag(s), help panel and the commands that offer it; options that take one of a
few words are typed with a ``Literal`` of :mod:`biodl.options`, whose table explains each word.
The CLI options of ``train``, ``cv`` and ``tune``, :func:`flat_options` and the ``Parameters``
section of each section's class are generated from these declarations. :func:`build_config`
combines the sources of a run's options: defaults, a config file, flat keywords and overrides.

Examples
--------
>>> cfg = RunConfig.from_dict({"data": {"train": "seqs.fa"}, "train": {"lr": 0.01}})
>>> cfg.train.lr
0.01
>>> apply_overrides(cfg, ["model.channels=128"]).model.params["channels"]
128
>>> flat_options()["kmer"]
('baseline', 'k')
>>> build_config(train="seqs.fa", lr=0.01, dropout=0.3).model.params
{'dropout': 0.3}
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biodl.config.data import DataConfig
from biodl.config.explain import ExplainConfig
from biodl.config.generate import GenerateConfig
from biodl.config.score import ScoreConfig
from biodl.config.training import BaselineConfig, EvalConfig, ModelConfig, TrainConfig
from biodl.errors import ConfigError
from biodl.options import check_value, keyword_of

__all__ = [
    "FLAT_OPTIONS",
    "PATH_FIELDS",
    "SCHEMA_VERSION",
    "BaselineConfig",
    "DataConfig",
    "EvalConfig",
    "ExplainConfig",
    "GenerateConfig",
    "ModelConfig",
    "RunConfig",
    "ScoreConfig",
    "TrainConfig",
    "apply_overrides",
    "build_config",
    "command_classes",
    "dump_config",
    "flat_options",
    "load_config",
    "section_classes",
    "upgrade_config",
]

#: Config fields that name files; a run's ``config.yaml`` keeps them as given, so relative
#: ones are relative to the folder the run was started in.
PATH_FIELDS = {
    "data": ("train", "valid", "test", "labels", "valid_labels", "test_labels"),
    "train": ("init_from",),
}

#: Version of ``config.yaml``. 2: ``baseline.name`` 'auto' (the panel) is the default and
#: 'logistic' the panel's logistic regression; in version 1 files 'logistic' was biodl's single
#: earlier baseline, now called 'fast', and is read as that (:func:`upgrade_config`).
SCHEMA_VERSION = 2


@dataclass
class RunConfig:
    """Everything that defines a run; ``config.yaml`` in a run directory is this, resolved."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    evaluate: EvalConfig = field(default_factory=EvalConfig)
    explain: ExplainConfig = field(default_factory=ExplainConfig)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict, ready for YAML."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: str = "config") -> RunConfig:
        """Build and validate from a nested dict (as read from YAML).

        Raises
        ------
        ConfigError
            For an unknown section or key (the valid ones are listed) or a value of the wrong
            type or outside its set of choices.
        """
        return _build(cls, upgrade_config(raw), source, prefix="")


def upgrade_config(raw: Any) -> Any:
    """A config dict of an older schema, rewritten to mean the same under this one.

    Schema 1 (runs before the baseline panel): ``baseline.name`` 'logistic', or none given
    (then the default), was the single logistic regression now called 'fast'; reading it as
    'fast' lets an old run's ``config.yaml`` reproduce that run.

    Examples
    --------
    >>> upgrade_config({"schema_version": 1, "baseline": {"name": "logistic"}})
    {'schema_version': 2, 'baseline': {'name': 'fast'}}
    >>> upgrade_config({"baseline": {"name": "logistic"}})  # hand-written: as it says
    {'baseline': {'name': 'logistic'}}
    """
    if not isinstance(raw, dict) or raw.get("schema_version") != 1:
        return raw
    out = dict(raw)
    baseline = out.get("baseline")
    baseline = dict(baseline) if isinstance(baseline, dict) else {}
    if baseline.get("name", "logistic") == "logistic":
        baseline["name"] = "fast"
    out["baseline"] = baseline
    out["schema_version"] = SCHEMA_VERSION
    return out


_SECTIONS = {f.name for f in dataclasses.fields(RunConfig)}


def section_classes() -> dict[str, type]:
    """Section name -> its dataclass (data, model, train, baseline, evaluate, explain)."""
    hints = typing.get_type_hints(RunConfig)
    names = [f.name for f in dataclasses.fields(RunConfig)]
    return {name: hints[name] for name in names if dataclasses.is_dataclass(hints[name])}


#: Options of commands that are not training runs (not sections of :class:`RunConfig`).
COMMAND_SECTIONS: dict[str, type] = {"generate": GenerateConfig, "score": ScoreConfig}


def command_classes() -> dict[str, type]:
    """Every class of option declarations: :func:`section_classes` and
    :data:`COMMAND_SECTIONS` (the options of ``biodl generate`` and ``biodl score``)."""
    return {**section_classes(), **COMMAND_SECTIONS}


def flat_options() -> dict[str, tuple[str, str]]:
    """Flat keyword -> (section, field) of every option, as the Python API and the CLI name them.

    A field's keyword is its name unless its declaration renames it (``model`` for
    ``model.name``, ``kmer`` for ``baseline.k``, ...).
    """
    table: dict[str, tuple[str, str]] = {}
    for section, cls in section_classes().items():
        for f in dataclasses.fields(cls):
            key = keyword_of(f)
            if key in table:  # pragma: no cover  (a declaration error, caught by the tests)
                raise ConfigError(f"option keyword '{key}' declared twice: {table[key]}")
            table[key] = (section, f.name)
    return table


def _build(cls: type, raw: Any, source: str, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{source}: {prefix.rstrip('.') or 'the file'} should be a mapping of options, "
            f"got {type(raw).__name__}"
        )
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names:
            raise ConfigError(
                f"{source}: unknown option '{prefix}{key}'; valid options here: {', '.join(names)}"
            )
        hint = hints[key]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            values[key] = _build(hint, value if value is not None else {}, source, f"{key}.")
        else:
            values[key] = check_value(value, hint, source, f"{prefix}{key}")
    return cls(**values)


def load_config(path: str | Path) -> RunConfig:
    """Read a YAML config file (a run's ``config.yaml`` or a hand-written one).

    Raises
    ------
    ConfigError
        If the file is missing, is not valid YAML, or holds unknown or mistyped options.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file; check the path given to --config")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: not valid YAML ({getattr(err, 'problem', err)})") from err
    if raw is None:
        raw = {}
    if isinstance(raw, dict) and "schema_version" in raw and raw["schema_version"] > SCHEMA_VERSION:
        raise ConfigError(
            f"{path}: written by a newer biodl (config schema {raw['schema_version']}, this "
            f"biodl reads up to {SCHEMA_VERSION}); upgrade biodl"
        )
    return RunConfig.from_dict(raw, source=str(path))


def dump_config(config: RunConfig) -> str:
    """The config as YAML text, sections in a fixed order."""
    import yaml

    return yaml.safe_dump(config.to_dict(), sort_keys=False, default_flow_style=False)


def apply_overrides(config: RunConfig, overrides: list[str]) -> RunConfig:
    """Apply ``section.key=value`` overrides (values parsed as YAML scalars or lists).

    ``model.<name>=value`` sets a model hyperparameter; any other section names a field.

    Raises
    ------
    ConfigError
        If an override is not of the form ``section.key=value`` or names an unknown option.
    """
    import yaml

    raw = config.to_dict()
    for item in overrides:
        key, sep, text = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot or not name:
            raise ConfigError(
                f"--set {item!r}: expected section.key=value, e.g. model.channels=128 or "
                f"train.lr=0.01"
            )
        if section not in _SECTIONS or section == "schema_version":
            raise ConfigError(
                f"--set {item!r}: unknown section '{section}'; valid sections: "
                "data, model, train, baseline, evaluate, explain"
            )
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            value = text
        if section == "model" and name not in ("name", "params"):
            raw["model"]["params"][name] = value
        else:
            raw[section][name] = value
    return RunConfig.from_dict(raw, source="--set")


#: Flat keyword -> (section, field) of every option (:func:`flat_options`).
FLAT_OPTIONS = flat_options()


def build_config(
    config: str | os.PathLike[str] | RunConfig | None = None,
    *,
    overrides: list[str] | None = None,
    **options: Any,
) -> RunConfig:
    """Combine defaults, a config file, keyword options and ``section.key=value`` overrides.

    Later sources win: defaults < ``config`` < ``options`` < ``overrides``. ``dropout=0.3`` is a
    shortcut for ``model_params={'dropout': 0.3}``; an option given as None is left out.

    Parameters
    ----------
    config : path or RunConfig, optional
        A YAML config file (see :func:`load_config`) or a config to start from.
    overrides : list of str, optional
        ``section.key=value`` items, as ``--set`` on the CLI (see :func:`apply_overrides`).
    **options
        Flat keywords of :data:`FLAT_OPTIONS` (``lr``, ``model``, ``kmer``, ...).

    Raises
    ------
    ConfigError
        For an unknown option (the valid ones are listed) or a mistyped value.
    """
    if isinstance(config, RunConfig):
        cfg = config
    elif config is not None:
        cfg = load_config(os.fspath(config))
    else:
        cfg = RunConfig()
    loaded = cfg
    raw = cfg.to_dict()
    for key, value in options.items():
        if value is None:
            continue
        if key == "dropout":
            raw["model"]["params"]["dropout"] = value
            continue
        if key not in FLAT_OPTIONS:
            valid = ", ".join(sorted([*FLAT_OPTIONS, "dropout"]))
            raise ConfigError(f"unknown option '{key}'; valid options: {valid}")
        section, name = FLAT_OPTIONS[key]
        if name == "params":
            raw[section][name].update(value)
        else:
            raw[section][name] = value
    cfg = RunConfig.from_dict(raw, source="options")
    cfg = apply_overrides(cfg, overrides) if overrides else cfg
    if config is not None and not isinstance(config, RunConfig):
        _check_paths_from(os.fspath(config), loaded, cfg)
    return cfg


def _check_paths_from(source: str, loaded: RunConfig, cfg: RunConfig) -> None:
    """Refuse a relative file path that ``cfg`` took from the config file and that is not
    found from here: the run that wrote it was started in another folder."""
    for section, names in PATH_FIELDS.items():
        for name in names:
            value = getattr(getattr(cfg, section), name)
            if (
                isinstance(value, str)
                and value == getattr(getattr(loaded, section), name)
                and not os.path.isabs(value)
                and not Path(value).exists()
            ):
                raise ConfigError(
                    f"{source}: {section}.{name} '{value}' is a relative path not found from "
                    f"{Path.cwd()}; a run's config.yaml keeps paths as they were given, relative "
                    "to the folder the run was started in: run from that folder, or give the "
                    "file again on the command line"
                )
