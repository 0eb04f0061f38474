"""Expression preprocessing: fitted on training rows only, against numpy/sklearn references."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import StandardScaler

from biodl.data.preprocess import (
    Preprocessing,
    PreprocessOptions,
    check_scale,
    fit_preprocessing,
    value_scale,
)
from biodl.errors import ConfigError


@pytest.fixture
def counts(rng) -> np.ndarray:
    X = rng.poisson(rng.gamma(1.0, 4.0, size=40), size=(30, 40)).astype(np.float32)
    X[:, 3] = 0  # a zero-variance gene
    return X


def _reference(X: np.ndarray, train: np.ndarray, hvg: int) -> np.ndarray:
    def lognorm(M: np.ndarray) -> np.ndarray:
        return np.log1p(M / M.sum(axis=1, keepdims=True) * 1e4)

    fitted = lognorm(X[train])
    keep = np.sort(np.argsort(-fitted.var(axis=0), kind="stable")[:hvg])
    scaler = StandardScaler().fit(fitted[:, keep])
    return scaler.transform(lognorm(X)[:, keep])


def test_fitted_on_train_only_matches_sklearn(counts):
    train = np.arange(20)
    options = PreprocessOptions(normalize=True, log1p=True, scale=True, hvg=10)
    prep = fit_preprocessing(counts[train], [f"g{j}" for j in range(40)], options)
    out = prep.transform(counts)
    np.testing.assert_allclose(out, _reference(counts, train, 10), rtol=1e-4, atol=1e-4)
    # the held-out rows do not move the statistics
    other = fit_preprocessing(counts, [f"g{j}" for j in range(40)], options)
    assert not np.allclose(other.mean, prep.mean)  # type: ignore[arg-type]
    np.testing.assert_allclose(out[train].mean(axis=0), 0.0, atol=1e-4)


def test_sparse_stays_sparse_and_equals_dense(counts):
    genes = [f"g{j}" for j in range(40)]
    options = PreprocessOptions(normalize=True, log1p=True, hvg=15)
    dense = fit_preprocessing(counts, genes, options)
    sparse = fit_preprocessing(sp.csr_matrix(counts), genes, options)
    assert dense.genes_out == sparse.genes_out
    out = sparse.transform(sp.csr_matrix(counts))
    assert sp.issparse(out)
    np.testing.assert_allclose(out.toarray(), dense.transform(counts), rtol=1e-5, atol=1e-6)
    scaled = fit_preprocessing(sp.csr_matrix(counts), genes, PreprocessOptions(scale=True))
    batch = scaled.transform(sp.csr_matrix(counts)[:5])
    assert isinstance(batch, np.ndarray) and batch.shape == (5, 40)
    reference = StandardScaler().fit(np.log1p(counts))
    np.testing.assert_allclose(batch, reference.transform(np.log1p(counts[:5])), atol=1e-4)


def test_zero_variance_gene_is_only_centred(counts):
    prep = fit_preprocessing(counts, [f"g{j}" for j in range(40)], PreprocessOptions(scale=True))
    assert np.all(np.isfinite(prep.transform(counts)))
    assert prep.std is not None and prep.std[3] == 1.0


def test_log1p_auto_by_scale(rng):
    genes = ["a", "b", "c"]
    counts = rng.poisson(20, size=(10, 3)).astype(np.float32)
    assert fit_preprocessing(counts, genes, PreprocessOptions()).log1p
    logged = np.log1p(counts)
    assert not fit_preprocessing(logged, genes, PreprocessOptions()).log1p
    intensities = rng.normal(200, 300, size=(10, 3)).astype(np.float32)
    prep = fit_preprocessing(intensities, genes, PreprocessOptions())
    assert prep.log1p and prep.clip_negative
    np.testing.assert_allclose(
        prep.transform(intensities), np.log1p(np.maximum(intensities, 0)), rtol=1e-6
    )


def test_value_scale_and_check_scale(rng):
    counts = rng.poisson(30, size=(8, 5)).astype(np.float32)
    assert value_scale(counts) == "counts"
    assert value_scale(np.log1p(counts)) == "log"
    assert value_scale(counts * 50 - 200.5) == "intensities"
    assert value_scale(rng.normal(size=(8, 5))) == "other"
    (message,) = check_scale(counts, source="x.csv", log1p=False)
    assert "unlogged counts" in message and "--log1p" in message
    (message,) = check_scale(np.log1p(counts), source="x.csv", log1p=True)
    assert "log-transformed already" in message
    assert check_scale(counts, source="x.csv", log1p=True) == []
    (message,) = check_scale(np.log1p(counts), source="x.h5ad", expect="counts")
    assert "not raw counts" in message
    assert check_scale(counts, source="x.h5ad", expect="counts") == []


def test_round_trip_through_json(counts):
    prep = fit_preprocessing(
        counts, [f"g{j}" for j in range(40)], PreprocessOptions(normalize=True, scale=True, hvg=7)
    )
    again = Preprocessing.from_dict(json.loads(json.dumps(prep.to_dict())))
    np.testing.assert_array_equal(again.transform(counts), prep.transform(counts))
    assert again.genes_out == prep.genes_out and again.scale


def test_bad_options():
    with pytest.raises(ConfigError, match="log1p must be 'auto', true or false"):
        PreprocessOptions(log1p="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="hvg must be a positive"):
        PreprocessOptions(hvg=0)
    with pytest.raises(ConfigError, match="--hvg 9 asks for more genes than the data has \\(3\\)"):
        fit_preprocessing(np.ones((2, 3)), ["a", "b", "c"], PreprocessOptions(hvg=9))
