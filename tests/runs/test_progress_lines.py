"""Progress without a terminal: one plain line per epoch, fold and trial; ``--log-file``."""

from __future__ import annotations

import re

import biodl

EPOCH = re.compile(r"epoch \d+/3  \d+\.\d s  train_loss \d+\.\d{4}  valid_loss \d+\.\d{4}")


def no_control_characters(text: str) -> bool:
    return not any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text)


def test_epoch_lines_on_a_pipe_and_in_the_log_file(tmp_path, motif_fasta, cli):
    log = tmp_path / "logs" / "run.log"
    result = cli.run(
        "train", motif_fasta, "--out", tmp_path / "run", "--epochs", "3", *cli.tiny,
        "--log-file", log,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert all(EPOCH.fullmatch(line) for line in lines), lines
    logged = log.read_text(encoding="utf-8").splitlines()
    assert [line for line in logged if line.startswith("epoch ")] == lines
    assert any(line.startswith("warning: only 48 test examples") for line in logged)
    for text in (result.stderr, result.stdout, log.read_text(encoding="utf-8")):
        assert "\r" not in text and "\x1b" not in text and no_control_characters(text)


def test_quiet_keeps_stderr_empty_but_the_log_file_gets_the_lines(tmp_path, motif_fasta, cli):
    log = tmp_path / "run.log"
    result = cli.run(
        "train", motif_fasta, "--out", tmp_path / "run", "--epochs", "2", *cli.tiny, "--quiet",
        "--log-file", log,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("epoch ")]
    assert len([x for x in log.read_text().splitlines() if x.startswith("epoch ")]) == 2


def test_the_error_that_ends_a_command_goes_to_the_log_file(tmp_path, motif_fasta, cli):
    log = tmp_path / "run.log"
    result = cli.run(
        "train", motif_fasta, "--out", tmp_path / "run", "--model", "cnnn", "--log-file", log
    )
    assert result.returncode == 2
    assert "unknown model 'cnnn'" in log.read_text()


def test_one_line_per_fold_and_per_trial(tmp_path, motif_fasta, monkeypatch, capsys):
    """In a process whose stderr is not a terminal (pytest captures it)."""
    monkeypatch.delenv("BIODL_QUIET", raising=False)
    tiny = {"model_params": {"channels": 4, "n_layers": 1}, "n_bootstrap": 20}
    biodl.cross_validate(motif_fasta, folds=2, epochs=1, out=tmp_path / "cv", **tiny)
    err = capsys.readouterr().err
    folds = [line for line in err.splitlines() if line.startswith("fold ")]
    assert [line.split()[1] for line in folds] == ["1/2", "2/2"]
    assert all(re.search(r"\d+\.\d s  model auroc \d\.\d{4}  baseline auroc", f) for f in folds)
    biodl.tune(motif_fasta, out=tmp_path / "tune", search="random", trials=2, epochs=1, **tiny)
    err = capsys.readouterr().err
    trials = [line for line in err.splitlines() if line.startswith("trial ")]
    assert [line.split()[1] for line in trials] == ["1/2", "2/2"]
    # --monitor auto on a binary task: the trials are scored on validation AUROC
    assert all("complete  auroc " in line and "best " in line for line in trials), trials
    assert no_control_characters(err)
