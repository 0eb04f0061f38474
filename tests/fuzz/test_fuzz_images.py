"""Fuzzed image readers: class folders (one image damaged), CSVs of image paths, ``.npz``.

Folders are read lazily (headers checked up front, pixels decoded per batch), so each case
also decodes every image of the training part, as training would.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import numpy as np
from fuzz_inputs import BINARY_MUTATIONS, examples, mutated, read_as_user, run_case, write
from hypothesis import given
from hypothesis import strategies as st
from npz_strategies import npz_archive

PER_CLASS = 12


@cache
def images() -> dict[str, bytes]:
    """24 small images (two classes), PNG and JPEG, by relative path."""
    from PIL import Image

    rng = np.random.default_rng(0)
    out = {}
    for label in ("a", "b"):
        for i in range(PER_CLASS):
            buffer = io.BytesIO()
            pixels = rng.integers(0, 256, (10, 10), dtype=np.uint8)
            kind = "PNG" if i % 3 else "JPEG"
            Image.fromarray(pixels).save(buffer, format=kind)
            out[f"{label}/{i}.{kind.lower().replace('jpeg', 'jpg')}"] = buffer.getvalue()
    return out


def _write_images(root: Path, damaged: str | None = None, data: bytes = b"") -> Path:
    for name, content in images().items():
        write(root / name, data if name == damaged else content)
    return root


@st.composite
def image_csv(draw: st.DrawFn) -> bytes:
    rows = ["path,label"] + [f"{name},{name[0]}" for name in images()]
    return draw(mutated(("\n".join(rows) + "\n").encode()))


@st.composite
def image_npz(draw: st.DrawFn) -> bytes:
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    valid = {
        "train_images": rng.integers(0, 256, (30, 8, 8), dtype=np.uint8),
        "train_labels": (np.arange(30) % 2)[:, None],
        "test_images": rng.integers(0, 256, (10, 8, 8), dtype=np.uint8),
        "test_labels": np.arange(10) % 2,
    }
    names = (*valid, "val_images", "val_labels")
    return draw(npz_archive(valid, names))


def _read_pixels(path: Path, **options: object) -> None:
    """Decode the training images as a training batch would (folders are read lazily)."""
    from biodl.config import build_config
    from biodl.kinds import prepare_run_data

    try:
        prepared = prepare_run_data(build_config(train=str(path), **options), seed=0)
    except Exception:
        return  # read_as_user has judged the error
    train = prepared.parts["train"]
    train.load(np.arange(len(train)))


@examples(40)
@given(
    damaged=st.sampled_from(sorted(images())),
    data=st.data(),
)
def test_image_folder(damaged: str, data: st.DataObject) -> None:
    content = data.draw(mutated(images()[damaged], operations=BINARY_MUTATIONS, most=2))

    def body(tmp: Path) -> None:
        root = _write_images(tmp / "images", damaged, content)
        read_as_user("image folder", root, kind="image")
        _read_pixels(root, kind="image")

    run_case(body)


@examples(30)
@given(table=image_csv())
def test_image_csv(table: bytes) -> None:
    def body(tmp: Path) -> None:
        _write_images(tmp)
        path = write(tmp / "images.csv", table)
        read_as_user("image csv", path, kind="image")
        _read_pixels(path, kind="image")

    run_case(body)


@examples(40)
@given(data=image_npz())
def test_image_npz(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("image npz", write(tmp / "images.npz", data)))
