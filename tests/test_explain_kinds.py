"""`biodl explain` on records, regular time series and expression: the planted variable or gene
ranks first, and the command writes its files; `train --explain` on expression puts the
baseline's coefficients beside the network's top genes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.synthetic_icu import IcuVariable, write_icu_records

runner = CliRunner()
QUICK = ["--bootstrap", "10", "--baseline", "fast", "--quiet"]


def biodl(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _explain(run: Path, data: Path, out: Path, *extra: str) -> dict[str, np.ndarray]:
    result = biodl("explain", run, data, "--out", out, "--ig-steps", "20", "-q", *extra)
    assert result.exit_code == 0, result.output
    for name in ("attributions.npz", "attributions.csv", "report.html", "explain.json"):
        assert (out / name).is_file(), name
    assert not list(out.parent.glob(f".{out.name}*"))  # no hidden folder left behind
    with np.load(out / "attributions.npz") as archive:
        return {k: archive[k] for k in archive.files}


def test_records_the_planted_variable_ranks_first(tmp_path):
    # only HR carries the latent severity (3 sd per unit); MAP and Temp are noise
    variables = (
        IcuVariable("HR", 88, 15, 1.0, severity=3.0),
        IcuVariable("MAP", 80, 12, 1.0),
        IcuVariable("Temp", 37.0, 0.7, 1.0),
    )
    cohort = write_icu_records(
        tmp_path / "icu", n_records=160, seed=0, signal=3.0, variables=variables, hours=24.0
    )
    run = tmp_path / "run"
    result = biodl(
        "train", cohort / "records", "--labels", cohort / "Outcomes.txt", "--out", run,
        "--epochs", "12", "--batch-size", "16", "--lr", "0.003", "--set",
        "model.hidden_size=16", "--set", "data.window=24h", *QUICK,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["model"]["test"]["auroc"] > 0.7
    out = tmp_path / "explained"
    arrays = _explain(run, cohort / "records", out, "--show-examples", "2")
    assert (out / "plots" / "heatmaps.png").is_file()
    info = json.loads((run / "model" / "model.json").read_text())
    names = info["inputs"]["grid"]["variables"]
    importance = arrays["variable_importance"]
    assert len(importance) == len(names) == arrays["attributions"].shape[2]
    assert names[int(np.argmax(importance))] == "HR", dict(zip(names, importance, strict=True))
    assert "Variables ranked by mean absolute attribution" in (out / "report.html").read_text()
    # the baseline's ranking beside it: summed |coefficient| of HR's summary features first
    saved = pd.read_csv(run / "baseline_importance.csv")
    assert set(saved["variable"]) >= {"HR", "MAP", "Temp"}
    assert (saved["variable"] == "HR").sum() == 7  # mean, min, max, last, count, slope, missing
    base = arrays["baseline_variable_importance"]
    assert names[int(np.argmax(base))] == "HR", dict(zip(names, base, strict=True))
    assert int(arrays["top_variables_overlap"]) == 1  # top 1 of 3 variables: HR in both
    assert np.isfinite(arrays["variable_rank_spearman"])
    report = (out / "report.html").read_text()
    assert "Variable ranking beside the baseline" in report and "sum of |coefficient|" in report
    assert (out / "plots" / "variable_ranking.png").is_file()
    ranking = pd.read_csv(out / "tables" / "variable_ranking.csv")
    assert ranking["baseline rank"].tolist()[0] == 1, ranking


def test_regular_series_the_planted_channel_ranks_first(tmp_path):
    rng = np.random.default_rng(0)
    n, length = 200, 40
    x = rng.normal(size=(n, 3, length)).astype(np.float32)
    y = np.arange(n) % 2
    for i in np.flatnonzero(y):  # class 1: a bump in channel 2 (index 1) at a random place
        start = rng.integers(0, length - 10)
        x[i, 1, start : start + 10] += 3.0 * np.hanning(10)
    np.savez(tmp_path / "series.npz", X=x, y=y)
    run = tmp_path / "run"
    result = biodl(
        "train", tmp_path / "series.npz", "--kind", "timeseries", "--out", run, "--epochs",
        "20", "--patience", "0", "--set", "model.channels=16", *QUICK,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["model"]["test"]["accuracy"] >= 0.8
    out = tmp_path / "explained"
    arrays = _explain(run, tmp_path / "series.npz", out)
    assert arrays["attributions"].shape == (n, 3, length)
    assert int(np.argmax(arrays["variable_importance"])) == 1, arrays["variable_importance"]
    assert (out / "plots" / "heatmaps.png").is_file()
    # the baseline (summary statistics per channel) also ranks channel 2 first
    assert int(np.argmax(arrays["baseline_variable_importance"])) == 1, arrays
    assert int(arrays["top_variables_overlap"]) == 1
    assert pd.read_csv(run / "baseline_importance.csv")["variable"].nunique() == 3
    table = pd.read_csv(out / "attributions.csv")
    assert len(table) == n and {"id", "output", "delta"} <= set(table.columns)


def _expression(tmp_path: Path) -> tuple[Path, Path]:
    """Counts where genes G0-G4 are 4x higher in 'tumor' (half the samples)."""
    rng = np.random.default_rng(0)
    n, genes = 160, 40
    y = np.array(["normal", "tumor"] * (n // 2))
    lam = np.tile(rng.gamma(2.0, 5.0, size=genes), (n, 1))
    lam[y == "tumor", :5] *= 4.0
    X = rng.poisson(lam).astype(np.float32)
    ids = [f"S{i:03d}" for i in range(n)]
    data = tmp_path / "counts.csv"
    frame = pd.DataFrame(
        X, index=pd.Index(ids, name="sample"), columns=[f"G{j}" for j in range(genes)]
    )
    frame.to_csv(data)
    meta = tmp_path / "meta.csv"
    pd.DataFrame({"sample": ids, "status": y}).to_csv(meta, index=False)
    return data, meta


PLANTED_GENES = {f"G{j}" for j in range(5)}


@pytest.fixture(scope="module")
def expression_run(tmp_path_factory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("expr")
    data, meta = _expression(folder)
    run = folder / "run"
    result = biodl(
        "train", data, "--labels", meta, "--label-column", "status", "--out", run, "--epochs",
        "15", "--patience", "0", "--explain", "--ig-steps", "20", *QUICK,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return run, data, meta


def test_expression_the_planted_genes_rank_first(expression_run, tmp_path):
    run, data, _ = expression_run
    out = tmp_path / "explained"
    arrays = _explain(run, data, out)
    assert (out / "plots" / "genes.png").is_file()
    genes = json.loads((run / "model" / "model.json").read_text())["inputs"]["preprocessing"]
    names = genes["genes_out"]
    overall = np.abs(arrays["attributions"]).mean(axis=0)
    top10 = {names[j] for j in np.argsort(-overall)[:10]}
    assert names[int(np.argmax(overall))] in PLANTED_GENES
    assert len(top10 & PLANTED_GENES) >= 4, top10  # of 40 genes
    assert "Top genes" in (out / "report.html").read_text()


def test_train_explain_shows_the_baseline_coefficients_beside_the_top_genes(expression_run):
    run, _, _ = expression_run
    report = (run / "report.html").read_text()
    assert "Top genes" in report and "logistic regression coefficient" in report
    assert "of the network&#x27;s top 20 genes are among the baseline&#x27;s top 20" in report or (
        "of the network's top 20 genes are among the baseline's top 20" in report
    )
    with np.load(run / "explain" / "attributions.npz") as archive:
        coef, overlap = archive["baseline_importance"], int(archive["top_genes_overlap"])
        overall = np.abs(archive["attributions"]).mean(axis=0)
    names = json.loads((run / "model" / "model.json").read_text())["inputs"]["preprocessing"]
    genes = np.asarray(names["genes_out"])
    assert len(coef) == len(genes) and overlap >= 5  # both top-20 lists hold the planted genes
    assert len(set(genes[np.argsort(-np.abs(coef))[:10]]) & PLANTED_GENES) >= 4
    assert len(set(genes[np.argsort(-overall)[:10]]) & PLANTED_GENES) >= 4


def test_explain_shows_the_baseline_saved_by_train(expression_run, tmp_path):
    """`biodl explain RUN DATA` reads baseline_importance.csv: the same coefficients and the
    same table as `train --explain`."""
    run, data, _ = expression_run
    saved = pd.read_csv(run / "baseline_importance.csv")
    assert list(saved.columns) == ["feature", "variable", "value", "what", "model"]
    assert set(saved["what"]) == {"coefficient"} and set(saved["model"]) == {"logistic regression"}
    out = tmp_path / "explained"
    arrays = _explain(run, data, out)
    with np.load(run / "explain" / "attributions.npz") as archive:
        trained = archive["baseline_importance"]
    np.testing.assert_allclose(arrays["baseline_importance"], trained, rtol=1e-12)
    genes = json.loads((run / "model" / "model.json").read_text())["inputs"]["preprocessing"]
    np.testing.assert_allclose(arrays["baseline_importance"], saved["value"], rtol=1e-12)
    assert saved["feature"].tolist() == genes["genes_out"]
    assert int(arrays["top_genes_overlap"]) >= 5
    report = (out / "report.html").read_text()
    assert "logistic regression coefficient" in report and "baseline rank" in report


def test_explain_without_or_with_a_broken_baseline_file(expression_run, tmp_path):
    import shutil

    run, data, _ = expression_run
    old = tmp_path / "old_run"  # a run written before baseline_importance.csv existed
    shutil.copytree(run, old)
    (old / "baseline_importance.csv").unlink()
    arrays = _explain(old, data, tmp_path / "explained")
    assert "baseline_importance" not in arrays and "top_genes_overlap" not in arrays
    assert "baseline rank" not in (tmp_path / "explained" / "report.html").read_text()
    (old / "baseline_importance.csv").write_text("gene,coef\nG0,1.0\n")
    out = tmp_path / "broken"
    result = biodl("explain", old, data, "--out", out, "-q")
    assert result.exit_code == 2, result.output
    assert "baseline_importance.csv: no column feature, variable, value, what, model" in (
        result.output
    )
    assert not out.exists()
