"""A forecast run killed with SIGKILL resumes from its last checkpoint, with the same numbers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def start(*args: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "BIODL_QUIET"}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "biodl", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def numbers(run: Path) -> dict:
    metrics = json.loads((run / "metrics.json").read_text())
    metrics.pop("training")  # its seconds
    return metrics


def test_killed_forecast_resumes_with_the_numbers_of_an_uninterrupted_run(tmp_path, lineage_fasta):
    args = ["train", lineage_fasta, "--task", "forecast", "--epochs", "12", "--patience", "0"]
    args += ["--bootstrap", "20", "-q"]
    full = start(*args, "--out", tmp_path / "full")
    assert full.wait(timeout=600) == 0, full.communicate()[1]
    killed = start(*args, "--out", tmp_path / "run")
    checkpoint = None
    while killed.poll() is None and checkpoint is None:
        checkpoint = next(tmp_path.glob(".run.partial-*/checkpoints/fit-1/last.ckpt"), None)
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    resumed = start("train", "--resume", tmp_path / "run", "-q")
    assert resumed.wait(timeout=600) == 0, resumed.communicate()[1]
    assert numbers(tmp_path / "run") == numbers(tmp_path / "full")
    history = (tmp_path / "run" / "history.csv").read_text()
    assert history == (tmp_path / "full" / "history.csv").read_text()
    assert not list(tmp_path.glob(".run.partial-*"))
