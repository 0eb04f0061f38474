"""The ensemble model: averaged predictions in the form of one network's output."""

from __future__ import annotations

import pytest
import torch

from biodl.models.ensemble import Ensemble, combine_for


def _members(n: int, outputs: int) -> list[torch.nn.Linear]:
    torch.manual_seed(0)
    return [torch.nn.Linear(5, outputs) for _ in range(n)]


def test_softmax_outputs_average_the_class_probabilities():
    members = _members(3, 4)
    x = torch.randn(6, 5)
    mean = torch.stack([m(x).softmax(-1) for m in members]).mean(0)
    out = Ensemble(members, combine="softmax")(x)
    assert torch.allclose(out.softmax(-1), mean, atol=1e-6)
    assert torch.allclose(out.exp().sum(-1), torch.ones(6), atol=1e-5)


def test_sigmoid_outputs_average_the_label_probabilities():
    members = _members(2, 3)
    x = torch.randn(6, 5)
    mean = torch.stack([m(x).sigmoid() for m in members]).mean(0)
    assert torch.allclose(Ensemble(members, combine="sigmoid")(x).sigmoid(), mean, atol=1e-6)


def test_regression_outputs_are_averaged_and_one_member_is_itself():
    members = _members(3, 2)
    x = torch.randn(6, 5)
    mean = torch.stack([m(x) for m in members]).mean(0)
    assert torch.allclose(Ensemble(members)(x), mean, atol=1e-6)
    assert torch.allclose(Ensemble(members[:1])(x), members[0](x))


def test_features_are_the_members_side_by_side():
    from biodl.models.cnn import CNN

    members = [CNN(in_channels=4, n_outputs=2, channels=8, n_layers=2) for _ in range(2)]
    model = Ensemble(members, combine="softmax").eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 30)), 4).float().transpose(1, 2)
    assert model.features(x).shape == (3, model.n_features) and model.n_features == 32


def test_the_combine_rule_follows_the_loss():
    assert [combine_for(n) for n in ("cross_entropy", "bce", "mse", "huber")] == [
        "softmax",
        "sigmoid",
        "mean",
        "mean",
    ]


def test_an_ensemble_needs_members():
    with pytest.raises(ValueError, match="at least one member"):
        Ensemble([])
