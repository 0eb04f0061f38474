"""A small CNN trained on planted motifs: its first-layer filters and its gradients give the
planted motifs back (the issue's check, on the six tiny motifs so that it runs in seconds)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from motif_helpers import TINY

from biodl.interpret.discovery import discover_motifs
from biodl.interpret.filters import filter_motifs
from biodl.interpret.motif_files import read_motifs
from biodl.interpret.planted import plant_motifs
from biodl.interpret.tomtom import match_motifs


def _train(pool: int) -> tuple[torch.nn.Sequential, np.ndarray, np.ndarray]:
    """A Koo & Eddy 2019-style CNN (32 filters of 15, ReLU, max pool) on a multi-label task."""
    db = read_motifs(TINY)
    data = plant_motifs(db, n=2000, length=100, instances=(0, 3), seed=0)
    x = torch.tensor(data.onehot).transpose(1, 2)
    y = torch.tensor(data.labels, dtype=torch.float32)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv1d(4, 32, 15, padding=7),
        torch.nn.ReLU(),
        torch.nn.MaxPool1d(pool),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * (100 // pool), 6),
    )
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    generator = torch.Generator().manual_seed(0)
    for _ in range(40):
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), 64):
            batch = order[i : i + 64]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net, data.onehot, data.labels


@pytest.mark.slow
def test_trained_filters_and_gradients_recover_the_planted_motifs() -> None:
    db = read_motifs(TINY)
    net, onehot, labels = _train(pool=20)
    x = torch.tensor(onehot).transpose(1, 2)
    with torch.no_grad():
        act = net[1](net[0](x)).numpy()
    filters = filter_motifs(onehot, act, width=15, padding=7)
    best = match_motifs([f.motif.trimmed() for f in filters], db).best()
    from_filters = {m.target for m in best if m.q_value < 0.05}
    assert len(from_filters) >= 5, from_filters

    # Gradients of each present label, centred over the letters: hypothetical contributions.
    x.requires_grad_(True)
    out = net(x)
    grad = torch.zeros_like(x)
    for k in range(labels.shape[1]):
        (g,) = torch.autograd.grad(out[:, k].sum(), x, retain_graph=True)
        grad += g * torch.tensor(labels[:, k], dtype=torch.float32)[:, None, None]
    attr = grad.transpose(1, 2).numpy()
    attr = attr - attr.mean(axis=2, keepdims=True)
    found = [f for f in discover_motifs(attr, onehot) if f.sign == 1]
    best = match_motifs([f.motif for f in found], db).best()
    from_attributions = {m.target for m in best if m.q_value < 0.05}
    assert len(from_attributions) >= 4, from_attributions
