"""Training batches of variable-length sequences: random crop windows (``--train-crop``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from biodl.data.alphabet import ALPHABETS
from biodl.data.dataset import EncodedSequences, training_crop
from biodl.data.sequence import SequenceSet
from biodl.errors import ConfigError
from biodl.kinds.sequence_options import parse_train_crop


def lengths_set(lengths: list[int], seed: int = 0) -> SequenceSet:
    rng = np.random.default_rng(seed)
    strings = ["".join(rng.choice(list("ACGT"), size=n)) for n in lengths]
    return SequenceSet.from_strings(strings, alphabet="dna")


def decoded(codes: np.ndarray) -> str:
    return ALPHABETS["dna"].decode(codes[codes > 0])


def test_crop_bounds_the_batch_width_with_windows_of_the_sequences() -> None:
    seqs = lengths_set([30, 200, 45, 500, 12])
    data = EncodedSequences(seqs, crop=50, seed=3)
    index = np.arange(5)
    batch = data[index]
    assert tuple(batch.codes.shape) == (5, 50)
    assert batch.mask is not None
    assert batch.mask.sum(1).tolist() == [30, 50, 45, 50, 12]
    for row, i in enumerate(index):
        whole = seqs.sequence(int(i))
        window = decoded(batch.codes[row].numpy())
        assert window in whole
        if len(whole) <= 50:
            assert window == whole  # short sequences are never cut
    # Without a crop (evaluation datasets) the batch is as wide as its longest sequence.
    assert tuple(EncodedSequences(seqs)[index].codes.shape) == (5, 500)


def test_crop_windows_are_seeded_and_vary_with_the_batch() -> None:
    seqs = lengths_set([400] * 7 + [390])
    first = EncodedSequences(seqs, crop=40, seed=1)
    again = EncodedSequences(seqs, crop=40, seed=1)
    other = EncodedSequences(seqs, crop=40, seed=2)
    index = np.array([5, 2, 7, 0])
    assert torch.equal(first[index].codes, again[index].codes)
    assert not torch.equal(first[index].codes, other[index].codes)
    starts = {
        seqs.sequence(int(i)).find(decoded(first[index].codes[k].numpy()))
        for k, i in enumerate(index)
    }
    assert len(starts) > 1  # each sequence gets its own window


def test_crop_spares_fixed_length_batches_and_batches_that_fit() -> None:
    seqs = lengths_set([20, 35, 18])
    data = EncodedSequences(seqs, crop=40, seed=0)
    assert torch.equal(data[np.arange(3)].codes, EncodedSequences(seqs)[np.arange(3)].codes)
    fixed = EncodedSequences(lengths_set([60, 80]), length=70, crop=40)
    assert fixed.crop is None and tuple(fixed[np.arange(2)].codes.shape) == (2, 70)


def test_training_crop_rule() -> None:
    tail = np.array([100] * 95 + [1000] * 5)
    assert training_crop(tail) == 100
    assert training_crop(tail, "none") is None and training_crop(tail, None) is None
    assert training_crop(tail, 64) == 64
    assert training_crop(np.arange(2, 51)) is None  # peptides of 2-50: no long tail
    assert training_crop(np.full(10, 60)) is None
    assert training_crop(np.array([], dtype=int)) is None
    with pytest.raises(ConfigError, match="train_crop 0: expected"):
        training_crop(tail, 0)
    assert parse_train_crop(" Auto ") == "auto" and parse_train_crop("120") == 120
    with pytest.raises(ConfigError, match="--train-crop short: expected"):
        parse_train_crop("short")
    with pytest.raises(ConfigError, match="--train-crop -5: expected"):
        parse_train_crop("-5")


def test_sequence_kind_cuts_training_batches_only() -> None:
    from biodl.kinds.sequence import SEQUENCE

    seqs = lengths_set([30, 300, 45])
    inputs = {"length": None, "train_crop": 64}
    index = np.arange(3)
    train = SEQUENCE.dataset(seqs, None, inputs, training=True, seed=0)
    valid = SEQUENCE.dataset(seqs, None, inputs, training=False, seed=0)
    assert tuple(train[index].codes.shape) == (3, 64)
    assert tuple(valid[index].codes.shape) == (3, 300)
    older = SEQUENCE.dataset(seqs, None, {"length": None}, training=True, seed=0)  # older runs
    assert tuple(older[index].codes.shape) == (3, 300)
