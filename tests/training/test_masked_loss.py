"""Missing labels (NaN targets) are left out of the loss and of the class weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from biodl.training.losses import class_weight_vector, has_missing, make_loss

NAN = math.nan


def test_masked_bce_is_the_mean_over_observed_entries():
    out = torch.tensor([[0.5, -1.0], [2.0, 0.3], [-0.7, 1.1]])
    y = torch.tensor([[1.0, NAN], [0.0, 1.0], [NAN, 0.0]])
    loss = make_loss("bce", "multilabel", masked=True)(out, y)

    def bce(z: float, t: float) -> float:
        p = 1 / (1 + math.exp(-z))
        return -(t * math.log(p) + (1 - t) * math.log(1 - p))

    by_hand = (bce(0.5, 1) + bce(2.0, 0) + bce(0.3, 1) + bce(1.1, 0)) / 4
    assert float(loss) == pytest.approx(by_hand, rel=1e-6)


def test_masked_bce_with_positive_weights():
    out = torch.tensor([[0.5, -1.0], [2.0, 0.3]])
    y = torch.tensor([[1.0, NAN], [0.0, 1.0]])
    w = torch.tensor([3.0, 2.0])
    loss = make_loss("bce", "multilabel", w, masked=True)(out, y)
    p = torch.sigmoid(out)
    terms = [-3.0 * math.log(p[0, 0]), -math.log(1 - p[1, 0]), -2.0 * math.log(p[1, 1])]
    assert float(loss) == pytest.approx(sum(terms) / 3, rel=1e-6)


@pytest.mark.parametrize(
    ("name", "each"),
    [
        ("mse", lambda d: d * d),
        ("l1", abs),
        ("huber", lambda d: 0.5 * d * d if abs(d) < 1 else abs(d) - 0.5),
    ],
)
def test_masked_regression_losses(name, each):
    out = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    y = torch.tensor([[1.5, NAN], [NAN, 1.0], [0.0, 0.0]])
    diffs = [1.0 - 1.5, -1.0 - 1.0, 3.0, 0.5]
    loss = make_loss(name, "regression", masked=True)(out, y)
    assert float(loss) == pytest.approx(sum(each(d) for d in diffs) / 4, rel=1e-6)


def test_masked_loss_gives_no_gradient_to_missing_entries():
    out = torch.zeros(2, 2, requires_grad=True)
    y = torch.tensor([[1.0, NAN], [NAN, 0.0]])
    make_loss("bce", "multilabel", masked=True)(out, y).backward()
    assert out.grad is not None and out.grad[0, 1] == 0 and out.grad[1, 0] == 0
    assert torch.isfinite(out.grad).all() and out.grad[0, 0] != 0


def test_positive_weights_count_observed_entries_only():
    y = np.array([[1, NAN], [0, 1], [0, 0], [NAN, 0]])
    assert class_weight_vector(y, "multilabel").tolist() == [2.0, 2.0]
    assert has_missing(y) and not has_missing(np.array([[1, 0]])) and not has_missing(None)
