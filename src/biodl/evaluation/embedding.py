"""How well an embedding keeps the data's structure: metrics to compare reduction methods.

For one embedding ``Z : (n_samples, dims)`` of data ``X : (n_samples, n_genes)``:

- **reconstruction error** on held-out samples (methods with a decoder or an inverse): mean
  squared error per matrix entry between the held-out profiles and their reconstruction;
- per label column: **silhouette** of the label groups in ``Z`` (-1..1, higher = groups apart),
  **kNN accuracy** (cross-validated accuracy of a k-nearest-neighbour classifier on ``Z``),
  **ARI** and **NMI** of k-means clusters (k = number of label values) against the label;
- **trustworthiness** (:func:`sklearn.manifold.trustworthiness`): how far the neighbours in
  ``Z`` were neighbours in ``X`` (0..1);
- the **fit time**.

The quadratic metrics (silhouette, trustworthiness) and kNN run on a seeded random subsample
above a few thousand samples, so scoring stays fast on 100,000 cells.

Examples
--------
>>> import numpy as np
>>> from biodl.evaluation.embedding import score_embedding
>>> rng = np.random.default_rng(0)
>>> y = np.repeat(["a", "b"], 30)
>>> X = rng.normal(size=(60, 5)) + (y == "b")[:, None] * 4
>>> s = score_embedding(X, X[:, :2], {"group": y}, method="first2", fit_seconds=0.0)
>>> s.labels["group"].silhouette > 0.5
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "MAX_CLASSES",
    "EmbeddingScores",
    "LabelScores",
    "cluster_agreement",
    "comparison_table",
    "knn_accuracy",
    "reconstruction_error",
    "score_embedding",
    "silhouette",
    "usable_label",
]

SILHOUETTE_MAX = 5000
TRUST_MAX = 2000
KNN_MAX = 20000
MAX_CLASSES = 50  # a column with more distinct values is treated as continuous (plot only)


@dataclass
class LabelScores:
    """How well one label's groups are kept. NaN where it cannot be computed.

    Attributes
    ----------
    silhouette : float
        Mean silhouette of the label groups (euclidean, in the embedding), -1..1.
    knn_accuracy : float
        Cross-validated accuracy of a kNN classifier on the embedding (stratified folds).
    ari, nmi : float
        Adjusted Rand index / normalised mutual information of k-means clusters
        (k = number of label values) against the label.
    n_classes : int
    """

    silhouette: float
    knn_accuracy: float
    ari: float
    nmi: float
    n_classes: int


@dataclass
class EmbeddingScores:
    """All metrics of one method's embedding.

    Attributes
    ----------
    method : str
    dims : int
    fit_seconds : float
    reconstruction_error : float
        Held-out mean squared error per entry; NaN for methods without a decoder/inverse.
    trustworthiness : float
    labels : dict of str to LabelScores
    """

    method: str
    dims: int
    fit_seconds: float
    reconstruction_error: float
    trustworthiness: float
    labels: dict[str, LabelScores] = field(default_factory=dict)


def _subsample(n: int, limit: int, seed: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def usable_label(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows with a value and the values as strings, or None for a column not fit to score.

    A column is scored when it has 2..:data:`MAX_CLASSES` distinct values (missing values are
    left out); continuous columns are only plotted.
    """
    series = pd.Series(np.asarray(values, dtype=object))
    keep = series.notna().to_numpy()
    labels = series[keep].astype(str).to_numpy()
    n_classes = len(np.unique(labels))
    if n_classes < 2 or n_classes > MAX_CLASSES:
        return None
    return np.flatnonzero(keep), labels


def silhouette(Z: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> float:
    """Mean silhouette of ``labels`` in ``Z`` (subsampled above 5,000 samples)."""
    from sklearn.metrics import silhouette_score

    rows = _subsample(len(labels), SILHOUETTE_MAX, seed)
    if len(np.unique(labels[rows])) < 2 or len(rows) <= len(np.unique(labels[rows])):
        return math.nan
    return float(silhouette_score(Z[rows], labels[rows]))


def knn_accuracy(
    Z: np.ndarray, labels: np.ndarray, *, k: int = 15, folds: int = 5, seed: int = 0
) -> float:
    """Cross-validated accuracy of a ``k``-nearest-neighbour classifier on ``Z``.

    Stratified folds (at most ``folds``, at least 2, no more than the smallest class);
    ``k`` shrinks to fit small training folds. NaN when a class has a single sample.
    """
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    rows = _subsample(len(labels), KNN_MAX, seed)
    Z, labels = Z[rows], labels[rows]
    smallest = int(pd.Series(labels).value_counts().min())
    n_folds = min(folds, smallest)
    if n_folds < 2:
        return math.nan
    n_train = len(labels) - math.ceil(len(labels) / n_folds)
    model = KNeighborsClassifier(n_neighbors=max(1, min(k, n_train)))
    cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return float(cross_val_score(model, Z, labels, cv=cv).mean())


def cluster_agreement(Z: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> tuple[float, float]:
    """ARI and NMI of k-means clusters (k = number of label values) against ``labels``."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    k = len(np.unique(labels))
    if k < 2 or len(labels) <= k:
        return math.nan, math.nan
    clusters = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(Z)
    return (
        float(adjusted_rand_score(labels, clusters)),
        float(normalized_mutual_info_score(labels, clusters)),
    )


def reconstruction_error(X: Any, X_hat: np.ndarray) -> float:
    """Mean squared error per entry between ``X`` (array or sparse) and ``X_hat``."""
    total = 0.0
    for start in range(0, X.shape[0], 2048):  # densify a block at a time
        block = X[start : start + 2048]
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        total += float(((block - X_hat[start : start + 2048]) ** 2).sum())
    return total / max(X.shape[0] * X.shape[1], 1)


def _trustworthiness(X: Any, Z: np.ndarray, seed: int) -> float:
    from sklearn.manifold import trustworthiness

    rows = _subsample(Z.shape[0], TRUST_MAX, seed)
    k = min(5, (len(rows) - 1) // 2)
    if k < 1:
        return math.nan
    X_rows = X[rows]
    X_rows = X_rows.toarray() if sp.issparse(X_rows) else np.asarray(X_rows)
    return float(trustworthiness(X_rows, Z[rows], n_neighbors=k))


def score_embedding(
    X: Any,
    Z: np.ndarray,
    labels: Mapping[str, Any],
    *,
    method: str,
    fit_seconds: float,
    reconstruction: float = math.nan,
    seed: int = 0,
) -> EmbeddingScores:
    """Every metric of one embedding.

    Parameters
    ----------
    X : ndarray or sparse matrix (n_samples, n_genes)
        The data the method was given (for trustworthiness).
    Z : ndarray (n_samples, dims)
    labels : mapping of str to array (n_samples,)
        Metadata columns to score; columns that are not categorical (see
        :func:`usable_label`) are skipped.
    method : str
    fit_seconds : float
    reconstruction : float, default NaN
        The held-out reconstruction error, from :func:`reconstruction_error`.
    seed : int, default 0

    Returns
    -------
    EmbeddingScores
    """
    Z = np.asarray(Z, dtype=np.float64)
    scores = EmbeddingScores(
        method=method,
        dims=Z.shape[1],
        fit_seconds=float(fit_seconds),
        reconstruction_error=float(reconstruction),
        trustworthiness=_trustworthiness(X, Z, seed),
    )
    for name, values in labels.items():
        usable = usable_label(values)
        if usable is None:
            continue
        rows, y = usable
        ari, nmi = cluster_agreement(Z[rows], y, seed=seed)
        scores.labels[name] = LabelScores(
            silhouette=silhouette(Z[rows], y, seed=seed),
            knn_accuracy=knn_accuracy(Z[rows], y, seed=seed),
            ari=ari,
            nmi=nmi,
            n_classes=len(np.unique(y)),
        )
    return scores


def comparison_table(scores: list[EmbeddingScores]) -> pd.DataFrame:
    """One row per method: dims, fit time, reconstruction error, trustworthiness, and
    ``<label>_silhouette``, ``<label>_knn_accuracy``, ``<label>_ari``, ``<label>_nmi`` per label.
    """
    rows = []
    for s in scores:
        row: dict[str, Any] = {
            "method": s.method,
            "dims": s.dims,
            "fit_seconds": s.fit_seconds,
            "reconstruction_error": s.reconstruction_error,
            "trustworthiness": s.trustworthiness,
        }
        for name, ls in s.labels.items():
            row[f"{name}_silhouette"] = ls.silhouette
            row[f"{name}_knn_accuracy"] = ls.knn_accuracy
            row[f"{name}_ari"] = ls.ari
            row[f"{name}_nmi"] = ls.nmi
        rows.append(row)
    return pd.DataFrame(rows)
