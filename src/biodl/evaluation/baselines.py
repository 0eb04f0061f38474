"""Classical baselines (logistic / ridge regression, random forest, gradient boosting) on features.

A deep model is only worth its cost when it beats a simple model on simple features (k-mer
frequencies, one-hot positions). :func:`fit_baseline` fits such a model and returns a
:class:`Baseline` whose :meth:`Baseline.predict_scores` gives scores in exactly the layout the
metrics use, so the two can be compared with :func:`biodl.evaluation.metrics.paired_bootstrap`.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(60, 5))
>>> y = (X[:, 0] > 0).astype(np.int64)
>>> model = fit_baseline("logistic", X, y, "binary", features="random features")
>>> model.predict_scores(X).shape
(60, 2)
>>> model.label
'logistic regression on random features'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler
from threadpoolctl import threadpool_limits

from biodl.data.targets import TASKS, TaskName
from biodl.errors import ConfigError, DataError

__all__ = [
    "BASELINES",
    "CLASS_WEIGHTS",
    "Baseline",
    "BaselineInfo",
    "BaselineName",
    "ClassWeight",
    "PerLabel",
    "check_baseline_inputs",
    "fit_baseline",
    "fit_per_label",
    "missing_entries",
    "threads_for",
]

BaselineName = Literal["logistic", "random_forest", "gradient_boosting"]
ClassWeight = Literal["none", "balanced"]
CLASS_WEIGHTS: tuple[ClassWeight, ...] = ("none", "balanced")

#: Regularisation strengths tried by the ridge baseline (efficient leave-one-out selection).
RIDGE_ALPHAS: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0)
#: Settings shared by the logistic-regression baselines.
LOGISTIC_C = 1.0
LOGISTIC_MAX_ITER = 2000
#: Number of trees of the random-forest baselines.
FOREST_TREES = 300
#: Boosting rounds and learning rate of the gradient-boosting baselines.
BOOSTING_ROUNDS = 200
BOOSTING_RATE = 0.05
#: Cells (rows x columns) of the dense blocks sparse features are expanded to for boosting.
_DENSE_BLOCK_CELLS = 1 << 24


@dataclass(frozen=True)
class BaselineInfo:
    """What a baseline is, for tables, reports and the CLI.

    Parameters
    ----------
    name : {'logistic', 'random_forest', 'gradient_boosting'}
        The option value.
    human_name : str
        How it is written in sentences, e.g. ``"logistic regression"``.
    description : str
        One sentence on the estimator used per task.
    """

    name: BaselineName
    human_name: str
    description: str


BASELINES: dict[BaselineName, BaselineInfo] = {
    "logistic": BaselineInfo(
        "logistic",
        "logistic regression",
        "Features scaled by their maximum absolute value, then L2-regularised logistic "
        "regression (C=1; multinomial for multiclass, one per label for multilabel), or ridge "
        "regression with its strength chosen by leave-one-out over a small grid for regression.",
    ),
    "random_forest": BaselineInfo(
        "random_forest",
        "random forest",
        f"A random forest of {FOREST_TREES} trees (classifier or regressor).",
    ),
    "gradient_boosting": BaselineInfo(
        "gradient_boosting",
        "gradient boosting",
        f"Histogram gradient-boosted trees ({BOOSTING_ROUNDS} rounds, learning rate "
        f"{BOOSTING_RATE}; one model per label for multilabel, per target for regression).",
    ),
}


@dataclass
class Baseline:
    """A fitted baseline model.

    Parameters
    ----------
    name : {'logistic', 'random_forest', 'gradient_boosting'}
        Which baseline.
    estimator : sklearn estimator
        The fitted scikit-learn estimator or pipeline.
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
        The task it was fitted for.
    n_outputs : int
        Score columns: 2 (binary), K classes (multiclass), K labels (multilabel) or T targets
        (regression).
    n_features : int
        Number of feature columns seen at fit.
    features : str, default ""
        What the features are, e.g. ``"k-mer frequencies"``; set by the caller, used by
        :attr:`label`.
    """

    name: BaselineName
    estimator: Any
    task: TaskName
    n_outputs: int
    n_features: int
    features: str = ""

    @property
    def label(self) -> str:
        """E.g. ``"logistic regression on k-mer frequencies"`` (the name alone without features)."""
        return f"{self.human_name} on {self.features}" if self.features else self.human_name

    @property
    def human_name(self) -> str:
        """The estimator in words; the 'logistic' baseline is ridge regression for regression."""
        if self.name == "logistic" and self.task == "regression":
            return "ridge regression"
        return BASELINES[self.name].human_name

    def predict_scores(self, X: np.ndarray | sp.spmatrix | sp.sparray) -> np.ndarray:
        """Scores for ``X`` in the layout of the task.

        Parameters
        ----------
        X : (n, n_features) ndarray or scipy.sparse matrix
            Features built the same way as at fit.

        Returns
        -------
        (n, n_outputs) float64 ndarray
            binary: probabilities of class 0 and 1; multiclass: class probabilities, columns
            ``0..K-1`` (0 for a class absent from training), rows sum to 1; multilabel:
            independent probabilities per label; regression: predictions per target.

        Raises
        ------
        DataError
            If ``X`` does not have ``n_features`` columns.
        """
        X = _check_features(X)
        if X.shape[1] != self.n_features:
            raise DataError(
                f"{self.label}: expected {self.n_features} feature columns as at fit, got "
                f"{X.shape[1]}. Build the features with the same settings (k, length)."
            )
        with threads_for(self.name):
            if not (self.name == "gradient_boosting" and sp.issparse(X)):
                return self._scores(X)
            # Boosting bins dense columns only: densify a block of rows at a time, so a large
            # sparse part never becomes one dense matrix.
            step = max(1, _DENSE_BLOCK_CELLS // max(1, X.shape[1]))
            blocks = [self._scores(X[i : i + step].toarray()) for i in range(0, X.shape[0], step)]
            return np.concatenate(blocks) if blocks else np.zeros((0, self.n_outputs))

    def _scores(self, X: Any) -> np.ndarray:
        if isinstance(self.estimator, PerLabel):
            return self.estimator.scores(X)
        if self.task == "regression":
            return np.asarray(self.estimator.predict(X), dtype=np.float64).reshape(X.shape[0], -1)
        if self.task == "multilabel":
            return _multilabel_scores(self.estimator, X)
        proba = np.asarray(self.estimator.predict_proba(X), dtype=np.float64)
        out = np.zeros((X.shape[0], self.n_outputs))
        out[:, _classes(self.estimator)] = proba
        return out


def fit_baseline(
    name: BaselineName,
    X: np.ndarray | sp.spmatrix | sp.sparray,
    y: np.ndarray,
    task: TaskName,
    *,
    seed: int = 0,
    class_weight: ClassWeight = "none",
    n_classes: int | None = None,
    features: str = "",
    label_names: Sequence[str] | None = None,
) -> Baseline:
    """Fit a baseline on a feature matrix.

    Parameters
    ----------
    name : {'logistic', 'random_forest', 'gradient_boosting'}
        The baseline (:data:`BASELINES`).
    X : (n, d) ndarray or scipy.sparse matrix
        Features, e.g. from :func:`biodl.data.kmers.sequence_features`. Sparse input stays
        sparse for the logistic baseline.
    y : (n,) int, (n, K) int or (n, T) float
        Targets in the layout of ``task`` (see :mod:`biodl.data.targets`).
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    seed : int, default 0
        Random state of the estimator; the same seed and data give the same scores.
    class_weight : {'none', 'balanced'}, default 'none'
        ``'balanced'`` weights classes inversely to their frequency (classification only;
        ignored for regression).
    n_classes : int, optional
        Multiclass: the number of classes K (default ``y.max() + 1``), so that score columns
        stay aligned with codes ``0..K-1`` when a class is absent from the training data.
    features : str, default ""
        What the features are, for :attr:`Baseline.label`.
    label_names : sequence of str, optional
        Multilabel: label column names, used in error messages.

    Returns
    -------
    Baseline
        The fitted baseline.

    Raises
    ------
    ConfigError
        If ``name``, ``task`` or ``class_weight`` is not a valid option.
    DataError
        If ``X`` and ``y`` disagree in shape, ``y`` does not follow the layout of ``task``, or
        a label has a single class in the training data.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> y = X[:, :1] * 2.0
    >>> fit_baseline("logistic", X, y, "regression").predict_scores(X[:2]).shape
    (2, 1)
    """
    if missing_entries(y, task):
        per_label = fit_per_label(
            lambda X_k, y_k, single: fit_baseline(
                name, X_k, y_k, single, seed=seed, class_weight=class_weight
            ),
            X,
            y,
            task,
            label_names,
        )
        return Baseline(name, per_label, task, y.shape[1], per_label.n_features, features)
    X, y, n_outputs = check_baseline_inputs(name, X, y, task, class_weight, n_classes, label_names)
    X = _dense_for(name, X)
    weight = "balanced" if class_weight == "balanced" else None
    estimator = _BUILDERS[name](task, seed, weight)
    if task == "regression" and name != "logistic" and y.shape[1] == 1:
        if isinstance(estimator, MultiOutputRegressor):
            estimator = estimator.estimator
        y = y[:, 0]
    with threads_for(name):
        estimator.fit(X, y)
    return Baseline(
        name=name,
        estimator=estimator,
        task=task,
        n_outputs=n_outputs,
        n_features=X.shape[1],
        features=features,
    )


class PerLabel:
    """Missing labels: one single-output baseline per label (target) column, each fitted on
    the rows where that column is observed (scikit-learn's multi-output models take no NaN);
    scores are predicted for every row.

    Parameters
    ----------
    members : list of Baseline
        One per column: binary for a multilabel column, one target for regression.
    """

    def __init__(self, members: list[Baseline]):
        self.members = members
        #: The fitted estimators, as scikit-learn's multi-output wrappers name them.
        self.estimators_ = [m.estimator for m in members]
        self.n_features = members[0].n_features

    def scores(self, X: Any) -> np.ndarray:
        """(n, K) positive-class probabilities or predictions, one column per member."""
        return np.column_stack([m._scores(X)[:, -1] for m in self.members])


def missing_entries(y: np.ndarray, task: str) -> bool:
    """Whether multilabel or multi-target targets ``y`` hold missing labels (NaN)."""
    y = np.asarray(y)
    return (
        task in ("multilabel", "regression")
        and y.ndim == 2
        and y.dtype.kind == "f"
        and bool(np.isnan(y).any())
    )


def fit_per_label(
    fit_one: Any,
    X: Any,
    y: np.ndarray,
    task: TaskName,
    label_names: Sequence[str] | None = None,
) -> PerLabel:
    """Fit ``fit_one(X_k, y_k, task_k) -> Baseline`` per column of ``y`` on its observed rows.

    Parameters
    ----------
    fit_one : callable
        Fits one single-output baseline (``task_k`` is 'binary' for a multilabel column,
        'regression' with ``y_k`` of shape ``(m, 1)`` for a target).
    X : (n, d) ndarray or sparse matrix
    y : (n, K) float with NaN
    task : {'multilabel', 'regression'}
    label_names : sequence of str, optional
        Column names for error messages.

    Raises
    ------
    DataError
        Naming the label when its observed training rows do not allow a fit (one class).
    """
    X = _check_features(X)
    if len(y) != X.shape[0]:
        raise DataError(
            f"{task} baseline: expected y with {X.shape[0]} rows (one per feature row), got "
            f"{len(y)}. Pass targets in the layout of biodl.data.targets."
        )
    members = []
    for k in range(y.shape[1]):
        rows = np.flatnonzero(np.isfinite(y[:, k]))
        label = label_names[k] if label_names is not None else str(k)
        y_k = y[rows, k]
        single: TaskName = "binary" if task == "multilabel" else "regression"
        try:
            fitted = fit_one(
                X[rows], y_k.astype(np.int64) if task == "multilabel" else y_k[:, None], single
            )
        except DataError as err:
            raise DataError(f"label '{label}' ({len(rows)} observed rows): {err}") from err
        members.append(fitted)
    return PerLabel(members)


def _logistic(task: TaskName, seed: int, weight: str | None) -> Pipeline:
    if task == "regression":
        return make_pipeline(MaxAbsScaler(), RidgeCV(alphas=RIDGE_ALPHAS, alpha_per_target=True))
    model = LogisticRegression(
        C=LOGISTIC_C, max_iter=LOGISTIC_MAX_ITER, class_weight=weight, random_state=seed
    )
    if task == "multilabel":
        return make_pipeline(MaxAbsScaler(), OneVsRestClassifier(model))
    return make_pipeline(MaxAbsScaler(), model)


def _forest(task: TaskName, seed: int, weight: str | None) -> Any:
    if task == "regression":
        return RandomForestRegressor(n_estimators=FOREST_TREES, n_jobs=1, random_state=seed)
    return RandomForestClassifier(
        n_estimators=FOREST_TREES, n_jobs=1, random_state=seed, class_weight=weight
    )


def _boosting(task: TaskName, seed: int, weight: str | None) -> Any:
    if task == "regression":
        # A single target is fitted directly (see fit_baseline); several get one model each.
        return MultiOutputRegressor(
            HistGradientBoostingRegressor(
                max_iter=BOOSTING_ROUNDS, learning_rate=BOOSTING_RATE, random_state=seed
            )
        )
    model = HistGradientBoostingClassifier(
        max_iter=BOOSTING_ROUNDS,
        learning_rate=BOOSTING_RATE,
        class_weight=weight,
        random_state=seed,
    )
    return OneVsRestClassifier(model) if task == "multilabel" else model


def check_baseline_inputs(
    name: str,
    X: Any,
    y: np.ndarray,
    task: TaskName,
    class_weight: str,
    n_classes: int | None,
    label_names: Sequence[str] | None,
) -> tuple[Any, np.ndarray, int]:
    """Validate the options, features and targets of a baseline fit (as :func:`fit_baseline`).

    Returns the features (CSR or float64 array), the targets in the layout of ``task`` (2-D
    for multilabel and regression) and the number of score columns.
    """
    _check_options(name, task, class_weight)
    X = _check_features(X)
    y, n_outputs = _check_targets(X, y, task, n_classes, label_names)
    return X, y, n_outputs


def threads_for(name: str) -> Any:
    """Histogram boosting's OpenMP loops oversubscribe small shared machines badly (10x slower
    on 2 busy cores); it gets half the cores, the other baselines keep the defaults."""
    limit = max(1, (os.cpu_count() or 2) // 2) if name == "gradient_boosting" else None
    return threadpool_limits(limit, user_api="openmp")


def _dense_for(name: str, X: Any) -> Any:
    """Gradient boosting bins dense columns only; sparse input is densified for it."""
    return X.toarray() if name == "gradient_boosting" and sp.issparse(X) else X


_BUILDERS = {"logistic": _logistic, "random_forest": _forest, "gradient_boosting": _boosting}


def _classes(estimator: Any) -> np.ndarray:
    """Class codes of the columns of ``predict_proba`` (single-output classifiers)."""
    return np.asarray(estimator.classes_, dtype=np.int64)


def _multilabel_scores(estimator: Any, X: Any) -> np.ndarray:
    proba = estimator.predict_proba(X)
    if isinstance(proba, list):
        # Multi-output random forest: one (n, 2) array per label, columns = classes_ [0, 1].
        return np.stack([p[:, 1] for p in proba], axis=1).astype(np.float64)
    return np.asarray(proba, dtype=np.float64)


def _check_options(name: str, task: str, class_weight: str) -> None:
    if name not in BASELINES:
        raise ConfigError(
            f"baseline: '{name}' is not a baseline (valid: {', '.join(BASELINES)}). "
            "Choose one of those."
        )
    if task not in TASKS:
        raise ConfigError(
            f"task: '{task}' is not a task (valid: {', '.join(TASKS)}). Choose one of those."
        )
    if class_weight not in CLASS_WEIGHTS:
        raise ConfigError(
            f"class_weight: '{class_weight}' is not valid (valid: {', '.join(CLASS_WEIGHTS)}). "
            "Choose one of those."
        )


def _check_features(X: Any) -> Any:
    X = sp.csr_matrix(X) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise DataError(
            f"baseline features: expected a 2-D (examples, features) matrix, got shape "
            f"{X.shape}. Reshape to one row per example."
        )
    data = X.data if sp.issparse(X) else X
    if not np.isfinite(data).all():
        raise DataError(
            "baseline features: the matrix contains NaN or infinite values. Impute or drop "
            "those values first."
        )
    return X


def _check_targets(
    X: Any,
    y: np.ndarray,
    task: TaskName,
    n_classes: int | None,
    label_names: Sequence[str] | None,
) -> tuple[np.ndarray, int]:
    """Validate ``y`` for ``task``; return it (2-D for multilabel / regression) and n_outputs."""
    y = np.asarray(y)
    if task in ("binary", "multiclass") and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if task == "regression" and y.ndim == 1:
        y = y[:, None]
    want = 1 if task in ("binary", "multiclass") else 2
    if y.ndim != want or len(y) != X.shape[0]:
        raise DataError(
            f"{task} baseline: expected y of {want} dimension(s) with {X.shape[0]} rows (one "
            f"per feature row), got shape {y.shape}. Pass targets in the layout of "
            "biodl.data.targets."
        )
    if task == "regression":
        y = y.astype(np.float64)
        if not np.isfinite(y).all():
            raise DataError(
                "regression baseline: y contains NaN or infinite values. Drop those examples."
            )
        return y, y.shape[1]
    y = y.astype(np.int64)
    if task == "multilabel":
        _check_labels(y, label_names)
        return y, y.shape[1]
    n_codes = 2 if task == "binary" else (n_classes if n_classes is not None else y.max() + 1)
    if y.min() < 0 or y.max() >= n_codes:
        raise DataError(
            f"{task} baseline: expected class codes in 0..{n_codes - 1}, got values from "
            f"{y.min()} to {y.max()}. Encode labels with biodl.data.targets first."
        )
    present = np.unique(y)
    if len(present) < 2:
        raise DataError(
            f"{task} baseline: the training labels hold only class {present[0]} "
            f"({len(y)} examples); a classifier needs at least two classes. Check the label "
            "column, or use a split whose training part contains every class."
        )
    return y, int(n_codes)


def _check_labels(y: np.ndarray, label_names: Sequence[str] | None) -> None:
    if y.min() < 0 or y.max() > 1:
        raise DataError(
            f"multilabel baseline: expected 0/1 values in y, got values from {y.min()} to "
            f"{y.max()}. Encode labels with biodl.data.targets first."
        )
    positives = y.sum(axis=0)
    single = np.flatnonzero((positives == 0) | (positives == len(y)))
    if single.size:
        k = int(single[0])
        label = f"'{label_names[k]}'" if label_names is not None else f"{k}"
        only = "negative" if positives[k] == 0 else "positive"
        raise DataError(
            f"multilabel baseline: label {label} is {only} for all {len(y)} training examples; "
            "a classifier needs both values. Drop that label column or use a split whose "
            "training part contains both."
        )
