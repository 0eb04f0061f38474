"""Sequence models and the one name -> class table used by configs, the CLI and tuning.

Every model is a plain :class:`torch.nn.Module` with keyword-only hyperparameters::

    model = cls(in_channels=4, n_outputs=2, length=None, **hyperparameters)
    model(x, mask)          # x: (batch, in_channels, length) float, mask: (batch, length) bool
    model.features(x, mask) # (batch, model.n_features), the representation before the head
    model.head              # nn.Linear, the last layer: forward == head(features) in eval mode

``mask`` is ``True`` at real positions; padded positions of ``x`` are zero vectors. In eval
mode a sequence gets the same output whether or not it is padded inside a longer batch.

Examples
--------
>>> import torch
>>> from biodl.models import build_model, describe_model
>>> model = build_model("cnn", in_channels=4, n_outputs=1, length=None, channels=16)
>>> tuple(model(torch.zeros(2, 4, 50)).shape)
(2, 1)
>>> describe_model("gru")
'Gated recurrent unit (GRU) network over one-hot sequences, with a masked readout.'
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

from torch import nn

from biodl.errors import ConfigError
from biodl.models.cnn import CNN
from biodl.models.cnn2d import CNN2d
from biodl.models.dense import DenseMLP
from biodl.models.grud import GRUD
from biodl.models.image_mlp import ImageMLP
from biodl.models.mlp import MLP
from biodl.models.resnet import ResNet18, ResNet34
from biodl.models.rnn import CNNLSTM, GRUNet, LSTMNet, RecurrentNet, RNNNet
from biodl.models.transformer import TransformerNet
from biodl.models.tsconv import FCN, ResNet1d

__all__ = [
    "CNN",
    "CNNLSTM",
    "DEFAULT_MODEL",
    "FCN",
    "IMAGE_MODELS",
    "MLP",
    "MODELS",
    "GRUNet",
    "LSTMNet",
    "ModelName",
    "ModelParameter",
    "RNNNet",
    "RecurrentNet",
    "ResNet1d",
    "TransformerNet",
    "build_image_model",
    "build_model",
    "describe_model",
    "model_parameters",
]

ModelName = Literal[
    "cnn", "rnn", "lstm", "gru", "cnn-lstm", "transformer", "mlp", "fcn", "resnet1d"
]
MODELS: dict[str, type[nn.Module]] = {
    "cnn": CNN,
    "rnn": RNNNet,
    "lstm": LSTMNet,
    "gru": GRUNet,
    "cnn-lstm": CNNLSTM,
    "transformer": TransformerNet,
    "mlp": MLP,
    # regular time series (biodl.models.tsconv)
    "fcn": FCN,
    "resnet1d": ResNet1d,
}
DEFAULT_MODEL: dict[str, str] = {"dna": "cnn", "rna": "cnn", "protein": "cnn"}

# Images (kind "image"): models take (batch, channels, size, size) and ``size`` instead of
# ``length``; the names repeat the sequence ones where the concept is the same.
ImageModelName = Literal["cnn", "resnet18", "resnet34", "mlp"]
IMAGE_MODELS: dict[str, type[nn.Module]] = {
    "cnn": CNN2d,
    "resnet18": ResNet18,
    "resnet34": ResNet34,
    "mlp": ImageMLP,
}
# Every data kind's name -> class table (which names a kind accepts: its modality's ``models``).
_TABLES: dict[str, dict[str, type[nn.Module]]] = {
    "sequence": MODELS,
    "timeseries": MODELS,
    "records": {"grud": GRUD, **MODELS},
    "expression": {"mlp": DenseMLP},
    "image": IMAGE_MODELS,
}

_DATA_ARGUMENTS = ("in_channels", "in_features", "n_outputs", "n_statics", "length", "size")


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


def _model_class(name: str, kind: str = "sequence") -> type[nn.Module]:
    table = _TABLES.get(kind, MODELS)
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
    for arg in typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else ():
        found = _choices(arg)
        if found:
            return found
    return None


def _hints(cls: type[nn.Module]) -> tuple[dict[str, inspect.Parameter], dict[str, Any]]:
    source = _signature_class(cls)
    init = vars(source)["__init__"]
    params = dict(inspect.signature(init).parameters)
    hints = typing.get_type_hints(init)
    bound = getattr(cls, "bound", {}) if cls is not source else {}
    keep = {
        n: p
        for n, p in params.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and n not in _DATA_ARGUMENTS and n not in bound
    }
    return keep, hints


def model_parameters(name: str, *, kind: str = "sequence") -> list[ModelParameter]:
    """Hyperparameters of a registered model, in constructor order.

    Parameters
    ----------
    name : str
        Registry name, one of :data:`MODELS` (or :data:`IMAGE_MODELS` with ``kind="image"``).
    kind : str, default "sequence"
        Data kind whose table holds the model: sequence, timeseries, records, expression or
        image.

    Returns
    -------
    list of ModelParameter
        Every keyword hyperparameter except ``in_channels``, ``n_outputs`` and ``length``, with
        its default, readable type, description and (for option strings) the allowed values.

    Raises
    ------
    ConfigError
        For an unknown model name.

    Examples
    --------
    >>> [p.name for p in model_parameters("mlp")][:2]
    ['features', 'k']
    """
    cls = _model_class(name, kind)
    params, hints = _hints(cls)
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


def describe_model(name: str, *, kind: str = "sequence") -> str:
    """One-line summary of a registered model (the first line of its docstring).

    Parameters
    ----------
    name : str
        Registry name.
    kind : str, default "sequence"
        Data kind whose table holds the model.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_model("mlp")
    'Multilayer perceptron on the flattened one-hot sequence or its k-mer spectrum.'
    """
    return inspect.cleandoc(_model_class(name, kind).__doc__ or "").splitlines()[0]


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


def _check(model: str, name: str, value: object, hint: Any) -> None:
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


def build_model(
    name: str, *, in_channels: int, n_outputs: int, length: int | None, **params: object
) -> nn.Module:
    """Build a registered model after checking its hyperparameters.

    Parameters
    ----------
    name : str
        Registry name: ``"cnn"``, ``"rnn"``, ``"lstm"``, ``"gru"``, ``"cnn-lstm"``,
        ``"transformer"`` or ``"mlp"``.
    in_channels : int
        Channels of the one-hot input (4 for DNA/RNA, 20 for protein).
    n_outputs : int
        Width of the output.
    length : int or None
        Fixed sequence length, or None for variable-length data.
    **params
        Hyperparameters; see :func:`model_parameters`.

    Returns
    -------
    nn.Module
        The model, in training mode, with freshly initialised weights.

    Raises
    ------
    ConfigError
        For an unknown model or parameter, a value of the wrong kind or out of range, or an
        inconsistent combination (for example ``mlp`` with one-hot features and no length).

    Examples
    --------
    >>> model = build_model("mlp", in_channels=4, n_outputs=2, length=None, k=2)
    >>> model.head.in_features
    64
    """
    cls = _model_class(name)
    _check_params(name, cls, params, in_channels=in_channels, n_outputs=n_outputs)
    _check(name, "length", length, int | None)
    return cls(in_channels=in_channels, n_outputs=n_outputs, length=length, **params)


def _check_params(
    name: str, cls: type[nn.Module], params: dict[str, object], *, in_channels: int, n_outputs: int
) -> None:
    allowed, hints = _hints(cls)
    for key, value in params.items():
        if key not in allowed:
            raise ConfigError(
                f"model '{name}' has no parameter '{key}'; valid parameters: "
                f"{', '.join(allowed)}. Check the spelling."
            )
        _check(name, key, value, hints[key])
    _check(name, "in_channels", in_channels, int)
    _check(name, "n_outputs", n_outputs, int)


def build_image_model(
    name: str, *, in_channels: int, n_outputs: int, size: int | None, **params: object
) -> nn.Module:
    """Build a registered image model after checking its hyperparameters.

    Parameters
    ----------
    name : str
        Name in :data:`IMAGE_MODELS`: ``"cnn"``, ``"resnet18"``, ``"resnet34"`` or ``"mlp"``.
    in_channels : int
        Image channels (1 or 3).
    n_outputs : int
        Width of the output.
    size : int or None
        Image side (images are square after reading); required by ``"mlp"``.
    **params
        Hyperparameters; see :func:`model_parameters` with ``kind="image"``.

    Returns
    -------
    nn.Module
        The model, with ``features(x) -> (batch, d)``, a final ``head`` nn.Linear and a
        ``min_size`` attribute (smallest accepted image side).

    Raises
    ------
    ConfigError
        For an unknown model or parameter or a value of the wrong kind or out of range.

    Examples
    --------
    >>> model = build_image_model("cnn", in_channels=1, n_outputs=2, size=28, channels=8)
    >>> model.head.in_features
    8
    """
    cls = _model_class(name, "image")
    _check_params(name, cls, params, in_channels=in_channels, n_outputs=n_outputs)
    _check(name, "size", size, int | None)
    return cls(in_channels=in_channels, n_outputs=n_outputs, size=size, **params)
