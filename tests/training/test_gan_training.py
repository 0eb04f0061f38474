"""Training a GAN in turns: frozen networks, step counts, losses, stopping, the kept epoch,
reproducibility and bad arguments."""

from __future__ import annotations

import lightning as L
import numpy as np
import pytest
import torch

from biodl.errors import ConfigError, DataError
from biodl.models.gan_image import ImageDiscriminator, ImageGenerator
from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
from biodl.models.gan_sequence import SequenceDiscriminator, SequenceGenerator
from biodl.training.gan import fit_gan
from biodl.training.gan_losses import (
    correct_counts,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
)
from biodl.training.gan_task import GANTask


def _pair(n_features=2, n_classes=0, **d):
    torch.manual_seed(0)
    g = MLPGenerator(n_features, n_classes, n_latent=4, hidden=(32, 32))
    return g, MLPDiscriminator(n_features, n_classes, hidden=(32, 32), **d)


def _gaussian(n=1024, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 2)) * [0.5, 1.0] + [2.0, -1.0]).astype(np.float32)


def _snapshot(net):
    return [p.detach().clone() for p in net.parameters()]


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_one_round_freezes_the_other_network_and_counts_steps(monkeypatch):
    events = []
    d_step, g_step = GANTask.discriminator_step, GANTask.generator_step

    def checked(step, learner, other_name, kind):
        def run(self, first, labels, optimizer):
            other = getattr(self, other_name)
            before_other, before_learner = _snapshot(other), _snapshot(getattr(self, learner))
            step(self, first, labels, optimizer)
            assert _same(before_other, _snapshot(other)), f"{other_name} moved in a {kind} step"
            assert not _same(before_learner, _snapshot(getattr(self, learner)))
            assert not any(p.requires_grad for p in other.parameters())
            assert all(p.requires_grad for p in getattr(self, learner).parameters())
            param = next(getattr(self, learner).parameters())
            events.append((kind, int(optimizer.optimizer.state[param]["step"])))

        return run

    monkeypatch.setattr(
        GANTask, "discriminator_step", checked(d_step, "discriminator", "generator", "d")
    )
    monkeypatch.setattr(
        GANTask, "generator_step", checked(g_step, "generator", "discriminator", "g")
    )
    g, d = _pair()
    fit = fit_gan(g, d, _gaussian(64), d_steps=2, g_steps=3, batch_size=16, epochs=1)
    assert [kind for kind, _ in events] == list("ddgggddggg")
    assert [count for _, count in events] == [1, 2, 1, 2, 3, 3, 4, 4, 5, 6]
    assert fit.steps == {"discriminator": 4, "generator": 6}
    # Training over, both networks learn again when handed back.
    assert all(p.requires_grad for p in [*fit.generator.parameters(), *d.parameters()])


def test_losses_match_their_formulas():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    sig = torch.sigmoid
    bce = -(torch.log(sig(real)).mean() + torch.log(1 - sig(fake)).mean())
    assert torch.allclose(discriminator_loss("nonsaturating", real, fake), bce)
    assert torch.allclose(discriminator_loss("minimax", real, fake), bce)
    assert torch.allclose(generator_loss("minimax", fake), torch.log(1 - sig(fake)).mean())
    assert torch.allclose(generator_loss("nonsaturating", fake), -torch.log(sig(fake)).mean())
    assert torch.allclose(
        discriminator_loss("wasserstein-gp", real, fake), fake.mean() - real.mean()
    )
    assert torch.allclose(generator_loss("wasserstein-gp", fake), -fake.mean())


def test_accuracy_of_a_logit_discriminator_and_of_a_critic():
    real, fake = torch.tensor([2.0, -1.0, 0.3]), torch.tensor([0.5, -3.0, -0.1])
    assert correct_counts("nonsaturating", real, fake).tolist() == [2, 2]
    # Critic: threshold at the midpoint of the mean scores (1.3/3 - 2.6/3) / 2 = -0.2167
    # (fake -0.1 is above it); shifting every score leaves the counts unchanged.
    assert correct_counts("wasserstein-gp", real, fake).tolist() == [2, 1]
    assert correct_counts("wasserstein-gp", real + 100, fake + 100).tolist() == [2, 1]


def test_gradient_penalty_equals_a_hand_computation():
    a = torch.tensor([1.0, -2.0, 0.5])
    critic = torch.nn.Module()
    critic.a = torch.nn.Parameter(a.clone())

    def score(x, labels):  # C(x) = sum(a * x^2): grad = 2 a x
        return (critic.a * x**2).sum(dim=1)

    real = torch.tensor([[1.0, 0.0, 2.0], [0.5, 1.0, -1.0]])
    fake = torch.tensor([[0.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])
    eps = torch.tensor([0.25, 0.6])
    mixed = eps[:, None] * real + (1 - eps[:, None]) * fake
    norms = (2 * a * mixed).norm(dim=1)
    expected = ((norms - 1) ** 2).mean()
    penalty = gradient_penalty(score, real, fake, eps=eps)
    assert torch.allclose(penalty, expected)
    penalty.backward()  # differentiable with respect to the critic's weights
    assert critic.a.grad is not None and bool(critic.a.grad.abs().sum() > 0)
    linear = torch.nn.Linear(3, 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[3.0, 0.0, 4.0]]))
    value = gradient_penalty(lambda x, y: linear(x).squeeze(-1), real, fake)
    assert torch.allclose(value, torch.tensor(16.0))  # (||w|| - 1)^2 at every point


def test_a_gan_learns_a_planted_gaussian():
    g, d = _pair()
    fit = fit_gan(g, d, _gaussian(), epochs=25, lr=1e-3, batch_size=64)
    samples = fit.sample(4000, seed=1)
    assert np.allclose(samples.mean(0), [2.0, -1.0], atol=0.25), samples.mean(0)
    assert np.allclose(samples.std(0), [0.5, 1.0], rtol=0.3), samples.std(0)
    history = fit.history
    assert list(history.columns) == [
        "epoch",
        "d_loss",
        "g_loss",
        "d_acc_real",
        "d_acc_fake",
        "quality",
    ]
    assert len(history) == 25 and history["quality"].isna().all()
    assert history[["d_acc_real", "d_acc_fake"]].stack().between(0, 1).all()
    assert fit.best_epoch == 25 and fit.stop_reason == "epochs: trained all 25 epochs"


def test_a_conditional_gan_learns_class_dependent_means():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=1200)
    X = (rng.normal(size=(1200, 1)) * 0.4 + np.array([-2.0, 0.0, 2.0])[y, None]).astype("f4")
    torch.manual_seed(0)
    g = MLPGenerator(1, 3, n_latent=4, hidden=(32, 32))
    d = MLPDiscriminator(1, 3, hidden=(32, 32))
    fit = fit_gan(g, d, X, y, epochs=30, lr=1e-3)
    for label, mean in enumerate([-2.0, 0.0, 2.0]):
        samples = fit.sample(1000, labels=label, seed=label)
        assert abs(samples.mean() - mean) < 0.5, (label, samples.mean())
    assert fit.class_counts is not None and fit.class_counts.sum() == 1200
    labels = fit.training_labels(500, seed=0)
    assert labels.shape == (500,) and set(np.unique(labels)) == {0, 1, 2}


def test_stop_when_fooled_stops_and_says_so():
    g, d = _pair()
    fit = fit_gan(g, d, _gaussian(256), epochs=10, stop_when_fooled=0.99)
    assert len(fit.history) < 10
    accuracy = (fit.history.d_acc_real + fit.history.d_acc_fake).iloc[-1] / 2
    assert accuracy <= 0.99
    assert ((fit.history.d_acc_real + fit.history.d_acc_fake).iloc[:-1] / 2 > 0.99).all()
    assert fit.stop_reason.startswith("fooled: the discriminator's accuracy")
    assert f"at epoch {len(fit.history)}" in fit.stop_reason
    g, d = _pair()
    fit = fit_gan(g, d, _gaussian(256), epochs=3, stop_when_fooled=0.01)
    assert len(fit.history) == 3 and fit.stop_reason == "epochs: trained all 3 epochs"


class _Weights(L.Callback):
    def __init__(self):
        self.states = []

    def on_train_epoch_end(self, trainer, pl_module):
        self.states.append({k: v.clone() for k, v in pl_module.generator.state_dict().items()})


def test_quality_keeps_the_best_epoch():
    planted = iter([5.0, 4.0, 1.0, 3.0, 2.0, 6.0])
    seen = []

    def quality(samples):
        seen.append(samples.shape)
        return next(planted)

    weights = _Weights()
    g, d = _pair()
    fit = fit_gan(
        g, d, _gaussian(128), epochs=6, quality=quality, quality_samples=50, callbacks=[weights]
    )
    assert fit.best_epoch == 3
    assert fit.history["quality"].tolist() == [5.0, 4.0, 1.0, 3.0, 2.0, 6.0]
    assert seen == [(50, 2)] * 6
    kept = fit.generator.state_dict()
    assert all(torch.equal(kept[k], v) for k, v in weights.states[2].items())
    assert not all(torch.equal(kept[k], v) for k, v in weights.states[-1].items())


def test_quality_every_n_epochs_and_always_the_last():
    g, d = _pair()
    fit = fit_gan(
        g, d, _gaussian(128), epochs=5, quality=lambda s: float(np.abs(s).mean()), quality_every=2
    )
    assert fit.history["quality"].notna().tolist() == [False, True, False, True, True]


def test_the_same_seed_gives_the_same_samples():
    runs = []
    for _ in range(2):
        g, d = _pair()
        runs.append(fit_gan(g, d, _gaussian(128), epochs=2, seed=3).sample(20, seed=5))
    assert np.array_equal(runs[0], runs[1])
    g, d = _pair()
    other = fit_gan(g, d, _gaussian(128), epochs=2, seed=4).sample(20, seed=5)
    assert not np.array_equal(runs[0], other)


def test_images_and_sequences_train_and_sample():
    torch.manual_seed(0)
    images = np.tanh(np.random.default_rng(0).normal(size=(40, 1, 8, 8))).astype("f4")
    y = np.arange(40) % 2
    fit = fit_gan(
        ImageGenerator(1, 8, 8, 2, feature_maps=4),
        ImageDiscriminator(1, 8, 8, 2, feature_maps=4),
        images,
        y,
        epochs=1,
        batch_size=16,
    )
    assert fit.sample(3, labels=[0, 1, 1]).shape == (3, 1, 8, 8)
    codes = np.random.default_rng(0).integers(0, 4, size=(30, 12))
    fit = fit_gan(
        SequenceGenerator(12, 4, feature_maps=4),
        SequenceDiscriminator(12, 4, feature_maps=4),
        codes,
        loss="wasserstein-gp",
        epochs=1,
        batch_size=8,
    )
    letters = fit.sample(5)
    assert letters.shape == (5, 12) and letters.dtype == np.int64 and letters.max() < 4
    probabilities = fit.sample(5, probabilities=True)
    assert probabilities.shape == (5, 12, 4)
    assert np.allclose(probabilities.sum(-1), 1.0, atol=1e-5)
    assert np.array_equal(probabilities.argmax(-1), letters)


@pytest.fixture(scope="module")
def small_fit():
    g, d = _pair()
    return fit_gan(g, d, _gaussian(64), epochs=1)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"d_steps": 0}, ConfigError, r"d_steps=0: expected discriminator updates per round"),
        ({"g_steps": -1}, ConfigError, r"g_steps=-1: expected generator updates"),
        ({"loss": "hinge"}, ConfigError, r"loss='hinge': unknown GAN loss; expected one of"),
        ({"epochs": 0}, ConfigError, r"epochs=0: expected a number of epochs"),
        ({"lr": 0.0}, ConfigError, r"lr=0.0: expected a positive learning rate"),
        ({"stop_when_fooled": 1.5}, ConfigError, r"stop_when_fooled=1.5: expected an accuracy"),
        ({"y": np.zeros(64, dtype=int)}, ConfigError, r"y: labels were given but the GAN is unc"),
        ({"X": np.zeros((64, 3), "f4")}, DataError, r"X has shape \(64, 3\); .* \(n, 2\)"),
        ({"X": np.zeros((1, 2), "f4")}, DataError, r"X has 1 example\(s\); a GAN needs at least 2"),
        ({"X": np.full((8, 2), np.nan, "f4")}, DataError, r"X contains NaN"),
    ],
)
def test_bad_fit_arguments_raise_clear_errors(options, error, message):
    g, d = _pair()
    X = options.pop("X", _gaussian(64))
    with pytest.raises(error, match=message):
        fit_gan(g, d, X, epochs=options.pop("epochs", 1), **options)


def test_bad_pairs_and_labels_raise_clear_errors():
    g, d = _pair(n_classes=2)
    X = _gaussian(64)
    with pytest.raises(DataError, match=r"y: the GAN is conditional on 2 classes but no labels"):
        fit_gan(g, d, X, epochs=1)
    with pytest.raises(DataError, match=r"y: labels must be in \[0, 2\); got 0 to 2"):
        fit_gan(g, d, X, np.arange(64) % 3, epochs=1)
    with pytest.raises(ConfigError, match=r"generator has n_classes=2 but the discriminator 0"):
        fit_gan(g, MLPDiscriminator(2), X, np.arange(64) % 2, epochs=1)
    with pytest.raises(ConfigError, match=r"makes examples of shape \(2,\) but the disc"):
        fit_gan(g, MLPDiscriminator(3, 2), X, np.arange(64) % 2, epochs=1)
    with pytest.raises(ConfigError, match=r"'wasserstein-gp' needs a critic without batch norm"):
        fit_gan(MLPGenerator(2), MLPDiscriminator(2, batch_norm=True), X, loss="wasserstein-gp")


def test_bad_sample_arguments_raise_clear_errors(small_fit):
    with pytest.raises(ConfigError, match=r"n=0: expected a positive number of samples"):
        small_fit.sample(0)
    with pytest.raises(ConfigError, match=r"n=-3: expected a positive number of samples"):
        small_fit.sample(-3)
    with pytest.raises(ConfigError, match=r"MLPGenerator is unconditional .* labels were given"):
        small_fit.sample(3, labels=[0, 1, 0])
    with pytest.raises(ConfigError, match=r"training_labels: this GAN is unconditional"):
        small_fit.training_labels(3)
