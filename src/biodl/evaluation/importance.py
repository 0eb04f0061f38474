"""What a fitted classical baseline says about each feature: coefficients or importances.

:func:`feature_importance` reads it from a :class:`biodl.evaluation.baselines.Baseline`: the
coefficients of a linear model (logistic or ridge regression, on max-abs-scaled features, so
they compare across features) or the impurity importances of a random forest. Gradient
boosting on histograms has no built-in importance (a permutation importance would refit
nothing but score the data many times), so it gives None. ``biodl explain`` shows the result
beside the network's top genes (:mod:`biodl.pipeline.explain_figures`).

Examples
--------
>>> import numpy as np
>>> from biodl.evaluation.baselines import fit_baseline
>>> X = np.random.default_rng(0).normal(size=(60, 3))
>>> y = (X[:, 1] > 0).astype(int)
>>> found = feature_importance(fit_baseline("logistic", X, y, "binary"))
>>> found.what, int(np.argmax(np.abs(found.values)))
('coefficient', 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from biodl.evaluation.baselines import Baseline

__all__ = ["FeatureImportance", "feature_importance"]


@dataclass
class FeatureImportance:
    """One value per feature column of a baseline.

    Attributes
    ----------
    values : ndarray (n_features,)
        Binary classification and single-target regression: the signed coefficient (positive
        raises the positive class or the target); several classes, labels or targets: the
        mean absolute coefficient; forests: the impurity importance (non-negative).
    what : {'coefficient', 'mean |coefficient|', 'importance'}
    model : str
        The baseline in words (e.g. ``"logistic regression"``).
    """

    values: np.ndarray
    what: str
    model: str

    @property
    def label(self) -> str:
        """E.g. ``"logistic regression coefficient"``."""
        return f"{self.model} {self.what}"


def _unwrap(estimator: Any) -> list[Any]:
    """The fitted models that hold the weights: the last step of a pipeline, the members of a
    one-vs-rest or multi-output wrapper."""
    if hasattr(estimator, "steps"):
        return _unwrap(estimator.steps[-1][1])
    if hasattr(estimator, "estimators_") and not hasattr(estimator, "feature_importances_"):
        found: list[Any] = []
        for member in estimator.estimators_:
            found += _unwrap(member)
        return found
    return [estimator]


def feature_importance(baseline: Baseline) -> FeatureImportance | None:
    """Coefficients or importances of ``baseline``, one per feature; None when it has none.

    Parameters
    ----------
    baseline : Baseline
        A fitted baseline (:func:`biodl.evaluation.baselines.fit_baseline` or a panel member).

    Returns
    -------
    FeatureImportance or None
        None for gradient boosting, or when the values do not have one per feature.
    """
    models = _unwrap(baseline.estimator)
    if all(hasattr(m, "coef_") for m in models):
        coef = np.vstack([np.atleast_2d(np.asarray(m.coef_, dtype=np.float64)) for m in models])
        if coef.shape[0] == 1:
            values, what = coef[0], "coefficient"
        else:
            values, what = np.abs(coef).mean(axis=0), "mean |coefficient|"
    elif all(hasattr(m, "feature_importances_") for m in models):
        values = np.mean([np.asarray(m.feature_importances_) for m in models], axis=0)
        what = "importance"
    else:
        return None
    if values.shape != (baseline.n_features,):
        return None
    return FeatureImportance(values, what, baseline.human_name)
