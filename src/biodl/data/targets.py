"""From raw label columns to the task and the numeric targets models and metrics use.

Layouts (shared by models, metrics and baselines):

- binary: ``y`` is ``(n,)`` int64 in {0, 1}; ``classes[1]`` is the positive class.
- multiclass: ``y`` is ``(n,)`` int64 in ``0..K-1``, in the order of ``classes``.
- multilabel: ``y`` is ``(n, K)`` int64 of 0/1, one column per label column.
- regression: ``y`` is ``(n, T)`` float64, one column per target column.

Missing labels (several label columns only, as in Tox21): an empty cell is a missing label.
Multilabel ``y`` is then float64 with NaN where a label is missing (0.0/1.0 elsewhere), and
regression ``y`` holds NaN there; fully labelled data keeps the layouts above. The loss and the
metrics leave missing entries out (:mod:`biodl.training.losses`,
:mod:`biodl.evaluation.kernels`). A column with no label at all, or a row with none, is
refused. One label column keeps refusing empty cells.

The positive class of a binary task is put second (code 1), so every metric, threshold and
figure that reads "column 1" refers to it. Which class is positive (:func:`positive_class_of`):
the one given (``--positive-class``); else the one whose name reads as positive
(:data:`POSITIVE_NAMES`) when exactly one does; else the other one when exactly one name
reads as negative (:data:`NEGATIVE_NAMES`, or ``non_``/``not_`` + a name); else the minority
class of the training labels; when both are equally frequent, the second in sorted order.

Examples
--------
>>> import pandas as pd
>>> enc = infer_targets(pd.DataFrame({"label": ["yes", "no", "yes"]}))
>>> enc.task, enc.classes
('binary', ['no', 'yes'])
>>> enc.encode(pd.DataFrame({"label": ["no", "yes"]})).tolist()
[0, 1]
>>> infer_targets(pd.DataFrame({"label": ["a_rare", "b_common", "b_common"]})).positive_text()
'positive class: a_rare (minority, 33.3 % of training labels)'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from biodl.errors import ConfigError, DataError

TaskName = Literal["binary", "multiclass", "multilabel", "regression"]
TASKS: tuple[TaskName, ...] = ("binary", "multiclass", "multilabel", "regression")

#: Class names (any case) read as "the positive class" when choosing which class of two is
#: positive. '1' is not among them: it is positive against '0' or '-1' because those read as
#: negative, while '1' against '2' is decided by frequency.
POSITIVE_NAMES = frozenset(
    {"true", "t", "yes", "y", "+", "pos", "positive", "case", "disease", "diseased"}
    | {"affected", "abnormal", "tumor", "tumour", "cancer", "malignant", "pathogenic"}
    | {"event", "death", "dead", "died", "deceased", "responder", "active", "present", "hit"}
)
#: Class names (any case) read as "the negative class"; so are ``non_X``, ``non-X``, ``not_X``
#: and ``not-X``, and ``nonX`` / ``notX`` against a class named ``X``.
NEGATIVE_NAMES = frozenset(
    {"0", "-1", "-", "no", "n", "false", "f", "neg", "negative", "control", "normal"}
    | {"healthy", "benign", "absent", "alive", "survived", "inactive", "background", "none"}
)
_TRUE_FALSE = {"0": 0, "1": 1, "false": 0, "true": 1, "no": 0, "yes": 1, "-": 0, "+": 1}
#: Integer-valued numeric labels with at most this many distinct values count as classes.
MAX_NUMERIC_CLASSES = 10

#: What every command but ``biodl train`` says to ``--task forecast`` (a lineage forecast is
#: not a labelled task: :mod:`biodl.pipeline.forecast` reads its seasons itself).
FORECAST_ONLY = (
    "--task forecast is run by biodl train only (it holds out the last seasons itself; "
    "docs/forecast.md); drop --task forecast here or use biodl train FILE --task forecast"
)


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
    positive_reason : str
        Binary: why ``classes[1]`` is the positive class, with its share of the training labels
        ('minority, 10.2 % of training labels'); empty otherwise and in runs saved before it
        was recorded (whose positive class is ``classes[1]`` too).
    """

    task: TaskName
    label_columns: list[str]
    classes: list[str] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    positive_reason: str = ""

    @property
    def positive(self) -> str | None:
        """The positive class of a binary task (``classes[1]``); None for other tasks."""
        return self.classes[1] if self.task == "binary" else None

    def positive_text(self) -> str:
        """'positive class: NAME (why)' for a binary task; '' for other tasks."""
        return positive_text(self.positive, self.positive_reason)

    def with_positive(
        self, name: str, *, reason: str = "set with --positive-class"
    ) -> TargetEncoding:
        """A copy whose positive class is ``name`` (binary tasks; classes swapped if needed).

        Scores of a model of this encoding follow the new order after ``scores[:, ::-1]``
        when :attr:`positive` changed.

        Raises
        ------
        ConfigError
            If ``name`` is not a class, or the task is not binary.
        """
        check_positive_class(name, self.classes, self.task)
        if name == self.positive:
            return replace(self, positive_reason=reason)
        return replace(self, classes=self.classes[::-1], positive_reason=reason)

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
        several = len(self.label_columns) > 1
        if self.task == "regression":
            y = _numeric(labels[self.label_columns], source, allow_missing=several)
        elif self.task == "multilabel":
            y = np.column_stack(
                [_binary_column(labels[c], c, source, several) for c in self.label_columns]
            )
            y = y.astype(np.float64 if np.isnan(y).any() else np.int64)
        else:
            return self._encode_classes(labels, source)
        if several:
            _check_rows_labelled(y, source)
        return y

    def _encode_classes(self, labels: pd.DataFrame, source: str) -> np.ndarray:
        column = self.label_columns[0]
        names = class_names(labels[column])
        lookup = {name: i for i, name in enumerate(self.classes)}
        codes = names.map(lookup)
        if codes.isna().any():
            unseen = sorted(set(names[codes.isna()]))
            rows = int((names == unseen[0]).sum())
            raise DataError(
                f"{source} column '{column}': class {unseen[0]!r} ({rows} of {len(names)} rows) "
                f"was not in the training data (known classes: {', '.join(self.classes)}); "
                "remove those rows or retrain"
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
        if np.isnan(y).any():  # missing targets: statistics of the observed ones
            observed = np.isfinite(y)
            count = np.maximum(observed.sum(axis=0), 1)  # a column with none (a cv fold): 0, 1
            mean = np.where(observed, y, 0.0).sum(axis=0) / count
            std = np.sqrt(np.where(observed, (y - mean) ** 2, 0.0).sum(axis=0) / count)
        else:
            mean, std = y.mean(axis=0), y.std(axis=0)
        std[~np.isfinite(std) | (std == 0)] = 1.0
        return replace(self, mean=mean.tolist(), std=std.tolist())

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TargetEncoding:
        """Inverse of :meth:`to_dict` (runs saved before ``positive_reason`` load too)."""
        return cls(**raw)


def infer_targets(
    labels: pd.DataFrame,
    task: str = "auto",
    *,
    source: str = "labels",
    positive_class: str | None = None,
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
    positive_class : str, optional
        Binary tasks: the positive class (default: chosen by :func:`positive_class_of`).

    Raises
    ------
    DataError
        If only one class is present, or the labels do not fit the requested task.
    ConfigError
        If ``positive_class`` is not a class of the labels, or the task is not binary.
    """
    columns = [str(c) for c in labels.columns]
    if len(columns) > 1:
        _check_columns_labelled(labels, source)
    if task == "forecast":
        raise ConfigError(FORECAST_ONLY)
    if task == "auto":
        task = infer_task(labels)
    if positive_class is not None and task in ("regression", "multilabel"):
        check_positive_class(str(positive_class), [], task)
    several = len(columns) > 1
    if task == "regression":
        y = _numeric(labels, source, allow_missing=several)
        if several:
            _check_rows_labelled(y, source)
        return TargetEncoding("regression", columns).scaled_to(y)
    if task == "multilabel":
        by_column = [
            _binary_column(labels.iloc[:, j], c, source, several) for j, c in enumerate(columns)
        ]
        if several:
            _check_rows_labelled(np.column_stack(by_column).astype(np.float64), source)
        for column, y in zip(columns, by_column, strict=True):
            if len(np.unique(y[np.isfinite(y)])) < 2:
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
    names = class_names(labels.iloc[:, 0])
    classes = sorted(set(names))
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
        if positive_class is not None:
            check_positive_class(str(positive_class), classes, "multiclass")
        return TargetEncoding("multiclass", columns, classes=classes)
    if positive_class is not None:
        check_positive_class(str(positive_class), classes, "binary")
    chosen = positive_class_of(names, positive_class)
    negative = classes[0] if chosen.name == classes[1] else classes[1]
    return TargetEncoding(
        "binary", columns, classes=[negative, chosen.name], positive_reason=chosen.reason
    )


@dataclass(frozen=True)
class PositiveClass:
    """The positive class of two and why it was chosen.

    Attributes
    ----------
    name : str
    reason : str
        Why, with its share of the labels: 'minority, 10.2 % of training labels'.
    """

    name: str
    reason: str


def positive_class_of(names: pd.Series, given: str | None = None) -> PositiveClass:
    """Which of the two classes in ``names`` is positive (rules in the module notes).

    Parameters
    ----------
    names : Series of str
        The training labels as class names (:func:`class_names`), two distinct values.
    given : str, optional
        The class the user named (``--positive-class``); assumed to be one of them.

    Examples
    --------
    >>> positive_class_of(pd.Series(["control", "case", "control"])).reason
    'named as a positive class, 33.3 % of training labels'
    >>> positive_class_of(pd.Series(["b", "a", "b", "b"])).name
    'a'
    """
    counts = names.value_counts()
    a, b = sorted(counts.index)
    if given is not None:
        name, why = str(given), "set with --positive-class"
    elif len(said := [c for c in (a, b) if c.lower() in POSITIVE_NAMES]) == 1:
        name, why = said[0], "named as a positive class"
    elif len(said := [c for c, o in ((a, b), (b, a)) if _reads_negative(c, o)]) == 1:
        name = b if said[0] == a else a
        why = f"'{said[0]}' is named as a negative class"
    elif counts[a] != counts[b]:
        name, why = (a, "minority") if counts[a] < counts[b] else (b, "minority")
    else:
        name, why = b, "classes equally frequent: the second in sorted order"
    share = f"{100 * counts[name] / counts.sum():.1f} % of training labels"
    if why.endswith("negative class"):  # the share is the positive class's: say whose it is
        return PositiveClass(name, f"{why}; {name} is {share}")
    return PositiveClass(name, f"{why}, {share}")


def positive_text(name: str | None, reason: str = "") -> str:
    """'positive class: NAME (reason)', the sentence of summaries and reports; '' for None.

    Examples
    --------
    >>> positive_text("1", "set with --positive-class, 14.0 % of training labels")
    'positive class: 1 (set with --positive-class, 14.0 % of training labels)'
    """
    if name is None:
        return ""
    return f"positive class: {name}" + (f" ({reason})" if reason else "")


def check_positive_class(name: str, classes: list[str], task: str) -> None:
    """Refuse a positive class that is not one of two ``classes`` of a binary task.

    Raises
    ------
    ConfigError
        Naming the classes (or the task, when it is not binary).

    Examples
    --------
    >>> check_positive_class("a", ["a", "b"], "binary")
    """
    if task != "binary":
        listed = f" (classes: {', '.join(classes)})" if classes else ""
        raise ConfigError(
            f"--positive-class {name}: only binary tasks have a positive class, and this task "
            f"is {task}{listed}; drop --positive-class"
        )
    if name not in classes:
        raise ConfigError(
            f"--positive-class {name}: not a class of the training labels (classes: "
            f"{', '.join(sorted(classes))}); pass one of those"
        )


def infer_task(labels: pd.DataFrame) -> TaskName:
    """The task 'auto' reads from label columns (see :func:`infer_targets`).

    Examples
    --------
    >>> infer_task(pd.DataFrame({"y": [0.5, 1.7, 2.2]}))
    'regression'
    """
    numeric = [pd.api.types.is_numeric_dtype(labels[c]) for c in labels.columns]
    if labels.shape[1] > 1:
        if all(_is_binary_like(observed(labels[c])) for c in labels.columns):
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


def _reads_negative(name: str, other: str) -> bool:
    """Whether ``name`` reads as the negative class opposite ``other``."""
    low, other_low = name.lower(), other.lower()
    if low in NEGATIVE_NAMES or low.startswith(("non_", "non-", "not_", "not-")):
        return True
    return low in (f"non{other_low}", f"not{other_low}")


def _is_binary_like(column: pd.Series) -> bool:
    return set(class_names(column).str.lower()) <= set(_TRUE_FALSE)


def is_missing(column: pd.Series) -> np.ndarray:
    """(n,) bool: the cells of a label column that are empty (NaN, None or blank text).

    Examples
    --------
    >>> is_missing(pd.Series(["1", "", None, " "])).tolist()
    [False, True, True, True]
    """
    empty = column.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(column):
        empty |= (column.astype(str).str.strip() == "").to_numpy()
    return np.asarray(empty, dtype=bool)


def observed(column: pd.Series) -> pd.Series:
    """The cells of a label column that are not empty (see :func:`is_missing`)."""
    return column[~is_missing(column)]


def missing_labels_text(columns: list[str], y: dict[str, np.ndarray | None]) -> str | None:
    """The warning on missing labels: per part, each column's missing count; None if none.

    Parameters
    ----------
    columns : list of str
        The label columns, in the order of ``y``'s columns.
    y : dict of str to (n, K) array or None
        Encoded targets per part (NaN where a label is missing).

    Examples
    --------
    >>> import numpy as np
    >>> missing_labels_text(["a", "b"], {"train": np.array([[0.0, np.nan], [1.0, 0.0]])})
    'missing labels (left out of the loss and of the metrics of their column): train: b 1 of 2'
    """
    parts = []
    for part, values in y.items():
        if values is None or values.dtype.kind != "f" or not np.isnan(values).any():
            continue
        counts = np.isnan(values).sum(axis=0)
        said = [f"{c} {int(k)} of {len(values)}" for c, k in zip(columns, counts, strict=True)]
        parts.append(f"{part}: " + ", ".join(s for s, k in zip(said, counts, strict=True) if k))
    if not parts:
        return None
    return "missing labels (left out of the loss and of the metrics of their column): " + (
        "; ".join(parts)
    )


def missing_as_nan(values: pd.Series) -> pd.Series:
    """A label column of stripped text with empty cells (missing labels): float64 with NaN
    there when every other cell reads as a number, else the text ('' where missing).

    Examples
    --------
    >>> missing_as_nan(pd.Series(["1", "", "0"])).tolist()
    [1.0, nan, 0.0]
    """
    numbers = pd.to_numeric(values, errors="coerce")
    filled = values != ""
    if numbers[filled].notna().all():
        return numbers.astype(np.float64)
    return values


def observed_counts(
    columns: list[str], y: dict[str, np.ndarray | None]
) -> dict[str, dict[str, int]]:
    """Per part, the rows where each label column is observed; {} when no label is missing.

    Examples
    --------
    >>> import numpy as np
    >>> observed_counts(["a", "b"], {"train": np.array([[0.0, np.nan], [1.0, 0.0]])})
    {'train': {'a': 2, 'b': 1}}
    """
    present = {p: v for p, v in y.items() if v is not None}
    if not any(v.dtype.kind == "f" and v.ndim == 2 and np.isnan(v).any() for v in present.values()):
        return {}
    return {
        part: {c: int(n) for c, n in zip(columns, (~np.isnan(v)).sum(axis=0), strict=True)}
        for part, v in present.items()
    }


def _check_columns_labelled(labels: pd.DataFrame, source: str) -> None:
    """Refuse a label column of the training labels whose every cell is empty."""
    for column in labels.columns:
        if is_missing(labels[column]).all():
            raise DataError(
                f"{source} column '{column}': every label is empty, so this task cannot be "
                "learned or scored; drop the column from --label-column or fill in labels"
            )


def _check_rows_labelled(y: np.ndarray, source: str) -> None:
    """Refuse rows whose every label is missing: they cannot be trained on or scored."""
    if y.dtype.kind != "f":
        return
    empty = np.flatnonzero(np.isnan(y).all(axis=1))
    if len(empty):
        raise DataError(
            f"{source} row {empty[0] + 1}: every label column is empty ({len(empty)} such "
            f"row{'s' if len(empty) > 1 else ''} in all); a row needs at least one label: "
            "remove these rows or fill in a label"
        )


def _binary_column(
    column: pd.Series, name: str, source: str, allow_missing: bool = False
) -> np.ndarray:
    missing = is_missing(column) if allow_missing else np.zeros(len(column), dtype=bool)
    filler = 0 if pd.api.types.is_numeric_dtype(column) else "0"
    names = class_names(column.where(~missing, filler)).str.lower()
    bad = ~names.isin(list(_TRUE_FALSE)).to_numpy() & ~missing
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{source} column '{name}' row {row + 1}: multilabel values must be 0/1 (or "
            f"yes/no, true/false), got {column.iloc[row]!r}"
        )
    codes = names.map(_TRUE_FALSE).to_numpy(dtype=np.int64)
    if not missing.any():
        return codes
    return np.where(missing, np.nan, codes)


def _numeric(labels: pd.DataFrame, source: str, *, allow_missing: bool = False) -> np.ndarray:
    out = np.empty(labels.shape, dtype=np.float64)
    for j, column in enumerate(labels.columns):
        values = pd.to_numeric(labels[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if allow_missing:
            bad &= ~is_missing(labels[column])
        if bad.any():
            row = int(np.argmax(bad))
            raise DataError(
                f"{source} column '{column}' row {row + 1}: regression targets must be finite "
                f"numbers, got {labels[column].iloc[row]!r}; fix or drop that row"
            )
        out[:, j] = values
    return out
