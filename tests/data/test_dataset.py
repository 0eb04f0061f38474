"""Whole-batch sequence datasets: which batches the loader draws."""

from __future__ import annotations

import numpy as np

from biodl.data.alphabet import ALPHABETS
from biodl.data.dataset import BatchSampler, EncodedSequences, LengthBuckets, loader
from biodl.data.sequence import SequenceSet
from biodl.kinds.sequence import SEQUENCE


def _sequences(lengths: np.ndarray) -> SequenceSet:
    rng = np.random.default_rng(1)
    codes = rng.integers(1, 5, size=int(lengths.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = np.array([f"s{i}" for i in range(len(lengths))], dtype=object)
    return SequenceSet(ids, codes, offsets, ALPHABETS["rna"])


def _epoch(data: EncodedSequences, *, shuffle: bool = True) -> list[np.ndarray]:
    return [np.asarray(b) for b in loader(data, 64, shuffle=shuffle, seed=0).sampler]


def _padding(data: EncodedSequences, batches: list[np.ndarray]) -> float:
    """Padded positions per sequence, averaged over the epoch."""
    lengths = data.seqs.lengths
    return float(np.mean([lengths[b].max() - lengths[b].mean() for b in batches]))


def test_training_batches_of_varying_lengths_group_similar_lengths() -> None:
    lengths = np.random.default_rng(0).integers(60, 121, size=2000)
    seqs, y = _sequences(lengths), np.arange(2000) % 2
    bucketed = EncodedSequences(seqs, y, buckets=True)
    plain = EncodedSequences(seqs, y)
    first = _epoch(bucketed)
    assert isinstance(bucketed.sampler(64, shuffle=True, seed=0), LengthBuckets)
    assert sorted(np.concatenate(first).tolist()) == list(range(2000))
    assert _padding(bucketed, first) < 3  # random batches pad ~28 positions per sequence
    assert _padding(plain, _epoch(plain)) > 20
    # Seeded: the same batches again from the same seed; a batch holds what indexing gives.
    assert [b.tolist() for b in _epoch(bucketed)] == [b.tolist() for b in first]
    batch = bucketed[first[0]]
    assert batch.mask is not None and batch.codes.shape[1] == lengths[first[0]].max()


def test_fixed_lengths_and_evaluation_keep_the_plain_batches() -> None:
    fixed = EncodedSequences(_sequences(np.full(300, 50)), np.zeros(300), buckets=True)
    varying = EncodedSequences(
        _sequences(np.random.default_rng(0).integers(60, 121, size=300)), None, buckets=True
    )
    expected = [b.tolist() for b in BatchSampler(300, 64, shuffle=True, seed=0)]
    assert [b.tolist() for b in _epoch(fixed)] == expected
    # Evaluation (no shuffling) keeps the input order, with or without buckets.
    in_order = np.concatenate(_epoch(varying, shuffle=False))
    assert in_order.tolist() == list(range(300))


def test_sequence_kind_buckets_training_batches_only() -> None:
    seqs = _sequences(np.random.default_rng(0).integers(60, 121, size=300))
    inputs = {"length": None}
    train = SEQUENCE.dataset(seqs, np.zeros(300), inputs, training=True, seed=0)
    valid = SEQUENCE.dataset(seqs, np.zeros(300), inputs, training=False, seed=0)
    assert isinstance(train, EncodedSequences) and train.buckets
    assert isinstance(valid, EncodedSequences) and not valid.buckets
    cropped = SEQUENCE.dataset(seqs, None, {"length": 80}, training=True, seed=0)
    assert isinstance(cropped.sampler(64, shuffle=True, seed=0), BatchSampler)
