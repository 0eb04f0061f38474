"""The CNN's additive term (``additive=True``): a linear model on the position-wise one-hot."""

from __future__ import annotations

import pytest
import torch

from biodl.errors import ConfigError
from biodl.models.cnn import CNN


def _planted(n: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random DNA one-hot ``(n, 4, length)`` and a purely additive target: the sum over
    positions of one planted weight per (letter, position)."""
    gen = torch.Generator().manual_seed(seed)
    weights = torch.randn(4, length, generator=gen)
    letters = torch.randint(0, 4, (n, length), generator=gen)
    x = torch.nn.functional.one_hot(letters, 4).float().transpose(1, 2)
    y = (x * weights).sum(dim=(1, 2)).unsqueeze(1)
    return x, y, weights


def _fit(model: CNN, x: torch.Tensor, y: torch.Tensor, steps: int = 300) -> CNN:
    torch.manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        optimiser.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimiser.step()
    return model.eval()


def _r2(model: CNN, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        residual = ((model(x) - y) ** 2).sum()
    return float(1 - residual / ((y - y.mean()) ** 2).sum())


def test_additive_term_learns_a_planted_position_wise_signal() -> None:
    x, y, weights = _planted(600, 30, seed=0)
    gen = torch.Generator().manual_seed(1)  # new sequences, the same planted weights
    x_new = torch.nn.functional.one_hot(torch.randint(0, 4, (300, 30), generator=gen), 4)
    x_new = x_new.float().transpose(1, 2)
    y_new = (x_new * weights).sum(dim=(1, 2)).unsqueeze(1)
    # kernel 3 on 30 positions: the zero padding at the ends cannot tell most positions apart
    settings = {"in_channels": 4, "n_outputs": 1, "channels": 4, "n_layers": 1, "kernel_size": 3}
    torch.manual_seed(0)
    wide = _fit(CNN(length=30, additive=True, dropout=0.0, **settings), x, y)
    torch.manual_seed(0)
    plain = _fit(CNN(length=30, dropout=0.0, **settings), x, y)
    assert _r2(wide, x_new, y_new) > 0.95
    # the convolutions and global pooling alone cannot tell positions apart
    assert _r2(plain, x_new, y_new) < _r2(wide, x_new, y_new) - 0.3
    # the learned weights are the planted ones up to a constant per position
    assert wide.linear is not None
    learned = wide.linear.weight.detach().reshape(4, 30)
    centred = [w - w.mean(dim=0, keepdim=True) for w in (learned, weights)]
    r = torch.corrcoef(torch.stack([c.flatten() for c in centred]))[0, 1]
    assert r > 0.9


def test_additive_term_starts_at_zero_and_adds_no_state_when_off() -> None:
    torch.manual_seed(0)
    x = _planted(5, 10, seed=2)[0]
    wide = CNN(in_channels=4, n_outputs=3, length=10, channels=8, additive=True).eval()
    assert wide.linear is not None and wide.linear.in_features == 40
    with torch.no_grad():  # at the start the output is the network's own
        assert torch.allclose(wide(x), wide.head(wide.features(x)))
    plain = CNN(in_channels=4, n_outputs=3, length=10, channels=8)
    assert plain.linear is None
    assert not any(k.startswith("linear") for k in plain.state_dict())


def test_additive_term_needs_a_fixed_length() -> None:
    with pytest.raises(ConfigError, match="additive=true needs inputs of one fixed length"):
        CNN(in_channels=4, n_outputs=1, additive=True)
