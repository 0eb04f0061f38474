"""The count GAN generator: negative-binomial draws in the discriminator's units, gradients
through the draw, seeded sampling, its starting dispersions, and refused arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from biodl.errors import ConfigError
from biodl.models.gan import sample_from
from biodl.models.gan_counts import CountGenerator, mean_shares, neighbour_dispersion


def _generator(n_genes: int = 8, **given) -> CountGenerator:
    torch.manual_seed(0)
    params = {
        "libraries": [50.0, 100.0, 400.0],
        "center": [0.5] * n_genes,
        "scale": [2.0] * n_genes,
        "hidden": (16,),
        **given,
    }
    return CountGenerator(n_genes, **params)


def test_output_is_scaled_log1p_of_whole_counts() -> None:
    g = _generator()
    out = g(g.noise(32))
    counts = torch.expm1(out * 2.0 + 0.5)
    assert torch.allclose(counts, counts.round(), atol=1e-3)
    assert bool((counts.round() >= 0).all())
    # each row's total is a negative-binomial draw around one of the library sizes
    assert float(counts.detach().sum(dim=1).max()) > 150


def test_gradients_reach_the_shares_and_the_dispersions() -> None:
    g = _generator()
    g(g.noise(16)).sum().backward()
    assert g.out.weight.grad is not None and float(g.out.weight.grad.abs().sum()) > 0
    assert g.log_theta.grad is not None and float(g.log_theta.grad.abs().sum()) > 0
    assert g.log_share.grad is not None


def test_sampling_is_seeded_and_leaves_the_global_state_alone() -> None:
    g = _generator()
    state = torch.get_rng_state()
    first, second = sample_from(g, 20, seed=3), sample_from(g, 20, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first, second)
    assert not torch.equal(first, sample_from(g, 20, seed=4))


def test_starting_shares_give_the_mean_of_every_gene() -> None:
    shares = np.array([0.5, 0.3, 0.1, 0.05, 0.05])
    g = _generator(5, shares=shares.tolist(), libraries=[1000.0], center=[0.0] * 5)
    g.eval()
    counts = torch.expm1(sample_from(g, 400, seed=0) * 2.0)
    np.testing.assert_allclose(counts.mean(dim=0).numpy() / 1000.0, shares, atol=0.03)


def test_neighbour_dispersion_recovers_the_simulated_one() -> None:
    from biodl.data.simulate import simulate_counts

    sim = simulate_counts(400, 60, n_types=3, markers=10, dispersion=2.0, seed=5)
    X = np.asarray(sim.counts, dtype=np.float64)
    theta = neighbour_dispersion(X)
    assert theta.shape == (60,)
    assert 1.6 < float(np.median(theta)) < 2.6
    share = mean_shares(X)
    assert share.sum() == pytest.approx(1.0) and (share > 0).all()


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ({"libraries": [0.0, 10.0]}, "libraries must be one or more positive"),
        ({"center": [0.0]}, "center and scale need one value per gene"),
        ({"dispersion": -1.0}, "dispersion: expected values > 0"),
        ({"shares": [1.0, 0.0] * 4}, "shares need one positive value per gene"),
    ],
)
def test_bad_arguments(given: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        _generator(**given)


def test_a_conditional_generator_draws_each_class_s_own_library_sizes() -> None:
    g = CountGenerator(
        5, 2, libraries=[10.0, 12.0, 1000.0, 1200.0], library_classes=[0, 0, 1, 1],
        center=[0.0] * 5, scale=[1.0] * 5, hidden=(8,),
    ).eval()  # fmt: skip
    labels = torch.tensor([0, 1] * 50)
    h = torch.cat([g.noise(100), g.label_embedding(labels)], dim=1)
    totals = g.means(h, labels).sum(dim=1).detach()  # the shares sum to 1: the library size
    assert set(totals[labels == 0].round().tolist()) <= {10.0, 12.0}
    assert set(totals[labels == 1].round().tolist()) <= {1000.0, 1200.0}
    assert totals.shape == (100,) and g(g.noise(4), labels[:4]).shape == (4, 5)
    with pytest.raises(ConfigError, match="library_classes needs one class"):
        CountGenerator(5, 2, libraries=[10.0], library_classes=[2], center=[0.0] * 5,
                       scale=[1.0] * 5)  # fmt: skip
