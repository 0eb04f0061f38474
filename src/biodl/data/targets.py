"""From raw label columns to the task and the numeric targets models and metrics use.

Layouts (shared by models, metrics and baselines):

- binary: ``y`` is ``(n,)`` int64 in {0, 1}; ``classes[1]`` is the positive class.
- multiclass: ``y`` is ``(n,)`` int64 in ``0..K-1``, in the order of ``classes``.
- multilabel: ``y`` is ``(n, K)`` int64 of 0/1, one column per label column.
- regression: ``y`` is ``(n, T)`` float64, one column per target column.

Examples
--------
>>> import pandas as pd
>>> enc = infer_targets(pd.DataFrame({"label": ["yes", "no", "yes"]}))
>>> enc.task, enc.classes
('binary', ['no', 'yes'])
>>> enc.encode(pd.DataFrame({"label": ["no", "yes"]})).tolist()
[0, 1]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl.errors import DataError

TaskName = Literal["binary", "multiclass", "multilabel", "regression"]
TASKS: tuple[TaskName, ...] = ("binary", "multiclass", "multilabel", "regression")

#: Class names read as "the negative class" when choosing which class of two is positive.
_NEGATIVE_NAMES = {"0", "-1", "-", "no", "n", "false", "f", "neg", "negative", "control", "normal"}
_TRUE_FALSE = {"0": 0, "1": 1, "false": 0, "true": 1, "no": 0, "yes": 1, "-": 0, "+": 1}
#: Integer-valued numeric labels with at most this many distinct values count as classes.
MAX_NUMERIC_CLASSES = 10


@dataclass
class TargetEncoding:
    """The task and how label values map to numbers; saved with the model.

    Parameters
    ----------
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    label_columns : list of str
        The label columns, in order.
    classes : list of str
        Class names (binary, multiclass) in code order; empty otherwise.
    mean, std : list of float
        Per-target standardisation of regression targets (fitted on training data).
    """

    task: TaskName
    label_columns: list[str]
    classes: list[str] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)

    @property
    def n_outputs(self) -> int:
        """Number of scores per example (classes, labels or targets)."""
        if self.task in ("binary", "multiclass"):
            return len(self.classes)
        return len(self.label_columns)

    @property
    def output_names(self) -> list[str]:
        """One name per score column: class names or label/target column names."""
        return self.classes if self.task in ("binary", "multiclass") else self.label_columns

    def encode(self, labels: pd.DataFrame, *, source: str = "labels") -> np.ndarray:
        """Numeric targets for ``labels`` in the layout of :attr:`task`.

        Raises
        ------
        DataError
            If a label column is missing or a class was not seen in training.
        """
        missing = [c for c in self.label_columns if c not in labels.columns]
        if missing:
            raise DataError(
                f"{source}: label column '{missing[0]}' not found; columns: "
                f"{', '.join(map(str, labels.columns))}"
            )
        if self.task == "regression":
            return _numeric(labels[self.label_columns], source)
        if self.task == "multilabel":
            return np.column_stack(
                [_binary_column(labels[c], c, source) for c in self.label_columns]
            ).astype(np.int64)
        column = self.label_columns[0]
        names = class_names(labels[column])
        lookup = {name: i for i, name in enumerate(self.classes)}
        codes = names.map(lookup)
        if codes.isna().any():
            unseen = sorted(set(names[codes.isna()]))
            raise DataError(
                f"{source} column '{column}': class {unseen[0]!r} was not in the training data "
                f"(known classes: {', '.join(self.classes)}); remove those rows or retrain"
            )
        return codes.to_numpy(dtype=np.int64)

    def scaled_to(self, y: np.ndarray) -> TargetEncoding:
        """A copy whose regression standardisation (mean, std) is fitted on ``y`` only.

        Parameters
        ----------
        y : (n, T) float array
            Training targets. Zero or undefined standard deviations become 1. Other tasks
            are returned unchanged (as a copy).
        """
        if self.task != "regression":
            return replace(self)
        std = y.std(axis=0)
        std[~np.isfinite(std) | (std == 0)] = 1.0
        return replace(self, mean=y.mean(axis=0).tolist(), std=std.tolist())

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TargetEncoding:
        """Inverse of :meth:`to_dict`."""
        return cls(**raw)


def infer_targets(
    labels: pd.DataFrame, task: str = "auto", *, source: str = "labels"
) -> TargetEncoding:
    """Decide the task and class order from the training labels.

    Parameters
    ----------
    labels : DataFrame
        One column per label column, raw values (str or float).
    task : str, default 'auto'
        'auto' infers: several columns -> multilabel (all 0/1-like) or regression (numeric);
        one numeric column with more than 10 distinct or non-integer values -> regression;
        otherwise two classes -> binary, more -> multiclass.
    source : str
        File name for messages.

    Raises
    ------
    DataError
        If only one class is present, or the labels do not fit the requested task.
    """
    columns = [str(c) for c in labels.columns]
    if task == "auto":
        task = infer_task(labels)
    if task == "regression":
        return TargetEncoding("regression", columns).scaled_to(_numeric(labels, source))
    if task == "multilabel":
        for column in columns:
            y = _binary_column(labels[column], column, source)
            if len(np.unique(y)) < 2:
                raise DataError(
                    f"{source} column '{column}': every example has the same value, so this "
                    "label cannot be learned; drop the column or add examples of both values"
                )
        return TargetEncoding("multilabel", columns)
    if len(columns) != 1:
        raise DataError(
            f"{source}: task '{task}' takes one label column, got {len(columns)} "
            f"({', '.join(columns)}); pass one --label-column or use --task multilabel"
        )
    classes = _order_classes(sorted(set(class_names(labels.iloc[:, 0]))))
    if len(classes) < 2:
        raise DataError(
            f"{source} column '{columns[0]}': only one class present ({classes[0]!r}); "
            "classification needs at least two classes"
        )
    if task == "binary" and len(classes) != 2:
        raise DataError(
            f"{source} column '{columns[0]}': --task binary needs two classes, found "
            f"{len(classes)} ({', '.join(classes[:5])}); use --task multiclass"
        )
    if task == "multiclass" or len(classes) > 2:
        return TargetEncoding("multiclass", columns, classes=classes)
    return TargetEncoding("binary", columns, classes=classes)


def infer_task(labels: pd.DataFrame) -> TaskName:
    """The task 'auto' reads from label columns (see :func:`infer_targets`).

    Examples
    --------
    >>> infer_task(pd.DataFrame({"y": [0.5, 1.7, 2.2]}))
    'regression'
    """
    numeric = [pd.api.types.is_numeric_dtype(labels[c]) for c in labels.columns]
    if labels.shape[1] > 1:
        if all(_is_binary_like(labels[c]) for c in labels.columns):
            return "multilabel"
        return "regression" if all(numeric) else "multiclass"
    column = labels.iloc[:, 0]
    if numeric[0]:
        values = column.to_numpy(dtype=np.float64)
        finite = values[np.isfinite(values)]
        n_unique = len(np.unique(finite))
        if np.all(finite == np.round(finite)) and n_unique <= MAX_NUMERIC_CLASSES:
            return "binary" if n_unique <= 2 else "multiclass"
        return "regression"
    return "binary" if column.nunique() <= 2 else "multiclass"


def class_names(column: pd.Series) -> pd.Series:
    """Class labels as strings; integer-valued floats lose their '.0'."""
    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=np.float64)
        if np.all(values[np.isfinite(values)] == np.round(values[np.isfinite(values)])):
            return pd.Series([str(int(v)) for v in values], index=column.index)
    return column.astype(str)


def _order_classes(classes: list[str]) -> list[str]:
    """Sorted, but with a recognisably negative class first so ``classes[1]`` is positive."""
    if len(classes) == 2 and classes[1].lower() in _NEGATIVE_NAMES:
        return [classes[1], classes[0]]
    if len(classes) == 2 and classes[0].lower().startswith(("non", "not")):
        return classes
    if len(classes) == 2 and classes[1].lower().startswith(("non_", "non-", "not_", "not-")):
        return [classes[1], classes[0]]
    return classes


def _is_binary_like(column: pd.Series) -> bool:
    return set(class_names(column).str.lower()) <= set(_TRUE_FALSE)


def _binary_column(column: pd.Series, name: str, source: str) -> np.ndarray:
    names = class_names(column).str.lower()
    bad = ~names.isin(list(_TRUE_FALSE))
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise DataError(
            f"{source} column '{name}' row {row + 1}: multilabel values must be 0/1 (or "
            f"yes/no, true/false), got {column.iloc[row]!r}"
        )
    return names.map(_TRUE_FALSE).to_numpy(dtype=np.int64)


def _numeric(labels: pd.DataFrame, source: str) -> np.ndarray:
    out = np.empty(labels.shape, dtype=np.float64)
    for j, column in enumerate(labels.columns):
        values = pd.to_numeric(labels[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(
                f"{source} column '{column}' row {row + 1}: regression targets must be finite "
                f"numbers, got {labels[column].iloc[row]!r}; fix or drop that row"
            )
        out[:, j] = values
    return out
