"""The classical baseline panel: three models fitted on the same features, the best one chosen.

A deep model should be compared with the strongest simple model, not with one that happens to
be the default. :func:`fit_member` fits one model of the panel (:data:`PANEL`) on a feature
matrix with settings that keep its cost bounded:

- ``logistic``: features scaled by their maximum absolute value, then L2-regularised logistic
  regression whose strength ``C`` is chosen from :data:`C_GRID` by stratified
  :data:`INNER_FOLDS`-fold cross-validation (log loss) on the training rows only (at most
  :data:`INNER_MAX_ROWS` of them, :func:`inner_strength`); ridge regression with its strength
  chosen by leave-one-out over :data:`RIDGE_GRID` for regression.
- ``random_forest``: :data:`FOREST_TREES` trees, one thread.
- ``gradient_boosting``: histogram gradient-boosted trees, at most :data:`BOOSTING_ROUNDS`
  rounds at learning rate :data:`BOOSTING_RATE`, stopped early on a tenth of the training rows.

Each model sees the columns that vary in its training rows (:func:`varying_columns`). The tree
models need dense input: callers (:mod:`biodl.pipeline.baselines`) give them a stratified
subsample of at most :func:`tree_rows` rows when the training part is large, and the linear
model at most :data:`LINEAR_MAX_ROWS` rows (:func:`stratified_subsample`), so memory stays
bounded whatever the number of examples. :func:`best_member` picks the model with the best
validation score.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(90, 4))
>>> y = (X[:, 0] > 0).astype(np.int64)
>>> fit = fit_member("logistic", X, y, "binary")
>>> fit.baseline.predict_scores(X[:2]).shape
(2, 2)
>>> best_member({"logistic": 0.81, "random_forest": 0.90, "gradient_boosting": 0.88})
'random_forest'
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import VarianceThreshold
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler
from threadpoolctl import threadpool_limits

from biodl.data.targets import TaskName
from biodl.evaluation.baselines import (
    Baseline,
    BaselineName,
    ClassWeight,
    check_baseline_inputs,
    fit_per_label,
    missing_entries,
    threads_for,
)

__all__ = [
    "BOOSTING_BINS",
    "BOOSTING_RATE",
    "BOOSTING_ROUNDS",
    "C_GRID",
    "FOREST_TREES",
    "INNER_FOLDS",
    "INNER_MAX_ROWS",
    "LINEAR_MAX_ROWS",
    "LINEAR_MAX_VALUES",
    "PANEL",
    "RIDGE_GRID",
    "TREE_MAX_CELLS",
    "TREE_MAX_ROWS",
    "MemberFit",
    "PartModel",
    "best_member",
    "fit_member",
    "inner_strength",
    "linear_rows",
    "member_description",
    "stratified_subsample",
    "tree_rows",
    "varying_columns",
]

#: The models of the panel, in the order they are fitted and preferred on a tie.
PANEL: tuple[BaselineName, ...] = ("logistic", "random_forest", "gradient_boosting")
#: Logistic regression strengths tried by the inner cross-validation.
C_GRID: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)
#: Folds of the inner cross-validation (fewer when a class has fewer training examples).
INNER_FOLDS = 3
#: Ridge strengths tried by leave-one-out (regression).
RIDGE_GRID: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
#: Iterations of the logistic regression's solver: the final fit, and each fit of the inner
#: cross-validation (where a large C on separable data would otherwise spend most of the time).
LOGISTIC_MAX_ITER = 500
INNER_MAX_ITER = 100
#: Most training rows the inner cross-validation chooses C on (a stratified subsample above).
INNER_MAX_ROWS = 30_000
#: Trees of the random forest (scikit-learn's default).
FOREST_TREES = 100
#: Most rounds and learning rate of the gradient boosting (early stopping usually ends sooner).
BOOSTING_ROUNDS = 200
BOOSTING_RATE = 0.1
#: Rounds without improvement on the boosting's own tenth of the training rows before it stops.
BOOSTING_PATIENCE = 10
#: Bins per feature of the boosting (63 rather than 255: about 3x faster on ~1,400 k-mer
#: columns, with the same validation score on the nRC training part).
BOOSTING_BINS = 63
#: Most training rows the linear model is fitted on (a stratified subsample above that), and
#: most stored values (non-zeros of sparse features, cells of dense ones) of its matrix: its
#: fit holds a few copies of it (varying columns, scaling, the solver's), ~28 bytes a value.
LINEAR_MAX_ROWS = 100_000
LINEAR_MAX_VALUES = 30_000_000
#: Most training rows the tree models are fitted on, and most cells (rows x features) of the
#: dense matrix they need: a stratified subsample of the linear model's rows above that.
TREE_MAX_ROWS = 30_000
TREE_MAX_CELLS = 60_000_000


@dataclass(frozen=True)
class PartModel:
    """A kind's own classical model in the panel (e.g. 1-NN on the series): it scores parts.

    The panel's models score feature matrices (:class:`Baseline`); a kind's extra baseline
    (:class:`biodl.kinds.ExtraBaseline`) reads the parts themselves, so it is wrapped in this.

    Attributes
    ----------
    name : str
        Its key in the panel, e.g. 'nearest_neighbour'.
    human_name : str
        In words, e.g. '1-NN (Euclidean)'.
    features : str
        What it reads, in words.
    model : object
        The fitted model: ``model.predict_scores(part)`` gives scores in the task's layout.

    Examples
    --------
    >>> class Constant:
    ...     def predict_scores(self, part):
    ...         return np.full((len(part), 2), 0.5)
    >>> m = PartModel("constant", "constant", "nothing", Constant())
    >>> m.predict_part([1, 2, 3]).shape, m.label
    ((3, 2), 'constant on nothing')
    """

    name: str
    human_name: str
    features: str
    model: Any

    @property
    def label(self) -> str:
        """E.g. '1-NN (Euclidean) on the scaled series' (the name alone without features)."""
        return f"{self.human_name} on {self.features}" if self.features else self.human_name

    def predict_part(self, part: Any) -> np.ndarray:
        """Scores on ``part`` (float64, the task's layout)."""
        return np.asarray(self.model.predict_scores(part), dtype=np.float64)


@dataclass(frozen=True)
class MemberFit:
    """One fitted model of the panel.

    Attributes
    ----------
    baseline : Baseline or PartModel
        The fitted model; ``baseline.predict_scores(X)`` scores features built as at fit, or
        for a kind's own model ``baseline.predict_part(part)`` scores the part itself.
    seconds : float
        Wall time of the fit (inner cross-validation included).
    n_fit : int
        Training rows it was fitted on.
    settings : str
        Its settings in words, e.g. ``"C=0.1 chosen by 3-fold cross-validation ..."``.
    """

    baseline: Baseline | PartModel
    seconds: float
    n_fit: int
    settings: str


def member_description(name: BaselineName) -> str:
    """The settings of panel model ``name`` in one phrase (for docs and the report)."""
    if name == "logistic":
        return (
            f"C from {', '.join(f'{c:g}' for c in C_GRID)} by stratified {INNER_FOLDS}-fold "
            "cross-validation (log loss) on the training rows; ridge alpha from "
            f"{', '.join(f'{a:g}' for a in RIDGE_GRID)} by leave-one-out for regression"
        )
    if name == "random_forest":
        return f"{FOREST_TREES} trees"
    return (
        f"at most {BOOSTING_ROUNDS} rounds at learning rate {BOOSTING_RATE:g}, {BOOSTING_BINS} "
        f"bins per feature, stopped after {BOOSTING_PATIENCE} rounds without gain on a tenth "
        "of the training rows"
    )


def linear_rows(values_per_row: float) -> int:
    """Most training rows the linear model is fitted on, for rows of ``values_per_row`` stored
    values each (non-zeros of sparse features).

    Examples
    --------
    >>> linear_rows(20), linear_rows(600)
    (100000, 50000)
    """
    return max(1000, min(LINEAR_MAX_ROWS, int(LINEAR_MAX_VALUES // max(1.0, values_per_row))))


def tree_rows(n_features: int) -> int:
    """Most training rows the tree models are fitted on, for ``n_features`` columns.

    Examples
    --------
    >>> tree_rows(100), tree_rows(2164)
    (30000, 27726)
    """
    return max(1000, min(TREE_MAX_ROWS, TREE_MAX_CELLS // max(1, n_features)))


def stratified_subsample(y: np.ndarray, size: int, task: TaskName, *, seed: int = 0) -> np.ndarray:
    """Sorted row indices of a subsample of ``size`` rows keeping the class shares.

    Parameters
    ----------
    y : (n,) int or (n, K) array
        Targets in the layout of ``task``.
    size : int
        Rows wanted; all rows (``arange(n)``) when ``size >= n``.
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
        Binary and multiclass keep each class's share (at least one row of every class);
        multilabel and regression draw rows uniformly.
    seed : int, default 0

    Returns
    -------
    (m,) int64 ndarray
        Increasing indices, ``m`` within a few rows of ``size`` (rounding per class).

    Examples
    --------
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> rows = stratified_subsample(y, 20, "binary")
    >>> len(rows), int(y[rows].sum())
    (20, 2)
    """
    n = len(y)
    if size >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    if task not in ("binary", "multiclass"):
        return np.sort(rng.choice(n, size=size, replace=False))
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    want = np.maximum(1, np.round(counts * size / n).astype(np.int64))
    picked = [
        rng.choice(np.flatnonzero(inverse == c), size=min(int(w), int(k)), replace=False)
        for c, (w, k) in enumerate(zip(want, counts, strict=True))
    ]
    return np.sort(np.concatenate(picked))


def best_member(values: Mapping[str, float | None]) -> str:
    """The name with the highest value; NaN and None count as worst, ties go to the first.

    Examples
    --------
    >>> best_member({"logistic": float("nan"), "random_forest": None})
    'logistic'
    """
    names = list(values)
    scored = [
        (v if v is not None and np.isfinite(v) else -np.inf, -i)
        for i, v in enumerate(values.values())
    ]
    return names[max(range(len(names)), key=lambda i: scored[i])]


def fit_member(
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
) -> MemberFit:
    """Fit panel model ``name`` on all rows of ``X`` (subsample large data first).

    Parameters
    ----------
    name : {'logistic', 'random_forest', 'gradient_boosting'}
    X : (n, d) ndarray or scipy.sparse matrix
        Features; sparse input stays sparse for the logistic regression and is made dense
        (float32) for the tree models, so pass at most :func:`tree_rows` rows to those.
    y : (n,) int, (n, K) int or (n, T) float
        Targets in the layout of ``task`` (see :mod:`biodl.data.targets`).
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    seed : int, default 0
        Seeds the estimators and the inner cross-validation's folds.
    class_weight : {'none', 'balanced'}, default 'none'
    n_classes : int, optional
        Multiclass: the number of classes K (score columns stay aligned with codes).
    features : str, default ""
        What the features are, for :attr:`Baseline.label`.
    label_names : sequence of str, optional
        Multilabel: label names for error messages.

    Returns
    -------
    MemberFit

    Raises
    ------
    ConfigError
        If ``name``, ``task`` or ``class_weight`` is not a valid option.
    DataError
        As :func:`biodl.evaluation.baselines.fit_baseline`.
    """
    if missing_entries(y, task):
        return _fit_member_per_label(name, X, y, task, seed, class_weight, features, label_names)
    checked = check_baseline_inputs(name, X, y, task, class_weight, n_classes, label_names)
    X, y, n_outputs = checked
    weight = "balanced" if class_weight == "balanced" else None
    start = time.perf_counter()
    if name == "logistic":
        # One BLAS thread: the solver's many small steps are up to 15x slower with threads
        # waiting on each other on a busy machine, and sparse products use one thread anyway.
        with threadpool_limits(1, user_api="blas"):
            estimator, settings = _linear(X, y, task, seed, weight)
    else:
        estimator, settings = _trees(name, X, y, task, seed, weight)
    seconds = time.perf_counter() - start
    baseline = Baseline(
        name=name,
        estimator=estimator,
        task=task,
        n_outputs=n_outputs,
        n_features=X.shape[1],
        features=features,
    )
    return MemberFit(baseline, seconds, X.shape[0], settings)


def _fit_member_per_label(
    name: BaselineName,
    X: Any,
    y: np.ndarray,
    task: TaskName,
    seed: int,
    class_weight: ClassWeight,
    features: str,
    label_names: Sequence[str] | None,
) -> MemberFit:
    """Missing labels: one panel model per label on its observed rows (:class:`PerLabel`)."""
    fits: list[MemberFit] = []

    def one(X_k: Any, y_k: np.ndarray, single: TaskName) -> Any:
        fits.append(fit_member(name, X_k, y_k, single, seed=seed, class_weight=class_weight))
        return fits[-1].baseline  # a Baseline: fit_member never returns a kind's own model

    per_label = fit_per_label(one, X, y, task, label_names)
    names = label_names if label_names is not None else [str(k) for k in range(y.shape[1])]
    settings = "one model per label on its observed rows: " + "; ".join(
        f"{label}: {fit.settings}" for label, fit in zip(names, fits, strict=True)
    )
    baseline = Baseline(name, per_label, task, y.shape[1], per_label.n_features, features)
    return MemberFit(baseline, sum(f.seconds for f in fits), X.shape[0], settings)


def _trees(
    name: BaselineName, X: Any, y: np.ndarray, task: TaskName, seed: int, weight: str | None
) -> tuple[Any, str]:
    """A tree model on the columns that vary in the training rows, fitted on dense input.

    Constant columns (k-mers never seen, the one-hot of positions that never change) cannot be
    split on; dropping them first makes forests and boosting several times faster on wide
    sparse features, and the dense matrix smaller.
    """
    selector, X_used = varying_columns(X)
    if sp.issparse(X_used):
        # Each tree model's working dtype, so that it makes no second dense copy.
        X_used = X_used.astype(np.float32 if name == "random_forest" else np.float64).toarray()
    if name == "random_forest":
        model = _forest(task, seed, weight)
    else:
        model = _boosting(task, seed, weight, stop_early=_can_stop_early(y, task))
    if task == "regression" and y.shape[1] == 1:
        if isinstance(model, MultiOutputRegressor):
            model = model.estimator
        y = y[:, 0]
    with threads_for(name):
        model.fit(X_used, y)
    settings = _tree_settings(name, model, task, X_used.shape[0])
    if selector is None:
        return model, settings
    return Pipeline([("drop_constant", selector), ("model", model)]), settings + _kept(X_used, X)


def varying_columns(X: Any) -> tuple[VarianceThreshold | None, Any]:
    """A fitted selector of the columns of ``X`` that are not constant, and ``X`` reduced to
    them; ``(None, X)`` when every column varies (or none does: nothing to choose from)."""
    selector = VarianceThreshold()
    try:
        selector.fit(X)
    except ValueError:  # every column is constant
        return None, X
    if selector.get_support().all():
        return None, X
    return selector, selector.transform(X)


def _kept(used: Any, X: Any) -> str:
    return f"; on the {used.shape[1]:,} of {X.shape[1]:,} columns that vary in the training rows"


def _linear(X: Any, y: np.ndarray, task: TaskName, seed: int, weight: str | None) -> Any:
    """Scaled linear model with its strength chosen by inner cross-validation on ``X`` only.

    Constant columns are dropped first: they carry nothing, and leave-one-out ridge works on
    the smaller of rows and columns (GB1 one-hot: ~500 of ~5,700 columns vary). The features
    are scaled once; the strength is chosen on at most :data:`INNER_MAX_ROWS` of the rows
    (a stratified subsample), so the inner cross-validation's copies stay small.
    """
    selector, X_used = varying_columns(X)
    steps: list[tuple[str, Any]] = [("drop_constant", selector)] if selector is not None else []
    kept = _kept(X_used, X) if selector is not None else ""
    scaler = MaxAbsScaler().fit(X_used)
    X_used = scaler.transform(X_used)
    steps.append(("maxabsscaler", scaler))
    if task == "regression":
        ridge = RidgeCV(alphas=RIDGE_GRID, alpha_per_target=True).fit(X_used, y)
        alpha = ", ".join(f"{a:g}" for a in np.atleast_1d(ridge.alpha_))
        settings = f"ridge alpha={alpha} chosen by leave-one-out on the training rows"
        return Pipeline([*steps, ("model", ridge)]), settings + kept
    rows = stratified_subsample(y, INNER_MAX_ROWS, task, seed=seed)
    with warnings.catch_warnings():
        # Large C on separable data stops at the iteration limit; the inner cross-validation
        # scores that fit as it is, so the warning says nothing the user can act on.
        warnings.simplefilter("ignore", ConvergenceWarning)
        inner = X_used if len(rows) == len(y) else X_used[rows]
        C, folds = inner_strength(inner, y[rows], task, seed=seed, class_weight=weight)
        del inner
        model = _logistic(task, C, seed, weight).fit(X_used, y)
    pipeline = Pipeline([*steps, ("model", model)])
    if folds < 2:
        how = "C=1 (a class has a single training example: no inner cross-validation)"
        return pipeline, how + kept
    on = (
        "the training rows"
        if len(rows) == len(y)
        else f"{len(rows):,} of the training rows (stratified subsample)"
    )
    return pipeline, f"C={C:g} chosen by {folds}-fold cross-validation (log loss) on {on}" + kept


def _logistic(
    task: TaskName, C: float, seed: int, weight: str | None, max_iter: int = LOGISTIC_MAX_ITER
) -> Any:
    model = LogisticRegression(C=C, max_iter=max_iter, class_weight=weight, random_state=seed)
    return OneVsRestClassifier(model) if task == "multilabel" else model


def inner_strength(
    X: Any, y: np.ndarray, task: TaskName, *, seed: int = 0, class_weight: str | None = None
) -> tuple[float, int]:
    """The logistic regression strength C of :data:`C_GRID` with the lowest inner-CV log loss.

    Parameters
    ----------
    X : (n, d) ndarray or sparse matrix
        Training features only, as the model sees them (scaled): the choice never sees
        validation or test data.
    y : (n,) int or (n, K) int
        Class codes (binary, multiclass) or 0/1 labels (multilabel).
    task : {'binary', 'multiclass', 'multilabel'}
    seed : int, default 0
        Shuffles the folds.
    class_weight : {'balanced'} or None, default None

    Returns
    -------
    C : float
        1.0 when a class (or a label's value) has a single example.
    folds : int
        Folds used: :data:`INNER_FOLDS`, fewer when a class has fewer examples, 1 for none.
        Folds are stratified by class (multilabel: plain k-fold).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 3))
    >>> y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(np.int64)
    >>> C, folds = inner_strength(X, y, "binary")
    >>> C in C_GRID, folds
    (True, 3)
    """
    y = y.astype(np.int64)
    if task == "multilabel":
        fewest = min(int(np.bincount(c, minlength=2).min()) for c in y.T)
    else:
        fewest = int(np.bincount(y)[np.unique(y)].min())
    folds = min(INNER_FOLDS, fewest)
    if folds < 2:
        return 1.0, 1
    splitter: Any = (
        KFold(folds, shuffle=True, random_state=seed)
        if task == "multilabel"
        else StratifiedKFold(folds, shuffle=True, random_state=seed)
    )
    splits = list(splitter.split(np.zeros(len(y)), y))
    if task == "multilabel" and any(
        (y[train].min(axis=0) == y[train].max(axis=0)).any() for train, _ in splits
    ):
        return 1.0, 1  # a label is constant in a fold's training rows: no fair choice
    losses = np.zeros(len(C_GRID))
    for train, held in splits:
        X_train, X_held = X[train], X[held]
        model = _logistic(task, C_GRID[0], seed, class_weight, INNER_MAX_ITER)
        for j, C in enumerate(C_GRID):
            if task == "multilabel":
                model.set_params(estimator__C=C)
            else:  # each strength starts from the previous one's solution
                model.set_params(C=C, warm_start=True)
            model.fit(X_train, y[train])
            losses[j] += _log_loss(model, X_held, y[held], task)
        del X_train, X_held
    return float(C_GRID[int(np.argmin(losses))]), folds


def _log_loss(model: Any, X: Any, y: np.ndarray, task: TaskName) -> float:
    proba = np.clip(np.asarray(model.predict_proba(X), dtype=np.float64), 1e-15, 1 - 1e-15)
    if task == "multilabel":
        return float(-np.mean(y * np.log(proba) + (1 - y) * np.log(1 - proba)))
    rows = np.searchsorted(model.classes_, y)
    return float(-np.mean(np.log(proba[np.arange(len(y)), rows])))


def _forest(task: TaskName, seed: int, weight: str | None) -> Any:
    if task == "regression":
        return RandomForestRegressor(n_estimators=FOREST_TREES, n_jobs=1, random_state=seed)
    return RandomForestClassifier(
        n_estimators=FOREST_TREES, n_jobs=1, random_state=seed, class_weight=weight
    )


def _can_stop_early(y: np.ndarray, task: TaskName) -> bool:
    """Whether the boosting's tenth of the training rows holds every class (>= 10 of each)."""
    if task == "regression":
        return len(y) >= 100
    columns = y if task == "multilabel" else y[:, None]
    counts = [np.bincount(c.astype(np.int64), minlength=2) for c in columns.T]
    return min(int(c[c > 0].min()) if task != "multilabel" else int(c.min()) for c in counts) >= 10


def _boosting(task: TaskName, seed: int, weight: str | None, *, stop_early: bool) -> Any:
    common: dict[str, Any] = {
        "max_iter": BOOSTING_ROUNDS,
        "learning_rate": BOOSTING_RATE,
        "early_stopping": stop_early,
        "validation_fraction": 0.1,
        "n_iter_no_change": BOOSTING_PATIENCE,
        "max_bins": BOOSTING_BINS,
        "random_state": seed,
    }
    if task == "regression":
        return MultiOutputRegressor(HistGradientBoostingRegressor(**common))
    model = HistGradientBoostingClassifier(class_weight=weight, **common)
    return OneVsRestClassifier(model) if task == "multilabel" else model


def _tree_settings(name: BaselineName, estimator: Any, task: TaskName, rows: int) -> str:
    if name == "random_forest":
        return f"{FOREST_TREES} trees"
    models = getattr(estimator, "estimators_", [estimator])
    rounds = ", ".join(str(int(m.n_iter_)) for m in models)
    stopped = " (early stopping)" if models[0].early_stopping else ""
    # scikit-learn holds out ceil(10%) of the rows for early stopping; a split needs
    # min_samples_leaf rows on each side, so fewer than twice that leave every tree one leaf
    fitted = rows - math.ceil(0.1 * rows) if models[0].early_stopping else rows
    leaf = int(models[0].min_samples_leaf)
    constant = (
        f"; no tree could split (each leaf needs {leaf} rows, {fitted} were fitted on), so it "
        "predicts the same for every example"
        if fitted < 2 * leaf
        else ""
    )
    return f"{rounds} rounds at learning rate {BOOSTING_RATE:g}{stopped}{constant}"
