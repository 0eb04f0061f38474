"""Run configuration: every option of a run, its closed set of values, and YAML in and out.

A run is described by one :class:`RunConfig` made of four parts (data, model, training,
baseline, evaluation). The same names are used by the CLI (``--lr``), by YAML files
(``train: {lr: 0.001}``), by ``--set train.lr=0.001`` overrides and by the Python API
(``biodl.train(..., lr=0.001)``). Options that take one of a few words are declared once below
as a ``Literal`` plus a table, so documentation, validation and the CLI read the same list.

Examples
--------
>>> cfg = RunConfig.from_dict({"data": {"train": "seqs.fa"}, "train": {"lr": 0.01}})
>>> cfg.train.lr
0.01
>>> apply_overrides(cfg, ["model.channels=128"]).model.params["channels"]
128
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from biodl.errors import ConfigError

SCHEMA_VERSION = 1

KindOption = Literal["auto", "sequence", "expression", "timeseries", "records", "image"]
TaskOption = Literal["auto", "binary", "multiclass", "multilabel", "regression"]
AlphabetOption = Literal["auto", "dna", "rna", "protein"]
SplitOption = Literal["stratified", "random", "group", "similarity", "predefined"]
LossOption = Literal["auto", "cross_entropy", "bce", "mse", "l2", "l1", "huber"]
OptimizerOption = Literal["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta"]
SchedulerOption = Literal["none", "step", "exponential", "cosine", "plateau"]
ClassWeightOption = Literal["none", "balanced"]
SamplingOption = Literal["shuffle", "balanced"]
ThresholdOption = Literal["auto", "fixed", "balanced_accuracy", "f1"]
DeviceOption = Literal["auto", "cpu", "cuda"]
Log1pOption = Literal["auto", True, False]  # expression data
# Regular time series (--kind timeseries)
TsNormalisationOption = Literal["global", "instance", "none"]
TimeUnitOption = Literal["auto", "hhmm", "minutes", "hours"]
BaselineOption = Literal["logistic", "random_forest", "gradient_boosting"]
FreezeOption = Literal["none", "body"]  # transfer learning
ImageFitOption = Literal["resize", "crop"]  # images

#: Human descriptions of every closed-set option, used by ``--help`` and the docs.
OPTION_HELP: dict[str, dict[str, str]] = {
    "kind": {
        "auto": "detected from the training file: FASTA/sequence tables, expression matrices "
        "(.h5ad, wide numeric tables), regular time series (UCR text, .npz), irregular records "
        "(long tables, one file per record) or images (class folders, MedMNIST .npz)",
        "sequence": "DNA, RNA or protein sequences",
        "expression": "expression / omics matrix (samples x genes)",
        "timeseries": "regular time series, one series per row (univariate or multivariate)",
        "records": "irregular clinical records in long format (record, time, variable, value)",
        "image": "images (a folder per class, a CSV of paths, or MedMNIST-style .npz)",
    },
    "task": {
        "auto": "inferred from the labels: numbers -> regression, 2 classes -> binary, more -> "
        "multiclass, several label columns of 0/1 -> multilabel",
        "binary": "two classes",
        "multiclass": "one of K > 2 classes",
        "multilabel": "several independent yes/no labels (one label column each)",
        "regression": "one or more numeric targets",
    },
    "split": {
        "stratified": "random rows, class proportions kept in every part (classification)",
        "random": "plain random split of the rows",
        "group": "whole groups (--group-column: patient, species, ...) go to one part each",
        "similarity": "clusters of near-identical sequences (--similarity-threshold) go to one "
        "part each, so no test sequence has a near-copy in training",
        "predefined": "the part of each row is read from a column (--split-column: "
        "train / valid / test)",
    },
    "loss": {
        "auto": "bce for binary and multilabel, cross_entropy for multiclass, mse for regression",
        "cross_entropy": "softmax cross-entropy (binary or multiclass); honours class weights",
        "bce": "binary cross-entropy on a sigmoid output (binary, multilabel)",
        "mse": "mean squared error (L2)",
        "l2": "same as mse",
        "l1": "mean absolute error (L1)",
        "huber": "Huber loss: squared near zero, absolute for large errors",
    },
    "optimizer": {
        "sgd": "stochastic gradient descent (with --momentum and --nesterov)",
        "rmsprop": "RMSprop",
        "adam": "Adam",
        "adamw": "Adam with decoupled weight decay",
        "adagrad": "Adagrad",
        "adadelta": "Adadelta",
    },
    "scheduler": {
        "none": "constant learning rate",
        "step": "multiply the rate by 0.1 every third of the epochs",
        "exponential": "multiply the rate by 0.95 every epoch",
        "cosine": "cosine decay to zero over the epochs",
        "plateau": "divide the rate by 10 when the validation loss stops improving",
    },
    "class_weights": {
        "none": "every example counts the same",
        "balanced": "weight classes inversely to their frequency in the training split",
    },
    "threshold": {
        "auto": "binary tasks: balanced_accuracy when the rarer training class is under 30% "
        "and the validation part holds at least 5 examples of each class, else fixed",
        "fixed": "predict the positive class when its probability is at least 0.5",
        "balanced_accuracy": "the threshold maximising balanced accuracy on the validation part",
        "f1": "the threshold maximising F1 of the positive class on the validation part",
    },
    "sampling": {
        "shuffle": "every training example once per epoch, in random order",
        "balanced": "draw training examples with replacement, each class equally often on "
        "average (a rare outcome is seen as often as a common one)",
    },
    "device": {
        "auto": "a GPU if one is available, else the CPU",
        "cpu": "the CPU",
        "cuda": "NVIDIA GPU(s)",
    },
    "log1p": {
        "auto": "log(1 + x) when the training values look unlogged (raw counts, or "
        "intensities above 100 as on microarrays; negative values are set to 0 first)",
        "true": "always log(1 + x)",
        "false": "never (values are already log-scale)",
    },
    "time_unit": {
        "auto": "hh:mm when times hold a colon, else hours (minutes when the largest time "
        "exceeds 500)",
        "hhmm": "hours:minutes since the record's start, e.g. 47:59",
        "minutes": "minutes since the record's start",
        "hours": "hours since the record's start",
    },
    "baseline": {
        "logistic": "logistic regression (ridge regression for regression tasks)",
        "random_forest": "random forest",
        "gradient_boosting": "histogram gradient-boosted trees (handles skewed features well; "
        "the default for irregular records)",
    },
    # Regular time series (--kind timeseries)
    "ts_normalisation": {
        "global": "z-score each channel with the mean and sd of the training series (default)",
        "instance": "z-score every series and channel by its own mean and sd (shape only; "
        "UCR series are often stored this way already)",
        "none": "values as read",
    },
    # transfer learning
    "freeze": {
        "none": "fine-tuning: every weight learns (the body at lr x --body-lr-factor, "
        "optionally after --unfreeze-after epochs)",
        "body": "feature extraction: only the new head learns; the pretrained body, its "
        "BatchNorm statistics included, stays as loaded",
    },
    # images
    "fit": {
        "resize": "scale the whole image to --size x --size (the aspect ratio may change)",
        "crop": "cut the centred square of the shorter side, then scale it to --size",
    },
    "augment": {
        "flip": "mirror left-right and up-down, each with probability 1/2",
        "rot90": "rotate by 0, 90, 180 or 270 degrees",
        "shift": "translate by up to 10% of the side (whole pixels, zeros fill in)",
        "crop": "random square of 80-100% of the side, scaled back up",
        "brightness": "add an offset from U(-0.1, 0.1) to every pixel (pixels in [0, 1])",
        "contrast": "scale deviations from the image mean by U(0.8, 1.2)",
        "noise": "add Gaussian noise with standard deviation 0.03",
    },
}


@dataclass
class DataConfig:
    """Where the data comes from and how it is read.

    Parameters
    ----------
    train : str
        Training file: FASTA(.gz), CSV/TSV, or a folder with one FASTA per class (sequences);
        other kinds of data are described in the docs of each kind.
    kind : {'auto', 'sequence', 'expression', 'timeseries', 'records', 'image'}, default 'auto'
        What the data is (see ``OPTION_HELP['kind']``); 'auto' detects it from ``train``.
    valid, test : str, optional
        Separate validation / test files. Without them the training file is split.
    labels : str, optional
        Labels table (CSV/TSV) keyed by sequence id, for FASTA input.
    sequence_column, id_column : str, optional
        Columns of a CSV/TSV input; detected when not given.
    label_columns : list of str
        Label columns (several = multilabel or multi-target regression); detected when empty.
    alphabet : {'auto', 'dna', 'rna', 'protein'}, default 'auto'
    length : int, optional
        Crop (centre) or pad every sequence to this length. Default: pad each batch to its
        longest sequence and mask the padding.
    task : {'auto', 'binary', 'multiclass', 'multilabel', 'regression'}, default 'auto'
    split : {'stratified', 'random', 'group', 'similarity', 'predefined'}, default 'stratified'
        How valid/test parts are made from the training file (see ``OPTION_HELP['split']``).
        Regression and multilabel tasks use 'random' in place of 'stratified'.
    group_column : str, optional
        Column (or FASTA header key, or labels-table column) holding the group of each
        sequence (patient, species, ...), for ``split='group'``.
    split_column : str, optional
        Column holding train / valid / test for each sequence, for ``split='predefined'``.
    similarity_threshold : float, default 0.5
        For ``split='similarity'`` and the near-duplicate leakage check: estimated Jaccard
        similarity of k-mer sets above which two sequences count as near-identical (0.5 is
        about 95% identity for 200 bp DNA; 0.25 about 90%).
    test_size, valid_size : float, default 0.2 and 0.1
        Fractions of the training file held out when no test / valid file is given.
    genes_as_rows : bool, default False
        Expression tables: genes are rows and samples columns (default: samples are rows).
    layer : str, optional
        Expression ``.h5ad``: read this layer instead of ``X``.
    use_raw : bool, default False
        Expression ``.h5ad``: read ``.raw`` instead of ``X``.
    normalize : bool or None, default None
        Expression: library-size normalisation to 10,000 per sample; None = on for raw counts.
    log1p : {'auto', True, False}, default 'auto'
        Expression: ``log(1 + x)`` (see ``OPTION_HELP['log1p']``).
    scale : bool, default True
        Expression: z-score each gene with training mean and sd.
    hvg : int or None, default 2000
        Expression: keep at most the N most variable training genes (variance after log);
        0 or None keeps every gene.
    time_column, variable_column, value_column : str, optional
        Records in one long table: its time, variable and value columns (the record id is
        ``id_column``); detected from common names when not given.
    time_unit : {'auto', 'hhmm', 'minutes', 'hours'}, default 'auto'
        Records: how times are written (see ``OPTION_HELP['time_unit']``).
    statics : list of str, optional
        Records: variables whose time-zero value is a static descriptor; default: those
        observed at time zero in at least 90% of records. ``[]``: none.
    static_missing : float or None, default -1.0
        Records: the static value that means missing.
    bin, window : str, default '1h' and '48h'
        Records: time-grid step and the cut-off window (``30min``, ``1h``, ``2d``).
    forward_fill : bool, default False
        Records: carry the last observed value into unobserved bins (the mask still marks
        them).
    ts_normalisation : {'global', 'instance', 'none'}, default 'global'
        Regular time series: per-channel z-score fitted on the training part, per series, or
        none (see ``OPTION_HELP['ts_normalisation']``).
    """

    train: str = ""
    kind: KindOption = "auto"
    valid: str | None = None
    test: str | None = None
    labels: str | None = None
    sequence_column: str | None = None
    label_columns: list[str] = field(default_factory=list)
    id_column: str | None = None
    alphabet: AlphabetOption = "auto"
    length: int | None = None
    task: TaskOption = "auto"
    split: SplitOption = "stratified"
    group_column: str | None = None
    split_column: str | None = None
    similarity_threshold: float = 0.5
    test_size: float = 0.2
    valid_size: float = 0.1
    # expression (biodl.kinds.expression)
    genes_as_rows: bool = False
    layer: str | None = None
    use_raw: bool = False
    normalize: bool | None = None
    log1p: Log1pOption = "auto"
    scale: bool = True
    hvg: int | None = 2000
    # -- irregular records (kind 'records'; see docs/timeseries.md) --
    time_column: str | None = None
    variable_column: str | None = None
    value_column: str | None = None
    time_unit: TimeUnitOption = "auto"
    statics: list[str] | None = None
    static_missing: float | None = -1.0
    bin: str = "1h"
    window: str = "48h"
    forward_fill: bool = False
    # Regular time series (--kind timeseries): how series are scaled before the network and the
    # 1-NN baseline; the statistics are fitted on the training part only.
    ts_normalisation: TsNormalisationOption = "global"
    # images (kind "image"): side, channels and fitting of every image, training augmentation
    # (comma-separated names of OPTION_HELP["augment"]), path column of a CSV of images.
    size: int | None = None
    channels: int | None = None
    fit: ImageFitOption = "resize"
    augment: str = ""
    image_column: str | None = None


@dataclass
class ModelConfig:
    """Which network and its hyperparameters.

    Parameters
    ----------
    name : str, default 'auto'
        A model name from ``biodl models``; 'auto' picks the default for the alphabet (cnn).
    params : dict
        Hyperparameters of that model (``biodl models`` lists them with their defaults).
    """

    name: str = "auto"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainConfig:
    """How the network is trained. Every field is a named option of ``biodl train``.

    Parameters
    ----------
    loss : str, default 'auto'
        One of ``OPTION_HELP['loss']``.
    class_weights : {'none', 'balanced'}, default 'none'
    sampling : {'shuffle', 'balanced'}, default 'shuffle'
        How training batches are drawn (see ``OPTION_HELP['sampling']``); 'balanced' is
        honoured by irregular records (other kinds: planned).
    optimizer : str, default 'adam'
    lr : float, default 1e-3
    momentum : float, default 0.9
        SGD and RMSprop momentum.
    nesterov : bool, default False
        Nesterov momentum for SGD.
    weight_decay : float, default 0.0
        Optimiser weight decay (decoupled for AdamW).
    scheduler : str, default 'none'
    batch_size : int or 'full', default 64
        1 = stochastic, N = mini-batch, 'full' = the whole training split in one batch.
    epochs : int or 'auto', default 'auto'
        Maximum number of passes over the training data. 'auto': about 1,000 optimiser steps,
        at least 30 and at most 200 epochs (200 for 100 examples in batches of 64, 30 from
        about 2,000 examples on).
    patience : int, default 5
        Early stopping: stop after this many epochs without improvement of ``monitor`` on the
        validation split; 0 turns early stopping off. The best epoch's weights are kept. With
        fewer than 30 validation examples neither happens: every epoch runs and the last
        weights are kept (a warning says so).
    monitor : str, default 'loss'
        'loss' (validation loss) or a metric name (auroc, accuracy, r2, ...).
    l1, l2 : float, default 0.0
        Penalties added to the loss: ``l1 * sum|w|`` and ``l2 * sum w**2`` over weights.
    grad_clip : float, default 0.0
        Clip the gradient norm to this value; 0 = no clipping.
    seed : int, default 0
        Controls splits, initialisation, shuffling and the bootstrap.
    seeds : int, default 1
        Train the network and the baseline this many times, with seeds ``seed``,
        ``seed + 1``, ...; on the same split, so the spread shows the variation due to
        initialisation and batch order. Metrics are reported as mean ± sd; the run directory
        keeps the model of the first seed.
    device : {'auto', 'cpu', 'cuda'}, default 'auto'
    precision : str, default '32-true'
        Lightning precision: '32-true', '16-mixed', 'bf16-mixed', '64-true'.
    strategy : str, default 'auto'
        Lightning strategy, e.g. 'ddp' for several GPUs.
    devices : str, default 'auto'
        Number of devices (or 'auto').
    num_nodes : int, default 1
    threads : int, default 0
        CPU threads for torch; 0 keeps torch's default.
    init_from : str, optional
        Transfer learning: initial weights from an earlier run directory, a ``.safetensors``
        file or a PyTorch state dict (read with ``weights_only=True``); see docs/transfer.md.
    freeze : {'none', 'body'}, default 'none'
        'body' trains only the head (feature extraction); 'none' fine-tunes everything.
    body_lr_factor : float, default 1.0
        Fine-tuning: the body learns at ``lr * body_lr_factor`` (e.g. 0.1).
    unfreeze_after : int, default 0
        Fine-tuning: keep the body frozen for this many epochs, then train it too.
    compare_scratch : bool, default False
        Also train the same model from random initialisation on the same split and compare.
    """

    loss: LossOption = "auto"
    class_weights: ClassWeightOption = "none"
    sampling: SamplingOption = "shuffle"
    optimizer: OptimizerOption = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    scheduler: SchedulerOption = "none"
    batch_size: int | Literal["full"] = 64
    epochs: int | Literal["auto"] = "auto"
    patience: int = 5
    monitor: str = "loss"
    l1: float = 0.0
    l2: float = 0.0
    grad_clip: float = 0.0
    seed: int = 0
    seeds: int = 1
    device: DeviceOption = "auto"
    precision: str = "32-true"
    strategy: str = "auto"
    devices: str = "auto"
    num_nodes: int = 1
    threads: int = 0
    # transfer learning (docs/transfer.md)
    init_from: str | None = None
    freeze: FreezeOption = "none"
    body_lr_factor: float = 1.0
    unfreeze_after: int = 0
    compare_scratch: bool = False


@dataclass
class BaselineConfig:
    """The classical model trained on the same split.

    Parameters
    ----------
    name : {'logistic', 'random_forest', 'gradient_boosting'}, default 'logistic'
    k : int, optional
        k-mer size; default chosen from the alphabet and the median length.
    positional : bool, optional
        Add position-wise one-hot features. Default: yes when all sequences have one length.
    """

    name: BaselineOption = "logistic"
    k: int | None = None
    positional: bool | None = None


@dataclass
class EvalConfig:
    """How test metrics are estimated.

    Parameters
    ----------
    n_bootstrap : int, default 1000
        Bootstrap resamples for confidence intervals.
    level : float, default 0.95
        Confidence level of the intervals.
    threshold : {'auto', 'fixed', 'balanced_accuracy', 'f1'}, default 'auto'
        Binary tasks: the decision threshold of the thresholded metrics (accuracy, balanced
        accuracy, F1, MCC) and of the predicted labels, chosen on the VALIDATION part (never
        the test part) for the network and the baseline separately (see
        ``OPTION_HELP['threshold']``). Ranking metrics (AUROC, AUPRC) do not depend on it.
    """

    n_bootstrap: int = 1000
    level: float = 0.95
    threshold: ThresholdOption = "auto"


@dataclass
class RunConfig:
    """Everything that defines a run; ``config.yaml`` in a run directory is this, resolved."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    evaluate: EvalConfig = field(default_factory=EvalConfig)
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
        return _build(cls, raw, source, prefix="")


_SECTIONS = {f.name for f in dataclasses.fields(RunConfig)}


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
            values[key] = _check(value, hint, source, f"{prefix}{key}")
    return cls(**values)


def _check(value: Any, hint: Any, source: str, key: str) -> Any:
    """Return ``value`` converted to ``hint`` or raise a ConfigError naming ``key``."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _check(value, option, source, key)
            except ConfigError as err:
                errors.append(str(err).split(": ", 2)[-1])
        raise ConfigError(f"{source}: {key}: {' or '.join(errors)}")
    if origin is Literal:
        choices = get_args(hint)
        if value not in choices:
            raise ConfigError(
                f"{source}: {key}: expected one of {', '.join(map(str, choices))}, got {value!r}"
            )
        return value
    if origin is list:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{source}: {key}: expected a list, got {value!r}")
        (inner,) = get_args(hint)
        return [_check(v, inner, source, key) for v in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {key}: expected a mapping, got {value!r}")
        return dict(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {key}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {key}: expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: {key}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {key}: expected text, got {value!r}")
        return value
    return value


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
                "data, model, train, baseline, evaluate"
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
