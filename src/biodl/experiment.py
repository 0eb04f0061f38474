"""One training run, step by step: read, split, fit the network and the baseline, evaluate.

Each step is a function with a named result, so the estimators, the CLI and tests can use the
steps they need; :func:`biodl.workflow.run_training` chains them and writes the run directory.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from biodl.config import DataConfig, RunConfig
from biodl.data.alphabet import Alphabet
from biodl.data.sequence import SequenceSet, read_sequences
from biodl.data.similarity import near_duplicates
from biodl.data.splits import split_indices
from biodl.data.targets import TargetEncoding, infer_targets
from biodl.errors import ConfigError, DataError, DataWarning, LeakageWarning

SPLITS = ("train", "valid", "test")


@dataclass
class PreparedData:
    """The data of a run, split and with targets encoded (inputs are not preprocessed yet).

    Attributes
    ----------
    parts : dict
        ``{'train': part, 'valid': part | None, 'test': part | None}``; a part is a
        :class:`SequenceSet` for sequences, or the part type of another kind of data (each has
        ``ids``, ``len()`` and ``subset(index)``).
    y : dict
        Encoded targets of each part (see :mod:`biodl.data.targets`).
    targets : TargetEncoding
    length : int or None
        Sequences: fixed length every sequence is cropped/padded to, or None (pad per batch,
        masked). None for other kinds.
    split_note : str
        Where valid/test came from: files or a split of the training file.
    warnings : list of str
        Problems found (leakage, small evaluation sets) for the summary and report. They are
        recorded here and raised as Python warnings by :meth:`emit_warnings`, once the run's
        options are known to be valid (so a bad option is reported alone).
    leakage : dict
        Counts of test/valid sequences identical to a training sequence.
    files : list of str
        Input files, for checksums.
    groups : (n_train,) array or None
        Values of the group column for the training part when it was not split (cross-validation
        makes its folds from them).
    kind : str, default 'sequence'
        The kind of data (a key of :data:`biodl.modalities.MODALITIES`); parts are of that
        kind's type (a :class:`SequenceSet` for sequences).
    """

    parts: dict[str, SequenceSet | None]
    y: dict[str, np.ndarray | None]
    targets: TargetEncoding
    length: int | None
    split_note: str
    warnings: list[str] = field(default_factory=list)
    warning_categories: list[type[Warning]] = field(default_factory=list)
    _emitted: int = field(default=0, repr=False)
    leakage: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    groups: np.ndarray | None = None
    kind: str = "sequence"

    @property
    def alphabet(self) -> Alphabet:
        train = self.parts["train"]
        assert train is not None
        return train.alphabet

    def add_warning(self, message: str, category: type[Warning]) -> None:
        """Record a problem for the report; it is raised later by :meth:`emit_warnings`."""
        self.warnings.append(message)
        self.warning_categories.append(category)

    def emit_warnings(self) -> None:
        """Raise every recorded problem not raised yet as a Python warning of its category."""
        pending = zip(self.warnings, self.warning_categories, strict=True)
        for message, category in list(pending)[self._emitted :]:
            warnings.warn(message, category, stacklevel=3)
        self._emitted = len(self.warnings)

    def present(self) -> list[str]:
        """Names of the parts that exist and are not empty, in train/valid/test order."""
        return [name for name in SPLITS if (p := self.parts[name]) is not None and len(p)]


def prepare_data(cfg: DataConfig, *, seed: int = 0) -> PreparedData:
    """Read the files of ``cfg``, infer the task, and split (stratified) where needed.

    Raises
    ------
    DataError
        From the readers, or when labels do not allow the task or the split.
    """
    if not cfg.train:
        raise ConfigError("no training data given; pass a FASTA/CSV file or folder as TRAIN")
    if cfg.split == "predefined" and (cfg.valid or cfg.test):
        raise ConfigError(
            "--split predefined reads train/valid/test from --split-column; do not also pass "
            "--valid or --test files"
        )
    train = _read_train(cfg, cfg.label_columns or None)
    assert train.labels is not None
    label_columns = [str(c) for c in train.labels.columns]
    # Group and split columns are read like label columns, then set aside.
    extra = [c for c in (cfg.group_column, cfg.split_column) if c and c not in label_columns]
    if extra:
        try:
            train = _read_train(cfg, label_columns + extra)
        except DataError as err:
            raise _side_column_error(err, cfg, extra) from err
        assert train.labels is not None
    side = train.labels
    assert side is not None
    train.labels = side[label_columns]
    targets = infer_targets(train.labels, cfg.task, source=cfg.train)
    given = {
        name: _read_part(path, cfg, train.alphabet, label_columns)
        for name, path in (("valid", cfg.valid), ("test", cfg.test))
        if path
    }
    parts: dict[str, SequenceSet | None] = {"train": train, "valid": None, "test": None}
    parts.update(given)
    test_size = 0.0 if "test" in given else cfg.test_size
    valid_size = 0.0 if "valid" in given else cfg.valid_size
    note = "separate files" if given else "split of the training file"
    if test_size or valid_size or cfg.split == "predefined":
        y_all = targets.encode(train.labels, source=cfg.train)
        split = split_indices(
            y_all,
            task=targets.task,
            test_size=test_size,
            valid_size=valid_size,
            method=cfg.split,
            seed=seed,
            class_names=targets.classes or None,
            source=cfg.train,
            groups=side[cfg.group_column].to_numpy() if cfg.group_column else None,
            group_column=cfg.group_column or "group",
            seqs=train,
            similarity_threshold=cfg.similarity_threshold,
            predefined=side[cfg.split_column].to_numpy() if cfg.split_column else None,
            split_column=cfg.split_column or "split",
        )
        parts["train"] = train.subset(split.train)
        if len(split.valid):
            parts["valid"] = train.subset(split.valid)
        if len(split.test):
            parts["test"] = train.subset(split.test)
        note = _split_note(cfg, given, test_size, valid_size, targets.task)
    y = {
        name: targets.encode(part.labels, source=part.source)
        if part is not None and part.labels is not None
        else None
        for name, part in parts.items()
    }
    y_train = y["train"]
    assert y_train is not None
    targets = targets.scaled_to(y_train)  # regression: standardise with training data only
    unsplit = parts["train"] is train
    prepared = PreparedData(
        parts=parts,
        y=y,
        targets=targets,
        length=cfg.length,
        split_note=note,
        files=[p for p in (cfg.train, cfg.valid, cfg.test, cfg.labels) if p],
        groups=side[cfg.group_column].to_numpy() if unsplit and cfg.group_column else None,
    )
    _check_leakage(prepared, cfg.similarity_threshold)
    _check_evaluation_size(prepared)
    return prepared


def _side_column_error(err: DataError, cfg: DataConfig, extra: list[str]) -> DataError:
    """A reader's 'no label column' error, reworded for --group-column / --split-column."""
    option = "--group-column" if cfg.group_column in extra else "--split-column"
    text = str(err).replace("there is no label column", "there is no column")
    return DataError(text.replace("with --label-column", f"with {option}"))


def _read_train(cfg: DataConfig, label_columns: list[str] | None) -> SequenceSet:
    return read_sequences(
        cfg.train,
        labels=cfg.labels,
        label_columns=label_columns,
        sequence_column=cfg.sequence_column,
        id_column=cfg.id_column,
        alphabet=cfg.alphabet,
        extra_labels="ignore" if (cfg.valid or cfg.test) else "error",
    )


def _read_part(
    path: str, cfg: DataConfig, alphabet: Alphabet, label_columns: list[str]
) -> SequenceSet:
    return read_sequences(
        path,
        labels=cfg.labels,
        label_columns=label_columns,
        sequence_column=cfg.sequence_column,
        id_column=cfg.id_column,
        alphabet=alphabet.name,
        extra_labels="ignore",
    )


def _split_note(
    cfg: DataConfig, given: dict[str, Any], test_size: float, valid_size: float, task: str
) -> str:
    made = []
    if test_size:
        made.append(f"test {test_size:.0%}")
    if valid_size:
        made.append(f"validation {valid_size:.0%}")
    if cfg.split == "predefined":
        how = f"predefined split read from column '{cfg.split_column}'"
    else:
        method = (
            "random"
            if cfg.split == "stratified" and task not in ("binary", "multiclass")
            else cfg.split
        )
        detail = {
            "group": f" by '{cfg.group_column}'",
            "similarity": f" (threshold {cfg.similarity_threshold:g})",
        }
        how = f"{method} split{detail.get(method, '')} of the training file ({', '.join(made)})"
    if given:
        how += f"; {' and '.join(given)} from a separate file"
    return how


def _check_leakage(prepared: PreparedData, threshold: float) -> None:
    """Warn when valid/test sequences are identical or near-identical to training sequences.

    Near-identical: estimated k-mer Jaccard similarity >= ``threshold`` (MinHash sketches, see
    :func:`biodl.data.similarity.near_duplicates`); identical sequences count as near too.
    """
    train = prepared.parts["train"]
    assert train is not None
    for name in ("valid", "test"):
        part = prepared.parts[name]
        if part is None or not len(part):
            continue
        found = near_duplicates(train, part, threshold=threshold)
        prepared.leakage[f"identical_train_{name}"] = found.exact
        prepared.leakage[f"near_train_{name}"] = found.near
        if found.near:
            example = ", ".join(f"{q} ~ {r}" for q, r in found.examples[:3])
            message = (
                f"{found.exact} of {len(part)} {name} sequences are identical to a training "
                f"sequence and {found.near - found.exact} more near-identical (k-mer Jaccard >= "
                f"{threshold:g}; e.g. {example}): {name} metrics may be optimistic (leakage); "
                "remove duplicates or use --split similarity"
            )
            prepared.add_warning(message, LeakageWarning)


#: Below these sizes metrics and their intervals are too coarse to trust; the user is told.
MIN_EVALUATION_SIZE = 50
MIN_CLASS_EXAMPLES = 10


def _check_evaluation_size(prepared: PreparedData) -> None:
    """Warn when the final evaluation split is too small for precise metrics."""
    present = prepared.present()
    final = "test" if "test" in present else ("valid" if "valid" in present else None)
    if final is None:
        return
    y = prepared.y[final]
    assert y is not None
    problems = []
    if len(y) < MIN_EVALUATION_SIZE:
        problems.append(f"only {len(y)} {final} examples")
    classes = prepared.targets.classes
    if prepared.targets.task in ("binary", "multiclass"):
        counts = np.bincount(y, minlength=len(classes))
        rare = [f"{classes[i]!r}: {counts[i]}" for i in np.flatnonzero(counts < MIN_CLASS_EXAMPLES)]
        if rare:
            problems.append(f"few {final} examples of class {', '.join(rare)}")
    if problems:
        message = (
            f"{' and '.join(problems)}: {final} metrics are coarse and their confidence intervals "
            "unreliable (a perfect score on few examples is not certainty); use more data or "
            "cross-validation"
        )
        prepared.add_warning(message, DataWarning)


def sha256_of(path: str) -> dict[str, str]:
    """sha256 of a file, or of every file in a folder (name -> digest)."""
    target = Path(path)
    files = sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
    out = {}
    for file in files:
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        out[os.fspath(file)] = digest.hexdigest()
    return out


def resolve_length(cfg: RunConfig, prepared: PreparedData, needs_length: bool) -> int | None:
    """The fixed length models see: ``--length``, else the common length if all agree.

    Models that need a fixed input size (MLP on one-hot) get the longest training length.
    """
    if cfg.data.length is not None:
        return cfg.data.length
    lengths = np.concatenate(
        [p.lengths for p in prepared.parts.values() if p is not None and len(p)]
    )
    if lengths.min() == lengths.max():
        return int(lengths[0])
    if needs_length:
        train = prepared.parts["train"]
        assert train is not None
        return int(train.lengths.max())
    return None
