"""`biodl train` on expression matrices: planted signal, preprocessing on train only, sparse
batches, .h5ad input, predict, and bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import yaml
from typer.testing import CliRunner

from biodl.cli import app
from biodl.config import RunConfig
from biodl.data.expression import read_expression
from biodl.data.preprocess import Preprocessing, PreprocessOptions, fit_preprocessing
from biodl.errors import DataWarning
from biodl.kinds import prepare_run_data
from biodl.kinds.expression import EXPRESSION, ExpressionBatches

runner = CliRunner()
FAST = ["--epochs", "15", "--bootstrap", "50", "--quiet", "--patience", "0"]


def _planted(rng: np.random.Generator, n: int = 120, genes: int = 40):
    """Counts where genes 0-4 are 4x higher in class 'tumor' (half the samples)."""
    y = np.array(["normal", "tumor"] * (n // 2))
    rate = rng.gamma(2.0, 5.0, size=genes)
    lam = np.tile(rate, (n, 1))
    lam[y == "tumor", :5] *= 4.0
    X = rng.poisson(lam).astype(np.float32)
    ids = [f"S{i:03d}" for i in range(n)]
    return X, ids, [f"G{j}" for j in range(genes)], y


@pytest.fixture
def planted(tmp_path, rng) -> tuple[Path, Path]:
    X, ids, genes, y = _planted(rng)
    data = tmp_path / "counts.csv"
    pd.DataFrame(X, index=pd.Index(ids, name="sample"), columns=genes).to_csv(data)
    meta = tmp_path / "meta.csv"
    pd.DataFrame({"sample": ids, "status": y, "batch": ["a", "b", "c"] * 40}).to_csv(
        meta, index=False
    )
    return data, meta


def biodl(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def test_train_learns_planted_signal(tmp_path, planted):
    data, meta = planted
    run = tmp_path / "run"
    result = biodl("train", data, "--labels", meta, "--label-column", "status", "--out", run, *FAST)
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["model"]["test"]["accuracy"] >= 0.9
    assert metrics["baseline"]["test"]["accuracy"] >= 0.9
    info = json.loads((run / "model" / "model.json").read_text())
    assert info["kind"] == "expression"
    inputs = info["inputs"]
    assert inputs["options"] == {"normalize": True, "log1p": True, "scale": True, "hvg": None}
    assert inputs["in_features"] == 40
    assert (run / "report.html").is_file()
    # the saved model predicts the same file again, through the CLI
    pred = tmp_path / "pred.csv"
    result = biodl("predict", run, data, "--out", pred)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pred)
    assert len(table) == 120


def test_mlp_on_an_autoencoder_pretrained_on_the_training_samples(tmp_path, planted):
    data, meta = planted
    run = tmp_path / "run"
    encoder = ["--set", "model.encoder=vae", "--set", "model.n_latent=4"]
    frozen = ["--set", "model.freeze_encoder=true", "--epochs", "40"]
    args = ["--labels", meta, "--label-column", "status", "--out", run, *FAST, *encoder, *frozen]
    result = biodl("train", data, *args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["model"]["test"]["accuracy"] >= 0.85  # the planted genes survive the code
    pretraining = metrics["training"]["pretraining"]
    assert pretraining["encoder"] == "vae" and pretraining["frozen"] is True
    assert pretraining["samples"] == metrics["data"]["n_train"]  # unsupervised, train part only
    assert json.loads((run / "model" / "model.json").read_text())["params"]["encoder"] == "vae"
    assert "was fitted without labels on the" in (run / "report.html").read_text()
    # the saved classifier (encoder included) is rebuilt from its parameters and predicts alike
    pred = tmp_path / "pred.csv"
    assert biodl("predict", run, data, "--out", pred).exit_code == 0
    again = pd.read_csv(pred).set_index("id")
    saved = pd.read_csv(run / "predictions.csv").set_index("id")
    np.testing.assert_allclose(again.loc[saved.index, "prob_tumor"], saved["prob_tumor"], atol=1e-5)


def test_preprocessing_fitted_on_train_part_only(planted):
    data, meta = planted
    cfg = RunConfig.from_dict(
        {"data": {"train": str(data), "labels": str(meta), "label_columns": ["status"]}}
    )
    prepared = prepare_run_data(cfg, seed=0)
    inputs = EXPRESSION.fit_inputs(cfg, prepared, "mlp", {})
    train = prepared.parts["train"]
    reference = fit_preprocessing(
        train.X, train.genes, PreprocessOptions(normalize=True, log1p=True, scale=True)
    )
    fitted = Preprocessing.from_dict(inputs["preprocessing"])
    np.testing.assert_allclose(fitted.mean, reference.mean, rtol=1e-6)  # type: ignore[arg-type]
    everything = read_expression(data)
    lognorm = np.log1p(everything.X / everything.X.sum(1, keepdims=True) * 1e4)
    assert not np.allclose(fitted.mean, lognorm.mean(0), atol=1e-3)  # type: ignore[arg-type]
    rows = [everything.ids.index(i) for i in train.ids]
    np.testing.assert_allclose(fitted.mean, lognorm[rows].mean(0), rtol=1e-4)  # type: ignore[arg-type]
    assert len(train) + len(prepared.parts["valid"]) + len(prepared.parts["test"]) == 120


def test_sparse_batches_equal_dense_batches(rng):
    X, _, genes, _ = _planted(rng, n=30, genes=12)
    prep = fit_preprocessing(X, genes, PreprocessOptions(normalize=True, scale=True, hvg=8))
    y = np.arange(30) % 2
    dense = ExpressionBatches(X, prep, y)
    sparse = ExpressionBatches(sp.csr_matrix(X), prep, y)
    index = np.array([3, 17, 0, 29])
    a, b = dense[index], sparse[index]
    assert a.inputs[0].shape == (4, 8)
    np.testing.assert_allclose(a.inputs[0].numpy(), b.inputs[0].numpy(), rtol=1e-5, atol=1e-5)
    assert a.y.tolist() == b.y.tolist() == [1, 1, 0, 1]
    assert sparse.sparse and sp.issparse(sparse._X)  # the full matrix stays sparse


def test_h5ad_sparse_with_obs_labels(tmp_path, rng):
    anndata = pytest.importorskip("anndata")
    X, ids, genes, y = _planted(rng)
    adata = anndata.AnnData(
        X=sp.csr_matrix(X),
        obs=pd.DataFrame({"status": y}, index=ids),
        var=pd.DataFrame(index=genes),
    )
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    assert EXPRESSION.detect(path)
    run = tmp_path / "run"
    result = biodl("train", path, "--out", run, "--hvg", "20", *FAST)
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["model"]["test"]["accuracy"] >= 0.85
    assert metrics["data"]["sparse"] is True
    info = json.loads((run / "model" / "model.json").read_text())
    assert len(info["inputs"]["preprocessing"]["genes_out"]) == 20


def test_detect(tmp_path, rng, planted):
    data, _ = planted
    assert EXPRESSION.detect(data)
    seqs = tmp_path / "seqs.csv"
    seqs.write_text("id,sequence,label\na,ACGTACGTACGTACGTACGTACGT,x\n")
    assert not EXPRESSION.detect(seqs)
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("id,a,b\nx,1,2\n")
    assert not EXPRESSION.detect(narrow)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--label-column", "tumor"], "no metadata column 'tumor' (columns: 'status', 'batch')"),
        ([], "which metadata column is the label? (columns: 'status', 'batch')"),
        (
            ["--label-column", "status", "--split", "similarity"],
            "--split similarity: not available for expression data; this kind supports "
            "stratified, random, group, predefined",
        ),
        (["--label-column", "status", "--layer", "counts"], "--layer and --raw apply to .h5ad"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path, planted, extra, message):
    data, meta = planted
    run = tmp_path / "bad"
    result = biodl("train", data, "--labels", meta, "--out", run, "--quiet", *extra)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not run.exists() and not list(tmp_path.glob(".bad.partial-*"))


def test_bad_data_exit_2(tmp_path, planted):
    data, _ = planted
    meta = tmp_path / "other.csv"
    meta.write_text("sample,status\n" + "".join(f"P{i},x\n" for i in range(10)))
    result = biodl("train", data, "--labels", meta, "--out", tmp_path / "r", "--quiet")
    assert result.exit_code == 2 and "120 of 120 samples" in result.stderr
    one = tmp_path / "one.csv"
    ids = pd.read_csv(data)["sample"]
    one.write_text("sample,status\n" + "".join(f"{i},x\n" for i in ids))
    result = biodl("train", data, "--labels", one, "--out", tmp_path / "r", "--quiet")
    assert result.exit_code == 2 and "one class only ('x')" in result.stderr
    bad = tmp_path / "nan.csv"
    bad.write_text("id," + ",".join(f"g{j}" for j in range(12)) + "\n")
    bad.write_text(bad.read_text() + "a," + ",".join(["1"] * 11) + ",nan\nb," + "2," * 11 + "3\n")
    result = biodl("train", bad, "--out", tmp_path / "r", "--quiet")
    assert result.exit_code == 2 and "sample 'a' gene 'g11'" in result.stderr
    assert not (tmp_path / "r").exists()


def test_zero_variance_and_scale_warnings(tmp_path, planted):
    data, meta = planted
    table = pd.read_csv(data)
    table["G0"] = 3.0
    table.to_csv(data, index=False)
    cfg = RunConfig.from_dict(
        {
            "data": {
                "train": str(data),
                "labels": str(meta),
                "label_columns": ["status"],
                "log1p": False,
            }
        }
    )
    prepared = prepare_run_data(cfg, seed=0)
    EXPRESSION.fit_inputs(cfg, prepared, "mlp", {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepared.emit_warnings()
    text = " ".join(str(w.message) for w in caught if issubclass(w.category, DataWarning))
    assert "1 of 40 genes have zero variance" in text
    assert "unlogged counts" in text


def test_tune_searches_the_expression_mlp_space(tmp_path, planted):
    data, meta = planted
    out = tmp_path / "tune"
    args = ["tune", data, "--set", f"data.labels={meta}", "--label-column", "status"]
    result = biodl(
        *args, "--trials", "2", "--search", "random", "--epochs", "2", "--out", out, "-q"
    )
    assert result.exit_code == 0, result.output
    trials = pd.read_csv(out / "trials.csv")
    assert {"params_model.width", "params_model.depth"} <= set(trials.columns)
    best = yaml.safe_load((out / "best_config.yaml").read_text())
    assert best["model"]["params"]["width"] in (64, 256, 512)


def test_cv_report_counts_samples_not_sequences(tmp_path, planted):
    data, meta = planted
    out = tmp_path / "cv"
    result = biodl(
        "cv", data, "--labels", meta, "--label-column", "status", "--folds", "2",
        "--model", "mlp", "--out", out, "--epochs", "2", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<th>Examples</th><td>120</td>" in page.replace("\n", "")
    assert "Sequences" not in page and "held-out sequences" not in page
