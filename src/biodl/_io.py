"""Small file helpers used by every layer: atomic writes, JSON, checksums.

A file biodl writes is either complete or not there: it is written to a temporary file in the
same folder, given the permissions a new file would get, and renamed into place.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
>>> atomic_write_text(path, "hello\\n")
>>> path.read_text()
'hello\\n'
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = [
    "STORE_HEADER",
    "atomic_write",
    "atomic_write_text",
    "file_mode",
    "jsonable",
    "record_sha256",
    "sha256_of",
    "to_json",
]

#: sha256 of files whose bytes were read in this process: resolved path -> (size, mtime_ns,
#: digest); :func:`sha256_of` trusts an entry while the file's size and mtime are unchanged.
_DIGESTS: dict[str, tuple[int, int, str]] = {}
#: The JSON header of a converted sequence store (:mod:`biodl.data.store`): it holds the
#: source's sha256, so :func:`sha256_of` hashes it alone rather than the store's arrays.
STORE_HEADER = "store.json"


def file_mode() -> int:
    """Permission bits of a new file under the current umask (mkstemp would give 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[Any]], object], *, binary: bool
) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it to ``path``.

    Text handles are UTF-8 with ``\\n`` line ends. On any error (or Ctrl-C) the temporary file
    is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if binary:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                write(handle)
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda handle: handle.write(text), binary=False)


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars as numbers, NaN/inf as None, paths as text."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def to_json(obj: Any) -> str:
    """JSON with NaN written as null and numpy scalars as numbers."""
    return json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n"


def record_sha256(path: str | os.PathLike[str], digest: str, stat: os.stat_result) -> None:
    """Remember the sha256 of a file a reader has just read whole (``stat`` from before the
    read), so :func:`sha256_of` need not open it again."""
    key = os.fspath(Path(path).resolve())
    _DIGESTS[key] = (stat.st_size, stat.st_mtime_ns, digest)


def sha256_of(path: str | os.PathLike[str]) -> dict[str, str]:
    """sha256 of a file, or of every file in a folder (name -> digest).

    A file read in this process by :mod:`biodl.data.input_files` (kind detection and the
    readers) is not opened again: its digest was computed from the bytes the reader read, and
    is used while the file's size and modification time are unchanged.
    """
    target = Path(path)
    files = sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
    if target.is_dir() and (target / STORE_HEADER).is_file():
        files = [target / STORE_HEADER]
    out = {}
    for file in files:
        stat = file.stat()
        known = _DIGESTS.get(os.fspath(file.resolve()))
        if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
            out[os.fspath(file)] = known[2]
            continue
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        out[os.fspath(file)] = digest.hexdigest()
    return out
