"""Library warnings stay off the terminal and go to the run's log.txt (issue 12, point 3).

The terminal is emulated as Python's default is outside pytest: a warning is written to the
``sys.stderr`` of the moment (the CLI runner's), so a warning that reached it would show in
``result.stderr``. The library warning is a FutureWarning raised from inside
``anndata.read_h5ad``, as a scanpy-made file makes anndata do.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.errors import DataWarning
from biodl.run_log import LOG_FILE, LogHandler, active_log, keep_log
from biodl.runs import RunWriter

runner = CliRunner()
MESSAGE = "The 'raw' layer of this old file is moved (this file was written by anndata 0.7)"


def test_keep_log_counts_repeats_and_is_one_per_command() -> None:
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with keep_log() as log:
            for _ in range(3):
                warnings.warn("old API", FutureWarning, stacklevel=1)
            with keep_log() as inner:
                warnings.warn("few rows", DataWarning, stacklevel=1)
            assert inner is log and active_log() is log
    assert active_log() is None and len(log) == 2
    lines = log.text().splitlines()
    assert lines[0].startswith("FutureWarning (3 times) at ") and lines[0].endswith(": old API")
    assert lines[1].startswith("DataWarning at ") and lines[1].endswith(": few rows")


def test_log_handler_keeps_a_library_loggers_messages() -> None:
    logger = logging.getLogger("biodl.tests.library")
    logger.addHandler(LogHandler())
    logger.propagate = False
    logger.setLevel(logging.INFO)
    with keep_log() as log:
        logger.info("GPU available: False")
    logger.info("dropped: no run is logging")
    assert log.text() == "INFO biodl.tests.library: GPU available: False\n"


def test_a_run_directory_writes_its_log_only_when_there_is_one(tmp_path: Path) -> None:
    with RunWriter(tmp_path / "quiet") as writer:
        writer.write_text("x.txt", "x")
    assert not (tmp_path / "quiet" / LOG_FILE).exists()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with RunWriter(tmp_path / "noisy") as writer:
            warnings.warn("old API", DeprecationWarning, stacklevel=1)
    assert "DeprecationWarning at " in (tmp_path / "noisy" / LOG_FILE).read_text()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Warnings printed to the current stderr (as outside pytest), every time they are raised."""

    def to_stderr(message: Any, category: Any, filename: str, lineno: int, *_: Any) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno))

    monkeypatch.setattr(warnings, "showwarning", to_stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        yield


@pytest.fixture
def old_h5ad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An .h5ad whose reading raises a FutureWarning inside anndata."""
    anndata = pytest.importorskip("anndata")
    rng = np.random.default_rng(0)
    obs = pd.DataFrame({"cell": ["T", "B"] * 40}, index=[f"c{i}" for i in range(80)])
    adata = anndata.AnnData(rng.poisson(3.0, (80, 20)).astype(np.float32), obs=obs)
    adata.var_names = [f"g{j}" for j in range(20)]
    adata.write_h5ad(tmp_path / "cells.h5ad")
    read = anndata.read_h5ad

    def read_old_file(path: Any, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(MESSAGE, FutureWarning, stacklevel=1)
        return read(path, *args, **kwargs)

    monkeypatch.setattr(anndata, "read_h5ad", read_old_file)
    return tmp_path / "cells.h5ad"


def test_a_library_warning_goes_to_the_log_not_the_terminal(
    old_h5ad: Path, tmp_path: Path, terminal: None
) -> None:
    out = tmp_path / "run"
    args = ["train", str(old_h5ad), "--label-column", "cell", "--out", str(out)]
    result = runner.invoke(app, [*args, "--epochs", "1", "--bootstrap", "10", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "FutureWarning" not in result.stderr and MESSAGE not in result.stderr
    assert "warning: only 16 test examples" in result.stderr  # biodl's own warnings still show
    log = (out / LOG_FILE).read_text()
    assert "FutureWarning at " in log and "/test_run_log.py:" in log and log.count(MESSAGE) == 1
    assert "DataWarning at " in log and "only 16 test examples" in log
    assert "INFO lightning.pytorch.utilities.rank_zero: GPU available:" in log


def test_debug_shows_library_warnings(old_h5ad: Path, terminal: None) -> None:
    quiet = runner.invoke(app, ["inspect", str(old_h5ad), "--label-column", "cell"])
    assert quiet.exit_code == 0, quiet.output
    assert MESSAGE not in quiet.stderr
    shown = runner.invoke(app, ["--debug", "inspect", str(old_h5ad), "--label-column", "cell"])
    assert shown.exit_code == 0, shown.output
    assert f"FutureWarning: {MESSAGE}" in shown.stderr
