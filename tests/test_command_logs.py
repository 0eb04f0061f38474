"""Every command that writes a folder keeps the run's log.txt, as train and cv do.

``biodl tune`` writes its study folder step by step (it can be resumed), so it adds the log of
each invocation to ``log.txt`` when it ends (its workers' logs included); ``biodl embed``
writes a run directory (:class:`biodl.runs.RunWriter`). A library warning is planted inside
each command: a FutureWarning raised where the library would raise it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import biodl.pipeline.search as search_module
from biodl.cli import app
from biodl.run_log import LOG_FILE

runner = CliRunner()
TINY = ["--epochs", "1", "--set", "model.channels=8", "--set", "model.n_layers=1", "-q"]
MESSAGE = "this library call is deprecated (planted)"


@pytest.fixture
def space(tmp_path: Path) -> Path:
    path = tmp_path / "space.yaml"
    path.write_text("train.lr: {choices: [0.001, 0.01]}\n")
    return path


@pytest.fixture
def noisy_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each trial raises a library FutureWarning before it trains."""
    call = search_module.Objective.__call__

    def warn_then_call(self: Any, trial: Any) -> Any:
        warnings.warn(MESSAGE, FutureWarning, stacklevel=1)
        return call(self, trial)

    monkeypatch.setattr(search_module.Objective, "__call__", warn_then_call)


def _tune(data: Path, out: Path, space: Path, trials: int, *extra: str) -> Any:
    args = ["tune", str(data), "--out", str(out), "--search", "random", "--space", str(space)]
    return runner.invoke(app, [*args, "--trials", str(trials), *TINY, *extra])


def test_tune_writes_its_log_and_a_resumed_study_adds_to_it(
    motif_fasta: Path, space: Path, noisy_trials: None, tmp_path: Path
) -> None:
    out = tmp_path / "tune"
    result = _tune(motif_fasta, out, space, 2)
    assert result.exit_code == 0, result.output
    assert MESSAGE not in result.output  # a library's warning stays off the terminal
    log = (out / LOG_FILE).read_text()
    assert "FutureWarning (2 times) at " in log and log.count(MESSAGE) == 1
    assert "GPU available" in log  # the trainings' library messages
    result = _tune(motif_fasta, out, space, 3, "--resume")
    assert result.exit_code == 0, result.output
    resumed = (out / LOG_FILE).read_text()
    assert resumed.startswith(log) and resumed.count(MESSAGE) == 2
    assert "FutureWarning at " in resumed[len(log) :]  # the one new trial


def test_tune_workers_logs_go_to_the_same_log(
    motif_fasta: Path, space: Path, tmp_path: Path
) -> None:
    out = tmp_path / "jobs"
    result = _tune(motif_fasta, out, space, 2, "--jobs", "2")
    assert result.exit_code == 0, result.output
    log = (out / LOG_FILE).read_text()
    assert "GPU available" in log  # raised in the worker processes only
    assert not list(out.glob(".log-worker-*"))


def test_a_failed_tune_keeps_the_log_of_what_ran(
    motif_fasta: Path, space: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def fail(self: Any, trial: Any) -> Any:
        warnings.warn(MESSAGE, FutureWarning, stacklevel=1)
        raise RuntimeError("the machine went away")

    monkeypatch.setattr(search_module.Objective, "__call__", fail)
    out = tmp_path / "tune"
    result = _tune(motif_fasta, out, space, 1)
    assert result.exit_code != 0
    assert MESSAGE in (out / LOG_FILE).read_text()


def test_embed_writes_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sklearn.decomposition

    rng = np.random.default_rng(0)
    ids = [f"c{i}" for i in range(60)]
    table = pd.DataFrame(rng.poisson(3.0, (60, 20)), columns=[f"g{j}" for j in range(20)])
    table.insert(0, "id", ids)
    table.to_csv(tmp_path / "counts.csv", index=False)
    pd.DataFrame({"id": ids, "cell_type": ["a", "b", "c"] * 20}).to_csv(
        tmp_path / "meta.csv", index=False
    )
    pca = sklearn.decomposition.PCA.fit

    def noisy_pca(self: Any, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(MESSAGE, FutureWarning, stacklevel=1)
        return pca(self, *args, **kwargs)

    monkeypatch.setattr(sklearn.decomposition.PCA, "fit", noisy_pca)
    out = tmp_path / "embed"
    args = ["embed", str(tmp_path / "counts.csv"), "--labels", str(tmp_path / "meta.csv")]
    result = runner.invoke(app, [*args, "--out", str(out), "--methods", "pca", "-q"])
    assert result.exit_code == 0, result.output
    assert MESSAGE not in result.output
    assert MESSAGE in (out / LOG_FILE).read_text()
