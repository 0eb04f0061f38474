"""Reading expression matrices: tables both ways round, .h5ad variants, metadata, errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from biodl.data.expression import (
    ExpressionSet,
    align_genes,
    check_label_column,
    read_expression,
    read_metadata,
    zero_variance_genes,
)
from biodl.errors import DataError, DataWarning


def _matrix(rng: np.random.Generator, n: int = 6, g: int = 4) -> np.ndarray:
    return rng.poisson(5.0, size=(n, g)).astype(np.float32)


def _write_samples(path: Path, X: np.ndarray, sep: str = ",") -> Path:
    ids = [f"s{i}" for i in range(len(X))]
    genes = [f"g{j}" for j in range(X.shape[1])]
    pd.DataFrame(X, index=pd.Index(ids, name="sample"), columns=genes).to_csv(path, sep=sep)
    return path


def test_samples_as_rows_csv_and_tsv(tmp_path, rng):
    X = _matrix(rng)
    for name, sep in (("x.csv", ","), ("x.tsv", "\t"), ("x.txt", "\t")):
        data = read_expression(_write_samples(tmp_path / name, X, sep))
        np.testing.assert_array_equal(data.X, X)
        assert data.ids == [f"s{i}" for i in range(6)]
        assert data.genes == ["g0", "g1", "g2", "g3"]
        assert data.X.dtype == np.float32 and not data.is_sparse
        assert list(data.obs.index) == data.ids


def test_genes_as_rows_drops_annotation_columns(tmp_path):
    text = (
        "Description,Accession,a,call,b,call\n"
        "gene one,G1,1.5,P,2,A\n"
        "gene two,G2,-3,A,4,M\n"
        "gene one,G3,5,P,6,P\n"
    )
    path = tmp_path / "golub_like.csv"
    path.write_text(text)
    with pytest.warns(DataWarning, match="non-numeric column.*'Description', 'call'"):
        data = read_expression(path, genes_as_rows=True)
    assert data.ids == ["a", "b"]
    assert data.genes == ["G1", "G2", "G3"]  # the unique, space-free column is the gene id
    np.testing.assert_array_equal(data.X, [[1.5, -3, 5], [2, 4, 6]])
    with pytest.warns(DataWarning):
        named = read_expression(path, genes_as_rows=True, id_column="Accession")
    assert named.genes == data.genes


def test_samples_as_rows_text_columns_become_metadata(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,tumor,g1,g2\na,yes,1,2\nb,no,3,4\n")
    with pytest.warns(DataWarning, match="'tumor' are read as sample metadata"):
        data = read_expression(path)
    assert data.genes == ["g1", "g2"]
    assert data.obs["tumor"].tolist() == ["yes", "no"]


def test_metadata_csv_joined_by_id(tmp_path, rng):
    path = _write_samples(tmp_path / "x.csv", _matrix(rng))
    meta = tmp_path / "meta.csv"
    rows = [f"s{i},{'ab'[i % 2]}" for i in reversed(range(6))] + ["extra,a"]
    meta.write_text("sample,group\n" + "\n".join(rows) + "\n")
    data = read_expression(path, metadata=str(meta))
    assert data.obs["group"].tolist() == ["a", "b", "a", "b", "a", "b"]
    assert check_label_column(data, "group").tolist() == data.obs["group"].tolist()


def test_subset_keeps_rows_aligned(rng):
    X = sp.csr_matrix(_matrix(rng))
    ids = [f"s{i}" for i in range(6)]
    data = ExpressionSet(X, ids, ["a", "b", "c", "d"], pd.DataFrame({"k": range(6)}, index=ids))
    part = data.subset(np.array([4, 1]))
    assert part.ids == ["s4", "s1"] and part.is_sparse and len(part) == 2
    np.testing.assert_array_equal(part.X.toarray(), X.toarray()[[4, 1]])
    assert part.obs["k"].tolist() == [4, 1]


# --- .h5ad ----------------------------------------------------------------------------


def _adata(rng: np.random.Generator, sparse: bool):
    anndata = pytest.importorskip("anndata")
    counts = _matrix(rng, 8, 5)
    X = np.log1p(counts)
    adata = anndata.AnnData(
        X=sp.csr_matrix(X) if sparse else X,
        obs=pd.DataFrame({"cell": list("abababab")}, index=[f"c{i}" for i in range(8)]),
        var=pd.DataFrame(index=[f"g{j}" for j in range(5)]),
    )
    adata.layers["counts"] = sp.csr_matrix(counts) if sparse else counts
    adata.raw = adata.copy()
    adata = adata[:, :3].copy()  # .raw keeps all 5 genes
    return adata, counts, X


@pytest.mark.parametrize("sparse", [False, True])
def test_h5ad_x_layer_raw_round_trip(tmp_path, rng, sparse):
    adata, counts, X = _adata(rng, sparse)
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)

    data = read_expression(path)
    assert data.is_sparse is sparse and data.genes == ["g0", "g1", "g2"]
    dense = data.X.toarray() if data.is_sparse else data.X
    np.testing.assert_allclose(dense, X[:, :3], rtol=1e-6)
    assert data.obs["cell"].tolist() == list("abababab") and data.ids[0] == "c0"

    layer = read_expression(path, layer="counts")
    values = layer.X.toarray() if layer.is_sparse else layer.X
    np.testing.assert_array_equal(values, counts[:, :3])

    raw = read_expression(path, use_raw=True)
    assert raw.genes == [f"g{j}" for j in range(5)]
    values = raw.X.toarray() if raw.is_sparse else raw.X
    np.testing.assert_allclose(values, X, rtol=1e-6)


def test_h5ad_bad_layer_and_missing_raw(tmp_path, rng):
    anndata = pytest.importorskip("anndata")
    adata, _, _ = _adata(rng, False)
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    with pytest.raises(DataError, match="no layer 'spliced' \\(layers: counts\\)"):
        read_expression(path, layer="spliced")
    plain = tmp_path / "plain.h5ad"
    anndata.AnnData(X=np.ones((2, 2), dtype=np.float32)).write_h5ad(plain)
    with pytest.raises(DataError, match="has no .raw"):
        read_expression(plain, use_raw=True)
    with pytest.raises(DataError, match="--layer and --raw apply to .h5ad"):
        read_expression(_write_samples(tmp_path / "x.csv", _matrix(rng)), layer="counts")


def test_h5ad_metadata_csv_overrides_obs(tmp_path, rng):
    adata, _, _ = _adata(rng, True)
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    meta = tmp_path / "meta.tsv"
    meta.write_text("id\tcell\tbatch\n" + "".join(f"c{i}\tx{i % 3}\t{i}\n" for i in range(8)))
    data = read_expression(path, metadata=str(meta))
    assert data.obs["cell"].tolist()[:3] == ["x0", "x1", "x2"]
    assert data.obs["batch"].tolist() == list(range(8))


# --- errors ---------------------------------------------------------------------------


def test_nan_and_inf_name_sample_and_gene(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,g1,g2\na,1,2\nb,,4\n")
    with pytest.raises(DataError, match="sample 'b' gene 'g1' is a missing value"):
        read_expression(path)
    path.write_text("id,g1,g2\na,1,2\nb,3,inf\n")
    with pytest.raises(DataError, match="sample 'b' gene 'g2' is inf"):
        read_expression(path)


def test_non_number_in_numeric_column_names_line(tmp_path):
    path = tmp_path / "x.csv"
    rows = "".join(f"s{i},{i},{i}\n" for i in range(20))
    path.write_text("id,g1,g2\n" + rows + "s20,1,oops\n")
    with pytest.raises(DataError, match="line 22 column 'g2': value 'oops' is not a number"):
        read_expression(path)


def test_duplicated_sample_and_gene_ids(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,g1,g2\na,1,2\na,3,4\n")
    with pytest.raises(DataError, match="sample id 'a' occurs 2 times"):
        read_expression(path)
    path.write_text("id,g1,g1\na,1,2\nb,3,4\n")
    with pytest.raises(DataError, match="gene id 'g1' occurs 2 times"):
        read_expression(path)
    path.write_text("gene,s1,s1\nG1,1,2\nG2,3,4\n")
    with pytest.raises(DataError, match="sample id 's1' occurs 2 times"):
        read_expression(path, genes_as_rows=True)


def test_metadata_ids_that_do_not_match(tmp_path, rng):
    path = _write_samples(tmp_path / "x.csv", _matrix(rng))
    meta = tmp_path / "meta.csv"
    meta.write_text("sample,group\n" + "".join(f"P{i},a\n" for i in range(6)))
    with pytest.raises(DataError, match="6 of 6 samples .* have no metadata row .*'s0'.*'P0'"):
        read_expression(path, metadata=str(meta))
    meta.write_text("sample,group\nP1,a\nP1,b\n")
    with pytest.raises(DataError, match="sample id 'P1' occurs 2 times"):
        read_metadata(meta)


def test_missing_metadata_column_lists_columns_and_one_class(tmp_path, rng):
    path = _write_samples(tmp_path / "x.csv", _matrix(rng))
    meta = tmp_path / "meta.csv"
    meta.write_text("sample,group,site\n" + "".join(f"s{i},a,{i}\n" for i in range(6)))
    data = read_expression(path, metadata=str(meta))
    with pytest.raises(
        DataError, match="no metadata column 'tumor' \\(columns: 'group', 'site'\\)"
    ):
        check_label_column(data, "tumor")
    with pytest.raises(DataError, match="column 'group'.*one class only \\('a'\\)"):
        check_label_column(data, "group")


def test_missing_file_and_no_numeric_columns(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_expression(tmp_path / "absent.csv")
    path = tmp_path / "x.csv"
    path.write_text("id,name\na,x\nb,y\n")
    with pytest.raises(DataError, match="no numeric columns"):
        read_expression(path)
    with pytest.raises(DataError, match="no column 'gene'"):
        read_expression(path, genes_as_rows=True, id_column="gene")


def test_zero_variance_genes_dense_and_sparse():
    X = np.array([[0, 1, 2, 5], [0, 1, 3, 5], [0, 1, 4, 5]], dtype=np.float32)
    expected = [True, True, False, True]
    assert zero_variance_genes(X).tolist() == expected
    assert zero_variance_genes(sp.csr_matrix(X)).tolist() == expected


def test_align_genes_reorders_and_names_missing(rng):
    ids = ["a", "b"]
    X = np.arange(6, dtype=np.float32).reshape(2, 3)
    data = ExpressionSet(X, ids, ["x", "y", "z"], pd.DataFrame(index=ids), "new.csv")
    aligned = align_genes(data, ["z", "x"])
    np.testing.assert_array_equal(aligned.X, X[:, [2, 0]])
    with pytest.raises(DataError, match="new.csv: 1 of the model's 2 genes are missing.*'w'"):
        align_genes(data, ["x", "w"])


def test_golub_reads_with_genes_as_rows(shared_data):
    folder = shared_data / "expression" / "golub_all_aml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        train = read_expression(folder / "data_set_ALL_AML_train.csv", genes_as_rows=True)
        test = read_expression(
            folder / "data_set_ALL_AML_independent.csv",
            genes_as_rows=True,
            metadata=str(folder / "actual.csv"),
        )
    assert train.X.shape == (38, 7129) and test.X.shape == (34, 7129)
    assert train.genes[0] == "AFFX-BioB-5_at" and train.genes == test.genes
    assert sorted(test.obs["cancer"].unique()) == ["ALL", "AML"]


def test_carriage_return_line_endings(tmp_path, rng):
    # Old Mac files end lines with a lone '\r'; the header escaped as csv.Error (found by
    # fuzzing). It now ends at the first line break of any kind, as pandas reads the rows.
    X = _matrix(rng)
    path = _write_samples(tmp_path / "x.csv", X)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    data = read_expression(path)
    np.testing.assert_array_equal(data.X, X)
    assert data.genes == ["g0", "g1", "g2", "g3"]
    path.write_text("sample," + "g" * 200_000 + "\n1,2\n")  # past the csv module's field limit
    with pytest.raises(DataError, match=r"x\.csv line 1: cannot read the header \(field larger"):
        read_expression(path)
