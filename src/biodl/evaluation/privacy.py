"""Privacy, memorisation and mode collapse of synthetic data.

A generator that copies its training rows looks perfect on every fidelity metric; these
checks compare the synthetic rows with the **training** rows, and use held-out real rows
(never seen by the generator) as the yardstick of how close an honest new record would be:

- **exact copies**: synthetic rows equal, value for value, to a training row;
- **distance to closest record (DCR)**: the distance from each synthetic row to its nearest
  training row, and the same distance for each held-out real row; the ratio of medians
  ``median DCR(synthetic) / median DCR(held-out)`` is about 1 for a generator as far from the
  training rows as new patients are, and well below 1 (0 for copies) for one that memorises;
- **nearest-neighbour distance ratio (NNDR)**: distance to the closest training row over the
  distance to the second closest (median); near 0 = a row sits on one training record;
- **membership inference AUROC**: an attacker holding the synthetic set scores each real row
  by its closeness to the nearest synthetic row (``-distance``) and guesses "was in the
  training set"; the AUROC of training rows (members) against held-out rows (non-members):
  0.5 = no leak, 1 = membership fully revealed;
- **mode collapse**: the fraction of distinct synthetic rows, and the classes covered.

Distances are Euclidean between standardised features
(:meth:`biodl.evaluation.synthetic_space.FeatureSpace.standardise`, never a PCA fitted on the
training rows, which would favour them). The rows whose distances are summarised (synthetic
rows for DCR/NNDR, members and non-members for the attack) are a seeded subsample of
:data:`MAX_PRIVACY_ROWS` each above it; the sets searched for neighbours are complete.

Examples
--------
>>> import numpy as np
>>> from biodl.evaluation.privacy import exact_copies
>>> train = np.arange(10.0).reshape(5, 2)
>>> exact_copies(train, np.array([[0.0, 1.0], [0.5, 1.0]]))
1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from biodl.evaluation.fidelity import subsample_rows

#: Rows of each queried set whose nearest-neighbour distances are computed (module notes).
MAX_PRIVACY_ROWS = 5000

__all__ = [
    "MAX_PRIVACY_ROWS",
    "Diversity",
    "Privacy",
    "diversity",
    "exact_copies",
    "privacy",
    "row_ids",
]


def row_ids(*blocks: np.ndarray) -> list[np.ndarray]:
    """An integer id per row, equal for rows equal value for value across all ``blocks``."""
    # float64 makes 3 and 3.0 one value; + 0.0 makes -0.0 and 0.0 the same bytes.
    rows = [np.ascontiguousarray(b.reshape(len(b), -1), dtype=np.float64) + 0.0 for b in blocks]
    width = rows[0].shape[1]
    void = np.dtype((np.void, 8 * width))
    stacked = np.concatenate(rows).view(void).ravel()
    _, ids = np.unique(stacked, return_inverse=True)
    ids = ids.ravel()
    bounds = np.cumsum([len(r) for r in rows])[:-1]
    return list(np.split(ids, bounds))


def exact_copies(train: np.ndarray, synthetic: np.ndarray) -> int:
    """Number of synthetic rows equal to some training row (after casting both to float)."""
    train_ids, synth_ids = row_ids(train, synthetic)
    return int(np.isin(synth_ids, train_ids).sum())


@dataclass(frozen=True)
class Privacy:
    """Memorisation checks of one synthetic set (see the module docstring).

    Attributes
    ----------
    exact_copies : int
    exact_copy_fraction : float
        ``exact_copies / n_synthetic``; 0 is expected of a generator of continuous values.
    dcr_synthetic_median, dcr_holdout_median : float
        Median distance to the closest training row of synthetic / held-out real rows.
    dcr_ratio : float
        ``dcr_synthetic_median / dcr_holdout_median``: about 1 fine, well below 1 = copies
        (NaN when held-out rows duplicate training rows, making the yardstick 0).
    nndr_synthetic_median, nndr_holdout_median : float
        Median closest / second-closest training distance (0 for copies).
    membership_auroc : float
        0.5 = membership not revealed, 1 = fully revealed.
    """

    exact_copies: int
    exact_copy_fraction: float
    dcr_synthetic_median: float
    dcr_holdout_median: float
    dcr_ratio: float
    nndr_synthetic_median: float
    nndr_holdout_median: float
    membership_auroc: float


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def privacy(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    train_rows: np.ndarray | None = None,
    synthetic_rows: np.ndarray | None = None,
    seed: int = 0,
) -> Privacy:
    """Exact copies, DCR, NNDR and membership inference of one synthetic set.

    Parameters
    ----------
    train : (n, d), holdout : (h, d), synthetic : (m, d)
        Standardised features of the real training rows (at least 2), held-out real rows and
        synthetic rows.
    train_rows, synthetic_rows : arrays of the original rows, optional
        Compared value for value for exact copies; default the coordinates themselves.
    seed : int, default 0
        Seeds the subsamples of queried rows (:data:`MAX_PRIVACY_ROWS`).
    """
    copies = exact_copies(
        train if train_rows is None else train_rows,
        synthetic if synthetic_rows is None else synthetic_rows,
    )
    to_train = NearestNeighbors(n_neighbors=2).fit(train)
    synth_d, _ = to_train.kneighbors(subsample_rows(synthetic, MAX_PRIVACY_ROWS, seed))
    hold_d, _ = to_train.kneighbors(subsample_rows(holdout, MAX_PRIVACY_ROWS, seed + 1))

    def nndr(d: np.ndarray) -> float:
        share = np.divide(d[:, 0], d[:, 1], out=np.zeros(len(d)), where=d[:, 1] > 0)
        return float(np.median(share))

    dcr_s, dcr_h = float(np.median(synth_d[:, 0])), float(np.median(hold_d[:, 0]))
    # The attacker's score: closeness of each real row to the synthetic set.
    members = subsample_rows(train, MAX_PRIVACY_ROWS, seed + 2)
    others = subsample_rows(holdout, MAX_PRIVACY_ROWS, seed + 3)
    to_synth = NearestNeighbors(n_neighbors=1).fit(synthetic)
    closeness = -to_synth.kneighbors(np.concatenate([members, others]))[0][:, 0]
    member = np.r_[np.ones(len(members)), np.zeros(len(others))]
    return Privacy(
        exact_copies=copies,
        exact_copy_fraction=copies / len(synthetic),
        dcr_synthetic_median=dcr_s,
        dcr_holdout_median=dcr_h,
        dcr_ratio=_ratio(dcr_s, dcr_h),
        nndr_synthetic_median=nndr(synth_d),
        nndr_holdout_median=nndr(hold_d),
        membership_auroc=float(roc_auc_score(member, closeness)),
    )


@dataclass(frozen=True)
class Diversity:
    """Mode-collapse checks of one synthetic set.

    Attributes
    ----------
    distinct_fraction : float
        Distinct synthetic rows / synthetic rows (1 = no repeats; near 0 = collapse).
    classes_by_label : float
        Fraction of the training classes present among the synthetic labels (NaN without
        labels).
    classes_by_classifier : float
        Fraction of the training classes that a classifier fitted on real training data
        predicts for at least one synthetic row (NaN without a classifier).
    label_agreement : float
        How often that classifier's prediction equals the synthetic row's own label: do
        conditional samples look like their class? (NaN without both.)
    """

    distinct_fraction: float
    classes_by_label: float
    classes_by_classifier: float
    label_agreement: float


def diversity(
    synthetic_rows: np.ndarray,
    *,
    classes: np.ndarray | None = None,
    y_synthetic: np.ndarray | None = None,
    classifier: Any = None,
) -> Diversity:
    """Distinct rows and classes covered.

    Parameters
    ----------
    synthetic_rows : (m, ...)
    classes : (c,) array, optional
        The training classes.
    y_synthetic : (m,) array, optional
        Labels of conditional samples.
    classifier : fitted estimator with ``predict``, optional
        Trained on real rows of the same features as ``synthetic_rows`` (flattened).
    """
    nan = float("nan")
    (ids,) = row_ids(synthetic_rows)
    distinct = len(np.unique(ids)) / len(ids)
    by_label = by_model = agreement = nan
    if classes is not None and y_synthetic is not None:
        by_label = float(np.isin(classes, y_synthetic).mean())
    if classes is not None and classifier is not None:
        predicted = np.asarray(classifier.predict(synthetic_rows.reshape(len(ids), -1)))
        by_model = float(np.isin(classes, predicted).mean())
        if y_synthetic is not None:
            agreement = float(np.mean(predicted == np.asarray(y_synthetic)))
    return Diversity(distinct, by_label, by_model, agreement)
