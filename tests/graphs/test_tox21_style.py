"""Tox21-style tables: several label columns with empty cells (missing labels) through
``biodl.train`` on SMILES, and the errors on a column or a row without any label."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from graph_data import AMINES, OTHERS

import biodl
from biodl.errors import DataError, DataWarning

FAST = {"n_bootstrap": 20, "progress": False, "threads": 1}


def write_tox21_like(path: Path, *, repeat: int = 4, missing: float = 0.3, seed: int = 0) -> Path:
    """Three tasks (the nitrogen, the oxygen, a ring), about ``missing`` of each cell empty;
    every row keeps at least one label."""
    rng = np.random.default_rng(seed)
    rows = ["smiles,NR-N,SR-O,NR-ring"]
    for _ in range(repeat):
        for s in AMINES + OTHERS:
            values = [int("N" in s.upper()), int("O" in s.upper()), int("1" in s)]
            cells = [str(v) if rng.random() >= missing else "" for v in values]
            if all(c == "" for c in cells):
                cells[0] = str(values[0])
            rows.append(f"{s},{','.join(cells)}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_multilabel_with_missing_labels_trains_and_reports(tmp_path: Path) -> None:
    path = write_tox21_like(tmp_path / "tox.csv")
    table = pd.read_csv(path)
    run = tmp_path / "run"
    with pytest.warns(DataWarning, match=r"missing labels .*train: NR-N \d+ of \d+"):
        biodl.train(
            path, out=run, label_columns=["NR-N", "SR-O", "NR-ring"], split="random",
            epochs=2, batch_size=16, **FAST,
        )  # fmt: skip
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["task"] == "multilabel"
    observed = metrics["data"]["observed_labels"]
    assert set(observed) == {"train", "valid", "test"}
    n_obs = sum(observed[p]["SR-O"] for p in observed)
    assert n_obs == table["SR-O"].notna().sum()
    assert metrics["model"]["test"]["auroc"] is not None
    assert metrics["comparison"]["verdict"]
    predictions = pd.read_csv(run / "predictions.csv")
    assert predictions["true_SR-O"].isna().sum() == table["SR-O"].isna().sum()
    assert predictions["prob_SR-O"].notna().all()
    assert set(predictions["true_SR-O"].dropna().unique()) <= {0, 1}


def test_multi_target_regression_with_missing_targets(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = ["smiles,logS,logP"]
    for r in range(4):
        for k, s in enumerate(AMINES + OTHERS):
            a = f"{len(s) * 0.3 + 0.01 * r:.2f}" if rng.random() > 0.3 else ""
            b = f"{s.count('C') * 0.5 - 0.02 * k:.2f}" if rng.random() > 0.3 or not a else ""
            rows.append(f"{s},{a},{b}")
    path = tmp_path / "reg.csv"
    path.write_text("\n".join(rows) + "\n")
    run = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        biodl.train(
            path, out=run, label_columns=["logS", "logP"], split="random", epochs=2,
            batch_size=16, baseline="auto", **FAST,
        )  # fmt: skip
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["task"] == "regression"
    assert metrics["baseline"]["test"]["rmse"] is not None
    assert "observed_labels" in metrics["data"]
    predictions = pd.read_csv(run / "predictions.csv")
    assert predictions["true_logS"].isna().any() and predictions["predicted_logS"].notna().all()


def test_column_without_any_label_is_refused(tmp_path: Path) -> None:
    path = write_tox21_like(tmp_path / "tox.csv")
    table = pd.read_csv(path)
    table["empty"] = ""
    table.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"tox.csv column 'empty': every label is empty"):
        biodl.train(path, label_columns=["NR-N", "empty"], epochs=1, **FAST)


def test_row_without_any_label_is_refused(tmp_path: Path) -> None:
    path = write_tox21_like(tmp_path / "tox.csv")
    lines = path.read_text().splitlines()
    lines[5] = lines[5].split(",")[0] + ",,,"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"tox.csv row 5: every label column is empty \(1 such"):
        biodl.train(path, label_columns=["NR-N", "SR-O", "NR-ring"], epochs=1, **FAST)


def test_inspect_calls_empty_cells_of_several_columns_missing_labels(tmp_path: Path) -> None:
    path = write_tox21_like(tmp_path / "tox.csv")
    found = biodl.inspect(path, label_columns=["NR-N", "SR-O", "NR-ring"])
    missing = [f for f in found.findings if f.code == "missing_labels"]
    assert len(missing) == 3
    assert all("leaves them out of the loss" in f.fix for f in missing)


def test_cross_validation_with_missing_labels(tmp_path: Path) -> None:
    path = write_tox21_like(tmp_path / "tox.csv", repeat=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = biodl.cross_validate(
            path, label_columns=["NR-N", "SR-O", "NR-ring"], folds=3, epochs=1,
            out=tmp_path / "cv", **FAST,
        )  # fmt: skip
    metrics = json.loads((tmp_path / "cv" / "metrics.json").read_text())
    assert metrics["task"] == "multilabel" and result is not None
