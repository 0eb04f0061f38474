"""Named image augmentations, each a few tensor operations on a WHOLE batch.

Every function takes ``x : (batch, channels, h, w)`` float pixels in ``[0, 1]`` and a seeded
``torch.Generator`` and draws one random setting per image, so a batch of 256 costs a handful
of kernel launches rather than 256 Python calls. They are applied to training batches only
(:class:`biodl.kinds.image.ImageDataset` with ``training=True``); evaluation and prediction
batches are never changed. Geometric ones run before photometric ones, noise last, whatever the
order they were named in.

Examples
--------
>>> import torch
>>> g = torch.Generator().manual_seed(0)
>>> x = torch.rand(4, 1, 8, 8)
>>> augment_batch(x, ["flip", "noise"], g).shape
torch.Size([4, 1, 8, 8])
>>> parse_augment("rot90, flip")
('flip', 'rot90')
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from biodl.errors import ConfigError

__all__ = [
    "AUGMENTATIONS",
    "augment_batch",
    "batch_generator",
    "brightness",
    "contrast",
    "crop",
    "flip",
    "noise",
    "parse_augment",
    "rot90",
    "shift",
]

SHIFT_FRACTION = 0.1  # largest shift, as a fraction of the side
CROP_SCALE = (0.8, 1.0)  # side of the random crop, as a fraction of the side
BRIGHTNESS = 0.1  # added offset drawn from U(-0.1, 0.1)
CONTRAST = 0.2  # factor around the image mean drawn from U(0.8, 1.2)
NOISE_SD = 0.03  # Gaussian noise standard deviation


def _uniform(n: int, low: float, high: float, g: torch.Generator) -> Tensor:
    return low + (high - low) * torch.rand(n, generator=g)


def flip(x: Tensor, g: torch.Generator) -> Tensor:
    """Mirror each image left-right with probability 1/2, then up-down with probability 1/2.

    Microscopy and histology have no preferred orientation, so both flips keep the label.
    """
    n = x.shape[0]
    horizontal = (torch.rand(n, generator=g) < 0.5).view(n, 1, 1, 1).to(x.device)
    vertical = (torch.rand(n, generator=g) < 0.5).view(n, 1, 1, 1).to(x.device)
    x = torch.where(horizontal, x.flip(-1), x)
    return torch.where(vertical, x.flip(-2), x)


def rot90(x: Tensor, g: torch.Generator) -> Tensor:
    """Rotate each (square) image by 0, 90, 180 or 270 degrees, chosen uniformly."""
    k = torch.randint(0, 4, (x.shape[0],), generator=g).to(x.device)
    out = x
    for turns in (1, 2, 3):
        out = torch.where((k == turns).view(-1, 1, 1, 1), torch.rot90(x, turns, (-2, -1)), out)
    return out


def shift(x: Tensor, g: torch.Generator) -> Tensor:
    """Translate each image by whole pixels, up to 10% of the side each way; zeros fill in.

    Pixel ``(i, j)`` of the output is pixel ``(i - dy, j - dx)`` of the input.
    """
    n, _, h, w = x.shape
    m = max(1, round(SHIFT_FRACTION * max(h, w)))
    dy = torch.randint(-m, m + 1, (n,), generator=g)
    dx = torch.randint(-m, m + 1, (n,), generator=g)
    return _translate(x, dy.to(x.device), dx.to(x.device), m)


def _translate(x: Tensor, dy: Tensor, dx: Tensor, m: int) -> Tensor:
    n, _, h, w = x.shape
    padded = F.pad(x, (m, m, m, m))
    rows = torch.arange(h, device=x.device).view(1, h) - dy.view(n, 1) + m
    cols = torch.arange(w, device=x.device).view(1, w) - dx.view(n, 1) + m
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    out = padded.permute(0, 2, 3, 1)[batch, rows.view(n, h, 1), cols.view(n, 1, w)]
    return out.permute(0, 3, 1, 2).contiguous()


def crop(x: Tensor, g: torch.Generator) -> Tensor:
    """Cut a random square of 80-100% of the side at a random place and scale it back up.

    One affine sampling grid per image, all images sampled in one ``grid_sample`` call
    (bilinear).
    """
    n = x.shape[0]
    scale = _uniform(n, *CROP_SCALE, g)
    room = 1.0 - scale
    ty = (2 * torch.rand(n, generator=g) - 1) * room
    tx = (2 * torch.rand(n, generator=g) - 1) * room
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 1, 1] = scale, scale
    theta[:, 0, 2], theta[:, 1, 2] = tx, ty
    grid = F.affine_grid(theta.to(x), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def brightness(x: Tensor, g: torch.Generator) -> Tensor:
    """Add one offset per image drawn from U(-0.1, 0.1) (pixels are in [0, 1])."""
    offset = _uniform(x.shape[0], -BRIGHTNESS, BRIGHTNESS, g).to(x)
    return x + offset.view(-1, 1, 1, 1)


def contrast(x: Tensor, g: torch.Generator) -> Tensor:
    """Scale each image's deviations from its own mean by a factor from U(0.8, 1.2)."""
    factor = _uniform(x.shape[0], 1 - CONTRAST, 1 + CONTRAST, g).to(x).view(-1, 1, 1, 1)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * factor + mean


def noise(x: Tensor, g: torch.Generator) -> Tensor:
    """Add Gaussian noise with standard deviation 0.03 to every pixel."""
    return x + NOISE_SD * torch.randn(x.shape, generator=g).to(x)


AUGMENTATIONS: dict[str, Callable[[Tensor, torch.Generator], Tensor]] = {
    "flip": flip,
    "rot90": rot90,
    "shift": shift,
    "crop": crop,
    "brightness": brightness,
    "contrast": contrast,
    "noise": noise,
}


def parse_augment(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Names from ``"flip,rot90"`` (or a list), checked and put in application order.

    Raises
    ------
    ConfigError
        For a name not in :data:`AUGMENTATIONS`.

    Examples
    --------
    >>> parse_augment("noise,flip")
    ('flip', 'noise')
    >>> parse_augment("none")
    ()
    """
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    names = {item.strip().lower() for item in items if item.strip()} - {"none"}
    unknown = sorted(names - set(AUGMENTATIONS))
    if unknown:
        raise ConfigError(
            f"unknown augmentation '{unknown[0]}'; valid: {', '.join(AUGMENTATIONS)} "
            "(comma-separated, e.g. --augment flip,rot90)"
        )
    return tuple(name for name in AUGMENTATIONS if name in names)


def batch_generator(seed: int, index: np.ndarray) -> torch.Generator:
    """A generator seeded from the run seed and the batch's row indices.

    The same batch gets the same random draws whichever worker process builds it, and the
    epochs differ because the shuffled batches differ.
    """
    key = zlib.crc32(np.ascontiguousarray(index, dtype=np.int64).tobytes())
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + key)


def augment_batch(x: Tensor, names: Sequence[str], g: torch.Generator) -> Tensor:
    """Apply the named augmentations (in :data:`AUGMENTATIONS` order) to a batch.

    Parameters
    ----------
    x : Tensor (batch, channels, h, w) float
        Pixels in ``[0, 1]``.
    names : sequence of str
        Names from :data:`AUGMENTATIONS`, as returned by :func:`parse_augment`.
    g : torch.Generator
        Source of randomness (CPU).

    Returns
    -------
    Tensor (batch, channels, h, w)
    """
    for name in AUGMENTATIONS:
        if name in names:
            x = AUGMENTATIONS[name](x, g)
    return x
