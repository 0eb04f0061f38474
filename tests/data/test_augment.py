"""Augmentations: each checked against a numpy reference built from the same random draws."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from biodl.data import augment
from biodl.data.augment import augment_batch, batch_generator, parse_augment
from biodl.errors import ConfigError


def _x(n: int = 6, c: int = 2, side: int = 10) -> torch.Tensor:
    return torch.rand(n, c, side, side, generator=torch.Generator().manual_seed(1))


def _g() -> torch.Generator:
    return torch.Generator().manual_seed(7)


def test_flip_matches_numpy() -> None:
    x = _x()
    out = augment.flip(x, _g())
    g = _g()
    horizontal = (torch.rand(6, generator=g) < 0.5).numpy()
    vertical = (torch.rand(6, generator=g) < 0.5).numpy()
    for i, img in enumerate(x.numpy()):
        ref = img[:, :, ::-1] if horizontal[i] else img
        ref = ref[:, ::-1] if vertical[i] else ref
        np.testing.assert_array_equal(out[i].numpy(), ref)
    assert horizontal.any() and not horizontal.all()


def test_rot90_matches_numpy() -> None:
    x = _x(n=12)
    out = augment.rot90(x, _g())
    k = torch.randint(0, 4, (12,), generator=_g()).numpy()
    for i, img in enumerate(x.numpy()):
        np.testing.assert_array_equal(out[i].numpy(), np.rot90(img, k[i], axes=(1, 2)))
    assert len(set(k.tolist())) > 1


def test_shift_matches_numpy() -> None:
    x = _x()
    out = augment.shift(x, _g())
    g = _g()
    dy = torch.randint(-1, 2, (6,), generator=g).numpy()
    dx = torch.randint(-1, 2, (6,), generator=g).numpy()
    for i, img in enumerate(x.numpy()):
        ref = np.zeros_like(img)
        for r in range(10):
            for c in range(10):
                if 0 <= r - dy[i] < 10 and 0 <= c - dx[i] < 10:
                    ref[:, r, c] = img[:, r - dy[i], c - dx[i]]
        np.testing.assert_array_equal(out[i].numpy(), ref)


def test_brightness_contrast_noise_match_numpy() -> None:
    x = _x()
    offset = (-0.1 + 0.2 * torch.rand(6, generator=_g())).numpy()
    np.testing.assert_allclose(
        augment.brightness(x, _g()).numpy(), x.numpy() + offset[:, None, None, None], atol=1e-6
    )
    factor = (0.8 + 0.4 * torch.rand(6, generator=_g())).numpy()[:, None, None, None]
    mean = x.numpy().mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(
        augment.contrast(x, _g()).numpy(), (x.numpy() - mean) * factor + mean, atol=1e-6
    )
    eps = torch.randn(x.shape, generator=_g()).numpy()
    np.testing.assert_allclose(augment.noise(x, _g()).numpy(), x.numpy() + 0.03 * eps, atol=1e-6)


def test_crop_with_full_scale_and_centre_is_identity() -> None:
    x = _x()
    theta = torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]]]).repeat(6, 1, 1)
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    same = torch.nn.functional.grid_sample(x, grid, align_corners=False)
    torch.testing.assert_close(same, x)
    out = augment.crop(x, _g())
    assert out.shape == x.shape and not torch.equal(out, x)
    # a crop zooms in: values stay inside the image's range
    assert out.min() >= x.min() - 1e-6 and out.max() <= x.max() + 1e-6


def test_augment_batch_is_seeded_and_ordered() -> None:
    x = _x()
    names = parse_augment("noise,flip,rot90,shift,crop,brightness,contrast")
    assert names == ("flip", "rot90", "shift", "crop", "brightness", "contrast", "noise")
    index = np.array([3, 1, 2])
    a = augment_batch(x, names, batch_generator(0, index))
    b = augment_batch(x, names, batch_generator(0, index))
    c = augment_batch(x, names, batch_generator(1, index))
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, c)
    assert torch.equal(augment_batch(x, (), _g()), x)


def test_parse_augment_rejects_unknown_names() -> None:
    assert parse_augment(None) == () and parse_augment("none") == ()
    with pytest.raises(ConfigError, match="unknown augmentation 'blur'"):
        parse_augment("flip,blur")
