"""Where a count VAE draws its latent codes: a Gaussian mixture fitted to the training cells'
codes, and each gene's decoded mean calibrated on draws from it.

A VAE trained on cells of a few types puts each type's cells in its own region of the latent
space; the N(0, 1) prior covers the gaps between them, so codes drawn from the prior decode to
cells between types (two planted types: 42 % of prior samples between them against none of
the real cells; benchmarks/RESULTS.md, fourth pass).
:func:`fit_latent_mixture` fits a Gaussian mixture (full covariances) to the posterior means
of the training cells, per class for a conditional model, and :func:`sample_latent` draws
codes from it: the aggregate posterior, smoothed, instead of the prior.

The decoder's mean of each gene, averaged over such draws, is off the training mean by a few
per cent, differently for every gene; a real-vs-synthetic classifier adds those small shifts
up over hundreds of genes. :func:`gene_calibration` gives each gene the factor that brings
its average decoded mean to its training mean.

Examples
--------
>>> import numpy as np
>>> codes = np.r_[np.full((60, 2), -3.0), np.full((40, 2), 3.0)]
>>> codes += np.random.default_rng(0).normal(0, 0.1, size=codes.shape)
>>> mixture = fit_latent_mixture(codes, None, seed=0)
>>> z = sample_latent(mixture, 1000, None, np.random.default_rng(1))
>>> round(float((z[:, 0] > 0).mean()), 1)
0.4
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "CALIBRATION_DRAWS",
    "MAX_COMPONENTS",
    "ROWS_PER_COMPONENT",
    "LatentMixture",
    "fit_latent_mixture",
    "gene_calibration",
    "sample_latent",
]

#: The most mixture components fitted to one class's (or all) training codes.
MAX_COMPONENTS = 10
#: Training rows per component: fewer rows get fewer components (at least one).
ROWS_PER_COMPONENT = 50
#: Added to each component's covariance diagonal (scikit-learn's ``reg_covar``).
COVARIANCE_FLOOR = 1e-4
#: Rows drawn to measure each gene's mean decoded count (:func:`gene_calibration`).
CALIBRATION_DRAWS = 4000


@dataclass(frozen=True)
class LatentMixture:
    """Gaussian mixtures of latent codes, one per class (one for an unconditional model).

    Attributes
    ----------
    weights : list of (k,) lists
        Mixing weights of each class's ``k`` components.
    means : list of (k, d) lists
    covariances : list of (k, d, d) lists
        Full covariances.
    """

    weights: list[list[float]]
    means: list[list[list[float]]]
    covariances: list[list[list[list[float]]]]

    def to_json(self) -> dict[str, Any]:
        """Plain lists, as saved in ``model.json``."""
        return asdict(self)

    @classmethod
    def from_json(cls, saved: dict[str, Any]) -> LatentMixture:
        """The mixture of :meth:`to_json`'s lists."""
        return cls(saved["weights"], saved["means"], saved["covariances"])


def fit_latent_mixture(
    codes: np.ndarray, groups: np.ndarray | None, *, seed: int = 0
) -> LatentMixture:
    """A Gaussian mixture of the training codes ``(n, d)``, one per class of ``groups``.

    ``groups (n,)``: class indices 0..K-1 of a conditional model (None: one mixture).
    ``min(10, max(1, rows // 50))`` components with full covariances per mixture; a class
    with fewer than 2 training codes (no spread to fit) keeps the prior N(0, I).
    """
    from sklearn.mixture import GaussianMixture

    codes = np.asarray(codes, dtype=np.float64)
    labels = np.zeros(len(codes), dtype=np.int64) if groups is None else np.asarray(groups)
    d = codes.shape[1]
    weights, means, covariances = [], [], []
    for group in range(int(labels.max()) + 1):
        rows = codes[labels == group]
        if len(rows) < 2:
            weights.append([1.0])
            means.append(np.zeros((1, d)).tolist())
            covariances.append(np.eye(d)[None].tolist())
            continue
        k = min(int(np.clip(len(rows) // ROWS_PER_COMPONENT, 1, MAX_COMPONENTS)), len(rows))
        g = GaussianMixture(
            k, covariance_type="full", reg_covar=COVARIANCE_FLOOR, random_state=seed
        ).fit(rows)
        weights.append(g.weights_.tolist())
        means.append(g.means_.tolist())
        covariances.append(g.covariances_.tolist())
    return LatentMixture(weights, means, covariances)


def sample_latent(
    mixture: LatentMixture, n: int, groups: np.ndarray | None, rng: np.random.Generator
) -> np.ndarray:
    """``n`` codes ``(n, d)`` drawn from ``mixture``; ``groups (n,)``: the class of each row
    of a conditional model (None: the one mixture)."""
    labels = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups)
    d = len(mixture.means[0][0])
    out = np.empty((n, d))
    for group in np.unique(labels):
        rows = np.flatnonzero(labels == group)
        weights = np.asarray(mixture.weights[int(group)], dtype=np.float64)
        means = np.asarray(mixture.means[int(group)], dtype=np.float64)
        roots = np.linalg.cholesky(np.asarray(mixture.covariances[int(group)], dtype=np.float64))
        chosen = rng.choice(len(weights), size=len(rows), p=weights / weights.sum())
        noise = rng.standard_normal((len(rows), d))
        out[rows] = means[chosen] + np.einsum("nij,nj->ni", roots[chosen], noise)
    return out


def gene_calibration(
    decode: Callable[[np.ndarray, np.ndarray], np.ndarray],
    mixture: LatentMixture,
    groups: np.ndarray | None,
    train_mean: np.ndarray,
    n_train: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per-gene factor ``(genes,)``: each gene's training mean over its mean decoded mean.

    :data:`CALIBRATION_DRAWS` training rows are drawn at random (``groups (n_train,)``: their
    classes, for a conditional model), each with a code from ``mixture`` of its class;
    ``decode(z, rows)`` gives the decoded means ``(len(rows), genes)`` of codes ``z`` at those
    rows' total counts. ``train_mean (genes,)``: the training cells' mean counts.
    """
    rows = rng.integers(0, n_train, size=CALIBRATION_DRAWS)
    z = sample_latent(mixture, len(rows), None if groups is None else groups[rows], rng)
    decoded = np.asarray(decode(z, rows), dtype=np.float64).mean(axis=0)
    floor = 1e-3  # counts: far below one count per cell, so a gene never seen stays near 1
    return (np.asarray(train_mean, dtype=np.float64) + floor) / (decoded + floor)
