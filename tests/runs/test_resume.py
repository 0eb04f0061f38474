"""Resume: a run killed with SIGKILL continues from its last checkpoint, with the same numbers."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import biodl
from biodl.cli import app


def killed_after_a_checkpoint(cli, tmp_path: Path, args: list) -> Path:
    """Start ``biodl ARGS --out tmp_path/run``, SIGKILL it once its first checkpoint is
    written, and return its partial folder."""
    killed = cli.start(*args, "--out", tmp_path / "run")
    checkpoint = None
    while killed.poll() is None and checkpoint is None:
        checkpoint = next(tmp_path.glob(".run.partial-*/checkpoints/fit-1/last.ckpt"), None)
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert checkpoint is not None
    return checkpoint.parents[2]


def test_killed_train_resumes_with_the_numbers_of_an_uninterrupted_run(tmp_path, motif_fasta, cli):
    # 240 sequences: 24 validation ones, too few to choose an epoch on, so the last epoch's
    # weights are the model: every epoch after the checkpoint must replay exactly
    args = [motif_fasta, "--epochs", "12", "--scheduler", "cosine", *cli.tiny, "-q"]
    full = cli.run("train", *args, "--out", tmp_path / "full")
    assert full.returncode == 0, full.stderr
    partial = killed_after_a_checkpoint(cli, tmp_path, ["train", *args])
    assert partial.is_dir() and not (tmp_path / "run").exists()

    # the next start in the same folder names the dead run's partial folder, and keeps it
    other = CliRunner().invoke(
        app, [str(a) for a in ["train", *args, "--epochs", "1", "--out", tmp_path / "other"]]
    )
    assert other.exit_code == 0, other.output
    assert f"{partial}: left by a run of {tmp_path / 'run'} that stopped" in other.stderr
    assert f"resume it with `biodl train --resume {partial}`" in other.stderr
    assert partial.is_dir()

    resumed = cli.run("train", "--resume", tmp_path / "run", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert cli.numbers(tmp_path / "run") == cli.numbers(tmp_path / "full")
    assert not partial.exists()
    assert not (tmp_path / "run" / "checkpoints").exists()  # only kept to resume from
    history = (tmp_path / "run" / "history.csv").read_text()
    assert history == (tmp_path / "full" / "history.csv").read_text()


def test_resume_refuses_what_it_cannot_continue(tmp_path, motif_fasta):
    from biodl.errors import ConfigError

    with pytest.raises(ConfigError, match="no unfinished run to resume"):
        biodl.train(resume=tmp_path / "nothing")
    with pytest.raises(ConfigError, match="--resume continues a run with the options"):
        biodl.train(motif_fasta, resume=tmp_path / "nothing")


def test_cv_resumes_at_the_first_unfinished_fold(tmp_path, motif_fasta, monkeypatch, cli):
    import biodl.pipeline.cv as cv

    tiny = {"model_params": {"channels": 4, "n_layers": 1}, "n_bootstrap": 20, "epochs": 3}
    tiny["baseline"] = "fast"
    full = biodl.cross_validate(motif_fasta, folds=3, out=tmp_path / "full", **tiny)

    run_fold = cv._run_fold
    calls: list[int] = []
    planted = [True]

    def crash_in_fold_2(cfg, full, fold, *rest):
        calls.append(fold.fold + 1)
        if fold.fold == 1 and planted[0]:
            raise RuntimeError("planted crash")
        return run_fold(cfg, full, fold, *rest)

    monkeypatch.setattr(cv, "_run_fold", crash_in_fold_2)
    with pytest.raises(RuntimeError, match="planted crash") as crash:
        biodl.cross_validate(motif_fasta, folds=3, out=tmp_path / "cv", **tiny)
    assert "biodl cv --resume" in str(crash.value.__notes__)
    calls.clear()
    planted[0] = False
    resumed = biodl.cross_validate(resume=tmp_path / "cv")
    assert calls == [2, 3]  # fold 1 was read back, not trained again
    assert resumed.run_dir == tmp_path / "cv" and full.run_dir == tmp_path / "full"
    assert cli.numbers(tmp_path / "cv") == cli.numbers(tmp_path / "full")


def test_ctrl_c_after_a_checkpoint_keeps_the_run_to_resume(tmp_path, motif_fasta, monkeypatch):
    from biodl.training.task import SupervisedTask

    step = SupervisedTask.training_step

    def interrupt_in_epoch_3(self, batch, batch_idx):
        if self.current_epoch == 2:
            raise KeyboardInterrupt
        return step(self, batch, batch_idx)

    monkeypatch.setattr(SupervisedTask, "training_step", interrupt_in_epoch_3)
    run = tmp_path / "run"
    args = ["train", motif_fasta, "--out", run, "--epochs", "4", "--baseline", "fast", "-q"]
    args += ["--bootstrap", "20", "--set", "model.channels=4", "--set", "model.n_layers=1"]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 130
    kept = list(tmp_path.glob(".run.partial-*"))
    assert len(kept) == 1 and not run.exists()
    assert f"interrupted; the run so far is kept in {kept[0]}" in result.stderr
    assert f"biodl train --resume {kept[0]}" in result.stderr
    monkeypatch.setattr(SupervisedTask, "training_step", step)
    resumed = CliRunner().invoke(app, ["train", "--resume", str(run), "-q"])
    assert resumed.exit_code == 0, resumed.output
    assert (run / "metrics.json").is_file() and not kept[0].exists()


def test_killed_forecast_resumes_with_the_numbers_of_an_uninterrupted_run(tmp_path, cli):
    # found by benchmarks/kill_at_random.py: forecast runs kept no checkpoint, and their
    # batches came from a generator seeded once, whose state a checkpoint does not hold
    from biodl.data.lineage import simulate_lineage, write_lineage_fasta

    lineage = simulate_lineage(seasons=12, length=30, samples=10, population=100, seed=3)
    fasta = write_lineage_fasta(lineage, tmp_path / "lineage.fa")
    args = ["train", fasta, "--task", "forecast", "--epochs", "12", "--patience", "0"]
    args += ["--bootstrap", "20", "-q"]
    full = cli.run(*args, "--out", tmp_path / "full")
    assert full.returncode == 0, full.stderr
    killed_after_a_checkpoint(cli, tmp_path, args)
    resumed = cli.run("train", "--resume", tmp_path / "run", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert cli.numbers(tmp_path / "run") == cli.numbers(tmp_path / "full")
    history = (tmp_path / "run" / "history.csv").read_text()
    assert history == (tmp_path / "full" / "history.csv").read_text()
    assert not list(tmp_path.glob(".run.partial-*"))
