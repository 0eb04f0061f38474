"""Contract tests for every registered model: shapes, padding invariance, gradients, registry."""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from torch import nn

from biodl.errors import ConfigError, DataError
from biodl.kinds.sequence import DEFAULT_MODEL
from biodl.models import (
    MODELS,
    ModelParameter,
    build_model,
    describe_model,
    model_parameters,
)

# Small settings keep the tests fast; defaults are exercised by test_defaults_build_and_run.
SMALL: dict[str, dict[str, object]] = {
    "cnn": {"channels": 8, "n_layers": 2},
    "rnn": {"hidden_size": 8},
    "lstm": {"hidden_size": 8},
    "gru": {"hidden_size": 8},
    "cnn-lstm": {"conv_channels": 8, "hidden_size": 8},
    "transformer": {"d_model": 16, "n_heads": 2, "dim_feedforward": 32},
    "mlp": {"hidden_sizes": [16]},
    "fcn": {"channels": 8},  # regular time series (tests/models/test_tsconv.py)
    "resnet1d": {"channels": 8},
}

# Variants that take other code paths; all accept variable-length input.
VARIANTS: list[tuple[str, dict[str, object]]] = [
    ("cnn", {}),
    ("cnn", {"residual": True, "pooling": "avg", "pool_size": 3, "global_pooling": "avg"}),
    ("cnn", {"dilation": "exponential", "activation": "gelu", "global_pooling": "max"}),
    ("cnn", {"stride": 2, "kernel_size": [5, 4], "activation": "tanh", "pooling": "none"}),
    ("cnn", {"activation": "sigmoid", "batch_norm": False, "pool_size": 4}),
    ("cnn", {"pool_size": [5, 1]}),  # one pooling per layer
    ("rnn", {}),
    ("lstm", {"readout": "last"}),
    ("lstm", {"readout": "mean", "n_layers": 2, "projection": 6}),
    ("gru", {"readout": "last", "bidirectional": False}),
    ("gru", {}),
    ("cnn-lstm", {}),
    ("cnn-lstm", {"conv_layers": 2, "pool_size": 2, "readout": "last"}),
    ("transformer", {}),
    ("transformer", {"embed_kernel": 1, "activation": "relu", "n_layers": 1}),
    ("transformer", {"pooling": "cls", "positional": "learned", "max_length": 64}),
    ("mlp", {}),
    ("mlp", {"k": 2, "batch_norm": True}),
]


def onehot(batch: int, length: int, channels: int = 4, seed: int = 0) -> torch.Tensor:
    """Random one-hot sequences, (batch, channels, length)."""
    gen = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, channels, (batch, length), generator=gen)
    return nn.functional.one_hot(codes, channels).float().transpose(1, 2).contiguous()


def make(name: str, n_outputs: int = 2, **extra: Any) -> Any:
    """A small model; ``length`` may be given among ``extra``. Typed Any for attribute access."""
    torch.manual_seed(0)
    length = extra.pop("length", None)
    params = {**SMALL[name], **extra}
    return build_model(name, in_channels=4, n_outputs=n_outputs, length=length, **params)


def ids(variant: tuple[str, dict[str, object]]) -> str:
    name, params = variant
    return name + "".join(f"-{k}={v}" for k, v in params.items())


def test_registry_names() -> None:
    sequence = {"cnn", "rnn", "lstm", "gru", "cnn-lstm", "transformer", "mlp"}
    assert set(MODELS) >= sequence | {"fcn", "resnet1d"}
    assert DEFAULT_MODEL == "cnn"  # the sequence kind's default for every alphabet
    assert len({cls for cls in MODELS.values()}) == len(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_output_shape(name: str, n_outputs: int) -> None:
    model = make(name, n_outputs)
    x = onehot(3, 50)
    out = model(x)
    assert out.shape == (3, n_outputs)
    feats = model.features(x)
    assert feats.shape == (3, model.n_features)
    assert isinstance(model.head, nn.Linear)
    assert model.head.out_features == n_outputs
    model.eval()
    torch.testing.assert_close(model(x), model.head(model.features(x)))


@pytest.mark.parametrize("variant", VARIANTS, ids=ids)
def test_padding_invariance(variant: tuple[str, dict[str, object]]) -> None:
    name, params = variant
    model = make(name, 3, **params)
    # A few training passes so batch-norm running statistics are not the identity.
    with torch.no_grad():
        for seed in range(3):
            model(onehot(8, 45, seed=seed))
    model.eval()
    seq = onehot(1, 37, seed=5)
    alone = model(seq)
    other = onehot(1, 50, seed=6)
    padded = torch.cat([nn.functional.pad(seq, (0, 13)), other])
    mask = torch.ones(2, 50, dtype=torch.bool)
    mask[0, 37:] = False
    together = model(padded, mask)
    torch.testing.assert_close(together[:1], alone, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(together[1:], model(other), atol=1e-5, rtol=1e-5)
    # The check can fail: without the mask, padding changes the output.
    if name != "mlp":
        assert not torch.allclose(model(padded[:1]), alone, atol=1e-5)


def test_mlp_onehot_padding_invariance_and_errors() -> None:
    model = make("mlp", 2, length=40, features="onehot")
    model.eval()
    seq = onehot(1, 33)
    mask = torch.ones(1, 45, dtype=torch.bool)
    mask[0, 33:] = False
    torch.testing.assert_close(model(nn.functional.pad(seq, (0, 12)), mask), model(seq))
    with pytest.raises(DataError, match="input length 45 exceeds the model's length 40"):
        model(onehot(1, 45))
    with pytest.raises(ConfigError, match="needs a fixed sequence length.*--length"):
        build_model("mlp", in_channels=4, n_outputs=1, length=None, features="onehot")


@pytest.mark.parametrize("variant", VARIANTS, ids=ids)
def test_backward_gives_finite_gradients(variant: tuple[str, dict[str, object]]) -> None:
    name, params = variant
    model = make(name, 2, **params)
    x = onehot(4, 30)
    mask = torch.ones(4, 30, dtype=torch.bool)
    mask[1, 20:] = False
    x = x * mask.unsqueeze(1)
    model(x, mask).square().sum().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, pname
        assert torch.isfinite(p.grad).all(), pname
    assert any(p.grad.abs().sum() > 0 for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_protein_input(name: str) -> None:
    torch.manual_seed(0)
    params = dict(SMALL[name])
    if name == "mlp":
        params["k"] = 2
    model = build_model(name, in_channels=20, n_outputs=3, length=None, **params)
    x = onehot(2, 60, channels=20)
    assert model(x).shape == (2, 3)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_build_and_run(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(name, in_channels=4, n_outputs=2, length=50)
    model.eval()
    x = onehot(2, 50)
    with torch.no_grad():
        first, second = model(x), model(x)
    assert torch.equal(first, second)  # deterministic in eval mode
    assert torch.isfinite(first).all()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_short_sequences(name: str) -> None:
    model = make(name, 2)
    model.eval()
    x = onehot(2, 3)
    mask = torch.tensor([[True, True, True], [True, False, False]])
    assert torch.isfinite(model(x * mask.unsqueeze(1), mask)).all()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_parameters_complete(name: str) -> None:
    params = model_parameters(name)
    docs = "".join(cls.__doc__ or "" for cls in MODELS[name].__mro__)
    assert params and all(isinstance(p, ModelParameter) for p in params)
    names = [p.name for p in params]
    assert not {"in_channels", "n_outputs", "length", "cell"} & set(names)
    for p in params:
        assert p.description, f"{name}.{p.name} has no description"
        assert p.annotation == p.type
        shown = f'"{p.default}"' if isinstance(p.default, str) else str(p.default)
        header = rf"^\s*{p.name} : .*, default {re.escape(shown)}$"
        assert re.search(header, docs, re.MULTILINE), f"{name}.{p.name}: default not documented"
    # Every parameter with its default builds the same model as no parameters at all.
    defaults = {p.name: p.default for p in params}
    torch.manual_seed(0)
    a = build_model(name, in_channels=4, n_outputs=1, length=50, **defaults)
    torch.manual_seed(0)
    b = build_model(name, in_channels=4, n_outputs=1, length=50)
    assert [t.shape for t in a.state_dict().values()] == [t.shape for t in b.state_dict().values()]
    assert describe_model(name) and "\n" not in describe_model(name)


def test_model_parameters_details() -> None:
    cnn = {p.name: p for p in model_parameters("cnn")}
    assert cnn["channels"].default == 64
    assert cnn["pooling"].choices == ("max", "avg", "none")
    assert cnn["activation"].choices is not None and "gelu" in cnn["activation"].choices
    assert "Filters per convolution layer" in cnn["channels"].description
    lstm = [p.name for p in model_parameters("lstm")]
    assert lstm == ["hidden_size", "n_layers", "bidirectional", "dropout", "projection", "readout"]
    assert model_parameters("transformer")[-1].choices == ("mean", "cls")


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("cnnn", {}, r"unknown model 'cnnn'; valid models: cnn, rnn, lstm, gru, cnn-lstm"),
        ("cnn", {"chanels": 8}, r"model 'cnn' has no parameter 'chanels'; valid parameters: chan"),
        ("lstm", {"cell": "gru"}, r"model 'lstm' has no parameter 'cell'"),
        ("cnn", {"pooling": "mean"}, r"parameter 'pooling' must be one of max, avg, none"),
        ("cnn", {"channels": 0}, r"parameter 'channels' must be a positive integer; got 0"),
        ("cnn", {"channels": [8, -1, 4]}, r"'channels' must be a positive integer"),
        ("cnn", {"channels": "many"}, r"'channels' must be int \| Sequence\[int\]; got 'many'"),
        ("cnn", {"dilation": "linear"}, r"'dilation' must be one of exponential; got 'linear'"),
        ("cnn", {"batch_norm": 1}, r"'batch_norm' must be bool; got 1"),
        ("cnn", {"n_layers": 2.5}, r"'n_layers' must be int; got 2.5"),
        ("cnn", {"dropout": 1.5}, r"'dropout' must be a probability in \[0, 1\); got 1.5"),
        ("cnn", {"channels": [8, 8]}, r"channels has 2 entries but n_layers is 3"),
        ("cnn", {"pool_size": [20, 2]}, r"pool_size has 2 entries but n_layers is 3"),
        ("cnn", {"pool_size": [2, 0, 2]}, r"'pool_size' must be a positive integer"),
        ("gru", {"readout": "first"}, r"'readout' must be one of last, mean, max"),
        ("transformer", {"d_model": 30, "n_heads": 4}, r"d_model=30 is not divisible by n_heads"),
        ("transformer", {"positional": "learned"}, r"needs a maximum length.*max_length"),
        ("mlp", {"features": "onehot"}, r"'mlp': features='onehot' needs a fixed sequence length"),
        ("mlp", {"hidden_sizes": [16, 0]}, r"'hidden_sizes' must be a positive integer"),
    ],
)
def test_build_model_errors(name: str, params: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_model(name, in_channels=4, n_outputs=1, length=None, **params)


def test_build_model_checks_data_arguments() -> None:
    with pytest.raises(ConfigError, match="parameter 'in_channels' must be a positive integer"):
        build_model("cnn", in_channels=0, n_outputs=1, length=None)
    with pytest.raises(ConfigError, match="parameter 'length' must be int \\| None; got '50'"):
        build_model("cnn", in_channels=4, n_outputs=1, length="50")  # type: ignore[arg-type]


def test_learned_positions_reject_longer_sequences() -> None:
    model = make("transformer", 1, length=20, positional="learned")
    with pytest.raises(DataError, match="length 30 exceed max_length=20.*--length"):
        model(onehot(1, 30))
