"""The genes that drive each latent dimension of an autoencoder: planted factors are found."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import biodl
from biodl.errors import DataError
from biodl.interpret.latent import latent_genes


def _planted(seed: int = 0) -> np.ndarray:
    """300 samples x 30 genes: genes 0-4 follow factor A, genes 5-9 factor B, the rest noise."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(300, 2))
    X = rng.normal(scale=0.3, size=(300, 30))
    X[:, :5] += 2.0 * factors[:, [0]]
    X[:, 5:10] -= 2.0 * factors[:, [1]]
    return X.astype(np.float32)


@pytest.mark.parametrize("estimator", [biodl.AE, biodl.VAE])
def test_the_planted_genes_drive_the_latent_dimensions(estimator):
    X = _planted()
    model = estimator(n_latent=2, hidden=(32,), epochs=40, random_state=0).fit(X)
    genes = [f"g{i}" for i in range(30)]
    found = latent_genes(model, X, genes=genes, top=5, steps=16)
    assert found.mean_abs.shape == (2, 30) and len(found.table) == 10
    strongest = set(np.argsort(-found.mean_abs.max(axis=0))[:10].tolist())
    assert strongest == set(range(10))  # the ten planted genes, no noise gene
    assert float(found.delta.max()) < 0.05  # attributions add up to the change of each latent
    listed = set(found.table["gene"])
    assert listed <= {f"g{i}" for i in range(10)}
    sparse = latent_genes(model, sp.csr_matrix(X), genes=genes, top=5, steps=16)
    np.testing.assert_allclose(sparse.mean_abs, found.mean_abs, rtol=1e-4, atol=1e-6)


def test_latent_genes_refuses_an_unfitted_model_and_other_columns():
    X = _planted()[:50]
    with pytest.raises(DataError, match="not a fitted biodl autoencoder; call fit"):
        latent_genes(biodl.AE(), X)
    model = biodl.AE(n_latent=2, hidden=(8,), epochs=1).fit(X)
    with pytest.raises(DataError, match="X has 29 genes but the autoencoder was fitted on 30"):
        latent_genes(model, X[:, :29])
    with pytest.raises(DataError, match="3 gene names for 30 genes"):
        latent_genes(model, X, genes=["a", "b", "c"])
