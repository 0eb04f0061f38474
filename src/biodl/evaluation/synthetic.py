"""Judge synthetic data against held-out real data: one entry point and the comparison table.

:func:`evaluate_synthetic` runs every check of docs/generate.md ("Judging synthetic data") on
one synthetic set and returns a :class:`SyntheticQuality`: a flat ``metrics`` dict (ready for
``metrics.json``), the per-feature table and the coordinates the figures need.
:func:`compare_samplers` does the same for a model's samples and the three classical samplers
of :mod:`biodl.evaluation.samplers`, in one table. :class:`SelectionScore` is the cheap score
a generative model's trainer calls every epoch to keep its best checkpoint.

The real data comes in two parts split **before** the generator is fitted: ``real_train``
(what the generator saw; it also fits the feature space) and ``real_holdout`` (never seen:
the yardstick of fidelity, detection and privacy, and the test set of TSTR/TRTR).

Examples
--------
>>> import numpy as np
>>> from biodl.evaluation.samplers import GaussianCopula
>>> from biodl.evaluation.synthetic import evaluate_synthetic
>>> rng = np.random.default_rng(0)
>>> real = rng.multivariate_normal([0, 0, 0], [[1, .8, 0], [.8, 1, 0], [0, 0, 1]], 400)
>>> synth = GaussianCopula().fit(real[:200]).sample(200, seed=1).X
>>> q = evaluate_synthetic(real[:200], real[200:], synth)
>>> 0.3 < q.metrics["detection_auroc"] < 0.7, q.metrics["exact_copies"]
(True, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from biodl.errors import ConfigError, DataError
from biodl.evaluation.fidelity import (
    correlation_distance,
    median_bandwidth,
    mmd2,
    nn_accuracy,
    per_feature_distances,
    prdc,
    subsample_rows,
)
from biodl.evaluation.privacy import diversity, privacy
from biodl.evaluation.samplers import Sampler, Samples, classical_samplers, rows_2d
from biodl.evaluation.synthetic_checks import ModelFactory, detection_auroc, utility
from biodl.evaluation.synthetic_space import Embedding, FeatureSpace, check_like

__all__ = [
    "MAX_FEATURE_ROWS",
    "SELECTION_CRITERIA",
    "SamplerComparison",
    "SelectionScore",
    "SyntheticQuality",
    "compare_samplers",
    "evaluate_synthetic",
    "selection_score",
]

#: Rows of each set used for the per-feature distances (seeded subsample above it).
MAX_FEATURE_ROWS = 5000


@dataclass
class SyntheticQuality:
    """Everything measured on one synthetic set.

    Attributes
    ----------
    metrics : dict of str to float
        Flat, for ``metrics.json`` (docs/generate.md lists every key, its direction and its
        formula). The utility and class keys are present only when labels were given.
    per_feature : pandas.DataFrame
        One row per original feature, most different first (see
        :func:`biodl.evaluation.fidelity.per_feature_distances`).
    space : FeatureSpace
        The feature space fitted on the real training rows.
    holdout_coords, synthetic_coords : (n, d) float
        Feature-space (PCA) coordinates of the held-out real and the synthetic rows.
    """

    metrics: dict[str, float]
    per_feature: pd.DataFrame
    space: FeatureSpace
    holdout_coords: np.ndarray
    synthetic_coords: np.ndarray


def _check_labels(y: Any, rows: int, name: str) -> np.ndarray | None:
    if y is None:
        return None
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != rows:
        raise DataError(
            f"{name}: expected one label per row, shape ({rows},), got shape {labels.shape}."
        )
    return labels


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k <= 0:
        raise ConfigError(f"k: expected a positive number of neighbours, got {k!r}.")
    return int(k)


def evaluate_synthetic(
    real_train: Any,
    real_holdout: Any,
    synthetic: Any,
    *,
    y_train: Any = None,
    y_holdout: Any = None,
    y_synthetic: Any = None,
    embed: Embedding | None = None,
    space: FeatureSpace | None = None,
    feature_names: list[str] | None = None,
    k: int = 5,
    detector: ModelFactory | None = None,
    utility_model: ModelFactory | None = None,
    utility_metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
    seed: int = 0,
) -> SyntheticQuality:
    """Fidelity, detection, utility, privacy and mode collapse of one synthetic set.

    Parameters
    ----------
    real_train : (n, ...) numeric array
        Real rows the generator was fitted on (at least 2); fits the feature space.
    real_holdout : (h, ...) numeric array
        Real rows the generator never saw (at least 2), with the same row shape.
    synthetic : (m, ...) numeric array
        Generated rows.
    y_train, y_holdout, y_synthetic : (rows,) arrays, optional
        Class labels. With all three, TSTR/TRTR is measured; with ``y_train``, the classes
        covered.
    embed : callable, optional
        ``(n, ...) -> (n, d)``: the feature space starts from this embedding (e.g. a network
        trained on the real training images) instead of the raw values.
    space : FeatureSpace, optional
        A space already fitted on ``real_train`` (to share one between several sets).
    feature_names : list of str, optional
        Names of the flattened features, for the per-feature table.
    k : int, default 5
        Neighbours of precision/recall/density/coverage.
    detector, utility_model : callable, optional
        Factories of unfitted estimators; defaults
        :func:`~biodl.evaluation.synthetic_checks.default_detector` (gradient boosting) and
        :func:`~biodl.evaluation.synthetic_checks.default_utility_model` (logistic regression).
    utility_metric : callable, optional
        ``(y_true, y_pred) -> float``, higher is better; default accuracy.
    seed : int, default 0

    Returns
    -------
    SyntheticQuality

    Raises
    ------
    DataError
        If the row widths differ, a set has too few rows, values are not finite or a label
        vector does not match its rows.
    ConfigError
        If ``k`` is not a positive integer.
    """
    k = _check_k(k)
    train = np.asarray(real_train)
    rows_2d(train, "real_train")
    holdout = check_like(train, real_holdout, "real_holdout", "real_train")
    synth = check_like(train, synthetic, "synthetic", "real_train")
    if len(holdout) < 2:
        raise DataError(
            f"real_holdout: expected at least 2 held-out real rows, got {len(holdout)}. "
            "Hold out more real rows before fitting the generator."
        )
    flat_t, flat_h, flat_s = (rows_2d(x) for x in (train, holdout, synth))
    if feature_names is not None and len(feature_names) != flat_t.shape[1]:
        raise DataError(
            f"feature_names: expected {flat_t.shape[1]} names, one per feature, got "
            f"{len(feature_names)}."
        )
    y_tr = _check_labels(y_train, len(train), "y_train")
    y_ho = _check_labels(y_holdout, len(holdout), "y_holdout")
    y_sy = _check_labels(y_synthetic, len(synth), "y_synthetic")
    space = space if space is not None else FeatureSpace.fit(train, embed=embed, seed=seed)
    # Standardised features (most variable first) for correlations and privacy; the space's
    # coordinates (PCA when there are enough rows) for the distribution distances.
    z = {name: space.standardise(x) for name, x in (("t", train), ("h", holdout), ("s", synth))}
    coords = {name: space.from_standardised(v) for name, v in z.items()}

    table = per_feature_distances(
        subsample_rows(flat_h, MAX_FEATURE_ROWS, seed),
        subsample_rows(flat_s, MAX_FEATURE_ROWS, seed + 1),
        scale=flat_t.std(axis=0),
        names=feature_names,
    )
    p = prdc(coords["h"], coords["s"], k=k, seed=seed)
    metrics: dict[str, float] = {
        "n_synthetic": float(len(synth)),
        "ks_mean": float(table["ks"].mean()),
        "ks_max": float(table["ks"].max()),
        "wasserstein_mean": float(table["wasserstein"].mean()),
        "correlation_distance": correlation_distance(z["h"], z["s"]),
        "mmd2": mmd2(coords["h"], coords["s"], seed=seed),
        "precision": p.precision,
        "recall": p.recall,
        "density": p.density,
        "coverage": p.coverage,
        "detection_auroc": detection_auroc(coords["h"], coords["s"], detector=detector, seed=seed),
    }
    real_model = None
    if y_tr is not None and y_ho is not None and y_sy is not None:
        u = utility(
            flat_t, y_tr, flat_s, y_sy, flat_h, y_ho, model=utility_model, metric=utility_metric
        )
        metrics.update(tstr=u.tstr, trtr=u.trtr, tstr_trtr_ratio=u.ratio)
        real_model = u.real_model
    pv = privacy(z["t"], z["h"], z["s"], train_rows=flat_t, synthetic_rows=flat_s, seed=seed)
    metrics.update(
        exact_copies=float(pv.exact_copies),
        exact_copy_fraction=pv.exact_copy_fraction,
        dcr_synthetic_median=pv.dcr_synthetic_median,
        dcr_holdout_median=pv.dcr_holdout_median,
        dcr_ratio=pv.dcr_ratio,
        nndr_synthetic_median=pv.nndr_synthetic_median,
        nndr_holdout_median=pv.nndr_holdout_median,
        membership_auroc=pv.membership_auroc,
    )
    dv = diversity(
        flat_s,
        classes=None if y_tr is None else np.unique(y_tr),
        y_synthetic=y_sy,
        classifier=real_model,
    )
    metrics["distinct_fraction"] = dv.distinct_fraction
    if y_tr is not None:
        metrics.update(
            classes_by_label=dv.classes_by_label,
            classes_by_classifier=dv.classes_by_classifier,
            label_agreement=dv.label_agreement,
        )
    return SyntheticQuality(metrics, table, space, coords["h"], coords["s"])


#: Checkpoint criteria of :class:`SelectionScore`.
SELECTION_CRITERIA = ("mmd", "nn")


class SelectionScore:
    """The score a generative model's trainer calls every epoch: lower is better.

    In the feature space fitted once on the real training rows, against the held-out real
    rows, by ``criterion``:

    - ``'mmd'``: ``MMD^2`` (:func:`~biodl.evaluation.fidelity.mmd2`) with one RBF bandwidth
      fixed from the held-out rows (so scores of different epochs compare). It rewards
      samples that match the held-out distribution as a whole (both fidelity and
      diversity), which a discriminator's 50 % accuracy does not guarantee.
    - ``'nn'``: how far the leave-one-out 1-nearest-neighbour two-sample accuracy
      (:func:`~biodl.evaluation.fidelity.nn_accuracy`) is from 0.5, ``|accuracy - 0.5|``:
      a classifier two-sample test like the detection check, and local: samples collapsed
      onto a few modes sit next to each other and are told apart (accuracy towards 1),
      which a kernel mean over all pairs can miss; samples on top of the real rows
      (copies) push the accuracy below 0.5 and score as badly.

    Parameters
    ----------
    real_train, real_holdout : (n, ...) numeric arrays
    embed : callable, optional
        As for :func:`evaluate_synthetic`.
    seed : int, default 0
    criterion : {'mmd', 'nn'}, default 'mmd'

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> score = SelectionScore(rng.normal(size=(100, 4)), rng.normal(size=(50, 4)))
    >>> score(rng.normal(size=(50, 4))) < score(rng.normal(size=(50, 4)) + 2)
    True
    """

    def __init__(
        self,
        real_train: Any,
        real_holdout: Any,
        *,
        embed: Embedding | None = None,
        seed: int = 0,
        criterion: str = "mmd",
    ) -> None:
        if criterion not in SELECTION_CRITERIA:
            raise ConfigError(
                f"criterion={criterion!r}: expected one of {', '.join(SELECTION_CRITERIA)}"
            )
        self.criterion = criterion
        self.real_train = np.asarray(real_train)
        rows_2d(self.real_train, "real_train")
        holdout = check_like(self.real_train, real_holdout, "real_holdout", "real_train")
        self.space = FeatureSpace.fit(self.real_train, embed=embed, seed=seed)
        self.holdout_coords = self.space.transform(holdout)
        self.bandwidth = median_bandwidth(self.holdout_coords, seed=seed)
        self.seed = seed

    def __call__(self, synthetic: Any) -> float:
        """The criterion for ``synthetic (m, ...)`` against the held-out rows (lower is better).

        Samples holding NaN or infinite values (a diverged generator) score ``inf``, so that
        such a checkpoint is never kept; rows of the wrong width raise :class:`DataError`.
        """
        values = np.asarray(synthetic)
        if np.issubdtype(values.dtype, np.floating) and not np.isfinite(values).all():
            return math.inf
        synth = check_like(self.real_train, values, "synthetic", "real_train")
        coords = self.space.transform(synth)
        if self.criterion == "nn":
            return abs(nn_accuracy(self.holdout_coords, coords, seed=self.seed) - 0.5)
        return mmd2(self.holdout_coords, coords, bandwidth=self.bandwidth, seed=self.seed)


def selection_score(
    real_train: Any,
    real_holdout: Any,
    synthetic: Any,
    *,
    embed: Embedding | None = None,
    seed: int = 0,
) -> float:
    """One-off :class:`SelectionScore`: MMD^2 to held-out real rows, lower is better.

    A trainer scoring every epoch should build :class:`SelectionScore` once instead.
    """
    return SelectionScore(real_train, real_holdout, embed=embed, seed=seed)(synthetic)


@dataclass
class SamplerComparison:
    """A model's samples beside the classical samplers.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per sampler (index: its name), one column per metric.
    qualities : dict of str to SyntheticQuality
        The full result of every row, by name.
    """

    table: pd.DataFrame
    qualities: dict[str, SyntheticQuality]


def compare_samplers(
    real_train: Any,
    real_holdout: Any,
    synthetic: Mapping[str, Samples | np.ndarray] | None = None,
    *,
    y_train: Any = None,
    y_holdout: Any = None,
    n: int | None = None,
    samplers: Mapping[str, Sampler] | None = None,
    seed: int = 0,
    **options: Any,
) -> SamplerComparison:
    """Evaluate model samples and the classical samplers with one feature space, in one table.

    Parameters
    ----------
    real_train, real_holdout : numeric arrays
    synthetic : mapping of name to Samples or array, optional
        The model(s)' samples (a :class:`~biodl.evaluation.samplers.Samples` carries labels).
    y_train, y_holdout : arrays, optional
        With ``y_train`` the classical samplers are conditional.
    n : int, optional
        Rows drawn from each classical sampler; default: as many rows (and the same labels)
        as the first model's samples, else as many as ``real_train``.
    samplers : mapping of name to unfitted Sampler, optional
        Default :func:`~biodl.evaluation.samplers.classical_samplers` (independent
        marginals, Gaussian copula, copy of the training set).
    seed : int, default 0
    **options
        Passed to :func:`evaluate_synthetic` (``embed``, ``k``, ``detector``, ...).

    Returns
    -------
    SamplerComparison
        Rows: the models in the given order, then the classical samplers.
    """
    train = np.asarray(real_train)
    rows_2d(train, "real_train")
    given = {
        name: s if isinstance(s, Samples) else Samples(np.asarray(s))
        for name, s in (synthetic or {}).items()
    }
    space = FeatureSpace.fit(train, embed=options.pop("embed", None), seed=seed)
    first = next(iter(given.values()), None)
    draw: dict[str, Any] = {"seed": seed}
    if y_train is not None and first is not None and first.y is not None and n is None:
        draw["labels"] = first.y
    else:
        draw["n"] = n if n is not None else (len(first.X) if first is not None else len(train))
    for name, sampler in (samplers or classical_samplers()).items():
        given[name] = sampler.fit(train, y_train).sample(**draw)
    qualities = {
        name: evaluate_synthetic(
            train,
            real_holdout,
            s.X,
            y_train=y_train,
            y_holdout=y_holdout,
            y_synthetic=s.y,
            space=space,
            seed=seed,
            **options,
        )
        for name, s in given.items()
    }
    table = pd.DataFrame({name: q.metrics for name, q in qualities.items()}).T
    table.index.name = "sampler"
    return SamplerComparison(table, qualities)
