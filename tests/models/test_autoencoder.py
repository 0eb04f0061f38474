"""AE / DAE / VAE modules: shapes, losses against hand computations, corruption, training.

Training runs on the one Lightning path: Ctrl-C, precision, strategy and devices as for
supervised networks.
"""

from __future__ import annotations

import math
import signal

import lightning as L
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from lightning.pytorch.strategies import DDPStrategy

from biodl.errors import ConfigError, RunInterrupted
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


class _CtrlC(L.Callback):
    """Presses Ctrl-C after the second training batch."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if batch_idx == 1:
            raise KeyboardInterrupt


def _planted(n: int = 64) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (rng.normal(size=(n, 3)) @ rng.normal(size=(3, 12))).astype(np.float32)


def test_ctrl_c_stops_an_autoencoder_fit_as_it_stops_supervised_training():
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(RunInterrupted) as stopped:
        fit_autoencoder(
            VAE(12, n_latent=2, hidden=(8,)),
            _planted(),
            epochs=3,
            batch_size=16,
            device="cpu",
            callbacks=[_CtrlC()],
        )
    assert stopped.value.signal_number == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) == handler


def test_precision_64_true_trains_in_float64_on_cpu():
    fit = fit_autoencoder(
        VAE(12, n_latent=2, hidden=(8,)),
        sp.csr_matrix(_planted()),
        epochs=2,
        batch_size=16,
        device="cpu",
        precision="64-true",
    )
    assert {p.dtype for p in fit.model.parameters()} == {torch.float64}
    assert fit.model.input_mean.dtype == torch.float64
    assert fit.model(torch.from_numpy(_planted()).double()).dtype == torch.float64
    assert np.isfinite(fit.history["train_loss"]).all() and fit.device == "cpu"


def test_strategy_devices_and_precision_reach_the_trainer(monkeypatch):
    import biodl.training.trainer as trainer_module

    built = []

    class Built(Exception):
        pass

    def spy(*args, **kwargs):
        built.append(build(*args, **kwargs))
        raise Built

    build = trainer_module.build_trainer
    monkeypatch.setattr(trainer_module, "build_trainer", spy)
    with pytest.raises(Built):
        fit_autoencoder(
            AE(12, n_latent=2, hidden=(8,)),
            _planted(),
            epochs=1,
            device="cpu",
            strategy="ddp_spawn",
            devices=2,
            precision="bf16-mixed",
        )
    trainer = built[0]
    assert isinstance(trainer.strategy, DDPStrategy)
    assert trainer.strategy._start_method == "spawn"
    assert trainer.num_devices == 2 and trainer.precision == "bf16-mixed"
