"""Binary decision thresholds chosen on the validation part, end to end through ``biodl.train``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score

import biodl

FAST = {"epochs": 4, "n_bootstrap": 20, "progress": False}


@pytest.fixture(scope="module")
def imbalanced_fasta(tmp_path_factory):
    """15% positives carrying a motif: a rare outcome, as in clinical data."""
    rng = np.random.default_rng(0)
    lines = []
    for i in range(400):
        seq = "".join(rng.choice(list("ACGT"), 60))
        positive = i % 20 < 3
        if positive:
            at = int(rng.integers(0, 50))
            seq = seq[:at] + "GATTACA" + seq[at + 7 :]
            seq = seq[:60]
        lines.append(f">s{i} label={'yes' if positive else 'no'}\n{seq}\n")
    path = tmp_path_factory.mktemp("threshold") / "rare.fa"
    path.write_text("".join(lines))
    return path


def test_threshold_is_chosen_on_validation_and_used_for_metrics_and_labels(
    imbalanced_fasta, tmp_path
):
    result = biodl.train(imbalanced_fasta, out=tmp_path / "run", **FAST)
    cuts = result.metrics["threshold"]
    assert cuts["rule"] == "balanced_accuracy" and cuts["split"] == "valid"
    assert 0.0 <= cuts["model"] <= 1.0 and 0.0 <= cuts["baseline"] <= 1.0
    predictions = pd.read_csv(tmp_path / "run" / "predictions.csv")
    test = predictions[predictions["split"] == "test"]
    assert (test["predicted"] == np.where(test["prob_yes"] >= cuts["model"], "yes", "no")).all()
    metrics = result.metrics["model"]["test"]
    assert metrics["accuracy"] == pytest.approx(accuracy_score(test["true"], test["predicted"]))
    assert metrics["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(test["true"], test["predicted"])
    )
    assert result.metrics["prevalence"]["value"] == pytest.approx((test["true"] == "yes").mean())
    again = biodl.predict(tmp_path / "run", imbalanced_fasta)
    probabilities = again["prob_yes"].to_numpy()
    expected = np.where(probabilities >= cuts["model"], "yes", "no")
    assert (again["predicted"] == expected).all()


def test_fixed_threshold_keeps_0_5(imbalanced_fasta, tmp_path):
    result = biodl.train(imbalanced_fasta, out=None, overrides=["evaluate.threshold=fixed"], **FAST)
    assert "threshold" not in result.metrics
    predictions = result.predictions
    test = predictions[predictions["split"] == "test"]
    assert (test["predicted"] == np.where(test["prob_yes"] >= 0.5, "yes", "no")).all()


def test_auto_keeps_0_5_when_validation_has_too_few_of_a_class(imbalanced_fasta):
    # 3% of 400 is 12 validation sequences with about 2 positives: too few to choose a threshold
    # (Golub's 4 validation samples once gave 0.96 and an independent accuracy of 0.68)
    result = biodl.train(imbalanced_fasta, out=None, overrides=["data.valid_size=0.03"], **FAST)
    assert result.metrics["data"]["n_valid"] == 12
    assert "threshold" not in result.metrics
    chosen = biodl.train(
        imbalanced_fasta,
        out=None,
        overrides=["data.valid_size=0.03", "evaluate.threshold=f1"],
        **FAST,
    )
    assert chosen.metrics["threshold"]["rule"] == "f1"  # asked for by name: chosen all the same
