"""Image readers: folders, CSVs, npz; layout, range and channel handling; errors."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from biodl.data.image_decode import decode_image, value_scale
from biodl.data.image_paths import PackedStrings
from biodl.data.images import (
    ImageSet,
    channel_stats,
    is_image_csv,
    is_image_folder,
    is_image_npz,
    read_image_csv,
    read_image_folder,
    read_image_npz,
)
from biodl.errors import DataError


def _folder(root: Path, *, mode: str = "L", side: int = 8, n: int = 3) -> Path:
    rng = np.random.default_rng(0)
    for name in ("healthy", "tumour"):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            shape = (side, side) if mode == "L" else (side, side, 3)
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(
                root / name / f"{i}.png"
            )
    return root


def test_folder_is_lazy_and_decodes_per_batch(tmp_path: Path) -> None:
    imgs = read_image_folder(_folder(tmp_path))
    assert imgs.lazy and imgs.array is None and len(imgs) == 6
    assert imgs.channels == 1 and imgs.size == 8
    assert list(imgs.labels["label"]) == ["healthy"] * 3 + ["tumour"] * 3  # type: ignore[index]
    batch = imgs.load(np.array([4, 0]))
    ref = np.asarray(Image.open(tmp_path / "tumour" / "1.png"), dtype=np.float32) / 255
    np.testing.assert_allclose(batch[0, 0], ref, atol=1e-6)
    sub = imgs.subset(np.array([5, 1]))
    assert sub.ids == [imgs.ids[5], imgs.ids[1]] and list(sub.labels["label"]) == [
        "tumour",
        "healthy",
    ]  # type: ignore[index]
    assert is_image_folder(tmp_path) and not is_image_folder(tmp_path / "healthy")


def test_mixed_sizes_are_resized_or_cropped(tmp_path: Path) -> None:
    _folder(tmp_path, side=8)
    Image.fromarray(np.zeros((12, 20), np.uint8)).save(tmp_path / "healthy" / "wide.png")
    imgs = read_image_folder(tmp_path, size=10, fit="crop")
    assert imgs.load(np.arange(len(imgs))).shape == (7, 1, 10, 10)
    # crop keeps the centred square: a left/right gradient image stays symmetric-free
    x = np.tile(np.arange(20, dtype=np.uint8)[None] * 10, (12, 1))
    Image.fromarray(x).save(tmp_path / "g.png")
    cropped = decode_image(tmp_path / "g.png", 1, 12, "crop")
    np.testing.assert_allclose(cropped[0, 0], x[0, 4:16] / 255, atol=1e-6)
    assert decode_image(tmp_path / "g.png", 1, 12, "resize").shape == (1, 12, 12)


def test_rgb_grey_rgba_and_16_bit_tiff(tmp_path: Path) -> None:
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0] = 255
    Image.fromarray(rgb).save(tmp_path / "r.png")
    np.testing.assert_allclose(decode_image(tmp_path / "r.png", 1, 4, "resize"), 0.299, atol=1e-6)
    Image.fromarray(np.dstack([rgb, np.full((4, 4), 9, np.uint8)])).save(tmp_path / "a.png")
    assert decode_image(tmp_path / "a.png", 3, 4, "resize")[0].min() == 1.0
    Image.fromarray(np.full((4, 4), 65535 // 2, np.uint16)).save(tmp_path / "t.tif")
    grey = decode_image(tmp_path / "t.tif", 3, 4, "resize")
    assert grey.shape == (3, 4, 4)
    np.testing.assert_allclose(grey, 0.5, atol=1e-4)
    assert value_scale(np.array([0.2, 0.9])) == 1.0 and value_scale(np.array([3.0, 200])) == 255


def test_csv_of_paths(tmp_path: Path) -> None:
    _folder(tmp_path / "imgs")
    rows = ["path,label"] + [
        f"imgs/{c}/{i}.png,{c}" for c in ("healthy", "tumour") for i in range(3)
    ]
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n")
    imgs = read_image_csv(tmp_path / "list.csv")
    assert imgs.ids[0] == "imgs/healthy/0.png" and imgs.load(np.array([0])).shape == (1, 1, 8, 8)
    assert is_image_csv(tmp_path / "list.csv")
    (tmp_path / "bad.csv").write_text("path,label\nimgs/healthy/0.png,a\nmissing.png,b\n")
    with pytest.raises(DataError, match=r"bad.csv line 3: image file 'missing.png' not found"):
        read_image_csv(tmp_path / "bad.csv")


def _npz(path: Path, **overrides: np.ndarray) -> Path:
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 2, (20, 1)),
        "val_images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "val_labels": rng.integers(0, 2, (6, 1)),
        "test_images": rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 2, (8,)),
    }
    arrays.update(overrides)
    np.savez(path, **arrays)
    return path


def test_npz_keeps_its_split_and_dtype(tmp_path: Path) -> None:
    parts = read_image_npz(_npz(tmp_path / "d.npz"))
    train, valid, test = parts["train"], parts["valid"], parts["test"]
    assert train is not None and valid is not None and test is not None
    assert (len(train), len(valid), len(test)) == (20, 6, 8)
    assert train.array is not None and train.array.dtype == np.uint8 and train.scale == 255
    assert train.ids[3] == "npz:train:3" and test.ids[0] == "npz:test:0"
    assert train.labels is not None and set(train.labels["label"]) <= {"0", "1"}
    assert is_image_npz(tmp_path / "d.npz")


def test_npz_channels_first_and_last_and_resize(tmp_path: Path) -> None:
    x = np.random.default_rng(1).random((4, 3, 16, 16)).astype(np.float32)
    chw = ImageSet.from_array(x, labels=None, source="x")
    hwc = ImageSet.from_array(np.moveaxis(x, 1, -1), labels=None, source="x")
    np.testing.assert_allclose(chw.load(np.arange(4)), hwc.load(np.arange(4)))
    small = ImageSet.from_array(x, labels=None, source="x", size=8, channels=1)
    assert small.load(np.arange(4)).shape == (4, 1, 8, 8)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"train_labels": np.array([0, 1, -1] + [0] * 17)}, "label -1 is out of range"),
        ({"test_labels": np.full(8, 5)}, "label 5 is out of range; training labels are 0..1"),
        ({"val_labels": np.zeros(5)}, "does not match 6 images"),
        ({"train_labels": np.full(20, 0.5)}, "labels must be integers"),
    ],
)
def test_npz_label_errors(tmp_path: Path, override: dict[str, np.ndarray], message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_image_npz(_npz(tmp_path / "d.npz", **override))


def test_npz_without_train_images(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", images=np.zeros((2, 4, 4)))
    with pytest.raises(DataError, match="no 'train_images' array"):
        read_image_npz(tmp_path / "x.npz")
    assert not is_image_npz(tmp_path / "x.npz")


def test_truncated_file_is_named(tmp_path: Path) -> None:
    _folder(tmp_path)
    bad = tmp_path / "tumour" / "2.png"
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(DataError, match=r"tumour/2.png: cannot read this image"):
        read_image_folder(tmp_path)


def test_empty_class_folder(tmp_path: Path) -> None:
    _folder(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(DataError, match="empty: class folder has no images"):
        read_image_folder(tmp_path)


def test_mixed_channels_need_channels_option(tmp_path: Path) -> None:
    _folder(tmp_path)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "tumour" / "rgb.png")
    with pytest.raises(DataError, match="mixed channel counts .* pass --channels 1 or"):
        read_image_folder(tmp_path)
    imgs = read_image_folder(tmp_path, channels=3)
    assert imgs.load(np.arange(len(imgs))).shape == (7, 3, 8, 8)


def test_channel_stats_match_numpy(tmp_path: Path) -> None:
    x = np.random.default_rng(2).integers(0, 256, (10, 5, 5, 3), dtype=np.uint8)
    mean, std = channel_stats(ImageSet.from_array(x, labels=None, source="x"))
    ref = x.astype(np.float64) / 255
    np.testing.assert_allclose(mean, ref.mean(axis=(0, 1, 2)), atol=1e-5)
    np.testing.assert_allclose(std, ref.std(axis=(0, 1, 2)), atol=1e-5)
    lazy = read_image_folder(_folder(tmp_path / "f", n=30))
    sample_mean, _ = channel_stats(lazy, max_images=10)
    full_mean, _ = channel_stats(lazy)
    assert abs(sample_mean[0] - full_mean[0]) < 0.05


def test_folder_paths_are_packed_numpy_and_decode_the_same_files(tmp_path: Path) -> None:
    root = _folder(tmp_path / "data", n=12)
    imgs = read_image_folder(root)
    # the order and spelling of the former list of Path strings: sorted classes, sorted files
    expected = [str(f) for c in sorted(root.iterdir()) for f in sorted(c.iterdir())]
    paths = imgs.paths
    assert isinstance(paths, PackedStrings) and imgs.ids is paths
    assert paths == expected and imgs.ids[-1] == expected[-1] and paths[-3] == expected[-3]
    # one byte buffer + offsets relative to the root, no Python object per file
    assert paths.prefix == f"{root}/" and paths.data.dtype == np.uint8
    assert paths.offsets.dtype == np.int64 and len(paths.offsets) == len(expected) + 1
    assert paths.data.tobytes() == "".join(e[len(f"{root}/") :] for e in expected).encode()
    order = np.array([23, 0, 13, 13, 7])
    sub = imgs.subset(order)
    assert isinstance(sub.paths, PackedStrings) and sub.ids is sub.paths
    assert sub.ids == [expected[i] for i in order]
    ref = np.stack([np.asarray(Image.open(expected[i]), np.float32) / 255 for i in order])
    np.testing.assert_allclose(sub.load(np.arange(5))[:, 0], ref, atol=1e-6)
    np.testing.assert_allclose(imgs.load(order), sub.load(np.arange(5)))


def test_folder_given_as_dot_and_undecodable_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _folder(tmp_path, n=2)
    odd = os.fsdecode(b"caf\xe9-\xff.png")  # not UTF-8: held with surrogate escapes
    Image.fromarray(np.full((8, 8), 51, np.uint8)).save(tmp_path / "tumour" / odd)
    monkeypatch.chdir(tmp_path)
    imgs = read_image_folder(".")
    assert imgs.ids == [
        "healthy/0.png",
        "healthy/1.png",
        "tumour/0.png",
        "tumour/1.png",
        f"tumour/{odd}",
    ]
    np.testing.assert_allclose(imgs.load(np.array([4]))[0, 0], 0.2, atol=1e-6)


def test_csv_ids_and_paths_are_packed_and_follow_subset(tmp_path: Path) -> None:
    _folder(tmp_path / "imgs")
    rows = ["label,path"] + [
        f"{c},./imgs/{c}/{i}.png" for c in ("healthy", "tumour") for i in (2, 0)
    ]
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n")
    imgs = read_image_csv(tmp_path / "list.csv")
    assert isinstance(imgs.ids, PackedStrings) and isinstance(imgs.paths, PackedStrings)
    assert imgs.ids == [r.split(",")[1] for r in rows[1:]]  # as written in the CSV
    sub = imgs.subset(np.array([3, 0]))
    assert sub.ids == ["./imgs/tumour/0.png", "./imgs/healthy/2.png"]
    assert sub.paths == [str(tmp_path / "imgs/tumour/0.png"), str(tmp_path / "imgs/healthy/2.png")]
    ref = np.asarray(Image.open(tmp_path / "imgs/tumour/0.png"), np.float32) / 255
    np.testing.assert_allclose(sub.load(np.array([0]))[0, 0], ref, atol=1e-6)


def test_packed_strings_sequence_and_errors() -> None:
    words = ["p/", "p/ä", "p/bb", "p/c.png"]
    packed = PackedStrings.from_strings(words, prefix="p/")
    assert len(packed) == 4 and list(packed) == words and packed.tolist() == words
    assert packed[-1] == "p/c.png" and packed[1:3] == words[1:3] and packed != words[:3]
    assert packed.take(np.array([3, 0, 3])) == ["p/c.png", "p/", "p/c.png"]
    assert len(packed.take(np.array([], dtype=np.int64))) == 0
    both = PackedStrings.concat([packed, packed.take(np.array([1]))], prefix="p/")
    assert both == [*words, "p/ä"] and both.nbytes == both.data.nbytes + 6 * 8
    assert pickle.loads(pickle.dumps(both)) == both  # spawned loader workers get a copy
    with pytest.raises(IndexError, match="index 4 is out of range for 4 strings"):
        packed[4]
    with pytest.raises(ValueError, match="'q/x' does not start with the prefix 'p/'"):
        PackedStrings.from_strings(["p/a", "q/x"], prefix="p/")
    with pytest.raises(ValueError, match="every part must have the prefix ''"):
        PackedStrings.concat([packed])
    with pytest.raises(ValueError, match="end at len"):
        PackedStrings(np.zeros(3, np.uint8), np.array([0, 2]))
    with pytest.raises(ValueError, match="start at 0"):
        PackedStrings(np.zeros(3, np.uint8), np.array([1, 3]))


def test_unparsable_csv_of_paths_is_a_data_error(tmp_path: Path) -> None:
    # An empty CSV escaped as csv.Error "Could not determine delimiter" (found by fuzzing).
    path = tmp_path / "images.csv"
    path.write_text("")
    with pytest.raises(DataError, match=r"images\.csv: (the file is empty|cannot parse)"):
        read_image_csv(path)
    path.write_text("path,label\n")  # escaped as IndexError
    with pytest.raises(DataError, match=r"images\.csv: the table has a header but no rows"):
        read_image_csv(path)
    path.write_bytes(b"path,label\n\xff.png,a\n")
    with pytest.raises(DataError, match=r"images\.csv line 2: byte 11 is not valid UTF-8"):
        read_image_csv(path)


def test_npz_evaluation_images_without_labels_are_refused(tmp_path: Path) -> None:
    # 'test_images' without 'test_labels' reached preparation and failed an assertion there
    # (found by fuzzing).
    from biodl.config import RunConfig
    from biodl.kinds import prepare_run_data

    path = tmp_path / "d.npz"
    arrays = dict(np.load(_npz(path)))
    del arrays["test_labels"]
    np.savez(path, **arrays)
    cfg = RunConfig.from_dict({"data": {"train": str(path)}})
    with pytest.raises(DataError, match=r"d\.npz: there are 'test_images' but no 'test_labels'"):
        prepare_run_data(cfg, seed=0)


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((4, 0, 9), np.uint8), r"images of 0x9 pixels have no pixels"),
        (np.full((4, 8, 8), np.nan), r"some pixel values are NaN or infinite"),
        (np.zeros((4, 8, 8), np.complex64), r"pixel values of type complex64 are not real"),
        (np.full((4, 8, 8), "a"), r"pixel values of type <U1 are not real numbers"),
    ],
)
def test_npz_images_without_usable_pixels(tmp_path: Path, images: np.ndarray, message: str):
    # Zero-height images escaped as torch's RuntimeError (found by fuzzing); NaN pixels would
    # have reached training.
    path = _npz(tmp_path / "d.npz", train_images=images, train_labels=np.arange(4) % 2)
    with pytest.raises(DataError, match=rf"d\.npz 'train_images': {message}"):
        read_image_npz(path)


def test_csv_separator_is_never_a_letter(tmp_path: Path) -> None:
    # pandas' sniffing took 'A' for the separator of a 70,000-letter first line and spent
    # minutes naming 70,000 columns (found by fuzzing); the message is short too.
    from biodl.data.images import separator

    assert separator(b"path;label\n") == ";" and separator(b"path\tlabel\n") == "\t"
    path = tmp_path / "images.csv"
    path.write_text("A" * 70_000 + "\npath,label\n")
    with pytest.raises(DataError, match=r"images\.csv: no column of image paths found \(col"):
        read_image_csv(path)
    assert not is_image_csv(path)
    _folder(tmp_path)
    path.write_text("path;label\nhealthy/0.png;x\ntumour/0.png;y\n")
    assert is_image_csv(path) and read_image_csv(path).labels["label"].tolist() == ["x", "y"]
