"""Mutations of input files and the check every fuzzed reader must pass.

A fuzz test draws a valid-looking file of its format (a strategy of its module), mutates it
with :func:`mutated` (truncation, random bytes, a huge line, CRLF, a BOM, NUL bytes, a wrong
encoding, empty parts, ...) and reads it as a user's command does (:func:`read_as_user`: the
preparation of ``biodl train`` and the reading of ``biodl inspect``). Whatever the bytes, the
only exceptions allowed out are biodl's documented errors (:class:`biodl.errors.BiodlError`),
each one line naming the input. :data:`CASES` counts the cases read per reader, for the
summary the fuzz conftest prints at the end of the session.
"""

from __future__ import annotations

import gzip
import os
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from biodl.errors import BiodlError

#: Cases read per reader, and how each ended ('read' or the error class), for the summary.
CASES: Counter[str] = Counter()
OUTCOMES: dict[str, Counter[str]] = {}

#: Scales the examples of every fuzz test (``BIODL_FUZZ_EXAMPLES=20``: twenty times more).
SCALE = float(os.environ.get("BIODL_FUZZ_EXAMPLES", "1"))


def examples(n: int) -> settings:
    """Settings of a fuzz test: ``n`` examples in CI, times :data:`SCALE`."""
    return settings(max_examples=max(1, round(n * SCALE)))


#: Bytes of a huge line: past the 64 KiB that detection reads and the 8 KiB text check.
HUGE = 70_000

MUTATIONS = (
    "truncate",
    "random_bytes",
    "replace_byte",
    "huge_line",
    "crlf",
    "cr_only",
    "bom",
    "nul",
    "latin1",
    "utf16",
    "invalid_utf8",
    "drop_line",
    "empty_line",
    "empty_field",
    "duplicate_line",
    "swap_lines",
    "only_first_line",
    "empty",
    "no_final_newline",
    "tabs_for_commas",
    "quote",
)

BINARY_MUTATIONS = ("truncate", "random_bytes", "replace_byte", "nul", "empty", "zero_block")


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@st.composite
def _mutation(draw: st.DrawFn, data: bytes, op: str) -> bytes:
    n = len(data)
    at = draw(st.integers(0, n))
    lines = _lines(data)
    row = draw(st.integers(0, max(len(lines) - 1, 0)))
    if op == "truncate":
        return data[:at]
    if op == "random_bytes":
        return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    if op == "replace_byte":
        if not n:
            return data
        at = min(at, n - 1)
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if op == "zero_block":
        return data[:at] + b"\x00" * 64 + data[at + 64 :]
    if op == "huge_line":
        piece = lines[row] or b"A"
        lines.insert(row, (piece * (HUGE // len(piece) + 1))[:HUGE])
        return b"\n".join(lines)
    if op == "crlf":
        return data.replace(b"\n", b"\r\n")
    if op == "cr_only":
        return data.replace(b"\n", b"\r")
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "nul":
        return data[:at] + b"\x00" + data[at:]
    if op == "latin1":
        text = data.decode("utf-8", "replace")
        return (text[:at] + "µé" + text[at:]).encode("latin-1", "replace")
    if op == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if op == "invalid_utf8":
        return data[:at] + b"\xff\xfe\xc3" + data[at:]
    if op == "drop_line":
        del lines[row]
        return b"\n".join(lines)
    if op == "empty_line":
        lines.insert(row, b"")
        return b"\n".join(lines)
    if op == "empty_field":
        sep = b"\t" if b"\t" in lines[row] else b","
        cells = lines[row].split(sep)
        cells[draw(st.integers(0, len(cells) - 1))] = b""
        lines[row] = sep.join(cells)
        return b"\n".join(lines)
    if op == "duplicate_line":
        lines.insert(row, lines[row])
        return b"\n".join(lines)
    if op == "swap_lines":
        other = draw(st.integers(0, max(len(lines) - 1, 0)))
        lines[row], lines[other] = lines[other], lines[row]
        return b"\n".join(lines)
    if op == "only_first_line":
        return lines[0] + b"\n"
    if op == "empty":
        return b""
    if op == "no_final_newline":
        return data.rstrip(b"\n")
    if op == "tabs_for_commas":
        return data.replace(b",", b"\t")
    if op == "quote":
        return data[:at] + b'"' + data[at:]
    raise AssertionError(op)


@st.composite
def mutated(
    draw: st.DrawFn, data: bytes, *, operations: tuple[str, ...] = MUTATIONS, most: int = 3
) -> bytes:
    """``data`` after 0 to ``most`` mutations drawn from ``operations``."""
    for _ in range(draw(st.integers(0, most))):
        data = draw(_mutation(data, draw(st.sampled_from(operations))))
    return data


@st.composite
def maybe_gzipped(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` gzipped, then perhaps truncated or with bytes replaced (a damaged archive)."""
    packed = gzip.compress(data, mtime=0)
    return draw(mutated(packed, operations=("truncate", "replace_byte", "zero_block"), most=1))


def write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (parents created) and return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def check_error(err: BaseException, names: tuple[str, ...]) -> None:
    """Fail unless ``err`` is a documented biodl error: one line naming one of ``names``."""
    if not isinstance(err, BiodlError):
        raise AssertionError(f"undocumented {type(err).__name__} escaped: {err}") from err
    message = str(err)
    assert "\n" not in message and "\r" not in message, f"message of several lines: {message!r}"
    assert message.strip(), f"empty {type(err).__name__} message"
    if type(err).__name__ == "DataError":
        assert any(name in message for name in names), f"names none of {names}: {message}"


def read_as_user(
    reader: str,
    path: Path,
    *,
    also: tuple[Path, ...] = (),
    inspect: bool = True,
    **options: Any,
) -> str:
    """Read ``path`` as ``biodl train`` prepares it and ``biodl inspect`` reads it.

    Returns how preparation ended ('read' or the error class) and counts the case under
    ``reader``. Any exception that is not a one-line :class:`BiodlError` naming the input
    (or a file of ``also``, or a file inside the input folder) fails the test.
    """
    from biodl.config import build_config
    from biodl.kinds import prepare_run_data
    from biodl.pipeline.inspect import inspect_data

    names = _names(path, also)
    outcome = "read"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in ("prepare", "inspect") if inspect else ("prepare",):
            try:
                cfg = build_config(train=os.fspath(path), **options)
                if step == "prepare":
                    prepare_run_data(cfg, seed=0)
                else:
                    inspect_data(cfg.data)
            except Exception as err:  # every exception is judged by check_error
                check_error(err, names)
                if step == "prepare":
                    outcome = type(err).__name__
    CASES[reader] += 1
    OUTCOMES.setdefault(reader, Counter())[outcome] += 1
    return outcome


def _names(path: Path, also: tuple[Path, ...]) -> tuple[str, ...]:
    names = [path.name, *(p.name for p in also)]
    if path.is_dir():
        names += [p.name for p in path.rglob("*")]
    return tuple(n for n in names if n)


def run_case(body: Callable[[Path], None]) -> None:
    """Run ``body`` in a fresh temporary folder (Hypothesis calls a test many times)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="biodl-fuzz-") as folder:
        body(Path(folder))
