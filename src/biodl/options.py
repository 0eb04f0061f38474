"""Every closed set of option values, and how one option is declared, once.

An option that takes one of a few words is a ``Literal`` below plus a table of what each word
means (:data:`OPTION_HELP`); the config dataclasses (:mod:`biodl.config`) type their fields with
these ``Literal`` s, and declare each field with :func:`option`: its help text, its command-line
flag(s), its help panel, which commands offer it and how its text is parsed. From that one
declaration come the ``biodl train`` / ``cv`` / ``tune`` options (:mod:`biodl.cli.options`),
the flat keywords of the Python API (:func:`biodl.config.flat_options`), YAML validation and
the ``Parameters`` section of each config class's docstring (:func:`document`).

This module imports only the standard library, so ``biodl --help`` can read it.

Examples
--------
>>> choices("device")
'auto: a GPU if one is available, else the CPU; cpu: the CPU; cuda: NVIDIA GPU(s)'
>>> parse_batch_size("full"), parse_batch_size("32")
('full', 32)
"""

from __future__ import annotations

import dataclasses
import sys
import textwrap
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from biodl.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class KindEntry:
    """One kind of data in :data:`KINDS`.

    Attributes
    ----------
    target : str
        ``"module:attribute"`` of the kind object, imported on first use (so ``--help`` and
        config checks import no kind).
    help : str
        One line for ``--kind`` and ``biodl models``.
    options : str
        ``"module:Class"`` of the kind's options, a dataclass of :func:`option` fields in a
        module that imports only this one (``""``: the kind has none). The data section of the
        config is made of the common fields and the options of every kind
        (:mod:`biodl.config.data`), so each appears in ``--help``, YAML, ``--set``, the Python
        API and ``docs/options.md`` from its one declaration.
    """

    target: str
    help: str
    options: str = ""


#: The registry of kinds of data, and the only list of them: ``--kind`` and its help, config
#: checks, the kinds' options, ``biodl models`` and detection read it. The order is the order
#: in which ``--kind auto`` asks each kind whether a training file is its own; sequences come last
#: because every CSV could be a sequence table. A new kind is one line here (plus its modules
#: in :mod:`biodl.kinds`); :func:`biodl.kinds.register_kind` adds one at run time.
KINDS: dict[str, KindEntry] = {
    "image": KindEntry(
        "biodl.kinds.image:IMAGE",
        "images (a folder per class, a CSV of paths, or MedMNIST-style .npz)",
        "biodl.kinds.image_options:ImageOptions",
    ),
    "graph": KindEntry(
        "biodl.kinds.graph:GRAPH",
        "graphs and molecules (TU graph folders)",
        "biodl.kinds.graph_options:GraphOptions",
    ),
    "records": KindEntry(
        "biodl.kinds.records:RECORDS",
        "irregular clinical records in long format (record, time, variable, value)",
        "biodl.kinds.records_options:RecordsOptions",
    ),
    "timeseries": KindEntry(
        "biodl.kinds.timeseries:TIMESERIES",
        "regular time series, one series per row (univariate or multivariate)",
        "biodl.kinds.timeseries_options:TimeSeriesOptions",
    ),
    "expression": KindEntry(
        "biodl.kinds.expression:EXPRESSION",
        "expression / omics matrix (samples x genes)",
        "biodl.kinds.expression_options:ExpressionOptions",
    ),
    "sequence": KindEntry(
        "biodl.kinds.sequence:SEQUENCE",
        "DNA, RNA or protein sequences",
        "biodl.kinds.sequence_options:SequenceOptions",
    ),
}


def add_kind(name: str, entry: KindEntry) -> None:
    """Add a kind to :data:`KINDS`, asked before sequences: a plug-in's one registry line.

    A kind with options of its own (``entry.options``) must be added before
    :mod:`biodl.config` is imported, because the data section of the config is made of them:
    add it where the plug-in package is imported (its ``__init__``, importing only this module).

    Raises
    ------
    ConfigError
        When a kind of that name exists, or options come after the config was made.
    """
    if name in KINDS or name == "auto":
        raise ConfigError(f"kind {name!r} exists already; choose another name")
    if entry.options and "biodl.config.data" in sys.modules:
        raise ConfigError(
            f"kind {name!r}: a kind with options of its own must be added before biodl.config "
            "is imported (add it in your plug-in's __init__, which imports only biodl.options)"
        )
    fallback = KINDS.pop("sequence", None)  # every CSV could be a sequence table: keep it last
    KINDS[name] = entry
    if fallback is not None:
        KINDS["sequence"] = fallback


#: ``--kind``: 'auto' or a name of :data:`KINDS` (checked by :func:`check_kind`).
KindOption = str
TaskOption = Literal[
    "auto", "binary", "multiclass", "multilabel", "regression", "language-model", "forecast"
]
SplitOption = Literal["stratified", "random", "group", "similarity", "scaffold", "predefined"]
LossOption = Literal["auto", "cross_entropy", "bce", "mse", "l2", "l1", "huber"]
OptimizerOption = Literal["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta"]
SchedulerOption = Literal["none", "step", "exponential", "cosine", "plateau", "onecycle"]
ClassWeightOption = Literal["none", "balanced"]
SamplingOption = Literal["shuffle", "balanced"]
ThresholdOption = Literal["auto", "fixed", "balanced_accuracy", "f1"]
DeviceOption = Literal["auto", "cpu", "cuda"]
BaselineOption = Literal["auto", "fast", "logistic", "random_forest", "gradient_boosting"]
FreezeOption = Literal["none", "body"]  # transfer learning
SearchOption = Literal["grid", "random", "bayes"]  # hyperparameter search (tune, cv --tune)
DemoOption = Literal["sequence", "image"]  # the embedded data of `biodl demo`
#: How ``biodl explain`` (and ``train --explain``) attributes a prediction to the input.
AttributionOption = Literal[
    "saliency", "input_x_gradient", "integrated_gradients", "shap", "ism", "occlusion"
]
#: The adversarial loss of a GAN (:mod:`biodl.training.gan`).
GanLossOption = Literal["nonsaturating", "minimax", "wasserstein-gp"]

#: Human descriptions of every closed-set option, used by ``--help`` and the docs.
OPTION_HELP: dict[str, dict[str, str]] = {
    "kind": {
        "auto": "detected from the training file: FASTA/sequence tables, expression matrices "
        "(.h5ad, wide numeric tables), regular time series (UCR text, .npz), irregular records "
        "(long tables, one file per record) or images (class folders, MedMNIST .npz)",
        **{name: entry.help for name, entry in KINDS.items()},
    },
    "task": {
        "auto": "inferred from the labels: numbers -> regression, 2 classes -> binary, more -> "
        "multiclass, several label columns of 0/1 -> multilabel",
        "binary": "two classes",
        "multiclass": "one of K > 2 classes",
        "multilabel": "several independent yes/no labels (one label column each)",
        "regression": "one or more numeric targets",
        "language-model": "sequences: an unlabelled next-letter (or masked-letter, --objective) "
        "model beside a k-th order Markov model (docs/language-models.md)",
        "forecast": "a lineage's next mutations: aligned sequences with date= or season= in "
        "their FASTA headers (or a date column); learns from earlier seasons which sites "
        "change next season and to which letter, tested on the last --test-seasons",
    },
    "split": {
        "stratified": "random rows, class proportions kept in every part (classification)",
        "random": "plain random split of the rows",
        "group": "whole groups (--group-column: patient, species, ...) go to one part each",
        "similarity": "clusters of near-identical sequences (--similarity-threshold) go to one "
        "part each, so no test sequence has a near-copy in training (molecules: Tanimoto on "
        "Morgan fingerprints)",
        "scaffold": "molecules: whole Bemis–Murcko scaffolds go to one part each, parts filled "
        "near their sizes so large scaffolds stay in training",
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
        "onecycle": "one cycle per optimiser step over all --epochs: warm up from lr/25 to lr "
        "in the first 30% of the steps, then cosine decay (AdamW's usual partner)",
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
    "baseline": {
        "auto": "the panel: logistic regression (ridge for regression; strength chosen by inner "
        "cross-validation on the training part), random forest and histogram gradient "
        "boosting, fitted on the same training part, with the kind's own classical models "
        "(1-nearest-neighbour for time series); the best on the validation part is the "
        "baseline of the verdict, all are reported",
        "fast": "one logistic regression (C=1; ridge for regression) on the single-k features "
        "of biodl before the panel: quick, and the numbers of earlier runs",
        "logistic": "the panel's logistic regression alone (ridge regression for regression tasks)",
        "random_forest": "the panel's random forest alone",
        "gradient_boosting": "the panel's histogram gradient-boosted trees alone (handle skewed "
        "features well)",
    },
    # transfer learning
    "freeze": {
        "none": "fine-tuning: every weight learns (the body at lr x --body-lr-factor, "
        "optionally after --unfreeze-after epochs)",
        "body": "feature extraction: only the new head learns; the pretrained body, its "
        "BatchNorm statistics included, stays as loaded",
    },
    "search": {
        "grid": "every combination of the choices (ranges become low / middle / high)",
        "random": "independent random draws from the space (seeded)",
        "bayes": "Tree-structured Parzen Estimator: later trials sample near good earlier ones",
    },
    "attribution": {
        "saliency": "the gradient of the explained output: where a small change of the input "
        "moves it most; the fastest (one backward pass), but noisy and blind to saturation",
        "input_x_gradient": "gradient times input: a first-order estimate of each input's share "
        "of the output; as fast as saliency, sharper for one-hot sequences",
        "integrated_gradients": "the gradient averaged along the straight path from an all-zero "
        "input to the example, times the input (--ig-steps points): attributions add up to the "
        "output's change (the convergence delta says how closely); the default, a good choice "
        "for every kind",
        "shap": "expected gradients, an estimate of SHAP values: integrated gradients from "
        "--shap-references references, averaged; sequences use dinucleotide-shuffled copies of "
        "each sequence (keeps the base composition, destroys motifs), other kinds other examples "
        "of the data; slower (references x steps passes), use when an all-zero input is not a "
        "meaningful reference",
        "ism": "in-silico mutagenesis (sequences only): every position changed to every other "
        "letter and scored; exact effects of single changes, the reference for variant effects, "
        "(length x (letters - 1)) forward passes per sequence",
        "occlusion": "(images only) the drop of the explained output when a patch of every "
        "channel is set to zero, averaged over the sliding patches covering each pixel (about "
        "an eighth of the shorter side, moved by half a patch): model-agnostic and blind to "
        "gradients, shows which regions the prediction needs; (patches) forward passes per "
        "image",
    },
    "gan_loss": {
        "nonsaturating": "the discriminator learns real vs fake with binary cross-entropy; the "
        "generator maximises log D(G(z)) (strong gradients while it is still losing); the default",
        "minimax": "the original game: the generator minimises log(1 - D(G(z))), whose gradient "
        "vanishes while the discriminator wins easily",
        "wasserstein-gp": "a critic scores real above fake (Wasserstein distance) with a gradient "
        "penalty (weight 10) keeping its gradient norm near 1; the most stable, needs a critic "
        "without batch norm",
    },
    "demo": {
        "sequence": "2,000 DNA sequences of 100 bp with planted motifs (demo-motifs.fa)",
        "image": "scikit-learn's 1,797 handwritten digits, 8x8 pixels, 10 classes "
        "(demo-digits.npz)",
    },
}

#: The ``Literal`` of each closed set that has one (``augment`` is a comma-separated list).
CLOSED_SETS: dict[str, Any] = {
    "task": TaskOption,
    "split": SplitOption,
    "loss": LossOption,
    "optimizer": OptimizerOption,
    "scheduler": SchedulerOption,
    "class_weights": ClassWeightOption,
    "threshold": ThresholdOption,
    "sampling": SamplingOption,
    "device": DeviceOption,
    "baseline": BaselineOption,
    "freeze": FreezeOption,
    "search": SearchOption,
    "demo": DemoOption,
    "attribution": AttributionOption,
    "gan_loss": GanLossOption,
}

#: ``biodl demo --kind``: default epochs of each embedded data set.
DEMO_EPOCHS: dict[str, int] = {"sequence": 20, "image": 10}

# Help panels of `biodl train --help` (and cv, tune), in the order they are shown.
# (the kinds' own panels are declared with their options, e.g. "Expression", "Images")
DATA = "Data"
MODEL = "Model"
TRAINING = "Training"
HARDWARE = "Hardware"
TRANSFER = "Transfer learning"
BASELINE = "Baseline and evaluation"
OUTPUT = "Output"
EXPLAIN = "Explanation"

#: The commands whose options are generated from the config declarations.
TRAINING_COMMANDS = ("train", "cv", "tune")
#: Narrower sets of commands offering an option (``commands=`` of :func:`option`).
TRAIN_ONLY, TRAIN_AND_TUNE, TRAIN_AND_CV = ("train",), ("train", "tune"), ("train", "cv")
#: Options that say how files are read: ``biodl inspect`` offers them too.
READING = (*TRAINING_COMMANDS, "inspect")
READING_FILES = (*TRAIN_AND_TUNE, "inspect")


def describe(table: dict[str, str]) -> str:
    """``'word: meaning; word: meaning'``: the help text of a closed set of words.

    Examples
    --------
    >>> describe({"on": "do it", "off": "do not"})
    'on: do it; off: do not'
    """
    return "; ".join(f"{k}: {v}" for k, v in table.items())


def choices(name: str) -> str:
    """:func:`describe` of the closed set ``name`` of :data:`OPTION_HELP`."""
    return describe(OPTION_HELP[name])


def options_of(cls: type[T], data: Any) -> T:
    """One kind's options (a dataclass of :func:`option` fields) as set in the config ``data``.

    Each kind reads its own options this way, typed, from the data section that holds the
    options of every kind.

    Examples
    --------
    >>> @dataclass
    ... class Example:
    ...     size: int = option(8, help="Side.", panel=DATA)
    >>> @dataclass
    ... class Data:
    ...     train: str = "x.csv"
    ...     size: int = 32
    >>> options_of(Example, Data()).size
    32
    """
    return cls(**{f.name: getattr(data, f.name) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class OptionSpec:
    """How one config field is offered: help text, flags, panel, commands, parsing.

    Attributes
    ----------
    help : str
        The one help text: ``--help`` of every command, and the config class's docstring.
    panel : str
        The help panel (:data:`DATA`, :data:`TRAINING`, ...).
    flags : tuple of str
        Command-line flags; default ``--field-name`` (``--name/--no-name`` for a bool).
    keyword : str, optional
        The flat keyword of the Python API and the CLI parameter; default the field name.
    commands : tuple of str
        The commands that offer the option (of :data:`TRAINING_COMMANDS` and ``inspect``); empty
        for a field set otherwise (the positional data argument, ``--set``).
    parse : callable, optional
        Turns the command-line text into the config value (raising ``ConfigError``).
    show_default : str, optional
        The default as shown by ``--help``; default the field's default.
    metavar : str, optional
        The value's name in ``--help``.
    """

    help: str
    panel: str
    flags: tuple[str, ...] = ()
    keyword: str | None = None
    commands: tuple[str, ...] = TRAINING_COMMANDS
    parse: Callable[[str], Any] | None = None
    show_default: str | None = None
    metavar: str | None = None


def option(
    default: Any = None,
    *,
    help: str,
    panel: str,
    default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
    **spec: Any,
) -> Any:
    """A dataclass field declared with its :class:`OptionSpec` (in ``metadata['option']``).

    Examples
    --------
    >>> @dataclass
    ... class Example:
    ...     lr: float = option(1e-3, help="Learning rate.", panel=TRAINING)
    >>> spec_of(dataclasses.fields(Example)[0]).help
    'Learning rate.'
    """
    metadata = {"option": OptionSpec(help=help, panel=panel, **spec)}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def spec_of(f: dataclasses.Field[Any]) -> OptionSpec:
    """The :class:`OptionSpec` of a field declared with :func:`option`."""
    return f.metadata["option"]


def keyword_of(f: dataclasses.Field[Any]) -> str:
    """The flat keyword of a field: its :attr:`OptionSpec.keyword`, else its name."""
    return spec_of(f).keyword or f.name


def flags_of(f: dataclasses.Field[Any], hint: Any) -> tuple[str, ...]:
    """The command-line flags of a field: declared ones, else ``--name`` (``--name/--no-name``
    for a bool)."""
    spec = spec_of(f)
    if spec.flags:
        return spec.flags
    flag = "--" + keyword_of(f).replace("_", "-")
    if without_none(hint) is bool:
        return (f"{flag}/--no-{flag[2:]}",)
    return (flag,)


def without_none(hint: Any) -> Any:
    """``X`` for ``X | None`` (``X | Y`` for ``X | Y | None``); other hints unchanged."""
    if get_origin(hint) not in (Union, types.UnionType):
        return hint
    kept = tuple(a for a in get_args(hint) if a is not type(None))
    if len(kept) == 1:
        return kept[0]
    return Union[kept]  # noqa: UP007  (built from a tuple of types)


def default_of(f: dataclasses.Field[Any]) -> Any:
    """The default value of a field (its factory called, for lists and dicts)."""
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


# -- text from the command line -> config values ------------------------------------------


def parse_batch_size(text: str) -> int | str:
    """``--batch-size``: a whole number (1 = stochastic) or 'full'."""
    if text == "full":
        return text
    try:
        return int(text)
    except ValueError:
        raise ConfigError(
            f"--batch-size {text}: expected a whole number (1 = stochastic) or 'full'"
        ) from None


def whole_or_auto(flag: str) -> Callable[[str], int | str]:
    """The parser of an option that takes a whole number or 'auto' (``--epochs``,
    ``--test-seasons``); its error names ``flag``.

    Examples
    --------
    >>> whole_or_auto("--test-seasons")("7"), whole_or_auto("--test-seasons")("auto")
    (7, 'auto')
    """

    def parse(text: str) -> int | str:
        if text == "auto":
            return text
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{flag} {text}: expected a whole number or 'auto'") from None

    return parse


#: ``--epochs``: a whole number or 'auto'.
parse_epochs = whole_or_auto("--epochs")


# -- values from YAML, keywords and --set -> checked config values ----------------------------


def check_kind(kind: str, *, source: str = "--kind") -> str:
    """``kind`` if it is 'auto' or a registered kind (:data:`KINDS`), else a ConfigError.

    Examples
    --------
    >>> check_kind("sequence")
    'sequence'
    """
    if kind != "auto" and kind not in KINDS:
        raise ConfigError(
            f"{source} {kind}: unknown kind of data; choose one of: auto, {', '.join(KINDS)}"
        )
    return kind


def check_value(value: Any, hint: Any, source: str, key: str) -> Any:
    """Return ``value`` converted to the type ``hint`` or raise a ConfigError naming ``key``.

    A ``Literal`` accepts only its words; ``X | Y`` tries each; ints pass where floats are
    expected; a single string passes where a list is expected.

    Examples
    --------
    >>> check_value(1, float, "run.yaml", "train.lr")
    1.0
    """
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for each in options:
            if each is type(None):
                continue
            try:
                return check_value(value, each, source, key)
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
        return [check_value(v, inner, source, key) for v in value]
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


# -- docstrings from the declarations -------------------------------------------------------


def _type_text(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return "{" + ", ".join(repr(v) for v in get_args(hint)) + "}"
    if origin in (Union, types.UnionType):
        parts = [a for a in get_args(hint) if a is not type(None)]
        text = " or ".join(_type_text(a) for a in parts)
        return f"{text} or None" if len(parts) < len(get_args(hint)) else text
    if origin is list:
        return "list of " + _type_text(get_args(hint)[0])
    if origin is dict:
        return "dict"
    return getattr(hint, "__name__", str(hint))


def document(cls: type) -> type:
    """Class decorator: append a numpydoc ``Parameters`` section written from the fields.

    Each entry is ``name : type, default value`` and the field's help text, so the docstring
    and ``--help`` cannot disagree.
    """
    hints = typing.get_type_hints(cls)
    lines = ["", "Parameters", "----------"]
    for f in dataclasses.fields(cls):
        lines.append(f"{f.name} : {_type_text(hints[f.name])}, default {default_of(f)!r}")
        text = spec_of(f).help
        if spec_of(f).commands:
            text += f" (CLI: {', '.join(flags_of(f, hints[f.name]))})"
        lines.extend(textwrap.wrap(text, width=88, initial_indent="    ", subsequent_indent="    "))
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + "\n".join(f"    {x}" for x in lines) + "\n"
    return cls
