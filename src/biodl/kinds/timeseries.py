"""Regular time series (``--kind timeseries``): UCR/UEA text, CSV with id + label, ``.npz``.

The series go to the network as ``(batch, channels, length)`` floats plus a ``(batch,
length)`` mask when lengths differ. Inputs are scaled per channel (``ts_normalisation``):
``global`` (default) z-scores each channel with the mean and sd of all training time points,
so amplitude differences between series survive; ``instance`` z-scores every series on its
own (shape only, what the UCR archive stores). The statistics are fitted on the training part
only and kept in non-persistent buffers of the wrapper network.

Baselines on the same split: the classical panel on per-channel summary statistics (mean,
min, max, last, count, slope; :func:`biodl.data.summary.summary_features`) and 1-nearest
neighbour with Euclidean distance on the normalised series (:class:`NearestNeighbour`), which
competes with the panel's models on validation (``--baseline auto``).

Examples
--------
>>> import numpy as np
>>> from biodl.data.timeseries import TimeSeriesSet
>>> ts = TimeSeriesSet.from_array(np.arange(12.0).reshape(2, 2, 3))
>>> stats = normalisation(ts, "global")
>>> [round(v, 2) for v in stats["mean"]]
[4.0, 7.0]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
import torch
from torch import nn

from biodl.data.input_files import head
from biodl.data.timeseries import LABEL_NAMES, TimeSeriesSet, read_timeseries
from biodl.errors import DataError, DataWarning
from biodl.evaluation.search_space import DEFAULT_SPACES, ParamSpec
from biodl.kinds.timeseries_options import TimeSeriesOptions
from biodl.models import MODELS
from biodl.options import options_of

if TYPE_CHECKING:
    import pandas as pd

    from biodl.config import DataConfig, RunConfig
    from biodl.data.checks.result import Inspection
    from biodl.data.prepared import Leakage, PreparedData, RawData
    from biodl.kinds import ExtraBaseline

__all__ = [
    "MODELS",
    "TIMESERIES",
    "NearestNeighbour",
    "SeriesData",
    "TimeSeriesKind",
    "TimeSeriesNetwork",
    "check_channels",
    "normalisation",
]

#: Models accepted for regular series: the sequence models plus the two time-series CNNs.
SERIES_MODELS = {
    name: MODELS[name]
    for name in ("cnn", "fcn", "resnet1d", "rnn", "lstm", "gru", "cnn-lstm", "transformer")
}
#: Measured on UCR ECG200 with the default training options (30 epochs, batch 64, early
#: stopping): cnn 0.86 mean test accuracy over 3 seeds, fcn 0.74-0.82 (it needs hundreds of
#: epochs), gru 0.64. See docs/timeseries.md.
DEFAULT_MODEL = "cnn"
#: Most distances (new series x training series) 1-NN holds at once.
NN_BLOCK_CELLS = 1 << 24
_TEXT_SUFFIXES = (".txt", ".tsv", ".csv", ".tab")


def normalisation(train: TimeSeriesSet, how: str) -> dict[str, Any]:
    """Per-channel scaling statistics fitted on ``train`` (JSON-able).

    Parameters
    ----------
    train : TimeSeriesSet
        The training part.
    how : {'global', 'instance', 'none'}
        See the module docstring.

    Returns
    -------
    dict
        ``{"how", "mean", "std"}``; ``mean``/``std`` are per-channel lists (0 and 1 unless
        ``how == 'global'``).
    """
    channels = train.channels
    mean, std = np.zeros(channels), np.ones(channels)
    if how == "global":
        real = train.mask[:, None, :].repeat(channels, axis=1)
        for c in range(channels):
            values = train.values[:, c, :][real[:, c, :]].astype(np.float64)
            mean[c] = values.mean()
            std[c] = values.std() if values.std() > 0 else 1.0
    return {"how": how, "mean": mean.tolist(), "std": std.tolist()}


def scale(values: torch.Tensor, mask: torch.Tensor | None, stats: dict[str, Any]) -> torch.Tensor:
    """Apply :func:`normalisation` statistics to ``(batch, channels, length)`` values."""
    return _scale(values, mask, stats["how"], _vector(stats["mean"]), _vector(stats["std"]))


def _vector(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32).view(1, -1, 1)


def _scale(
    x: torch.Tensor, mask: torch.Tensor | None, how: str, mean: torch.Tensor, std: torch.Tensor
) -> torch.Tensor:
    m = None if mask is None else mask.unsqueeze(1).to(x.dtype)
    if how == "instance":
        count = x.shape[-1] if m is None else m.sum(-1, keepdim=True).clamp(min=1.0)
        centre = (x if m is None else x * m).sum(-1, keepdim=True) / count
        dev = x - centre
        var = ((dev if m is None else dev * m) ** 2).sum(-1, keepdim=True) / count
        x = dev / var.sqrt().clamp(min=1e-8)
    elif how == "global":
        x = (x - mean.to(x.device)) / std.to(x.device)
    return x if m is None else x * m


class TimeSeriesNetwork(nn.Module):
    """Scales raw series, then runs ``model``. Only ``model`` holds trained weights.

    Parameters
    ----------
    model : nn.Module
        A biodl model: ``model(x: (batch, channels, length), mask) -> (batch, n_outputs)``.
    stats : dict
        From :func:`normalisation`; kept in non-persistent buffers.
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, model: nn.Module, stats: dict[str, Any]):
        super().__init__()
        self.model = model
        self.how = stats["how"]
        self.register_buffer("mean", _vector(stats["mean"]), persistent=False)
        self.register_buffer("std", _vector(stats["std"]), persistent=False)

    def forward(self, values: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``values`` ``(batch, channels, length)``, ``mask`` ``(batch, length)`` or None."""
        return self.model(_scale(values, mask, self.how, self.mean, self.std), mask)


class SeriesData(torch.utils.data.Dataset):
    """Whole-batch dataset: ``data[row_indices]`` -> ``TensorBatch((values, mask), y)``.

    ``mask`` is None when every series in the set has the padded length.
    """

    def __init__(self, part: TimeSeriesSet, y: np.ndarray | None):
        self.values = torch.from_numpy(np.ascontiguousarray(part.values, dtype=np.float32))
        self.mask = None if part.equal_length else torch.from_numpy(part.mask)
        self.lengths = part.lengths
        self.y = None
        if y is not None:
            dtype = torch.int64 if y.ndim == 1 else torch.float32
            self.y = torch.as_tensor(np.asarray(y), dtype=dtype)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __getitem__(self, index: Any) -> Any:
        from biodl.data.dataset import TensorBatch

        rows = torch.as_tensor(np.asarray(index), dtype=torch.int64)
        values = self.values[rows]
        mask = None
        if self.mask is not None:
            width = int(self.lengths[np.asarray(index)].max())  # crop to the batch's longest
            values, mask = values[:, :, :width], self.mask[rows, :width]
        y = None if self.y is None else self.y[rows]
        return TensorBatch((values, mask), y)


def _padded(part: TimeSeriesSet, length: int, stats: dict[str, Any]) -> np.ndarray:
    """Scaled series cropped / zero-padded to ``length``, flattened: ``(n, channels * length)``."""
    mask = torch.from_numpy(part.mask)
    x = scale(torch.from_numpy(part.values), mask, stats).numpy()
    out = np.zeros((len(part), part.channels, length), dtype=np.float64)
    width = min(length, part.length)
    out[:, :, :width] = x[:, :, :width]
    return out.reshape(len(part), -1)


@dataclass
class NearestNeighbour:
    """1-nearest-neighbour with Euclidean distance on scaled series (the classic UCR baseline).

    Fitted with :meth:`fit`; :meth:`predict_scores` gives the neighbour's one-hot class
    ``(n, n_classes)`` (classification) or its targets ``(n, T)`` (regression). Series of other
    lengths are cropped / zero-padded to the training length. Ties go to the first training
    series, as in ``sklearn.neighbors.KNeighborsClassifier(n_neighbors=1)``.

    Parameters
    ----------
    stats : dict
        From :func:`normalisation` (fitted on the training part).
    n_classes : int
        Number of classes; 0 for regression / multilabel (targets copied as they are).
    """

    stats: dict[str, Any]
    n_classes: int = 0

    def fit(self, part: TimeSeriesSet, y: np.ndarray) -> NearestNeighbour:
        self.length_ = part.length
        self.X_ = _padded(part, self.length_, self.stats)
        self.y_ = np.asarray(y)
        return self

    def predict_scores(self, part: TimeSeriesSet) -> np.ndarray:
        X = _padded(part, self.length_, self.stats)
        train_sq = (self.X_**2).sum(1)[None, :]
        step = max(1, NN_BLOCK_CELLS // max(1, len(self.X_)))  # distances held at once
        nearest = np.concatenate(
            [
                np.argmin((b**2).sum(1)[:, None] - 2 * b @ self.X_.T + train_sq, axis=1)
                for b in (X[i : i + step] for i in range(0, len(X), step))
            ]
            or [np.zeros(0, dtype=np.int64)]
        )
        if self.n_classes:
            return np.eye(self.n_classes)[self.y_[nearest]]
        return self.y_[nearest].reshape(len(part), -1).astype(np.float64)


def check_channels(part: TimeSeriesSet, channels: int, source: str) -> None:
    """Raise when ``part`` does not have the training data's number of channels."""
    if part.channels != channels:
        raise DataError(
            f"{source}: series have {part.channels} channels but the training series have "
            f"{channels}; give series with the same channels in the same order"
        )


def unseen_lengths(
    part: TimeSeriesSet, trained: np.ndarray, source: str, *, baseline: bool = True
) -> str:
    """A warning when series of ``part`` (a separate file) are shorter or longer than every
    training series (their lengths ``trained``); "" when all lie within them. ``baseline``:
    the 1-NN baseline scores them too (train, cv), not only the network (predict).

    The networks pool over whatever length they are given and the 1-nearest-neighbour
    baseline crops or zero-pads to the training length, so nothing else would say it.
    """
    outside = (part.lengths < trained.min()) | (part.lengths > trained.max())
    if not outside.any():
        return ""
    seen = part.lengths[outside]
    return (
        f"{source}: {int(outside.sum())} of {len(part)} series have lengths the training "
        f"series never have ({_span(seen)} time points; training: {_span(trained)}): "
        "the network was never trained on such lengths"
        + (" and the 1-NN baseline crops or zero-pads them" if baseline else "")
        + "; check that the files belong to one data set"
    )


def _span(lengths: np.ndarray) -> str:
    low, high = int(lengths.min()), int(lengths.max())
    return f"{low}" if low == high else f"{low} to {high}"


def looks_like_timeseries(path: Path) -> bool:
    """UCR-style text, a ``.npz`` with a 3-D/2-D values array, or a numeric CSV with a label.

    A CSV counts when it has a label column (see ``LABEL_NAMES``) and at least 10 other
    columns, all numeric on the first data line (a table with ids but no label column is an
    expression matrix whose labels come from ``--labels``); an expression matrix with a label
    column can look the same, so pass ``--kind`` when detection picks the wrong kind.
    """
    if path.suffix.lower() == ".npz":
        from biodl.data.npz import npz_names

        return any(k.lower().startswith("x") for k in npz_names(path))
    if path.suffix.lower() not in _TEXT_SUFFIXES or not path.is_file():
        return False
    lines = _head_lines(path, 2)
    tokens = [t.strip() for t in lines[0].replace(",", " ").replace("\t", " ").split()]
    if len(tokens) < 11:
        return False
    if all(_number(t) for t in tokens):
        return True  # UCR: label then values, no header
    body = lines[1].replace(",", " ").replace("\t", " ").split() if lines[1] else []
    named = {t.lower() for t in tokens} & set(LABEL_NAMES)
    numeric = sum(_number(t) for t in body)
    return bool(named) and numeric >= len(body) - 2 and len(body) == len(tokens)


#: What detection reads of a series file (the first lines; a longer line is cut).
_DETECT_BYTES = 1 << 20


def _head_lines(path: str | Path, n: int) -> list[str]:
    """The first ``n`` lines of a text file ("" past its end) from its first bytes; a line cut
    at the end of those bytes loses its last, perhaps partial, token."""
    data = head(path, _DETECT_BYTES)
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)[:n]
    if len(data) == _DETECT_BYTES and lines and not lines[-1].endswith("\n"):
        lines[-1] = lines[-1].rsplit(None, 1)[0] if lines[-1].split() else lines[-1]
    return lines + [""] * (n - len(lines))


def _number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_part(path: str, *, data: DataConfig, part: str, extra: list[str]) -> TimeSeriesSet:
    """Read one labelled file of a run (``.npz`` parts by name), once.

    ``extra`` columns (group, split) are read beside the label columns, after them.
    """
    return read_timeseries(
        path,
        id_column=data.id_column,
        label_columns=list(data.label_columns) or None,
        part=part,
        extra_columns=[c for c in extra if c not in data.label_columns],
    )


@dataclass
class SummaryStatistics:
    """Per-channel summary statistics of series (the main baseline's features)."""

    fill: np.ndarray
    description: str = (
        "per-channel summary statistics (mean, min, max, last, count, slope over time)"
    )

    def __call__(self, part: TimeSeriesSet) -> np.ndarray:
        from biodl.data.summary import summary_features

        return summary_features(_with_nan(part), fill=self.fill).X

    def column_names(self) -> list[tuple[str, str]]:
        """(feature, variable) of each column: the statistics of ``channel 1``, ``channel 2``,
        ... (the names the explanation's heatmaps use), in column order."""
        from biodl.data.summary import SUMMARY_STATS

        channels = len(self.fill) // len(SUMMARY_STATS)
        return [
            (f"channel {j + 1}_{stat}", f"channel {j + 1}")
            for j in range(channels)
            for stat in SUMMARY_STATS
        ]


def _with_nan(part: TimeSeriesSet) -> np.ndarray:
    """Values with NaN at padded time points (what ``summary_features`` reads as missing)."""
    return np.where(part.mask[:, None, :], part.values, np.nan)


class TimeSeriesKind:
    """Regular time series (see the module docstring)."""

    name = "timeseries"
    models = SERIES_MODELS
    spaces: ClassVar[dict[str, dict[str, ParamSpec]]] = {
        name: DEFAULT_SPACES[name] for name in SERIES_MODELS
    }
    splits = ("stratified", "random", "group", "predefined")
    labels_in_file = (
        "time series take their labels from the file: the first column of UCR text, the "
        "label column of a CSV, or an .npz's y arrays"
    )

    def detect(self, path: Path) -> bool:
        return looks_like_timeseries(Path(path))

    def read_run(self, cfg: RunConfig) -> RawData:
        """The training series (and --valid/--test files) with their label and side columns."""
        from biodl.data.prepared import RawData

        data = cfg.data
        side = [c for c in (data.group_column, data.split_column) if c]
        train = read_part(data.train, data=data, part="train", extra=side)
        assert train.labels is not None
        table = train.labels
        columns = [c for c in table.columns if c not in side]
        train.labels = table[columns]
        parts: dict[str, Any] = {"train": train}
        labels: dict[str, Any] = {"train": train.labels}
        notes = []
        for name, path in (("valid", data.valid), ("test", data.test)):
            if path:
                part = read_part(path, data=data, part=name, extra=[])
                check_channels(part, train.channels, path)
                notes.append(unseen_lengths(part, train.lengths, path))
                if part.labels is not None:
                    part.labels = part.labels[[c for c in columns if c in part.labels.columns]]
                parts[name], labels[name] = part, part.labels
        return RawData(
            parts,
            labels,
            side=table,
            files=[p for p in (data.train, data.valid, data.test) if p],
            label_source=data.train,
            notes=[n for n in notes if n],
        )

    def leakage(self, train: TimeSeriesSet, part: TimeSeriesSet, threshold: float) -> Leakage:
        """Series of ``part`` equal, value for value, to a training series."""
        from biodl.data.checks.common import identical_leakage
        from biodl.data.checks.timeseries import series_hashes

        return identical_leakage(
            (train.ids, series_hashes(train)),
            (part.ids, series_hashes(part)),
            what="series",
            item="series",
            fix="remove the duplicated series or split by subject (--split group)",
        )

    def default_model(self, prepared: PreparedData) -> str:
        return DEFAULT_MODEL

    def fit_inputs(
        self, cfg: RunConfig, prepared: PreparedData, model: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        train = prepared.parts["train"]
        assert isinstance(train, TimeSeriesSet)
        lengths = np.concatenate([p.lengths for p in _parts(prepared)])
        equal = bool(lengths.min() == lengths.max())
        return {
            "in_channels": train.channels,
            "length": int(lengths[0]) if equal else None,
            "normalisation": normalisation(
                train, options_of(TimeSeriesOptions, cfg.data).ts_normalisation
            ),
            "id_column": cfg.data.id_column,
            "label_columns": list(prepared.targets.label_columns),
        }

    def build_network(
        self, model: str, params: dict[str, Any], inputs: dict[str, Any], n_outputs: int
    ) -> nn.Module:
        from biodl.models import build_model

        net = build_model(
            model,
            in_channels=inputs["in_channels"],
            n_outputs=n_outputs,
            length=inputs["length"],
            **params,
        )
        return TimeSeriesNetwork(net, inputs["normalisation"])

    def dataset(
        self,
        part: TimeSeriesSet,
        y: np.ndarray | None,
        inputs: dict[str, Any],
        *,
        training: bool,
        seed: int,
    ) -> SeriesData:
        return SeriesData(part, y)

    def baseline_features(self, cfg: RunConfig, prepared: PreparedData) -> SummaryStatistics:
        from biodl.data.summary import summary_features

        train = prepared.parts["train"]
        assert isinstance(train, TimeSeriesSet)
        return SummaryStatistics(summary_features(_with_nan(train)).fill)

    def extra_baselines(self, cfg: RunConfig, prepared: PreparedData) -> list[ExtraBaseline]:
        from biodl.kinds import ExtraBaseline

        train = prepared.parts["train"]
        assert isinstance(train, TimeSeriesSet)
        stats = normalisation(train, options_of(TimeSeriesOptions, cfg.data).ts_normalisation)
        targets = prepared.targets
        n_classes = len(targets.classes) if targets.task in ("binary", "multiclass") else 0

        def fit(part: TimeSeriesSet, y: np.ndarray) -> NearestNeighbour:
            return NearestNeighbour(stats, n_classes).fit(part, y)

        how = stats["how"]
        scaled = "unscaled" if how == "none" else f"{how}-z-scored"
        return [
            ExtraBaseline(
                "1-NN (Euclidean)",
                fit,
                key="nearest_neighbour",
                features=f"the {scaled} series",
                settings="1 neighbour, Euclidean distance on the series as the network sees them",
            )
        ]

    def read(
        self, path: str, inputs: dict[str, Any], data: DataConfig, *, require_labels: bool
    ) -> tuple[TimeSeriesSet, pd.DataFrame | None]:
        columns = data.label_columns or inputs.get("label_columns") or []
        part = read_timeseries(
            path,
            id_column=data.id_column or inputs.get("id_column"),
            label_columns=None if _is_ucr(path) else (columns or None),
            part="test",
            require_labels=require_labels,
        )
        check_channels(part, inputs["in_channels"], path)
        if inputs.get("length") is not None:  # saved when every training series had one length
            said = unseen_lengths(part, np.array([inputs["length"]]), path, baseline=False)
            if said:
                warnings.warn(said, DataWarning, stacklevel=2)
        return part, part.labels

    def describe(self, prepared: PreparedData) -> dict[str, Any]:
        parts = _parts(prepared)
        lengths = np.concatenate([p.lengths for p in parts])
        return {
            "channels": parts[0].channels,
            "length": {
                "min": int(lengths.min()),
                "max": int(lengths.max()),
                "median": float(np.median(lengths)),
            },
        }

    def inspect(self, data: DataConfig) -> Inspection:
        """Read each part as training does, a NaN inside a series and repeated ids kept, and
        inspect it (:func:`biodl.data.checks.timeseries.inspect_timeseries`)."""
        from biodl.data.checks.timeseries import inspect_timeseries

        parts = {
            name: read_timeseries(
                path,
                id_column=data.id_column,
                label_columns=list(data.label_columns) or None,
                part=name,
                require_labels=False,
                strict=False,
            )
            for name, path in (("train", data.train), ("valid", data.valid), ("test", data.test))
            if path
        }
        return inspect_timeseries(parts, task=data.task)


def _parts(prepared: PreparedData) -> list[TimeSeriesSet]:
    """The present parts of a time-series run, in train/valid/test order."""
    return [cast(TimeSeriesSet, prepared.parts[name]) for name in prepared.present()]


def _is_ucr(path: str) -> bool:
    return (
        Path(path).suffix.lower() != ".npz"
        and looks_like_timeseries(Path(path))
        and _headerless(path)
    )


def _headerless(path: str) -> bool:
    first = _head_lines(path, 1)[0].replace(",", " ").replace("\t", " ").split()
    return all(_number(t) for t in first)


TIMESERIES = TimeSeriesKind()
