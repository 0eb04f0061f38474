"""Each input file is read once per command (issue 12, point 3).

The readers are counted where the bytes are parsed: ``pandas.read_csv`` on a path (a peek of
the first rows, ``nrows=``, as kind detection does, is not a reading), a whole file read by
:mod:`biodl.data.input_files` (which pandas, and the sequence readers'
:func:`biodl.data._files.open_stream`, then parse from memory), ``anndata.read_h5ad`` and the
image header reader.
Before, the sequence file and an image CSV were read twice with a group or split column, the
labels and metadata tables once per part plus once more, and an ``.h5ad`` three times by
``biodl embed``.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import biodl.data.images as images_module
import biodl.data.input_files as input_files
from biodl.config import RunConfig
from biodl.kinds import prepare_run_data

N = 60


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """File name -> times read, for every reader counted (see the module docstring)."""
    counts: Counter[str] = Counter()
    read_csv = pd.read_csv

    def counted_read_csv(source: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(source, (str, os.PathLike)) and kwargs.get("nrows") is None:
            counts[Path(source).name] += 1
        return read_csv(source, *args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", counted_read_csv)
    read_file = input_files.read_file  # the bytes readers parse (biodl.data.input_files)

    def counted_read_file(path: Path) -> bytes:
        counts[Path(path).name] += 1
        return read_file(path)

    monkeypatch.setattr(input_files, "read_file", counted_read_file)
    # The sequence readers' open_stream reads through input_files.read_file, counted above.
    header = images_module.header

    def counted_header(path: Any) -> Any:
        counts["image headers"] += 1
        return header(path)

    monkeypatch.setattr(images_module, "header", counted_header)
    try:
        import anndata
    except ImportError:  # pragma: no cover - anndata is a dependency
        return counts
    read_h5ad = anndata.read_h5ad

    def counted_read_h5ad(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)):  # bytes already read are counted above
            counts[Path(path).name] += 1
        return read_h5ad(path, *args, **kwargs)

    monkeypatch.setattr(anndata, "read_h5ad", counted_read_h5ad)
    return counts


def side_columns() -> dict[str, Any]:
    return {"label": ["a", "b"] * (N // 2), "group": np.repeat([f"g{i}" for i in range(12)], 5)}


def prepare(data: dict[str, Any]) -> Any:
    return prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)


def test_sequence_table_with_a_group_column_is_read_once(
    tmp_path: Path, reads: Counter[str]
) -> None:
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(N)]
    table = pd.DataFrame({"id": [f"s{i}" for i in range(N)], "sequence": seqs, **side_columns()})
    table.to_csv(tmp_path / "seqs.csv", index=False)
    prepared = prepare(
        {"train": str(tmp_path / "seqs.csv"), "split": "group", "group_column": "group"}
    )
    assert list(prepared.part("train").labels.columns) == ["label"]  # no label column given
    assert reads["seqs.csv"] == 1


def test_one_labels_table_for_three_fasta_files_is_read_once(
    tmp_path: Path, reads: Counter[str]
) -> None:
    rng = np.random.default_rng(1)
    rows = []
    for name, n in (("train", 60), ("valid", 20), ("test", 20)):
        ids = [f"{name}{i}" for i in range(n)]
        (tmp_path / f"{name}.fa").write_text(
            "".join(f">{i}\n{''.join(rng.choice(list('ACGT'), 30))}\n" for i in ids)
        )
        rows += [f"{i},{'ab'[k % 2]}" for k, i in enumerate(ids)]
    (tmp_path / "labels.csv").write_text("id,label\n" + "\n".join(rows) + "\n")
    data = {name: str(tmp_path / f"{name}.fa") for name in ("train", "valid", "test")}
    prepared = prepare({**data, "labels": str(tmp_path / "labels.csv")})
    assert [len(prepared.part(name)) for name in ("train", "valid", "test")] == [60, 20, 20]
    assert reads["labels.csv"] == 1
    assert [reads[f"{name}.fa"] for name in ("train", "valid", "test")] == [1, 1, 1]


def test_image_csv_with_a_group_column_is_read_once(tmp_path: Path, reads: Counter[str]) -> None:
    rng = np.random.default_rng(2)
    (tmp_path / "img").mkdir()
    for i in range(N):
        Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(
            tmp_path / f"img/{i}.png"
        )
    paths = [f"img/{i}.png" for i in range(N)]
    pd.DataFrame({"path": paths, **side_columns()}).to_csv(tmp_path / "images.csv", index=False)
    prepared = prepare(
        {"train": str(tmp_path / "images.csv"), "split": "group", "group_column": "group"}
    )
    assert list(prepared.part("train").labels.columns) == ["label"]
    assert reads["images.csv"] == 1 and reads["image headers"] == N


def test_series_csv_with_a_group_column_is_read_once(tmp_path: Path, reads: Counter[str]) -> None:
    rng = np.random.default_rng(3)
    values = pd.DataFrame(rng.normal(size=(N, 12)), columns=[f"t{j}" for j in range(12)])
    table = pd.concat([pd.DataFrame({"id": range(N), **side_columns()}), values], axis=1)
    table.to_csv(tmp_path / "series.csv", index=False)
    data = {"train": str(tmp_path / "series.csv"), "kind": "timeseries", "split": "group"}
    prepared = prepare({**data, "group_column": "group"})
    assert list(prepared.part("train").labels.columns) == ["label"]
    assert prepared.part("train").values.shape[1:] == (1, 12)  # 'group' is not a time point
    assert reads["series.csv"] == 1


def write_counts(path: Path, ids: list[str], rng: np.random.Generator) -> Path:
    table = pd.DataFrame(rng.poisson(8.0, (len(ids), 12)), columns=[f"g{j}" for j in range(12)])
    table.insert(0, "sample", ids)
    table.to_csv(path, index=False)
    return path


def test_expression_metadata_serving_three_matrices_is_read_once(
    tmp_path: Path, reads: Counter[str]
) -> None:
    rng = np.random.default_rng(4)
    parts = {"train": 40, "valid": 12, "test": 12}
    every = []
    for name, n in parts.items():
        ids = [f"{name}{i}" for i in range(n)]
        write_counts(tmp_path / f"{name}.csv", ids, rng)
        every += ids
    pd.DataFrame({"sample": every, "cell": ["T", "B"] * (len(every) // 2)}).to_csv(
        tmp_path / "meta.csv", index=False
    )
    data = {name: str(tmp_path / f"{name}.csv") for name in parts}
    prepare({**data, "labels": str(tmp_path / "meta.csv"), "label_columns": ["cell"]})
    assert reads["meta.csv"] == 1
    assert [reads[f"{name}.csv"] for name in parts] == [1, 1, 1]


def test_embed_reads_an_h5ad_once(tmp_path: Path, reads: Counter[str]) -> None:
    anndata = pytest.importorskip("anndata")
    import scipy.sparse as sp

    from biodl.api import embed

    rng = np.random.default_rng(5)
    counts = rng.poisson(3.0, (60, 30)).astype(np.float32)
    normalised = np.log1p(counts / counts.sum(1, keepdims=True) * 1e4).astype(np.float32)
    obs = pd.DataFrame({"cell": ["T", "B"] * 30}, index=[f"c{i}" for i in range(60)])
    adata = anndata.AnnData(normalised, obs=obs)
    adata.var_names = [f"g{j}" for j in range(30)]
    adata.layers["counts"] = sp.csr_matrix(counts)
    adata.write_h5ad(tmp_path / "cells.h5ad")
    result = embed(
        tmp_path / "cells.h5ad", methods="pca,vae", epochs=1, out=tmp_path / "emb", progress=False
    )
    assert (tmp_path / "emb" / "embedding.h5ad").is_file() and "vae" in result.coordinates
    assert reads["cells.h5ad"] == 1


def test_training_on_an_h5ad_with_a_test_h5ad_reads_each_once(
    tmp_path: Path, reads: Counter[str]
) -> None:
    anndata = pytest.importorskip("anndata")
    rng = np.random.default_rng(6)
    for name, n in (("train", 60), ("test", 20)):
        obs = pd.DataFrame({"cell": ["T", "B"] * (n // 2)}, index=[f"{name}{i}" for i in range(n)])
        adata = anndata.AnnData(rng.poisson(3.0, (n, 20)).astype(np.float32), obs=obs)
        adata.var_names = [f"g{j}" for j in range(20)]
        adata.write_h5ad(tmp_path / f"{name}.h5ad")
    data = {"train": str(tmp_path / "train.h5ad"), "test": str(tmp_path / "test.h5ad")}
    prepare({**data, "label_columns": ["cell"]})
    assert reads["train.h5ad"] == 1 and reads["test.h5ad"] == 1
