"""The summary of one part of images (:class:`ImagePart`) and its findings.

Within a part: blank images, stored sizes that vary, images that are not square or smaller
than the side of the batches, channels that are converted. Between parts: stored sizes,
channels or pixel levels that differ from the first part's. The summaries are made by
:func:`biodl.data.checks.images.inspect_images`.

Examples
--------
>>> SIDE_SHIFT, LEVEL_SHIFT
(0.25, 0.1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from biodl.data.checks.part import KindTerms, PartBase, slashed
from biodl.data.checks.result import Finding, LabelSummary, count_with_examples, format_number
from biodl.data.images import ImageSet

__all__ = [
    "IMAGES",
    "LEVEL_SHIFT",
    "SIDE_SHIFT",
    "ImagePart",
    "geometry_findings",
    "shift_findings",
]

IMAGES = KindTerms(
    "image",
    "image",
    "images",
    baseline="the pixel baseline",
    data=ImageSet,
    reader="Read it with biodl.data.images.read_image_folder",
)

#: Later parts whose median stored side differs from the first part's by more than this.
SIDE_SHIFT = 0.25
#: A channel's mean pixel level (pixels in [0, 1]) that differs by more than this.
LEVEL_SHIFT = 0.1


@dataclass
class ImagePart(PartBase):
    """Summary of one part of images.

    Parameters
    ----------
    name, source : str
    n : int
        Images.
    channels, size : int
        Channels and side of every batch (after conversion).
    fit : str
        How other sizes are brought to ``size`` ("resize" or "crop").
    lazy : bool
        Decoded from files per batch (folders, CSVs) rather than held as an array.
    sizes : dict of str to int
        Images per stored size ``"HxW"``, most frequent first (at most 10).
    distinct_sizes : int
        Number of different stored sizes.
    side_min, side_median, side_max : float
        Of the shorter side of each stored image.
    side_edges, side_counts : list
        Histogram of the shorter sides.
    non_square : int
        Images whose height and width differ.
    smaller : int
        Images whose shorter side is below ``size`` (enlarged when read).
    stored_channels : dict of str to int
        Images per stored channel count ("1" grey, "3" colour; alpha not counted).
    pixel_mean, pixel_sd : list of float
        Per channel, of the decoded pixels in ``[0, 1]``.
    blank_images : int
        Images whose every pixel has one value.
    blank_examples : list of str
    label_columns : list of str
    labels : list of LabelSummary
    duplicate_images : int
        Images identical to an earlier image of this part.
    duplicate_examples : list of str
    duplicate_ids : int
    """

    terms: ClassVar[KindTerms] = IMAGES

    name: str
    source: str
    n: int
    channels: int
    size: int
    fit: str
    lazy: bool
    sizes: dict[str, int]
    distinct_sizes: int
    side_min: float
    side_median: float
    side_max: float
    side_edges: list[float]
    side_counts: list[int]
    non_square: int
    smaller: int
    stored_channels: dict[str, int]
    pixel_mean: list[float]
    pixel_sd: list[float]
    blank_images: int
    blank_examples: list[str]
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_images: int
    duplicate_examples: list[str]
    duplicate_ids: int

    def headline(self) -> str:
        """Size, stored sizes and channels, blank images."""
        stored = ", ".join(f"{k} {v}" for k, v in list(self.sizes.items())[:3])
        more = f" and {self.distinct_sizes - 3} more sizes" if self.distinct_sizes > 3 else ""
        return (
            f"{self.n} images read as {self.channels} x {self.size} x {self.size} ({self.fit}); "
            f"stored sizes {stored}{more}; {self.blank_images} blank"
        )

    def kind_rows(self) -> list[tuple[str, str]]:
        """How images are read and stored, their sizes and channels, blank images."""
        stored = ", ".join(f"{k}: {v}" for k, v in sorted(self.stored_channels.items()))
        return [
            ("Read as (channels x side)", f"{self.channels} x {self.size} ({self.fit})"),
            ("Storage", "files, decoded per batch" if self.lazy else "array in memory"),
            ("Stored sizes", str(self.distinct_sizes)),
            (
                "Shorter side min / median / max",
                slashed(self.side_min, self.side_median, self.side_max),
            ),
            ("Not square", str(self.non_square)),
            (f"Smaller than {self.size} px", str(self.smaller)),
            ("Stored channels (images)", stored),
            ("Blank images", count_with_examples(self.blank_images, self.blank_examples)),
        ]


def geometry_findings(part: ImagePart, first: bool) -> list[Finding]:
    """Blank images, varying sizes, non-square and small images, converted channels.

    The same for every part (``first`` is not used).
    """
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
