"""Image data: a folder per class, a CSV of image paths, or a MedMNIST-style ``.npz``.

Folders and CSVs are read LAZILY: only the paths, labels and image headers are read up front
(each header is checked, so a damaged file is named before training starts); the pixels are
decoded per batch, in the data loader's worker processes, so memory is bounded by the batch
and the prefetch, not by the number of images. The paths (and ids) are held packed in numpy
arrays (:class:`~biodl.data.image_paths.PackedStrings`: about 8 bytes plus the characters of
the path relative to the folder per image, no Python object per file) and decoded one at a
time when an image is read, so forked workers share them instead of copying them. ``.npz``
arrays are loaded whole (they already are arrays) and kept in their own dtype (``uint8`` for
MedMNIST) until a batch is gathered.

Every batch is ``(batch, channels, size, size)`` float32 in ``[0, 1]`` (see
:mod:`biodl.data.image_decode`); standardisation with the training set's channel statistics
happens in the model wrapper.

Examples
--------
>>> import numpy as np
>>> imgs = ImageSet.from_array(np.zeros((3, 8, 8), np.uint8), labels=None, source="demo")
>>> imgs.load(np.array([0, 2])).shape
(2, 1, 8, 8)
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from biodl.data._files import parse_csv
from biodl.data.image_decode import (
    IMAGE_SUFFIXES,
    array_to_chw,
    decode_image,
    fit_size,
    header,
    match_channels,
)
from biodl.data.image_paths import PackedStrings
from biodl.data.input_files import file_bytes, head
from biodl.data.npz import npz_names, read_npz
from biodl.errors import DataError

__all__ = [
    "NPZ_KEYS",
    "ImageSet",
    "channel_stats",
    "is_image_csv",
    "is_image_folder",
    "is_image_npz",
    "read_image_csv",
    "read_image_folder",
    "read_image_npz",
    "separator",
]

NPZ_KEYS = {"train": "train", "valid": "val", "test": "test"}
_PATH_COLUMNS = ("path", "image", "file", "filename", "filepath", "image_path")


@dataclass
class ImageSet:
    """Images with ids and optional labels; pixels decoded lazily (paths) or held (array).

    Attributes
    ----------
    ids : PackedStrings (sequence of str)
        File paths (a folder), the CSV's path column as written (a CSV), or
        ``npz:<part>:<row>`` for arrays.
    labels : DataFrame or None
        One row per image, one column per label (class names as ``str``).
    channels : int
        Channels of every batch (1 or 3).
    size : int
        Side of every batch.
    fit : {"resize", "crop"}
        How images of another size are brought to ``size``.
    paths : PackedStrings or None
        Files to decode per batch (lazy; packed in numpy arrays, item ``i`` decoded when it is
        read), or None for an array. For a folder ``ids`` is the same object.
    array : ndarray (n, c, h, w) or None
        Pixels in their stored dtype, for arrays.
    scale : float
        Divisor of ``array`` values to reach ``[0, 1]``.
    source : str
        The input as the user gave it, for messages.
    """

    ids: Sequence[str]
    labels: pd.DataFrame | None
    channels: int
    size: int
    fit: str = "resize"
    paths: PackedStrings | None = None
    array: np.ndarray | None = None
    scale: float = 1.0
    source: str = ""

    @classmethod
    def from_array(
        cls,
        x: np.ndarray,
        *,
        labels: pd.DataFrame | None,
        source: str,
        part: str = "train",
        channels: int | None = None,
        size: int | None = None,
        fit: str = "resize",
    ) -> ImageSet:
        """Images from an array ``(n, h, w)``, ``(n, h, w, c)`` or ``(n, c, h, w)``."""
        found = array_to_chw(np.asarray(x), source=source, key=f"{part}_images")
        arr, scale = found.array, found.scale
        colour = found.channels - 1 if found.channels in (2, 4) else found.channels
        want = channels or colour
        side = size or min(arr.shape[-2:])
        if want != found.channels or arr.shape[-1] != side or arr.shape[-2] != side:
            arr = _convert(arr, scale, want, side, fit)
            scale = 1.0
        prefix = f"npz:{part}:"
        ids = PackedStrings.from_strings((f"{prefix}{i}" for i in range(len(arr))), prefix=prefix)
        return cls(ids, labels, want, side, fit, None, arr, scale, source)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lazy(self) -> bool:
        """True when pixels are decoded from files per batch."""
        return self.paths is not None

    def subset(self, index: np.ndarray) -> ImageSet:
        """The images at ``index`` (an int array), in that order."""
        index = np.asarray(index, dtype=np.int64)
        labels = None if self.labels is None else self.labels.iloc[index].reset_index(drop=True)
        paths = None if self.paths is None else self.paths.take(index)
        if paths is not None and self.ids is self.paths:
            ids: Sequence[str] = paths  # a folder: the ids are the paths, kept once
        elif isinstance(self.ids, PackedStrings):
            ids = self.ids.take(index)
        else:
            ids = [self.ids[i] for i in index]
        return replace(
            self,
            ids=ids,
            labels=labels,
            paths=paths,
            array=None if self.array is None else self.array[index],
        )

    def load(self, index: np.ndarray) -> np.ndarray:
        """Pixels of the images at ``index``: ``(len(index), channels, size, size)`` float32.

        Values are in ``[0, 1]``. For a lazy set each file is decoded here (in the loader's
        worker process when there is one); its path is unpacked only then.
        """
        index = np.asarray(index, dtype=np.int64)
        if self.array is not None:
            return self.array[index].astype(np.float32) / np.float32(self.scale)
        assert self.paths is not None
        out = np.empty((len(index), self.channels, self.size, self.size), dtype=np.float32)
        for row, i in enumerate(index):
            out[row] = decode_image(self.paths[i], self.channels, self.size, self.fit)
        return out


def _convert(arr: np.ndarray, scale: float, channels: int, size: int, fit: str) -> np.ndarray:
    """Channels and size of a whole array, in chunks; result float32 in [0, 1]."""
    out = np.empty((len(arr), channels, size, size), dtype=np.float32)
    for start in range(0, len(arr), 4096):
        chunk = arr[start : start + 4096].astype(np.float32) / np.float32(scale)
        chunk = np.stack([match_channels(img, channels) for img in chunk]) if len(chunk) else chunk
        out[start : start + 4096] = fit_size(torch.from_numpy(chunk), size, fit).numpy()
    return out


def _is_image(path: Path) -> bool:
    return (
        path.is_file() and not path.name.startswith(".") and path.suffix.lower() in IMAGE_SUFFIXES
    )


def _image_names(folder: Path) -> list[str]:
    """Sorted names of the image files in ``folder`` (as :func:`_is_image`, without ``Path``s)."""
    with os.scandir(folder) as entries:
        return sorted(
            e.name
            for e in entries
            if not e.name.startswith(".")
            and e.name.lower().endswith(IMAGE_SUFFIXES)
            and e.is_file()
        )


def is_image_folder(path: Path) -> bool:
    """True for a folder whose subfolders hold image files (one subfolder per class)."""
    if not path.is_dir():
        return False
    subs = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return any(_is_image(f) for sub in subs for f in sub.iterdir())


def is_image_npz(path: Path) -> bool:
    """True for an ``.npz`` holding ``train_images``."""
    if not (path.is_file() and path.suffix.lower() == ".npz"):
        return False
    return "train_images" in npz_names(path)


def is_image_csv(path: Path) -> bool:
    """True for a CSV/TSV whose path column (first rows) names image files."""
    if not (path.is_file() and path.suffix.lower() in (".csv", ".tsv", ".txt")):
        return False
    data = head(path)  # detection: the first rows
    try:
        table = pd.read_csv(io.BytesIO(data), sep=separator(data), nrows=5, dtype=str)
    except Exception:
        return False
    return _path_column(table, None) is not None


def _columns(table: pd.DataFrame) -> str:
    """The first column names of ``table`` for a message, each at most 40 characters."""
    names = [str(c) if len(str(c)) <= 40 else str(c)[:37] + "..." for c in table.columns[:8]]
    return ", ".join(names) + (", ..." if len(table.columns) > 8 else "")


def separator(data: bytes) -> str:
    """The separator of a table of image paths: the commonest of ``, ; tab |`` in its first
    line (',' when none occurs).

    pandas' own sniffing (``sep=None``) may take a letter for the separator: a long first
    line then makes tens of thousands of columns, which pandas names in quadratic time.

    Examples
    --------
    >>> separator(b"path;label\\na.png;x\\n"), separator(b"path\\n")
    (';', ',')
    """
    first = data.split(b"\n", 1)[0]
    counts = {sep: first.count(sep.encode()) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _path_column(table: pd.DataFrame, given: str | None) -> str | None:
    if given is not None:
        return given if given in table.columns else None
    for column in table.columns:
        values = table[column].dropna().astype(str)
        if len(values) and values.str.lower().str.endswith(IMAGE_SUFFIXES).all():
            return str(column)
    lowered = {str(c).lower(): str(c) for c in table.columns}
    return next((lowered[c] for c in _PATH_COLUMNS if c in lowered), None)


def _scan(
    paths: Sequence[str], channels: int | None, size: int | None, source: str
) -> tuple[int, int]:
    """Check every header; return the channels and side to use.

    Only each file's channel count and shorter side are kept (two numpy arrays), not a Python
    tuple per file.
    """
    found = np.zeros(len(paths), dtype=np.uint8)
    sides = np.zeros(len(paths), dtype=np.int64)
    for k in range(len(paths)):
        c, h, w = header(paths[k])
        found[k], sides[k] = c, min(h, w)
    grey, colour = np.flatnonzero(found == 1), np.flatnonzero(found == 3)
    if channels is None and len(grey) and len(colour):
        raise DataError(
            f"{source}: images have mixed channel counts ({len(grey)} greyscale such as "
            f"{Path(paths[int(grey[0])]).name}, {len(colour)} colour such as "
            f"{Path(paths[int(colour[0])]).name}); pass --channels 1 or --channels 3 to "
            "convert them all"
        )
    want = channels or int(found[0])
    if size is None:
        size = int(np.median(sides))
    return want, size


def read_image_folder(
    path: str | Path, *, channels: int | None = None, size: int | None = None, fit: str = "resize"
) -> ImageSet:
    """Read a folder with one subfolder of images per class (lazy: headers only).

    Parameters
    ----------
    path : str or Path
        ``path/<class>/<image>`` with PNG, JPEG, TIFF or BMP files (other files are ignored).
    channels : {1, 3} or None
        Convert every image to this many channels; None keeps theirs and requires all images
        to agree.
    size : int or None
        Side of every image; None uses the median shorter side of the images.
    fit : {"resize", "crop"}
        How images of another size are brought to ``size``.

    Raises
    ------
    DataError
        For a damaged file (named), a class folder with no images, fewer than two classes, or
        mixed channel counts without ``channels``.
    """
    root = Path(path)
    with os.scandir(root) as entries:
        classes = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
    prefix = str(root / "_")[:-1]  # "root/" ("" for "."): str(root / c / f) == prefix + "c/f"
    chunks: list[PackedStrings] = []
    names: list[str] = []
    for name in classes:
        images = _image_names(root / name)
        if not images:
            raise DataError(
                f"{root / name}: class folder has no images (looked for "
                f"{', '.join(IMAGE_SUFFIXES)}); add images or remove the folder"
            )
        here = (f"{prefix}{name}/{f}" for f in images)
        chunks.append(PackedStrings.from_strings(here, prefix=prefix))  # the root stored once
        names += [name] * len(images)
    if not chunks:
        raise DataError(f"{root}: no class subfolders with images; expected {root}/<class>/*.png")
    files = PackedStrings.concat(chunks, prefix=prefix)
    del chunks
    want, side = _scan(files, channels, size, str(root))
    labels = pd.DataFrame({"label": names})
    return ImageSet(files, labels, want, side, fit, files, None, 1.0, str(root))


def read_image_csv(
    path: str | Path,
    *,
    path_column: str | None = None,
    label_columns: list[str] | None = None,
    channels: int | None = None,
    size: int | None = None,
    fit: str = "resize",
    require_labels: bool = True,
    extra_columns: Mapping[str, str] | None = None,
) -> ImageSet:
    """Read a CSV/TSV of image paths (relative to the CSV's folder) and labels (lazy).

    ``extra_columns`` (column -> the option that named it) are kept in ``labels`` after the
    label columns and never taken for the label column (group and split columns: the CSV is
    read once).

    Raises
    ------
    DataError
        For a missing path column, a missing or damaged image (with its line), no labels, or
        a missing extra column.
    """
    source = Path(path)
    data = file_bytes(source)
    table = parse_csv(data, str(source), sep=separator(data), dtype=str, keep_default_na=False)
    if table.empty:
        raise DataError(
            f"{source}: the table has a header but no rows; expected one image path per row"
        )
    column = _path_column(table, path_column)
    if column is None:
        raise DataError(
            f"{source}: no column of image paths found (columns: {_columns(table)}); "
            "name it 'path' or pass --image-column"
        )

    def resolved() -> Iterator[str]:
        for line, value in enumerate(table[column], start=2):
            file = Path(value) if Path(value).is_absolute() else source.parent / value
            if not file.is_file():
                raise DataError(f"{source} line {line}: image file '{value}' not found")
            yield str(file)

    files = PackedStrings.from_strings(resolved())
    extra = dict(extra_columns or {})
    rest = [str(c) for c in table.columns if c != column and c not in extra]
    wanted = label_columns or (["label"] if "label" in rest else rest[:1])
    missing = [c for c in wanted if c not in table.columns]
    if missing or (require_labels and not wanted):
        raise DataError(
            f"{source}: label column {', '.join(missing) or '(none)'} not found (columns: "
            f"{_columns(table)}); pass --label-column"
        )
    for name, flag in extra.items():
        if name not in table.columns:
            raise DataError(
                f"{source}: there is no column '{name}' (columns: {_columns(table)}); "
                f"name one of those with {flag}"
            )
    kept = wanted + [c for c in extra if c not in wanted] if wanted else []
    labels = table[kept].reset_index(drop=True) if kept else None
    want, side = _scan(files, channels, size, str(source))
    ids = PackedStrings.from_strings(str(v) for v in table[column])
    return ImageSet(ids, labels, want, side, fit, files, None, 1.0, str(source))


def _npz_labels(raw: np.ndarray, n: int, source: str, key: str) -> pd.DataFrame:
    y = np.asarray(raw)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if len(y) != n or y.ndim > 2:
        raise DataError(
            f"{source} '{key}': shape {raw.shape} does not match {n} images; expected (n,) "
            "or (n, 1) class labels, or (n, k) 0/1 labels"
        )
    if not np.issubdtype(y.dtype, np.number) or (y.size and (y != np.round(y)).any()):
        raise DataError(f"{source} '{key}': labels must be integers (class codes 0..K-1)")
    if y.size and y.min() < 0:
        raise DataError(
            f"{source} '{key}': label {int(y.min())} is out of range; class codes are 0..K-1"
        )
    y = y.astype(np.int64)
    if y.ndim == 2:
        return pd.DataFrame({f"label_{j}": y[:, j].astype(float) for j in range(y.shape[1])})
    return pd.DataFrame({"label": y.astype(str)})


def read_image_npz(
    path: str | Path, *, channels: int | None = None, size: int | None = None, fit: str = "resize"
) -> dict[str, ImageSet | None]:
    """Read a MedMNIST-style ``.npz``: ``{train,val,test}_{images,labels}``.

    Returns
    -------
    dict
        ``{"train": ImageSet, "valid": ImageSet | None, "test": ImageSet | None}``; the file's
        own split is used.

    Raises
    ------
    DataError
        For a missing ``train_images``, labels that do not match the images, labels that are
        negative or non-integer, or valid/test labels above the largest training class.
    """
    source = str(path)
    arrays = read_npz(path, source, fix="save the arrays with numpy.savez")
    if "train_images" not in arrays:
        raise DataError(
            f"{source}: no 'train_images' array (found: {', '.join(arrays)}); expected "
            "train_images, train_labels, val_images, val_labels, test_images, test_labels"
        )
    parts: dict[str, ImageSet | None] = {}
    top: int | None = None
    for part, key in NPZ_KEYS.items():
        if f"{key}_images" not in arrays:
            parts[part] = None
            continue
        x = arrays[f"{key}_images"]
        labels = None
        if f"{key}_labels" in arrays:
            labels = _npz_labels(arrays[f"{key}_labels"], len(x), source, f"{key}_labels")
            if "label" in labels and len(labels):
                codes = labels["label"].astype(int)
                if top is None:
                    top = int(codes.max())
                elif int(codes.max()) > top:
                    raise DataError(
                        f"{source} '{key}_labels': label {int(codes.max())} is out of range; "
                        f"training labels are 0..{top}, so the model has no such class"
                    )
        first = parts.get("train")
        parts[part] = ImageSet.from_array(
            x,
            labels=labels,
            source=source,
            part=key,
            channels=channels or (first.channels if first else None),
            size=size or (first.size if first else None),
            fit=fit,
        )
    return parts


def channel_stats(
    images: ImageSet, *, max_images: int = 2000, seed: int = 0
) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of the pixels (in ``[0, 1]`` units).

    Uses every image of an array set, and a seeded sample of at most ``max_images`` of a lazy
    set (decoding all of a large folder only for statistics would double the reading time).

    Examples
    --------
    >>> x = np.stack([np.zeros((4, 4)), np.ones((4, 4))]).astype(np.float32)
    >>> channel_stats(ImageSet.from_array(x, labels=None, source="x"))
    ([0.5], [0.5])
    """
    n = len(images)
    index = np.arange(n)
    if images.lazy and n > max_images:
        index = np.sort(np.random.default_rng(seed).choice(n, max_images, replace=False))
    total = np.zeros(images.channels)
    squares = np.zeros(images.channels)
    count = 0
    for start in range(0, len(index), 1024):
        x = images.load(index[start : start + 1024]).astype(np.float64)
        total += x.sum(axis=(0, 2, 3))
        squares += (x**2).sum(axis=(0, 2, 3))
        count += x.shape[0] * x.shape[2] * x.shape[3]
    mean = total / max(count, 1)
    std = np.sqrt(np.maximum(squares / max(count, 1) - mean**2, 0.0))
    std = np.where(std < 1e-6, 1.0, std)
    return [round(float(m), 6) for m in mean], [round(float(s), 6) for s in std]
