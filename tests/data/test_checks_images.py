"""Image inspection: each finding from a planted problem; leakage by hash of decoded pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from biodl.data.checks.images import inspect_images
from biodl.data.checks.result import Inspection
from biodl.data.images import ImageSet, read_image_csv, read_image_folder
from biodl.errors import DataError


def codes(inspection: Inspection) -> set[str]:
    return {f.code for f in inspection.findings}


def finding(inspection: Inspection, code: str):
    return next(f for f in inspection.findings if f.code == code)


def noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.random(shape) * 255).astype(np.uint8)


def array_set(x: np.ndarray, labels: list[str], part: str = "train") -> ImageSet:
    frame = pd.DataFrame({"label": labels})
    return ImageSet.from_array(x, labels=frame, source="toy.npz", part=part)


def test_arrays_blank_duplicates_leakage_and_balance(rng: np.random.Generator) -> None:
    x = noise(rng, (30, 8, 8))
    x[4] = 0  # blank
    x[20] = x[6]  # repeat within train
    y = noise(rng, (10, 8, 8))
    y[[2, 9]] = x[[1, 13]]  # copies in test
    train = array_set(x, ["a"] * 27 + ["b"] * 3)
    test = array_set(y, ["a", "b"] * 5, part="test")
    result = inspect_images({"train": train, "test": test})
    part = result.parts[0]
    assert (part.n, part.channels, part.size, part.lazy) == (30, 1, 8, False)
    assert (part.blank_images, part.blank_examples) == (1, ["npz:train:4"])
    assert (part.duplicate_images, part.duplicate_examples) == (1, ["npz:train:20"])
    assert part.pixel_mean[0] == pytest.approx(float(x.mean() / 255), rel=1e-5)
    (overlap,) = result.overlaps
    assert (overlap.identical, overlap.examples, overlap.matches) == (
        2,
        ["npz:test:2", "npz:test:9"],
        ["npz:train:1", "npz:train:13"],
    )
    assert (
        "2 of 10 test images are identical to a train image" in finding(result, "leakage").message
    )
    assert {"blank_images", "duplicates", "imbalance", "few_examples"} <= codes(result)
    assert result.kind == "image" and result.task == "binary"


def save(path: Path, pixels: np.ndarray, **options: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, **options)
    return path


def test_folder_leakage_found_through_another_compression(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    pictures = [noise(rng, (16, 16, 3)) for _ in range(6)]
    for k, pixels in enumerate(pictures):
        save(tmp_path / "train" / ("cat" if k % 2 else "dog") / f"{k}.png", pixels)
    copy = save(tmp_path / "test" / "cat" / "copy.png", pictures[1], compress_level=9)
    save(tmp_path / "test" / "dog" / "new.png", noise(rng, (16, 16, 3)))
    original = tmp_path / "train" / "cat" / "1.png"
    assert copy.read_bytes() != original.read_bytes()  # a byte hash would miss this copy
    train = read_image_folder(tmp_path / "train")
    test = read_image_folder(tmp_path / "test", channels=train.channels, size=train.size)
    result = inspect_images({"train": train, "test": test})
    assert result.parts[0].lazy and result.overlaps[0].identical == 1
    assert result.overlaps[0].examples == [str(copy)]
    assert result.overlaps[0].matches == [str(original)]


def test_sizes_channels_and_shapes(tmp_path: Path, rng: np.random.Generator) -> None:
    for k in range(4):
        save(tmp_path / "train" / "a" / f"{k}.png", noise(rng, (32, 32, 3)))
        save(tmp_path / "train" / "b" / f"{k}.png", noise(rng, (32, 32, 3)))
    save(tmp_path / "train" / "a" / "wide.png", noise(rng, (24, 40, 3)))
    save(tmp_path / "train" / "b" / "grey.png", noise(rng, (32, 32)))
    train = read_image_folder(tmp_path / "train", channels=3, size=32)
    result = inspect_images({"train": train})
    part = result.parts[0]
    assert part.sizes == {"32x32": 9, "24x40": 1}
    assert (part.distinct_sizes, part.non_square, part.smaller) == (2, 1, 1)
    assert part.stored_channels == {"1": 1, "3": 9}
    assert {"mixed_sizes", "non_square", "small_images", "channels_converted"} <= codes(result)
    assert (
        "1 with 1 channel are repeated to 3 channels"
        in finding(result, "channels_converted").message
    )
    assert result.tables[0].rows == [["32x32", "9"], ["24x40", "1"]]
    assert len(result.figures) == 1  # a histogram of the stored sides: they vary
    cropped = inspect_images(
        {"train": read_image_folder(tmp_path / "train", channels=3, fit="crop")}
    )
    assert "non_square" not in codes(cropped)


def test_parts_that_differ(rng: np.random.Generator) -> None:
    train = array_set(noise(rng, (20, 16, 16)) // 2, ["a", "b"] * 10)
    bright = array_set(noise(rng, (10, 16, 16)) // 2 + 120, ["a", "b"] * 5, part="test")
    result = inspect_images({"train": train, "test": bright})
    assert "test pixels are brighter than train pixels" in finding(result, "levels_differ").message
    big = ImageSet.from_array(
        noise(rng, (10, 32, 32)), labels=pd.DataFrame({"label": ["a", "b"] * 5}), source="x"
    )
    assert "sizes_differ" in codes(inspect_images({"train": train, "test": big}))


def test_csv_listing_a_file_twice(tmp_path: Path, rng: np.random.Generator) -> None:
    for k in range(3):
        save(tmp_path / f"{k}.png", noise(rng, (8, 8)))
    table = tmp_path / "images.csv"
    table.write_text("path,label\n0.png,a\n1.png,b\n2.png,a\n0.png,a\n")
    result = inspect_images({"train": read_image_csv(table)})
    part = result.parts[0]
    assert (part.duplicate_ids, part.duplicate_images, part.duplicate_examples) == (1, 1, ["0.png"])


def test_bad_arguments() -> None:
    with pytest.raises(DataError, match="expected an ImageSet, got dict"):
        inspect_images({"train": {}})  # type: ignore[dict-item]
