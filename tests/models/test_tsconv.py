"""FCN and ResNet1d: shapes, registry, padding invariance."""

from __future__ import annotations

import pytest
import torch

from biodl.errors import ConfigError
from biodl.models import build_model, model_parameters


@pytest.mark.parametrize("name", ["fcn", "resnet1d"])
def test_shapes_and_features(name):
    torch.manual_seed(0)
    model = build_model(name, in_channels=3, n_outputs=4, length=None, channels=8)
    x = torch.randn(5, 3, 30)
    assert tuple(model(x).shape) == (5, 4)
    assert tuple(model.features(x).shape) == (5, model.n_features)
    model.eval()
    torch.testing.assert_close(model.head(model.features(x)), model(x))


@pytest.mark.parametrize("name", ["fcn", "resnet1d"])
def test_padding_invariance_in_eval_mode(name):
    torch.manual_seed(0)
    model = build_model(name, in_channels=2, n_outputs=2, length=None, channels=8).eval()
    short = torch.randn(1, 2, 17)
    padded = torch.zeros(1, 2, 40)
    padded[:, :, :17] = short
    padded[:, :, 17:] = 5.0  # garbage in the padding must not matter
    mask = torch.zeros(1, 40, dtype=torch.bool)
    mask[:, :17] = True
    torch.testing.assert_close(model(padded, mask), model(short), atol=1e-5, rtol=1e-5)


def test_paper_defaults_and_options():
    fcn = {p.name: p.default for p in model_parameters("fcn")}
    assert fcn["channels"] == (128, 256, 128) and fcn["kernel_size"] == (8, 5, 3)
    assert {p.name: p.default for p in model_parameters("resnet1d")}["channels"] == (64, 128, 128)
    model = build_model("fcn", in_channels=1, n_outputs=1, length=None, global_pooling="maxavg")
    assert model.n_features == 256
    with pytest.raises(ConfigError, match="channels has 2 entries but n_layers is 3"):
        build_model("fcn", in_channels=1, n_outputs=1, length=None, channels=[4, 4])
