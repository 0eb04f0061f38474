"""Losses by name, output layouts, class weights, optimisers and schedules."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from biodl.errors import ConfigError
from biodl.training.losses import (
    class_weight_vector,
    make_loss,
    output_size,
    resolve_loss,
    to_scores,
)
from biodl.training.optim import OPTIMIZERS, make_optimizer, make_scheduler


@pytest.mark.parametrize(
    ("name", "task", "expected"),
    [
        ("auto", "binary", "bce"),
        ("auto", "multiclass", "cross_entropy"),
        ("auto", "multilabel", "bce"),
        ("auto", "regression", "mse"),
        ("l2", "regression", "mse"),
        ("cross_entropy", "binary", "cross_entropy"),
        ("huber", "regression", "huber"),
    ],
)
def test_resolve_loss(name, task, expected):
    assert resolve_loss(name, task) == expected


def test_loss_that_does_not_fit_the_task():
    with pytest.raises(
        ConfigError, match="--loss mse does not fit a binary task; use one of: bce, cross_entropy"
    ):
        resolve_loss("mse", "binary")


def test_binary_bce_has_one_output_and_two_score_columns():
    assert output_size("bce", "binary", n_classes=2) == 1
    assert output_size("cross_entropy", "binary", n_classes=2) == 2
    scores = to_scores(torch.tensor([[0.0], [2.0]]), "bce", "binary")
    assert torch.allclose(scores.sum(1), torch.ones(2))
    assert scores[1, 1] == pytest.approx(torch.sigmoid(torch.tensor(2.0)).item())


def test_losses_match_torch():
    out = torch.randn(6, 3)
    y = torch.tensor([0, 1, 2, 2, 1, 0])
    w = torch.tensor([1.0, 2.0, 0.5])
    assert torch.isclose(
        make_loss("cross_entropy", "multiclass", w)(out, y), F.cross_entropy(out, y, weight=w)
    )
    yb = torch.tensor([0, 1, 1, 0, 1, 1])
    pos = class_weight_vector(yb.numpy(), "binary")
    loss = make_loss("bce", "binary", torch.tensor(pos, dtype=torch.float32))(out[:, :1], yb)
    expected = F.binary_cross_entropy_with_logits(
        out[:, 0], yb.float(), pos_weight=torch.tensor([0.5])
    )
    assert torch.isclose(loss, expected)
    r = torch.randn(6, 1)
    assert torch.isclose(
        make_loss("huber", "regression")(out[:, :1], r), F.huber_loss(out[:, :1], r)
    )
    assert torch.isclose(make_loss("l1", "regression")(out[:, :1], r), F.l1_loss(out[:, :1], r))


def test_balanced_class_weights():
    w = class_weight_vector(np.array([0, 0, 0, 1]), "binary")
    assert w.tolist() == pytest.approx([4 / 6, 2.0])
    ml = class_weight_vector(np.array([[1, 0], [0, 0], [1, 1], [0, 0]]), "multilabel")
    assert ml.tolist() == pytest.approx([1.0, 3.0])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_steps(name):
    net = torch.nn.Linear(3, 1)
    opt = make_optimizer(
        net.parameters(), name, lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.01
    )
    before = net.weight.detach().clone()
    net(torch.randn(4, 3)).pow(2).mean().backward()
    opt.step()
    assert not torch.equal(before, net.weight)
    assert opt.param_groups[0]["weight_decay"] == 0.01


def test_sgd_momentum_and_nesterov_are_passed():
    opt = make_optimizer(
        torch.nn.Linear(2, 1).parameters(), "sgd", lr=0.1, momentum=0.8, nesterov=True
    )
    assert opt.param_groups[0]["momentum"] == 0.8 and opt.param_groups[0]["nesterov"] is True


@pytest.mark.parametrize("name", ["step", "exponential", "cosine", "plateau"])
def test_schedulers(name):
    opt = make_optimizer(torch.nn.Linear(2, 1).parameters(), "adam", lr=0.1)
    assert make_scheduler(opt, name, epochs=9)["interval"] == "epoch"
    assert make_scheduler(opt, "none", epochs=9) is None


def test_one_cycle_warms_up_then_decays_once_per_step():
    opt = make_optimizer(torch.nn.Linear(2, 1).parameters(), "adamw", lr=0.1)
    config = make_scheduler(opt, "onecycle", epochs=2, total_steps=20)
    assert config["interval"] == "step"
    rates = []
    for _ in range(20):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        config["scheduler"].step()
    peak = int(np.argmax(rates))
    assert rates[0] == pytest.approx(0.1 / 25) and max(rates) == pytest.approx(0.1, rel=0.01)
    assert 3 <= peak <= 7 and rates[-1] < rates[0]  # warm-up over the first 30 %
