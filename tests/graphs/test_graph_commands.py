"""Graphs through the commands beside train: the scikit-learn estimators, tune and evaluate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from graph_data import AMINES, OTHERS, write_smiles
from sklearn.base import clone
from sklearn.metrics import accuracy_score
from sklearn.model_selection import cross_val_score

import biodl
from biodl.errors import DataError
from biodl.estimators import GraphClassifier, GraphRegressor
from biodl.kinds.graph import read_graphs

FAST = {"n_bootstrap": 20, "progress": False, "threads": 1}


def test_classifier_learns_the_planted_nitrogen_in_cross_validation() -> None:
    X = np.array((AMINES + OTHERS) * 3, dtype=object)
    y = np.array(([1] * len(AMINES) + [0] * len(OTHERS)) * 3)
    clf = GraphClassifier(epochs=30, lr=0.01, valid_size=0.0)
    scores = cross_val_score(clf, X, y, cv=3, scoring="accuracy")
    assert scores.mean() >= 0.85  # a nitrogen or not: learnt on every fold
    fitted = clone(clf).fit(X, y)
    assert list(fitted.classes_) == [0, 1] and fitted.node_fields_[0] == "element"
    proba = fitted.predict_proba(["CCCCCN", "CCCCCO"])
    assert proba.shape == (2, 2) and proba[0, 1] > proba[1, 1]


def test_regressor_on_tu_graphs_and_refusals(tu_folder: Path) -> None:
    graphs, labels, _, _ = read_graphs(str(tu_folder))
    assert labels is not None
    y = labels.iloc[:, 0].astype(float).to_numpy()
    reg = GraphRegressor(epochs=2, model="gcn").fit(graphs, y)
    assert reg.predict(graphs).shape == (len(graphs),)
    with pytest.raises(DataError, match="molecules and TU graphs do not mix"):
        reg.predict(["CCO"])
    with pytest.raises(DataError, match=r"X\[1\]: RDKit cannot parse the SMILES 'C1CC'"):
        GraphClassifier(epochs=1).fit(["CCO", "C1CC", "CCN"], [0, 1, 1])
    with pytest.raises(DataError, match="expected a sequence of SMILES strings or a GraphSet"):
        GraphClassifier(epochs=1).fit("CCO", [0])


def test_tune_and_evaluate_on_molecules(tmp_path: Path) -> None:
    table = write_smiles(tmp_path / "m.csv", repeat=4)
    study = biodl.tune(
        table, out=tmp_path / "tune", trials=2, epochs=2, label_columns=["active"], **FAST
    )
    assert len(study.trials) == 2 and (tmp_path / "tune" / "best_config.yaml").is_file()
    assert {"model.width", "model.readout"} <= set(study.best_params)  # the graph space
    biodl.train(table, out=tmp_path / "run", label_columns=["active"], epochs=20, lr=0.01, **FAST)
    new = write_smiles(tmp_path / "new.csv", repeat=1)
    evaluated = biodl.evaluate(tmp_path / "run", new, n_bootstrap=20)
    predicted = biodl.predict(tmp_path / "run", new)
    truth = [1] * len(AMINES) + [0] * len(OTHERS)
    accuracy = accuracy_score(truth, predicted["predicted"].astype(int))
    assert evaluated["n"] == 32
    assert evaluated["metrics"]["accuracy"] == pytest.approx(accuracy)


def test_predict_evaluate_explain_take_skip_invalid_as_their_error_says(tmp_path: Path) -> None:
    """solubility.csv through a FreeSolv run: 'pass --skip-invalid', which predict (and then
    explain) lacked."""
    from typer.testing import CliRunner

    from biodl.cli import app

    table = write_smiles(tmp_path / "m.csv", repeat=2)
    biodl.train(table, out=tmp_path / "run", label_columns=["active"], epochs=1, **FAST)
    new = write_smiles(tmp_path / "new.csv", repeat=1, extra="bad,C1CC,1,1.0\n")
    runner = CliRunner()
    explain = ["--out", str(tmp_path / "ex"), "--show-examples", "2"]
    for command, more in (("predict", []), ("evaluate", []), ("explain", explain)):
        args = [command, str(tmp_path / "run"), str(new), *more]
        refused = runner.invoke(app, args)
        assert refused.exit_code == 2 and "pass --skip-invalid" in refused.output, command
        done = runner.invoke(app, [*args, "--skip-invalid"])
        assert done.exit_code == 0, done.output
    out = tmp_path / "p.csv"
    runner.invoke(
        app, ["predict", str(tmp_path / "run"), str(new), "--skip-invalid", "-o", str(out)]
    )
    assert len(pd.read_csv(out)) == 32  # the 33rd row, RDKit cannot parse, is dropped
