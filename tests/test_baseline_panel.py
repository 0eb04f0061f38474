"""The baseline panel in a run: the best classical model on validation becomes the baseline.

Planted data decide which model must win: an XOR of two motifs (no linear model can separate
it, trees can) and a sum of signed position effects (linear in the position-wise one-hot, hard
for trees on a few hundred sequences).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MaxAbsScaler

import biodl
from biodl.config import build_config
from biodl.errors import ConfigError
from biodl.evaluation.metrics import compute_metrics
from biodl.evaluation.panel import PANEL, inner_strength, varying_columns
from biodl.kinds import prepare_run_data
from biodl.pipeline import baselines as panel_fitting
from biodl.pipeline.baselines import fit_baseline_for

LETTERS = np.array(list("ACGT"))
QUICK = {"epochs": 1, "n_bootstrap": 20, "seed": 0, "progress": False, "threads": 1}


def _write(path: Path, seqs: list[str], labels: np.ndarray) -> Path:
    pd.DataFrame({"sequence": seqs, "label": np.where(labels == 1, "yes", "no")}).to_csv(
        path, index=False
    )
    return path


def xor_motifs(path: Path, n: int = 500, seed: int = 0) -> Path:
    """Label 'yes' when exactly one of two homopolymer motifs is planted (an XOR)."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, size=n), rng.integers(0, 2, size=n)
    seqs = []
    for has_a, has_b in zip(a, b, strict=True):
        s = LETTERS[rng.integers(0, 4, size=40)]
        for motif, present in (("GGGGGGGG", has_a), ("TTTTTTTT", has_b)):
            if present:
                at = rng.integers(0, 32)
                s[at : at + 8] = list(motif)
        seqs.append("".join(s))
    return _write(path, seqs, a ^ b)


def signed_positions(path: Path, n: int = 500, seed: int = 0) -> Path:
    """Label 'yes' when the G's sit more on '+' positions than on '-' ones (linear in one-hot)."""
    rng = np.random.default_rng(seed)
    weights = rng.choice([-1.0, 1.0], size=40)
    codes = rng.integers(0, 4, size=(n, 40))
    score = ((codes == 2) * weights).sum(axis=1) + 0.3 * rng.normal(size=n)
    return _write(path, ["".join(LETTERS[c]) for c in codes], (score > 0).astype(np.int64))


def _fit(path: Path, **options):
    cfg = build_config(train=str(path), seed=0, **options)
    prepared = prepare_run_data(cfg)
    return cfg, prepared, fit_baseline_for(cfg, prepared)


def _valid_auroc(fitted, prepared) -> dict[str, float]:
    y = prepared.y["valid"]
    return {
        key: compute_metrics("binary", y, s)["auroc"] for key, s in fitted.selection_scores.items()
    }


def test_panel_picks_a_tree_model_when_trees_beat_the_linear_model(tmp_path):
    _, prepared, fitted = _fit(xor_motifs(tmp_path / "xor.csv"))
    values = _valid_auroc(fitted, prepared)
    assert fitted.selection == "valid" and set(fitted.members) == set(PANEL)
    assert values["logistic"] < 0.7  # no linear model separates an XOR
    assert max(values["random_forest"], values["gradient_boosting"]) > values["logistic"] + 0.2
    assert fitted.chosen == max(values, key=lambda k: values[k])
    assert fitted.chosen != "logistic"
    test = compute_metrics("binary", prepared.y["test"], fitted.predict(prepared.part("test")))
    assert test["auroc"] > 0.85


def test_panel_picks_the_linear_model_when_it_beats_the_trees(tmp_path):
    _, prepared, fitted = _fit(signed_positions(tmp_path / "signed.csv"))
    values = _valid_auroc(fitted, prepared)
    assert values["logistic"] > max(values["random_forest"], values["gradient_boosting"]) + 0.05
    assert fitted.chosen == "logistic"


def test_inner_cv_strength_comes_from_the_training_part_only(tmp_path):
    cfg, prepared, fitted = _fit(signed_positions(tmp_path / "signed.csv"))
    X_train = varying_columns(fitted.features(prepared.part("train")))[1]
    X_train = MaxAbsScaler().fit_transform(X_train)  # as the logistic regression sees them
    C, _ = inner_strength(X_train, prepared.y["train"], "binary", seed=cfg.train.seed)
    model = fitted.members["logistic"].baseline.estimator[-1]
    assert model.C == C
    # Other validation labels change the choice among the models, never the fitted strength.
    flipped = replace(prepared, y={**prepared.y, "valid": 1 - prepared.y["valid"]})
    again = fit_baseline_for(cfg, flipped).members["logistic"].baseline.estimator[-1]
    assert again.C == C
    np.testing.assert_array_equal(again.coef_, model.coef_)


def test_a_named_baseline_fits_that_model_alone_and_fast_the_earlier_one(tmp_path):
    path = xor_motifs(tmp_path / "xor.csv", n=200)
    _, _, forest = _fit(path, baseline="random_forest")
    assert list(forest.members) == ["random_forest"] and forest.selection is None
    assert forest.baseline.name == "random_forest"
    _, _, fast = _fit(path, baseline="fast")
    assert fast.members == {} and fast.baseline.name == "logistic"
    assert fast.features.description == "4-mer frequencies + position-wise one-hot"
    assert forest.features.description == "1- to 4-mer frequencies + position-wise one-hot"
    assert fast.baseline.estimator[-1].C == 1.0


def test_unknown_baseline_names_the_choices(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"baseline.name: expected one of auto, fast, logistic, random_forest, "
        r"gradient_boosting, got .xgboost.",
    ):
        build_config(train=str(tmp_path / "x.csv"), baseline="xgboost")


def test_without_a_validation_part_the_choice_uses_held_out_training_rows(tmp_path):
    _, prepared, fitted = _fit(xor_motifs(tmp_path / "xor.csv", n=300), valid_size=0.0)
    assert "valid" not in prepared.present()
    assert fitted.selection == "train-holdout"
    n_train = len(prepared.part("train"))
    chosen = fitted.members[fitted.chosen]
    assert chosen.n_fit == n_train and "refitted on the whole training part" in chosen.settings
    others = [m for k, m in fitted.members.items() if k != fitted.chosen]
    assert all(m.n_fit == n_train - round(0.2 * n_train) for m in others)


def test_large_training_parts_are_subsampled_and_scored_in_blocks(tmp_path, monkeypatch):
    cfg, prepared, _ = _fit(xor_motifs(tmp_path / "xor.csv", n=300))
    monkeypatch.setattr(panel_fitting, "LINEAR_MAX_ROWS", 150)
    monkeypatch.setattr(panel_fitting, "tree_rows", lambda n_features: 100)
    fitted = fit_baseline_for(cfg, prepared)
    n_fit = {k: m.n_fit for k, m in fitted.members.items()}
    assert n_fit == {"logistic": 150, "random_forest": 100, "gradient_boosting": 100}
    whole = fitted.predict(prepared.part("train"))
    monkeypatch.setattr(panel_fitting, "ROW_BLOCK", 17)
    np.testing.assert_array_equal(fitted.predict(prepared.part("train")), whole)
    blocks = fitted.predict_members(prepared.part("test"))
    monkeypatch.setattr(panel_fitting, "ROW_BLOCK", 10_000)
    for key, scores in fitted.predict_members(prepared.part("test")).items():
        np.testing.assert_array_equal(blocks[key], scores)


def test_the_linear_model_takes_fewer_rows_when_each_row_stores_many_values(tmp_path, monkeypatch):
    cfg, prepared, _ = _fit(xor_motifs(tmp_path / "xor.csv", n=300))
    X = fit_baseline_for(cfg, prepared).features(prepared.part("train"))
    per_row = X.nnz / X.shape[0]
    monkeypatch.setattr(panel_fitting, "PROBE_ROWS", 20)
    budget = 120 * per_row  # stored values: room for about 120 of these rows
    monkeypatch.setattr(panel_fitting, "linear_rows", lambda values: int(budget // values))
    fitted = fit_baseline_for(cfg, prepared)
    assert 110 <= fitted.members["logistic"].n_fit <= 130  # the budget's rows, not all 210
    assert fitted.members["random_forest"].n_fit == fitted.members["logistic"].n_fit
    budget = 10**12
    n_train = len(prepared.part("train"))
    assert fit_baseline_for(cfg, prepared).members["logistic"].n_fit == n_train


def test_a_run_names_the_chosen_baseline_in_the_verdict_table_and_report(tmp_path):
    path = xor_motifs(tmp_path / "xor.csv", n=300)
    result = biodl.train(path, out=tmp_path / "run", **QUICK)
    results = result.results
    panel = results.baseline_panel
    assert panel is not None and [m.key for m in panel.members] == list(PANEL)
    chosen = panel.chosen_member
    assert results.baseline.name == chosen.name
    verdict = results.comparison.verdict
    assert f"the {chosen.name} baseline" in verdict and "the best on validation" in verdict
    assert chosen.valid[panel.metric] == max(m.valid[panel.metric] for m in panel.members)
    for m in panel.members:
        assert m.seconds >= 0 and m.n_fit == panel.n_train
        assert set(m.valid) == set(m.final) == set(results.model.splits["test"].estimates)
    # The chosen model's final metrics are the run's baseline metrics.
    for name, e in results.baseline.splits["test"].estimates.items():
        assert chosen.final[name] == pytest.approx(e.value)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["baseline_panel"]["chosen"] == panel.chosen
    assert biodl.load_results(tmp_path / "run") == results
    summary = result.summary()
    assert f"{chosen.name}" in summary and "<- baseline (best on validation)" in summary
    html = (tmp_path / "run" / "report.html").read_text()
    assert "Baseline panel" in html and "gradient boosting" in html and "Fit (s)" in html


def test_cross_validation_chooses_the_baseline_on_each_fold(tmp_path):
    path = xor_motifs(tmp_path / "xor.csv", n=240)
    result = biodl.cross_validate(path, folds=2, out=tmp_path / "cv", **QUICK)
    chosen = result.results.baseline.chosen
    assert chosen is not None and sum(chosen.values()) == 2
    assert set(result.folds[result.folds["who"] == "baseline"]["baseline"]) <= {
        "logistic regression",
        "random forest",
        "gradient boosting",
    }
    assert "best of the classical panel on that fold's validation part" in (
        result.results.comparison.verdict
    )
    assert "baseline chosen per fold" in result.summary()
    assert biodl.load_results(tmp_path / "cv") == result.results


def test_records_drop_their_extra_boosting_beside_the_panel_that_holds_it(tmp_path):
    from biodl.data.synthetic_icu import write_icu_records
    from biodl.kinds import get_kind

    root = write_icu_records(tmp_path, n_records=60, seed=0, signal=3.0)
    options = {"train": str(root / "records"), "labels": str(root / "Outcomes.txt")}
    for name, extras in (("auto", []), ("fast", ["gradient boosting on summary statistics"])):
        cfg = build_config(**options, baseline=name)
        prepared = prepare_run_data(cfg)
        found = get_kind("records").extra_baselines(cfg, prepared)
        assert [e.name for e in found] == extras
