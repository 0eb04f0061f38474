"""Saliency: gradients of a linear model equal its weights; IG completeness."""

from __future__ import annotations

import torch

from biodl.interpret.saliency import integrated_gradients, saliency, smoothgrad


def test_gradient_of_a_linear_model_is_its_weights() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2 * 9, 3))
    x = torch.rand(4, 2, 3, 3)
    target = torch.tensor([0, 1, 2, 1])
    maps = saliency(net, x, target)
    weights = net[1].weight.detach().view(3, 2, 3, 3)
    torch.testing.assert_close(maps, weights[target].abs().amax(dim=1))


def test_integrated_gradients_completeness() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)
    )
    x = torch.rand(3, 1, 4, 4)
    target = torch.tensor([0, 1, 0])
    ig = integrated_gradients(net, x, target, steps=200)
    with torch.no_grad():
        gap = net(x).gather(1, target.view(-1, 1))[:, 0] - net(torch.zeros_like(x))[0, target]
    torch.testing.assert_close(ig.sum(dim=(1, 2, 3)), gap, atol=1e-3, rtol=1e-3)
    assert saliency(net, x, target, method="integrated_gradients").shape == (3, 4, 4)


def test_smoothgrad_averages_noisy_gradients() -> None:
    torch.manual_seed(0)
    linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(9, 2))
    x = torch.rand(3, 1, 3, 3)
    target = torch.tensor([0, 1, 1])
    weights = linear[1].weight.detach().view(2, 1, 3, 3)
    # A linear model's gradient is the same everywhere: the noise changes nothing.
    torch.testing.assert_close(smoothgrad(linear, x, target), weights[target])

    # f(x) = sum(x^2): gradient 2x, whose average over zero-mean noise is 2x again; the
    # plain gradient at a point is exact, SmoothGrad within the noise's standard error.
    class Square(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x**2).sum(dim=(1, 2, 3)).unsqueeze(1)

    x = torch.rand(2, 1, 8, 8)
    smooth = smoothgrad(Square(), x, torch.zeros(2, dtype=torch.long), samples=400)
    torch.testing.assert_close(smooth, 2 * x, atol=0.05, rtol=0)
    again = smoothgrad(Square(), x, torch.zeros(2, dtype=torch.long), samples=400)
    assert torch.equal(smooth, again)  # seeded noise
    assert saliency(Square(), x, torch.zeros(2, dtype=torch.long), method="smoothgrad").shape == (
        2,
        8,
        8,
    )
