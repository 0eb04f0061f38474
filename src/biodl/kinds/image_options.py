"""Options of images (``--kind image``; see docs/images.md), declared once.

This module imports only :mod:`biodl.options`, so ``biodl --help`` reads it without the kind.

Examples
--------
>>> sorted(AUGMENT_HELP)[:3]
['brightness', 'contrast', 'crop']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.options import READING, describe, document, option

__all__ = ["AUGMENT_HELP", "FIT_HELP", "IMAGES_PANEL", "ImageFitOption", "ImageOptions"]

#: The help panel of these options.
IMAGES_PANEL = "Images"

ImageFitOption = Literal["resize", "crop"]
FIT_HELP = {
    "resize": "scale the whole image to --size x --size (the aspect ratio may change)",
    "crop": "cut the centred square of the shorter side, then scale it to --size",
}
#: The training augmentations of ``--augment`` (a comma-separated list of these words).
AUGMENT_HELP = {
    "flip": "mirror left-right and up-down, each with probability 1/2",
    "rot90": "rotate by 0, 90, 180 or 270 degrees",
    "shift": "translate by up to 10% of the side (whole pixels, zeros fill in)",
    "crop": "random square of 80-100% of the side, scaled back up",
    "brightness": "add an offset from U(-0.1, 0.1) to every pixel (pixels in [0, 1])",
    "contrast": "scale deviations from the image mean by U(0.8, 1.2)",
    "noise": "add Gaussian noise with standard deviation 0.03",
}


@document
@dataclass
class ImageOptions:
    """How images are read, sized and augmented."""

    size: int | None = option(
        help="Images: bring every image to SIZE x SIZE pixels (see --fit).",
        panel=IMAGES_PANEL,
        show_default="median shorter side; npz: its side",
        commands=READING,
    )
    channels: int | None = option(
        help="Images: 1 = greyscale (RGB by luminance), 3 = RGB (grey repeated); default: as read.",
        panel=IMAGES_PANEL,
        commands=READING,
    )
    fit: ImageFitOption = option(
        "resize", help=describe(FIT_HELP), panel=IMAGES_PANEL, commands=READING
    )
    augment: str = option(
        "",
        help="Images, training augmentation, comma-separated: " + describe(AUGMENT_HELP),
        panel=IMAGES_PANEL,
        show_default="none",
    )
    image_column: str | None = option(
        help="Column of image paths in a CSV of images (detected if not given).",
        panel=IMAGES_PANEL,
        commands=READING,
    )
