"""The ``biodl`` command line: argument parsing only; the work happens in :mod:`biodl.api`.

One module per command; the options of ``train``, ``cv`` and ``tune`` are generated from the
config declarations (:mod:`biodl.cli.options`). Heavy modules (torch, Lightning,
scikit-learn) are imported inside the commands, so ``biodl --help`` answers at once. Errors
about the input print one line and exit with code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import importlib

from biodl.cli.app import app, main

#: The command modules, in the order ``biodl --help`` lists their commands.
COMMAND_MODULES = (
    "train",
    "cv",
    "tune",
    "predict",
    "evaluate",
    "explain",
    "inspect",
    "convert",
    "models",
    "demo",
    "embed",
    "generate",
    "score",
    "report",
)
for _module in COMMAND_MODULES:
    importlib.import_module(f"biodl.cli.{_module}")  # registers the command on `app`

__all__ = ["app", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
