"""A kind's own classical models (1-NN for time series) compete in the panel's choice.

Planted series decide who must win on validation: two symmetric bumps whose positions carry the
class (the summary statistics - mean, min, max, last, count, slope - are the same for both
classes, the series themselves differ: 1-NN wins), and a small level shift under heavy noise
(the mean carries it, Euclidean distance between noisy series hardly does: the panel wins).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import biodl
from biodl.config import build_config
from biodl.evaluation.metrics import compute_metrics
from biodl.evaluation.panel import PANEL, PartModel
from biodl.kinds import ExtraBaseline, prepare_run_data
from biodl.pipeline.baselines import fit_baseline_for

QUICK = {"epochs": 1, "n_bootstrap": 20, "seed": 0, "progress": False, "threads": 1}


def _write_ucr(path: Path, x: np.ndarray, y: np.ndarray) -> Path:
    rows = zip(x, y, strict=True)
    lines = [" ".join([str(int(c))] + [f"{v:.5f}" for v in row]) for row, c in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def bump_positions(n: int, seed: int, length: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: bumps at 10 and 50; class 1: bumps at 20 and 40 (same summary statistics)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = 0.3 * rng.normal(size=(n, length))
    bump = 3.0 * np.hanning(8)
    for i, c in enumerate(y):
        for at in (20, 40) if c else (10, 50):
            x[i, at - 4 : at + 4] += bump
    return x, y


def level_shift(n: int, seed: int, length: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 is 0.25 higher on average under noise of sd 1 at every time point."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return rng.normal(size=(n, length)) + 0.25 * y[:, None], y


def _files(tmp_path: Path, make, n: int = 120) -> dict[str, str]:
    parts = {}
    for i, name in enumerate(("train", "valid", "test")):
        x, y = make(n if name == "train" else 60, seed=i)
        parts[name] = str(_write_ucr(tmp_path / f"{name}.txt", x, y))
    return parts


def _fit(files: dict[str, str], **options):
    cfg = build_config(
        train=files["train"], valid=files["valid"], kind="timeseries", seed=0, **options
    )
    prepared = prepare_run_data(cfg)
    return prepared, fit_baseline_for(cfg, prepared)


def _valid_auroc(fitted, prepared) -> dict[str, float]:
    y = prepared.y["valid"]
    return {k: compute_metrics("binary", y, s)["auroc"] for k, s in fitted.selection_scores.items()}


def test_the_nearest_neighbour_joins_the_panel_and_wins_where_only_shape_tells(tmp_path):
    prepared, fitted = _fit(_files(tmp_path, bump_positions))
    assert list(fitted.members) == [*PANEL, "nearest_neighbour"]
    auroc = _valid_auroc(fitted, prepared)
    assert auroc["nearest_neighbour"] > 0.95
    assert max(auroc[k] for k in PANEL) < auroc["nearest_neighbour"] - 0.1
    assert fitted.chosen == "nearest_neighbour"
    assert isinstance(fitted.baseline, PartModel)
    assert fitted.baseline.human_name == "1-NN (Euclidean)"
    assert fitted.features_description == "the global-z-scored series"
    assert fitted.members["nearest_neighbour"].n_fit == len(prepared.part("train"))
    scores = fitted.predict(prepared.part("valid"))
    np.testing.assert_array_equal(scores, fitted.selection_scores["nearest_neighbour"])


def test_the_panel_keeps_its_own_model_where_the_summary_statistics_tell(tmp_path):
    prepared, fitted = _fit(_files(tmp_path, level_shift))
    auroc = _valid_auroc(fitted, prepared)
    assert fitted.chosen in PANEL
    assert auroc[fitted.chosen] > auroc["nearest_neighbour"] + 0.1
    assert fitted.features_description.startswith("per-channel summary statistics")


def test_a_named_baseline_is_fitted_alone_and_the_nearest_neighbour_shown_beside(tmp_path):
    files = _files(tmp_path, bump_positions)
    _, fitted = _fit(files, baseline="random_forest")
    assert list(fitted.members) == ["random_forest"] and fitted.chosen == "random_forest"
    result = biodl.train(
        files["train"], valid=files["valid"], test=files["test"], kind="timeseries",
        baseline="random_forest", **QUICK,
    )  # fmt: skip
    results = result.results
    assert results.baseline.name == "random forest" and results.baseline_panel is None
    assert [e.name for e in results.extra_baselines] == ["1-NN (Euclidean)"]


def test_without_a_validation_part_the_chosen_neighbour_is_refitted_on_all_training(tmp_path):
    x, y = bump_positions(150, seed=0)
    path = _write_ucr(tmp_path / "train.txt", x, y)
    cfg = build_config(train=str(path), kind="timeseries", seed=0, valid_size=0.0, test_size=0.2)
    prepared = prepare_run_data(cfg)
    fitted = fit_baseline_for(cfg, prepared)
    assert fitted.selection == "train-holdout" and fitted.chosen == "nearest_neighbour"
    member = fitted.members["nearest_neighbour"]
    assert member.n_fit == len(prepared.part("train"))
    assert "refitted on the whole training part" in member.settings
    assert fitted.baseline is member.baseline


def test_a_run_names_the_winning_neighbour_in_the_verdict_table_and_report(tmp_path):
    files = _files(tmp_path, bump_positions)
    run = tmp_path / "run"
    result = biodl.train(
        files["train"], valid=files["valid"], test=files["test"], kind="timeseries", out=run,
        **QUICK,
    )  # fmt: skip
    results = result.results
    panel = results.baseline_panel
    assert panel is not None and panel.chosen == "nearest_neighbour"
    assert [m.key for m in panel.members] == [*PANEL, "nearest_neighbour"]
    assert results.baseline.name == "1-NN (Euclidean)"
    assert results.baseline.features == "the global-z-scored series"
    assert "the 1-NN (Euclidean) baseline" in results.comparison.verdict
    assert "The baseline is the 1-NN (Euclidean), the best on validation" in (
        results.comparison.verdict
    )
    assert results.extra_baselines == []  # shown once: in the panel
    chosen = panel.chosen_member
    assert chosen.seconds >= 0 and chosen.settings.startswith("1 neighbour")
    for name, e in results.baseline.splits["test"].estimates.items():
        assert chosen.final[name] == pytest.approx(e.value)
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["baseline_panel"]["chosen"] == "nearest_neighbour"
    assert biodl.load_results(run) == results
    assert "1-NN (Euclidean)" in result.summary()
    html = (run / "report.html").read_text()
    assert "Baseline panel" in html and "1-NN (Euclidean) *" in html


def test_cross_validation_lets_the_neighbour_win_a_fold(tmp_path):
    x, y = bump_positions(160, seed=0)
    path = _write_ucr(tmp_path / "train.txt", x, y)
    result = biodl.cross_validate(path, folds=2, kind="timeseries", **QUICK)
    chosen = result.results.baseline.chosen
    assert chosen == {"1-NN (Euclidean)": 2}
    assert result.results.baseline.name == "1-NN (Euclidean)"
    folds = result.folds[result.folds["who"] == "baseline"]
    assert set(folds["baseline"]) == {"1-NN (Euclidean)"}


def test_extra_baselines_have_panel_keys():
    assert ExtraBaseline("1-NN (Euclidean)", fit=print).panel_key == "1_nn_euclidean"
    assert ExtraBaseline("x", fit=print, key="nearest_neighbour").panel_key == "nearest_neighbour"
