"""Image runs in the report: misclassified examples and saliency maps (plots and report.html)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.images import ImageSet
from biodl.interpret.saliency import smoothgrad
from biodl.kinds.image import IMAGE, ImageNetwork
from biodl.report.images import image_report_figures, pick_examples, saliency_examples

runner = CliRunner()


def _images(n: int, channels: int, side: int, seed: int = 0) -> ImageSet:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, channels, side, side), dtype=np.uint8)
    return ImageSet.from_array(x, labels=None, source="test")


def _network(channels: int, n_outputs: int) -> torch.nn.Module:
    torch.manual_seed(0)
    body = torch.nn.Sequential(
        torch.nn.Conv2d(channels, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, n_outputs),
    )
    return ImageNetwork(body, [0.5] * channels, [0.25] * channels)


def test_pick_examples_puts_misclassified_first_then_fills_with_correct() -> None:
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    pred = np.array([1, 1, 2, 2, 1, 0, 0, 2, 2, 1])  # wrong: 0, 3, 5, 7, 9
    assert pick_examples(y, pred, n=4).tolist() == [0, 3, 1, 2]
    assert pick_examples(y, y, n=3).tolist() == [0, 1, 2]  # none wrong: all correct
    assert pick_examples(y, (y + 1) % 3, n=4).tolist() == [0, 1, 2, 3]  # none right


@pytest.mark.parametrize(("channels", "side", "n_outputs"), [(1, 8, 3), (3, 12, 2), (3, 10, 1)])
def test_saliency_maps_have_the_input_spatial_shape(
    channels: int, side: int, n_outputs: int
) -> None:
    part = _images(10, channels, side)
    y = np.arange(10) % 2
    pred = np.where(np.arange(10) < 3, 1 - y, y)
    classes = ["a", "b", "c"][: max(n_outputs, 2)]
    examples = saliency_examples(_network(channels, n_outputs), part, y, pred, classes, n=6)
    assert examples.images.shape == (6, channels, side, side)
    assert examples.maps.shape == (6, side, side)
    assert (examples.maps >= 0).all() and examples.maps.sum() > 0
    assert examples.index.tolist() == [0, 1, 2, 3, 4, 5]
    assert examples.titles[0] == "true a, predicted b"
    assert examples.titles[3] == "true b, predicted b"
    # the maps are the SmoothGrad of the explained output (tests/interpret/test_saliency.py
    # checks SmoothGrad itself against references)
    x = torch.from_numpy(part.load(np.array([4])))
    net = _network(channels, n_outputs).eval()
    target = torch.tensor([0])  # row 4 is predicted class 0 (a 1-output net has only column 0)
    grad = smoothgrad(net, x, target)
    np.testing.assert_allclose(examples.maps[4], grad.abs().amax(1)[0].numpy(), rtol=1e-5)


def test_no_misclassified_images_gives_only_the_saliency_figure(tmp_path: Path) -> None:
    part = _images(6, 3, 8)
    y = np.array([0, 1, 0, 1, 0, 1])
    figures = image_report_figures(_network(3, 2), part, y, y, ["neg", "pos"], tmp_path)
    assert [f.title for f in figures] == ["Saliency maps"]
    assert "No test image was misclassified" in figures[0].caption
    assert not (tmp_path / "misclassified.png").exists()
    assert (tmp_path / "saliency.png").stat().st_size > 1000


def test_binary_hook_uses_the_decision_threshold(tmp_path: Path) -> None:
    part = _images(4, 1, 8)
    y = np.array([0, 1, 1, 0])
    scores = np.array([[0.7, 0.3], [0.6, 0.4], [0.2, 0.8], [0.9, 0.1]])
    prepared = SimpleNamespace(
        targets=SimpleNamespace(task="binary", classes=["neg", "pos"]),
        y={"test": y},
        parts={"test": part},
    )
    args = (_network(1, 1), prepared, "test", scores)
    strict = IMAGE.report_figures(*args, threshold=0.5, plots=tmp_path / "a")
    assert [f.title for f in strict] == ["Misclassified images", "Saliency maps"]
    assert "1 misclassified test images" in strict[0].caption  # row 1 (0.4 < 0.5)
    lenient = IMAGE.report_figures(*args, threshold=0.35, plots=tmp_path / "b")
    assert [f.title for f in lenient] == ["Saliency maps"]
    regression = SimpleNamespace(
        **{**vars(prepared), "targets": SimpleNamespace(task="regression")}
    )
    assert (
        IMAGE.report_figures(
            _network(1, 1), regression, "test", scores, threshold=0.5, plots=tmp_path / "c"
        )
        == []
    )


@pytest.fixture(scope="module")
def digit_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-epoch run of a tiny CNN on 150 digits (classes 0-2): it misclassifies some."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.flatnonzero(digits.target < 3)[:150]
    images = np.clip(digits.images[keep] * 16, 0, 255).astype(np.uint8)
    labels = digits.target[keep][:, None]
    root = tmp_path_factory.mktemp("report")
    np.savez(
        root / "digits.npz",
        train_images=images[:100],
        train_labels=labels[:100],
        val_images=images[100:120],
        val_labels=labels[100:120],
        test_images=images[120:],
        test_labels=labels[120:],
    )
    run = root / "run"
    args = ["train", root / "digits.npz", "--out", run, "--epochs", "1", "--lr", "1e-5"]
    args += ["--bootstrap", "20", "--quiet", "--set", "model.channels=4"]
    args += ["--set", "model.n_layers=1"]
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return run


def test_image_run_report_shows_misclassified_images_and_saliency(digit_run: Path) -> None:
    predictions = pd.read_csv(digit_run / "predictions.csv")
    test = predictions[predictions["split"] == "test"]
    n_wrong = int((test["true"] != test["predicted"]).sum())
    assert n_wrong > 0  # an untrained network (lr 1e-5, 1 epoch) gets some wrong
    html = (digit_run / "report.html").read_text()
    assert "Misclassified images." in html and "Saliency maps." in html
    assert f"of the {n_wrong} misclassified test images (of {len(test)})" in html
    for name in ("misclassified.png", "saliency.png"):
        assert (digit_run / "plots" / name).stat().st_size > 1000
    assert json.loads((digit_run / "metrics.json").read_text())["data"]["kind"] == "image"


def test_explain_draws_saliency_gradients_and_occlusion_of_misclassified_images_first(
    digit_run: Path, tmp_path: Path
) -> None:
    import biodl

    data = digit_run.parent / "digits.npz"
    predictions = pd.read_csv(digit_run / "predictions.csv")
    test = predictions[predictions["split"] == "test"].reset_index(drop=True)
    wrong = set(np.flatnonzero((test["true"] != test["predicted"]).to_numpy()).tolist())
    for method in ("saliency", "integrated_gradients", "occlusion"):
        out = tmp_path / method
        result = biodl.explain(digit_run, data, out=out, attribution=method, show_examples=3)
        section = result.section
        assert section.attributions.values.shape == (len(test), 1, 8, 8)
        assert np.abs(section.attributions.values).max() > 0
        shown = section.shown.tolist()
        assert set(shown) <= wrong or wrong <= set(shown)  # misclassified images first
        assert (out / "plots" / "overlays.png").stat().st_size > 1000
        assert f"attributed with {method}" in (out / "report.html").read_text()
