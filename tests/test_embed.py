"""`biodl embed` end to end on tiny synthetic data; each bad input exits 2 and writes nothing."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.simulate import simulate_counts

runner = CliRunner()


@pytest.fixture(scope="module")
def counts_csv(tmp_path_factory) -> tuple[Path, Path]:
    """90 cells x 40 genes of 3 planted types (counts), and a metadata CSV."""
    sim = simulate_counts(90, 40, n_types=3, markers=8, fold=3.0, depth=800, seed=0)
    folder = tmp_path_factory.mktemp("embed")
    ids = [f"c{i}" for i in range(90)]
    table = pd.DataFrame(sim.counts, columns=[f"g{j}" for j in range(40)])
    table.insert(0, "id", ids)
    table.to_csv(folder / "counts.csv", index=False)
    meta = pd.DataFrame({"id": ids, "cell_type": sim.cell_type, "batch": sim.batch})
    meta["age"] = np.linspace(20, 80, 90)
    meta.to_csv(folder / "meta.csv", index=False)
    return folder / "counts.csv", folder / "meta.csv"


def _embed(data: Path, meta: Path, out: Path, *extra: str):
    args = ["embed", str(data), "--labels", str(meta), "--out", str(out), "--epochs", "3"]
    return runner.invoke(app, [*args, *extra])


def test_embed_writes_everything(counts_csv, tmp_path):
    data, meta = counts_csv
    out = tmp_path / "out"
    result = _embed(
        data,
        meta,
        out,
        "--methods",
        "pca,nmf,lda,tsne,ae,dae,vae",
        "--color-by",
        "cell_type,age",
    )
    assert result.exit_code == 0, result.output
    for method in ("pca", "nmf", "lda", "tsne", "ae", "dae", "vae"):
        coords = pd.read_csv(out / "coordinates" / f"{method}.csv")
        assert list(coords.columns) == ["id", f"{method}1", f"{method}2"] and len(coords) == 90
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["method"]) == {"pca", "nmf", "lda", "tsne", "ae", "dae", "vae"}
    assert table.set_index("method")["reconstruction_error"].notna().to_dict() == {
        "pca": True,
        "nmf": True,
        "lda": False,
        "tsne": False,
        "ae": True,
        "dae": True,
        "vae": True,
    }
    pca = table.set_index("method").loc["pca"]
    assert pca["cell_type_knn_accuracy"] > 0.9 and pca["cell_type_silhouette"] > 0
    assert "age_silhouette" not in table  # continuous: plotted, not scored
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["best"]["cell_type"] in table["method"].tolist()
    assert metrics["samples"] == {"total": 90, "fit": 72, "heldout": 18}
    assert (out / "plots" / "embedding_cell_type.png").is_file()
    assert (out / "plots" / "embedding_age.png").is_file()
    page = (out / "report.html").read_text()
    assert "keeps the groups best" in page and "<script src" not in page
    assert page.count("<script") <= 1  # at most the inline script that sorts the tables
    # --overwrite replaces a finished output folder
    again = _embed(data, meta, out, "--methods", "pca", "--overwrite")
    assert again.exit_code == 0 and not (out / "coordinates" / "nmf.csv").exists()


def test_h5ad_obsm_round_trip(tmp_path):
    anndata = pytest.importorskip("anndata")
    # more genes than the 50 PCs t-SNE starts from: sparse PCA, then t-SNE
    sim = simulate_counts(60, 80, n_types=2, markers=6, fold=3.0, seed=1, sparse=True)
    adata = anndata.AnnData(sim.counts)
    adata.obs_names = [f"cell{i}" for i in range(60)]
    adata.var_names = [f"g{i}" for i in range(80)]
    adata.obs["cell_type"] = sim.cell_type
    adata.write_h5ad(tmp_path / "cells.h5ad")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "embed",
            str(tmp_path / "cells.h5ad"),
            "--methods",
            "pca,tsne,vae",
            "--epochs",
            "2",
            "--color-by",
            "cell_type",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    back = anndata.read_h5ad(out / "embedding.h5ad")
    coords = pd.read_csv(out / "coordinates" / "pca.csv")
    assert list(back.obs_names) == coords["id"].tolist()
    assert np.allclose(back.obsm["X_pca"], coords[["pca1", "pca2"]].to_numpy())
    assert back.obsm["X_vae"].shape == (60, 2) and back.obsm["X_tsne"].shape == (60, 2)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--methods", "pca", "--color-by", "tissue"], "no metadata column 'tissue'.*'cell_type'"),
        (["--methods", "pca", "--dims", "95"], "too few for --dims 95"),
        (["--methods", "nmf", "--scale"], "nmf needs non-negative values.*raw or non-negative"),
        (["--methods", "tsne", "--perplexity", "500"], "perplexity 500 is too large for 90"),
        (["--methods", "lda"], "lda is supervised and needs a label"),
        (["--methods", "lda", "--label-column", "one"], "one class"),
        (["--methods", "pca,isomap"], "unknown method.*isomap"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(counts_csv, tmp_path, extra, match):
    import re

    data, meta = counts_csv
    one = tmp_path / "meta1.csv"
    frame = pd.read_csv(meta)
    frame["one"] = "x"
    frame.to_csv(one, index=False)
    out = tmp_path / "out"
    result = _embed(data, one, out, *extra)
    assert result.exit_code == 2
    assert re.search(match, result.output), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


@pytest.mark.slow
def test_umap(counts_csv, tmp_path):
    data, meta = counts_csv
    result = _embed(data, meta, tmp_path / "out", "--methods", "umap", "--color-by", "cell_type")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "comparison.csv")
    assert table["cell_type_knn_accuracy"].iloc[0] > 0.8


def test_progress_lines_per_method_and_quiet(counts_csv, tmp_path, capsys):
    from biodl.pipeline.embed import run_embed

    data, meta = counts_csv
    run_embed(data, metadata=str(meta), methods="pca,ae", epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "[1/2] pca: principal component analysis" in err
    assert "[2/2] ae: fitted in" in err
    run_embed(data, metadata=str(meta), methods="pca", progress=False)
    assert "[1/1]" not in capsys.readouterr().err
    quiet = _embed(data, meta, tmp_path / "q", "--methods", "pca", "--quiet")
    assert quiet.exit_code == 0 and "[1/1]" not in quiet.stderr


@pytest.mark.parametrize("where", ["raw", "layer", "none"])
def test_vae_uses_raw_counts_kept_beside_a_normalised_x(tmp_path, where):
    anndata = pytest.importorskip("anndata")
    import scipy.sparse as sp

    from biodl.pipeline.embed import run_embed

    sim = simulate_counts(60, 40, n_types=2, markers=6, fold=3.0, seed=2, sparse=True)
    counts = sp.csr_matrix(sim.counts, dtype=np.float32)
    lognorm = sp.diags(1e4 / np.asarray(counts.sum(axis=1)).ravel()) @ counts
    lognorm.data = np.log1p(lognorm.data)
    genes = [f"g{i}" for i in range(40)]
    full = anndata.AnnData(counts)  # .raw holds every gene; X only the first 30
    full.var_names = genes
    adata = anndata.AnnData(sp.csr_matrix(lognorm)[:, :30])
    adata.obs_names = [f"cell{i}" for i in range(60)]
    adata.var_names = genes[:30]
    adata.obs["cell_type"] = sim.cell_type
    if where == "raw":
        adata.raw = full
    elif where == "layer":
        adata.layers["counts"] = counts[:, :30]
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_embed(path, methods="pca,vae", color_by=["cell_type"], epochs=2)
    vae = result.table.set_index("method").loc["vae"]
    missing = [str(w.message) for w in caught if "no raw counts beside X" in str(w.message)]
    if where == "none":
        assert result.notes["vae"] == "VAE, 2 epochs"  # Gaussian, on the normalised X
        assert len(missing) == 1 and np.isfinite(vae["reconstruction_error"])
    else:
        source = ".raw" if where == "raw" else "layer 'counts'"
        assert result.notes["vae"].startswith(
            f"VAE, negative binomial on the raw counts in {source}"
        )
        assert not missing and np.isnan(vae["reconstruction_error"])  # X's scaling is not known
        assert result.coordinates["vae"].shape == (60, 2)


@pytest.mark.parametrize(("large", "second"), [(1000, "tsne"), (90, "umap")])
def test_default_methods_use_umap_instead_of_tsne_on_large_data(
    counts_csv, monkeypatch, large, second
):
    import biodl.pipeline.embed as embed

    calls: list[str] = []

    def record(name, *args):
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("stop after the second method")
        return embed.reduce(name, *args[:-1])

    monkeypatch.setattr(embed, "LARGE_SAMPLES", large)  # 90 cells: "large" when 90 or fewer
    monkeypatch.setattr(embed, "_reduce", record)
    data, meta = counts_csv
    with pytest.raises(RuntimeError, match="second method"):
        embed.run_embed(data, metadata=str(meta), color_by=["cell_type"])
    assert calls == ["pca", second]


def test_metadata_rows_of_no_sample_are_dropped_with_a_warning(counts_csv, tmp_path):
    data, meta = counts_csv
    more = tmp_path / "more.csv"
    table = pd.read_csv(meta)
    pd.concat([table, table.head(2).assign(id=["other1", "other2"])]).to_csv(more, index=False)
    result = _embed(data, more, tmp_path / "out", "--methods", "pca")
    assert result.exit_code == 0, result.output
    said = r"more.csv: 2 of 92 metadata rows name samples not found in .*counts.csv \(e.g. 'other1'"
    assert re.search(said, " ".join(result.output.split()))
    assert re.search(said, (tmp_path / "out" / "log.txt").read_text())
    every = _embed(data, meta, tmp_path / "o2", "--methods", "pca")  # every row names a sample
    assert every.exit_code == 0 and "metadata rows" not in every.output
