"""``biodl convert`` and the memory-mapped sequence store (biodl.data.store)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.sequence import read_sequences
from biodl.data.store import STORE_VERSION, convert_fasta, is_store, open_store
from biodl.errors import DataError

FAST = ["--epochs", "1", "--bootstrap", "20", "--quiet", "--set", "model.channels=8"]
FAST += ["--set", "model.n_layers=1"]


def cli(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def _store(tmp_path: Path, text: str, name: str = "s") -> Path:
    fasta = tmp_path / f"{name}.fa.gz"
    fasta.write_bytes(gzip.compress(text.encode()))
    convert_fasta(fasta, tmp_path / f"{name}.biodl")
    return tmp_path / f"{name}.biodl"


TOY = ">a label=x g=1\nACGT\nAC\n>b label=y g=2\nGGNN\n>a label=x g=3\nTTTA\n"


def test_store_reads_as_the_fasta_file(tmp_path):
    (tmp_path / "s.fa").write_text(TOY)
    store = _store(tmp_path, TOY)
    with pytest.warns(UserWarning, match="renamed"):
        direct = read_sequences(
            tmp_path / "s.fa", label_columns=["label"], extra_columns={"g": "x"}
        )
    with pytest.warns(UserWarning, match="renamed"):
        stored = read_sequences(store, label_columns=["label"], extra_columns={"g": "x"})
    assert isinstance(stored.codes, np.memmap) and not stored.codes.flags.writeable
    assert stored.ids.tolist() == direct.ids.tolist() == ["a", "b", "a#2"]
    np.testing.assert_array_equal(stored.codes, direct.codes)
    np.testing.assert_array_equal(stored.offsets, direct.offsets)
    pd.testing.assert_frame_equal(stored.labels, direct.labels)
    assert [n.replace("s.biodl", "s.fa") for n in stored.notes] == direct.notes
    assert stored.alphabet is direct.alphabet
    header = json.loads((store / "store.json").read_text())
    assert header["version"] == STORE_VERSION and header["n_sequences"] == 3
    digest = hashlib.sha256((tmp_path / "s.fa.gz").read_bytes()).hexdigest()
    assert header["source_sha256"] == digest
    # subsets are ordinary arrays in memory, equal to the FASTA file's
    np.testing.assert_array_equal(
        stored.subset(np.array([2, 0])).codes, direct.subset([2, 0]).codes
    )


def test_store_with_a_labels_table(tmp_path):
    text = ">a\nACGT\n>b\nGGCC\n"
    (tmp_path / "t.csv").write_text("id,label\nb,y\na,x\n")
    store = _store(tmp_path, text)
    seqs = read_sequences(store, labels=tmp_path / "t.csv")
    assert seqs.labels["label"].tolist() == ["x", "y"]
    with pytest.raises(DataError, match="no labels found"):
        read_sequences(store)


def test_convert_refuses_what_it_cannot_write(tmp_path):
    (tmp_path / "t.csv").write_text("id,sequence,label\na,ACGT,x\n")
    with pytest.raises(DataError, match="expected a FASTA file"):
        convert_fasta(tmp_path / "t.csv", tmp_path / "t.biodl")
    (tmp_path / "bad.fa").write_text(">a\nACGT\n>b\nAC!T\n")
    with pytest.raises(DataError, match="line 4"):
        convert_fasta(tmp_path / "bad.fa", tmp_path / "bad.biodl")
    assert not any(p.name.startswith((".bad.biodl", "bad.biodl")) for p in tmp_path.iterdir())
    store = _store(tmp_path, TOY)
    with pytest.raises(DataError, match="--overwrite"):
        convert_fasta(tmp_path / "s.fa.gz", store)
    with pytest.raises(DataError, match="holds dna codes; expected protein"):
        read_sequences(store, alphabet="protein")


def _damage(store: Path, how: str) -> None:
    header = json.loads((store / "store.json").read_text())
    if how == "truncated":
        data = (store / "codes.u8").read_bytes()
        (store / "codes.u8").write_bytes(data[:-3])
    elif how == "version":
        header["version"] = STORE_VERSION + 1
        (store / "store.json").write_text(json.dumps(header))
    elif how == "json":
        (store / "store.json").write_text("{not json")
    elif how == "codes":
        data = bytearray((store / "codes.u8").read_bytes())
        data[1] = 77
        (store / "codes.u8").write_bytes(bytes(data))
    elif how == "offsets":
        offsets = np.fromfile(store / "offsets.i64", dtype="<i8")
        offsets[1] = offsets[2] + 1
        offsets.tofile(store / "offsets.i64")
    elif how == "missing":
        (store / "lines.i64").unlink()


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", "codes.u8 has 11 bytes, expected 14 .truncated or damaged store."),
        ("version", f"store version {STORE_VERSION + 1}; this biodl reads version 1"),
        ("json", "store.json is not readable JSON"),
        ("codes", "codes.u8 is damaged"),
        ("offsets", "offsets.i64 is damaged"),
        ("missing", "lines.i64 is missing"),
    ],
)
def test_a_damaged_store_is_one_line_and_exit_2(tmp_path, how, message):
    store = _store(tmp_path, TOY)
    _damage(store, how)
    with pytest.raises(DataError, match=message):
        open_store(store)
    result = cli("inspect", store)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"biodl convert {'SOURCE.fa' if how == 'json' else 's.fa.gz'} {store} --over" in (
        result.stderr
    )


def _numbers(value: object) -> object:
    """``value`` without what differs between two identical runs: seconds, the file's name."""
    if isinstance(value, dict):
        skip = ("seconds", "baseline_seconds", "train_file")
        return {k: _numbers(v) for k, v in value.items() if k not in skip}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def test_train_on_the_store_gives_the_fasta_numbers(tmp_path, motif_fasta):
    result = cli("convert", motif_fasta, tmp_path / "m.biodl")
    assert result.exit_code == 0, result.output
    assert is_store(tmp_path / "m.biodl") and "240 dna sequences" in result.stderr
    runs = {}
    for name, data in (("fasta", motif_fasta), ("store", tmp_path / "m.biodl")):
        runs[name] = tmp_path / name
        result = cli("train", data, "--out", runs[name], *FAST)
        assert result.exit_code == 0, result.output
    metrics = [_numbers(json.loads((runs[n] / "metrics.json").read_text())) for n in runs]
    assert metrics[0] == metrics[1] and metrics[0]["model"]["test"]
    assert (runs["fasta"] / "predictions.csv").read_bytes() == (
        runs["store"] / "predictions.csv"
    ).read_bytes()
    env = json.loads((runs["store"] / "environment.json").read_text())
    assert list(env["input_sha256"]) == [str(tmp_path / "m.biodl" / "store.json")]
    predicted = cli("predict", runs["fasta"], tmp_path / "m.biodl")
    assert (
        predicted.exit_code == 0
        and predicted.stdout == cli("predict", runs["fasta"], motif_fasta).stdout
    )


def test_subsets_of_a_store_stay_on_disk_and_equal_the_fasta_ones(tmp_path, motif_fasta):
    from biodl.data.dataset import RELEASE_EVERY, EncodedSequences
    from biodl.data.store import is_mapped

    convert_fasta(motif_fasta, tmp_path / "m.biodl")
    stored, direct = read_sequences(tmp_path / "m.biodl"), read_sequences(motif_fasta)
    index = np.random.default_rng(0).permutation(len(direct))[:100]
    for idx in (index, np.arange(10, 60), np.array([], dtype=np.int64)):
        part, plain = stored.subset(idx), direct.subset(idx)
        assert is_mapped(part.codes) == (len(idx) > 0) and not is_mapped(plain.codes)
        np.testing.assert_array_equal(part.codes, plain.codes)
        np.testing.assert_array_equal(part.offsets, plain.offsets)
        assert part.ids.tolist() == plain.ids.tolist()
    part, plain = stored.subset(index), direct.subset(index)
    lazy, eager = EncodedSequences(part, None), EncodedSequences(plain, None)
    assert is_mapped(lazy._fixed) and not is_mapped(eager._fixed)
    for step in range(RELEASE_EVERY + 2):  # passes a release of the pages read
        rows = np.arange(step % 90, step % 90 + 10)
        assert torch.equal(lazy[rows].codes, eager[rows].codes)
    for length in (60, 100):  # cropped or padded: laid out in memory, the same
        assert torch.equal(
            EncodedSequences(part, None, length=length)[index[:5] % 100].codes,
            EncodedSequences(plain, None, length=length)[index[:5] % 100].codes,
        )


def test_convert_command_errors_are_one_line_and_exit_2(tmp_path):
    (tmp_path / "bad.fa").write_text(">a\nACGT\n>b\nAC!T\n")
    for args, message in (
        ((tmp_path / "bad.fa", tmp_path / "b.biodl"), "bad.fa line 4"),
        ((tmp_path / "nope.fa", tmp_path / "b.biodl"), "No such file"),
        ((tmp_path / "bad.fa", tmp_path / "b.biodl", "--alphabet", "xna"), "alphabet: expected"),
    ):
        result = cli("convert", *args)
        assert result.exit_code == 2, result.output
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b.biodl").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.fa"]
