"""biodl.AE / DAE / VAE as scikit-learn transformers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

import biodl
from biodl.data.simulate import simulate_counts
from biodl.errors import DataError

FAST = {"hidden": (16,), "epochs": 3, "batch_size": 32}


@pytest.fixture(scope="module")
def planted():
    """Two groups far apart along one direction in 2-D latent structure, 30 genes."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 60)
    latent = rng.normal(size=(120, 2)) + np.c_[y * 6.0, np.zeros(120)]
    X = latent @ rng.normal(size=(2, 30)) + 0.1 * rng.normal(size=(120, 30))
    return X.astype(np.float32), y


@pytest.mark.parametrize("cls", [biodl.AE, biodl.DAE, biodl.VAE])
def test_api(cls, planted):
    X, _ = planted
    est = cls(n_latent=2, **FAST)
    with pytest.raises(NotFittedError):
        est.transform(X)
    assert est.fit(X) is est
    Z = est.transform(X)
    assert Z.shape == (120, 2) and Z.dtype == np.float32
    assert est.inverse_transform(Z).shape == X.shape
    assert np.allclose(clone(est).set_params(n_latent=3).get_params()["n_latent"], 3)
    assert not hasattr(clone(est), "model_")
    assert est.fit_transform(X).shape == (120, 2)
    assert list(est.get_feature_names_out()) == [f"{cls.__name__.lower()}{i}" for i in range(2)]


def test_seeded_and_sparse_same_as_dense(planted):
    X, _ = planted
    a = biodl.AE(n_latent=2, **FAST).fit_transform(X)
    b = biodl.AE(n_latent=2, **FAST).fit_transform(sp.csr_matrix(X))
    assert np.allclose(a, b, atol=1e-4)


def test_pipeline_recovers_planted_groups(planted):
    X, y = planted
    pipe = Pipeline([("vae", biodl.VAE(n_latent=2, hidden=(16,))), ("clf", LogisticRegression())])
    assert pipe.fit(X, y).score(X, y) > 0.95


def test_vae_counts_pick_nb_and_sample():
    sim = simulate_counts(80, 25, n_types=2, markers=5, seed=0)
    vae = biodl.VAE(n_latent=2, **FAST).fit(sim.counts)
    assert vae.likelihood_ == "nb"
    new = vae.sample(7)
    assert new.shape == (7, 25) and (new >= 0).all()
    assert np.allclose(new.sum(1), np.median(sim.counts.sum(1)), rtol=1e-3)
    assert biodl.VAE(**FAST).fit(np.log1p(sim.counts)).likelihood_ == "gaussian"


def test_bad_input():
    with pytest.raises(DataError, match="needs raw counts"):
        biodl.VAE(likelihood="nb", **FAST).fit(np.random.default_rng(0).normal(size=(10, 4)))
    est = biodl.AE(n_latent=2, **FAST).fit(np.ones((10, 4), dtype=np.float32))
    with pytest.raises(DataError, match="fitted on 4"):
        est.transform(np.ones((3, 5)))
    with pytest.raises(DataError, match="latent space has 2"):
        est.inverse_transform(np.ones((3, 3)))
    with pytest.raises(DataError, match="NaN|infinity"):
        biodl.AE(**FAST).fit(np.array([[np.nan, 1.0], [1.0, 2.0]]))
