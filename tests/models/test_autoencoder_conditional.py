"""Conditional autoencoders, the Bernoulli likelihood and likelihood draws (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from biodl.errors import ConfigError
from biodl.models.autoencoder import AE, DAE, VAE
from biodl.training.autoencoder import fit_autoencoder


def test_unconditional_models_keep_their_weights() -> None:
    torch.manual_seed(0)
    before = VAE(12, n_latent=3, hidden=(8,)).state_dict()
    torch.manual_seed(0)
    after = VAE(12, n_latent=3, hidden=(8,), n_classes=0).state_dict()
    assert list(before) == list(after)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert before["encoder.0.weight"].shape == (8, 12)


@pytest.mark.parametrize("cls", [AE, DAE, VAE])
def test_conditional_models_join_the_one_hot_label(cls: type) -> None:
    model = cls(12, n_latent=3, hidden=(8,), n_classes=4)
    assert model.encoder[0].weight.shape == (8, 16)
    assert model.decoder[0].weight.shape == (8, 7)
    x, labels = torch.randn(5, 12), torch.tensor([0, 1, 2, 3, 0])
    assert model.encode(x, labels=labels).shape[0] == 5
    assert torch.isfinite(model.loss(x, labels=labels).total)
    with pytest.raises(ConfigError, match="conditional on 4 classes: pass labels"):
        model.encode(x)


def test_labels_refused_by_an_unconditional_model_and_one_class_refused() -> None:
    with pytest.raises(ConfigError, match="the model is unconditional"):
        VAE(6, n_latent=2, hidden=(4,)).encode(torch.randn(2, 6), labels=torch.tensor([0, 1]))
    with pytest.raises(ConfigError, match="n_classes=1: expected 0"):
        VAE(6, n_classes=1)


def test_conditional_vae_samples_follow_the_label() -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(200) % 2
    X = rng.normal(size=(200, 4)).astype(np.float32) + 4 * labels[:, None].astype(np.float32)
    model = VAE(4, n_latent=2, hidden=(16,), n_classes=2)
    fit_autoencoder(model, X, labels=labels, epochs=40, batch_size=64, seed=0)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        zeros = model.sample(100, generator=gen, labels=torch.zeros(100, dtype=torch.long))
        ones = model.sample(100, generator=gen, labels=torch.ones(100, dtype=torch.long))
    assert float(ones.mean() - zeros.mean()) > 2.0


def test_draws_of_each_likelihood() -> None:
    rng = np.random.default_rng(0)
    nb = VAE(5, n_latent=2, hidden=(4,), likelihood="nb")
    counts = nb.draw(torch.full((2000, 5), 4.0), rng)
    assert np.array_equal(counts, np.round(counts)) and counts.min() >= 0
    assert counts.mean() == pytest.approx(4.0, rel=0.05)
    assert counts.var() > counts.mean()  # negative binomial: over-dispersed (theta = 1 here)
    pixels = VAE(5, n_latent=2, hidden=(4,), likelihood="bernoulli")
    ones = pixels.draw(torch.full((1000, 5), 0.3), rng)
    assert set(np.unique(ones)) == {0.0, 1.0} and ones.mean() == pytest.approx(0.3, abs=0.03)
    x = torch.rand(6, 5)
    assert torch.isfinite(pixels.loss(x).total)
    assert float(pixels.eval().decode(torch.zeros(1, 2)).min()) >= 0.0
