"""Every model learns a planted motif quickly; the k-mer spectrum matches a naive count."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from biodl.models import build_model
from biodl.models.mlp import kmer_spectrum

MOTIF = np.array([2, 0, 3, 0])  # GATA in ACGT order


def contains(codes: np.ndarray, motif: np.ndarray) -> np.ndarray:
    """(n,) bool: whether each row of codes (n, length) contains motif."""
    windows = np.lib.stride_tricks.sliding_window_view(codes, len(motif), axis=1)
    return (windows == motif).all(axis=-1).any(axis=1)


def planted_motif_task(n: int = 200, length: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    """Random DNA; label 1 iff GATA was inserted. Negatives are redrawn until GATA-free."""
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(n, length))
    labels = rng.permutation(np.arange(n) % 2)
    while (bad := (labels == 0) & contains(codes, MOTIF)).any():
        codes[bad] = rng.integers(0, 4, size=(int(bad.sum()), length))
    for i in np.flatnonzero(labels):
        start = rng.integers(0, length - len(MOTIF) + 1)
        codes[i, start : start + len(MOTIF)] = MOTIF
    assert (contains(codes, MOTIF) == labels.astype(bool)).all()
    x = nn.functional.one_hot(torch.from_numpy(codes), 4).float().transpose(1, 2).contiguous()
    return x, torch.from_numpy(labels).float()


# Small, quick settings per model: (hyperparameters, epochs, learning rate).
LEARNERS: dict[str, tuple[dict[str, object], int, float]] = {
    "cnn": ({"channels": 16, "n_layers": 2}, 7, 1e-2),
    "rnn": ({"hidden_size": 16}, 8, 1e-2),
    "lstm": ({"hidden_size": 16}, 8, 3e-2),
    "gru": ({"hidden_size": 16}, 8, 3e-2),
    "cnn-lstm": ({"conv_channels": 16, "hidden_size": 16, "pool_size": 2}, 8, 1e-2),
    "transformer": ({"d_model": 32, "n_heads": 4, "dim_feedforward": 64, "n_layers": 1}, 8, 1e-2),
    "mlp": ({"k": 4, "hidden_sizes": [32]}, 8, 1e-2),
    "mlp-onehot": ({"features": "onehot", "hidden_sizes": [64]}, 8, 1e-2),
}
N_SEQUENCES, LENGTH = 600, 30


@pytest.mark.parametrize("key", sorted(LEARNERS))
def test_learns_planted_motif(key: str) -> None:
    params, epochs, lr = LEARNERS[key]
    x, y = planted_motif_task(N_SEQUENCES, LENGTH)
    torch.manual_seed(0)
    model = build_model(
        key.split("-onehot")[0], in_channels=4, n_outputs=1, length=LENGTH, **params
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(y), generator=gen).split(32):
            optimiser.zero_grad()
            loss_fn(model(x[batch]).squeeze(1), y[batch]).backward()
            optimiser.step()
    model.eval()
    with torch.no_grad():
        accuracy = ((model(x).squeeze(1) > 0).float() == y).float().mean().item()
    assert accuracy > 0.9, f"{key}: training accuracy {accuracy:.2f}"


def naive_spectrum(seq: str, k: int, letters: str = "ACGT") -> np.ndarray:
    kmers = ["".join(p) for p in itertools.product(letters, repeat=k)]
    counts = dict.fromkeys(kmers, 0)
    for i in range(len(seq) - k + 1):
        word = seq[i : i + k]
        if word in counts:
            counts[word] += 1
    total = sum(counts.values())
    return np.array([counts[w] / max(total, 1) for w in kmers])


def encode(seq: str, length: int) -> torch.Tensor:
    """One-hot (4, length): N spreads 0.25 over ACGT, positions past the end are zero."""
    x = torch.zeros(4, length)
    for i, letter in enumerate(seq):
        if letter == "N":
            x[:, i] = 0.25
        else:
            x["ACGT".index(letter), i] = 1.0
    return x


@pytest.mark.parametrize("k", [1, 2, 3])
def test_kmer_spectrum_matches_naive_count(k: int) -> None:
    seqs = ["ACGTTGCAAC", "GGNACGTA", "AAAA", "CNG"]
    x = torch.stack([encode(s, 12) for s in seqs])
    mask = torch.tensor([[i < len(s) for i in range(12)] for s in seqs])
    got = kmer_spectrum(x, mask, k).numpy()
    expected = np.stack([naive_spectrum(s, k) for s in seqs])
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert got[0].sum() == pytest.approx(1.0)


def test_kmer_spectrum_ignores_padding_without_mask_and_short_input() -> None:
    x = encode("ACG", 6).unsqueeze(0)  # zero rows past the end are skipped even without a mask
    np.testing.assert_allclose(kmer_spectrum(x, None, 2)[0].numpy(), naive_spectrum("ACG", 2))
    assert kmer_spectrum(x[:, :, :1], None, 2).abs().sum() == 0
