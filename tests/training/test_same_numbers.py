"""The one training path keeps the numbers: seeded fits give the losses recorded before it.

The expected values were recorded from the code before supervised networks and autoencoders
shared one Lightning path (``biodl.training.trainer``); the same seed must still give them.
They were recorded at one torch thread: Adam turns the rounding noise of gradients that are
zero in theory (the biases before batch normalisation) into whole steps, so another thread
count gives other weights (the losses agree to 1e-7, the codes only to about 1 %). Another
CPU does the same at one thread (an AVX-512 Xeon, 2026-12-06: the losses agree to 1e-6, the
autoencoders' code sums differ by up to 0.5 %), so codes are compared to :data:`CODES_REL`.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import biodl
from biodl.config import TrainConfig
from biodl.data.dataset import TensorBatch
from biodl.data.simulate import simulate_counts
from biodl.models.autoencoder import VAE
from biodl.training.autoencoder import fit_autoencoder
from biodl.training.fit import fit_network


class Rows(torch.utils.data.Dataset):
    """A whole-batch dataset over a feature matrix."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = torch.as_tensor(x, dtype=torch.float32)
        self.y = torch.as_tensor(y, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: np.ndarray) -> TensorBatch:
        index = torch.as_tensor(index)
        return TensorBatch((self.x[index],), self.y[index])


def supervised_numbers() -> dict[str, list[float]]:
    """A seeded MLP on planted classes: per-epoch losses, AUROC, best epoch, weight sum."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    x = rng.normal(size=(200, 6)) + y[:, None]
    torch.manual_seed(0)
    network = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
    # min_steps=0 and the loss watched: early stopping as when these numbers were recorded
    # (before --min-steps and --monitor auto)
    cfg = TrainConfig(
        epochs=12, patience=2, min_steps=0, monitor="loss", batch_size=32, lr=5e-2, seed=3,
        device="cpu",
    )  # fmt: skip
    fit = fit_network(
        network,
        Rows(x[:140], y[:140]),
        Rows(x[140:], y[140:]),
        task="binary",
        loss="cross_entropy",
        cfg=cfg,
        progress=False,
    )
    h = fit.history
    return {
        "train_loss": h["train_loss"].tolist(),
        "valid_loss": h["valid_loss"].tolist(),
        "valid_auroc": h["valid_auroc"].tolist(),
        "best": [float(fit.best_epoch)],
        "weights": [float(sum(p.detach().double().sum() for p in fit.network.parameters()))],
    }


def autoencoder_numbers() -> dict[str, list[float]]:
    """Seeded AE, DAE, VAE (Gaussian) and VAE (negative binomial) fits: losses and codes."""
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(90, 3)) @ rng.normal(size=(3, 12))).astype(np.float32)
    counts = simulate_counts(70, 15, n_types=2, markers=4, seed=0).counts
    small = {"hidden": (8,), "epochs": 3, "batch_size": 32, "device": "cpu", "random_state": 4}
    out: dict[str, list[float]] = {}
    for name, est, data in [
        ("ae", biodl.AE(n_latent=2, **small), X),
        ("dae", biodl.DAE(n_latent=2, **small), X),
        ("vae", biodl.VAE(n_latent=2, **small), X),
        ("nb", biodl.VAE(n_latent=2, **small), counts),
    ]:
        codes = est.fit_transform(data)
        out[f"{name}_loss"] = est.history_["train_loss"].tolist()
        out[f"{name}_codes"] = [float(np.abs(codes).sum())]
    torch.manual_seed(1)
    fit = fit_autoencoder(
        VAE(12, n_latent=2, hidden=(8,)),
        X,
        epochs=3,
        batch_size=16,
        warmup_epochs=2,
        seed=5,
        device="cpu",
    )
    out["fit_reconstruction"] = fit.history["reconstruction"].tolist()
    out["fit_kl"] = fit.history["kl"].tolist()
    return out


SUPERVISED: dict[str, list[float]] = {
    "train_loss": [0.46858420968055725, 0.25291019678115845, 0.21806930005550385],
    "valid_loss": [0.517518937587738, 0.5535023212432861, 0.6162398457527161],
    "valid_auroc": [0.8451178451178452, 0.8462401795735129, 0.8451178451178452],
    "best": [1.0],
    "weights": [0.19519945606589317],
}

AUTOENCODERS: dict[str, list[float]] = {
    "ae_loss": [56.83219909667969, 56.227073669433594, 55.63425064086914],
    "ae_codes": [46.75074005126953],
    "dae_loss": [56.45673751831055, 55.89910888671875, 55.04391098022461],
    "dae_codes": [48.78852081298828],
    "vae_loss": [39.27219772338867, 39.130088806152344, 38.46452713012695],
    "vae_codes": [28.46371841430664],
    "nb_loss": [91.25450134277344, 91.14706420898438, 90.93892669677734],
    "nb_codes": [47.01763916015625],
    "fit_reconstruction": [39.39139938354492, 38.92146682739258, 38.40557098388672],
    "fit_kl": [0.3545609712600708, 0.3706687390804291, 0.36497557163238525],
}


@pytest.fixture(autouse=True)
def one_thread():
    """Other tests may change torch's thread count (``TrainConfig.threads``)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


#: Relative tolerance of the autoencoders' code sums (module notes); losses stay at 1e-6.
CODES_REL = 0.01


def _same(got: dict[str, list[float]], expected: dict[str, list[float]]) -> None:
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        rel = CODES_REL if key.endswith("_codes") else 1e-6
        assert got[key] == pytest.approx(values, rel=rel, abs=1e-6), key


def test_a_supervised_fit_gives_the_recorded_numbers():
    _same(supervised_numbers(), SUPERVISED)


def test_autoencoder_fits_give_the_recorded_numbers():
    _same(autoencoder_numbers(), AUTOENCODERS)
