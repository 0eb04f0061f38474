"""Exceptions and warnings raised by biodl.

Every error biodl raises on purpose is a :class:`BiodlError`. Its message is one line that
names the place (file, line, column or option), what was expected, what was found and what to
do. The CLI prints that line and exits with code 2; ``--debug`` shows the traceback.

Examples
--------
>>> from biodl.errors import DataError, where
>>> str(DataError(f"{where('splice.csv', line=212)}: sequence contains 'J'"))
"splice.csv line 212: sequence contains 'J'"
"""

from __future__ import annotations

import os

__all__ = [
    "BiodlError",
    "BiodlWarning",
    "ConfigError",
    "DataError",
    "DataWarning",
    "LeakageWarning",
    "MissingDependencyError",
    "RunInterrupted",
    "TrainingDiverged",
    "where",
]


class BiodlError(Exception):
    """Base class of the errors biodl raises about its input or options."""


class DataError(BiodlError, ValueError):
    """An input file or array is unusable: unreadable, malformed or inconsistent."""


class ConfigError(BiodlError, ValueError):
    """An option, config file or name (model, loss, metric, ...) is invalid."""


class MissingDependencyError(BiodlError, ImportError):
    """An optional dependency is needed for the requested feature but is not installed."""


class TrainingDiverged(BiodlError, FloatingPointError):
    """The training loss became NaN or infinite: the run stopped at once.

    The message names the epoch, the step and the learning rate, the likely causes and what to
    try; a run directory being written is kept (not renamed into place) for inspection.
    """


class RunInterrupted(KeyboardInterrupt):
    """Training was stopped by a signal (Ctrl-C or SIGTERM); nothing was written.

    Parameters
    ----------
    signal_number : int
        2 for SIGINT (Ctrl-C), 15 for SIGTERM (e.g. a batch scheduler's time limit).
    """

    def __init__(self, signal_number: int = 2):
        super().__init__(signal_number)
        self.signal_number = signal_number


class BiodlWarning(UserWarning):
    """Base class of the warnings biodl emits about its input."""


class DataWarning(BiodlWarning):
    """The data is usable but probably not what the user meant (scaling, imbalance, ...)."""


class LeakageWarning(BiodlWarning):
    """The same or nearly the same examples occur in more than one split."""


def where(
    path: str | os.PathLike[str], *, line: int | None = None, column: str | None = None
) -> str:
    """Format a location for an error message: ``'data.csv line 12 column 'label''``.

    Parameters
    ----------
    path : str or PathLike
        The file; only its name is shown when it lies in the working directory.
    line : int, optional
        1-based line number in the file.
    column : str, optional
        Column name.
    """
    text = os.fspath(path)
    parts = [text]
    if line is not None:
        parts.append(f"line {line}")
    if column is not None:
        parts.append(f"column '{column}'")
    return " ".join(parts)
