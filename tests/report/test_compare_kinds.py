"""``biodl report`` beyond ``biodl train`` classifiers: cross-validation runs beside train runs
(numbers checked by hand against the cv folder's folds.csv), language-model and forecast runs
compared among themselves, runs of different tasks refused, and one language-model or
forecast run's own page drawn again from its folder."""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.data.lineage import simulate_lineage, write_lineage_fasta
from biodl.errors import DataError

OLD = Path(__file__).resolve().parents[1] / "fixtures" / "run_schema2"
LINEAGE = {"seasons": 12, "length": 30, "samples": 10, "population": 100, "seed": 3}


def _folds(run: Path, who: str, metric: str = "auroc") -> list[float]:
    table = pd.read_csv(run / "folds.csv")
    return [float(v) for v in table.loc[table["who"] == who, metric]]


def test_a_cv_run_is_its_mean_and_sd_over_folds_beside_a_train_run(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    frame = biodl.compare_runs([OLD / "sequence", OLD / "cv"], out=out)
    train, cv = frame.iloc[0], frame.iloc[1]
    folds = _folds(OLD / "cv", "model")
    assert cv["command"] == "cv" and cv["folds"] == pytest.approx(folds)
    assert cv["value"] == pytest.approx(statistics.mean(folds))
    assert cv["sd"] == pytest.approx(statistics.stdev(folds))
    base = _folds(OLD / "cv", "baseline")
    assert cv["baseline_value"] == pytest.approx(statistics.mean(base))
    assert cv["baseline_sd"] == pytest.approx(statistics.stdev(base))
    assert cv["numbers"] == "mean ± sd over cross-validation folds" and cv["split"] == "2 folds x 2"
    assert train["numbers"] == "on the held-out test part" and train["folds"] == []
    # each is the best of its own group: a test-part estimate is never ranked against a mean
    assert list(frame["best"]) == [True, True]
    page = out.read_text()
    assert "AUROC mean ± sd over cross-validation folds" in page
    assert "AUROC on the held-out test part" in page
    assert "0.490 ± 0.024" in page and "0.495, 0.522, 0.473, 0.471" in page
    assert "the groups are not ranked against each other" in page
    assert (tmp_path / "tables" / "compare_runs_2.csv").read_text().startswith("Run,Model,AUROC")


def test_a_cv_run_shows_the_kind_and_model_it_resolved_not_auto(tmp_path: Path) -> None:
    # the old cv run's config.yaml says auto for both; its metrics.json names the model (CNN)
    # but not the kind of data (recorded only since): that one stays auto
    frame = biodl.compare_runs([OLD / "sequence", OLD / "cv"])
    assert "model.name" not in frame.columns
    assert list(frame["data.kind"]) == ["sequence", "auto"]
    newer = tmp_path / "cv"
    shutil.copytree(OLD / "cv", newer)
    metrics = json.loads((newer / "metrics.json").read_text())
    metrics["data"]["kind"] = "sequence"
    (newer / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "c.html"
    frame = biodl.compare_runs([OLD / "sequence", newer], out=out)
    assert "data.kind" not in frame.columns and "model.name" not in frame.columns
    options = (tmp_path / "tables" / "compare_options.csv").read_text()
    assert "data.kind" not in options and "model.name" not in options


def test_two_cv_runs_ranked_by_their_means(tmp_path: Path) -> None:
    other = tmp_path / "cv2"
    shutil.copytree(OLD / "cv", other)
    metrics = json.loads((other / "metrics.json").read_text())
    values = [0.61, 0.65, 0.6, 0.62]
    metrics["model"]["metrics"]["auroc"] = {
        "mean": statistics.mean(values),
        "sd": statistics.stdev(values),
        "values": values,
    }
    (other / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "c.html"
    frame = biodl.compare_runs([OLD / "cv", other], out=out)
    assert list(frame["best"]) == [False, True]
    page = out.read_text()
    assert "Best run: cv2 (CNN), AUROC 0.620 ± 0.022." in page
    assert "larger than the spread over folds" in page
    result = CliRunner().invoke(app, ["report", str(OLD / "cv"), str(other), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "cv2: CNN, AUROC 0.620 ± 0.022  (best)" in result.output


@pytest.fixture(scope="module")
def lm_runs(tmp_path_factory: pytest.TempPathFactory, motif_fasta: Path) -> list[Path]:
    root = tmp_path_factory.mktemp("lm")
    runs = []
    for name, hidden in (("small", 8), ("wider", 16)):
        biodl.train(
            motif_fasta,
            task="language-model",
            model="gru",
            model_params={"hidden_size": hidden},
            context=16,
            epochs=1,
            out=root / name,
            progress=False,
        )
        runs.append(root / name)
    return runs


@pytest.fixture(scope="module")
def forecast_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("forecast")
    fasta = write_lineage_fasta(simulate_lineage(**LINEAGE), root / "lineage.fa")
    runs = []
    for seed in (0, 1):
        out = root / f"seed{seed}"
        biodl.train(fasta, task="forecast", epochs=3, n_bootstrap=30, seed=seed, out=out)
        runs.append(out)
    return runs


def test_language_models_compared_by_test_perplexity(lm_runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "lm.html"
    frame = biodl.compare_runs(lm_runs, out=out)
    for run, row in zip(lm_runs, frame.itertuples(index=False), strict=True):
        m = json.loads((run / "metrics.json").read_text())
        net, markov = m["network"], m["markov"]
        assert (row.value, row.low, row.high) == (
            net["test_perplexity"],
            *net["test_perplexity_ci"],
        )
        assert row.baseline == f"Markov, order {markov['order']}"
        assert row.baseline_value == markov["test_perplexity"]
        assert row.metric == "perplexity" and row.task == "language-model"
    values = list(frame["value"])
    assert list(frame["best"]) == [v == min(values) for v in values]  # lower is better
    page = out.read_text()
    assert "lower is better" in page and "Validation Perplexity per epoch" in page
    assert "model.hidden_size" in page


def test_forecasts_compared_by_per_site_auroc(forecast_runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "f.html"
    frame = biodl.compare_runs(forecast_runs, out=out)
    for run, row in zip(forecast_runs, frame.itertuples(index=False), strict=True):
        auroc = json.loads((run / "metrics.json").read_text())["model"]["auroc"]
        assert (row.value, row.low, row.high) == (auroc["value"], auroc["low"], auroc["high"])
        assert row.split == "held-out seasons" and row.metric == "auroc"
    values = list(frame["value"])
    assert list(frame["best"]) == [v == max(values) for v in values]
    page = out.read_text()
    assert "AUROC per site on the held-out seasons" in page and "train.seed" in page


def test_runs_of_different_tasks_are_refused_in_one_line(
    lm_runs: list[Path], forecast_runs: list[Path], tmp_path: Path
) -> None:
    with pytest.raises(DataError, match=r"different tasks .*small \(language-model, perplexity"):
        biodl.compare_runs([lm_runs[0], forecast_runs[0]])
    out = tmp_path / "c.html"
    for other in (forecast_runs[0], OLD / "sequence", OLD / "cv"):
        result = CliRunner().invoke(app, ["report", str(lm_runs[0]), str(other), "-o", str(out)])
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert "different tasks" in result.output
        assert not out.exists()


@pytest.mark.parametrize("kind", ["lm", "forecast"])
def test_one_run_page_drawn_again_is_the_same_page(
    kind: str, lm_runs: list[Path], forecast_runs: list[Path], tmp_path: Path
) -> None:
    run = (lm_runs if kind == "lm" else forecast_runs)[0]
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    before = (copy / "report.html").read_text()
    (copy / "report.html").unlink()
    shutil.rmtree(copy / "plots")
    result = CliRunner().invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").read_text() == before
    elsewhere = biodl.redraw_report(copy, out=tmp_path / "else" / "page.html")
    assert elsewhere.read_text() == before
    assert (tmp_path / "else" / "tables").is_dir()


def test_an_older_forecast_run_without_recorded_facts_is_drawn(
    forecast_runs: list[Path], tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(forecast_runs[0], copy)
    metrics = json.loads((copy / "metrics.json").read_text())
    for key in ("data", "training", "warnings"):
        del metrics[key]
    (copy / "metrics.json").write_text(json.dumps(metrics))
    page = biodl.redraw_report(copy).read_text()
    assert "Predicted vs actual changes per site" in page and "Held-out pairs" in page
    assert "weights of epoch" not in page


def test_one_train_or_cv_run_is_not_drawn_again(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"sequence: a biodl train run; `biodl report RUN` draws"):
        biodl.redraw_report(OLD / "sequence")
    result = CliRunner().invoke(app, ["report", str(OLD / "cv")])
    assert result.exit_code == 2 and "a cross-validation run" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_causal_and_masked_language_models_are_ranked_apart(
    lm_runs: list[Path], tmp_path: Path
) -> None:
    masked = tmp_path / "masked"
    shutil.copytree(lm_runs[1], masked)
    metrics = json.loads((masked / "metrics.json").read_text())
    metrics["objective"] = "masked"
    (masked / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "c.html"
    frame = biodl.compare_runs([lm_runs[0], masked], out=out)
    assert list(frame["numbers"]) == [
        "on the held-out test part (causal objective)",
        "on the held-out test part (masked objective)",
    ]
    assert list(frame["best"]) == [True, True]
    page = out.read_text()
    assert "their perplexities are ranked separately" in page
    assert "the groups are not ranked against each other" in page
