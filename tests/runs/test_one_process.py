"""Commands that cannot spread over nodes refuse ``--num-nodes`` above 1 in one line."""

from __future__ import annotations

import pytest

import biodl
from biodl.config import RunConfig
from biodl.errors import ConfigError
from biodl.runs_partial import write_resume_record


@pytest.mark.parametrize("command", ["cv", "tune"])
def test_cv_and_tune_refuse_several_nodes(tmp_path, motif_fasta, command, cli):
    out = tmp_path / "out"
    done = cli.run(command, motif_fasta, "--num-nodes", "2", "--out", out)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(f"ConfigError: biodl {command} --num-nodes 2: biodl {command} runs")
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_a_training_over_several_nodes_is_not_resumed(tmp_path, motif_fasta):
    cfg = RunConfig.from_dict({"data": {"train": str(motif_fasta)}, "train": {"num_nodes": 2}})
    partial = tmp_path / ".run.partial-abc"
    partial.mkdir()
    write_resume_record(partial, "train", cfg.to_dict())
    with pytest.raises(ConfigError, match="a training over 2 nodes cannot be resumed"):
        biodl.train(resume=partial)
    assert partial.is_dir()  # kept for inspection
