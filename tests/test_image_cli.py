"""`biodl train` on images from the command line: the Images options reach the run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from biodl.cli import app

runner = CliRunner()

FAST = [
    "--epochs",
    "1",
    "--bootstrap",
    "20",
    "--quiet",
    "--set",
    "model.channels=4",
    "--set",
    "model.n_layers=1",
]


def biodl(*args: str | Path) -> object:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def small_digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 of scikit-learn's 8x8 digits (classes 0, 1, 2) as a MedMNIST-style npz."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.flatnonzero(digits.target < 3)[:150]
    images = np.clip(digits.images[keep] * 16, 0, 255).astype(np.uint8)
    labels = digits.target[keep][:, None]
    path = tmp_path_factory.mktemp("img") / "digits.npz"
    np.savez(
        path,
        train_images=images[:100],
        train_labels=labels[:100],
        val_images=images[100:120],
        val_labels=labels[100:120],
        test_images=images[120:],
        test_labels=labels[120:],
    )
    return path


@pytest.fixture(scope="module")
def image_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 RGB PNGs of 12x10 pixels listed in a CSV with a non-standard path column."""
    root = tmp_path_factory.mktemp("csv")
    rng = np.random.default_rng(0)
    rows = ["picture,label"]
    for i in range(40):
        label = i % 2
        pixels = rng.integers(0, 80, (10, 12, 3), dtype=np.uint8) + np.uint8(120 * label)
        Image.fromarray(pixels).save(root / f"im{i}.png")
        rows.append(f"im{i}.png,{'bright' if label else 'dark'}")
    (root / "images.csv").write_text("\n".join(rows) + "\n")
    return root / "images.csv"


def test_image_options_reach_the_config_and_the_model(small_digits: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = ["--size", "16", "--fit", "crop", "--augment", "flip,noise", "--channels", "3"]
    result = biodl("train", small_digits, "--out", run, *FAST, *args)
    assert result.exit_code == 0, result.output
    inputs = json.loads((run / "model" / "model.json").read_text())["inputs"]
    assert inputs["size"] == 16 and inputs["channels"] == 3 and inputs["fit"] == "crop"
    assert inputs["augment"] == ["flip", "noise"]
    data = json.loads((run / "metrics.json").read_text())["data"]
    assert data["image size"] == "16x16" and data["channels"] == 3
    assert "16x16" in (run / "report.html").read_text()


def test_image_column_names_the_path_column(image_csv: Path, tmp_path: Path) -> None:
    run = tmp_path / "csv"
    result = biodl(
        "train", image_csv, "--out", run, *FAST, "--image-column", "picture", "--size", "8"
    )
    assert result.exit_code == 0, result.output
    config = (run / "config.yaml").read_text()
    assert "image_column: picture" in config
    data = json.loads((run / "metrics.json").read_text())["data"]
    assert data["kind"] == "image" and data["image size"] == "8x8" and data["channels"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "0"], "--size must be a positive number of pixels"),
        (["--channels", "2"], "--channels must be 1 or 3; got 2"),
        (["--fit", "stretch"], "data.fit: expected one of resize, crop, got 'stretch'"),
        (["--augment", "flip,blur"], "unknown augmentation 'blur'"),
    ],
)
def test_bad_image_options_exit_2_with_one_line(
    small_digits: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    run = tmp_path / "bad"
    result = biodl("train", small_digits, "--out", run, "--quiet", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not run.exists() and not list(tmp_path.glob(".bad.partial-*"))


def test_train_help_has_an_images_panel() -> None:
    result = biodl("train", "--help")
    assert result.exit_code == 0
    assert "Images" in result.output
    for option in ("--size", "--channels", "--fit", "--augment", "--image-column"):
        assert option in result.output


def test_image_demo_trains_on_the_digits_and_writes_a_report(tmp_path: Path) -> None:
    run = tmp_path / "demo"
    result = biodl("demo", "--kind", "image", "--epochs", "2", "--quiet", "--out", run)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo-digits.npz").exists()
    html = (run / "report.html").read_text()
    assert "Saliency maps." in html
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["kind"] == "image" and metrics["data"]["n_test"] == 360
    assert metrics["model"]["name"] == "CNN" or "cnn" in metrics["model"]["name"].lower()
    assert metrics["model"]["test"]["accuracy"] > 0.3  # chance: 0.1 (10 balanced classes)


def test_unknown_demo_kind_exits_2(tmp_path: Path) -> None:
    result = biodl("demo", "--kind", "video", "--out", tmp_path / "demo")
    assert result.exit_code == 2
    assert "--kind video: unknown demo; choose one of sequence, image" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())
