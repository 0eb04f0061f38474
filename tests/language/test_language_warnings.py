"""A language-model run tells its data warnings as a classifier run does: on the terminal, in
log.txt, and on its page (kept in metrics.json for ``biodl report RUN``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from biodl.cli import app


def test_a_language_model_run_says_and_logs_its_warnings(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 24)) for _ in range(40)]
    table = pd.DataFrame(
        {
            "id": [f"s{i}" for i in range(40)],
            "sequence": seqs,
            "part": ["train"] * 30 + ["test"] * 10,
        }
    )
    table.to_csv(tmp_path / "seqs.csv", index=False)
    out = tmp_path / "lm"
    args = ["train", str(tmp_path / "seqs.csv"), "--task", "language-model", "--split-column"]
    args += ["part", "--context", "8", "--epochs", "1"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    said = "column 'part' has no validation rows"
    assert f"warning: {tmp_path / 'seqs.csv'}: {said}" in result.output
    assert (
        "DataWarning at " in (out / "log.txt").read_text() and said in (out / "log.txt").read_text()
    )
    assert any(said in w for w in json.loads((out / "metrics.json").read_text())["warnings"])
    assert "has no validation rows" in (out / "report.html").read_text()
