"""Fuzzed sequence stores (``biodl convert``): damaged store folders, and converted damaged FASTA.

A case converts a valid FASTA file (:func:`test_fuzz_sequences.fasta_text`) to a store, then
damages the store folder: a file truncated, extended, with bytes replaced or zeroed, or
removed; ``store.json`` as text (mutated JSON) or as a header with a field replaced by another
JSON value (another version, counts, alphabet, columns); offsets made non-increasing or
pointing past the end; header-column codes out of range; ids with lines added or removed.
The store is then read as ``biodl train`` and ``biodl inspect`` read it: only one-line biodl
errors naming the store may escape. A second test converts a mutated FASTA file: either
``convert`` refuses it in one line, or the store reads exactly as the FASTA file does. The
command line is checked on a few fixed damages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fuzz_inputs import (
    BINARY_MUTATIONS,
    CASES,
    OUTCOMES,
    check_error,
    examples,
    mutated,
    read_as_user,
    run_case,
    write,
)
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_sequences import fasta_text
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.sequence import read_sequences
from biodl.data.store import convert_fasta

#: The files of a store converted from :func:`fasta_text` (one ``label=`` header column).
FILES = ("store.json", "codes.u8", "offsets.i64", "lines.i64", "ids.txt", "column.0.i32")

#: JSON values put in place of a header field.
ODD_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2, 7, 2**40, 2**70, -(2**63), 1.5, float("inf"), float("nan"),
    "", "x", "dna", "protein", "1", [], [1], [{}], [{"name": "label"}],
    [{"name": 3, "values": "ab"}], [{"name": ["l"], "values": ["a"]}],
    [{"name": "label", "values": 5}], [{"name": "label", "values": [1, None]}], {}, {"a": 1},
)  # fmt: skip
FIELDS = ("format", "version", "alphabet", "n_sequences", "n_letters", "source", "columns")
STORE_OPS = ("bytes", "remove", "json_text", "json_field", "offsets", "column", "ids")


def _convert(tmp: Path, fasta: bytes) -> Path:
    source = write(tmp / "seqs.fa", fasta)
    store = tmp / "seqs.biodl"
    convert_fasta(source, store)
    source.unlink()  # the store alone is read
    return store


@st.composite
def _damage(draw: st.DrawFn, store: Path) -> str:
    """Damage one file of ``store`` in place; returns what was done (for failure messages)."""
    op = draw(st.sampled_from(STORE_OPS))
    file = {"json_text": "store.json", "json_field": "store.json", "offsets": "offsets.i64"}.get(
        op, {"column": "column.0.i32", "ids": "ids.txt"}.get(op, draw(st.sampled_from(FILES)))
    )
    path = store / file
    if not path.is_file() or path.stat().st_size < 8:  # removed or emptied by a damage before
        return "nothing"
    if op == "bytes":
        path.write_bytes(draw(mutated(path.read_bytes(), operations=BINARY_MUTATIONS, most=2)))
    elif op == "remove":
        path.unlink()
    elif op == "json_text":
        path.write_bytes(draw(mutated(path.read_bytes(), most=2)))
    elif op == "json_field":
        try:
            header = json.loads(path.read_text())
        except ValueError:  # damaged as text before
            return "nothing"
        if not isinstance(header, dict):
            return "nothing"
        field = draw(st.sampled_from(FIELDS))
        if draw(st.booleans()) and field != "format":
            header.pop(field, None)
        else:
            header[field] = draw(st.sampled_from(ODD_VALUES))
        path.write_text(json.dumps(header))
    elif op == "offsets":
        offsets = np.fromfile(store / file, dtype="<i8")
        i = draw(st.integers(0, len(offsets) - 1))
        how = draw(st.sampled_from(["swap", "set", "past_end", "repeat"]))
        if how == "swap":
            j = draw(st.integers(0, len(offsets) - 1))
            offsets[[i, j]] = offsets[[j, i]]
        elif how == "set":
            offsets[i] = draw(st.integers(-(2**63), 2**63 - 1))
        elif how == "past_end":
            offsets[i:] += draw(st.integers(1, 1000))
        else:
            offsets[i] = offsets[max(i - 1, 0)]
        offsets.tofile(store / file)
    elif op == "column":
        codes = np.fromfile(store / file, dtype="<i4")
        codes[draw(st.integers(0, len(codes) - 1))] = draw(st.integers(-(2**31), 2**31 - 1))
        codes.tofile(store / file)
    else:
        ids = (store / file).read_bytes().split(b"\n")
        i = draw(st.integers(0, len(ids) - 1))
        how = draw(st.sampled_from(["drop", "add", "repeat", "empty"]))
        if how == "drop":
            del ids[i]
        elif how == "add":
            ids.insert(i, b"extra")
        elif how == "repeat":
            ids[i] = ids[0]
        else:
            ids[i] = b""
        (store / file).write_bytes(b"\n".join(ids))
    return f"{op} {file}"


@examples(80)
@given(fasta=fasta_text(), data=st.data())
def test_damaged_store(fasta: bytes, data: st.DataObject) -> None:
    def body(tmp: Path) -> None:
        store = _convert(tmp, fasta)
        for _ in range(data.draw(st.integers(1, 2))):
            data.draw(_damage(store))
        read_as_user("store", store, also=(store,))

    run_case(body)


@examples(40)
@given(fasta=fasta_text().flatmap(mutated))
def test_converted_fasta_reads_as_the_fasta(fasta: bytes) -> None:
    def body(tmp: Path) -> None:
        source = write(tmp / "seqs.fa", fasta)
        names = ("seqs.fa", "seqs.biodl")
        outcome = ""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            refusals = []
            try:
                direct = read_sequences(source, require_labels=False)
            except Exception as err:
                check_error(err, names)
                direct, refusals = None, [str(err)]
            try:
                convert_fasta(source, tmp / "seqs.biodl")
                outcome = "converted"
                stored = read_sequences(tmp / "seqs.biodl", require_labels=False)
            except Exception as err:
                check_error(err, names)
                outcome = f"{type(err).__name__} after {outcome}" if outcome else type(err).__name__
                stored = None
                refusals.append(str(err).replace("seqs.biodl", "seqs.fa"))
        assert (direct is None) == (stored is None), (direct, stored, outcome)
        if direct is not None and stored is not None:
            assert stored.ids.tolist() == direct.ids.tolist()
            np.testing.assert_array_equal(stored.codes, direct.codes)
            np.testing.assert_array_equal(stored.offsets, direct.offsets)
            if direct.labels is None:
                assert stored.labels is None
            else:
                pd.testing.assert_frame_equal(stored.labels, direct.labels)
        else:  # refused alike; convert leaves no store, or one that is refused the same way
            assert [p.name for p in tmp.iterdir() if p.name != "seqs.biodl"] == ["seqs.fa"]
            if (tmp / "seqs.biodl").exists():
                assert refusals[0] == refusals[1], refusals
        CASES["convert fasta"] += 1
        OUTCOMES.setdefault("convert fasta", Counter())[outcome.replace("converted", "read")] += 1

    run_case(body)


# --------------------------------------------------------------------------- the command line

runner = CliRunner()
FASTA = "".join(f">s{i} label={'ab'[i % 2]}\n{'ACGT' * (5 + i % 7)}\n" for i in range(60))


def _cli_damage(store: Path, how: str) -> None:
    if how == "truncated codes":
        data = (store / "codes.u8").read_bytes()
        (store / "codes.u8").write_bytes(data[: len(data) // 2])
    elif how == "truncated offsets":
        data = (store / "offsets.i64").read_bytes()
        (store / "offsets.i64").write_bytes(data[:-8])
    elif how == "header not json":
        (store / "store.json").write_text('{"format": "biodl sequence store", ')
    elif how == "version 2":
        header = json.loads((store / "store.json").read_text())
        (store / "store.json").write_text(json.dumps({**header, "version": 2}))
    elif how == "offsets not increasing":
        offsets = np.fromfile(store / "offsets.i64", dtype="<i8")
        offsets[[3, 4]] = offsets[[4, 3]]
        offsets.tofile(store / "offsets.i64")
    elif how == "offsets past the end":
        offsets = np.fromfile(store / "offsets.i64", dtype="<i8")
        offsets[-1] += 10
        offsets.tofile(store / "offsets.i64")
    elif how == "random codes":
        rng = np.random.default_rng(0)
        size = (store / "codes.u8").stat().st_size
        (store / "codes.u8").write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    elif how == "no ids":
        (store / "ids.txt").unlink()
    else:
        raise AssertionError(how)


CLI_DAMAGES = (
    "truncated codes", "truncated offsets", "header not json", "version 2",
    "offsets not increasing", "offsets past the end", "random codes", "no ids",
)  # fmt: skip


def _cli_store(tmp: Path, how: str) -> Path:
    (tmp / "seqs.fa").write_text(FASTA)
    store = tmp / "seqs.biodl"
    convert_fasta(tmp / "seqs.fa", store)
    _cli_damage(store, how)
    return store


def _one_line(exit_code: int, stderr: str, what: str) -> None:
    assert exit_code == 2, f"{what}: exit {exit_code}\n{stderr[-3000:]}"
    assert "Traceback" not in stderr, f"{what}: traceback\n{stderr[-3000:]}"
    errors = [line for line in stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 1, f"{what}: expected one line, got {errors}"
    assert errors[0].startswith("DataError: ") and "seqs.biodl" in errors[0], errors[0]
    assert "biodl convert" in errors[0] or "missing" in errors[0], errors[0]


@pytest.mark.parametrize("how", CLI_DAMAGES)
def test_cli_on_a_damaged_store_is_one_line_and_exit_2(tmp_path: Path, how: str) -> None:
    store = _cli_store(tmp_path, how)
    result = runner.invoke(app, ["inspect", str(store)])
    _one_line(result.exit_code, result.stderr, f"inspect ({how})")
    out = tmp_path / "runs" / "run"
    result = runner.invoke(app, ["train", str(store), "--out", str(out), "--epochs", "1"])
    _one_line(result.exit_code, result.stderr, f"train ({how})")
    assert not out.parent.exists() or not any(out.parent.iterdir())
    CASES["cli store"] += 2
    OUTCOMES.setdefault("cli store", Counter())["exit 2"] += 2


def test_a_real_process_on_a_damaged_store(tmp_path: Path) -> None:
    store = _cli_store(tmp_path, "version 2")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "biodl", "train", str(store), "--out", str(tmp_path / "run")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    _one_line(done.returncode, done.stderr, "python -m biodl train (version 2)")
    assert "store version 2; this biodl reads version 1" in done.stderr
    assert not (tmp_path / "run").exists()
    shutil.rmtree(store)
    CASES["cli process"] += 1
    OUTCOMES.setdefault("cli process", Counter())["exit 2"] += 1
