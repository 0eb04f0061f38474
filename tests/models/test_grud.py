"""GRU-D: shapes, padding invariance, the decay mechanics, and learning a planted signal."""

from __future__ import annotations

import torch

from biodl.models.grud import GRUD


def inputs(batch: int = 6, steps: int = 8, n_vars: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mask = (torch.rand(batch, steps, n_vars, generator=g) < 0.4).float()
    values = torch.randn(batch, steps, n_vars, generator=g) * mask
    delta = torch.rand(batch, steps, n_vars, generator=g) * 5
    return values, mask, delta


def test_output_shape_and_features_include_statics():
    model = GRUD(in_channels=3, n_outputs=2, n_statics=4, hidden_size=5).eval()
    values, mask, delta = inputs()
    out = model(values, mask, delta, torch.full((6,), 8), torch.zeros(6, 4))
    assert out.shape == (6, 2) and model.n_features == 9
    assert model.features(values, mask, delta).shape == (6, 5)
    assert isinstance(model.head, torch.nn.Linear)


def test_padding_after_the_true_length_does_not_change_the_output():
    torch.manual_seed(0)
    model = GRUD(in_channels=3, n_outputs=1, hidden_size=6).eval()
    values, mask, delta = inputs(batch=2, steps=5)
    short = model(values, mask, delta, torch.tensor([5, 3]))
    padded = [torch.cat([x, torch.randn(2, 4, 3)], dim=1) for x in (values, mask, delta)]
    long = model(*padded, torch.tensor([5, 3]))
    torch.testing.assert_close(short, long)
    alone = model(values[1:, :3], mask[1:, :3], delta[1:, :3])
    torch.testing.assert_close(short[1:], alone)


def test_hidden_decay_forgets_with_time_since_observation():
    torch.manual_seed(0)
    model = GRUD(in_channels=1, n_outputs=1, hidden_size=4).eval()
    with torch.no_grad():
        model.hidden_decay.weight.fill_(5.0)
        model.hidden_decay.bias.zero_()
    values = torch.tensor([[[3.0], [0.0]]])
    mask = torch.tensor([[[1.0], [0.0]]])
    recent = model.features(values, mask, torch.tensor([[[0.0], [0.01]]]))
    old = model.features(values, mask, torch.tensor([[[0.0], [500.0]]]))
    blank = model.features(torch.zeros(1, 2, 1), torch.zeros(1, 2, 1), torch.zeros(1, 2, 1))
    # A long gap decays the state towards zero: the record looks nearly unobserved.
    assert (old - blank).abs().sum() < (recent - blank).abs().sum()


def test_learns_a_planted_signal_in_sparse_observations():
    torch.manual_seed(0)
    values, mask, delta = inputs(batch=200, steps=10, n_vars=3, seed=1)
    y = (values[:, :, 0].sum(dim=1) > 0).float()
    model = GRUD(in_channels=3, n_outputs=1, hidden_size=16, dropout=0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(60):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            model(values, mask, delta)[:, 0], y
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracy = ((model(values, mask, delta)[:, 0] > 0).float() == y).float().mean()
    assert accuracy > 0.85
