"""``biodl models``: the models of each kind of data, with their hyperparameters and defaults.

Examples
--------
>>> docs = describe_models("cnn", kind="sequence")
>>> docs[0].kind, docs[0].name
('sequence', 'cnn')
>>> "channels" in [p.name for p in docs[0].parameters]
True
"""

from __future__ import annotations

from dataclasses import dataclass

from biodl.errors import ConfigError
from biodl.kinds import get_kind, model_parameters
from biodl.models.registry import ModelParameter, summary
from biodl.options import KINDS


@dataclass
class ModelDoc:
    """One model of one kind of data.

    Attributes
    ----------
    kind : str
        The kind of data (``--kind``) whose table holds the model.
    name : str
        The name ``--model`` takes.
    summary : str
        One line: the first line of the model's docstring.
    parameters : list of ModelParameter
        Its hyperparameters in constructor order (set with ``--set model.NAME=VALUE``).
    """

    kind: str
    name: str
    summary: str
    parameters: list[ModelParameter]


def describe_models(name: str | None = None, *, kind: str | None = None) -> list[ModelDoc]:
    """The models of every kind (sequences first), or of one ``kind``, or those called ``name``.

    Raises
    ------
    ConfigError
        For an unknown kind, or a name no kind has.
    """
    if kind is not None and kind not in KINDS:
        raise ConfigError(f"--kind {kind}: expected one of {', '.join(KINDS)}")
    kinds = [kind] if kind else list(reversed(KINDS))  # sequence first
    docs = [
        ModelDoc(
            data_kind,
            model,
            summary(cls),
            model_parameters(data_kind, model),
        )
        for data_kind in kinds
        for model, cls in get_kind(data_kind).models.items()
        if name in (None, model)
    ]
    if name is not None and not docs:
        raise ConfigError(f"unknown model '{name}'; `biodl models` lists every model")
    return docs
