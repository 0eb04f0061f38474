"""AE / DAE / VAE modules: shapes, losses against hand computations, corruption, training loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from biodl.errors import ConfigError
from biodl.models.autoencoder import AE, DAE, VAE, nb_log_likelihood
from biodl.training.autoencoder import ExpressionBatches, fit_autoencoder


@pytest.mark.parametrize("cls", [AE, DAE, VAE])
def test_shapes(cls):
    model = cls(30, n_latent=3, hidden=(16, 8)).eval()
    x = torch.randn(5, 30)
    assert model.encode(x).shape == (5, 3)
    assert model.decode(torch.zeros(5, 3)).shape == (5, 30)
    out = model.loss(x)
    assert out.total.shape == () and torch.isfinite(out.total)


def test_ae_loss_is_summed_squared_error():
    model = AE(10, n_latent=2, hidden=()).eval()
    x = torch.randn(4, 10)
    expected = ((model(x) - x) ** 2).sum() / 4
    assert torch.allclose(model.loss(x).total, expected)
    assert float(model.loss(x).kl) == 0.0


def test_dae_corrupts_only_in_training():
    torch.manual_seed(0)
    model = DAE(1000, n_latent=2, hidden=(), corruption="mask", rate=0.3)
    x = torch.ones(4, 1000)
    masked = model.corrupt(x)
    assert abs(float((masked == 0).float().mean()) - 0.3) < 0.03
    noisy = DAE(1000, hidden=(), corruption="gaussian", rate=0.5).corrupt(torch.zeros(4, 1000))
    assert abs(float(noisy.std()) - 0.5) < 0.03
    model.eval()
    assert torch.allclose(model.loss(x).total, ((model(x) - x) ** 2).sum() / 4)


def test_vae_kl_matches_closed_form():
    model = VAE(6, n_latent=2, hidden=(4,)).eval()
    x = torch.randn(3, 6)
    mean, logvar = model.posterior(x)
    kl = 0.5 * (mean**2 + logvar.exp() - 1 - logvar).sum(1).mean()
    assert torch.allclose(model.loss(x).kl, kl, atol=1e-6)
    full = model.loss(x, kl_weight=0.5)
    assert torch.allclose(full.total, full.reconstruction + 0.5 * full.kl)


def test_nb_log_likelihood_matches_scipy():
    from scipy.stats import nbinom

    x = torch.tensor([[0.0, 3.0, 10.0]])
    mu = torch.tensor([[1.0, 2.5, 8.0]])
    theta = torch.tensor([2.0, 5.0, 0.5])
    ours = nb_log_likelihood(x, mu, theta).numpy()
    p = (theta / (theta + mu)).numpy()
    ref = nbinom.logpmf(x.numpy(), theta.numpy(), p)
    assert np.allclose(ours, ref, atol=1e-4)


def test_nb_vae_decodes_at_library_size():
    model = VAE(8, n_latent=2, hidden=(4,), likelihood="nb").eval()
    mu = model.decode(torch.zeros(2, 2), library=torch.tensor([[100.0], [10.0]]))
    assert torch.allclose(mu.sum(1), torch.tensor([100.0, 10.0]))
    assert model.sample(3).shape == (3, 8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_latent": 0}, "positive whole number"),
        ({"activation": "swish"}, "activation='swish'"),
        ({"dropout": 1.0}, "dropout=1.0"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        AE(5, **kwargs)


def test_bad_corruption_and_likelihood():
    with pytest.raises(ConfigError, match="corruption='blur'"):
        DAE(5, corruption="blur")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="rate=1.5"):
        DAE(5, corruption="mask", rate=1.5)
    with pytest.raises(ConfigError, match="likelihood='poisson'"):
        VAE(5, likelihood="poisson")  # type: ignore[arg-type]


def test_sparse_batches_are_dense_and_equal():
    X = sp.random(50, 20, density=0.2, format="csr", random_state=0, dtype=np.float32)
    data = ExpressionBatches(X)
    index = np.array([3, 7, 1])
    assert np.allclose(data[index].numpy(), X[np.sort(index)].toarray())  # sorted rows


def test_training_lowers_loss_and_warms_up_kl():
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(120, 3)) @ rng.normal(size=(3, 20))).astype(np.float32)
    fit = fit_autoencoder(
        VAE(20, n_latent=3, hidden=(16,)),
        sp.csr_matrix(X),
        epochs=6,
        batch_size=32,
        warmup_epochs=3,
        lr=1e-2,
    )
    h = fit.history
    assert list(h["kl_weight"]) == pytest.approx([1 / 3, 2 / 3, 1, 1, 1, 1])
    assert h["reconstruction"].iloc[-1] < h["reconstruction"].iloc[0]
    assert not fit.model.training and math.isfinite(fit.seconds)
