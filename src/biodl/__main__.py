"""``python -m biodl``: the ``biodl`` command line."""

from __future__ import annotations

from biodl.cli import main

main()
