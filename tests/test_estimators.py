"""scikit-learn compatibility of SequenceClassifier / SequenceRegressor, and the Python API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

import biodl
from biodl import SequenceClassifier, SequenceRegressor
from biodl.data.expression import ExpressionSet
from biodl.errors import DataError
from biodl.estimators.base import DeepClassifier, DeepEstimator, DeepRegressor

SMALL = {"channels": 8, "n_layers": 1}


def motif_data(n: int = 160, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(n):
        s = list(rng.choice(list("ACGT"), 40))
        if i % 2:
            p = int(rng.integers(0, 34))
            s[p : p + 6] = "GATAAG"
        X.append("".join(s))
        y.append(i % 2)
    return X, np.array(y)


def test_classifier_learns_a_planted_motif_and_keeps_label_values():
    X, y = motif_data(240)
    clf = SequenceClassifier(model_params=SMALL, epochs=15, lr=0.01, seed=0).fit(X[:200], y[:200])
    assert clf.classes_.tolist() == [0, 1]
    proba = clf.predict_proba(X[200:])
    assert proba.shape == (40, 2) and np.allclose(proba.sum(1), 1)
    assert set(clf.predict(X[200:])) <= {0, 1}
    assert clf.score(X[200:], y[200:]) > 0.8
    assert len(clf.history_) >= 1


def test_predictions_do_not_depend_on_batch_composition():
    X, y = motif_data(80)
    clf = SequenceClassifier(model_params=SMALL, epochs=1).fit(X, y)
    together = clf.predict_proba(X[:10])
    alone = np.vstack([clf.predict_proba([x]) for x in X[:10]])
    assert np.allclose(together, alone, atol=1e-6)


def test_string_labels_and_cross_val_score():
    X, y = motif_data(120)
    names = np.where(y == 1, "enhancer", "background")
    clf = SequenceClassifier(model_params=SMALL, epochs=2)
    scores = cross_val_score(clf, X, names, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    fitted = clone(clf).fit(X, names)
    assert fitted.classes_.tolist() == ["background", "enhancer"]


def test_get_set_params_and_pipeline():
    clf = SequenceClassifier(model="gru", epochs=1)
    assert clf.get_params()["model"] == "gru"
    clf.set_params(model="cnn", model_params=SMALL)
    X, y = motif_data(60)
    pipe = Pipeline([("net", clf)]).fit(X, y)
    assert pipe.predict(X[:3]).shape == (3,)


def test_unfitted_estimator_raises():
    with pytest.raises(NotFittedError):
        SequenceClassifier().predict(["ACGT"])


def test_regressor_on_protein():
    rng = np.random.default_rng(0)
    X = ["".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), 25)) for _ in range(150)]
    y = np.array([s.count("W") + s.count("Y") for s in X], dtype=float)
    reg = SequenceRegressor(model_params=SMALL, epochs=20, lr=0.01).fit(X[:120], y[:120])
    pred = reg.predict(X[120:])
    assert pred.shape == (30,)
    assert np.corrcoef(pred, y[120:])[0, 1] > 0.5


def test_bad_inputs():
    with pytest.raises(DataError, match="one string"):
        SequenceClassifier().fit("ACGT", [1])
    with pytest.raises(DataError, match="3 labels for 2 sequences"):
        SequenceClassifier().fit(["ACGT", "ACGA"], [0, 1, 1])
    with pytest.raises(DataError, match="use SequenceRegressor"):
        SequenceClassifier(valid_size=0).fit(
            ["ACGTT", "ACGAA", "AAAAA"] * 5, np.linspace(0, 1, 15) + 0.01
        )


def test_api_train_returns_result_and_load_run(tmp_path, motif_fasta):
    result = biodl.train(
        motif_fasta, out=tmp_path / "run", epochs=2, model_params=SMALL, n_bootstrap=20
    )
    assert result.run_dir == tmp_path / "run"
    assert "accuracy" in result.metrics["model"]["test"]
    assert "verdict" in result.metrics["comparison"] and result.summary().count("\n") > 5
    saved = biodl.load_run(tmp_path / "run")
    assert saved.info["model"] == "cnn"
    table = biodl.predict(tmp_path / "run", motif_fasta)
    assert len(table) == 240
    seqs = biodl.read_sequences(motif_fasta)
    assert len(seqs) == 240


def test_api_in_memory_run_writes_nothing(tmp_path, motif_fasta, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = biodl.train(motif_fasta, epochs=1, model_params=SMALL, n_bootstrap=20)
    assert result.run_dir is None and list(tmp_path.iterdir()) == []


def test_grid_search_cv_with_parallel_jobs():
    from sklearn.model_selection import GridSearchCV

    X, y = motif_data(90)
    search = GridSearchCV(
        SequenceClassifier(model_params=SMALL, epochs=1, threads=1),
        {"lr": [1e-3, 1e-2]},
        cv=2,
        n_jobs=2,
    )
    search.fit(X, y)
    assert set(search.cv_results_["param_lr"]) == {1e-3, 1e-2}
    assert search.best_estimator_.predict(X[:4]).shape == (4,)


class _ProfileEstimator(DeepEstimator):
    """A kind's estimators are its name, its word for a sample and its reading of X."""

    kind = "expression"
    noun = ("profile", "profiles")

    def _read(self, X):
        values = np.asarray(X, dtype=np.float32)
        ids = [f"s{i}" for i in range(len(values))]
        genes = [f"g{j}" for j in range(values.shape[1])]
        return ExpressionSet(values, ids, genes, pd.DataFrame(index=ids))


class ProfileClassifier(DeepClassifier, _ProfileEstimator):
    pass


class ProfileRegressor(DeepRegressor, _ProfileEstimator):
    pass


def test_a_new_kind_is_its_name_and_its_reading_of_x():
    rng = np.random.default_rng(0)
    y = np.arange(120) % 2
    X = rng.normal(size=(120, 20)) + 1.5 * y[:, None]
    clf = ProfileClassifier(epochs=5).fit(X[:100], np.where(y[:100], "up", "flat"))
    assert clf.model_.info["kind"] == "expression" and clf.classes_.tolist() == ["flat", "up"]
    assert clf.score(X[100:], np.where(y[100:], "up", "flat")) > 0.9
    assert clone(clf).get_params() == clf.get_params()
    reg = ProfileRegressor(epochs=2, valid_size=0).fit(X, X[:, 0])
    assert reg.predict(X[:3]).shape == (3,)
    with pytest.raises(DataError, match="3 labels for 4 profiles; give one per profile"):
        ProfileClassifier().fit(X[:4], y[:3])
    with pytest.raises(DataError, match="use ProfileRegressor for regression"):
        ProfileClassifier(valid_size=0).fit(X[:15], np.linspace(0, 1, 15) + 0.01)

    class Unread(DeepClassifier):
        kind = "expression"

    with pytest.raises(NotImplementedError, match="Unread does not say how to read X"):
        Unread().fit(X, y)
