"""Helpers of the run-folder tests: the command line in a real process, as a scheduler runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

#: A tiny CNN, few bootstrap resamples, the single baseline: these tests are about the run.
TINY = ["--bootstrap", "20", "--baseline", "fast"]
TINY += ["--set", "model.channels=4", "--set", "model.n_layers=1"]


def cli_env() -> dict[str, str]:
    """The environment of a biodl process started by a scheduler: no BIODL_QUIET, one thread."""
    env = {k: v for k, v in os.environ.items() if k != "BIODL_QUIET"}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    return env


def start(*args: str | Path) -> subprocess.Popen[str]:
    """``python -m biodl ARGS`` in its own process, stdout and stderr to pipes (no terminal)."""
    return subprocess.Popen(
        [sys.executable, "-m", "biodl", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=cli_env(),
    )


def run_cli(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m biodl ARGS`` to the end."""
    process = start(*args)
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


#: What depends on the clock in metrics.json (every other number must repeat).
CLOCK = {"seconds", "baseline_seconds", "started"}


def numbers(run: Path) -> Any:
    """The content of ``run/metrics.json`` without what depends on the clock."""

    def strip(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k not in CLOCK}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj

    return strip(json.loads((run / "metrics.json").read_text(encoding="utf-8")))


@pytest.fixture
def cli() -> object:
    """The helpers, for the tests of this folder."""
    from types import SimpleNamespace

    return SimpleNamespace(start=start, run=run_cli, tiny=TINY, numbers=numbers)
