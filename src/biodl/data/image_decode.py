"""Decoding one image file, and normalising layout, value range, channels and size.

Every image leaves this module as ``float32`` in ``[0, 1]`` with layout ``(channels, side,
side)``: 8-bit values are divided by 255, 16-bit ones (TIFF microscopy) by 65535, floats are
kept when they already lie in ``[0, 1]`` (else divided by 255 when at most 255, else by their
maximum). An alpha channel is dropped; greyscale becomes RGB by repetition and RGB becomes
greyscale by luminance (ITU-R 601: 0.299 R + 0.587 G + 0.114 B) when ``channels`` asks for it.

Examples
--------
>>> import numpy as np
>>> x = np.full((2, 5, 4, 3), 255, dtype=np.uint8)  # (n, h, w, c)
>>> out = array_to_chw(x, source="x.npz", key="train_images")
>>> out.layout, out.channels, out.scale
('NHWC', 3, 255.0)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

from biodl.errors import DataError

__all__ = [
    "IMAGE_SUFFIXES",
    "ArrayLayout",
    "FitName",
    "array_to_chw",
    "decode_image",
    "fit_size",
    "header",
    "match_channels",
    "value_scale",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
FitName = Literal["resize", "crop"]
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# Pillow modes -> colour channels once alpha is dropped.
_MODE_CHANNELS = {"1": 1, "L": 1, "LA": 1, "I": 1, "I;16": 1, "I;16B": 1, "I;16L": 1, "F": 1}


def _pil() -> Any:
    from PIL import Image

    return Image


def _unreadable(path: Path | str, err: Exception) -> DataError:
    return DataError(
        f"{path}: cannot read this image ({type(err).__name__}: {err}); the file is truncated, "
        "damaged or not a PNG/JPEG/TIFF image. Re-export it or remove it from the folder."
    )


def header(path: str | Path) -> tuple[int, int, int]:
    """Channels, height and width of an image file, checked without decoding the pixels.

    Pillow's ``verify`` walks the file's structure (chunk checksums for PNG), which finds
    truncated and damaged files at reading time rather than in the middle of training.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    tuple of int
        ``(channels, height, width)``; channels is 1 or 3 (alpha not counted).

    Raises
    ------
    DataError
        Naming the file, when it cannot be read.
    """
    Image = _pil()
    try:
        with Image.open(path) as im:
            mode, (width, height) = im.mode, im.size
            im.verify()
    except Exception as err:  # Pillow raises many types for damaged files
        raise _unreadable(path, err) from err
    return _MODE_CHANNELS.get(mode, 3), height, width


def value_scale(x: np.ndarray) -> float:
    """Divisor that brings ``x`` to ``[0, 1]``: 255 for 8-bit, 65535 for 16-bit, per float range.

    Examples
    --------
    >>> value_scale(np.zeros(3, dtype=np.uint16)), value_scale(np.array([0.5, 200.0]))
    (65535.0, 255.0)
    """
    if x.dtype == np.uint8:
        return 255.0
    if x.dtype in (np.uint16, np.int16):
        return 65535.0
    top = float(np.max(x)) if x.size else 1.0
    if top <= 1.0:
        return 1.0
    if top <= 255.0:
        return 255.0
    if top <= 65535.0 and np.issubdtype(x.dtype, np.integer):
        return 65535.0
    return top


def match_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """Convert ``(c, h, w)`` float pixels to ``channels`` (1 or 3) channels.

    Examples
    --------
    >>> match_channels(np.ones((1, 2, 2), dtype=np.float32), 3).shape
    (3, 2, 2)
    """
    have = x.shape[0]
    if have in (2, 4):  # grey + alpha, RGB + alpha
        x, have = x[: have - 1], have - 1
    if have == channels:
        return x
    if channels == 3:
        return np.repeat(x, 3, axis=0)
    return np.tensordot(_LUMA, x, axes=1)[None].astype(np.float32)


def decode_image(path: str | Path, channels: int, size: int, fit: str) -> np.ndarray:
    """Decode one image file to ``(channels, size, size)`` float32 in ``[0, 1]``.

    Parameters
    ----------
    path : str or Path
        PNG, JPEG, TIFF or BMP file (the first frame of a multi-page TIFF).
    channels : {1, 3}
        Channels of the result.
    size : int
        Side of the result.
    fit : {"resize", "crop"}
        How a non-matching image is brought to ``size`` (see :func:`fit_size`).

    Returns
    -------
    ndarray (channels, size, size) float32

    Raises
    ------
    DataError
        Naming the file, when it cannot be decoded (truncated, damaged).
    """
    Image = _pil()
    try:
        with Image.open(path) as im:
            if im.mode == "1":
                im = im.convert("L")
            elif im.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV"):
                im = im.convert("RGBA" if "transparency" in im.info else "RGB")
            raw = np.asarray(im)
    except Exception as err:
        raise _unreadable(path, err) from err
    x = raw.astype(np.float32) / np.float32(value_scale(raw))
    x = x[None] if x.ndim == 2 else np.moveaxis(x, -1, 0)
    x = match_channels(x, channels)
    if x.shape[1] != size or x.shape[2] != size:
        x = fit_size(torch.from_numpy(np.ascontiguousarray(x))[None], size, fit)[0].numpy()
    return np.ascontiguousarray(x, dtype=np.float32)


def fit_size(x: torch.Tensor, size: int, fit: str) -> torch.Tensor:
    """Bring ``(n, c, h, w)`` images to ``(n, c, size, size)``.

    ``"resize"`` scales the whole image (bilinear, antialiased; the aspect ratio changes when
    the image is not square); ``"crop"`` first cuts the centred square of the shorter side, then
    scales it.

    Examples
    --------
    >>> fit_size(torch.ones(1, 1, 4, 6), 2, "crop").shape
    torch.Size([1, 1, 2, 2])
    """
    h, w = x.shape[-2:]
    if fit == "crop" and h != w:
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        x = x[..., top : top + side, left : left + side]
    if x.shape[-1] == size and x.shape[-2] == size:
        return x
    return F.interpolate(
        x.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False
    )


@dataclass(frozen=True)
class ArrayLayout:
    """An image array brought to ``(n, channels, h, w)`` and how it was read.

    Attributes
    ----------
    array : ndarray (n, channels, h, w)
        The pixels in their original dtype (a view where possible).
    layout : {"NHW", "NHWC", "NCHW"}
        The layout found.
    channels : int
        Channels of ``array`` (1, 2, 3 or 4; alpha still included).
    scale : float
        Divisor that brings the values to ``[0, 1]``.
    """

    array: np.ndarray
    layout: str
    channels: int
    scale: float


def array_to_chw(x: np.ndarray, *, source: str, key: str) -> ArrayLayout:
    """Detect the layout of an image array and move channels first.

    ``(n, h, w)`` is greyscale; ``(n, h, w, c)`` with ``c`` in 1..4 is channels-last (the
    MedMNIST layout, preferred when both readings fit); ``(n, c, h, w)`` with ``c`` in 1..4 is
    channels-first.

    Raises
    ------
    DataError
        For another number of dimensions or channels, images without pixels, or pixel values
        that are not finite real numbers.
    """
    real = x.dtype == np.bool_ or (
        np.issubdtype(x.dtype, np.number) and not np.issubdtype(x.dtype, np.complexfloating)
    )
    if not real:
        raise DataError(
            f"{source} '{key}': pixel values of type {x.dtype} are not real numbers; save the "
            "images as a uint8 or float array"
        )
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        raise DataError(
            f"{source} '{key}': some pixel values are NaN or infinite; replace them (e.g. "
            "with 0) before saving"
        )
    if x.ndim == 3:
        layout = ArrayLayout(x[:, None], "NHW", 1, 0.0)
    elif x.ndim == 4 and x.shape[-1] in (1, 2, 3, 4):
        layout = ArrayLayout(np.moveaxis(x, -1, 1), "NHWC", x.shape[-1], 0.0)
    elif x.ndim == 4 and x.shape[1] in (1, 2, 3, 4):
        layout = ArrayLayout(x, "NCHW", x.shape[1], 0.0)
    else:
        layout = None
    if layout is not None:
        height, width = layout.array.shape[2:]
        if not height or not width:
            raise DataError(
                f"{source} '{key}': images of {height}x{width} pixels have no pixels (shape "
                f"{x.shape}); save images of at least 1x1 pixels"
            )
        return replace(layout, scale=value_scale(x))
    raise DataError(
        f"{source} '{key}': shape {x.shape} is not a stack of images; expected (n, h, w) "
        "greyscale, (n, h, w, c) or (n, c, h, w) with 1, 3 or 4 channels"
    )
