"""The run's log: warnings and library messages kept for ``log.txt`` instead of the terminal.

A library's warnings (anndata's and pandas' FutureWarnings, DeprecationWarnings, Lightning's
messages about devices and workers) speak to whoever writes the code that calls the library,
not to the person running biodl, who cannot act on them. While a command runs,
:func:`keep_log` records every warning raised (biodl's own :class:`~biodl.errors.BiodlWarning`
included) in a :class:`RunLog`, and :class:`LogHandler` records the messages of the library
loggers it is attached to. The command line shows biodl's warnings and hides the others
(``biodl --debug`` shows them too); a run directory writes the log as ``log.txt``
(:class:`biodl.runs.RunWriter`), and keeps nothing when there is nothing to say.

Progress goes the other way: :func:`say` writes one plain line (an epoch, a fold, a trial) to
stderr when stderr is not a terminal, where no progress bar can show, and to the files opened
with :func:`log_file` (``--log-file``); no line holds a control character.

Examples
--------
>>> import warnings
>>> with keep_log() as log:
...     warnings.warn("a library speaks", FutureWarning, stacklevel=1)
>>> log.text().startswith("FutureWarning at "), "a library speaks" in log.text()
(True, True)
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from biodl.errors import BiodlWarning

__all__ = [
    "LOG_FILE",
    "LogHandler",
    "RunLog",
    "active_log",
    "biodl_messages",
    "is_library_warning",
    "keep_log",
    "lines_on_stderr",
    "log_file",
    "plain",
    "say",
    "to_log_files",
]

#: The log's file name in a run directory.
LOG_FILE = "log.txt"

_ACTIVE: list[RunLog] = []


def is_library_warning(category: type[Warning]) -> bool:
    """Whether a warning of ``category`` comes from a library rather than from biodl."""
    return not issubclass(category, BiodlWarning)


class RunLog:
    """Warnings and log messages of one command, each kept once with how often it came.

    Attributes
    ----------
    entries : dict
        ``(kind, message, where) -> count`` in the order first seen; ``kind`` is the warning
        category's name or the logger's level and name.
    """

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], int] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, kind: str, message: str, where: str = "") -> None:
        """Record one warning or message (a repeat only counts)."""
        key = (kind, " ".join(message.split()), where)
        self.entries[key] = self.entries.get(key, 0) + 1

    def warning(
        self, message: Warning | str, category: type[Warning], filename: str, lineno: int
    ) -> None:
        """Record a Python warning as :func:`warnings.showwarning` receives it."""
        self.add(category.__name__, str(message), f"{_short(filename)}:{lineno}")

    def text(self) -> str:
        """The log as lines: ``Kind (N times) at file:line: message``."""
        lines = []
        for (kind, message, where), count in self.entries.items():
            times = f" ({count} times)" if count > 1 else ""
            place = f" at {where}" if where else ""
            lines.append(f"{kind}{times}{place}: {message}")
        return "".join(line + "\n" for line in lines)


def active_log() -> RunLog | None:
    """The log of the command running now (inside :func:`keep_log`), or None."""
    return _ACTIVE[-1] if _ACTIVE else None


def biodl_messages(log: RunLog | None = None) -> list[str]:
    """The messages of biodl's own warnings (:class:`~biodl.errors.BiodlWarning` and its
    subclasses) in ``log`` (default: the active log), in the order first raised; each once.

    >>> with keep_log() as log, warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     log.warning("few rows", BiodlWarning, "x.py", 1)
    ...     log.warning("old API", FutureWarning, "y.py", 2)
    >>> biodl_messages(log)
    ['few rows']
    """
    log = log if log is not None else active_log()
    if log is None:
        return []
    names, pending = set(), [BiodlWarning]
    while pending:
        category = pending.pop()
        names.add(category.__name__)
        pending += category.__subclasses__()
    found = (message for (kind, message, _), _count in log.entries.items() if kind in names)
    return list(dict.fromkeys(found))


@contextmanager
def keep_log() -> Iterator[RunLog]:
    """Record every warning raised inside the block in a :class:`RunLog`.

    The warnings still go on to the ``warnings.showwarning`` in place before (the command
    line's, which decides what reaches the terminal), so nothing else changes. Inside an
    active block, the same log is given again (one log per command).
    """
    if _ACTIVE:
        yield _ACTIVE[-1]
        return
    log = RunLog()
    before = warnings.showwarning

    def keep(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        log.warning(message, category, filename, lineno)
        before(message, category, filename, lineno, file, line)

    warnings.showwarning = keep
    _ACTIVE.append(log)
    try:
        yield log
    finally:
        _ACTIVE.pop()
        warnings.showwarning = before


class LogHandler(logging.Handler):
    """A logging handler that puts a library logger's messages into the active run log.

    Attach it (with ``propagate = False`` on the logger) where a library would print
    messages the user cannot act on (:func:`biodl.training.trainer.quiet_lightning`); outside
    :func:`keep_log` information is dropped and warnings are printed as Python prints a
    message of a logger without handlers.
    """

    def emit(self, record: logging.LogRecord) -> None:
        log = active_log()
        if log is not None:
            log.add(f"{record.levelname} {record.name}", record.getMessage())
        elif record.levelno >= logging.WARNING and logging.lastResort is not None:
            logging.lastResort.handle(record)  # no run to keep it: shown, as without biodl


def _short(filename: str) -> str:
    """A library file as ``package/module.py`` (its last three path parts)."""
    parts = Path(filename).parts
    return "/".join(parts[-3:]) if parts else filename


# ---- progress lines: what a run says while it runs, without a terminal -----------------------

#: Characters never written to a progress line or a log file: carriage return, escape and the
#: other C0 controls (a progress bar's redraws and colours), besides tab.
_CONTROL = {c: " " for c in range(32) if c != 9} | {127: " "}

_LOG_FILES: list[TextIO] = []


def plain(text: str) -> str:
    """``text`` on one line, without control characters (no ``\\r``, no ESC sequences).

    >>> plain("epoch 1\\r\\x1b[2K done\\n")
    'epoch 1  [2K done'
    """
    return text.translate(_CONTROL).strip()


def lines_on_stderr(progress: bool | None = None) -> bool:
    """Whether plain progress lines go to stderr: automatic progress (``progress`` None), stderr
    not a terminal (a scheduler, ``nohup``, a notebook's subprocess, a pipe) and BIODL_QUIET
    unset. On a terminal the progress bar shows instead; ``--quiet`` (False) shows neither."""
    import os
    import sys

    if progress is not None or os.environ.get("BIODL_QUIET"):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return not (isatty is not None and isatty())


def say(line: str, *, progress: bool | None = None) -> None:
    """Write one plain progress line to stderr (see :func:`lines_on_stderr`) and to every log
    file opened by :func:`log_file`.

    Parameters
    ----------
    line : str
        Made plain by :func:`plain` first.
    progress : bool, optional
        The command's ``progress`` (None: automatic).
    """
    import sys

    text = plain(line)
    if lines_on_stderr(progress):
        print(text, file=sys.stderr, flush=True)
    for handle in _LOG_FILES:
        handle.write(text + "\n")
        handle.flush()


def to_log_files(line: str) -> None:
    """Write one line (made plain) to the open log files only (e.g. the error a command ends
    with, which the command line prints itself)."""
    for handle in _LOG_FILES:
        handle.write(plain(line) + "\n")
        handle.flush()


@contextmanager
def log_file(path: str | Path | None) -> Iterator[None]:
    """Append every progress line (:func:`say`) of the block to ``path`` (``--log-file``),
    flushed line by line, so ``tail -f`` follows a run. None: no file.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "run.log"
    >>> with log_file(path):
    ...     say("epoch 1/2  0.1 s", progress=False)
    >>> path.read_text()
    'epoch 1/2  0.1 s\\n'
    """
    if path is None:
        yield
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a", encoding="utf-8", newline="\n") as handle:
        _LOG_FILES.append(handle)
        try:
            yield
        finally:
            _LOG_FILES.remove(handle)
