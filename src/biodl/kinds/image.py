"""The image kind (``--kind image``): class folders, CSVs of image paths, MedMNIST npz.

It plugs images into the generic workflow (train, cv, tune, predict, evaluate, report): reading
and splitting (:mod:`biodl.data.images`), the channel statistics fitted on the training images
only (saved in ``model.json`` as ``inputs``), the network wrapper that standardises pixels, the
whole-batch dataset that decodes lazily in worker processes and augments training batches
(:mod:`biodl.data.augment`), and the pixel features of the baselines.

Examples
--------
>>> import numpy as np
>>> from biodl.data.images import ImageSet
>>> imgs = ImageSet.from_array(np.zeros((4, 8, 8), np.uint8), labels=None, source="x")
>>> data = ImageDataset(imgs, np.array([0, 1, 0, 1]), training=False)
>>> batch = data[np.array([0, 3])]
>>> tuple(batch.inputs[0].shape), batch.y.tolist()
((2, 1, 8, 8), [0, 1])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from biodl.data.augment import augment_batch, batch_generator, parse_augment
from biodl.data.images import (
    NPZ_KEYS,
    ImageSet,
    channel_stats,
    is_image_csv,
    is_image_folder,
    is_image_npz,
    read_image_csv,
    read_image_folder,
    read_image_npz,
)
from biodl.errors import ConfigError, DataError
from biodl.evaluation.search_space import SHARED, ParamSpec, categorical
from biodl.models import IMAGE_MODELS

__all__ = [
    "BASELINE_SIDE",
    "IMAGE",
    "ImageBatch",
    "ImageDataset",
    "ImageKind",
    "ImageNetwork",
    "PixelFeatures",
    "check_min_size",
    "read_images",
    "read_images_run",
]

BASELINE_SIDE = 32  # the baselines see images averaged down to at most 32 x 32 pixels
LAZY_WORKERS = 2  # decoding processes for folders and CSVs


@dataclass
class ImageBatch:
    """One batch: ``inputs = (x,)`` with ``x : (batch, channels, size, size)`` and targets."""

    inputs: tuple[Tensor, ...]
    y: Tensor | None


class ImageNetwork(nn.Module):
    """Wrapper that standardises pixels with the training set's channel statistics.

    Only :attr:`model` is saved; ``mean`` and ``std`` are non-persistent buffers rebuilt from
    the run's ``inputs``.

    Parameters
    ----------
    model : nn.Module
        A plain image model (``features``, ``head``).
    mean, std : list of float
        Per-channel statistics of the training pixels (in ``[0, 1]`` units).
    """

    def __init__(self, model: nn.Module, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1), persistent=False)

    def normalise(self, x: Tensor) -> Tensor:
        """``(x - mean) / std`` per channel."""
        mean, std = self.get_buffer("mean"), self.get_buffer("std")
        return (x - mean) / std

    def forward(self, x: Tensor) -> Tensor:
        """Raw outputs: ``(batch, channels, size, size)`` pixels in ``[0, 1]`` -> ``(batch, k)``."""
        return self.model(self.normalise(x))


class ImageDataset(Dataset[ImageBatch]):
    """Whole-batch dataset of images: ``dataset[row_indices] -> ImageBatch``.

    Parameters
    ----------
    images : ImageSet
    y : ndarray or None
        Encoded targets.
    augment : sequence of str, default ()
        Augmentation names, applied only when ``training`` is True.
    training : bool, default False
    seed : int, default 0

    Attributes
    ----------
    num_workers : int
        Worker processes the loader should use: 2 for lazily decoded files, 0 for arrays.
    """

    def __init__(
        self,
        images: ImageSet,
        y: np.ndarray | None,
        *,
        augment: tuple[str, ...] = (),
        training: bool = False,
        seed: int = 0,
    ) -> None:
        self.images = images
        self.augment = augment if training else ()
        self.seed = seed
        self.num_workers = LAZY_WORKERS if images.lazy else 0
        self._y: Tensor | None = None
        if y is not None:
            self._y = torch.tensor(np.asarray(y), dtype=torch.int64 if y.ndim == 1 else None)
            if y.ndim > 1:
                self._y = self._y.float()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: np.ndarray) -> ImageBatch:
        index = np.asarray(index)
        x = torch.from_numpy(self.images.load(index))
        if self.augment:
            x = augment_batch(x, self.augment, batch_generator(self.seed, index))
        y = None if self._y is None else self._y[torch.from_numpy(index)]
        return ImageBatch((x,), y)


class PixelFeatures:
    """Pixels averaged down to at most ``BASELINE_SIDE`` x ``BASELINE_SIDE``, flattened.

    Parameters
    ----------
    side : int
        Side of the images.
    """

    def __init__(self, side: int) -> None:
        self.side = min(side, BASELINE_SIDE)
        self.description = f"pixels ({self.side}x{self.side}" + (
            f", averaged down from {side}x{side})" if side > self.side else ")"
        )

    def __call__(self, part: ImageSet) -> np.ndarray:
        """``(n, channels * side * side)`` float32 features of every image of ``part``."""
        chunks = []
        for start in range(0, len(part), 1024):
            x = torch.from_numpy(part.load(np.arange(start, min(start + 1024, len(part)))))
            if x.shape[-1] != self.side:
                x = torch.nn.functional.adaptive_avg_pool2d(x, self.side)
            chunks.append(x.flatten(1).numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def read_images(
    path: str,
    *,
    size: int | None,
    channels: int | None,
    fit: str,
    image_column: str | None = None,
    label_columns: list[str] | None = None,
    require_labels: bool = True,
    extra_columns: dict[str, str] | None = None,
) -> dict[str, ImageSet | None]:
    """Read any image input; ``{"train": ..., "valid": ..., "test": ...}`` (npz keeps its split).

    ``extra_columns`` (a CSV of image paths only) are kept after the label columns
    (:func:`biodl.data.images.read_image_csv`).

    Raises
    ------
    DataError
        When ``path`` is none of a class folder, a CSV of image paths, or an npz.
    """
    where = Path(path)
    if not where.exists():
        raise DataError(f"{path}: no such file or folder")
    if channels not in (None, 1, 3):
        raise ConfigError(f"--channels must be 1 or 3; got {channels}")
    if size is not None and size < 1:
        raise ConfigError(
            f"--size must be a positive number of pixels (e.g. --size 28); got {size}"
        )
    if is_image_npz(where):
        return read_image_npz(where, channels=channels, size=size, fit=fit)
    if where.is_dir():
        train = read_image_folder(where, channels=channels, size=size, fit=fit)
    elif where.suffix.lower() in (".csv", ".tsv", ".txt"):
        train = read_image_csv(
            where,
            path_column=image_column,
            label_columns=label_columns,
            channels=channels,
            size=size,
            fit=fit,
            require_labels=require_labels,
            extra_columns=extra_columns,
        )
    else:
        raise DataError(
            f"{path}: not an image input; expected a folder of class folders, a CSV with a "
            "column of image paths, or an .npz with train_images"
        )
    return {"train": train, "valid": None, "test": None}


def check_min_size(model: nn.Module, name: str, size: int) -> None:
    """Refuse images smaller than the network's minimum input side.

    Raises
    ------
    DataError
        Naming the side, the minimum and the fixes.
    """
    smallest = int(getattr(model, "min_size", 1))
    if size < smallest:
        raise DataError(
            f"images are {size}x{size} pixels but model '{name}' needs at least "
            f"{smallest}x{smallest} (its pooling/stride halve the side); upscale with "
            f"--size {smallest}, or use fewer layers or pooling 'none'"
        )


class ImageKind:
    """Images for the generic workflow (see the module docstring)."""

    name = "image"
    models = IMAGE_MODELS
    spaces: ClassVar[dict[str, dict[str, ParamSpec]]] = {
        "cnn": {
            **SHARED,
            "model.channels": categorical(16, 32, 64),
            "model.n_layers": ParamSpec("int", low=2, high=4),
            "model.kernel_size": categorical(3, 5),
            "model.activation": categorical("relu", "gelu"),
        },
        "resnet18": {**SHARED, "model.width": categorical(16, 32, 64)},
        "resnet34": {**SHARED, "model.width": categorical(16, 32, 64)},
        "mlp": {
            **SHARED,
            "model.hidden_sizes": categorical([128], [256, 128], [512, 256]),
            "model.activation": categorical("relu", "gelu"),
        },
    }
    splits = ("stratified", "random", "group", "predefined")
    labels_in_file = (
        "images take their labels from the file: the class folder names, the label column "
        "of a CSV of image paths, or an .npz's label arrays"
    )

    def detect(self, path: Path) -> bool:
        """A folder of class folders with images, a CSV of image paths, or an image npz."""
        path = Path(path)
        try:
            return is_image_npz(path) or is_image_folder(path) or is_image_csv(path)
        except OSError:
            return False

    def leakage(self, train: ImageSet, part: ImageSet, threshold: float) -> Any:
        """Images of ``part`` whose decoded pixels equal a training image's."""
        from biodl.data.checks.common import identical_leakage
        from biodl.data.checks.images import image_hashes

        return identical_leakage(
            (train.ids, image_hashes(train)),
            (part.ids, image_hashes(part)),
            what="images",
            item="image",
            fix="remove the duplicated images or split by patient (--split group)",
        )

    def default_model(self, prepared: Any) -> str:
        """The small CNN (3 conv blocks, 32-64-128 channels) for every image size."""
        return "cnn"

    def fit_inputs(self, cfg: Any, prepared: Any, model: str, params: dict) -> dict:
        """Channel statistics of the training images, and the image geometry."""
        train: ImageSet = prepared.parts["train"]
        mean, std = channel_stats(train, seed=int(getattr(cfg, "seed", 0) or 0))
        return {
            "channels": train.channels,
            "size": train.size,
            "fit": train.fit,
            "mean": mean,
            "std": std,
            "augment": list(parse_augment(cfg.data.augment)),
        }

    def build_network(self, model: str, params: dict, inputs: dict, n_outputs: int) -> nn.Module:
        """:class:`ImageNetwork` around the named model; checks the minimum image side."""
        from biodl.models import build_image_model

        net = build_image_model(
            model,
            in_channels=inputs["channels"],
            n_outputs=n_outputs,
            size=inputs["size"],
            **params,
        )
        check_min_size(net, model, inputs["size"])
        return ImageNetwork(net, inputs["mean"], inputs["std"])

    def dataset(
        self, part: ImageSet, y: np.ndarray | None, inputs: dict, *, training: bool, seed: int
    ) -> ImageDataset:
        """Whole-batch dataset; augmentation (``inputs["augment"]``) on training batches only."""
        names = tuple(inputs.get("augment", ()))
        return ImageDataset(part, y, augment=names, training=training, seed=seed)

    def baseline_features(self, cfg: Any, prepared: Any) -> PixelFeatures:
        """Flattened pixels, averaged down to at most 32 x 32."""
        return PixelFeatures(prepared.parts["train"].size)

    def extra_baselines(self, cfg: Any, prepared: Any) -> list:
        """None beyond the main baseline (logistic regression or random forest on pixels)."""
        return []

    def read(self, path: str, inputs: dict, data: Any, *, require_labels: bool) -> tuple:
        """New images for predict/evaluate, read with the trained model's geometry."""
        parts = read_images(
            path,
            size=inputs["size"],
            channels=inputs["channels"],
            fit=inputs.get("fit", "resize"),
            image_column=getattr(data, "image_column", None),
            label_columns=list(getattr(data, "label_columns", []) or []) or None,
            require_labels=require_labels,
        )
        if len([p for p in parts.values() if p is not None]) > 1:
            part = parts["test"] or parts["train"]  # an npz: predict on its test part
        else:
            part = parts["train"]
        assert part is not None
        labels = part.labels
        if require_labels and labels is None:
            raise DataError(f"{path}: no labels found; evaluation needs labelled images")
        return part, labels if labels is None else pd.DataFrame(labels)

    def describe(self, prepared: Any) -> dict:
        """Image geometry and storage for metrics.json and the report's data table."""
        train: ImageSet = prepared.parts["train"]
        return {
            "image size": f"{train.size}x{train.size}",
            "channels": train.channels,
            "storage": "decoded lazily per batch" if train.lazy else "in memory",
        }

    def read_run(self, cfg: Any) -> Any:
        """Read the images and labels (an npz's own split is kept); nothing split yet."""
        return read_images_run(cfg.data)

    def report_figures(
        self,
        network: nn.Module,
        prepared: Any,
        split: str,
        scores: np.ndarray,
        *,
        threshold: float,
        plots: Path,
    ) -> list:
        """Misclassified images and saliency maps of ``split`` (binary and multiclass tasks).

        Binary predictions are positive when the positive-class score is at least
        ``threshold``, as in ``predictions.csv``.
        """
        from biodl.report.images import image_report_figures

        targets, y = prepared.targets, prepared.y.get(split)
        if targets.task not in ("binary", "multiclass") or y is None:
            return []
        if targets.task == "binary":
            predicted = (scores[:, 1] >= threshold).astype(np.int64)
        else:
            predicted = scores.argmax(1)
        return image_report_figures(
            network,
            prepared.parts[split],
            y,
            predicted,
            [str(c) for c in targets.classes],
            plots,
            split=split,
        )

    def inspect(self, data: Any) -> Any:
        """Read the images as training does (an npz keeps its own parts; ``--valid`` and
        ``--test`` files are read with the training channels and side) and inspect them
        (:func:`biodl.data.checks.images.inspect_images`); labels are optional."""
        from biodl.data.checks.images import inspect_images

        options = {
            "fit": data.fit,
            "image_column": data.image_column,
            "label_columns": list(data.label_columns) or None,
            "require_labels": False,
        }
        parts = read_images(data.train, size=data.size, channels=data.channels, **options)
        first = parts["train"]
        assert first is not None
        for name, path in (("valid", data.valid), ("test", data.test)):
            if path:
                other = read_images(path, size=first.size, channels=first.channels, **options)
                parts[name] = other[name] or other["train"]
        present = {name: part for name, part in parts.items() if part is not None}
        return inspect_images(present, task=data.task)


def read_images_run(data: Any) -> Any:
    """The images of a run (``data`` is its DataConfig) as :class:`RawData`, before any split.

    An ``.npz`` brings its own train/val/test split. ``--valid``/``--test`` images are read
    with the training images' geometry. Group and split columns (``--group-column``,
    ``--split-column``) are columns of a CSV of image paths.

    Raises
    ------
    DataError
        From the readers; for side columns on input that has no columns; for no labels.
    """
    from biodl.data.prepared import RawData

    parse_augment(data.augment)  # a bad name is reported before any reading
    columns = list(data.label_columns) or None
    options: dict[str, Any] = {"size": data.size, "channels": data.channels, "fit": data.fit}
    side_columns = {
        column: flag
        for column, flag in (
            (data.group_column, "--group-column"),
            (data.split_column, "--split-column"),
        )
        if column and column not in (columns or [])
    }
    if (data.group_column or data.split_column) and (
        Path(data.train).is_dir() or is_image_npz(Path(data.train))
    ):
        first = data.group_column or data.split_column
        raise DataError(
            f"{data.train}: --group-column/--split-column name columns of a CSV of image "
            "paths; class folders and .npz files have none. List the images in a CSV with "
            f"a '{first}' column, or use --split stratified or random"
        )
    parts = read_images(  # the CSV once, labels and side columns together
        data.train,
        image_column=data.image_column,
        label_columns=columns,
        extra_columns=side_columns or None,
        **options,
    )
    train = parts["train"]
    assert train is not None
    if train.labels is None:
        raise DataError(f"{data.train}: no training labels found")
    side = None
    if data.group_column or data.split_column:
        side = train.labels
        train.labels = side[[str(c) for c in side.columns if c not in side_columns]]
    names = [str(c) for c in train.labels.columns]
    own = parts["valid"] is not None or parts["test"] is not None
    if own and data.split not in ("stratified", "random"):
        raise ConfigError(
            f"--split {data.split}: {data.train} holds its own train/val/test split, which is "
            "used as it is; drop --split"
        )
    found: dict[str, Any] = {"train": train}
    if not own:
        geometry: dict[str, Any] = {
            "size": train.size,
            "channels": train.channels,
            "fit": train.fit,
        }
        for name, path in (("valid", data.valid), ("test", data.test)):
            if path:
                found[name] = read_images(
                    path, image_column=data.image_column, label_columns=names, **geometry
                )["train"]
    else:
        found.update({k: v for k, v in parts.items() if k != "train" and v is not None})
        unlabelled = [k for k, v in found.items() if v.labels is None]
        if unlabelled:
            key = NPZ_KEYS[unlabelled[0]]
            raise DataError(
                f"{data.train}: there are '{key}_images' but no '{key}_labels'; the file's own "
                f"{unlabelled[0]} part needs its labels. Add '{key}_labels' or remove "
                f"'{key}_images'"
            )
    return RawData(
        found,
        {name: part.labels for name, part in found.items()},
        side=side,
        files=[p for p in (data.train, data.valid, data.test) if p],
        label_source=data.train,
        own_split="the file's own train/val/test split" if own else "",
    )


IMAGE = ImageKind()
