"""Kinds of data: what is different between sequences, expression, images, ...

The pipeline (train, cv, tune, predict, evaluate, inspect, the report and the run directory) is
the same for every kind of data; what differs is how a file is read, which splits make sense,
which networks exist, how inputs are preprocessed (fitted on the training part only), how a
batch is made, which features the classical baseline uses and what inspection looks for. A kind
is one object answering exactly those questions (:class:`Kind`), in one module of this package;
:data:`biodl.options.KINDS` is the registry (the only list of kinds), and
:func:`resolve_kind` picks one for a training file when ``data.kind`` is 'auto'.

Examples
--------
>>> get_kind("sequence").name
'sequence'
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from biodl.errors import ConfigError, DataError
from biodl.options import KINDS, KindEntry, add_kind, check_kind

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from torch import nn
    from torch.utils.data import Dataset

    from biodl.config import DataConfig, RunConfig
    from biodl.data.checks.result import Inspection
    from biodl.data.prepared import PreparedData, RawData
    from biodl.evaluation.search_space import ParamSpec
    from biodl.models.registry import ModelParameter

#: Kind objects registered at run time (:func:`register_kind`), by name.
_REGISTERED: dict[str, Any] = {}


class Part(Protocol):
    """One part (train, valid or test) of a dataset of any kind."""

    ids: Sequence[str]

    def __len__(self) -> int: ...

    def subset(self, index: np.ndarray) -> Part: ...


class Features(Protocol):
    """Baseline features fitted on the training part: ``features(part) -> X``."""

    description: str

    def __call__(self, part: Any) -> Any: ...


@dataclass
class ExtraBaseline:
    """A classical method of the kind beside the panel's models (e.g. 1-nearest-neighbour).

    With ``--baseline auto`` it competes in the panel's choice on validation
    (:func:`biodl.pipeline.baselines.fit_baseline_for`): when it is the best, it is the
    baseline of the verdict. Beside a named baseline it is reported next to it.

    Attributes
    ----------
    name : str
        Human name for tables and the report, e.g. '1-NN (Euclidean)'.
    fit : callable
        ``fit(part, y) -> fitted`` where ``fitted.predict_scores(part)`` returns scores in the
        task's layout (as :meth:`biodl.evaluation.baselines.Baseline.predict_scores`).
    key : str, default ""
        Its key in the panel (``metrics.json`` ``baseline_panel``), e.g. 'nearest_neighbour';
        "" derives one from ``name``.
    features : str, default ""
        What it reads, in words (e.g. 'the scaled series'), shown as the baseline's features.
    settings : str, default ""
        Its settings in words, for the panel's table.
    """

    name: str
    fit: Callable[[Any, np.ndarray], Any]
    key: str = ""
    features: str = ""
    settings: str = ""

    @property
    def panel_key(self) -> str:
        """``key``, or ``name`` in lower case with runs of other characters as '_'.

        Examples
        --------
        >>> ExtraBaseline("1-NN (Euclidean)", fit=print).panel_key
        '1_nn_euclidean'
        """
        if self.key:
            return self.key
        return "_".join("".join(c if c.isalnum() else " " for c in self.name.lower()).split())


class Kind(Protocol):
    """What the workflow needs to know about one kind of data.

    Attributes
    ----------
    name : str
        The kind, e.g. 'sequence'.
    models : mapping of str to nn.Module class
        The networks ``--model`` accepts for this kind, by name.
    spaces : dict
        Default search space of each model that has one (``biodl tune``).
    splits : tuple of str
        The ``--split`` methods this kind supports (others are refused, naming these).

    Notes
    -----
    Optional: ``report_figures(network, prepared, split, scores, *, threshold, plots)`` ->
    list of :class:`biodl.report.html.Figure` drawn into ``plots`` from the trained network
    and its ``(n, k)`` scores on ``split``; the run's report shows them after the standard
    figures (images: misclassified examples and saliency maps). Absent means none.

    Optional, for preparation (:func:`biodl.data.prepared.prepare_raw`):
    ``similar_groups(part, threshold)`` (kinds that support ``--split similarity``),
    ``scaffold_groups(part)`` (kinds that support ``--split scaffold``: molecules),
    ``leakage(train, part, threshold) -> Leakage``, ``leakage_reference(train)`` (the training
    part prepared once for the ``leakage`` calls of all evaluation parts) and
    ``check(prepared)``.

    Optional: ``labels_in_file`` (str): for kinds whose files hold their own labels (images,
    time series), the sentence saying where; ``--valid-labels`` and ``--test-labels`` are then
    refused with it. Absent or "" means the kind reads them (``data.valid_labels``,
    ``data.test_labels``) in :meth:`read_run` and :meth:`inspect`.

    Optional: ``pretrain(network, cfg, prepared, inputs)`` -> dict or None: unsupervised
    initialisation of the built ``network`` from the training part only, before supervised
    training (expression: the MLP's autoencoder); the dict (what was fitted, how long) goes to
    ``metrics.json`` ``training.pretraining``. Skipped with ``--init-from``.

    Optional: ``default_params(prepared, model)`` -> dict: hyperparameters of ``model`` on
    this data where they differ from the network's own defaults (graphs: ``gin`` on TU
    graphs); ``--set model.NAME=...`` overrides them, and the run records them with its
    parameters. Skipped when ``--init-from RUN`` without ``--model`` takes the source run's
    hyperparameters.

    Optional: ``additive_auto(cfg, prepared)`` -> an object with ``on`` (bool) and
    ``to_json()``: decides a model's ``additive="auto"`` (the CNN's default) from the training
    part; the run records ``additive`` as true or false and the decision in ``model.json``
    (``additive_auto``). Absent (and with ``--init-from``) it is off. Sequences:
    :func:`biodl.kinds.sequence_additive.choose_additive`.
    """

    name: str
    models: Mapping[str, type[nn.Module]]
    spaces: dict[str, dict[str, ParamSpec]]

    splits: tuple[str, ...]

    def detect(self, path: Path) -> bool:
        """Whether the training file or folder ``path`` looks like data of this kind."""
        ...

    def read_run(self, cfg: RunConfig) -> RawData:
        """Read the run's files: parts and label tables, before any split (nothing fitted)."""
        ...

    def default_model(self, prepared: PreparedData) -> str: ...

    def fit_inputs(
        self, cfg: RunConfig, prepared: PreparedData, model: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Input preprocessing fitted on the training part only (JSON-able)."""
        ...

    def build_network(
        self, model: str, params: dict[str, Any], inputs: dict[str, Any], n_outputs: int
    ) -> nn.Module:
        """The network trained and saved: a wrapper whose ``.model`` holds the weights."""
        ...

    def dataset(
        self,
        part: Any,
        y: np.ndarray | None,
        inputs: dict[str, Any],
        *,
        training: bool,
        seed: int,
    ) -> Dataset[Any]:
        """Whole-batch dataset (``data[indices] -> batch`` with ``inputs`` and ``y``)."""
        ...

    def baseline_features(self, cfg: RunConfig, prepared: PreparedData) -> Features: ...

    def extra_baselines(self, cfg: RunConfig, prepared: PreparedData) -> list[ExtraBaseline]: ...

    def read(
        self, path: str, inputs: dict[str, Any], data: DataConfig, *, require_labels: bool
    ) -> tuple[Any, pd.DataFrame | None]:
        """New data for predict/evaluate, read as the trained model expects."""
        ...

    def describe(self, prepared: PreparedData) -> dict[str, Any]:
        """Facts for ``metrics.json`` 'data' and the report (e.g. the alphabet)."""
        ...

    def inspect(self, data: DataConfig) -> Inspection:
        """``biodl inspect``: read each part given (train, valid, test; no split) with the
        kind's readers and ``data``'s options, problems kept rather than refused, and return
        the kind's checks (:mod:`biodl.data.checks`)."""
        ...


def get_kind(kind: str) -> Kind:
    """The kind object of ``kind`` (a name of :data:`biodl.options.KINDS`), imported once.

    Raises
    ------
    ConfigError
        For an unknown kind.
    """
    check_kind(kind)
    if kind == "auto":
        raise ConfigError("--kind auto: resolve the kind first (resolve_kind)")
    if kind in _REGISTERED:
        return _REGISTERED[kind]
    module, attribute = KINDS[kind].target.split(":")
    return getattr(importlib.import_module(module), attribute)


def register_kind(kind: Kind, *, help: str) -> None:
    """Add a kind of data at run time (a plug-in, or a test's toy kind), asked before sequences.

    ``kind`` answers what :class:`Kind` lists; ``kind.name`` becomes a ``--kind`` value. A kind
    shipped with biodl is one line in :data:`biodl.options.KINDS` instead; a plug-in kind with
    options of its own is added by name with :func:`biodl.options.add_kind` before the config
    is imported (see ``tests/test_toy_kind.py``).

    Raises
    ------
    ConfigError
        When a kind of that name exists.
    """
    add_kind(kind.name, KindEntry("", help))
    _REGISTERED[kind.name] = kind


def unregister_kind(name: str) -> None:
    """Remove a kind added by :func:`register_kind`."""
    if name in _REGISTERED:
        del _REGISTERED[name], KINDS[name]


def available_kinds() -> list[str]:
    """Kinds whose module is installed (every kind of :data:`biodl.options.KINDS` in a full
    install), in detection order."""
    return [
        kind
        for kind, entry in KINDS.items()
        if kind in _REGISTERED or importlib.util.find_spec(entry.target.split(":")[0]) is not None
    ]


def detect_kind(path: str | Path) -> str:
    """The kind of the training file or folder ``path`` (sequences when nothing else fits).

    Raises
    ------
    DataError
        When ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; check the path")
    for kind in available_kinds():
        if kind != "sequence" and get_kind(kind).detect(path):
            return kind
    return "sequence"


def resolve_kind(data: DataConfig) -> str:
    """``data.kind``, or the detected kind of ``data.train`` when it is 'auto'."""
    if data.kind != "auto":
        return data.kind
    if not data.train:
        raise ConfigError("no training data given; pass a file or folder as TRAIN")
    return detect_kind(data.train)


def model_parameters(kind: str, name: str) -> list[ModelParameter]:
    """Hyperparameters of model ``name`` of ``kind`` (from the class's signature and docstring).

    Raises
    ------
    ConfigError
        For an unknown kind or model.
    """
    from biodl.models.registry import model_class, parameters

    return parameters(model_class(name, get_kind(kind).models))


def default_space(kind: str, model: str) -> dict[str, ParamSpec]:
    """The default search space of ``model`` on ``kind`` data (the kind's ``spaces``)."""
    from biodl.evaluation.search_space import default_space as lookup

    return lookup(model, spaces=get_kind(kind).spaces, kind=kind)


def check_space(
    kind: str, model: str, space: dict[str, ParamSpec], *, source: str = "search space"
) -> None:
    """Validate a search space against the options and ``model``'s hyperparameters."""
    from biodl.evaluation.search_space import validate_space

    options = [p.name for p in model_parameters(kind, model)]
    validate_space(space, model=model, options=options, source=source)


def check_model(kind_obj: Kind, name: str) -> None:
    """Raise a ConfigError when ``--model name`` does not exist for this kind of data."""
    if name not in kind_obj.models:
        raise ConfigError(
            f"--model: unknown model {name!r}; valid models: {', '.join(kind_obj.models)} for "
            f"{kind_obj.name} data (see `biodl models`)"
        )


def prepare_run_data(
    cfg: RunConfig, *, seed: int | None = None, scored: Literal["final", "valid"] | None = "final"
) -> PreparedData:
    """Read, split and check the data of ``cfg`` with its kind (detected if 'auto').

    The one preparation path of every command: :func:`biodl.data.prepared.prepare_raw` on
    what the kind's reader returns; ``scored`` names the part whose size is checked (there).
    """
    from biodl.data.input_files import reading
    from biodl.data.prepared import check_label_options, check_split_option, prepare_raw

    with reading():  # detection, reading and the checksums share one opening of each file
        kind = get_kind(resolve_kind(cfg.data))
        check_split_option(kind, cfg.data)  # before reading: a bad option fails fast
        check_label_options(kind, cfg.data)
        raw = kind.read_run(cfg)
    seed = cfg.train.seed if seed is None else seed
    return prepare_raw(kind, raw, cfg.data, seed=seed, scored=scored)
