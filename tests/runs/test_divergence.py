"""A loss that stops being a number stops the run at once, with one line that explains it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader
from typer.testing import CliRunner

from biodl.cli import app
from biodl.errors import TrainingDiverged
from biodl.training.trainer import TrainerOptions, run_fit


def test_a_planted_learning_rate_of_1e6_stops_with_one_line_and_keeps_the_run(tmp_path):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), 30)) for _ in range(150)]
    path = tmp_path / "prot.csv"
    target = [s.count("W") + 0.1 * rng.normal() for s in seqs]  # a regression task
    pd.DataFrame({"sequence": seqs, "target": target}).to_csv(path, index=False)
    run = tmp_path / "reg"
    args = ["train", path, "--out", run, "--epochs", "3", "--bootstrap", "20"]
    args += ["--optimizer", "sgd", "--lr", "1e6", "--quiet"]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert len(errors) == 1, result.stderr
    line = errors[0]
    assert line.startswith("TrainingDiverged: ") and "NaN or infinite" in line
    assert "epoch 1" in line and "learning rate 1e+06" in line
    assert "likely causes" in line and "try --lr 100000" in line
    kept = list(tmp_path.glob(".reg.partial-*"))
    assert len(kept) == 1 and str(kept[0]) in line  # kept for inspection, and named
    assert not run.exists()


def test_the_step_and_learning_rate_are_named():
    import lightning as L

    class Task(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def training_step(self, batch, batch_idx):
            loss = ((batch - self.w) ** 2).mean()
            return loss * float("nan") if batch_idx == 2 else loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.5)

    loader = DataLoader(torch.ones(16, 1), batch_size=4)
    with pytest.raises(
        TrainingDiverged, match=r"became nan at epoch 1, step 3 \(learning rate 0.5\)"
    ):
        run_fit(Task(), loader, max_epochs=2, options=TrainerOptions(device="cpu"), progress=False)
