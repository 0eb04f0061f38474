"""Composition features (letter and neighbouring-pair shares) and the CNN's ``composition``."""

from __future__ import annotations

import pytest
import torch

from biodl.models.cnn import CNN
from biodl.models.composition import Composition, composition_width, raw_composition


def _onehot(codes: list[list[int]], channels: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.tensor(codes), channels).float().transpose(1, 2)


def test_shares_count_letters_and_neighbouring_pairs() -> None:
    x = _onehot([[0, 1, 0, 3]], 4)  # pairs: 01, 10, 03
    out = raw_composition(x, None, "letters+pairs")[0]
    assert out[:4].tolist() == [0.5, 0.25, 0.0, 0.25]
    pairs = out[4:].reshape(4, 4)
    assert pairs[0, 1] == pytest.approx(1 / 3)
    assert pairs[1, 0] == pytest.approx(1 / 3)
    assert pairs[0, 3] == pytest.approx(1 / 3)
    assert float(pairs.sum()) == pytest.approx(1.0)


def test_padding_never_counts() -> None:
    whole = _onehot([[2, 2, 1]], 4)
    padded = torch.cat([whole, torch.zeros(1, 4, 3)], dim=2)  # three padded positions
    mask = torch.tensor([[True, True, True, False, False, False]])
    expected = raw_composition(whole, None, "letters+pairs")
    assert torch.allclose(raw_composition(padded, mask, "letters+pairs"), expected)
    # a padded position holding a letter (not zeroed) is ignored too
    dirty = padded.clone()
    dirty[0, 3, 3] = 1.0
    assert torch.allclose(raw_composition(dirty, mask, "letters+pairs"), expected)


def test_one_letter_sequence_has_no_pairs() -> None:
    out = raw_composition(_onehot([[1]], 4), None, "letters+pairs")[0]
    assert out[:4].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert float(out[4:].abs().sum()) == 0.0


def test_widths_and_unknown_name() -> None:
    assert composition_width(20, "letters+pairs") == 420
    assert composition_width(4, "letters") == 4
    assert composition_width(4, "none") == 0
    with pytest.raises(ValueError, match="expected one of none, letters"):
        composition_width(4, "triples")
    assert Composition(4, "none")(torch.zeros(2, 4, 5)).shape == (2, 0)


def test_cnn_feeds_composition_to_the_head() -> None:
    torch.manual_seed(0)
    plain = CNN(in_channels=20, n_outputs=2, channels=8, n_layers=2)
    rich = CNN(in_channels=20, n_outputs=2, channels=8, n_layers=2, composition="letters+pairs")
    assert rich.n_features == plain.n_features + 420
    assert rich.head.in_features == rich.n_features
    # the default adds no module, so older runs' weights load as they are
    assert set(plain.state_dict()) == set(
        CNN(in_channels=20, n_outputs=2, channels=8, n_layers=2).state_dict()
    )
    assert not any(k.startswith("composition") for k in plain.state_dict())
    x = _onehot([[1, 2, 3, 4, 5, 0, 0], [6, 7, 8, 9, 10, 11, 12]], 20)
    mask = torch.tensor([[True] * 5 + [False] * 2, [True] * 7])
    x = x * mask.unsqueeze(1)
    rich.eval()
    assert rich(x, mask).shape == (2, 2)
    # a sequence gets the same output alone as padded inside a longer batch
    alone = rich(x[:1, :, :5], mask[:1, :5])
    assert torch.allclose(alone, rich(x, mask)[:1], atol=1e-5)
