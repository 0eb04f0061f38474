"""Batches of integer-coded sequences for training and prediction.

Sequences stay as compact ``uint8`` codes; a batch is gathered with one vectorised copy and
expanded to one-hot on the device by :func:`onehot`, so memory stays flat in the number of
sequences and the host-to-device copy is a quarter of a float one-hot batch.

Examples
--------
>>> import torch
>>> table = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])  # pad, A, B, A-or-B
>>> onehot(torch.tensor([[1, 2, 3, 0]]), table)[0].tolist()
[[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.5, 0.0]]
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, Sampler

from biodl.data.sequence import SequenceSet
from biodl.data.store import is_mapped, release_pages
from biodl.errors import ConfigError


@dataclass
class Batch:
    """One batch.

    Attributes
    ----------
    codes : (batch, length) uint8 tensor
        Integer codes, 0 = padding.
    mask : (batch, length) bool tensor or None
        True at real positions; None when every sequence fills the batch (no padding).
    y : tensor or None
        Targets in the task's layout (int64 classes, float32 multilabel/regression).
    """

    codes: torch.Tensor
    mask: torch.Tensor | None
    y: torch.Tensor | None

    @property
    def inputs(self) -> tuple[torch.Tensor | None, ...]:
        """What the network's ``forward`` takes: ``(codes, mask)``."""
        return (self.codes, self.mask)


@dataclass
class TensorBatch:
    """One batch of any kind of data: the network's inputs and the targets.

    Every batch the engine trains on has ``inputs`` (passed as ``network(*inputs)``) and ``y``;
    Lightning moves both to the device.

    Attributes
    ----------
    inputs : tuple of tensors (or None)
        E.g. ``(x,)`` for a ``(batch, features)`` matrix, ``(values, mask, delta)`` for
        irregular records.
    y : tensor or None
        Targets in the task's layout (int64 classes, float32 multilabel/regression).
    """

    inputs: tuple[torch.Tensor | None, ...]
    y: torch.Tensor | None


def batch_size_of(batch: Any) -> int:
    """Number of examples in a batch (from the first input tensor)."""
    first = next(t for t in batch.inputs if t is not None)
    return int(first.shape[0])


#: Batches of memory-mapped sequences (a store) between two releases of the pages read
#: (:func:`biodl.data.store.release_pages`): bounds the resident pages of a pass.
RELEASE_EVERY = 256


class EncodedSequences(Dataset[Batch]):
    """Integer-coded sequences (and targets) served a whole batch at a time.

    Indexing with an array of row indices returns a :class:`Batch`; use it with
    :class:`BatchSampler` and ``DataLoader(batch_size=None)``.

    Parameters
    ----------
    seqs : SequenceSet
        The sequences.
    y : ndarray, optional
        Targets, ``(n,)`` int64 class codes or ``(n, k)`` float/int arrays.
    length : int, optional
        Crop (centre) / right-pad every sequence to this length; default pads each batch to
        its longest sequence.
    crop : int, optional
        Training batches only (variable lengths, no ``length``): a sequence longer than
        ``crop`` is cut to a random window of ``crop`` letters, drawn from ``seed`` and the
        batch's rows, so no batch is wider than ``crop``. Evaluation datasets leave it None.
    seed : int, default 0
        Seed of the crop windows.
    """

    def __init__(
        self,
        seqs: SequenceSet,
        y: np.ndarray | None = None,
        *,
        length: int | None = None,
        crop: int | None = None,
        seed: int = 0,
    ):
        self.seqs = seqs
        self.length = length
        self.seed = seed
        lengths = seqs.lengths
        # Fixed-length data is laid out once as a (n, L) matrix: a batch is then one gather.
        self._fixed: np.ndarray | None = None
        self._mapped = is_mapped(seqs.codes)
        self._served = 0
        same = len(lengths) > 0 and lengths.min() == lengths.max()
        if self._mapped and same and length in (None, int(lengths[0])):
            # a store's part of one length: its codes are the matrix, read batch by batch
            self._fixed = seqs.codes[seqs.offsets[0] : seqs.offsets[-1]].reshape(len(seqs), -1)
        elif length is not None or same:
            self._fixed = seqs.padded(length=length)
        self.has_padding = self._fixed is None or bool(
            length is not None and (lengths < length).any()
        )
        self.crop = crop if self._fixed is None and crop else None
        self._y: torch.Tensor | None = None
        if y is not None:
            dtype = torch.int64 if y.ndim == 1 else torch.float32
            self._y = torch.tensor(np.asarray(y), dtype=dtype)

    def __len__(self) -> int:
        return len(self.seqs)

    def __getitem__(self, index: np.ndarray) -> Batch:
        index = np.asarray(index)
        if self._mapped:
            self._served += 1
            if self._served % RELEASE_EVERY == 0:
                release_pages(self.seqs.codes)
        if self._fixed is not None:
            codes = torch.from_numpy(self._fixed[index])
        elif self.crop is not None and int(self.seqs.lengths[index].max()) > self.crop:
            room = np.maximum(self.seqs.lengths[index] - self.crop, 0)
            rng = np.random.default_rng(_batch_key(self.seed, index))
            starts = np.floor(rng.random(len(index)) * (room + 1)).astype(np.int64)
            codes = torch.from_numpy(self.seqs.padded(index, length=self.crop, starts=starts))
        else:
            codes = torch.from_numpy(self.seqs.padded(index))
        mask = codes != 0 if self.has_padding else None
        y = self._y[torch.from_numpy(index)] if self._y is not None else None
        return Batch(codes, mask, y)


#: ``--train-crop auto``: training sequences are cut to this percentile of the training lengths
#: (random windows; evaluation sees whole sequences) ...
CROP_PERCENTILE = 90
#: ... but only when the longest training sequence is more than this many times that length
#: (a long tail of lengths, which makes most batches mostly padding).
CROP_TAIL = 2.0


def training_crop(lengths: np.ndarray, setting: int | str | None = "auto") -> int | None:
    """The length training sequences are cut to (random windows), or None for no cut.

    Parameters
    ----------
    lengths : (n,) int array
        Lengths of the training sequences.
    setting : int, 'auto' or 'none'
        A number of letters; ``'none'`` (or None) for no cut; ``'auto'``: the
        :data:`CROP_PERCENTILE`-th percentile of ``lengths`` when the longest sequence is more
        than :data:`CROP_TAIL` times that, else no cut.

    Examples
    --------
    >>> training_crop(np.array([100] * 95 + [1000] * 5))
    100
    >>> training_crop(np.array([20, 30, 40, 50])) is None
    True
    >>> training_crop(np.array([20, 30, 40, 50]), 25)
    25
    """
    if setting is None or setting == "none" or len(lengths) == 0:
        return None
    if setting != "auto":
        if isinstance(setting, bool) or not isinstance(setting, int) or setting < 1:
            raise ConfigError(
                f"train_crop {setting!r}: expected 'auto', 'none' or a whole number >= 1"
            )
        return int(setting)
    cut = int(np.ceil(np.percentile(lengths, CROP_PERCENTILE)))
    return cut if int(np.max(lengths)) > CROP_TAIL * cut else None


def _batch_key(seed: int, index: np.ndarray) -> list[int]:
    """Seed words of one batch's random draws: the run seed and a checksum of its rows."""
    key = zlib.crc32(np.ascontiguousarray(index, dtype=np.int64).tobytes())
    return [int(seed), key]


class BatchSampler(Sampler[np.ndarray]):
    """Yields arrays of row indices, one per batch; reshuffled every epoch from ``seed``.

    Parameters
    ----------
    n : int
        Number of rows.
    batch_size : int
        Rows per batch (the last batch may be smaller).
    shuffle : bool, default False
    seed : int, default 0
    """

    def __init__(self, n: int, batch_size: int, *, shuffle: bool = False, seed: int = 0):
        self.n = n
        self.batch_size = max(1, min(batch_size, n)) if n else 1
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Shuffle as epoch ``epoch`` (0-based) does; Lightning calls it before every epoch,
        so a run resumed at epoch ``e`` draws the batches an uninterrupted run draws there."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
            self.epoch += 1
        else:
            order = np.arange(self.n)
        for start in range(0, self.n, self.batch_size):
            yield order[start : start + self.batch_size]


def loader(
    data: Dataset[Any], batch_size: int, *, shuffle: bool = False, seed: int = 0
) -> DataLoader[Any]:
    """A ``DataLoader`` of whole batches (no per-item collation).

    ``data[indices]`` returns a whole batch. A dataset may set ``num_workers`` (e.g. images
    decoded from files) to load batches in worker processes, and ``sampler`` (a callable
    ``(batch_size, shuffle, seed) -> Sampler``) to choose its own batches (e.g. buckets of
    similar lengths).
    """
    n = len(data)  # type: ignore[arg-type]
    make = getattr(data, "sampler", None)
    sampler = (
        make(batch_size, shuffle=shuffle, seed=seed)
        if make is not None
        else BatchSampler(n, batch_size, shuffle=shuffle, seed=seed)
    )
    workers = int(getattr(data, "num_workers", 0))
    return DataLoader(
        data,
        batch_size=None,
        sampler=sampler,
        collate_fn=_identity,
        num_workers=workers,
        persistent_workers=workers > 0,
    )


def _identity(batch: Any) -> Any:
    return batch


def onehot(codes: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """Expand integer codes to one-hot (ambiguity codes to fractions) on the codes' device.

    Parameters
    ----------
    codes : (batch, length) integer tensor
    table : (n_codes, channels) float tensor
        ``Alphabet.onehot_matrix()``; row 0 (padding) is zero.

    Returns
    -------
    (batch, channels, length) float tensor
    """
    return F.embedding(codes.long(), table).transpose(1, 2)
