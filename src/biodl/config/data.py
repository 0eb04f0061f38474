"""The ``data`` section of a run config: where the data comes from, how it is read and split.

The common fields (files, labels, task, split) are declared here, each once with
:func:`biodl.options.option`: its help text, flags, help panel and the commands that offer it.
Each kind of data declares its own options beside its module (``biodl.kinds.<kind>_options``,
named by its line in :data:`biodl.options.KINDS`); :class:`DataConfig` is the common fields plus
the options of every registered kind, so each kind option reaches YAML, ``--set``, the Python
API, ``--help`` and ``docs/options.md`` from its one declaration. The option modules import only
:mod:`biodl.options`, so reading them costs ``biodl --help`` no kind and no torch.

Examples
--------
>>> DataConfig(train="cells.csv", genes_as_rows=True).hvg
2000
>>> "genes_as_rows" in {f.name for f in dataclasses.fields(DataConfig)}
True
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from biodl.errors import ConfigError
from biodl.options import (
    DATA,
    KINDS,
    READING,
    READING_FILES,
    TRAIN_AND_TUNE,
    TRAIN_ONLY,
    TRAINING_COMMANDS,
    KindOption,
    SplitOption,
    TaskOption,
    check_kind,
    choices,
    document,
    option,
    whole_or_auto,
)

__all__ = ["DataConfig", "DataFields", "kind_option_classes"]


@dataclass
class DataFields:
    """The fields of the data section common to every kind of data."""

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
    valid_labels: str | None = option(
        help="Labels of the --valid file, where they are not in the file: a labels table keyed "
        "by sequence id (FASTA), a sample metadata table (expression) or an outcomes table "
        "(records). Default: --labels, or for records the Outcomes* file beside the --valid "
        "folder. Images and time series hold their labels in the file.",
        panel=DATA,
        commands=READING_FILES,
    )
    test_labels: str | None = option(
        help="Labels of the --test file, as --valid-labels (records: e.g. --test set-c/ "
        "--test-labels Outcomes-c.txt; found beside set-c/ when not given).",
        panel=DATA,
        commands=READING_FILES,
    )
    label_columns: list[str] = option(
        help="Label column; repeat for multilabel / multi-target (detected if not given). "
        "With several, an empty cell is a missing label, left out of the loss and the metrics.",
        panel=DATA,
        default_factory=list,
        flags=("--label-column",),
        commands=READING,
    )
    id_column: str | None = option(
        help="Id column of a CSV/TSV or labels table.", panel=DATA, commands=READING
    )
    length: int | None = option(
        help="Crop (centre) or pad every sequence to this length. Default: pad each batch to "
        "its longest sequence and mask the padding.",
        panel=DATA,
    )
    task: TaskOption = option("auto", help=choices("task"), panel=DATA, commands=READING)
    positive_class: str | None = option(
        help="Binary tasks: the positive class, to which AUPRC, F1, sensitivity, precision, "
        "the decision threshold and the prevalence refer. Default: the class named like "
        "1/true/yes/positive/case/disease... when exactly one is (or the other when exactly "
        "one is named like 0/false/no/negative/control/normal/non_...), else the minority "
        "class of the training labels (equally frequent: the second in sorted order).",
        panel=DATA,
        commands=(*TRAINING_COMMANDS, "evaluate"),
        metavar="CLASS",
    )
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
        help="Column with train / valid / test for each sequence (also training, validation, val; "
        "any case), for --split predefined (implied when this is given with the default "
        "--split and no --valid/--test files).",
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

    test_seasons: int | Literal["auto"] = option(
        "auto",
        help="--task forecast: the last season pairs held out for testing (the pair s -> s+1 "
        "whose later season is among the last this many); the pairs before train. auto: a "
        "fifth of the pairs, at least 3 (7 of the 39 pairs of 40 seasons).",
        panel=DATA,
        commands=TRAIN_ONLY,
        parse=whole_or_auto("--test-seasons"),
    )
    season_length: int = option(
        12,
        help="--task forecast: months per season (12 = calendar years; 6, 4, 3, 2 or 1 for "
        "shorter seasons), counted from the date= or season= of each sequence.",
        panel=DATA,
        commands=TRAIN_ONLY,
    )

    def __post_init__(self) -> None:
        check_kind(self.kind, source="data.kind")


def kind_option_classes() -> list[type]:
    """The option classes of the kinds of :data:`biodl.options.KINDS` that declare some, in
    registry order.

    Raises
    ------
    ConfigError
        When two kinds (or a kind and the common fields) declare an option of the same name,
        or an option class is not a dataclass without ``__post_init__``.
    """
    classes: list[type] = []
    owner = {f.name: "the common data options" for f in dataclasses.fields(DataFields)}
    for kind, entry in KINDS.items():
        if not entry.options:
            continue
        module, _, name = entry.options.partition(":")
        cls: type = getattr(importlib.import_module(module), name)
        if not dataclasses.is_dataclass(cls) or "__post_init__" in vars(cls):
            raise ConfigError(
                f"kind {kind!r}: its options {entry.options} must be a dataclass of option() "
                "fields without __post_init__"
            )
        for f in dataclasses.fields(cls):
            if f.name in owner:
                raise ConfigError(
                    f"kind {kind!r}: option {f.name!r} is declared by {owner[f.name]} too; "
                    "rename one"
                )
            owner[f.name] = f"kind {kind!r}"
        classes.append(cls)
    return classes


def _compose() -> type:
    """``DataConfig``: the common fields first, then each kind's options (sequences first)."""
    bases = (*kind_option_classes(), DataFields)  # dataclass fields follow the reversed MRO
    namespace = {
        "__doc__": "Where the data comes from and how it is read, split and preprocessed: "
        "the common fields and the options of every kind of data.",
        "__module__": __name__,
    }
    return document(dataclass(type("DataConfig", bases, namespace)))


if TYPE_CHECKING:

    class DataConfig(DataFields):
        """Type checkers see the common fields; each kind reads its own options, typed, with
        :func:`biodl.options.options_of`."""

        def __init__(self, **fields: Any) -> None: ...

        def __getattr__(self, name: str) -> Any: ...

else:
    DataConfig = _compose()
