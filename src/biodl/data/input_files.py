"""Input files opened once per command: detection, reading and the checksum share the bytes.

A command looks at its training file several times: kind detection peeks at its first lines,
the reader parses it, and ``environment.json`` records its sha256. Each used to open the file
again. Inside :func:`reading` (the preparation of a run's data, ``biodl inspect``, reading new
data in predict and evaluate) the first use of a file of at most :data:`WHOLE_BYTES` reads it
whole, once: :func:`head` (detection) and :func:`file_bytes` / :func:`open_input` (readers) are
then served from those bytes, and their sha256 is recorded
(:func:`biodl._io.record_sha256`) so :func:`biodl._io.sha256_of` does not read the file again.
The bytes are dropped when the block ends; the digests stay (they are trusted while the file's
size and modification time are unchanged).

A larger file is streamed rather than kept: :func:`open_input` hashes the bytes as the reader
reads them, and detection reads only its first :data:`HEAD_BYTES` (a second, small opening).
Files read by C libraries that take a path (an ``.h5ad`` through HDF5, images decoded lazily
during training) are opened by those libraries and hashed separately.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
>>> _ = path.write_text("a,b\\n1,2\\n")
>>> with reading():
...     head(path, 4), file_bytes(path)
(b'a,b\\n', b'a,b\\n1,2\\n')
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from biodl._io import record_sha256

__all__ = [
    "HEAD_BYTES",
    "WHOLE_BYTES",
    "file_bytes",
    "head",
    "kept",
    "open_input",
    "read_file",
    "reading",
    "seekable",
]

#: Files up to this size are read whole on first use inside :func:`reading` and kept there.
WHOLE_BYTES = 512 << 20
#: What detection reads of a larger file.
HEAD_BYTES = 1 << 16

_KEPT: dict[str, tuple[int, int, bytes]] = {}  # resolved path -> (size, mtime_ns, bytes)
_DEPTH = [0]


@contextmanager
def reading() -> Iterator[None]:
    """Keep the bytes of the input files read inside the block (nested blocks share them)."""
    _DEPTH[0] += 1
    try:
        yield
    finally:
        _DEPTH[0] -= 1
        if not _DEPTH[0]:
            _KEPT.clear()


def _kept(path: Path) -> tuple[str, os.stat_result, bytes | None]:
    key = os.fspath(path.resolve())
    stat = path.stat()
    entry = _KEPT.get(key)
    if entry is not None and entry[:2] == (stat.st_size, stat.st_mtime_ns):
        return key, stat, entry[2]
    return key, stat, None


def kept(path: str | os.PathLike[str]) -> bytes | None:
    """The file's bytes when they are kept (read inside :func:`reading`), else None."""
    return _kept(Path(path))[2]


def read_file(path: Path) -> bytes:
    """One reading of the whole file from disk (what :func:`file_bytes` does when the bytes
    are not kept)."""
    with open(path, "rb") as handle:
        return handle.read()


def file_bytes(path: str | os.PathLike[str]) -> bytes:
    """The whole file: the kept bytes, or one reading (kept inside :func:`reading`, hashed)."""
    file = Path(path)
    key, stat, data = _kept(file)
    if data is not None:
        return data
    data = read_file(file)
    record_sha256(file, hashlib.sha256(data).hexdigest(), stat)
    if _DEPTH[0]:
        _KEPT[key] = (stat.st_size, stat.st_mtime_ns, data)
    return data


def head(path: str | os.PathLike[str], size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes (for detection): from the whole file, read once and kept,
    when it is at most :data:`WHOLE_BYTES` inside :func:`reading`; else a small reading."""
    file = Path(path)
    _, stat, data = _kept(file)
    if data is None and _DEPTH[0] and stat.st_size <= WHOLE_BYTES:
        data = file_bytes(file)
    if data is not None:
        return data[:size]
    with open(file, "rb") as handle:
        return handle.read(size)


def open_input(path: str | os.PathLike[str]) -> BinaryIO:
    """A binary stream of the file: over the kept bytes, or reading it (the sha256 computed
    from what is read, recorded when the stream reaches the end)."""
    file = Path(path)
    _, stat, data = _kept(file)
    if data is None and _DEPTH[0] and stat.st_size <= WHOLE_BYTES:
        data = file_bytes(file)
    if data is not None:
        return io.BytesIO(data)
    return cast(BinaryIO, io.BufferedReader(_Hashing(file, stat), buffer_size=1 << 20))


def seekable(path: str | os.PathLike[str]) -> BinaryIO | Path:
    """For readers that seek (``numpy.load`` of an ``.npz``): a stream over the file's bytes
    when they are (or, inside :func:`reading`, can be) kept, else the path itself."""
    file = Path(path)
    _, stat, data = _kept(file)
    if data is None and _DEPTH[0] and stat.st_size <= WHOLE_BYTES:
        data = file_bytes(file)
    return file if data is None else io.BytesIO(data)


class _Hashing(io.RawIOBase):
    """A file read front to back, hashing its bytes; the digest is recorded at the end."""

    def __init__(self, path: Path, stat: os.stat_result) -> None:
        self._path, self._stat = path, stat
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._digest: hashlib._Hash | None = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self._file.readinto(buffer) or 0
        if self._digest is not None:
            if n:
                self._digest.update(memoryview(buffer)[:n])
            else:
                record_sha256(self._path, self._digest.hexdigest(), self._stat)
                self._digest = None
        return n

    def close(self) -> None:
        self._file.close()
        super().close()
