"""ResNet-18/34: torchvision's parameter count and state-dict names, stems, shapes."""

from __future__ import annotations

import pytest
import torch

from biodl.models import build_image_model
from biodl.models.resnet import ResNet18, ResNet34


def _torchvision_keys(blocks: tuple[int, ...]) -> list[str]:
    """State-dict keys of torchvision's resnet18/34, written out from its layer naming."""
    bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    keys = ["conv1.weight", *(f"bn1.{b}" for b in bn)]
    for stage, n in enumerate(blocks, start=1):
        for i in range(n):
            p = f"layer{stage}.{i}"
            keys += [f"{p}.conv1.weight", *(f"{p}.bn1.{b}" for b in bn)]
            keys += [f"{p}.conv2.weight", *(f"{p}.bn2.{b}" for b in bn)]
            if stage > 1 and i == 0:
                keys += [f"{p}.downsample.0.weight", *(f"{p}.downsample.1.{b}" for b in bn)]
    return [*keys, "fc.weight", "fc.bias"]


def test_resnet18_parameter_count_matches_torchvision() -> None:
    model = ResNet18(in_channels=3, n_outputs=1000, stem="imagenet")
    assert sum(p.numel() for p in model.parameters()) == 11_689_512
    model34 = ResNet34(in_channels=3, n_outputs=1000, stem="imagenet")
    assert sum(p.numel() for p in model34.parameters()) == 21_797_672


@pytest.mark.parametrize(("cls", "blocks"), [(ResNet18, (2, 2, 2, 2)), (ResNet34, (3, 4, 6, 3))])
def test_state_dict_names_follow_torchvision(cls: type, blocks: tuple[int, ...]) -> None:
    model = cls(in_channels=3, n_outputs=1000, stem="imagenet")
    ours = [k.replace("head.", "fc.", 1) for k in model.state_dict()]
    assert ours == _torchvision_keys(blocks)
    assert model.state_dict()["conv1.weight"].shape == (64, 3, 7, 7)
    assert model.state_dict()["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)


def test_stem_auto_is_small_up_to_64_pixels() -> None:
    small = ResNet18(in_channels=1, n_outputs=2, size=28, width=8)
    assert small.stem == "small" and small.conv1.kernel_size == (3, 3)
    assert small.conv1.stride == (1, 1) and isinstance(small.maxpool, torch.nn.Identity)
    assert small.min_size == 8
    assert ResNet18(in_channels=3, n_outputs=2, size=96, width=8).stem == "imagenet"
    big = ResNet18(in_channels=3, n_outputs=2, size=28, width=8, stem="imagenet")
    assert big.conv1.kernel_size == (7, 7) and big.min_size == 32


def test_shapes_and_features() -> None:
    model = build_image_model("resnet18", in_channels=1, n_outputs=3, size=28, width=8).eval()
    x = torch.randn(2, 1, 28, 28)
    assert model.features(x).shape == (2, 64)
    torch.testing.assert_close(model(x), model.head(model.features(x)))
    # the small stem keeps 28 px at layer1 and ends at 4x4 after layer4
    h = model.layer4(model.layer3(model.layer2(model.layer1(model.conv1(x)))))
    assert h.shape == (2, 64, 4, 4)


def test_residual_blocks_learn_a_tiny_task() -> None:
    torch.manual_seed(0)
    x = torch.randn(32, 1, 8, 8)
    y = (x[:, 0, :4].mean(dim=(1, 2)) > x[:, 0, 4:].mean(dim=(1, 2))).long()
    model = ResNet18(in_channels=1, n_outputs=2, size=8, width=4)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
