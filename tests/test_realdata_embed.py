"""`biodl embed` on the Golub ALL/AML microarrays: PCA and the VAE (default settings) keep
ALL and AML apart (silhouette of the label > 0)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app


@pytest.mark.realdata
@pytest.mark.slow
def test_golub_embed_separates_all_and_aml(shared_data, tmp_path):
    folder = shared_data / "expression" / "golub_all_aml"
    out = tmp_path / "golub"
    result = CliRunner().invoke(
        app,
        [
            "embed",
            str(folder / "data_set_ALL_AML_train.csv"),
            "--genes-as-rows",
            "--labels",
            str(folder / "actual.csv"),
            "--methods",
            "pca,vae",
            "--color-by",
            "cancer",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "comparison.csv").set_index("method")
    print(table.T)
    assert table.loc["pca", "cancer_silhouette"] > 0
    assert table.loc["vae", "cancer_silhouette"] > 0
    assert json.loads((out / "metrics.json").read_text())["samples"]["total"] == 38
