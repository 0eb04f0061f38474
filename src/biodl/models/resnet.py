"""ResNet-18 and ResNet-34 for images, written here (torchvision is not a dependency).

The layer names follow torchvision's ``resnet18``/``resnet34`` exactly (``conv1``, ``bn1``,
``layer1`` .. ``layer4`` of ``BasicBlock``s with ``conv1``, ``bn1``, ``conv2``, ``bn2`` and
``downsample.0`` / ``downsample.1``), so an ImageNet state dict loads by name; torchvision's
``fc`` is called ``head`` here, like every biodl model.

Stem. torchvision's stem (7x7 convolution with stride 2, then a 3x3 max-pool with stride 2)
divides the image side by 4 before the first residual stage: a 28x28 image would be 7x7 at
``layer1`` and 1x1 at ``layer4``. For small images (side at most 64, the default ``stem="auto"``)
the stem is a 3x3 convolution with stride 1 and no max-pool, as in the CIFAR ResNets, so the
stages see 28, 14, 7 and 4 pixel maps. ``stem="imagenet"`` keeps torchvision's stem so that
ImageNet ``conv1`` weights (64 x 3 x 7 x 7) fit.

Examples
--------
>>> import torch
>>> from biodl.models.resnet import ResNet18
>>> model = ResNet18(in_channels=1, n_outputs=2, size=28, width=8)
>>> tuple(model(torch.zeros(2, 1, 28, 28)).shape)
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import torch
from torch import Tensor, nn

__all__ = ["SMALL_STEM_MAX_SIZE", "BasicBlock", "ResNet", "ResNet18", "ResNet34", "StemName"]

StemName = Literal["auto", "small", "imagenet"]
SMALL_STEM_MAX_SIZE = 64  # "auto" picks the small stem up to this image side


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and an identity (or 1x1 projection) shortcut.

    Parameters
    ----------
    inplanes : int
        Input channels.
    planes : int
        Output channels.
    stride : int, default 1
        Stride of the first convolution (2 halves the map).
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample: nn.Module | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, inplanes, h, w)`` -> ``(batch, planes, h / stride, w / stride)``."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """Residual network of BasicBlocks (ResNet-18/34 family), global average pooling, head.

    Parameters
    ----------
    in_channels : int
        Image channels (1 greyscale, 3 RGB).
    n_outputs : int
        Width of the output.
    size : int or None, default None
        Image side the model will see; chooses the stem when ``stem="auto"``.
    blocks : list of int, default (2, 2, 2, 2)
        BasicBlocks per stage (ResNet-18: 2, 2, 2, 2; ResNet-34: 3, 4, 6, 3).
    width : int, default 64
        Channels of the first stage; the stages use ``width * (1, 2, 4, 8)``. 64 is torchvision's
        (needed to load ImageNet weights); 16 or 32 train much faster on a CPU.
    stem : {"auto", "small", "imagenet"}, default "auto"
        ``"small"``: 3x3 convolution, stride 1, no max-pool (for images up to 64 pixels);
        ``"imagenet"``: torchvision's 7x7 stride-2 convolution and 3x3 stride-2 max-pool;
        ``"auto"``: small when ``size`` is at most 64 (or unknown), ImageNet otherwise.
    dropout : float, default 0.0
        Dropout before the head (torchvision has none).

    Attributes
    ----------
    n_features : int
        Width of :meth:`features` (``8 * width``).
    min_size : int
        Smallest image side accepted: 8 with the small stem, 32 with the ImageNet stem (the
        total downsampling factor).
    head : nn.Linear
        Final layer (torchvision's ``fc``).

    Examples
    --------
    >>> model = ResNet(in_channels=3, n_outputs=1000, stem="imagenet")
    >>> sum(p.numel() for p in model.parameters())
    11689512
    """

    def __init__(
        self,
        *,
        in_channels: int,
        n_outputs: int,
        size: int | None = None,
        blocks: Sequence[int] = (2, 2, 2, 2),
        width: int = 64,
        stem: StemName = "auto",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        small = stem == "small" or (
            stem == "auto" and (size is None or size <= SMALL_STEM_MAX_SIZE)
        )
        self.stem = "small" if small else "imagenet"
        if small:
            self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
            self.maxpool: nn.Module = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        inplanes = width
        stages = []
        for i, n_blocks in enumerate(blocks):
            planes = width * 2**i
            stride = 1 if i == 0 else 2
            layer = [BasicBlock(inplanes, planes, stride)]
            layer += [BasicBlock(planes, planes) for _ in range(n_blocks - 1)]
            stages.append(nn.Sequential(*layer))
            inplanes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.n_features = inplanes
        self.min_size = 2 ** (len(blocks) - 1) * (1 if small else 4)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(inplanes, n_outputs)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def features(self, x: Tensor) -> Tensor:
        """Representation before the head.

        Parameters
        ----------
        x : Tensor (batch, in_channels, height, width) float

        Returns
        -------
        Tensor (batch, n_features)
        """
        h = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        h = self.layer4(self.layer3(self.layer2(self.layer1(h))))
        return torch.flatten(h.mean(dim=(2, 3)), 1)

    def forward(self, x: Tensor) -> Tensor:
        """Raw outputs: ``(batch, in_channels, h, w)`` -> ``(batch, n_outputs)``."""
        return self.head(self.dropout(self.features(x)))


class _FixedBlocks(ResNet):
    """A :class:`ResNet` with ``bound`` keyword arguments fixed (the registry leaves them out)."""

    bound: ClassVar[dict[str, Any]]

    def __init__(self, **params: Any) -> None:
        super().__init__(**self.bound, **params)


class ResNet18(_FixedBlocks):
    """ResNet-18: residual network with 2, 2, 2, 2 BasicBlocks (11.7 M parameters at width 64).

    Parameters are those of :class:`ResNet` with ``blocks=(2, 2, 2, 2)`` fixed: ``in_channels``,
    ``n_outputs``, ``size``, ``width`` (64 matches torchvision and ImageNet weights), ``stem``
    and ``dropout``.

    Examples
    --------
    >>> tuple(ResNet18(in_channels=1, n_outputs=2, width=4)(torch.zeros(1, 1, 16, 16)).shape)
    (1, 2)
    """

    bound: ClassVar[dict[str, Any]] = {"blocks": (2, 2, 2, 2)}


class ResNet34(_FixedBlocks):
    """ResNet-34: residual network with 3, 4, 6, 3 BasicBlocks (21.8 M parameters at width 64).

    Parameters are those of :class:`ResNet` with ``blocks=(3, 4, 6, 3)`` fixed, as for
    :class:`ResNet18`.

    Examples
    --------
    >>> len(ResNet34(in_channels=3, n_outputs=2, width=4).layer3)
    6
    """

    bound: ClassVar[dict[str, Any]] = {"blocks": (3, 4, 6, 3)}
