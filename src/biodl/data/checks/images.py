"""Look at images before training: :func:`inspect_images`.

Per part: how many images, their sizes and channels as stored (from each file's header for
folders and CSVs of paths, from the array for ``.npz``) against the side and channels every
batch gets (``--size``, ``--channels``, ``--fit``), blank images, pixel levels per channel,
class balance; across parts: sizes or channels that differ, and the same image in two parts
(leakage).

**How identical images are found.** Every image is decoded once, as the model sees it
(``(channels, size, size)`` float32 in ``[0, 1]`` after ``--channels``, ``--size`` and
``--fit``, the same for arrays and files), and its pixels are hashed (a 16-byte digest). We
hash decoded pixels rather than file bytes: a byte hash misses the same picture saved twice
with another compression level, metadata or file format, and those copies leak just as much.
The price is one full decoding pass (about the cost of one training epoch; images are decoded
256 at a time, so memory stays flat). Only exact copies are found: a resized, re-cropped or
lossy re-encoded copy (JPEG at another quality) has other pixels.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from biodl.data.images import ImageSet
>>> x = np.zeros((3, 8, 8), np.uint8); x[1, 2, 2] = 255
>>> images = ImageSet.from_array(x, labels=pd.DataFrame({"label": ["a", "b", "a"]}), source="x")
>>> part = inspect_images({"train": images}).parts[0]
>>> part.duplicate_images, part.blank_images
(1, 2)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from biodl.data.checks.common import (
    N_EXAMPLES,
    check_parts,
    check_task,
    digest,
    duplicate_id_count,
    find_overlaps,
    label_lines,
    label_summaries,
    pair_findings,
    part_label_findings,
    repeat_findings,
    repeats,
    resolve_task,
    small_data_finding,
    sort_findings,
)
from biodl.data.checks.images_findings import geometry_findings, shift_findings
from biodl.data.checks.result import (
    Histogram,
    Inspection,
    LabelSummary,
    Table,
    count_with_examples,
    format_number,
    integer_histogram,
)
from biodl.data.image_decode import header
from biodl.data.images import ImageSet

__all__ = ["ImagePart", "inspect_images"]

CHUNK = 256  # images decoded at a time
MAX_SIZES_SHOWN = 10


@dataclass
class ImagePart:
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

    def lines(self) -> list[str]:
        """Plain-text summary: size, stored sizes and channels, labels, repeats."""
        source = f" ({self.source})" if self.source and self.source != self.name else ""
        stored = ", ".join(f"{k} {v}" for k, v in list(self.sizes.items())[:3])
        more = f" and {self.distinct_sizes - 3} more sizes" if self.distinct_sizes > 3 else ""
        lines = [
            f"{self.name}{source}: {self.n} images read as {self.channels} x {self.size} x "
            f"{self.size} ({self.fit}); stored sizes {stored}{more}; {self.blank_images} blank"
        ]
        lines += label_lines(self.labels)
        lines.append(
            f"  duplicates: {self.duplicate_images} repeated images, {self.duplicate_ids} "
            "repeated ids"
        )
        return lines

    def rows(self) -> list[tuple[str, str]]:
        """Cells of this part's column in the HTML parts table."""
        sides = " / ".join(
            format_number(v) for v in (self.side_min, self.side_median, self.side_max)
        )
        stored = ", ".join(f"{k}: {v}" for k, v in sorted(self.stored_channels.items()))
        return [
            ("Images", str(self.n)),
            ("Read as (channels x side)", f"{self.channels} x {self.size} ({self.fit})"),
            ("Storage", "files, decoded per batch" if self.lazy else "array in memory"),
            ("Stored sizes", str(self.distinct_sizes)),
            ("Shorter side min / median / max", sides),
            ("Not square", str(self.non_square)),
            (f"Smaller than {self.size} px", str(self.smaller)),
            ("Stored channels (images)", stored),
            ("Blank images", count_with_examples(self.blank_images, self.blank_examples)),
            (
                "Repeated images",
                count_with_examples(self.duplicate_images, self.duplicate_examples),
            ),
            ("Repeated ids", str(self.duplicate_ids)),
        ]


def inspect_images(parts: Mapping[str, ImageSet], *, task: str = "auto") -> Inspection:
    """Summarise images before training and list what to fix.

    Parameters
    ----------
    parts : mapping of str to ImageSet
        Named parts in order (the first is the training part), read with the same channels
        and side.
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}, default "auto"

    Returns
    -------
    Inspection
        Part summaries (:class:`ImagePart`), identical images across parts (by a hash of the
        decoded pixels, see the module notes), findings; tables of stored sizes and pixel
        levels, histograms of the stored sides.

    Raises
    ------
    ConfigError
        For an unknown ``task``.
    DataError
        For no parts, a part that is not an ImageSet, or an image file that cannot be read.
    """
    check_task(task)
    check_parts(parts, ImageSet, "Read it with biodl.data.images.read_image_folder")
    resolved = resolve_task([p.labels for p in parts.values()], task)
    summaries, hashes = [], {}
    for name, images in parts.items():
        hashes[name], pixels = _decode_pass(images)
        summaries.append(_summarise(name, images, hashes[name], pixels, resolved))
    overlaps = find_overlaps({name: (p.ids, hashes[name]) for name, p in parts.items()})
    findings = small_data_finding(
        sum(p.n for p in summaries), "image", "images", "the pixel baseline"
    )
    for part in summaries:
        findings += repeat_findings(
            part.name,
            part.n,
            part.duplicate_images,
            part.duplicate_examples,
            part.duplicate_ids,
            item="image",
            items="images",
        )
        findings += geometry_findings(part)
        findings += part_label_findings(part.name, part.labels)
    findings += shift_findings(summaries)
    findings += pair_findings(summaries, overlaps, item="image", items="images")
    first = summaries[0]
    return Inspection(
        resolved,
        summaries,
        overlaps,
        sort_findings(findings),
        kind="image",
        item="image",
        items="images",
        identity="Two images are identical when their decoded pixels are, as the model sees "
        f"them ({first.channels} x {first.size} x {first.size} after --channels, --size and "
        "--fit); copies saved in another format or compression are found, resized or lossy "
        "re-encoded ones are not.",
        tables=[_size_table(summaries), _pixel_table(summaries)],
        figures=[_side_figure(p) for p in summaries if p.distinct_sizes > 1],
    )


# --------------------------------------------------------------------------- one part


@dataclass
class _Pixels:
    """What the decoding pass measures besides the hashes."""

    mean: list[float]
    sd: list[float]
    blank: np.ndarray


def _decode_pass(images: ImageSet) -> tuple[list[bytes], _Pixels]:
    """Decode every image once: hash its pixels, sum per channel, find blank images."""
    n, c = len(images), images.channels
    total, squares, count = np.zeros(c), np.zeros(c), 0
    hashes: list[bytes] = []
    blank = np.zeros(n, dtype=bool)
    for start in range(0, n, CHUNK):
        index = np.arange(start, min(start + CHUNK, n))
        x = np.ascontiguousarray(images.load(index), dtype=np.float32)
        hashes += [digest(x[k].data) for k in range(len(x))]
        flat = x.reshape(len(x), -1)
        blank[index] = flat.max(axis=1) == flat.min(axis=1)
        wide = x.astype(np.float64)
        total += wide.sum(axis=(0, 2, 3))
        squares += (wide**2).sum(axis=(0, 2, 3))
        count += x.shape[0] * x.shape[2] * x.shape[3]
    mean = total / max(count, 1)
    sd = np.sqrt(np.maximum(squares / max(count, 1) - mean**2, 0.0))
    return hashes, _Pixels(mean.tolist(), sd.tolist(), blank)


def _stored_geometry(images: ImageSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stored channels, heights and widths: from each file's header, or from the array."""
    n = len(images)
    if images.array is not None:
        _, c, h, w = images.array.shape
        return np.full(n, c), np.full(n, h), np.full(n, w)
    assert images.paths is not None
    found = np.array([header(images.paths[i]) for i in range(n)], dtype=np.int64).reshape(n, 3)
    return found[:, 0], found[:, 1], found[:, 2]


def _summarise(
    name: str, images: ImageSet, hashes: list[bytes], pixels: _Pixels, task: str | None
) -> ImagePart:
    channels, heights, widths = _stored_geometry(images)
    sides = np.minimum(heights, widths)
    sizes = Counter(f"{h}x{w}" for h, w in zip(heights.tolist(), widths.tolist(), strict=True))
    edges, counts = integer_histogram(sides)
    blank = np.flatnonzero(pixels.blank)
    repeated, examples = repeats(hashes, images.ids)
    return ImagePart(
        name=name,
        source=images.source,
        n=len(images),
        channels=images.channels,
        size=images.size,
        fit=images.fit,
        lazy=images.lazy,
        sizes=dict(sizes.most_common(MAX_SIZES_SHOWN)),
        distinct_sizes=len(sizes),
        side_min=float(sides.min()),
        side_median=float(np.median(sides)),
        side_max=float(sides.max()),
        side_edges=edges,
        side_counts=counts,
        non_square=int((heights != widths).sum()),
        smaller=int((sides < images.size).sum()),
        stored_channels={str(k): int(v) for k, v in sorted(Counter(channels.tolist()).items())},
        pixel_mean=pixels.mean,
        pixel_sd=pixels.sd,
        blank_images=len(blank),
        blank_examples=[str(images.ids[i]) for i in blank[:N_EXAMPLES]],
        label_columns=[] if images.labels is None else [str(c) for c in images.labels.columns],
        labels=label_summaries(images.labels, task),  # type: ignore[arg-type]
        duplicate_images=repeated,
        duplicate_examples=examples,
        duplicate_ids=duplicate_id_count(images.ids),
    )


# --------------------------------------------------------------------------- presentation


def _size_table(parts: list[ImagePart]) -> Table:
    totals: Counter[str] = Counter()
    for p in parts:
        totals.update(p.sizes)
    shown = [size for size, _ in totals.most_common(MAX_SIZES_SHOWN)]
    rows = [[size, *[str(p.sizes.get(size, 0)) for p in parts]] for size in shown]
    note = "Sizes as stored (height x width), before --size and --fit."
    if any(p.distinct_sizes > len(p.sizes) for p in parts) or len(totals) > len(shown):
        note += f" The {len(shown)} most frequent are shown."
    return Table("Stored sizes", ["Size", *[p.name for p in parts]], rows, note)


def _pixel_table(parts: list[ImagePart]) -> Table:
    first = parts[0]
    names = ["grey"] if first.channels == 1 else ["red", "green", "blue"]
    rows = [
        [
            names[c] if c < len(names) else str(c + 1),
            *[
                f"{p.pixel_mean[c]:.3f} ± {p.pixel_sd[c]:.3f}" if c < len(p.pixel_mean) else "—"
                for p in parts
            ],
        ]
        for c in range(first.channels)
    ]
    return Table(
        "Pixel levels",
        ["Channel", *[f"{p.name} mean ± sd" for p in parts]],
        rows,
        "Of the decoded pixels in [0, 1]. Parts whose levels differ were taken or processed "
        "differently (scanner, staining, exposure), which a model can learn instead of the "
        "label.",
    )


def _side_figure(part: ImagePart) -> Histogram:
    return Histogram(
        heading=f"Image sizes in {part.name}",
        caption="Shorter side of each stored image, in pixels. The dashed line is the side "
        f"every batch gets ({part.size}, --size); images on either side are resized or "
        "cropped to it (--fit).",
        title=f"{part.name}: {part.n} images, {part.distinct_sizes} sizes",
        xlabel="Shorter side (pixels)",
        ylabel="Images",
        edges=part.side_edges,
        counts=part.side_counts,
        marker=float(part.size),
        marker_label=f"--size {part.size}",
    )
