"""The command line on damaged files: exit 0, or exit 2 with one line and nothing written.

A fixed list of damages (truncation, random bytes, NUL, UTF-16, BOM with CRLF, a huge line,
an empty file, a header alone) is applied to one valid file of each format; ``biodl inspect``
reads each, and ``biodl train --epochs 1`` trains on the damages that leave no valid file.
The command runs in-process (Typer's runner, with stderr apart); two cases run as real
``python -m biodl`` processes, whose stderr must hold no traceback either.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fuzz_inputs import CASES, HUGE, OUTCOMES
from typer.testing import CliRunner

from biodl.cli import app

runner = CliRunner()


def _fasta() -> bytes:
    rng = np.random.default_rng(0)
    return "".join(
        f">s{i} label={'ab'[i % 2]}\n{''.join(rng.choice(list('ACGT'), 30))}\n" for i in range(60)
    ).encode()


def _sequence_csv() -> bytes:
    rng = np.random.default_rng(1)
    rows = ["id,sequence,label"]
    rows += [f"s{i},{''.join(rng.choice(list('ACGT'), 30))},{i % 2}" for i in range(60)]
    return ("\n".join(rows) + "\n").encode()


def _expression_csv() -> bytes:
    rng = np.random.default_rng(2)
    rows = ["sample," + ",".join(f"g{j}" for j in range(12)) + ",status"]
    rows += [
        f"c{i}," + ",".join(f"{v:.3f}" for v in rng.gamma(2.0, 2.0, 12)) + f",{'ab'[i % 2]}"
        for i in range(60)
    ]
    return ("\n".join(rows) + "\n").encode()


def _ucr() -> bytes:
    rng = np.random.default_rng(3)
    rows = [" ".join([str(i % 2), *(f"{v:.4f}" for v in rng.normal(size=16))]) for i in range(60)]
    return ("\n".join(rows) + "\n").encode()


def _records_table() -> bytes:
    rng = np.random.default_rng(4)
    rows = ["RecordID,Time,Parameter,Value"]
    for r in range(40):
        rows += [f"{r},00:00,Age,{rng.integers(20, 90)}"]
        rows += [f"{r},{h:02d}:00,HR,{rng.normal(80, 10):.1f}" for h in range(1, 6)]
    return ("\n".join(rows) + "\n").encode()


def _outcomes() -> bytes:
    return ("RecordID,death\n" + "".join(f"{r},{r % 2}\n" for r in range(40))).encode()


def _image_npz() -> bytes:
    rng = np.random.default_rng(5)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        train_images=rng.integers(0, 256, (40, 8, 8), dtype=np.uint8),
        train_labels=np.arange(40) % 2,
        test_images=rng.integers(0, 256, (20, 8, 8), dtype=np.uint8),
        test_labels=np.arange(20) % 2,
    )
    return buffer.getvalue()


#: name -> (file name, valid bytes, extra options of `train`, files written beside it).
FORMATS: dict[str, tuple[str, Callable[[], bytes], list[str], dict[str, Callable[[], bytes]]]] = {
    "fasta": ("seqs.fa", _fasta, [], {}),
    "fasta.gz": ("seqs.fa.gz", lambda: gzip.compress(_fasta(), mtime=0), [], {}),
    "sequence csv": ("seqs.csv", _sequence_csv, [], {}),
    "expression csv": ("expr.csv", _expression_csv, ["--label-column", "status"], {}),
    "ucr text": ("toy_TRAIN.txt", _ucr, [], {}),
    "records table": ("events.csv", _records_table, [], {"Outcomes.txt": _outcomes}),
    "image npz": ("images.npz", _image_npz, [], {}),
}


def _damage(data: bytes, how: str) -> bytes:
    middle = len(data) // 2
    if how == "truncate":
        return data[:middle]
    if how == "random bytes":
        return data[:middle] + bytes(np.random.default_rng(0).integers(0, 256, 24)) + data[middle:]
    if how == "nul":
        return data[:middle] + b"\x00" + data[middle:]
    if how == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if how == "bom crlf":
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    if how == "huge line":
        cut = data.find(b"\n", middle) + 1
        return data[:cut] + b"7" * HUGE + b"\n" + data[cut:]
    if how == "empty":
        return b""
    if how == "header":
        return data.split(b"\n", 1)[0] + b"\n"
    raise AssertionError(how)


DAMAGES = ("truncate", "random bytes", "nul", "utf16", "bom crlf", "huge line", "empty", "header")
#: Damages after which no format is valid any more: `train` must refuse them at once.
FATAL = ("utf16", "empty")


def _write_case(tmp: Path, name: str, how: str) -> tuple[Path, list[str]]:
    file, valid, options, beside = FORMATS[name]
    path = tmp / file
    path.write_bytes(_damage(valid(), how))
    for other, content in beside.items():
        (tmp / other).write_bytes(content())
    return path, options


def _check_ending(exit_code: int, stderr: str, what: str) -> None:
    assert exit_code in (0, 2), f"{what}: exit {exit_code}\n{stderr[-3000:]}"
    assert "Traceback" not in stderr, f"{what}: traceback\n{stderr[-3000:]}"
    if exit_code == 2:
        errors = [line for line in stderr.splitlines() if not line.startswith("warning: ")]
        assert len(errors) == 1, f"{what}: expected one line, got {errors}"
        assert errors[0].split(":")[0] in ("DataError", "ConfigError"), errors[0]


def _count(reader: str, exit_code: int) -> None:
    CASES[reader] += 1
    OUTCOMES.setdefault(reader, Counter())[f"exit {exit_code}"] += 1


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_inspect_ends_with_one_line(tmp_path: Path, name: str, how: str) -> None:
    path, _ = _write_case(tmp_path, name, how)
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    _check_ending(result.exit_code, result.stderr, f"inspect {name} ({how})")
    _count("cli inspect", result.exit_code)


@pytest.mark.parametrize("how", FATAL)
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_train_refuses_with_one_line_and_writes_nothing(tmp_path: Path, name: str, how: str):
    path, options = _write_case(tmp_path, name, how)
    out = tmp_path / "runs" / "run"
    result = runner.invoke(app, ["train", str(path), "--out", str(out), "--epochs", "1", *options])
    assert result.exit_code == 2, result.output[-3000:]
    _check_ending(result.exit_code, result.stderr, f"train {name} ({how})")
    assert not out.exists() and not (out.parent.exists() and any(out.parent.iterdir()))
    _count("cli train", result.exit_code)


@pytest.mark.parametrize(("name", "how"), [("fasta.gz", "truncate"), ("image npz", "truncate")])
def test_a_real_process_ends_with_one_line(tmp_path: Path, name: str, how: str) -> None:
    path, options = _write_case(tmp_path, name, how)
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "biodl", "train", str(path), "--out", str(out), "--epochs", "1",
         *options],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    _check_ending(done.returncode, done.stderr, f"python -m biodl train {name} ({how})")
    assert not out.exists()
    _count("cli process", done.returncode)
