"""Receptive-field-limited ISM equals the full computation, and falls back where it is not exact."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from biodl.interpret.inputs import explainable
from biodl.interpret.local_ism import LocalISM, local_ism, local_ism_unsupported
from biodl.interpret.mutagenesis import mutagenesis
from biodl.models import build_model
from biodl.models.cnn import CNN
from biodl.training.task import SequenceNetwork


def _onehot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    codes = torch.from_numpy(np.random.default_rng(seed).integers(0, 4, (n, length)))
    return torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float()


def _trained_looking(model: torch.nn.Module) -> torch.nn.Module:
    """Batch-norm statistics and scales away from their defaults, then eval mode."""
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            assert m.running_mean is not None and m.running_var is not None
            m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
    return model.eval()


CONFIGS = [
    {},  # the default CNN: 3 blocks, kernel 9, max pooling 2, maxavg global pooling
    {"pooling": "avg", "pool_size": 3, "global_pooling": "avg"},
    {"pooling": "none", "activation": "gelu", "global_pooling": "max"},
    {"channels": 8, "residual": True, "dilation": "exponential", "kernel_size": 4},
    {"channels": [8, 16, 16], "pool_size": 4, "batch_norm": False, "kernel_size": [5, 3, 7]},
    {"channels": 8, "pool_size": [5, 1, 2]},  # one pooling per layer (Koo & Eddy style)
]


@pytest.mark.parametrize("params", CONFIGS)
@pytest.mark.parametrize("length", [41, 8])
def test_local_ism_equals_the_full_batched_ism(params: dict, length: int) -> None:
    torch.manual_seed(0)
    model = _trained_looking(CNN(in_channels=4, n_outputs=3, **{"channels": 16, **params}))
    x, target = _onehot(4, length, seed=length), torch.tensor([0, 1, 2, 1])
    fast = local_ism(model, lambda out: out)
    assert fast is not None
    full = mutagenesis(lambda h, rows: model(h, None), x, target)
    local = fast(x, target)
    torch.testing.assert_close(local, full, atol=1e-5, rtol=1e-4)
    assert float((local * x).abs().sum()) == 0.0  # zero at each sequence's own letter
    assert float(local.abs().max()) > 1e-3


@pytest.mark.parametrize("n_outputs", [3, 1])
def test_local_ism_adds_the_additive_term_exactly(n_outputs: int) -> None:
    torch.manual_seed(0)
    model = CNN(in_channels=4, n_outputs=n_outputs, length=30, channels=8, additive=True)
    assert model.linear is not None
    torch.nn.init.normal_(model.linear.weight)  # away from its zero start
    model = _trained_looking(model)
    x, target = _onehot(4, 30, seed=3), torch.tensor([0, 1, 2, 1]) % n_outputs
    fast = local_ism(model, lambda out: out.sigmoid())
    assert fast is not None
    full = mutagenesis(lambda h, rows: model(h, None).sigmoid(), x, target)
    torch.testing.assert_close(fast(x, target), full, atol=1e-5, rtol=1e-4)
    # a sequence shorter than the model's length is padded for the term, as the dataset does
    short = x[:, :, :22]
    padded = torch.nn.functional.pad(short, (0, 8))
    mask = torch.zeros(4, 30, dtype=torch.bool)
    mask[:, :22] = True
    full = mutagenesis(lambda h, rows: model(h, mask[rows]).sigmoid(), padded, target)
    local = fast(padded, target, mask)
    torch.testing.assert_close(local[:, :, :22], full[:, :, :22], atol=1e-5, rtol=1e-4)
    assert float(local[:, :, 22:].abs().sum()) == 0.0


def test_local_ism_scores_padded_sequences_at_their_own_length() -> None:
    torch.manual_seed(0)
    model = _trained_looking(CNN(in_channels=4, n_outputs=2, channels=16))
    mask = torch.ones(3, 30, dtype=torch.bool)
    mask[1, 21:] = False
    mask[2, 9:] = False
    x = _onehot(3, 30, seed=3) * mask[:, None]
    target = torch.tensor([1, 0, 1])
    full = mutagenesis(lambda h, rows: model(h, mask[rows]), x, target)
    local = LocalISM(model, lambda out: out, max_rows=5)(x, target, mask)
    torch.testing.assert_close(local, full, atol=1e-5, rtol=1e-4)
    assert float(local[1, :, 21:].abs().sum()) == 0.0


@pytest.mark.parametrize("name", ["lstm", "transformer", "cnn-lstm"])
def test_non_local_models_fall_back_to_the_full_ism(name: str) -> None:
    model = build_model(name, in_channels=4, n_outputs=1, length=20).eval()
    assert local_ism_unsupported(model) is not None
    assert local_ism(model, lambda out: out) is None


def test_strided_or_training_cnn_is_not_local() -> None:
    strided = CNN(in_channels=4, n_outputs=1, channels=8, stride=2).eval()
    assert "stride" in str(local_ism_unsupported(strided))
    training = CNN(in_channels=4, n_outputs=1, channels=8)
    assert "training" in str(local_ism_unsupported(training))


def test_a_cnn_reading_composition_falls_back_to_the_full_ism() -> None:
    """Its head reads letter shares of the whole sequence: no receptive-field shortcut."""
    torch.manual_seed(0)
    model = _trained_looking(CNN(in_channels=4, n_outputs=1, channels=8, composition="letters"))
    assert "composition" in str(local_ism_unsupported(model))
    assert local_ism(model, lambda out: out) is None
    table = torch.cat([torch.zeros(1, 4), torch.eye(4)])
    network = SequenceNetwork(model, table).eval()
    codes = torch.from_numpy(np.random.default_rng(5).integers(1, 5, (2, 20)))
    ex = explainable(network, (codes, None), loss="bce", task="binary")
    assert ex.local is None
    assert ex.mutagenesis(torch.zeros(2, dtype=torch.long)).shape == (2, 4, 20)


def test_explainable_uses_local_ism_for_the_default_cnn_with_explained_outputs() -> None:
    torch.manual_seed(0)
    model = _trained_looking(build_model("cnn", in_channels=4, n_outputs=2, length=25))
    table = torch.cat([torch.zeros(1, 4), torch.eye(4)])
    network = SequenceNetwork(model, table).eval()
    codes = torch.from_numpy(np.random.default_rng(5).integers(1, 5, (3, 25)))
    ex = explainable(network, (codes, None), loss="cross_entropy", task="binary")
    assert ex.local is not None
    target = torch.zeros(3, dtype=torch.long)
    local = ex.mutagenesis(target)
    full = mutagenesis(ex.forward, ex.x, target)
    torch.testing.assert_close(local, full, atol=1e-5, rtol=1e-4)
    rnn = SequenceNetwork(build_model("gru", in_channels=4, n_outputs=2, length=25), table).eval()
    ex = explainable(rnn, (codes, None), loss="cross_entropy", task="binary")
    assert ex.local is None
    assert ex.mutagenesis(target).shape == (3, 4, 25)
