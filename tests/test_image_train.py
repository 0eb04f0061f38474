"""Image modality: learning on the sklearn digits, datasets, baseline features, errors, CLI."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.linear_model import LogisticRegression

from biodl.config import RunConfig
from biodl.data.demo import write_digits_npz
from biodl.data.images import ImageSet, channel_stats, read_image_npz
from biodl.errors import ConfigError, DataError
from biodl.kinds import prepare_run_data
from biodl.kinds.image import IMAGE, ImageDataset, PixelFeatures


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_digits_npz(tmp_path_factory.mktemp("digits") / "digits.npz")


def _fit(name: str, params: dict, train: ImageSet, y: np.ndarray, inputs: dict) -> torch.nn.Module:
    torch.manual_seed(0)
    net = IMAGE.build_network(name, params, inputs, 10)
    data = IMAGE.dataset(train, y, inputs, training=True, seed=0)
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    for epoch in range(3):
        order = np.random.default_rng(epoch).permutation(len(train))
        for index in np.array_split(order, len(train) // 64):
            batch = data[index]
            loss = torch.nn.functional.cross_entropy(net(*batch.inputs), batch.y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def test_digits_cnn_learns_and_beats_chance_like_the_baseline(digits: Path) -> None:
    parts = read_image_npz(digits)
    train, test = parts["train"], parts["test"]
    assert train is not None and test is not None and train.labels is not None
    y = train.labels["label"].astype(int).to_numpy()
    y_test = test.labels["label"].astype(int).to_numpy()  # type: ignore[union-attr]
    mean, std = channel_stats(train)
    inputs = {"channels": 1, "size": 8, "mean": mean, "std": std, "augment": []}
    net = _fit("cnn", {"channels": [16, 32], "n_layers": 2}, train, y, inputs)
    with torch.no_grad():
        x = IMAGE.dataset(test, None, inputs, training=False, seed=0)[np.arange(len(test))]
        accuracy = (net(*x.inputs).argmax(1).numpy() == y_test).mean()
    assert accuracy > 0.85
    features = PixelFeatures(8)
    baseline = LogisticRegression(max_iter=2000).fit(features(train), y)
    assert baseline.score(features(test), y_test) > 0.85


def test_training_batches_are_augmented_and_eval_batches_untouched() -> None:
    x = np.random.default_rng(0).integers(0, 256, (6, 8, 8), dtype=np.uint8)
    imgs = ImageSet.from_array(x, labels=None, source="x")
    plain = ImageDataset(imgs, None, augment=("flip", "noise"), training=False)
    augmented = ImageDataset(imgs, None, augment=("flip", "noise"), training=True, seed=3)
    index = np.arange(6)
    np.testing.assert_allclose(plain[index].inputs[0].numpy()[:, 0], x / 255, atol=1e-6)
    assert not torch.equal(augmented[index].inputs[0], plain[index].inputs[0])
    torch.testing.assert_close(augmented[index].inputs[0], augmented[index].inputs[0])
    assert plain.num_workers == 0


def test_wrapper_standardises_and_saves_only_the_model() -> None:
    inputs = {"channels": 1, "size": 8, "mean": [0.5], "std": [0.25], "augment": []}
    net = IMAGE.build_network("mlp", {"hidden_sizes": []}, inputs, 2)
    assert all(k.startswith("model.") for k in net.state_dict())
    x = torch.full((1, 1, 8, 8), 0.75)
    torch.testing.assert_close(net.normalise(x), torch.ones(1, 1, 8, 8))


def test_images_smaller_than_the_network_minimum() -> None:
    inputs = {"channels": 1, "size": 8, "mean": [0.0], "std": [1.0]}
    with pytest.raises(DataError, match=r"8x8 pixels but model 'cnn' needs at least 16x16"):
        IMAGE.build_network("cnn", {"n_layers": 4, "channels": 4}, inputs, 2)


def test_prepare_uses_the_npz_split_and_detects(digits: Path, tmp_path: Path) -> None:
    cfg = RunConfig.from_dict({"data": {"train": str(digits)}})
    prepared = prepare_run_data(cfg, seed=0)
    assert prepared.targets.task == "multiclass" and len(prepared.targets.classes) == 10
    assert prepared.targets.classes[:3] == ["0", "1", "2"]
    sizes = {k: len(v) for k, v in prepared.parts.items()}
    assert sizes == {"train": 1257, "valid": 180, "test": 360}
    assert IMAGE.detect(digits) and not IMAGE.detect(tmp_path)
    inputs = IMAGE.fit_inputs(cfg, prepared, "cnn", {})
    assert inputs["size"] == 8 and inputs["channels"] == 1 and len(inputs["mean"]) == 1
    assert IMAGE.describe(prepared)["image size"] == "8x8"


def test_prepare_splits_a_folder_and_rejects_bad_options(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(20):
            Image.fromarray(rng.integers(0, 256, (12, 12), dtype=np.uint8)).save(
                tmp_path / name / f"{i}.png"
            )
    cfg = RunConfig.from_dict({"data": {"train": str(tmp_path), "size": 10}})
    prepared = prepare_run_data(cfg, seed=0)
    assert sum(len(p) for p in prepared.parts.values()) == 40
    assert prepared.parts["train"].lazy and prepared.parts["train"].size == 10
    assert IMAGE.dataset(prepared.parts["train"], None, {}, training=True, seed=0).num_workers == 2
    bad = RunConfig.from_dict({"data": {"train": str(tmp_path), "augment": "blur"}})
    with pytest.raises(ConfigError, match="unknown augmentation 'blur'"):
        prepare_run_data(bad, seed=0)
    with pytest.raises(ConfigError, match="--channels must be 1 or 3"):
        prepare_run_data(
            RunConfig.from_dict({"data": {"train": str(tmp_path), "channels": 2}}), seed=0
        )
    with pytest.raises(DataError, match="not an image input"):
        IMAGE.read(
            str(tmp_path / "a" / "0.png"),
            {"size": 8, "channels": 1},
            SimpleNamespace(),
            require_labels=False,
        )
