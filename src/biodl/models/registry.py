"""What a model's constructor says about itself: hyperparameters, their types and meaning.

A model class is the registry entry: its keyword-only constructor arguments are its
hyperparameters, their annotations give types and closed sets of choices, and the numpydoc
``Parameters`` section of its docstring gives their meaning. Kinds of data name their model
classes (:mod:`biodl.kinds`); everything here works on classes, so ``biodl models``, config
checks and tuning spaces read one source.

Examples
--------
>>> from biodl.models.cnn import CNN
>>> [p.name for p in parameters(CNN)][:3]
['channels', 'n_layers', 'kernel_size']
>>> summary(CNN).startswith("Convolutional")
True
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

from torch import nn

from biodl.errors import ConfigError

__all__ = [
    "DATA_ARGUMENTS",
    "ModelParameter",
    "build",
    "check_params",
    "check_value",
    "hyperparameters",
    "model_class",
    "parameters",
    "summary",
]

#: Constructor arguments that come from the data, not from the user.
DATA_ARGUMENTS = ("in_channels", "in_features", "n_outputs", "n_statics", "length", "size")


@dataclass(frozen=True)
class ModelParameter:
    """One hyperparameter of a registered model.

    Attributes
    ----------
    name : str
        Keyword argument name.
    default : object
        Default value.
    annotation : str
        Readable type, e.g. ``'int | Sequence[int]'`` or ``'Literal["max", "avg", "none"]'``.
    description : str
        Meaning, from the numpydoc ``Parameters`` section of the model's docstring.
    choices : tuple of str or None, default None
        The allowed strings when the parameter is a closed set of options.
    """

    name: str
    default: object
    annotation: str
    description: str
    choices: tuple[str, ...] | None = None

    @property
    def type(self) -> str:
        """Alias of :attr:`annotation`."""
        return self.annotation


def model_class(name: str, table: Mapping[str, type[nn.Module]]) -> type[nn.Module]:
    """The class registered as ``name`` in ``table``.

    Raises
    ------
    ConfigError
        For an unknown name (the valid ones are listed).
    """
    if name not in table:
        raise ConfigError(
            f"unknown model '{name}'; valid models: {', '.join(table)}. Pick one of those names."
        )
    return table[name]


def _signature_class(cls: type[nn.Module]) -> type[nn.Module]:
    """The first class in the MRO whose ``__init__`` spells out its keyword arguments."""
    for base in cls.__mro__:
        if "__init__" in vars(base):
            params = inspect.signature(vars(base)["__init__"]).parameters.values()
            if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
                return base
    raise TypeError(f"{cls.__name__} has no explicit constructor signature")  # pragma: no cover


def _docstring_parameters(cls: type[nn.Module]) -> dict[str, str]:
    """Parameter descriptions from the first numpydoc ``Parameters`` section in the MRO."""
    for base in cls.__mro__:
        doc = inspect.cleandoc(vars(base).get("__doc__") or "")
        lines = doc.splitlines()
        if "Parameters" not in lines:
            continue
        found: dict[str, list[str]] = {}
        current: list[str] | None = None
        start = lines.index("Parameters") + 2
        for i in range(start, len(lines)):
            line = lines[i]
            if i + 1 < len(lines) and set(lines[i + 1]) == {"-"} and line and line[0] != " ":
                break  # next section header
            if line and line[0] != " ":
                current = found.setdefault(line.split(":")[0].strip(), [])
            elif current is not None and line.strip():
                current.append(line.strip())
        return {key: " ".join(value) for key, value in found.items()}
    return {}


def _render(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is type(None):
        return "None"
    if origin is Literal:
        return "Literal[" + ", ".join(f'"{a}"' for a in args) + "]"
    if origin in (Union, types.UnionType):
        return " | ".join(_render(a) for a in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(map(_render, args))}]"
    return getattr(hint, "__name__", str(hint))


def _choices(hint: Any) -> tuple[str, ...] | None:
    if typing.get_origin(hint) is Literal:
        return tuple(str(a) for a in typing.get_args(hint))
    args = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else ()
    for arg in args:
        found = _choices(arg)
        if found:  # bool | Literal["auto"]: true and false are choices too
            return ("true", "false", *found) if bool in args else found
    return None


def hyperparameters(cls: type[nn.Module]) -> tuple[dict[str, inspect.Parameter], dict[str, Any]]:
    """Keyword hyperparameters of ``cls`` (data arguments excluded) and their type hints."""
    source = _signature_class(cls)
    init = vars(source)["__init__"]
    params = dict(inspect.signature(init).parameters)
    hints = typing.get_type_hints(init)
    bound = getattr(cls, "bound", {}) if cls is not source else {}
    keep = {
        n: p
        for n, p in params.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and n not in DATA_ARGUMENTS and n not in bound
    }
    return keep, hints


def parameters(cls: type[nn.Module]) -> list[ModelParameter]:
    """Hyperparameters of a model class, in constructor order, with types and descriptions.

    Every keyword argument except the data arguments (:data:`DATA_ARGUMENTS`).
    """
    params, hints = hyperparameters(cls)
    docs = _docstring_parameters(cls)
    return [
        ModelParameter(
            name=n,
            default=p.default,
            annotation=_render(hints[n]),
            description=docs.get(n, ""),
            choices=_choices(hints[n]),
        )
        for n, p in params.items()
    ]


def summary(cls: type[nn.Module]) -> str:
    """One-line summary of a model class: the first paragraph of its docstring, on one line
    (its first line alone cut the GCN's and GAT's sentences short)."""
    first = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0]
    return " ".join(first.split())


def _matches(value: object, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if origin is Literal:
        return any(type(value) is type(a) and value == a for a in typing.get_args(hint))
    if origin in (Union, types.UnionType):
        return any(_matches(value, a) for a in typing.get_args(hint))
    if origin in (Sequence, list, tuple):
        inner = typing.get_args(hint)[0] if typing.get_args(hint) else Any
        return isinstance(value, (list, tuple)) and all(_matches(v, inner) for v in value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _out_of_range(name: str, value: object) -> str | None:
    """Why a well-typed value is out of range, or None."""
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and item < 1 and "dropout" not in name:
            return "a positive integer"
        if "dropout" in name and isinstance(item, (int, float)) and not 0 <= item < 1:
            return "a probability in [0, 1)"
    return None


def check_value(model: str, name: str, value: object, hint: Any) -> None:
    """Raise a ConfigError when ``value`` does not fit ``hint`` or its range (see the module)."""
    if not _matches(value, hint):
        choices = _choices(hint)
        expected = f"one of {', '.join(choices)}" if choices else _render(hint)
        raise ConfigError(
            f"model '{model}' parameter '{name}' must be {expected}; got {value!r} "
            f"({type(value).__name__}). Give a value of that kind."
        )
    reason = _out_of_range(name, value)
    if reason is not None:
        raise ConfigError(
            f"model '{model}' parameter '{name}' must be {reason}; got {value!r}. "
            "Give a value in that range."
        )


def check_params(
    name: str, cls: type[nn.Module], params: Mapping[str, object], **data: object
) -> None:
    """Check hyperparameter names, types and ranges of model ``name`` and its data arguments.

    Raises
    ------
    ConfigError
        For an unknown parameter (the valid ones listed) or a value of the wrong kind or range.
    """
    allowed, hints = hyperparameters(cls)
    for key, value in params.items():
        if key not in allowed:
            raise ConfigError(
                f"model '{name}' has no parameter '{key}'; valid parameters: "
                f"{', '.join(allowed)}. Check the spelling."
            )
        check_value(name, key, value, hints[key])
    for key, value in data.items():
        check_value(name, key, value, int | None if key in ("length", "size") else int)


def build(
    name: str, cls: type[nn.Module], *, data: Mapping[str, object], **params: object
) -> nn.Module:
    """``cls(**data, **params)`` after :func:`check_params`; ``data`` are the data arguments."""
    check_params(name, cls, params, **data)
    return cls(**data, **params)
