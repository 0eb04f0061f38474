"""``--split similarity`` and ``biodl inspect`` on a store: the FASTA file's results, held on disk.

Blocks are made tiny here so that every pass runs over many blocks (and releases the mapped
pages between them) on a small file.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import biodl.data.checks.sequence as checks
import biodl.data.similarity as similarity
from biodl.config import DataConfig, build_config
from biodl.data.sequence import read_sequences
from biodl.data.store import convert_fasta, is_mapped, scratch
from biodl.kinds import prepare_run_data
from biodl.pipeline.inspect import inspect_data


def _fasta(n: int = 300) -> str:
    """Families of near-copies, exact repeats, short and all-N records (no k-mer)."""
    rng = np.random.default_rng(0)
    parents = ["".join(rng.choice(list("ACGT"), 120)) for _ in range(40)]
    records = []
    for i in range(n):
        seq = list(parents[i % 40])
        for at in rng.integers(0, 120, i % 5):  # a few point mutations
            seq[at] = "ACGT"[(("ACGT".index(seq[at])) + 1) % 4]
        text = "".join(seq)
        if i % 50 == 7:
            text = "ACG"  # shorter than k
        if i % 50 == 9:
            text = "N" * 30  # only ambiguity codes
        records.append(f">r{i} label={'ab'[i % 2]}\n{text}\n")
    return "".join(records)


@pytest.fixture
def files(tmp_path, monkeypatch):
    for module, name, value in (
        (similarity, "_BLOCK_LETTERS", 500),
        (similarity, "_PAIR_BLOCK", 7),
        (similarity, "_MAPPED_PAIR_BLOCK", 3),
        (similarity, "_DENSIFY_ROWS", 5),
        (checks, "_BLOCK_LETTERS", 333),
    ):
        monkeypatch.setattr(module, name, value)
    fasta = tmp_path / "s.fa"
    fasta.write_text(_fasta())
    convert_fasta(fasta, tmp_path / "s.biodl")
    return fasta, tmp_path / "s.biodl"


def test_similar_groups_of_a_store_equal_the_fasta_ones_and_stay_on_disk(files):
    direct, stored = (read_sequences(path) for path in files)
    assert is_mapped(stored.codes) and not is_mapped(direct.codes)
    sketches = similarity.sketch(stored, n_bins=16)
    assert is_mapped(sketches)  # on disk, in a temporary file
    np.testing.assert_array_equal(sketches, similarity.sketch(direct, n_bins=16))
    for threshold in (0.3, 0.5, 0.9):
        groups = similarity.similar_groups(stored, threshold=threshold)
        np.testing.assert_array_equal(
            groups, similarity.similar_groups(direct, threshold=threshold)
        )
    assert 40 <= groups.max() + 1 < len(direct)  # families joined, the no-k-mer records apart
    np.testing.assert_array_equal(
        similarity.record_hashes(stored), similarity.record_hashes(direct)
    )


def test_split_similarity_of_a_store_equals_the_fasta_one(files):
    parts = []
    for path in files:
        cfg = build_config(train=str(path), split="similarity", seed=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prepared = prepare_run_data(cfg, seed=3)
        parts.append({k: prepared.part(k).ids.tolist() for k in ("train", "valid", "test")})
    assert parts[0] == parts[1] and all(parts[0].values())


def test_inspect_of_a_store_equals_the_fasta_one(files):
    fasta, store = files
    found = [inspect_data(DataConfig(train=str(path))).to_dict() for path in files]
    text = [str(f).replace(store.name, fasta.name) for f in found]
    assert text[0] == text[1]
    part = found[1]["parts"][0]
    assert part["n"] == 300 and part["duplicate_sequences"] > 0


def test_scratch_is_a_filled_temporary_file():
    array = scratch((10, 3), np.uint64, 7, block=8)
    assert is_mapped(array) and array.shape == (10, 3) and (array == 7).all()
    array[2] = 1
    assert array.sum() == 7 * 27 + 3
    assert scratch((0, 3), np.uint64, 7).shape == (0, 3)
