"""One writer per run folder: an advisory lock beside the folder a command writes.

Two processes given the same ``--out`` would interleave their files; the second one is
refused instead, with one line naming the first (its process id, host and start time). The
lock is ``fcntl.flock`` on a small file beside the target (``.NAME.lock``), which the
operating system releases when the process ends in any way (``kill -9`` included), so a
killed run never leaves a stale lock: the file it may leave behind locks nothing.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
>>> with RunLock(out):
...     is_locked(out)
True
>>> is_locked(out)
False
"""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from biodl.errors import ConfigError

__all__ = ["RunLock", "is_locked", "lock_path"]


def lock_path(out: str | os.PathLike[str]) -> Path:
    """The lock file of the run folder ``out``: ``.NAME.lock`` beside it."""
    target = Path(out)
    return target.parent / f".{target.name}.lock"


def _holder(path: Path) -> str:
    """Who holds the lock, as the holder wrote it: 'process 123 on host, started ...'."""
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "another process"
    command = f" ({info['command']})" if info.get("command") else ""
    return (
        f"process {info.get('pid', '?')} on {info.get('host', '?')}{command}, "
        f"started {info.get('started', '?')}"
    )


class RunLock:
    """Hold the advisory lock of the run folder ``out`` while a block runs.

    Parameters
    ----------
    out : path
        The run folder (or tuning study folder) to be written.

    Raises
    ------
    ConfigError
        When another live process holds the lock: the message names it and says to wait for
        it or choose another ``--out``.
    """

    def __init__(self, out: str | os.PathLike[str]):
        self.out = Path(out)
        self.path = lock_path(out)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock (without waiting) and write who holds it into the lock file."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise ConfigError(
                    f"{self.out}: another biodl run is writing this folder ({_holder(self.path)}); "
                    "wait for it to finish or choose another --out"
                ) from None
            # The holder before us may have removed the file after we opened it: then we hold
            # a lock on a file nobody else sees; open the path again.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["biodl", *sys.argv[1:3]]) if sys.argv else "",
        }
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd

    def release(self) -> None:
        """Remove the lock file and release the lock (the OS does it too if the process dies)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def is_locked(out: str | os.PathLike[str]) -> bool:
    """Whether a live process holds the lock of the run folder ``out`` (this one included)."""
    import fcntl

    path = lock_path(out)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False
