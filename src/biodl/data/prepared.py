"""The one preparation path: read -> targets -> split -> encode -> check, for every kind.

Every command that trains (train, cv, tune, nested cv, the estimators) goes through
:func:`prepare` or :func:`prepare_raw`; cross-validation folds and tuning parts are cut from a
prepared whole with :func:`subset_prepared` and :func:`inner_split`. What differs between kinds
of data is behind a small interface (:class:`PreparingKind`): how the files are read into parts
and label tables (:class:`RawData`), which split methods the kind supports, how similar items
are grouped for ``--split similarity``, and which problems (leakage, scale...) it checks for.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from biodl.data.sequence import SequenceSet
>>> seqs = SequenceSet.from_strings(["ACGT", "TTGA", "GGCA", "CATG"] * 25, alphabet="dna")
>>> labels = pd.DataFrame({"label": ["a", "b"] * 50})
>>> class Toy:  # the part of a kind that preparation needs
...     name, splits = "toy", ("stratified", "random")
>>> from biodl.config import DataConfig
>>> prepared = prepare_raw(Toy(), RawData({"train": seqs}, {"train": labels}), DataConfig())
>>> [len(prepared.parts[p]) for p in ("train", "valid", "test")]
[70, 10, 20]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from biodl.config import DataConfig
from biodl.data.splits import split_indices
from biodl.data.targets import TargetEncoding, infer_targets, missing_labels_text
from biodl.errors import ConfigError, DataError, DataWarning, LeakageWarning

__all__ = [
    "LEAKAGE_MAX_PART",
    "LEAKAGE_MAX_TRAIN",
    "MIN_CLASS_EXAMPLES",
    "MIN_EVALUATION_SIZE",
    "SPLITS",
    "Leakage",
    "PreparedData",
    "PreparingKind",
    "RawData",
    "check_label_options",
    "check_split_option",
    "inner_split",
    "prepare_raw",
    "side_column",
    "subset_prepared",
    "unused_own_split",
]

SPLITS = ("train", "valid", "test")

#: Below these sizes metrics and their intervals are too coarse to trust; the user is told.
MIN_EVALUATION_SIZE = 50
MIN_CLASS_EXAMPLES = 10


@dataclass
class Leakage:
    """Items of an evaluation part identical or near-identical to a training item.

    Attributes
    ----------
    exact, near : int
        Counts (``near`` includes ``exact``).
    examples : list of (str, str)
        ``(evaluation id, training id)`` pairs.
    what : str
        The items' plural name for messages ('sequences', 'images', ...).
    item : str
        The singular ('sequence', 'image', ...).
    criterion : str
        How "near" was measured, for the message.
    fix : str
        What to do about it.
    """

    exact: int
    near: int
    examples: list[tuple[str, str]]
    what: str = "items"
    item: str = "item"
    criterion: str = ""
    fix: str = "remove duplicates"


class PreparingKind(Protocol):
    """What :func:`prepare_raw` needs of a kind of data (see :mod:`biodl.kinds` for all).

    Attributes
    ----------
    name : str
    splits : tuple of str
        The ``--split`` methods this kind supports.

    Notes
    -----
    Optional methods: ``similar_groups(part, threshold) -> (n,) int64`` cluster labels for
    ``--split similarity``; ``scaffold_groups(part) -> (n,)`` scaffold labels for
    ``--split scaffold`` (molecules); ``leakage(train, part, threshold) -> Leakage | None``;
    ``check(prepared) -> None`` adds kind-specific warnings (``prepared.add_warning``).
    """

    name: str
    splits: tuple[str, ...]


@dataclass
class RawData:
    """What a kind's reader returns: parts and their labels, before any split or encoding.

    Attributes
    ----------
    parts : dict
        ``'train'`` and any of ``'valid'``/``'test'`` read from separate files or from the
        input's own split; each part has ``ids``, ``len()`` and ``subset(index)``.
    labels : dict
        Label table of each part (label columns only, one row per item, in part order); None
        for a part without labels.
    side : DataFrame, optional
        Group and split columns of the training rows (``--group-column``, ``--split-column``).
    files : list of str
        Input files, for checksums.
    label_source : str
        File named in label errors (default: the training file).
    part_label_sources : dict
        The labels table each separately read part (``'valid'``/``'test'``) took its labels
        from, where that is not its own file (``--labels`` serving a FASTA file too).
    own_split : str
        Non-empty when the input carries its own train/valid/test split (an ``.npz``): the
        sentence for the report; no split is made then.
    default_group : str, optional
        A column of ``side`` whose groups a stratified split keeps whole (records: the
        patient column, found or named with ``--group-column``).
    notes : list of str
        Warnings from reading, shown with the data's other warnings.
    """

    parts: dict[str, Any]
    labels: dict[str, pd.DataFrame | None]
    side: pd.DataFrame | None = None
    files: list[str] = field(default_factory=list)
    label_source: str = ""
    part_label_sources: dict[str, str] = field(default_factory=dict)
    own_split: str = ""
    default_group: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class PreparedData:
    """The data of a run, split and with targets encoded (inputs are not preprocessed yet).

    Attributes
    ----------
    parts : dict
        ``{'train': part, 'valid': part | None, 'test': part | None}``; a part is of the kind's
        type (each has ``ids``, ``len()`` and ``subset(index)``).
    y : dict
        Encoded targets of each part (see :mod:`biodl.data.targets`).
    targets : TargetEncoding
    length : int or None
        Sequences: ``--length`` (crop/pad), else None. None for other kinds.
    split_note : str
        Where valid/test came from: files or a split of the training file.
    warnings : list of str
        Problems found (leakage, small evaluation sets) for the summary and report. They are
        recorded here and raised as Python warnings by :meth:`emit_warnings`, once the run's
        options are known to be valid (so a bad option is reported alone).
    leakage : dict
        Counts of valid/test items identical or near-identical to a training item.
    files : list of str
        Input files, for checksums.
    groups : (n_train,) array or None
        Group of each training item (``--group-column``, or the kind's own grouping such as
        the patients of records); cross-validation keeps groups whole in its folds.
    kind : str, default 'sequence'
        The kind of data (a name of :data:`biodl.kinds.KINDS`).
    """

    parts: dict[str, Any]
    y: dict[str, np.ndarray | None]
    targets: TargetEncoding
    length: int | None
    split_note: str
    warnings: list[str] = field(default_factory=list)
    warning_categories: list[type[Warning]] = field(default_factory=list)
    emitted: int = field(default=0, repr=False)
    leakage: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    groups: np.ndarray | None = None
    kind: str = "sequence"

    def part(self, name: str) -> Any:
        """The part ``name``, which must exist."""
        part = self.parts[name]
        if part is None:
            raise KeyError(f"no {name} part")
        return part

    def add_warning(self, message: str, category: type[Warning] = DataWarning) -> None:
        """Record a problem for the report; it is raised later by :meth:`emit_warnings`."""
        self.warnings.append(message)
        self.warning_categories.append(category)

    def emit_warnings(self) -> None:
        """Raise every recorded problem not raised yet as a Python warning of its category."""
        pending = zip(self.warnings, self.warning_categories, strict=True)
        for message, category in list(pending)[self.emitted :]:
            warnings.warn(message, category, stacklevel=3)
        self.emitted = len(self.warnings)

    def present(self) -> list[str]:
        """Names of the parts that exist and are not empty, in train/valid/test order."""
        return [name for name in SPLITS if (p := self.parts[name]) is not None and len(p)]


def check_split_option(kind: PreparingKind, data: DataConfig) -> None:
    """Refuse a ``--split`` the kind does not support, naming those it does.

    Raises
    ------
    ConfigError
    """
    if data.split not in kind.splits:
        raise ConfigError(
            f"--split {data.split}: not available for {kind.name} data; this kind supports "
            f"{', '.join(kind.splits)}"
        )
    if data.split == "predefined" and (data.valid or data.test):
        raise ConfigError(
            "--split predefined reads train/valid/test from --split-column; do not also pass "
            "--valid or --test files"
        )


def check_label_options(kind: Any, data: DataConfig) -> None:
    """Refuse ``--valid-labels``/``--test-labels`` without their file, or for a kind whose
    files hold their own labels (its ``labels_in_file`` sentence says where).

    Raises
    ------
    ConfigError
    """
    for part, labels in (("valid", data.valid_labels), ("test", data.test_labels)):
        if not labels:
            continue
        flag = f"--{part}-labels"
        if not getattr(data, part):
            raise ConfigError(
                f"{flag} {labels}: gives the labels of the --{part} file, but no --{part} "
                f"file is given; pass --{part} FILE too (training labels go with --labels)"
            )
        inside = getattr(kind, "labels_in_file", "")
        if inside:
            raise ConfigError(
                f"{flag} {labels}: {inside}, so there is no separate labels table to give; "
                f"drop {flag} and put the labels in {getattr(data, part)}"
            )


def prepare_raw(
    kind: PreparingKind,
    raw: RawData,
    data: DataConfig,
    *,
    seed: int = 0,
    checks: bool = True,
    scored: Literal["final", "valid"] | None = "final",
) -> PreparedData:
    """Targets, split, encoding and checks of data a kind has read (:class:`RawData`).

    Parameters
    ----------
    kind : PreparingKind
    raw : RawData
    data : DataConfig
        Task, split method and sizes, group/split columns, similarity threshold.
    seed : int, default 0
        Same seed and data give the same split.
    checks : bool, default True
        Look for leakage, small evaluation parts and the kind's own problems.
    scored : 'final', 'valid' or None, default 'final'
        The part whose size is checked: the final one (test, else validation), the
        validation part (``biodl tune`` scores trials there and never looks at the test
        part), or none (tuning by inner cross-validation).

    Raises
    ------
    DataError
        When the labels do not allow the task or the split.
    ConfigError
        For a split method the kind does not support.
    """
    check_split_option(kind, data)
    source = raw.label_source or data.train or "data"
    train, train_labels = raw.parts["train"], raw.labels["train"]
    if train_labels is None:
        raise DataError(f"{source}: no training labels found")
    # The positive class is chosen on the whole training file, so cv folds and tuning parts
    # (cut from it by subset_prepared) all share it.
    targets = infer_targets(
        train_labels, data.task, source=source, positive_class=data.positive_class
    )
    parts: dict[str, Any] = {"train": train, "valid": None, "test": None}
    labels: dict[str, pd.DataFrame | None] = {"train": train_labels, "valid": None, "test": None}
    given = [name for name in ("valid", "test") if raw.parts.get(name) is not None]
    for name in given:
        parts[name], labels[name] = raw.parts[name], raw.labels.get(name)
    group = data.group_column or raw.default_group
    method = "group" if raw.default_group and data.split == "stratified" else data.split
    implied = data.split_column and data.split == "stratified" and "predefined" in kind.splits
    if implied and not given:
        # --split-column alone says which rows are train / valid / test: use it (it was
        # silently ignored unless --split predefined was given too), and say so.
        method = "predefined"
    groups = side_column(raw, group) if group else None
    if data.split == "scaffold":  # molecules: Bemis–Murcko scaffolds are the groups
        groups, group = kind.scaffold_groups(train), "scaffold"  # type: ignore[attr-defined]
    note = raw.own_split or ("separate files" if given else "split of the training file")
    unused = ""
    test_size = 0.0 if "test" in given or raw.own_split else data.test_size
    valid_size = 0.0 if "valid" in given or raw.own_split else data.valid_size
    if (test_size or valid_size or method == "predefined") and not raw.own_split:
        split = split_indices(
            targets.encode(train_labels, source=source),
            task=targets.task,
            test_size=test_size,
            valid_size=valid_size,
            method=method,
            seed=seed,
            class_names=targets.classes or None,
            source=source,
            groups=groups,
            group_column=group or "group",
            similarity_threshold=data.similarity_threshold,
            split_column=data.split_column or "split",
            **_split_extras(kind, raw, data, method),
        )
        groups = None if groups is None else groups[split.train]
        for name, index in (("train", split.train), ("valid", split.valid), ("test", split.test)):
            if name == "train" or len(index):
                parts[name] = train.subset(index)
                labels[name] = train_labels.iloc[index].reset_index(drop=True)
        note = split_note(data, method, group, given, test_size, valid_size, targets.task)
        if method != "predefined":
            skip = {group or "", data.split_column or "", *targets.label_columns}
            unused = unused_own_split(raw, skip, how=note)
    # where each part's labels were read: the table the kind read them from (--valid-labels /
    # --test-labels, or --labels serving that file too), else its file; the parts split off
    # the training file have the training labels' source
    sources = {name: source for name in labels}
    for name in given:
        sources[name] = (
            raw.part_label_sources.get(name)
            or getattr(data, f"{name}_labels", None)
            or parts[name].source
        )
    y = {
        name: None if table is None else targets.encode(table, source=sources[name])
        for name, table in labels.items()
    }
    y_train = y["train"]
    assert y_train is not None
    prepared = PreparedData(
        parts=parts,
        y=y,
        targets=targets.scaled_to(y_train),  # regression: standardise with training data only
        length=data.length,
        split_note=note,
        files=raw.files,
        groups=groups,
        kind=kind.name,
    )
    for text in raw.notes:
        prepared.add_warning(text, DataWarning)
    if unused:
        prepared.add_warning(unused, DataWarning)
    if method == "predefined" and data.split != "predefined":
        prepared.add_warning(
            f"--split-column {data.split_column}: the parts are that column's train / valid / "
            "test rows (--split predefined); for a random split leave --split-column out",
            DataWarning,
        )
    missing = missing_labels_text(targets.label_columns, y)
    if missing is not None:
        prepared.add_warning(missing, DataWarning)
    if checks:
        check_leakage(kind, prepared, data.similarity_threshold)
        check = getattr(kind, "check", None)
        if check is not None:
            check(prepared)
        if scored is not None:
            check_evaluation_size(prepared, scored)
    return prepared


def unused_own_split(raw: RawData, skip: set[str], how: str) -> str:
    """The warning for a training file that carries its own parts (a column or header key
    whose every value is train / valid / test, :func:`biodl.data.splits.part_columns`) while
    the run split it otherwise (``how``); "" when it carries none. The split is left as it is:
    a random split may be what the user wants."""
    from biodl.data.splits import part_columns

    found = part_columns(raw.side, skip) if raw.side is not None else {}
    if not found:
        return ""
    column, counts = next(iter(found.items()))
    rows = ", ".join(f"{part} {n:,}" for part, n in counts.items())
    also = f" (also {', '.join(repr(c) for c in list(found)[1:])})" if len(found) > 1 else ""
    return (
        f"{raw.label_source or 'data'}: its field '{column}'{also} names each row's part "
        f"({rows}), but this run pools every row in a {how}; to use the file's own parts "
        f"pass --split-column {column}"
    )


def side_column(raw: RawData, column: str) -> np.ndarray:
    """The values of a group or split column of the training rows, or a DataError naming it."""
    if raw.side is None or column not in raw.side.columns:
        names = "none" if raw.side is None else ", ".join(map(str, raw.side.columns))
        raise DataError(
            f"{raw.label_source or 'data'}: there is no column '{column}' (columns: {names}); "
            "name one of those with --group-column or --split-column"
        )
    return raw.side[column].to_numpy()


def _split_extras(
    kind: PreparingKind, raw: RawData, data: DataConfig, method: str
) -> dict[str, Any]:
    """What a split ``method`` needs beyond the labels: clusters or the predefined column."""
    if method == "similarity":
        train = raw.parts["train"]
        return {"similar": kind.similar_groups(train, data.similarity_threshold)}  # type: ignore[attr-defined]
    if method == "predefined" and data.split_column:
        return {"predefined": side_column(raw, data.split_column)}
    return {}


def split_note(
    data: DataConfig,
    method: str,
    group: str | None,
    given: list[str],
    test_size: float,
    valid_size: float,
    task: str,
) -> str:
    """The sentence that says how the parts were made, for metrics.json and the report."""
    made = []
    if test_size:
        made.append(f"test {test_size:.0%}")
    if valid_size:
        made.append(f"validation {valid_size:.0%}")
    if method == "predefined":
        how = f"predefined split read from column '{data.split_column}'"
    else:
        if method == "stratified" and task not in ("binary", "multiclass"):
            method = "random"
        detail = {
            "group": f" by '{group}'",
            "similarity": f" (threshold {data.similarity_threshold:g})",
        }
        how = f"{method} split{detail.get(method, '')} of the training file ({', '.join(made)})"
    if given:
        how += f"; {' and '.join(given)} from a separate file"
    return how


def check_leakage(kind: PreparingKind, prepared: PreparedData, threshold: float) -> None:
    """Warn when valid/test items are identical or near-identical to training items.

    Uses the kind's ``leakage(train, part, threshold)`` hook; kinds without it are not checked.
    A kind with a ``leakage_reference(train)`` hook prepares the training part once (e.g. its
    sketches) for all evaluation parts. Large parts are checked on seeded random subsamples
    (:data:`LEAKAGE_MAX_TRAIN`, :data:`LEAKAGE_MAX_PART`), recorded as ``checked_*`` in
    ``prepared.leakage`` and said in a warning.
    """
    find: Callable[..., Leakage | None] | None = getattr(kind, "leakage", None)
    if find is None:
        return
    train = prepared.part("train")
    checked = {"train": _leakage_rows(train, LEAKAGE_MAX_TRAIN, seed=0)}
    if checked["train"] is not None:
        train = train.subset(checked["train"])
    reference = getattr(kind, "leakage_reference", None)
    if reference is not None and any(prepared.parts[n] is not None for n in ("valid", "test")):
        train = reference(train)
    for name in ("valid", "test"):
        part = prepared.parts[name]
        if part is None or not len(part):
            continue
        checked[name] = _leakage_rows(part, LEAKAGE_MAX_PART, seed=1)
        whole = len(part)
        if checked[name] is not None:
            part = part.subset(checked[name])
        found = find(train, part, threshold)
        if found is None:
            continue
        prepared.leakage[f"identical_train_{name}"] = found.exact
        prepared.leakage[f"near_train_{name}"] = found.near
        if found.near:
            example = ", ".join(f"{q} ~ {r}" for q, r in found.examples[:3])
            near = f" and {found.near - found.exact} more near-identical" if found.criterion else ""
            how = "; ".join(x for x in (found.criterion, f"e.g. {example}") if x)
            of = f"{len(part)} checked of {whole}" if checked[name] is not None else str(whole)
            message = (
                f"{found.exact} of {of} {name} {found.what} are identical to a training "
                f"{found.item}{near} ({how}): {name} metrics may be "
                f"optimistic (leakage); {found.fix}"
            )
            prepared.add_warning(message, LeakageWarning)
    _note_bounded_check(prepared, checked)


#: Above these sizes the leakage check compares random subsamples (seeded, the same in every
#: run): at most this many training items against at most ``LEAKAGE_MAX_PART`` of each
#: evaluation part, so its memory (MinHash sketches of sequences) stays bounded. The counts in
#: ``metrics.json`` (``data.leakage``) are then of the items checked (``checked_*``).
LEAKAGE_MAX_TRAIN = 1_000_000
LEAKAGE_MAX_PART = 250_000


def _leakage_rows(part: Any, cap: int, *, seed: int) -> np.ndarray | None:
    """Sorted random rows of ``part`` to check for leakage when it has more than ``cap``."""
    if len(part) <= cap:
        return None
    return np.sort(np.random.default_rng(seed).choice(len(part), cap, replace=False))


def _note_bounded_check(prepared: PreparedData, checked: dict[str, np.ndarray | None]) -> None:
    """Record and say which parts the leakage check subsampled (nothing when none)."""
    sampled = {name: rows for name, rows in checked.items() if rows is not None}
    if not sampled:
        return
    for name, rows in checked.items():
        prepared.leakage[f"checked_{name}"] = (
            len(rows) if rows is not None else len(prepared.part(name))
        )
    said = ", ".join(
        f"{len(rows):,} of the {len(prepared.part(name)):,} {name}"
        for name, rows in sampled.items()
    )
    prepared.add_warning(
        f"leakage check on random subsamples ({said} items; at most {LEAKAGE_MAX_TRAIN:,} "
        f"training and {LEAKAGE_MAX_PART:,} per evaluation part) to bound its memory: its "
        "counts are of the items checked (data.leakage.checked_* in metrics.json)",
        DataWarning,
    )


def check_evaluation_size(
    prepared: PreparedData, scored: Literal["final", "valid"] = "final"
) -> None:
    """Warn when the final evaluation split (or, for tuning, the validation split) is too small
    for precise metrics."""
    present = prepared.present()
    final = "test" if "test" in present and scored == "final" else "valid"
    if final not in present:
        return
    y = prepared.y[final]
    assert y is not None
    problems = []
    name = "validation" if scored == "valid" else final
    if len(y) < MIN_EVALUATION_SIZE:
        problems.append(f"only {len(y)} {name} examples")
    classes = prepared.targets.classes
    if prepared.targets.task in ("binary", "multiclass"):
        counts = np.bincount(y, minlength=len(classes))
        rare = [f"{classes[i]!r}: {counts[i]}" for i in np.flatnonzero(counts < MIN_CLASS_EXAMPLES)]
        if rare:
            problems.append(f"few {name} examples of class {', '.join(rare)}")
    if not problems:
        return
    said = " and ".join(problems)
    prepared.add_warning(
        f"{said}, on which every trial is scored: trial scores are coarse and the best trial "
        "may be luck; use more data or --cv K"
        if scored == "valid"
        else f"{said}: {final} metrics are coarse and their confidence intervals unreliable (a "
        "perfect score on few examples is not certainty); use more data or cross-validation",
        DataWarning,
    )


def subset_prepared(
    full: PreparedData,
    train: np.ndarray,
    *,
    valid: np.ndarray | None = None,
    test: np.ndarray | None = None,
    note: str,
) -> PreparedData:
    """Parts cut from the training part of ``full`` by index (cross-validation, tuning).

    Regression targets are re-standardised on the new training part; empty index arrays give
    no part.
    """
    whole, y = full.part("train"), full.y["train"]
    assert y is not None
    parts: dict[str, Any] = {"train": whole.subset(train), "valid": None, "test": None}
    ys: dict[str, np.ndarray | None] = {"train": y[train], "valid": None, "test": None}
    for name, index in (("valid", valid), ("test", test)):
        if index is not None and len(index):
            parts[name], ys[name] = whole.subset(index), y[index]
    return PreparedData(
        parts,
        ys,
        full.targets.scaled_to(y[train]),
        full.length,
        note,
        files=full.files,
        kind=full.kind,
    )


def inner_split(
    full: PreparedData, train: np.ndarray, data: DataConfig, *, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split training indices of ``full`` into inner training and validation (``valid_size``).

    Stratified for classification under a stratified split, random otherwise.
    """
    y = full.y["train"]
    assert y is not None
    inner = split_indices(
        y[train],
        task=full.targets.task,
        test_size=0.0,
        valid_size=data.valid_size,
        method="stratified" if data.split == "stratified" else "random",
        seed=seed,
        class_names=full.targets.classes or None,
        source=data.train or "data",
    )
    return train[inner.train], train[inner.valid]
