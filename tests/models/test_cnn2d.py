"""Image CNN and image MLP: shapes, options, minimum input size, registry checks."""

from __future__ import annotations

import pytest
import torch

from biodl.errors import ConfigError, DataError
from biodl.models import IMAGE_MODELS, build_image_model, describe_model, model_parameters
from biodl.models.cnn2d import CNN2d


@pytest.mark.parametrize("pooling", ["max", "avg", "none"])
@pytest.mark.parametrize("global_pooling", ["max", "avg", "maxavg"])
def test_cnn2d_shapes(pooling: str, global_pooling: str) -> None:
    model = CNN2d(
        in_channels=3,
        n_outputs=4,
        channels=(4, 6),
        n_layers=2,
        pooling=pooling,  # type: ignore[arg-type]
        global_pooling=global_pooling,  # type: ignore[arg-type]
    )
    x = torch.randn(5, 3, 16, 12)
    assert model(x).shape == (5, 4)
    assert model.features(x).shape == (5, model.n_features)
    assert model.n_features == 6 * (2 if global_pooling == "maxavg" else 1)


def test_cnn2d_feature_maps_shrink_with_pooling_and_stride() -> None:
    model = CNN2d(in_channels=1, n_outputs=2, channels=8, n_layers=3)
    assert model.blocks(torch.zeros(1, 1, 28, 28)).shape == (1, 8, 3, 3)
    strided = CNN2d(in_channels=1, n_outputs=2, channels=8, n_layers=1, stride=2, pool_size=1)
    assert strided.blocks(torch.zeros(1, 1, 28, 28)).shape == (1, 8, 14, 14)
    assert [
        b.conv.kernel_size
        for b in CNN2d(
            in_channels=1, n_outputs=2, channels=4, n_layers=2, kernel_size=(5, 3)
        ).blocks
    ] == [(5, 5), (3, 3)]


def test_cnn2d_min_size_is_the_smallest_side_that_runs() -> None:
    model = CNN2d(in_channels=1, n_outputs=2, channels=4, n_layers=3).eval()
    assert model.min_size == 8
    model(torch.zeros(1, 1, 8, 8))
    with pytest.raises(RuntimeError):
        model(torch.zeros(1, 1, 7, 7))
    assert CNN2d(in_channels=1, n_outputs=2, pooling="none").min_size == 1


def test_cnn2d_output_equals_head_of_features_in_eval() -> None:
    model = CNN2d(in_channels=1, n_outputs=3, channels=4, n_layers=2).eval()
    x = torch.randn(3, 1, 10, 10)
    torch.testing.assert_close(model(x), model.head(model.features(x)))


def test_cnn2d_per_layer_lists_must_match_n_layers() -> None:
    with pytest.raises(ConfigError, match="channels has 2 entries but n_layers is 3"):
        CNN2d(in_channels=1, n_outputs=2, channels=(4, 8), n_layers=3)


def test_image_mlp_flattens_pixels_and_checks_the_side() -> None:
    model = build_image_model("mlp", in_channels=1, n_outputs=10, size=8, hidden_sizes=[16])
    assert model.body[0].in_features == 64
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    with pytest.raises(DataError, match="built for 8x8"):
        model(torch.zeros(2, 1, 9, 9))
    with pytest.raises(ConfigError, match="needs the image side"):
        build_image_model("mlp", in_channels=1, n_outputs=2, size=None)


def test_image_registry() -> None:
    assert set(IMAGE_MODELS) == {"cnn", "resnet18", "resnet34", "mlp"}
    for name in IMAGE_MODELS:
        model = build_image_model(name, in_channels=1, n_outputs=2, size=16)
        assert isinstance(model.head, torch.nn.Linear)
        assert model.features(torch.zeros(2, 1, 16, 16)).shape == (2, model.head.in_features)
        assert describe_model(name, table=IMAGE_MODELS)
    assert "pooling" in [p.name for p in model_parameters("cnn", table=IMAGE_MODELS)]
    pooling = {p.name: p for p in model_parameters("cnn", table=IMAGE_MODELS)}["pooling"]
    assert pooling.choices == ("max", "avg", "none")
    with pytest.raises(ConfigError, match="unknown model 'lstm'"):
        build_image_model("lstm", in_channels=1, n_outputs=2, size=8)
    with pytest.raises(ConfigError, match="has no parameter 'length'"):
        build_image_model("cnn", in_channels=1, n_outputs=2, size=8, length=3)
    with pytest.raises(ConfigError, match="must be one of max, avg, none"):
        build_image_model("cnn", in_channels=1, n_outputs=2, size=8, pooling="sum")
