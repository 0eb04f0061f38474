"""Real datasets from ../shared/data with their published reference results (see SOURCE.txt).

Marked `realdata` (and `slow`); each test skips cleanly where the shared folder is absent.
"""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
import torch

import biodl

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_splice_default_cnn_beats_095_with_baseline_in_the_same_run(shared_data, tmp_path):
    """UCI splice junctions: published error rates ~5-10%; the default CNN should reach >= 0.95."""
    path = shared_data / "sequences" / "uci_splice" / "splice.csv"
    with pytest.warns(biodl.errors.LeakageWarning):  # the UCI file holds duplicated sequences
        result = biodl.train(path, out=tmp_path / "splice", seed=0, n_bootstrap=200)
    metrics = json.loads((tmp_path / "splice" / "metrics.json").read_text())
    assert metrics["task"] == "multiclass"
    assert metrics["data"]["classes"] == ["EI", "IE", "N"]
    assert metrics["data"]["n_test"] == 638  # stratified 80/20 (of which 10% of all is validation)
    assert metrics["model"]["test"]["accuracy"] >= 0.95
    assert metrics["baseline"]["test"]["accuracy"] > 0.85
    assert "position-wise one-hot" in metrics["baseline"]["features"]
    assert result.metrics["comparison"]["verdict"]


def test_promoters_headerless_file_with_default_settings(shared_data, tmp_path):
    """UCI E. coli promoters (106 x 57 nt, no header): reads and trains with no options."""
    path = shared_data / "sequences" / "uci_ecoli_promoters" / "promoters.data"
    result = biodl.train(path, out=tmp_path / "promoters", n_bootstrap=200)
    metrics = result.metrics
    assert metrics["task"] == "binary" and metrics["data"]["classes"] == ["-", "+"]
    # Published leave-one-out errors are 4-13/106 for good methods; 21 test sequences are few.
    assert metrics["model"]["test"]["accuracy"] >= 0.7
    predictions = pd.read_csv(tmp_path / "promoters" / "predictions.csv")
    assert {"prob_-", "prob_+"} <= set(predictions.columns)


def test_gb1_protein_fitness_regression(shared_data, tmp_path):
    """FLIP GB1 'sampled' split (4-site mutants): regression on fitness, Spearman as reported."""
    with zipfile.ZipFile(shared_data / "protein" / "flip_gb1" / "splits.zip") as archive:
        archive.extract("splits/sampled.csv", tmp_path)
    table = pd.read_csv(tmp_path / "splits" / "sampled.csv")
    # The file's own split: train rows to train on, test rows as --test (subsampled for speed).
    train = table[table["set"] == "train"].sample(1500, random_state=0)
    test = table[table["set"] == "test"].sample(500, random_state=0)
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    result = biodl.train(
        tmp_path / "train.csv",
        test=tmp_path / "test.csv",
        out=tmp_path / "gb1",
        n_bootstrap=200,
        epochs=10,
    )
    metrics = result.metrics
    assert metrics["task"] == "regression" and metrics["data"]["alphabet"] == "protein"
    assert metrics["data"]["label_columns"] == ["target"]
    assert metrics["model"]["test"]["spearman"] > 0.5
    assert metrics["baseline"]["test"]["spearman"] > 0.3


def test_splice_five_fold_cv_reports_mean_and_sd_for_model_and_baseline(shared_data, tmp_path):
    """`biodl cv` with 5 folds on UCI splice: mean ± sd for both, a paired verdict."""
    path = shared_data / "sequences" / "uci_splice" / "splice.csv"
    result = biodl.cross_validate(path, folds=5, out=tmp_path / "cv", epochs=8, seed=0)
    metrics = result.metrics
    for who in ("model", "baseline"):
        accuracy = metrics[who]["metrics"]["accuracy"]
        assert len(accuracy["values"]) == 5 and accuracy["sd"] is not None
    assert metrics["model"]["metrics"]["accuracy"]["mean"] > 0.93
    assert metrics["comparison"]["verdict"].startswith("Over 5 folds")
    assert (tmp_path / "cv" / "folds.csv").is_file()
