"""biodl.AE / DAE / VAE as scikit-learn transformers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

import biodl
from biodl.data.simulate import simulate_counts
from biodl.errors import ConfigError, DataError, RunInterrupted
from biodl.models.autoencoder import VAE as VAEModel

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


def test_bad_device_options_are_refused_at_fit(planted):
    X, _ = planted
    with pytest.raises(ConfigError, match="device='gpu': expected one of auto, cpu, cuda"):
        biodl.AE(device="gpu", **FAST).fit(X)
    with pytest.raises(ConfigError, match="devices='many': expected a number of devices"):
        biodl.AE(devices="many", **FAST).fit(X)


def test_precision_64_true_keeps_a_float64_network_and_float32_outputs():
    sim = simulate_counts(60, 15, n_types=2, markers=4, seed=0)
    vae = biodl.VAE(n_latent=2, precision="64-true", device="cpu", **FAST).fit(sim.counts)
    assert {p.dtype for p in vae.model_.parameters()} == {torch.float64}
    Z = vae.transform(sim.counts)
    assert Z.dtype == np.float32 and np.isfinite(Z).all()
    assert vae.inverse_transform(Z).shape == sim.counts.shape
    new = vae.sample(4)
    assert new.dtype == np.float32 and np.allclose(new.sum(1), np.median(sim.counts.sum(1)))


def test_ctrl_c_stops_an_estimator_fit(planted, monkeypatch):
    from biodl.training.autoencoder import AutoencoderTask

    def interrupt(self, batch, batch_idx):
        raise KeyboardInterrupt

    monkeypatch.setattr(AutoencoderTask, "training_step", interrupt)
    est = biodl.DAE(n_latent=2, device="cpu", **FAST)
    with pytest.raises(RunInterrupted):
        est.fit(planted[0])
    assert not hasattr(est, "model_")


@pytest.mark.slow
def test_ddp_spawn_on_two_cpu_processes(planted):
    """The strategy options reach the trainer; weights and history come back from the workers."""
    X, _ = planted
    vae = biodl.VAE(n_latent=2, device="cpu", strategy="ddp_spawn", devices=2, **FAST)
    vae.set_params(epochs=2).fit(X)
    assert vae.fit_device_ == "cpu x2"
    assert list(vae.history_["epoch"]) == [1, 2]
    torch.manual_seed(0)  # the estimator's initial weights (random_state=0)
    start = VAEModel(30, n_latent=2, hidden=(16,), likelihood="gaussian")
    trained = vae.model_.state_dict()
    encoder = [k for k in start.state_dict() if k.startswith("encoder.")]
    assert encoder and not any(torch.equal(start.state_dict()[k], trained[k]) for k in encoder)
    assert np.isfinite(vae.transform(X)).all()
