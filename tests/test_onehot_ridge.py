"""The additive one-hot ridge baseline of fixed-length sequence regression (deep mutational
scans): it joins the baseline panel, and on a planted additive signal (one weight per position
and letter) it beats ridge on k-mer frequencies, which cannot tell where a letter sits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from biodl.config import build_config
from biodl.evaluation.panel import PANEL
from biodl.kinds import get_kind, prepare_run_data
from biodl.pipeline.baselines import fit_baseline_for

LETTERS = np.array(list("ACGT"))


def additive(path: Path, n: int = 600, length: int = 30, seed: int = 0) -> Path:
    """y = sum over positions of a weight for the letter there, plus a little noise."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(length, 4))
    codes = rng.integers(0, 4, size=(n, length))
    y = weights[np.arange(length), codes].sum(axis=1) + 0.3 * rng.normal(size=n)
    seqs = ["".join(LETTERS[c]) for c in codes]
    pd.DataFrame({"sequence": seqs, "y": y}).to_csv(path, index=False)
    return path


def _fit(path: Path, **options):
    cfg = build_config(train=str(path), task="regression", seed=0, **options)
    prepared = prepare_run_data(cfg)
    return cfg, prepared, fit_baseline_for(cfg, prepared)


def _valid_spearman(fitted, prepared) -> dict[str, float]:
    y = prepared.y["valid"][:, 0]
    return {k: spearmanr(y, s[:, 0]).statistic for k, s in fitted.selection_scores.items()}


def test_onehot_ridge_joins_the_panel_and_beats_kmers_on_an_additive_signal(tmp_path):
    path = additive(tmp_path / "dms.csv")
    _, prepared, fitted = _fit(path, positional=False)  # the panel on k-mer frequencies only
    assert list(fitted.members) == [*PANEL, "onehot_ridge"]
    rho = _valid_spearman(fitted, prepared)
    assert rho["onehot_ridge"] > 0.9
    assert max(rho[k] for k in PANEL) < rho["onehot_ridge"] - 0.3
    assert fitted.chosen == "onehot_ridge"
    assert "one-hot" in fitted.members["onehot_ridge"].settings


def test_onehot_ridge_only_for_regression_on_one_length(tmp_path):
    path = additive(tmp_path / "dms.csv", n=200)
    cfg, prepared, _ = _fit(path, baseline="logistic")
    (extra,) = get_kind("sequence").extra_baselines(cfg, prepared)
    assert extra.panel_key == "onehot_ridge" and "30 positions" in extra.features
    model = extra.fit(prepared.part("train"), prepared.y["train"])
    assert model.predict_scores(prepared.part("valid")).shape == (len(prepared.y["valid"]), 1)
    table = pd.read_csv(path)
    table["y"] = np.where(table["y"] > 0, "up", "down")
    table.to_csv(tmp_path / "classes.csv", index=False)
    cfg = build_config(train=str(tmp_path / "classes.csv"), seed=0)
    assert get_kind("sequence").extra_baselines(cfg, prepare_run_data(cfg)) == []
    table = pd.read_csv(path)
    table.loc[::2, "sequence"] = table.loc[::2, "sequence"].str[:25]  # two lengths
    table.to_csv(tmp_path / "lengths.csv", index=False)
    cfg = build_config(train=str(tmp_path / "lengths.csv"), task="regression", seed=0)
    assert get_kind("sequence").extra_baselines(cfg, prepare_run_data(cfg)) == []


def test_the_printed_panel_keeps_a_gap_after_the_additive_ridge_name():
    from types import SimpleNamespace

    from biodl.evaluation.panel_results import BaselinePanel, PanelMember
    from biodl.pipeline.train import panel_lines

    members = [
        PanelMember("random_forest", "random forest", "", 90, 1.0, {"spearman": 0.9}, {}),
        PanelMember("onehot_ridge", "additive one-hot ridge", "", 90, 2.0, {"spearman": 0.8}, {}),
    ]
    panel = BaselinePanel("random_forest", "spearman", "valid", "test", 90, members)
    lines = panel_lines(SimpleNamespace(baseline_panel=panel))  # type: ignore[arg-type]
    assert any(line.startswith("  additive one-hot ridge  0.800 / -") for line in lines), lines
    # the columns stay aligned: every value starts where the others do
    starts = {line.index("0.") for line in lines[2:]}
    assert len(starts) == 1, lines


def test_onehot_ridge_fits_on_the_varying_positions_only_with_the_same_predictions(tmp_path):
    """A mutational scan: only a few positions vary. The ridge sees those positions' columns
    (leave-one-out costs grow with the columns) and predicts as on every column."""
    from biodl.data.kmers import positional_onehot
    from biodl.evaluation.baselines import fit_baseline
    from biodl.kinds.sequence import OnehotRidge

    table = pd.read_csv(additive(tmp_path / "dms.csv", n=300, length=6))
    table["sequence"] = "ACGTACGTAC" + table["sequence"] + "GGTTAACC"  # 18 constant positions
    table.to_csv(tmp_path / "scan.csv", index=False)
    cfg = build_config(train=str(tmp_path / "scan.csv"), task="regression", seed=0)
    prepared = prepare_run_data(cfg)
    train, valid, y = prepared.part("train"), prepared.part("valid"), prepared.y["train"]
    model = OnehotRidge(24).fit(train, y)
    X = positional_onehot(train, 24)
    assert model.model.n_features == 24  # 6 varying positions x 4 letters, of 96 columns
    everything = fit_baseline("logistic", X, y, "regression")
    expected = everything.predict_scores(positional_onehot(valid, 24))
    np.testing.assert_allclose(model.predict_scores(valid), expected, rtol=1e-6, atol=1e-8)
