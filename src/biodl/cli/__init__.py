"""The ``biodl`` command line: argument parsing only; the work happens in :mod:`biodl.api`.

Heavy modules (torch, Lightning, scikit-learn) are imported inside the commands, so
``biodl --help`` answers at once. Errors about the input print one line and exit with code 2;
``--debug`` shows the traceback.
"""

from __future__ import annotations

from biodl.cli import embed, experiments, tools  # noqa: F401  (registers the commands)
from biodl.cli._app import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
