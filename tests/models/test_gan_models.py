"""GAN generator / discriminator pairs: shapes (conditional too), outputs, labels, sampling."""

from __future__ import annotations

import pytest
import torch

from biodl.errors import ConfigError
from biodl.models import GAN_PAIRS
from biodl.models.gan import sample_from
from biodl.models.gan_image import ImageDiscriminator, ImageGenerator
from biodl.models.gan_mlp import MLPDiscriminator, MLPGenerator
from biodl.models.gan_sequence import SequenceDiscriminator, SequenceGenerator
from biodl.models.registry import parameters

CONDITIONINGS = ["projection", "concat"]


def _labels(n_classes: int, n: int) -> torch.Tensor | None:
    return torch.arange(n) % n_classes if n_classes else None


@pytest.mark.parametrize("side", [8, 28, 64])
@pytest.mark.parametrize("n_classes", [0, 3])
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_image_pair_shapes(side, n_classes, conditioning):
    g = ImageGenerator(3, side, side, n_classes, feature_maps=4, n_latent=8)
    d = ImageDiscriminator(3, side, side, n_classes, feature_maps=4, conditioning=conditioning)
    labels = _labels(n_classes, 5)
    x = g(g.noise(5), labels).detach()
    assert x.shape == (5, 3, side, side)
    assert float(x.abs().max()) <= 1.0  # tanh by default
    assert d(x, labels).shape == (5,)


def test_image_pair_of_odd_sizes():
    g = ImageGenerator(1, 30, 20, feature_maps=4)
    x = g(g.noise(2))
    assert x.shape == (2, 1, 30, 20)
    assert ImageDiscriminator(1, 30, 20, feature_maps=4)(x).shape == (2,)


@pytest.mark.parametrize("n_classes", [0, 4])
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
@pytest.mark.parametrize("output", ["linear", "tanh", "sigmoid", "softplus"])
def test_table_pair_shapes_and_outputs(n_classes, conditioning, output):
    g = MLPGenerator(12, n_classes, hidden=(16,), output=output, dropout=0.1)
    d = MLPDiscriminator(12, n_classes, hidden=(16, 8), conditioning=conditioning, batch_norm=True)
    labels = _labels(n_classes, 6)
    x = g(g.noise(6) * 5, labels).detach()
    assert x.shape == (6, 12)
    assert d(x, labels).shape == (6,)
    low, high = {"tanh": (-1, 1), "sigmoid": (0, 1), "softplus": (0, None)}.get(
        output, (None, None)
    )
    if low is not None:
        assert float(x.min()) >= low
    if high is not None:
        assert float(x.max()) <= high


@pytest.mark.parametrize("length", [1, 7, 50, 101])
@pytest.mark.parametrize("n_classes", [0, 2])
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_sequence_pair_shapes_and_softmax(length, n_classes, conditioning):
    g = SequenceGenerator(length, 4, n_classes, feature_maps=8)
    d = SequenceDiscriminator(length, 4, n_classes, feature_maps=8, conditioning=conditioning)
    labels = _labels(n_classes, 3)
    x = g(g.noise(3), labels).detach()
    assert x.shape == (3, length, 4)
    assert torch.allclose(x.sum(-1), torch.ones(3, length), atol=1e-5)
    assert bool((x >= 0).all())
    assert d(x, labels).shape == (3,)


def test_sequence_discriminator_reads_codes_as_one_hot():
    d = SequenceDiscriminator(20, 4, feature_maps=8).eval()
    codes = torch.randint(0, 4, (3, 20))
    one_hot = torch.nn.functional.one_hot(codes, 4).float()
    assert torch.allclose(d(codes), d(one_hot))


@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_conditional_discriminator_score_depends_on_the_label(conditioning):
    torch.manual_seed(0)
    d = MLPDiscriminator(5, 3, hidden=(8,), conditioning=conditioning).eval()
    x = torch.randn(4, 5)
    assert not torch.allclose(d(x, torch.zeros(4, dtype=torch.long)), d(x, torch.ones(4).long()))


def test_generator_output_depends_on_the_label():
    torch.manual_seed(0)
    g = MLPGenerator(5, 3, hidden=(8,)).eval()
    z = g.noise(4)
    assert not torch.allclose(g(z, torch.zeros(4).long()), g(z, torch.full((4,), 2)))


def test_labels_must_suit_the_model():
    g, cg = MLPGenerator(5, hidden=(8,)), MLPGenerator(5, 3, hidden=(8,))
    with pytest.raises(ConfigError, match="unconditional .* but labels were given"):
        g(g.noise(2), torch.zeros(2).long())
    with pytest.raises(ConfigError, match="conditional on 3 classes but no labels"):
        cg(cg.noise(2))
    with pytest.raises(ConfigError, match="unconditional .* but labels were given"):
        MLPDiscriminator(5, hidden=(8,))(torch.zeros(2, 5), torch.zeros(2).long())


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ConfigError, match="n_classes=1: expected 0 .* at least 2"):
        MLPGenerator(5, 1)
    with pytest.raises(ConfigError, match="output='relu6': expected one of linear"):
        MLPGenerator(5, output="relu6")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="dropout=1.0: expected a value in"):
        MLPDiscriminator(5, dropout=1.0)
    with pytest.raises(ConfigError, match="conditioning='sum': expected one of projection"):
        ImageDiscriminator(1, 8, 8, 2, conditioning="sum")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="height=0 .* positive"):
        ImageGenerator(1, 0, 8)


def test_sample_from_is_seeded_and_checks_its_arguments():
    torch.manual_seed(0)
    g = MLPGenerator(4, 2, hidden=(8,))
    g.train()
    a = sample_from(g, 5, labels=1, seed=3)
    assert torch.equal(a, sample_from(g, 5, labels=[1] * 5, seed=3))
    assert not torch.equal(a, sample_from(g, 5, labels=1, seed=4))
    assert g.training  # mode restored
    with pytest.raises(ConfigError, match="n=0: expected a positive number"):
        sample_from(g, 0, labels=1)
    with pytest.raises(ConfigError, match=r"labels: expected integers in \[0, 2\)"):
        sample_from(g, 3, labels=[0, 1, 2])
    with pytest.raises(ConfigError, match="expected one integer or 3 integers"):
        sample_from(g, 3, labels=[0, 1])
    with pytest.raises(ConfigError, match="unconditional"):
        sample_from(MLPGenerator(4, hidden=(8,)), 3, labels=0)


def test_pairs_table_and_registry_read_the_hyperparameters():
    assert set(GAN_PAIRS) == {"mlp", "dcgan", "conv1d"}
    names = [p.name for p in parameters(MLPGenerator)]
    assert "n_features" not in names and "n_classes" not in names
    assert {"n_latent", "hidden", "batch_norm", "dropout", "output"} <= set(names)
    output = next(p for p in parameters(MLPGenerator) if p.name == "output")
    assert output.choices == ("linear", "tanh", "sigmoid", "softplus")
    assert "counts" in output.description
    conditioning = next(p for p in parameters(ImageDiscriminator) if p.name == "conditioning")
    assert conditioning.choices == ("projection", "concat")


@pytest.mark.parametrize(
    "make",
    [
        lambda: ImageDiscriminator(1, 8, 8, 3, feature_maps=4, minibatch_std=True),
        lambda: MLPDiscriminator(6, 3, hidden=(8,), minibatch_std=True),
        lambda: SequenceDiscriminator(10, 4, 3, minibatch_std=True),
    ],
)
def test_minibatch_std_scores_a_batch_of_alike_examples_apart(make):
    torch.manual_seed(0)
    d = make().eval()
    shape = d.sample_shape
    x, labels = torch.rand(6, *shape), torch.zeros(6, dtype=torch.long)
    assert d.minibatch_std and d.head.in_features == d.features(x, labels).shape[1] + 1
    alike = x[:1].expand(6, *shape)
    # the first example scores differently in a varied batch than among copies of itself
    assert not torch.allclose(d(x, labels)[0], d(alike, labels)[0])
    # and a one-example batch has no spread (0), not NaN
    assert torch.isfinite(d(x[:1], labels[:1])).all()


def test_without_minibatch_std_a_score_ignores_the_rest_of_its_batch():
    torch.manual_seed(0)
    d = MLPDiscriminator(6, hidden=(8,)).eval()
    x = torch.randn(5, 6)
    assert not d.minibatch_std and d.head.in_features == 8
    assert torch.allclose(d(x)[:1], d(x[:1]))


def test_input_noise_only_in_training_mode_and_checked():
    torch.manual_seed(0)
    d = MLPDiscriminator(6, hidden=(8,), dropout=0.0, input_noise=0.5)
    x = torch.randn(4, 6)
    assert not torch.allclose(d(x), d(x))  # fresh noise each call while training
    d.eval()
    assert torch.allclose(d(x), d(x))
    with pytest.raises(ConfigError, match=r"input_noise=-0.1: expected a standard deviation"):
        ImageDiscriminator(1, 8, 8, input_noise=-0.1)
