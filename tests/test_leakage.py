"""Leakage-aware splits and inspection end to end: group, predefined and similarity splits,
the near-duplicate leakage report, and `biodl inspect`, on data with planted leakage."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app

runner = CliRunner()
FAST = [
    "--epochs",
    "1",
    "--bootstrap",
    "20",
    "--quiet",
    "--set",
    "model.channels=8",
    "--set",
    "model.n_layers=1",
]


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def mutate(seq: str, n: int, rng: np.random.Generator) -> str:
    letters = list(seq)
    for pos in rng.choice(len(letters), n, replace=False):
        letters[pos] = "ACGT"[("ACGT".index(letters[pos]) + int(rng.integers(1, 4))) % 4]
    return "".join(letters)


@pytest.fixture
def leaky(tmp_path):
    """train.csv / test.csv: 200 random 200 bp sequences, 20% of test copied into train."""
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 200)) for _ in range(200)]
    labels = ["a" if i % 2 else "b" for i in range(200)]
    train = pd.DataFrame(
        {"id": [f"s{i}" for i in range(150)], "sequence": seqs[:150], "label": labels[:150]}
    )
    test = pd.DataFrame(
        {"id": [f"s{i}" for i in range(150, 200)], "sequence": seqs[150:], "label": labels[150:]}
    )
    copies = test.iloc[:10].copy()  # 20% of the 50 test sequences: 4 verbatim, 3 + 3 mutated
    copies["id"] = [f"copy{i}" for i in range(10)]
    copies["sequence"] = [
        s if i < 4 else mutate(s, 1 if i < 7 else 5, rng) for i, s in enumerate(copies["sequence"])
    ]
    train = pd.concat([train, copies], ignore_index=True)
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    return tmp_path


def test_leakage_report_counts_planted_copies_exactly(leaky):
    out = leaky / "run"
    result = run(
        "train",
        leaky / "train.csv",
        "--test",
        leaky / "test.csv",
        "--valid-size",
        "0",
        "--out",
        out,
        *FAST,
    )
    assert result.exit_code == 0, result.output
    leakage = json.loads((out / "metrics.json").read_text())["data"]["leakage"]
    assert leakage["identical_train_test"] == 4
    assert leakage["near_train_test"] == 10
    assert "4 of 50 test sequences are identical" in result.stderr
    assert "optimistic (leakage); remove duplicates or use --split similarity" in result.stderr


def test_a_mutational_scan_is_not_told_to_split_by_similarity():
    """FLIP GB1 / MPSA: every test variant is near a training one, and --split similarity
    refuses such data (one cluster); the warning recommended it all the same."""
    from biodl.data.sequence import SequenceSet
    from biodl.kinds import get_kind

    rng = np.random.default_rng(1)
    wild = "".join(rng.choice(list("ACGT"), 120))
    variants = [mutate(wild, 2, rng) for _ in range(60)]
    train = SequenceSet.from_strings(variants[:40])
    test = SequenceSet.from_strings(variants[40:])
    found = get_kind("sequence").leakage(train, test, 0.5)
    assert found.near - found.exact == 20
    assert "if they are one family (as in a mutational scan)" in found.fix
    assert "which --split similarity cannot separate" in found.fix
    # six families split at random look alike here, and similarity folds do separate them
    assert found.fix.endswith("if they come from several families, use --split similarity")


def test_inspect_counts_planted_copies_and_writes_html(leaky):
    html, js = leaky / "inspect.html", leaky / "inspect.json"
    result = run(
        "inspect", leaky / "train.csv", "--test", leaky / "test.csv", "--out", html, "--json", js
    )
    assert result.exit_code == 0, result.output
    assert "4 of 50 test sequences identical to a train sequence" in result.stdout
    data = json.loads(js.read_text())
    assert data["overlaps"][0]["identical"] == 4
    assert "data:image/png;base64" in html.read_text()


def test_similarity_split_keeps_near_copies_with_their_originals(leaky):
    combined = pd.concat(
        [pd.read_csv(leaky / "train.csv"), pd.read_csv(leaky / "test.csv")], ignore_index=True
    )
    combined.to_csv(leaky / "all.csv", index=False)
    out = leaky / "sim"
    result = run("train", leaky / "all.csv", "--split", "similarity", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"]["leakage"]["near_train_test"] == 0
    assert metrics["data"]["leakage"]["near_train_valid"] == 0
    assert "similarity split" in metrics["data"]["split"]
    random = leaky / "rand"
    assert (
        run("train", leaky / "all.csv", "--split", "random", "--out", random, *FAST).exit_code == 0
    )
    # With a plain random split some planted pairs land on both sides (seed 0: check it is > 0).
    leak = json.loads((random / "metrics.json").read_text())["data"]["leakage"]
    assert leak["near_train_test"] + leak["near_train_valid"] > 0


def test_group_split_from_a_column(tmp_path, motif_csv):
    table = pd.read_csv(motif_csv)
    table["patient"] = [f"p{i // 8}" for i in range(len(table))]
    path = tmp_path / "grouped.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "run"
    result = run(
        "train",
        path,
        "--label-column",
        "label",
        "--split",
        "group",
        "--group-column",
        "patient",
        "--out",
        out,
        *FAST,
    )
    assert result.exit_code == 0, result.output
    predictions = pd.read_csv(out / "predictions.csv").merge(table[["id", "patient"]], on="id")
    assert predictions.groupby("patient")["split"].nunique().max() == 1
    assert (
        "group split by 'patient'"
        in json.loads((out / "metrics.json").read_text())["data"]["split"]
    )


def test_predefined_split_from_a_column(tmp_path, motif_csv):
    table = pd.read_csv(motif_csv)
    table["set"] = [
        "test" if i % 5 == 0 else ("valid" if i % 5 == 1 else "train") for i in range(len(table))
    ]
    path = tmp_path / "sets.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "run"
    result = run(
        "train",
        path,
        "--label-column",
        "label",
        "--split",
        "predefined",
        "--split-column",
        "set",
        "--out",
        out,
        *FAST,
    )
    assert result.exit_code == 0, result.output
    predictions = pd.read_csv(out / "predictions.csv").merge(table[["id", "set"]], on="id")
    assert (predictions["split"] == predictions["set"]).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split", "group"], "--split group needs --group-column"),
        (["--split", "group", "--group-column", "has_gata"], "group column 'has_gata' has"),
        (["--split", "predefined", "--split-column", "label"], "column 'label'"),
    ],
)
def test_split_errors(tmp_path, motif_csv, args, message):
    result = run(
        "train", motif_csv, "--label-column", "is_enhancer", *args, "--out", tmp_path / "r", *FAST
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_cv_end_to_end(tmp_path, motif_csv):
    out = tmp_path / "cv"
    result = run(
        "cv",
        motif_csv,
        "--label-column",
        "label",
        "--folds",
        "3",
        "--repeats",
        "2",
        "--epochs",
        "1",
        "--set",
        "model.channels=8",
        "--set",
        "model.n_layers=1",
        "--set",
        "evaluate.n_bootstrap=10",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    folds = pd.read_csv(out / "folds.csv")
    assert len(folds) == 2 * 3 * 2  # repeats x folds x (model, baseline)
    assert folds.groupby(["repeat", "who"])["n_test"].sum().eq(240).all()
    metrics = json.loads((out / "metrics.json").read_text())
    acc = metrics["model"]["metrics"]["accuracy"]
    assert acc["mean"] == pytest.approx(np.mean(acc["values"]))
    assert metrics["comparison"]["n_folds"] == 6 and "Wilcoxon" in metrics["comparison"]["verdict"]
    assert "mean ± sd" in result.stdout or "±" in result.stdout
    html = (out / "report.html").read_text()
    assert "Results over 6 cross-validation folds" in html and "data:image/png;base64" in html


def test_cv_group_folds_and_errors(tmp_path, motif_csv):
    table = pd.read_csv(motif_csv)
    table["donor"] = [f"d{i % 6}" for i in range(len(table))]
    path = tmp_path / "donors.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "cv"
    result = run(
        "cv",
        path,
        "--label-column",
        "label",
        "--folds",
        "3",
        "--split",
        "group",
        "--group-column",
        "donor",
        "--epochs",
        "1",
        "--set",
        "model.channels=8",
        "--set",
        "model.n_layers=1",
        "--out",
        out,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    bad = run(
        "cv",
        path,
        "--label-column",
        "label",
        "--folds",
        "7",
        "--split",
        "group",
        "--group-column",
        "donor",
        "--out",
        tmp_path / "bad",
    )
    assert bad.exit_code == 2 and "has 6 groups, fewer than the 7 folds" in bad.stderr
    assert not (tmp_path / "bad").exists()
    few = run("cv", path, "--label-column", "label", "--folds", "500", "--out", tmp_path / "few")
    assert few.exit_code == 2 and "fewer than the 500 folds" in few.stderr
    files = run("cv", path, "--config", tmp_path / "nope.yaml", "--out", tmp_path / "x")
    assert files.exit_code == 2 and "no such config file" in files.stderr


def test_predefined_split_refuses_separate_files(tmp_path, motif_csv):
    result = run(
        "train",
        motif_csv,
        "--split",
        "predefined",
        "--split-column",
        "label",
        "--test",
        motif_csv,
        "--out",
        tmp_path / "r",
        *FAST,
    )
    assert result.exit_code == 2 and "do not also pass --valid or --test" in result.stderr


def test_missing_group_column_is_named(tmp_path, motif_csv):
    result = run(
        "train",
        motif_csv,
        "--label-column",
        "label",
        "--split",
        "group",
        "--group-column",
        "donor",
        "--out",
        tmp_path / "r",
        *FAST,
    )
    assert result.exit_code == 2
    assert "there is no column 'donor'" in result.stderr and "with --group-column" in result.stderr
