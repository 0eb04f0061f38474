"""Hyperparameter search spaces: what ``biodl tune`` may vary, and how far.

A search space maps dotted config paths (``"train.lr"``, ``"model.channels"``) to a
:class:`ParamSpec`, so the values of a trial become ``--set`` overrides of a
:class:`~biodl.config.RunConfig`. :data:`DEFAULT_SPACES` holds one space per model family
(shared training options plus the family's own hyperparameters); :func:`load_space` reads and
validates a YAML space written by hand.

Grid search needs finite values: choices are used as they are, and a float or int range
becomes three points (low, middle, high), the middle geometric for a log range and arithmetic
otherwise (rounded for ints).

Examples
--------
>>> space = default_space("cnn")
>>> space["train.lr"]
ParamSpec(kind='float', low=0.0001, high=0.01, log=True, choices=None)
>>> grid_values(ParamSpec("int", low=1, high=4))
[1, 2, 4]
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from biodl.config import RunConfig, TrainConfig
from biodl.errors import ConfigError

__all__ = [
    "DEFAULT_SPACES",
    "PARAM_KINDS",
    "RECURRENT",
    "SHARED",
    "ParamKind",
    "ParamSpec",
    "apply_params",
    "categorical",
    "default_space",
    "float_range",
    "grid_values",
    "load_space",
    "validate_space",
]

ParamKind = Literal["float", "int", "categorical"]
#: What each kind of parameter means in a space file.
PARAM_KINDS: dict[str, str] = {
    "float": "a real number in [low, high], log-uniform when log is true",
    "int": "a whole number in [low, high], log-uniform when log is true",
    "categorical": "one of a list of choices (numbers, words, lists)",
}
_SPACE_KEYS = ("low", "high", "log", "choices", "kind")
#: Sections of a RunConfig a search space may vary.
_TUNABLE_SECTIONS = ("train", "model", "data", "baseline")


@dataclass(frozen=True)
class ParamSpec:
    """One searched hyperparameter.

    Parameters
    ----------
    kind : {'float', 'int', 'categorical'}
        See :data:`PARAM_KINDS`.
    low, high : float, optional
        Range bounds (inclusive) for 'float' and 'int'.
    log : bool, default False
        Sample the range log-uniformly (needs ``low > 0``).
    choices : tuple, optional
        Values of a 'categorical' parameter.
    """

    kind: ParamKind
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] | None = None


def float_range(low: float, high: float, log: bool = False) -> ParamSpec:
    """A float parameter in ``[low, high]`` (log-uniform when ``log``)."""
    return ParamSpec("float", low=low, high=high, log=log)


def categorical(*choices: Any) -> ParamSpec:
    """A parameter taking one of ``choices``."""
    return ParamSpec("categorical", choices=tuple(choices))


#: Training options every default space varies; kinds add their model's own.
SHARED: dict[str, ParamSpec] = {
    "train.lr": float_range(1e-4, 1e-2, log=True),
    "train.batch_size": categorical(32, 64, 128),
    "train.optimizer": categorical("adam", "adamw", "sgd"),
    "train.weight_decay": float_range(1e-6, 1e-2, log=True),
    "model.dropout": float_range(0.0, 0.5),
}
#: Hyperparameters of the recurrent families.
RECURRENT: dict[str, ParamSpec] = {
    "model.hidden_size": categorical(32, 64, 128),
    "model.n_layers": ParamSpec("int", low=1, high=2),
}

#: Default search space of each model of :data:`biodl.models.MODELS` (sequence-shaped input):
#: shared training options plus the family's own. Kinds reuse them and add their own.
DEFAULT_SPACES: dict[str, dict[str, ParamSpec]] = {
    "cnn": {
        **SHARED,
        "model.channels": categorical(32, 64, 128),
        "model.kernel_size": categorical(5, 9, 15),
        "model.n_layers": ParamSpec("int", low=1, high=4),
        "model.activation": categorical("relu", "gelu"),
    },
    "rnn": {**SHARED, **RECURRENT},
    "lstm": {**SHARED, **RECURRENT},
    "gru": {**SHARED, **RECURRENT},
    "cnn-lstm": {
        **SHARED,
        "model.conv_channels": categorical(32, 64, 128),
        "model.kernel_size": categorical(5, 9, 15),
        "model.hidden_size": categorical(32, 64, 128),
    },
    "transformer": {
        **SHARED,
        "model.d_model": categorical(32, 64, 128),
        "model.n_layers": ParamSpec("int", low=1, high=3),
    },
    "fcn": {
        **SHARED,
        "model.channels": categorical(64, 128),
        "model.dropout": categorical(0.0, 0.2),
    },
    "resnet1d": {
        **SHARED,
        "model.channels": categorical(32, 64),
    },
    "mlp": {
        **SHARED,
        "model.hidden_sizes": categorical([64], [128, 64], [256, 128]),
        "model.activation": categorical("relu", "gelu"),
    },
}


def default_space(
    model: str,
    *,
    spaces: Mapping[str, dict[str, ParamSpec]] = DEFAULT_SPACES,
    kind: str = "sequence",
) -> dict[str, ParamSpec]:
    """The default search space of ``model`` in ``spaces`` (a kind's ``spaces``).

    Raises
    ------
    ConfigError
        For a model without a default space (the valid names are listed).
    """
    if model in spaces:
        return dict(spaces[model])
    raise ConfigError(
        f"no default search space for model '{model}' on {kind} data; models with one: "
        f"{', '.join(spaces)}. Pick one, or give a space file with --space"
    )


def load_space(
    path: str | os.PathLike[str], *, model: str = "cnn", options: Sequence[str] | None = None
) -> dict[str, ParamSpec]:
    """Read a YAML search space and validate it against ``model``'s hyperparameters.

    The file maps dotted option paths to a range or a list of choices::

        train.lr: {low: 1.0e-4, high: 1.0e-2, log: true}
        model.channels: {choices: [32, 64]}
        model.n_layers: {low: 1, high: 3}        # two ints -> an int range

    Parameters
    ----------
    path : path
        The YAML file.
    model : str, default 'cnn'
        The model whose hyperparameters ``model.*`` keys must name.
    options : sequence of str, optional
        Those hyperparameters' names; default: those of ``model`` in :data:`biodl.models.MODELS`.

    Returns
    -------
    dict of str to ParamSpec

    Raises
    ------
    ConfigError
        If the file is missing or not a mapping, a key names no option (the valid ones are
        listed), or a range is impossible (low >= high, log with low <= 0, empty choices).
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such search-space file; check the path given to --space")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err}); fix the file") from err
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(
            f"{path}: expected a mapping of option paths to ranges, e.g. "
            "'train.lr: {low: 1.0e-4, high: 1.0e-2, log: true}'"
        )
    space = {str(key): _parse_spec(str(key), value, path) for key, value in raw.items()}
    validate_space(space, model=model, options=options, source=str(path))
    return space


def _parse_spec(key: str, value: Any, source: Path) -> ParamSpec:
    if isinstance(value, list):
        value = {"choices": value}
    if not isinstance(value, dict):
        raise ConfigError(
            f"{source}: {key}: expected {{low, high[, log]}} or {{choices: [...]}}, got {value!r}"
        )
    unknown = sorted(set(value) - set(_SPACE_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: {key}: unknown field(s) {', '.join(unknown)}; valid fields: "
            f"{', '.join(_SPACE_KEYS)}"
        )
    if "choices" in value:
        choices = value["choices"]
        if not isinstance(choices, list) or not choices:
            raise ConfigError(f"{source}: {key}: choices must be a non-empty list, got {choices!r}")
        return ParamSpec("categorical", choices=tuple(choices))
    if "low" not in value or "high" not in value:
        raise ConfigError(f"{source}: {key}: a range needs both low and high (or give choices)")
    low, high = value["low"], value["high"]
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise ConfigError(f"{source}: {key}: {name} must be a number, got {bound!r}")
    is_int = isinstance(low, int) and isinstance(high, int)
    kind = value.get("kind", "int" if is_int else "float")
    if kind not in ("float", "int"):
        raise ConfigError(f"{source}: {key}: kind must be float or int for a range, got {kind!r}")
    return ParamSpec(kind, low=low, high=high, log=bool(value.get("log", False)))


def validate_space(
    space: dict[str, ParamSpec],
    *,
    model: str = "cnn",
    options: Sequence[str] | None = None,
    source: str = "search space",
) -> None:
    """Check that every key names a tunable option and every range is possible.

    ``model.*`` keys must name one of ``options``, the hyperparameters of ``model`` (default:
    those of ``model`` in :data:`biodl.models.MODELS`).

    Raises
    ------
    ConfigError
        Naming the key: unknown section or option (valid ones listed), low >= high, a log range
        with low <= 0, or empty choices.
    """
    if options is None:
        from biodl.models import model_parameters

        options = [p.name for p in model_parameters(model)]
    model_names = list(options)
    for key, spec in space.items():
        section, dot, name = key.partition(".")
        if not dot or section not in _TUNABLE_SECTIONS:
            raise ConfigError(
                f"{source}: unknown key '{key}'; keys are section.option with section one of "
                f"{', '.join(_TUNABLE_SECTIONS)}, e.g. train.lr or model.channels"
            )
        if section == "model":
            valid = model_names
        else:
            valid = [f.name for f in dataclasses.fields(_SECTION_CLASSES[section])]
        if name not in valid:
            what = f"model '{model}'" if section == "model" else f"section '{section}'"
            raise ConfigError(
                f"{source}: unknown key '{key}'; valid options of {what}: {', '.join(valid)}"
            )
        _check_range(key, spec, source)


def _check_range(key: str, spec: ParamSpec, source: str) -> None:
    if spec.kind == "categorical":
        if not spec.choices:
            raise ConfigError(f"{source}: {key}: choices is empty; give at least one value")
        return
    assert spec.low is not None and spec.high is not None
    if spec.low >= spec.high:
        raise ConfigError(
            f"{source}: {key}: low ({spec.low}) must be below high ({spec.high}); swap them or "
            "use choices for a single value"
        )
    if spec.log and spec.low <= 0:
        raise ConfigError(
            f"{source}: {key}: a log range needs low > 0, got low={spec.low}; raise low or set "
            "log: false"
        )


def _section_classes() -> dict[str, type]:
    from biodl.config import BaselineConfig, DataConfig

    return {"train": TrainConfig, "data": DataConfig, "baseline": BaselineConfig}


_SECTION_CLASSES = _section_classes()


def grid_values(spec: ParamSpec) -> list[Any]:
    """The values grid search tries for ``spec``: its choices, or low / middle / high.

    The middle of a log range is geometric, otherwise arithmetic; int ranges are rounded and
    duplicates dropped (``int 1..2`` gives ``[1, 2]``).
    """
    if spec.kind == "categorical":
        assert spec.choices is not None
        return list(spec.choices)
    assert spec.low is not None and spec.high is not None
    low, high = float(spec.low), float(spec.high)
    middle = math.sqrt(low * high) if spec.log else (low + high) / 2
    points: list[Any] = [low, middle, high]
    if spec.kind == "int":
        points = sorted({round(p) for p in points})
    return points


def apply_params(cfg: RunConfig, params: dict[str, Any]) -> RunConfig:
    """A copy of ``cfg`` with dotted-path ``params`` set (``model.*`` go to model params).

    Raises
    ------
    ConfigError
        If a value has the wrong type for its option.
    """
    raw = cfg.to_dict()
    for key, value in params.items():
        section, _, name = key.partition(".")
        if section == "model" and name not in ("name", "params"):
            raw["model"]["params"][name] = value
        else:
            raw[section][name] = value
    return RunConfig.from_dict(raw, source="search space")
