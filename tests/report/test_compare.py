"""``biodl report RUN...`` / :func:`biodl.compare_runs`: runs side by side, on runs written by
older biodl (tests/fixtures/run_schema2) and on the seeded runs of the page tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.errors import DataError, DataWarning
from biodl.pipeline.compare import flatten_config

OLD = Path(__file__).resolve().parents[1] / "fixtures" / "run_schema2"


def _primary(run: Path) -> tuple[float, float, float, float]:
    data = json.loads((run / "metrics.json").read_text())
    metric, split = data["primary_metric"], data["comparison"]["split"]
    low, high = data["model"][f"{split}_ci"][metric]
    return data["model"][split][metric], low, high, data["baseline"][split][metric]


def test_numbers_are_those_of_each_metrics_json(report_pages: dict[str, Path]) -> None:
    root = report_pages["compare"].parent.parent
    runs = [root / "train", root / "runs" / "wider"]
    frame = biodl.compare_runs([root / "train", root / "runs"])
    assert list(frame["run"]) == ["train", "wider"]
    for run, row in zip(runs, frame.itertuples(index=False), strict=True):
        assert (row.value, row.low, row.high, row.baseline_value) == _primary(run)
        assert row.metric == "auroc" and row.task == "binary"
    values = list(frame["value"])
    assert list(frame["best"]) == [v == max(values) for v in values]


def test_the_differing_options_are_exactly_those_that_differ(tmp_path: Path) -> None:
    frame = biodl.compare_runs([OLD / "sequence", OLD / "transfer"])
    raw = [yaml.safe_load((OLD / r / "config.yaml").read_text()) for r in ("sequence", "transfer")]
    a, b = (flatten_config(r) for r in raw)
    differ = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    fixed = {"run", "path", "model", "task", "metric", "split", "value", "low", "high"}
    fixed |= {"baseline", "baseline_value", "baseline_low", "baseline_high", "train_file", "best"}
    fixed |= {"command", "numbers", "sd", "folds", "baseline_sd"}
    assert set(frame.columns) - fixed == differ
    assert "train.freeze" in differ and "train.lr" not in differ
    # a tie: both runs are best, and the page says no run is clearly best
    out = tmp_path / "c.html"
    biodl.compare_runs([OLD / "sequence", OLD / "transfer"], out=out)
    page = out.read_text()
    assert "tie on AUROC" in page and "no run is clearly best" in page
    assert (tmp_path / "tables" / "compare_options.csv").read_text().startswith("Option,")


def test_a_different_data_file_is_said_plainly(tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(OLD / "transfer", other)
    metrics = json.loads((other / "metrics.json").read_text())
    metrics["data"]["train_file"] = "elsewhere.fa"
    metrics["model"]["test"]["auroc"] = 0.9
    (other / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "c.html"
    with pytest.warns(DataWarning, match=r"different data files \(.*elsewhere\.fa"):
        frame = biodl.compare_runs([OLD / "sequence", other], out=out)
    assert list(frame["best"]) == [False, True]
    page = out.read_text()
    assert "trained on different data files" in page and "elsewhere.fa" in page
    assert "Best run: other (CNN), AUROC 0.900" in page
    assert "overlaps that of the runner-up, sequence" in page
    # the terminal's "(best)" comes with the page's warning (walk: report splice nrc)
    said = CliRunner().invoke(app, ["report", str(OLD / "sequence"), str(other), "-o", str(out)])
    assert said.exit_code == 0, said.output
    assert "other: CNN, AUROC 0.900" in said.output and "(best)" in said.output
    assert "warning: These runs were trained on different data files" in said.output


def test_a_folder_that_holds_no_run_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"empty: not a biodl run directory .* and holds none"):
        biodl.compare_runs([OLD / "sequence", tmp_path / "empty"])
    with pytest.raises(DataError, match=r"nowhere: no such folder"):
        biodl.compare_runs([OLD / "sequence", tmp_path / "nowhere"])
    with pytest.raises(DataError, match=r"at least two run directories, found 1"):
        biodl.compare_runs(OLD / "sequence")


def test_different_tasks_are_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"different tasks .*timeseries \(multiclass, balanced"):
        biodl.compare_runs([OLD / "sequence", OLD / "timeseries"])
    out = tmp_path / "c.html"
    result = CliRunner().invoke(
        app, ["report", str(OLD / "sequence"), str(OLD / "expression"), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "expression (regression, spearman)" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_writes_the_page_and_names_the_best(tmp_path: Path) -> None:
    out = tmp_path / "cmp" / "comparison.html"
    result = CliRunner().invoke(
        app, ["report", str(OLD / "sequence"), str(OLD / "transfer"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "sequence: CNN, AUROC 0.475 [0.304, 0.665]  (best)" in result.output
    assert out.is_file() and (out.parent / "tables" / "compare_runs.csv").is_file()


def test_the_curves_caption_says_which_runs_kept_their_last_epoch(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    shutil.copytree(OLD / "sequence", chosen)
    metrics = json.loads((chosen / "metrics.json").read_text())
    metrics["training"]["epoch_chosen_on_valid"] = True
    (chosen / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "c.html"
    biodl.compare_runs([OLD / "sequence", chosen], out=out)  # 'sequence' kept its last epoch
    page = " ".join(out.read_text().split())
    said = "best epoch, except the last epoch&#x27;s for sequence (fewer than 30 validation"
    assert said in page
    biodl.compare_runs([OLD / "sequence", OLD / "transfer"], out=out)  # neither chose one
    page = " ".join(out.read_text().split())
    assert "Each run kept its last epoch&#x27;s weights" in page and "best epoch;" not in page
