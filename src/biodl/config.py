"""Run configuration: every option of a run, declared once, and YAML in and out.

A run is described by one :class:`RunConfig` made of five parts (data, model, training,
baseline, evaluation). The same names are used by the CLI (``--lr``), by YAML files
(``train: {lr: 0.001}``), by ``--set train.lr=0.001`` overrides and by the Python API
(``biodl.train(..., lr=0.001)``). Each field is declared once with :func:`biodl.options.option`:
its help text, flag(s), help panel and the commands that offer it; options that take one of a
few words are typed with a ``Literal`` of :mod:`biodl.options`, whose table explains each word.
The CLI options of ``train``, ``cv`` and ``tune``, :func:`flat_options` and the ``Parameters``
section of each class below are generated from these declarations.

Examples
--------
>>> cfg = RunConfig.from_dict({"data": {"train": "seqs.fa"}, "train": {"lr": 0.01}})
>>> cfg.train.lr
0.01
>>> apply_overrides(cfg, ["model.channels=128"]).model.params["channels"]
128
>>> flat_options()["kmer"]
('baseline', 'k')
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from biodl.errors import ConfigError
from biodl.options import (
    BASELINE,
    DATA,
    EXPRESSION,
    HARDWARE,
    IMAGES,
    MODEL,
    RECORDS,
    TIMESERIES,
    TRAINING,
    TRAINING_COMMANDS,
    TRANSFER,
    AlphabetOption,
    BaselineOption,
    ClassWeightOption,
    DeviceOption,
    FreezeOption,
    ImageFitOption,
    KindOption,
    Log1pOption,
    LossOption,
    OptimizerOption,
    SamplingOption,
    SchedulerOption,
    SplitOption,
    TaskOption,
    ThresholdOption,
    TimeUnitOption,
    TsNormalisationOption,
    check_kind,
    check_value,
    choices,
    document,
    keyword_of,
    option,
    parse_batch_size,
    parse_epochs,
    parse_log1p,
    parse_statics,
)
from biodl.options import OPTION_HELP as OPTION_HELP  # re-exported: the table of every closed set

SCHEMA_VERSION = 1

TRAIN_ONLY, TRAIN_AND_TUNE, TRAIN_AND_CV = ("train",), ("train", "tune"), ("train", "cv")
#: Options that say how files are read: ``biodl inspect`` offers them too.
READING = (*TRAINING_COMMANDS, "inspect")
READING_FILES = (*TRAIN_AND_TUNE, "inspect")


@document
@dataclass
class DataConfig:
    """Where the data comes from and how it is read, split and preprocessed."""

    train: str = option(
        "",
        help="Training data: FASTA(.gz), CSV/TSV or a folder with one FASTA per class "
        "(sequences); expression matrices, time series, records and images as described in "
        "the docs of each kind. May come from --config.",
        panel=DATA,
        commands=(),
    )
    kind: KindOption = option("auto", help=choices("kind"), panel=DATA, commands=READING)
    valid: str | None = option(
        help="Separate validation file (else split from the training data).",
        panel=DATA,
        commands=READING_FILES,
    )
    test: str | None = option(
        help="Separate test file (else split from the training data).",
        panel=DATA,
        commands=READING_FILES,
    )
    labels: str | None = option(
        help="Labels table (CSV/TSV) keyed by sequence id, for FASTA input.",
        panel=DATA,
        commands=READING,
    )
    sequence_column: str | None = option(
        help="Sequence column of a CSV/TSV (detected if not given).", panel=DATA, commands=READING
    )
    label_columns: list[str] = option(
        help="Label column; repeat for multilabel / multi-target (detected if not given).",
        panel=DATA,
        default_factory=list,
        flags=("--label-column",),
        commands=READING,
    )
    id_column: str | None = option(
        help="Id column of a CSV/TSV or labels table.", panel=DATA, commands=READING
    )
    alphabet: AlphabetOption = option(
        "auto", help=choices("alphabet"), panel=DATA, commands=READING
    )
    length: int | None = option(
        help="Crop (centre) or pad every sequence to this length. Default: pad each batch to "
        "its longest sequence and mask the padding.",
        panel=DATA,
    )
    task: TaskOption = option("auto", help=choices("task"), panel=DATA, commands=READING)
    split: SplitOption = option(
        "stratified",
        help="How the validation and test parts (cv: the folds) are made from the training "
        "data; regression and multilabel tasks use random in place of stratified. "
        + choices("split"),
        panel=DATA,
    )
    group_column: str | None = option(
        help="Column (or FASTA header key, or labels-table column) with the group of each "
        "sequence (patient, species, ...), for --split group.",
        panel=DATA,
    )
    split_column: str | None = option(
        help="Column with train / valid / test for each sequence, for --split predefined.",
        panel=DATA,
    )
    similarity_threshold: float = option(
        0.5,
        help="k-mer Jaccard similarity above which sequences count as near-identical, for "
        "--split similarity and the leakage check (0.5 ~ 95% identity, 0.25 ~ 90% for 200 bp "
        "DNA).",
        panel=DATA,
    )
    test_size: float = option(
        0.2,
        help="Fraction held out for testing when no --test file is given.",
        panel=DATA,
        commands=TRAIN_AND_TUNE,
    )
    valid_size: float = option(
        0.1,
        help="Fraction held out for validation / early stopping when no --valid file is given "
        "(cv: of each fold's training part).",
        panel=DATA,
    )
    # expression (biodl.kinds.expression)
    genes_as_rows: bool = option(
        False,
        help="Expression tables: genes are rows and samples columns (default: samples are "
        "rows, the first column holds the sample ids).",
        panel=EXPRESSION,
        flags=("--genes-as-rows/--samples-as-rows",),
        commands=READING,
    )
    layer: str | None = option(
        help="Expression .h5ad: read this layer instead of X.", panel=EXPRESSION, commands=READING
    )
    use_raw: bool = option(
        False,
        help="Expression .h5ad: read .raw instead of X.",
        panel=EXPRESSION,
        flags=("--raw/--no-raw",),
        commands=READING,
    )
    normalize: bool | None = option(
        help="Expression: library-size normalisation to 10,000 per sample (default: on for raw "
        "counts).",
        panel=EXPRESSION,
        commands=READING,
    )
    log1p: Log1pOption = option(
        "auto",
        help="Expression, log(1 + x): " + choices("log1p"),
        panel=EXPRESSION,
        parse=parse_log1p,
        commands=READING,
    )
    scale: bool = option(
        True, help="Expression: z-score each gene with the training mean and sd.", panel=EXPRESSION
    )
    hvg: int | None = option(
        2000,
        help="Expression: keep at most the N most variable training genes (variance after "
        "log); 0 = all genes.",
        panel=EXPRESSION,
    )
    # -- irregular records (kind 'records'; see docs/timeseries.md) --
    time_column: str | None = option(
        help="Records in one long table: the time column (the record id is --id-column); "
        "detected from common names if not given.",
        panel=RECORDS,
        commands=READING,
    )
    variable_column: str | None = option(
        help="Records in one long table: the variable column (detected if not given).",
        panel=RECORDS,
        commands=READING,
    )
    value_column: str | None = option(
        help="Records in one long table: the value column (detected if not given).",
        panel=RECORDS,
        commands=READING,
    )
    time_unit: TimeUnitOption = option(
        "auto", help=choices("time_unit"), panel=RECORDS, commands=READING
    )
    statics: list[str] | None = option(
        help="Records: comma-separated variables whose time-zero value is a static descriptor "
        "(default: those observed at time zero in at least 90% of records; 'none' for none).",
        panel=RECORDS,
        parse=parse_statics,
        commands=READING,
    )
    static_missing: float | None = option(
        -1.0,
        help="Records: the static value that means missing (--set data.static_missing=null: "
        "no value does).",
        panel=RECORDS,
        commands=READING,
    )
    bin: str = option(
        "1h", help="Records: time-grid step, e.g. 1h, 30min.", panel=RECORDS, flags=("--bin",)
    )
    window: str = option(
        "48h",
        help="Records: only the first hours of each record, e.g. 48h, 2d.",
        panel=RECORDS,
        commands=READING,
    )
    forward_fill: bool = option(
        False,
        help="Records: carry the last observed value into unobserved bins (the mask still "
        "marks them).",
        panel=RECORDS,
    )
    # Regular time series (--kind timeseries): how series are scaled before the network and the
    # 1-NN baseline; the statistics are fitted on the training part only.
    ts_normalisation: TsNormalisationOption = option(
        "global", help=choices("ts_normalisation"), panel=TIMESERIES
    )
    # images (kind "image"; see docs/images.md)
    size: int | None = option(
        help="Images: bring every image to SIZE x SIZE pixels (see --fit).",
        panel=IMAGES,
        show_default="median shorter side; npz: its side",
        commands=READING,
    )
    channels: int | None = option(
        help="Images: 1 = greyscale (RGB by luminance), 3 = RGB (grey repeated); default: as read.",
        panel=IMAGES,
        commands=READING,
    )
    fit: ImageFitOption = option("resize", help=choices("fit"), panel=IMAGES, commands=READING)
    augment: str = option(
        "",
        help="Images, training augmentation, comma-separated: " + choices("augment"),
        panel=IMAGES,
        show_default="none",
    )
    image_column: str | None = option(
        help="Column of image paths in a CSV of images (detected if not given).",
        panel=IMAGES,
        commands=READING,
    )

    def __post_init__(self) -> None:
        check_kind(self.kind, source="data.kind")


@document
@dataclass
class ModelConfig:
    """Which network and its hyperparameters."""

    name: str = option(
        "auto",
        help="Network: a model name from `biodl models` for this kind of data; auto = the "
        "kind's default (cnn for sequences).",
        panel=MODEL,
        keyword="model",
        flags=("--model", "-m"),
    )
    params: dict[str, Any] = option(
        help="Hyperparameters of that model (`biodl models` lists them with their defaults); "
        "set them with --set model.NAME=VALUE.",
        panel=MODEL,
        keyword="model_params",
        default_factory=dict,
        commands=(),
    )


@document
@dataclass
class TrainConfig:
    """How the network is trained. Every field is a named option of ``biodl train``."""

    loss: LossOption = option("auto", help=choices("loss"), panel=TRAINING)
    class_weights: ClassWeightOption = option("none", help=choices("class_weights"), panel=TRAINING)
    sampling: SamplingOption = option(
        "shuffle",
        help="How training batches are drawn ('balanced' is honoured by irregular records): "
        + choices("sampling"),
        panel=TRAINING,
    )
    optimizer: OptimizerOption = option("adam", help=choices("optimizer"), panel=TRAINING)
    lr: float = option(1e-3, help="Learning rate.", panel=TRAINING)
    momentum: float = option(0.9, help="Momentum for sgd and rmsprop.", panel=TRAINING)
    nesterov: bool = option(False, help="Nesterov momentum for sgd.", panel=TRAINING)
    weight_decay: float = option(
        0.0, help="Optimiser weight decay (decoupled for adamw).", panel=TRAINING
    )
    scheduler: SchedulerOption = option("none", help=choices("scheduler"), panel=TRAINING)
    batch_size: int | Literal["full"] = option(
        64,
        help="1 = stochastic, N = mini-batch, 'full' = the whole training split in one batch.",
        panel=TRAINING,
        parse=parse_batch_size,
    )
    epochs: int | Literal["auto"] = option(
        "auto",
        help="Maximum passes over the training data (per fold in cv, per trial in tune); auto: "
        "about 1,000 optimiser steps, at least 30 and at most 200 epochs.",
        panel=TRAINING,
        parse=parse_epochs,
    )
    patience: int = option(
        5,
        help="Early stopping: stop after this many epochs without improvement of --monitor on "
        "the validation part and keep the best epoch's weights; 0 = off. With fewer than 30 "
        "validation examples every epoch runs and the last weights are kept.",
        panel=TRAINING,
    )
    monitor: str = option(
        "loss",
        help="Validation quantity for early stopping (and the score tune optimises): loss or a "
        "metric (auroc, accuracy, r2, ...).",
        panel=TRAINING,
    )
    l1: float = option(
        0.0, help="L1 penalty on weights: l1 * sum |w| added to the loss.", panel=TRAINING
    )
    l2: float = option(
        0.0, help="L2 penalty on weights: l2 * sum w^2 added to the loss.", panel=TRAINING
    )
    grad_clip: float = option(
        0.0, help="Clip the gradient norm to this value; 0 = off.", panel=TRAINING
    )
    seed: int = option(
        0,
        help="Seed of splits and folds, initialisation, shuffling, the bootstrap and the tuning "
        "sampler.",
        panel=TRAINING,
    )
    seeds: int = option(
        1,
        help="Repeat with this many seeds (seed, seed+1, ...) and report mean ± sd: train "
        "retrains on the same split (the run keeps the first seed's model); cv draws new folds "
        "and initialisation for each.",
        panel=TRAINING,
        commands=TRAIN_AND_CV,
    )
    device: DeviceOption = option("auto", help=choices("device"), panel=HARDWARE)
    precision: str = option(
        "32-true",
        help="Lightning precision: 32-true, 16-mixed, bf16-mixed, 64-true.",
        panel=HARDWARE,
    )
    strategy: str = option(
        "auto", help="Lightning strategy, e.g. ddp for several GPUs.", panel=HARDWARE
    )
    devices: str = option("auto", help="Number of devices or 'auto'.", panel=HARDWARE)
    num_nodes: int = option(1, help="Number of nodes.", panel=HARDWARE)
    threads: int = option(0, help="CPU threads for torch; 0 = torch's default.", panel=HARDWARE)
    # transfer learning (docs/transfer.md)
    init_from: str | None = option(
        help="Start from pretrained weights: an earlier run directory (its model is reused "
        "unless --model is given), a .safetensors file or a PyTorch state dict (loaded with "
        "weights_only=True). See docs/transfer.md for the key mapping.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
        metavar="RUN_DIR_OR_WEIGHTS",
    )
    freeze: FreezeOption = option(
        "none", help=choices("freeze"), panel=TRANSFER, commands=TRAIN_ONLY
    )
    body_lr_factor: float = option(
        1.0,
        help="Fine-tuning: the body learns at lr x this factor (e.g. 0.1); the head at lr.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
    )
    unfreeze_after: int = option(
        0,
        help="Gradual unfreezing: train only the head for this many epochs, then the body too.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
    )
    compare_scratch: bool = option(
        False,
        help="Also train the same model from scratch on the same split; the report compares "
        "the two.",
        panel=TRANSFER,
        commands=TRAIN_ONLY,
    )


@document
@dataclass
class BaselineConfig:
    """The classical model trained on the same split."""

    name: BaselineOption = option(
        "logistic",
        help=choices("baseline"),
        panel=BASELINE,
        keyword="baseline",
        commands=TRAIN_AND_CV,
    )
    k: int | None = option(
        help="k-mer size of the baseline (default from the alphabet and the median length).",
        panel=BASELINE,
        keyword="kmer",
        commands=TRAIN_AND_CV,
    )
    positional: bool | None = option(
        help="Position-wise one-hot baseline features (default: on when all sequences have one "
        "length).",
        panel=BASELINE,
        commands=TRAIN_AND_CV,
    )


@document
@dataclass
class EvalConfig:
    """How test metrics are estimated."""

    n_bootstrap: int = option(
        1000,
        help="Bootstrap resamples for confidence intervals.",
        panel=BASELINE,
        flags=("--bootstrap",),
        commands=TRAIN_ONLY,
    )
    level: float = option(
        0.95, help="Confidence level of the intervals.", panel=BASELINE, commands=TRAIN_ONLY
    )
    threshold: ThresholdOption = option(
        "auto",
        help="Binary tasks, the decision threshold of the thresholded metrics (accuracy, "
        "balanced accuracy, F1, MCC) and of the predicted labels, chosen on the validation "
        "part for the network and the baseline separately: " + choices("threshold"),
        panel=BASELINE,
        commands=TRAIN_ONLY,
    )


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


def section_classes() -> dict[str, type]:
    """Section name -> its dataclass (data, model, train, baseline, evaluate)."""
    hints = typing.get_type_hints(RunConfig)
    names = [f.name for f in dataclasses.fields(RunConfig)]
    return {name: hints[name] for name in names if dataclasses.is_dataclass(hints[name])}


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
