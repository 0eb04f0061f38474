"""Missing labels (empty cells of several label columns) in every kind that reads several
label columns from a table: sequence tables, FASTA with a labels table, expression with a
metadata table (the SMILES tables are in tests/graphs/test_tox21_style.py); and a network
that learns a planted signal in a label column that is half empty."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import biodl
from biodl.config import RunConfig
from biodl.errors import DataError, DataWarning
from biodl.kinds import prepare_run_data

FAST = {"n_bootstrap": 20, "progress": False, "threads": 1}


def _prepare(data: dict[str, object]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)


def _labels(rng: np.random.Generator, n: int, missing: float = 0.3) -> pd.DataFrame:
    values = rng.integers(0, 2, size=(n, 2)).astype(object)
    values[rng.random((n, 2)) < missing] = ""
    values[(values == "").all(axis=1), 0] = 1
    return pd.DataFrame(values, columns=["task_a", "task_b"])


def _check(prepared, table: pd.DataFrame) -> None:
    assert prepared.targets.task == "multilabel"
    y = np.concatenate([prepared.y[p] for p in prepared.present()])
    assert y.dtype == np.float64 and np.isnan(y).sum() == (table == "").to_numpy().sum()
    assert any("missing labels" in w for w in prepared.warnings)


@pytest.mark.parametrize("split", ["stratified", "random"])
def test_sequence_table_with_missing_labels(tmp_path: Path, split: str) -> None:
    rng = np.random.default_rng(0)
    labels = _labels(rng, 80)
    seqs = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(80)]
    table = pd.concat([pd.DataFrame({"sequence": seqs}), labels], axis=1)
    path = tmp_path / "seqs.csv"
    table.to_csv(path, index=False)
    prepared = _prepare({"train": str(path), "label_columns": ["task_a", "task_b"], "split": split})
    _check(prepared, labels)


def test_single_label_column_still_refuses_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "seqs.csv"
    path.write_text("sequence,label\nACGTACGT,1\nACGTTTGT,\nACGAACGT,0\n")
    with pytest.raises(DataError, match=r"seqs.csv line 3 column 'label'.*is empty"):
        _prepare({"train": str(path), "label_columns": ["label"]})


def test_fasta_with_labels_table_with_missing_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    labels = _labels(rng, 60)
    ids = [f"s{i}" for i in range(60)]
    fasta = tmp_path / "seqs.fa"
    fasta.write_text("".join(f">{i}\n{''.join(rng.choice(list('ACGT'), 25))}\n" for i in ids))
    table = tmp_path / "labels.csv"
    pd.concat([pd.DataFrame({"id": ids}), labels], axis=1).to_csv(table, index=False)
    prepared = _prepare(
        {"train": str(fasta), "labels": str(table), "label_columns": ["task_a", "task_b"]}
    )
    _check(prepared, labels)


def _expression(tmp_path: Path, rng: np.random.Generator, n: int = 160, missing: float = 0.5):
    """Counts where genes 0-4 are 4x higher when task_a is 1; task_a is ``missing`` empty,
    task_b is noise and fully labelled."""
    a = np.array([0, 1] * (n // 2))
    rate = rng.gamma(2.0, 5.0, size=30)
    lam = np.tile(rate, (n, 1))
    lam[a == 1, :5] *= 4.0
    X = rng.poisson(lam).astype(np.float32)
    ids = [f"S{i:03d}" for i in range(n)]
    data = tmp_path / "counts.csv"
    pd.DataFrame(
        X, index=pd.Index(ids, name="sample"), columns=[f"G{j}" for j in range(30)]
    ).to_csv(data)
    shown = np.where(rng.random(n) < missing, "", a.astype(str))
    meta = pd.DataFrame({"sample": ids, "task_a": shown, "task_b": rng.integers(0, 2, n)})
    (tmp_path / "meta.csv").write_text(meta.to_csv(index=False))
    return data, tmp_path / "meta.csv", a


def test_expression_metadata_with_missing_labels(tmp_path: Path) -> None:
    data, meta, _ = _expression(tmp_path, np.random.default_rng(2))
    prepared = _prepare(
        {"train": str(data), "labels": str(meta), "label_columns": ["task_a", "task_b"]}
    )
    table = pd.read_csv(meta, keep_default_na=False)[["task_a", "task_b"]].astype(str)
    _check(prepared, table)


def test_network_learns_a_planted_signal_in_a_half_empty_column(tmp_path: Path) -> None:
    data, meta, truth = _expression(tmp_path, np.random.default_rng(3))
    run = tmp_path / "run"
    with pytest.warns(DataWarning, match=r"missing labels .*task_a"):
        biodl.train(
            data, labels=meta, label_columns=["task_a", "task_b"], out=run, epochs=30,
            patience=0, baseline="logistic", **FAST,
        )  # fmt: skip
    predictions = pd.read_csv(run / "predictions.csv")
    test = predictions[predictions["split"] == "test"]
    observed = test["true_task_a"].notna()
    assert observed.sum() >= 5 and (~observed).sum() >= 5
    assert roc_auc_score(test.loc[observed, "true_task_a"], test.loc[observed, "prob_task_a"]) > 0.9
    # The rows whose label was withheld are predicted too, and just as well.
    ids = test.loc[~observed, "id"].str[1:].astype(int).to_numpy()
    assert roc_auc_score(truth[ids], test.loc[~observed, "prob_task_a"]) > 0.9
    metrics = json.loads((run / "metrics.json").read_text())
    counts = metrics["data"]["observed_labels"]
    assert sum(c["task_a"] for c in counts.values()) == (pd.read_csv(meta)["task_a"].notna()).sum()
    assert all(c["task_b"] == metrics["data"][f"n_{p}"] for p, c in counts.items())
