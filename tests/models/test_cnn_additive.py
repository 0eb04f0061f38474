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


def _motif_anywhere(n: int, seed: int = 0) -> tuple[list[str], list[int]]:
    """Random 40-mers; every second one holds GATAAG at a random position (label 1)."""
    gen = torch.Generator().manual_seed(seed)
    sequences, labels = [], []
    for i in range(n):
        letters = ["ACGT"[int(k)] for k in torch.randint(0, 4, (40,), generator=gen)]
        if i % 2:
            start = int(torch.randint(0, 35, (1,), generator=gen))
            letters[start : start + 6] = "GATAAG"
        sequences.append("".join(letters))
        labels.append(i % 2)
    return sequences, labels


def test_additive_penalty_keeps_the_term_small_where_the_motif_sits_anywhere() -> None:
    from biodl import SequenceClassifier

    x, y = _motif_anywhere(240)
    norms, scores = {}, {}
    for penalty in (0.0, 1.0):
        params = {"channels": 8, "n_layers": 1, "additive": True, "additive_penalty": penalty}
        clf = SequenceClassifier(model_params=params, epochs=15, lr=0.01, seed=0)
        clf.fit(x[:200], y[:200])
        model = clf.fit_.network.model
        assert model.linear is not None
        weight = model.linear.weight.detach()
        norms[penalty] = float(weight.norm())
        scores[penalty] = clf.score(x[200:], y[200:])
        with torch.no_grad():
            own = float(model.loss_penalty())
        assert own == pytest.approx(penalty * float((weight**2).sum()))
    # the training path adds the penalty: the position-wise weights stay near zero
    assert norms[1.0] < 0.2 * norms[0.0]
    assert scores[1.0] > scores[0.0]


def test_additive_penalty_needs_the_term_and_a_non_negative_value() -> None:
    with pytest.raises(ConfigError, match="additive_penalty=0.5 needs additive=true"):
        CNN(in_channels=4, n_outputs=1, length=10, additive_penalty=0.5)
    with pytest.raises(ConfigError, match="a value >= 0"):
        CNN(in_channels=4, n_outputs=1, length=10, additive=True, additive_penalty=-1.0)
    assert CNN(in_channels=4, n_outputs=1, length=10, additive=True).loss_penalty() == 0.0
