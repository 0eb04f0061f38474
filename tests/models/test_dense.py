"""DenseMLP: shapes, options, forward == head(features), hyperparameter checks, encoder."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from biodl.errors import ConfigError
from biodl.models.dense import DenseMLP, build_dense, dense_parameters


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "gelu"])
def test_shapes_and_activation(activation):
    model = DenseMLP(in_features=12, n_outputs=3, depth=3, width=8, activation=activation)
    assert tuple(model(torch.randn(5, 12)).shape) == (5, 3)
    kinds = {type(m).__name__.lower() for m in model.body}
    assert activation in kinds
    assert sum(isinstance(m, nn.Linear) for m in model.body) == 3


def test_options_change_the_layers():
    plain = DenseMLP(in_features=6, n_outputs=1, hidden_sizes=[5, 4], batch_norm=False)
    assert [m.out_features for m in plain.body if isinstance(m, nn.Linear)] == [5, 4]
    assert not any(isinstance(m, nn.BatchNorm1d) for m in plain.body)
    assert plain.n_features == 4 and plain.head.in_features == 4
    linear = DenseMLP(in_features=6, n_outputs=2, hidden_sizes=[])
    assert linear.n_features == 6 and len(linear.body) == 0
    normed = DenseMLP(in_features=6, n_outputs=2, depth=2, width=3, dropout=0.1)
    assert sum(isinstance(m, nn.BatchNorm1d) for m in normed.body) == 2
    assert all(m.p == 0.1 for m in normed.body if isinstance(m, nn.Dropout))


def test_forward_is_head_of_features_in_eval_mode():
    torch.manual_seed(0)
    model = DenseMLP(in_features=10, n_outputs=2, input_dropout=0.3).eval()
    x = torch.randn(7, 10)
    torch.testing.assert_close(model(x), model.head(model.features(x)))
    # batch-size invariant in eval mode (batch norm uses running statistics)
    torch.testing.assert_close(model(x[:3]), model(x)[:3])


def test_learns_a_planted_signal():
    torch.manual_seed(0)
    x = torch.randn(200, 20)
    y = ((x[:, 0] * x[:, 1]) > 0).long()  # not linearly separable
    model = DenseMLP(in_features=20, n_outputs=2, depth=2, width=32, dropout=0.0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    accuracy = (model.eval()(x).argmax(1) == y).float().mean().item()
    assert accuracy > 0.9


def test_encoder_runs_first():
    encoder = nn.Sequential(nn.Linear(30, 4), nn.ReLU())
    model = DenseMLP(in_features=30, n_outputs=2, depth=1, width=5)
    model.set_encoder(encoder, 4)
    assert model.body[0].in_features == 4
    assert tuple(model(torch.randn(3, 30)).shape) == (3, 2)
    linear = DenseMLP(in_features=30, n_outputs=2, hidden_sizes=[])
    linear.set_encoder(encoder, 4)
    assert linear.head.in_features == 4 and tuple(linear(torch.randn(3, 30)).shape) == (3, 2)


def test_build_dense_checks_parameters():
    assert [p.name for p in dense_parameters()][:2] == ["depth", "width"]
    assert build_dense(in_features=4, n_outputs=2, width=3).head.in_features == 3
    with pytest.raises(ConfigError, match="has no parameter 'widht'; valid parameters: depth"):
        build_dense(in_features=4, n_outputs=2, widht=3)
    with pytest.raises(ConfigError, match="'activation' must be one of relu"):
        build_dense(in_features=4, n_outputs=2, activation="swish")
    with pytest.raises(ConfigError, match="'dropout' must be a probability"):
        build_dense(in_features=4, n_outputs=2, dropout=1.0)
    with pytest.raises(ConfigError, match="depth must be >= 1"):
        DenseMLP(in_features=4, n_outputs=2, depth=0)


@pytest.mark.parametrize("kind", ["ae", "dae", "vae"])
def test_encoder_option_builds_the_autoencoder_encoder(kind):
    from biodl.models.autoencoder import AE, DAE, VAE

    model = DenseMLP(in_features=30, n_outputs=2, depth=1, width=5, encoder=kind, n_latent=3)
    assert model.body[0].in_features == 3
    source = {"ae": AE, "dae": DAE, "vae": VAE}[kind](30, n_latent=3).eval()
    if kind == "vae":
        source.input_mean.fill_(0.5)  # the Gaussian VAE standardises its input
        source.input_scale.fill_(2.0)
    model.encoder.load_from(source)
    x = torch.randn(4, 30)
    assert torch.equal(model.eval().encoder(x), source.encode(x))
    with pytest.raises(ConfigError, match="'encoder' must be one of none, ae, dae, vae"):
        build_dense(in_features=4, n_outputs=2, encoder="pca")


def test_nb_vae_is_refused_and_frozen_encoder_does_not_learn():
    from biodl.models.autoencoder import VAE

    model = DenseMLP(in_features=30, n_outputs=2, encoder="vae", n_latent=3, freeze_encoder=True)
    with pytest.raises(ConfigError, match="negative-binomial VAE encodes raw counts"):
        model.encoder.load_from(VAE(30, n_latent=3, likelihood="nb"))
    before = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    head = model.head.weight.detach().clone()
    model.train()
    assert not model.encoder.training and model.body.training  # batch norm statistics fixed
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(torch.randn(8, 30)), torch.arange(8) % 2).backward()
        opt.step()
    after = model.encoder.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not torch.equal(model.head.weight, head)  # the layers above it do learn
