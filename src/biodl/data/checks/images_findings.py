"""The findings of :func:`biodl.data.checks.images.inspect_images`, from its part summaries.

Within a part: blank images, stored sizes that vary, images that are not square or smaller
than the side of the batches, channels that are converted. Between parts: stored sizes,
channels or pixel levels that differ from the first part's.

Examples
--------
>>> SIDE_SHIFT, LEVEL_SHIFT
(0.25, 0.1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from biodl.data.checks.result import Finding, format_number

__all__ = ["LEVEL_SHIFT", "SIDE_SHIFT", "geometry_findings", "shift_findings"]

#: Later parts whose median stored side differs from the first part's by more than this.
SIDE_SHIFT = 0.25
#: A channel's mean pixel level (pixels in [0, 1]) that differs by more than this.
LEVEL_SHIFT = 0.1


class ImagePart(Protocol):
    """The fields of :class:`biodl.data.checks.images.ImagePart` read here."""

    name: str
    n: int
    channels: int
    size: int
    fit: str
    distinct_sizes: int
    side_min: float
    side_median: float
    side_max: float
    non_square: int
    smaller: int
    stored_channels: dict[str, int]
    pixel_mean: list[float]
    blank_images: int
    blank_examples: list[str]


def geometry_findings(part: ImagePart) -> list[Finding]:
    """Blank images, varying sizes, non-square and small images, converted channels."""
    out: list[Finding] = []
    name = part.name
    if part.blank_images:
        out.append(
            Finding(
                "warning",
                f"{name}: {part.blank_images} of {part.n} images hold one value in every pixel "
                f"(e.g. {', '.join(part.blank_examples)}).",
                "Check for failed scans, empty crops or placeholder files; remove them unless "
                "blank images are a class on purpose.",
                "blank_images",
            )
        )
    if part.distinct_sizes > 1:
        other = "crop" if part.fit == "resize" else "resize"
        out.append(
            Finding(
                "info",
                f"{name}: images come in {part.distinct_sizes} sizes (shorter side "
                f"{format_number(part.side_min)} to {format_number(part.side_max)} px, median "
                f"{format_number(part.side_median)}); every batch gets {part.size} x "
                f"{part.size} (--fit {part.fit}).",
                f"Nothing to do if that side keeps the detail you need; --size sets it and "
                f"--fit {other} changes how images are brought to it.",
                "mixed_sizes",
            )
        )
    if part.non_square and part.fit == "resize":
        out.append(
            Finding(
                "info",
                f"{name}: {part.non_square} of {part.n} images are not square; --fit resize "
                "stretches them to squares.",
                "Use --fit crop to keep their proportions (the centre square is kept), or pad "
                "them to squares beforehand.",
                "non_square",
            )
        )
    if part.smaller:
        out.append(
            Finding(
                "info",
                f"{name}: {part.smaller} of {part.n} images have a shorter side below "
                f"{part.size} px and are enlarged, which blurs them.",
                "Pass a smaller --size, or drop the tiny images if they are thumbnails or icons.",
                "small_images",
            )
        )
    converted = {k: v for k, v in part.stored_channels.items() if k != str(part.channels)}
    if converted:
        stored = " and ".join(
            f"{v} with {k} channel{'s' if k != '1' else ''}" for k, v in converted.items()
        )
        how = "repeated to 3 channels" if part.channels == 3 else "made grey by luminance"
        out.append(
            Finding(
                "info",
                f"{name}: of {part.n} images, {stored} are {how} (every batch has "
                f"{part.channels}).",
                "Nothing to do if colour does not matter to the label; pass --channels 1 or 3 "
                "to choose.",
                "channels_converted",
            )
        )
    return out


def shift_findings(parts: Sequence[ImagePart]) -> list[Finding]:
    """Stored sizes, channels and pixel levels of later parts against the first part."""
    first, out = parts[0], []
    for part in parts[1:]:
        ratio = part.side_median / first.side_median if first.side_median else 1.0
        if abs(ratio - 1) > SIDE_SHIFT:
            out.append(
                Finding(
                    "warning",
                    f"{part.name} images are {'larger' if ratio > 1 else 'smaller'} than "
                    f"{first.name} images as stored (median shorter side "
                    f"{format_number(part.side_median)} vs {format_number(first.side_median)} "
                    "px).",
                    "Check that the parts were acquired and exported the same way; after "
                    "resizing, objects appear at another scale and a model may not transfer.",
                    "sizes_differ",
                )
            )
        if _main_channels(part) != _main_channels(first):
            out.append(
                Finding(
                    "warning",
                    f"{part.name} images are mostly stored with {_main_channels(part)} "
                    f"channel(s) but {first.name} images with {_main_channels(first)}.",
                    "Give every part the same colour mode; a model trained on colour may not "
                    "transfer to grey images (or the reverse).",
                    "channels_differ",
                )
            )
        shifted = [
            c
            for c in range(min(len(part.pixel_mean), len(first.pixel_mean)))
            if abs(part.pixel_mean[c] - first.pixel_mean[c]) > LEVEL_SHIFT
        ]
        if shifted:
            c = shifted[0]
            brighter = part.pixel_mean[c] > first.pixel_mean[c]
            out.append(
                Finding(
                    "warning",
                    f"{part.name} pixels are {'brighter' if brighter else 'darker'} "
                    f"than {first.name} pixels (channel {c + 1}: mean "
                    f"{part.pixel_mean[c]:.3f} vs {first.pixel_mean[c]:.3f}).",
                    "Check exposure, staining or scanner settings between the parts; a model "
                    "can learn such differences instead of the label.",
                    "levels_differ",
                )
            )
    return out


def _main_channels(part: ImagePart) -> str:
    return max(part.stored_channels, key=lambda k: part.stored_channels[k])
