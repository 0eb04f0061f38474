"""Cross-validation folds and the paired comparison of two models over folds.

Both models are scored on identical folds, so their per-fold differences are paired. Fold
scores are not independent (training sets overlap), so the plain t-test is too optimistic;
the corrected resampled t-test of Nadeau and Bengio (2003) inflates the variance by
``1/J + n_test/n_train`` for J folds. The Wilcoxon signed-rank test is given beside it as a
distribution-free check.

Examples
--------
>>> import numpy as np
>>> folds = fold_indices(np.array([0, 1] * 10), task="binary", n_folds=5, seed=0)
>>> len(folds), len(folds[0].test)
(5, 4)
>>> c = compare_folds([0.90, 0.92, 0.91, 0.93, 0.90], [0.85, 0.86, 0.88, 0.87, 0.86],
...                   metric="auroc", n_train=80, n_test=20)
>>> round(c.mean_difference, 3), c.p_value < 0.05
(0.048, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from biodl.errors import ConfigError, DataError
from biodl.evaluation.metrics import METRIC_DIRECTION, METRIC_LABELS

#: Significance level of the verdict sentence.
ALPHA = 0.05


@dataclass(frozen=True)
class Fold:
    """Row indices of one fold: ``repeat`` and ``fold`` are 0-based."""

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray


def fold_indices(
    y: np.ndarray,
    *,
    task: str,
    n_folds: int,
    repeats: int = 1,
    method: str = "stratified",
    groups: np.ndarray | None = None,
    seed: int = 0,
    class_names: Sequence[str] | None = None,
    group_column: str = "group",
    source: str = "data",
) -> list[Fold]:
    """k-fold (optionally repeated) cross-validation folds.

    Parameters
    ----------
    y : (n,) or (n, k) array
        Encoded targets; classification folds are stratified.
    task : str
    n_folds : int
        Number of folds (>= 2).
    repeats : int, default 1
        Repeat with differently shuffled folds.
    method : {'stratified', 'random', 'group', 'similarity'}, default 'stratified'
        'group' and 'similarity' keep each group (given in ``groups``) in one fold.
    groups : (n,) array, optional
        Group label per row, for group-type methods.
    seed : int, default 0
    class_names, group_column, source : for messages.

    Raises
    ------
    DataError
        If a class (or the number of groups) is smaller than the number of folds.
    ConfigError
        For fewer than 2 folds or an unsupported method.
    """
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

    if n_folds < 2 or repeats < 1:
        raise ConfigError(f"--folds must be >= 2 and --repeats >= 1, got {n_folds} and {repeats}")
    classify = task in ("binary", "multiclass")
    if method == "predefined":
        raise ConfigError(
            "cross-validation makes its own folds; --split predefined does not apply (use "
            "stratified, random, group or similarity)"
        )
    grouped = method in ("group", "similarity")
    if grouped:
        if groups is None:
            raise DataError(f"{source}: --split {method} needs --group-column for cross-validation")
        n_groups = len(np.unique(groups))
        if n_groups < n_folds:
            raise DataError(
                f"{source}: column '{group_column}' has {n_groups} groups, fewer than the "
                f"{n_folds} folds; use --folds {max(2, n_groups)} or fewer"
            )
    elif classify and method == "stratified":
        values, counts = np.unique(y, return_counts=True)
        if counts.min() < n_folds:
            name = (
                class_names[int(values[counts.argmin()])]
                if class_names
                else values[counts.argmin()]
            )
            raise DataError(
                f"{source}: class {name!r} has {counts.min()} example(s), fewer than the {n_folds} "
                f"folds; use --folds {max(2, int(counts.min()))}, add examples, or --split random"
            )
    if len(y) < n_folds:
        raise DataError(f"{source}: {len(y)} examples are fewer than the {n_folds} folds")
    out: list[Fold] = []
    for r in range(repeats):
        state = seed + r
        splitter: object
        if grouped and classify:
            splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=state)
        elif grouped:
            splitter = GroupKFold(n_splits=n_folds, shuffle=True, random_state=state)
        elif classify and method == "stratified":
            splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=state)
        else:
            splitter = KFold(n_splits=n_folds, shuffle=True, random_state=state)
        target = y if y.ndim == 1 else np.zeros(len(y))
        parts = splitter.split(np.zeros(len(y)), target, groups)  # type: ignore[attr-defined]
        for f, (train, test) in enumerate(parts):
            out.append(Fold(r, f, np.sort(train), np.sort(test)))
    return out


@dataclass(frozen=True)
class FoldComparison:
    """Paired comparison of model (a) and baseline (b) over folds on one metric.

    Attributes
    ----------
    metric : str
    n : int
        Number of folds (times repeats).
    mean_a, mean_b, sd_a, sd_b : float
        Mean and sample standard deviation over folds.
    mean_difference, sd_difference : float
        Of ``a - b`` per fold.
    t_statistic, p_value : float
        Corrected resampled t-test (Nadeau & Bengio 2003), two-sided, ``n - 1`` degrees of
        freedom.
    wilcoxon_p : float
        Wilcoxon signed-rank test of the differences, two-sided (1.0 when all differences are
        zero).
    """

    metric: str
    n: int
    mean_a: float
    mean_b: float
    sd_a: float
    sd_b: float
    mean_difference: float
    sd_difference: float
    t_statistic: float
    p_value: float
    wilcoxon_p: float


def compare_folds(
    a: Sequence[float], b: Sequence[float], *, metric: str, n_train: float, n_test: float
) -> FoldComparison:
    """Paired tests of per-fold scores ``a`` (model) against ``b`` (baseline).

    Parameters
    ----------
    a, b : sequence of float
        One value per fold, same folds in the same order. Folds where either is NaN are
        dropped.
    metric : str
    n_train, n_test : float
        Average training and test fold sizes (for the variance correction).
    """
    from scipy import stats

    x, z = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(z)
    x, z = x[keep], z[keep]
    d = x - z
    n = len(d)
    nan = float("nan")
    sd = float(d.std(ddof=1)) if n > 1 else nan
    if n > 1 and sd > 0:
        se = math.sqrt((1.0 / n + n_test / n_train) * sd**2)
        t = float(d.mean() / se)
        p = float(2 * stats.t.sf(abs(t), df=n - 1))
    else:
        t = nan
        p = 1.0 if n > 1 and d.mean() == 0 else nan
    wilcoxon = float(stats.wilcoxon(d).pvalue) if n > 1 and np.any(d != 0) else 1.0
    return FoldComparison(
        metric=metric,
        n=n,
        mean_a=float(x.mean()) if n else nan,
        mean_b=float(z.mean()) if n else nan,
        sd_a=float(x.std(ddof=1)) if n > 1 else nan,
        sd_b=float(z.std(ddof=1)) if n > 1 else nan,
        mean_difference=float(d.mean()) if n else nan,
        sd_difference=sd,
        t_statistic=t,
        p_value=p,
        wilcoxon_p=wilcoxon,
    )


def cv_verdict(c: FoldComparison, *, model_name: str, baseline_name: str) -> str:
    """One plain sentence: does the model beat the baseline over the folds, by how much, how sure.

    Examples
    --------
    >>> c = FoldComparison("auroc", 5, 0.91, 0.86, 0.01, 0.01, 0.05, 0.01, 4.2, 0.014, 0.06)
    >>> cv_verdict(c, model_name="CNN", baseline_name="logistic regression")[:60]
    'Over 5 folds the CNN beats the logistic regression baseline '
    """
    label = METRIC_LABELS.get(c.metric, c.metric)
    baseline = f"{baseline_name} baseline"
    if not math.isfinite(c.mean_difference):
        return f"The {model_name} and the {baseline} could not be compared on {label}."
    better = (
        c.mean_difference if METRIC_DIRECTION.get(c.metric, "max") == "max" else -c.mean_difference
    )
    tests = f"corrected resampled t-test p = {_p(c.p_value)}; Wilcoxon p = {_p(c.wilcoxon_p)}"
    spread = f"mean difference {c.mean_difference:+.3f}, sd {c.sd_difference:.3f} over folds"
    if math.isfinite(c.p_value) and c.p_value < ALPHA:
        if better > 0:
            return (
                f"Over {c.n} folds the {model_name} beats the {baseline} on {label} by "
                f"{abs(c.mean_difference):.3f} on average ({spread}; {tests}): deep learning "
                "helped on this data."
            )
        return (
            f"Over {c.n} folds the {baseline} beats the {model_name} on {label} by "
            f"{abs(c.mean_difference):.3f} on average ({spread}; {tests}): deep learning did "
            "not help on this data; prefer the baseline."
        )
    return (
        f"Over {c.n} folds the {model_name} is not distinguishable from the {baseline} on "
        f"{label} ({spread}; {tests}): deep learning did not clearly help."
    )


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
