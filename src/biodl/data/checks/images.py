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

from biodl.data.checks.assemble import assemble, check_arguments
from biodl.data.checks.common import N_EXAMPLES, digest, find_overlaps
from biodl.data.checks.images_part import IMAGES, ImagePart, geometry_findings, shift_findings
from biodl.data.checks.labels import resolve_task
from biodl.data.checks.part import part_histogram
from biodl.data.checks.result import (
    Histogram,
    Inspection,
    Table,
    integer_histogram,
)
from biodl.data.image_decode import header
from biodl.data.images import ImageSet
from biodl.data.targets import TaskName

__all__ = ["inspect_images"]


CHUNK = 256  # images decoded at a time
MAX_SIZES_SHOWN = 10


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
    check_arguments(IMAGES, parts, task)
    resolved = resolve_task([p.labels for p in parts.values()], task)
    summaries, hashes = [], {}
    for name, images in parts.items():
        hashes[name], pixels = _decode_pass(images)
        summaries.append(_summarise(name, images, hashes[name], pixels, resolved))
    overlaps = find_overlaps({name: (p.ids, hashes[name]) for name, p in parts.items()})
    first = summaries[0]
    return assemble(
        IMAGES,
        resolved,
        summaries,
        overlaps,
        identity="Two images are identical when their decoded pixels are, as the model sees "
        f"them ({first.channels} x {first.size} x {first.size} after --channels, --size and "
        "--fit); copies saved in another format or compression are found, resized or lossy "
        "re-encoded ones are not.",
        part_findings=geometry_findings,
        after=shift_findings(summaries),
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


def image_hashes(images: ImageSet) -> list[bytes]:
    """A digest of each image's decoded pixels (as the model sees them), a chunk at a time."""
    hashes: list[bytes] = []
    for start in range(0, len(images), CHUNK):
        x = np.ascontiguousarray(images.load(np.arange(start, min(start + CHUNK, len(images)))))
        hashes += [digest(x[k].astype(np.float32).data) for k in range(len(x))]
    return hashes


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
    name: str, images: ImageSet, hashes: list[bytes], pixels: _Pixels, task: TaskName | None
) -> ImagePart:
    channels, heights, widths = _stored_geometry(images)
    sides = np.minimum(heights, widths)
    sizes = Counter(f"{h}x{w}" for h, w in zip(heights.tolist(), widths.tolist(), strict=True))
    edges, counts = integer_histogram(sides)
    blank = np.flatnonzero(pixels.blank)
    return ImagePart.build(
        name,
        images,
        hashes,
        images.labels,
        task,
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
    return part_histogram(
        part,
        "Image sizes",
        caption="Shorter side of each stored image, in pixels. The dashed line is the side "
        f"every batch gets ({part.size}, --size); images on either side are resized or "
        "cropped to it (--fit).",
        xlabel="Shorter side (pixels)",
        unit="images",
        edges=part.side_edges,
        counts=part.side_counts,
        marker=float(part.size),
        marker_label=f"--size {part.size}",
        title_note=f", {part.distinct_sizes} sizes",
    )
