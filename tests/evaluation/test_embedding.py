"""Embedding metrics checked against scikit-learn and planted structure."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.manifold import trustworthiness
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from biodl.evaluation.embedding import (
    cluster_agreement,
    comparison_table,
    knn_accuracy,
    reconstruction_error,
    score_embedding,
    silhouette,
    usable_label,
)


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    y = np.repeat(np.array(["a", "b", "c"]), 40)
    centres = {"a": (0, 0), "b": (5, 0), "c": (0, 5)}
    Z = np.array([centres[v] for v in y]) + rng.normal(size=(120, 2))
    X = np.hstack([Z, rng.normal(size=(120, 8)) * 0.1])
    return X, Z, y


def test_against_sklearn(blobs):
    X, Z, y = blobs
    assert silhouette(Z, y) == pytest.approx(silhouette_score(Z, y))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    ref = cross_val_score(KNeighborsClassifier(15), Z, y, cv=cv).mean()
    assert knn_accuracy(Z, y) == pytest.approx(ref)
    clusters = KMeans(3, n_init=10, random_state=0).fit_predict(Z)
    ari, nmi = cluster_agreement(Z, y)
    assert ari == pytest.approx(adjusted_rand_score(y, clusters))
    assert nmi == pytest.approx(normalized_mutual_info_score(y, clusters))
    s = score_embedding(X, Z, {"group": y}, method="m", fit_seconds=1.5)
    assert s.trustworthiness == pytest.approx(trustworthiness(X, Z, n_neighbors=5))
    assert s.labels["group"].knn_accuracy > 0.95 and s.labels["group"].n_classes == 3


def test_random_embedding_scores_low(blobs):
    X, _, y = blobs
    noise = np.random.default_rng(1).normal(size=(120, 2))
    s = score_embedding(X, noise, {"group": y}, method="noise", fit_seconds=0.0)
    assert s.labels["group"].silhouette < 0.1 and s.labels["group"].ari < 0.2


def test_reconstruction_error_sparse_and_dense():
    X = np.arange(12, dtype=float).reshape(4, 3)
    assert reconstruction_error(X, X + 1) == pytest.approx(1.0)
    assert reconstruction_error(sp.csr_matrix(X), X) == 0.0


def test_labels_not_scored():
    assert usable_label(["x"] * 5) is None  # one class
    assert usable_label(np.arange(100.0)) is None  # continuous
    rows, values = usable_label(["a", None, "b", "a"])
    assert list(rows) == [0, 2, 3] and list(values) == ["a", "b", "a"]
    assert math.isnan(knn_accuracy(np.zeros((3, 2)), np.array(["a", "b", "b"])))


def test_comparison_table(blobs):
    X, Z, y = blobs
    s = score_embedding(X, Z, {"g": y, "age": np.arange(120.0)}, method="pca", fit_seconds=2.0)
    table = comparison_table([s])
    assert list(table.columns) == [
        "method",
        "dims",
        "fit_seconds",
        "reconstruction_error",
        "trustworthiness",
        "g_silhouette",
        "g_knn_accuracy",
        "g_ari",
        "g_nmi",
    ]


def test_sparse_pca_matches_sklearn():
    from sklearn.decomposition import PCA

    from biodl.pipeline.reduce import SparsePCA

    X = sp.random(300, 40, density=0.1, format="csr", random_state=0, dtype=np.float64)
    ours = SparsePCA(3).fit(X)
    ref = PCA(3).fit(X.toarray())
    Z = ours.transform(X)
    assert np.allclose(np.abs(Z), np.abs(ref.transform(X.toarray())), atol=1e-8)
    assert np.allclose(ours.inverse_transform(Z), ref.inverse_transform(ref.transform(X.toarray())))
