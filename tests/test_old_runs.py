"""Run directories written before typed results (tests/fixtures/run_schema2) still work.

They load (model and results), their models predict and evaluate as when they were written,
their summary text is unchanged, and their report can be rebuilt from the typed results.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.config import load_config
from biodl.data.targets import TargetEncoding
from biodl.errors import DataError
from biodl.evaluation.cv_results import CVResults
from biodl.evaluation.results import RunResults
from biodl.pipeline.cv import CVResult
from biodl.pipeline.train import format_summary

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "run_schema2"
TRAIN_RUNS = ["sequence", "transfer", "timeseries", "expression"]


@pytest.mark.parametrize("run", TRAIN_RUNS)
def test_results_load_and_their_summary_is_unchanged(run):
    results = biodl.load_results(FIXTURES / run)
    assert isinstance(results, RunResults)
    assert format_summary(results) + "\n" == (FIXTURES / run / "summary.txt").read_text()


def test_cv_results_load_and_their_summary_is_unchanged():
    results = biodl.load_results(FIXTURES / "cv")
    assert isinstance(results, CVResults)
    folds = pd.read_csv(FIXTURES / "cv" / "folds.csv")
    result = CVResult(None, results, folds, load_config(FIXTURES / "cv" / "config.yaml"))
    assert result.summary() + "\n" == (FIXTURES / "cv" / "summary.txt").read_text()
    assert result.metrics == json.loads((FIXTURES / "cv" / "metrics.json").read_text())


def test_load_results_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"no metrics.json; pass the --out folder"):
        biodl.load_results(tmp_path)
    (tmp_path / "metrics.json").write_text("{not json")
    with pytest.raises(DataError, match=r"metrics.json: not valid JSON"):
        biodl.load_results(tmp_path)
    (tmp_path / "metrics.json").write_text("[1, 2]")
    with pytest.raises(DataError, match=r"expected a JSON object of results, got list"):
        biodl.load_results(tmp_path / "metrics.json")


@pytest.mark.parametrize(("run", "data"), [("sequence", "motifs.fa"), ("timeseries", "series.txt")])
def test_saved_models_predict_what_they_predicted_when_written(run, data):
    saved = biodl.load_run(FIXTURES / run)
    assert saved.info["schema_version"] == 2
    table = biodl.predict(FIXTURES / run, FIXTURES / data)
    written = pd.read_csv(FIXTURES / run / "predictions.csv")
    table.index, written.index = table["id"].astype(str), written["id"].astype(str)
    probs = [c for c in written.columns if c.startswith("prob_")]
    np.testing.assert_allclose(table.loc[written.index, probs], written[probs], atol=1e-5)
    assert (
        table.loc[written.index, "predicted"].astype(str) == written["predicted"].astype(str)
    ).all()


def test_cli_predict_and_evaluate_use_an_old_run(tmp_path):
    runner = CliRunner()
    run, data = FIXTURES / "sequence", FIXTURES / "motifs.fa"
    out = tmp_path / "pred.csv"
    result = runner.invoke(app, ["predict", str(run), str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 200
    result = runner.invoke(app, ["evaluate", str(run), str(data), "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    # the whole file, with the threshold chosen when the run was written
    written = pd.read_csv(run / "predictions.csv")
    accuracy = (written["predicted"] == written["true"]).mean()
    assert metrics["n"] == 200 and metrics["metrics"]["accuracy"] == pytest.approx(accuracy)
    assert set(metrics["ci"]) == set(metrics["metrics"])


def _saved_scores(run: Path, targets: TargetEncoding, name: str) -> tuple[dict, dict]:
    table = pd.read_csv(run / name)
    classes = {c: i for i, c in enumerate(targets.classes)}
    scores, ys = {}, {}
    for split, part in table.groupby("split", sort=False):
        scores[split] = part[[f"prob_{c}" for c in targets.classes]].to_numpy()
        ys[split] = part["true"].astype(str).map(classes).to_numpy()
    return scores, ys


def test_the_report_is_rebuilt_from_the_typed_results(tmp_path):
    from biodl.report.build import build_report

    run = FIXTURES / "sequence"
    results = biodl.load_results(run)
    assert isinstance(results, RunResults)
    targets = TargetEncoding.from_dict(
        json.loads((run / "model" / "model.json").read_text())["targets"]
    )
    model, y = _saved_scores(run, targets, "predictions.csv")
    baseline, _ = _saved_scores(run, targets, "baseline_predictions.csv")
    prepared = SimpleNamespace(
        targets=targets, y=y, files=[str(FIXTURES / "motifs.fa")], warnings=[]
    )
    report = build_report(
        tmp_path,
        results=results,
        history=pd.read_csv(run / "history.csv"),
        prepared=prepared,
        scores={"model": model, "baseline": baseline},
        config_yaml=(run / "config.yaml").read_text(),
        environment={"biodl": "0.1.0"},
        run_name=str(run),
    )
    html = report.read_text()
    assert results.comparison.verdict in html
    assert "Variation over seeds" in html and "AUPRC (prevalence 0.500)" in html
    assert "Sequences (train / valid / test)" in html and "140 / 20 / 40" in html
    for name in ("roc.png", "pr.png", "metric_comparison.png", "learning_curves.png"):
        assert (tmp_path / "plots" / name).is_file()


@pytest.mark.filterwarnings("ignore::biodl.errors.DataWarning")  # tiny data, 2 epochs
def test_retraining_the_fixture_gives_its_metrics(tmp_path, monkeypatch):
    """Same seed, data and config: the metrics of when the fixture was written.

    Within :data:`RETRAIN_TOL`, not exactly: on another CPU (an AVX-512 Xeon, 2026-12-06) the
    losses agree to 1e-6, but Adam turns the rounding noise of near-zero gradients into
    whole steps, and the 2-epoch network's scores on 40 test sequences moved the train AUROC
    by 0.0006 and a bootstrap bound by 0.017. The verdict must say the same in words.
    """
    shutil.copy(FIXTURES / "motifs.fa", tmp_path / "motifs.fa")
    monkeypatch.chdir(tmp_path)
    cfg = load_config(FIXTURES / "sequence" / "config.yaml")
    result = biodl.train(config=cfg, out="again", progress=False)
    old = biodl.load_results(FIXTURES / "sequence")
    new = biodl.load_results(tmp_path / "again")
    assert isinstance(old, RunResults) and isinstance(new, RunResults)
    assert result.results == new and result.metrics == new.to_json()
    for who in ("model", "baseline"):
        for split, metrics in getattr(old, who).splits.items():
            ours = getattr(new, who).splits[split].estimates
            for name, e in metrics.estimates.items():
                got = (ours[name].value, ours[name].low, ours[name].high)
                assert _close(got, (e.value, e.low, e.high)), (who, split, name)
    numbers = re.compile(r"-?\d+\.\d+")
    assert numbers.sub("#", new.comparison.verdict) == numbers.sub("#", old.comparison.verdict)
    assert _close((new.comparison.difference,), (old.comparison.difference,))
    assert new.threshold is not None and old.threshold is not None
    assert _close(
        (new.threshold.model, new.threshold.baseline), (old.threshold.model, old.threshold.baseline)
    )
    assert new.seeds is not None and old.seeds is not None
    for name, stat in old.seeds.model.items():
        assert _close((new.seeds.model[name].mean, new.seeds.model[name].sd), (stat.mean, stat.sd))


#: How far a retrained fixture's metrics may be from the recorded ones (the test's docstring).
RETRAIN_TOL = 0.03


def _close(a: tuple, b: tuple, tol: float = RETRAIN_TOL) -> bool:
    return all(
        (x is None and y is None) or (x is not None and y is not None and abs(x - y) <= tol)
        for x, y in zip(a, b, strict=True)
    )


def test_old_runs_keep_their_positive_class():
    """Written before the positive class was recorded: it is the second class, as then."""
    run = FIXTURES / "sequence"
    results = biodl.load_results(run)
    assert isinstance(results, RunResults)
    assert results.data.positive_class is None and results.data.positive_text() == ""
    assert "positive_class" not in results.to_json()["data"]
    targets = TargetEncoding.from_dict(biodl.load_run(run).info["targets"])
    assert targets.positive == "enhancer" and targets.positive_reason == ""
    metrics = biodl.evaluate(run, FIXTURES / "motifs.fa", n_bootstrap=20)
    assert metrics["positive_class"] == "enhancer" and metrics["positive_reason"] == ""
    turned = biodl.evaluate(
        run, FIXTURES / "motifs.fa", n_bootstrap=20, positive_class="background"
    )
    assert turned["positive_class"] == "background"
    assert turned["prevalence"] == pytest.approx(1 - metrics["prevalence"])
    assert turned["metrics"]["accuracy"] == pytest.approx(metrics["metrics"]["accuracy"])
    assert turned["metrics"]["auroc"] == pytest.approx(metrics["metrics"]["auroc"])
