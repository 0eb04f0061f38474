"""Fit a run's classical baseline on the kind's features of the training part, and score with it.

:func:`fit_baseline_for` is the one way train, cv (each fold) and ``--seeds`` fit the baseline:

- ``--baseline auto`` (the default) fits the panel of :mod:`biodl.evaluation.panel` (logistic or
  ridge regression with its strength chosen by inner cross-validation, a random forest,
  histogram gradient boosting) and the kind's own classical models
  (:meth:`biodl.kinds.Kind.extra_baselines`, e.g. 1-nearest-neighbour for time series), all on
  the same training rows, and keeps the best on the validation part by the task's primary
  metric. Without a validation part a stratified fifth of the training part is held out to
  choose, and the chosen model is then refitted on the whole training part.
- ``--baseline logistic|random_forest|gradient_boosting`` fits that model of the panel alone.
- ``--baseline fast`` fits biodl's earlier single baseline (logistic regression, C=1) on the
  earlier features (one k), and gives the numbers of runs made before the panel.

Features are built for at most :data:`ROW_BLOCK` examples at a time when scoring, and the
models are fitted on bounded stratified subsamples of large training parts, so memory does not
grow with the number of examples (``benchmarks/bench_baseline_memory.py``).

Examples
--------
>>> ROW_BLOCK
50000
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from biodl.config import RunConfig
from biodl.data.prepared import PreparedData
from biodl.evaluation.baselines import Baseline, fit_baseline
from biodl.evaluation.importance import FeatureImportance, feature_importance
from biodl.evaluation.metrics import compute_metrics, primary_metric
from biodl.evaluation.panel import (
    LINEAR_MAX_ROWS,
    PANEL,
    MemberFit,
    PartModel,
    best_member,
    fit_member,
    linear_rows,
    stratified_subsample,
    tree_rows,
)
from biodl.evaluation.panel_results import BaselinePanel, PanelMember
from biodl.kinds import ExtraBaseline, Features

__all__ = [
    "HOLDOUT_SHARE",
    "ROW_BLOCK",
    "FittedBaseline",
    "fit_baseline_for",
    "panel_results",
]

#: Examples whose features are built at once when scoring a part.
ROW_BLOCK = 50_000
#: Training rows whose features measure the values stored per row (the linear model's budget).
PROBE_ROWS = 1_000
#: Without a validation part, the share of the training part held out to choose the baseline.
HOLDOUT_SHARE = 0.2


@dataclass
class FittedBaseline:
    """The run's baseline, its features and, for the panel, every model fitted.

    Attributes
    ----------
    baseline : Baseline or PartModel
        The baseline of the verdict (the chosen model of the panel, which may be one of the
        kind's own models).
    features : Features
        ``features(part) -> X``, fitted on the training part.
    seconds : float
        Wall time of fitting and choosing (features of the training rows included).
    members : dict of str to MemberFit
        The panel's models by key (empty for ``--baseline fast``).
    selection : str or None
        Where the model was chosen ('valid' or 'train-holdout'); None without a choice.
    selection_scores : dict of str to ndarray
        Each member's scores on the selection part.
    selection_y : ndarray or None
        The selection part's targets.
    """

    baseline: Baseline | PartModel
    features: Features
    seconds: float
    members: dict[str, MemberFit] = field(default_factory=dict)
    selection: str | None = None
    selection_scores: dict[str, np.ndarray] = field(default_factory=dict)
    selection_y: np.ndarray | None = None

    @property
    def chosen(self) -> str:
        """Key of the baseline ('logistic', 'random_forest', 'gradient_boosting', or the key
        of one of the kind's own models, e.g. 'nearest_neighbour')."""
        return self.baseline.name

    @property
    def features_description(self) -> str:
        """What the baseline of the verdict reads, in words."""
        if isinstance(self.baseline, PartModel):
            return self.baseline.features
        return self.features.description

    def predict(self, part: Any) -> np.ndarray:
        """The baseline's scores on ``part`` (layout of the task), built block by block."""
        return _predict({self.chosen: self.baseline}, self.features, part)[self.chosen]

    def importance(self) -> FeatureImportance | None:
        """Coefficients or importances per feature column: of the verdict's baseline, else of
        the first panel model that has them (gradient boosting has none); None without any."""
        candidates = [self.baseline] + [m.baseline for m in self.members.values()]
        for model in candidates:
            if isinstance(model, PartModel):  # a kind's own model (1-NN): no feature columns
                continue
            found = feature_importance(model)
            if found is not None:
                return found
        return None

    def predict_members(self, part: Any, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        """Scores of the panel's models ``keys`` (default all) on ``part``, by key."""
        wanted = list(self.members) if keys is None else keys
        return _predict({k: self.members[k].baseline for k in wanted}, self.features, part)


def _predict(
    models: dict[str, Baseline | PartModel], features: Features, part: Any
) -> dict[str, np.ndarray]:
    """Scores of each model on ``part``, the features built once per block of examples (and
    only when a model reads them: a kind's own models read the block itself)."""
    out: dict[str, list[np.ndarray]] = {k: [] for k in models}
    on_features = any(isinstance(m, Baseline) for m in models.values())
    for block in row_blocks(part):
        X = features(block) if on_features else None
        for key, model in models.items():
            if isinstance(model, PartModel):
                out[key].append(model.predict_part(block))
            else:
                out[key].append(model.predict_scores(X))
    return {k: np.concatenate(v) if len(v) > 1 else v[0] for k, v in out.items()}


def subsample_line(fitted: FittedBaseline, n_train: int) -> str:
    """The progress line that says which panel models were fitted on a training subsample
    ("" when every model saw every training row).

    Examples
    --------
    >>> from biodl.evaluation.panel import MemberFit
    >>> fitted = FittedBaseline(None, None, 0.0, {"logistic": MemberFit(None, 1.0, 500, "")})
    >>> subsample_line(fitted, 2000)
    'baseline panel fitted on stratified subsamples of the 2,000 training rows: logistic 500'
    """
    fewer = [f"{key} {m.n_fit:,}" for key, m in fitted.members.items() if m.n_fit < n_train]
    if not fewer:
        return ""
    return (
        f"baseline panel fitted on stratified subsamples of the {n_train:,} training rows: "
        + ", ".join(fewer)
    )


def row_blocks(part: Any, size: int = ROW_BLOCK) -> Iterator[Any]:
    """``part`` itself when small, else consecutive subsets of ``size`` examples."""
    n = len(part)
    if n <= size:
        yield part
        return
    for start in range(0, n, size):
        yield part.subset(np.arange(start, min(start + size, n)))


def fit_baseline_for(cfg: RunConfig, prepared: PreparedData) -> FittedBaseline:
    """Fit the baseline of ``cfg.baseline.name`` on the training part with the kind's features.

    See the module docstring for what each ``--baseline`` value fits.
    """
    from biodl.kinds import get_kind

    start = time.perf_counter()
    features = get_kind(prepared.kind).baseline_features(cfg, prepared)
    name = cfg.baseline.name
    if name == "fast":
        baseline = _fit_fast(cfg, prepared, features)
        return FittedBaseline(baseline, features, time.perf_counter() - start)
    keys: list[str] = list(PANEL) if name == "auto" else [name]
    train, y = prepared.part("train"), prepared.y["train"]
    assert y is not None
    task, seed = prepared.targets.task, cfg.train.seed
    everything = np.arange(len(train))
    selection: str | None = None
    choose_on, choose_y = None, None
    fit_rows = everything
    if len(keys) > 1:
        if "valid" in prepared.present():
            selection, choose_on, choose_y = "valid", prepared.part("valid"), prepared.y["valid"]
        else:
            fit_rows, held = _holdout(y, task, seed)
            selection, choose_on, choose_y = "train-holdout", train.subset(held), y[held]
    members = _fit_members(cfg, prepared, features, keys, fit_rows)
    extras = _kind_extras(cfg, prepared) if name == "auto" else {}
    members.update(_fit_extras(prepared, extras, fit_rows))
    fitted = FittedBaseline(members[keys[0]].baseline, features, 0.0, members, selection)
    if choose_on is not None and choose_y is not None:
        _choose(fitted, choose_on, choose_y, task)
        if selection == "train-holdout":  # refit the chosen model on the whole training part
            chosen = fitted.chosen
            if chosen in extras:
                refit = _fit_extras(prepared, {chosen: extras[chosen]}, everything)[chosen]
            else:
                refit = _fit_members(cfg, prepared, features, [chosen], everything)[chosen]
            fitted.baseline = refit.baseline
            members[chosen] = MemberFit(
                refit.baseline,
                members[chosen].seconds + refit.seconds,
                refit.n_fit,
                refit.settings + " (refitted on the whole training part after the choice)",
            )
    fitted.seconds = time.perf_counter() - start
    return fitted


def _kind_extras(cfg: RunConfig, prepared: PreparedData) -> dict[str, ExtraBaseline]:
    """The kind's own classical models (:meth:`biodl.kinds.Kind.extra_baselines`) by key."""
    from biodl.kinds import get_kind

    extras = get_kind(prepared.kind).extra_baselines(cfg, prepared)
    return {extra.panel_key: extra for extra in extras if extra.panel_key not in PANEL}


def _fit_extras(
    prepared: PreparedData, extras: dict[str, ExtraBaseline], rows: np.ndarray
) -> dict[str, MemberFit]:
    """Fit the kind's own models on the training ``rows`` (the panel's rows), as members."""
    if not extras:
        return {}
    train, y_all = prepared.part("train"), prepared.y["train"]
    assert y_all is not None
    part = train if len(rows) == len(train) else train.subset(rows)
    out = {}
    for key, extra in extras.items():
        start = time.perf_counter()
        model = PartModel(key, extra.name, extra.features, extra.fit(part, y_all[rows]))
        seconds = time.perf_counter() - start
        out[key] = MemberFit(model, seconds, len(rows), extra.settings)
    return out


def _choose(fitted: FittedBaseline, part: Any, y: np.ndarray, task: Any) -> None:
    """Score every member on the selection ``part``; the best by the primary metric becomes
    ``fitted.baseline``."""
    fitted.selection_scores = fitted.predict_members(part)
    fitted.selection_y = y
    metric = primary_metric(task)
    values = {k: compute_metrics(task, y, s)[metric] for k, s in fitted.selection_scores.items()}
    fitted.baseline = fitted.members[best_member(values)].baseline


def _holdout(y: np.ndarray, task: Any, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training rows to fit on and a stratified held-out share to choose on (both sorted)."""
    n = len(y)
    held = stratified_subsample(y, max(1, round(HOLDOUT_SHARE * n)), task, seed=seed + 1)
    if task in ("binary", "multiclass"):  # a class with a single example stays in training
        counts = np.bincount(y.astype(np.int64))
        held = held[counts[y[held]] > 1]
    keep = np.setdiff1d(np.arange(n), held)
    return keep, held


def _fit_members(
    cfg: RunConfig, prepared: PreparedData, features: Features, keys: list[str], rows: np.ndarray
) -> dict[str, MemberFit]:
    """Fit the panel's models ``keys`` on the training ``rows`` (subsampled when many).

    The linear model is fitted first on up to ``LINEAR_MAX_ROWS`` rows (fewer when each row
    stores many values: :func:`~biodl.evaluation.panel.linear_rows`); only then are the
    features cut down to the tree models' rows, so the two never both hold a large copy.
    """
    task, seed = prepared.targets.task, cfg.train.seed
    train, y_all = prepared.part("train"), prepared.y["train"]
    assert y_all is not None
    start = time.perf_counter()
    linear = rows[stratified_subsample(y_all[rows], LINEAR_MAX_ROWS, task, seed=seed)]
    if len(linear) > PROBE_ROWS:  # fewer rows where each row stores many values
        size = linear_rows(_values_per_row(features(train.subset(linear[:PROBE_ROWS]))))
        if size < len(linear):
            linear = linear[stratified_subsample(y_all[linear], size, task, seed=seed)]
    X = features(train if len(linear) == len(train) else train.subset(linear))
    y = y_all[linear]
    featured = time.perf_counter() - start  # shared by the models: counted in the first one

    def fit(key: str, X: Any, y: np.ndarray) -> MemberFit:
        member = fit_member(
            key,  # type: ignore[arg-type]
            X,
            y,
            task,
            seed=seed,
            class_weight=cfg.train.class_weights,
            n_classes=_n_classes(prepared),
            features=features.description,
            label_names=prepared.targets.label_columns,
        )
        extra = featured if not out else 0.0
        return MemberFit(member.baseline, member.seconds + extra, member.n_fit, member.settings)

    out: dict[str, MemberFit] = {}
    if "logistic" in keys:
        out["logistic"] = fit("logistic", X, y)
    trees = stratified_subsample(y, tree_rows(X.shape[1]), task, seed=seed)
    if len(trees) < len(y):
        X, y = X[trees], y[trees]
    for key in keys:
        if key != "logistic":
            out[key] = fit(key, X, y)
    return {key: out[key] for key in keys}


def _values_per_row(X: Any) -> float:
    """Stored values per row of a feature matrix (non-zeros when sparse)."""
    stored = X.nnz if sp.issparse(X) else X.size
    return stored / max(1, X.shape[0])


def _n_classes(prepared: PreparedData) -> int | None:
    targets = prepared.targets
    return len(targets.classes) if targets.task == "multiclass" else None


def _fit_fast(cfg: RunConfig, prepared: PreparedData, features: Features) -> Baseline:
    """``--baseline fast``: biodl's earlier single logistic regression on every training row."""
    y_train = prepared.y["train"]
    assert y_train is not None
    targets = prepared.targets
    return fit_baseline(
        "logistic",
        features(prepared.part("train")),
        y_train,
        targets.task,
        seed=cfg.train.seed,
        class_weight=cfg.train.class_weights,
        n_classes=_n_classes(prepared),
        features=features.description,
        label_names=targets.label_columns,
    )


def panel_results(
    fitted: FittedBaseline,
    prepared: PreparedData,
    final: tuple[str, np.ndarray, dict[str, np.ndarray]],
    *,
    threshold: Any,
) -> BaselinePanel | None:
    """The ``baseline_panel`` section: each model's metrics on the selection and final splits.

    Parameters
    ----------
    fitted : FittedBaseline
    prepared : PreparedData
    final : (split, y, scores by key)
        The final split, its targets and every member's scores on it.
    threshold : callable
        ``threshold(y_valid, scores_valid) -> float``: a binary model's decision threshold
        from its validation scores (0.5 when none is chosen), as for the run's baseline.
    """
    if fitted.selection is None or fitted.selection_y is None:
        return None
    task = prepared.targets.task
    split, y_final, final_scores = final
    members = []
    for key, fit in fitted.members.items():  # the panel's models, then the kind's own
        valid_scores = fitted.selection_scores[key]
        cut = threshold(fitted.selection_y, valid_scores) if task == "binary" else 0.5
        members.append(
            PanelMember(
                key=key,
                name=fit.baseline.human_name,
                settings=fit.settings,
                n_fit=fit.n_fit,
                seconds=round(fit.seconds, 3),
                valid=_metrics(task, fitted.selection_y, valid_scores, cut),
                final=_metrics(task, y_final, final_scores[key], cut),
            )
        )
    return BaselinePanel(
        chosen=fitted.chosen,
        metric=primary_metric(task),
        selection=fitted.selection,
        final_split=split,
        n_train=len(prepared.part("train")),
        members=members,
    )


def _metrics(task: Any, y: np.ndarray, scores: np.ndarray, cut: float) -> dict[str, float | None]:
    values = compute_metrics(task, y, scores, threshold=cut)
    return {k: (float(v) if np.isfinite(v) else None) for k, v in values.items()}
