"""The positive class of a binary task, end to end: train, report, evaluate, cv, estimators.

The planted data has a rare class named so that it sorts FIRST ('a_rare', 15 %, vs 'b_common'):
before the positive class was chosen, AUPRC, F1 and the threshold described 'b_common'.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, f1_score, get_scorer, roc_auc_score
from typer.testing import CliRunner

import biodl
from biodl import SequenceClassifier
from biodl.cli import app
from biodl.errors import ConfigError

pytestmark = pytest.mark.filterwarnings("ignore::biodl.errors.DataWarning")  # tiny, 3 epochs

FAST = {"epochs": 3, "n_bootstrap": 20, "progress": False, "threads": 1}
RARE, COMMON = "a_rare", "b_common"


def _planted(n: int = 400, seed: int = 0) -> tuple[list[str], list[str]]:
    """Sequences of 60 nt; 15 % carry GATTACA and are labelled 'a_rare'."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for i in range(n):
        seq = "".join(rng.choice(list("ACGT"), 60))
        rare = i % 20 < 3
        if rare:
            at = int(rng.integers(0, 50))
            seq = (seq[:at] + "GATTACA" + seq[at + 7 :])[:60]
        seqs.append(seq)
        labels.append(RARE if rare else COMMON)
    return seqs, labels


@pytest.fixture(scope="module")
def rare_fasta(tmp_path_factory):
    seqs, labels = _planted()
    path = tmp_path_factory.mktemp("positive") / "rare.fa"
    path.write_text(
        "".join(
            f">s{i} label={y}\n{s}\n" for i, (s, y) in enumerate(zip(seqs, labels, strict=True))
        )
    )
    return path


@pytest.fixture(scope="module")
def rare_run(rare_fasta, tmp_path_factory):
    out = tmp_path_factory.mktemp("positive-run") / "run"
    return biodl.train(rare_fasta, out=out, **FAST), out


def _test_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["split"] == "test"]


def test_the_minority_class_is_positive_though_it_sorts_first(rare_run):
    result, out = rare_run
    data = result.metrics["data"]
    assert data["classes"] == [COMMON, RARE]
    assert data["positive_class"] == RARE
    assert data["positive_reason"] == "minority, 15.0 % of training labels"
    for who, name in (("model", "predictions.csv"), ("baseline", "baseline_predictions.csv")):
        test = _test_rows(pd.read_csv(out / name))
        metrics = result.metrics[who]["test"]
        truth = (test["true"] == RARE).to_numpy()
        assert metrics["auprc"] == pytest.approx(
            average_precision_score(test["true"], test[f"prob_{RARE}"], pos_label=RARE)
        )
        assert metrics["auroc"] == pytest.approx(roc_auc_score(truth, test[f"prob_{RARE}"]))
        assert metrics["f1"] == pytest.approx(
            f1_score(test["true"], test["predicted"], pos_label=RARE)
        )
        cut = result.metrics["threshold"][who]
        assert (test["predicted"] == np.where(test[f"prob_{RARE}"] >= cut, RARE, COMMON)).all()
    test = _test_rows(result.predictions)
    assert result.metrics["prevalence"]["value"] == pytest.approx((test["true"] == RARE).mean())
    assert result.metrics["prevalence"]["value"] < 0.5


def test_summary_and_report_state_the_positive_class(rare_run):
    result, out = rare_run
    assert f"positive class: {RARE} (minority, 15.0 % of training labels)" in result.summary()
    html = (out / "report.html").read_text()
    assert "Positive class" in html and f"{RARE} (minority, 15.0 % of training labels)" in html
    assert f"AUPRC (prevalence of {RARE} " in html
    saved = json.loads((out / "model" / "model.json").read_text())["targets"]
    assert saved["classes"] == [COMMON, RARE]
    assert saved["positive_reason"].startswith("minority")


def test_positive_class_option_overrides(rare_fasta):
    result = biodl.train(rare_fasta, out=None, positive_class=COMMON, **FAST)
    data = result.metrics["data"]
    assert data["positive_class"] == COMMON and data["classes"] == [RARE, COMMON]
    assert data["positive_reason"] == "set with --positive-class, 85.0 % of training labels"
    test = _test_rows(result.predictions)
    assert result.metrics["model"]["test"]["auprc"] == pytest.approx(
        average_precision_score(test["true"], test[f"prob_{COMMON}"], pos_label=COMMON)
    )
    assert result.metrics["prevalence"]["value"] == pytest.approx((test["true"] == COMMON).mean())


def test_an_unknown_positive_class_is_refused_with_the_classes(rare_fasta, tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"--positive-class pre_mirna: not a class .*"
        r"\(classes: a_rare, b_common\)",
    ):
        biodl.train(rare_fasta, out=None, positive_class="pre_mirna", **FAST)
    result = CliRunner().invoke(
        app,
        ["train", str(rare_fasta), "--out", str(tmp_path / "r"), "--positive-class", "x"],
    )
    assert result.exit_code == 2
    assert "not a class of the training labels (classes: a_rare, b_common)" in result.output


def test_evaluate_uses_the_runs_positive_class_or_the_one_given(rare_run, rare_fasta):
    _, out = rare_run
    table = biodl.predict(out, rare_fasta)
    truth = pd.Series(
        [
            line.split("label=")[1]
            for line in rare_fasta.read_text().split("\n")
            if line.startswith(">")
        ]
    )
    runner = CliRunner()
    for args, positive in (([], RARE), (["--positive-class", COMMON], COMMON)):
        result = runner.invoke(
            app, ["evaluate", str(out), str(rare_fasta), "--bootstrap", "20", *args]
        )
        assert result.exit_code == 0, result.output
        metrics = json.loads(result.stdout)
        assert metrics["positive_class"] == positive
        assert metrics["prevalence"] == pytest.approx((truth == positive).mean())
        assert metrics["metrics"]["auprc"] == pytest.approx(
            average_precision_score(truth, table[f"prob_{positive}"], pos_label=positive)
        )
        # the predicted labels do not depend on which class is called positive
        assert metrics["metrics"]["f1"] == pytest.approx(
            f1_score(truth, table["predicted"], pos_label=positive)
        )
    result = runner.invoke(app, ["evaluate", str(out), str(rare_fasta), "--positive-class", "x"])
    assert result.exit_code == 2 and "classes: a_rare, b_common" in result.output


def test_cv_uses_one_positive_class_for_every_fold(rare_fasta, tmp_path):
    result = biodl.cross_validate(rare_fasta, out=tmp_path / "cv", folds=2, **FAST)
    data = result.metrics["data"]
    assert data["positive_class"] == RARE and data["classes"] == [COMMON, RARE]
    assert f"positive class: {RARE} (minority" in result.summary()
    assert "the same in every fold" in (tmp_path / "cv" / "report.html").read_text()


def test_estimator_classes_stay_sorted_and_sklearn_scorers_agree():
    seqs, labels = _planted(200)
    clf = SequenceClassifier(epochs=2, model_params={"channels": 8}).fit(seqs, labels)
    assert clf.classes_.tolist() == [RARE, COMMON]  # scikit-learn's order
    assert clf.positive_class_ == RARE
    proba = clf.predict_proba(seqs)
    assert proba.shape == (200, 2)
    assert clf.predict(seqs).tolist() == clf.classes_[np.argmax(proba, axis=1)].tolist()
    truth = np.array(labels) == COMMON  # scikit-learn's default positive: classes_[1]
    assert get_scorer("roc_auc")(clf, seqs, labels) == pytest.approx(
        roc_auc_score(truth, proba[:, 1])
    )


def test_estimator_with_a_negative_name_sorting_second_scores_as_sklearn():
    """'case'/'control' were once ordered [control, case]: roc_auc scorers then failed."""
    seqs, labels = _planted(200)
    named = ["case" if y == RARE else "control" for y in labels]
    clf = SequenceClassifier(epochs=2, model_params={"channels": 8}).fit(seqs, named)
    assert clf.classes_.tolist() == ["case", "control"] and clf.positive_class_ == "case"
    proba = clf.predict_proba(seqs)
    score = get_scorer("roc_auc")(clf, seqs, named)
    assert score == pytest.approx(roc_auc_score(np.array(named) == "control", proba[:, 1]))
