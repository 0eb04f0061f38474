"""Expression inspection: each finding from a planted problem, counts and examples exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from biodl.data.checks.expression import inspect_expression
from biodl.data.checks.expression_values import matrix_stats
from biodl.data.checks.result import Inspection
from biodl.data.expression import ExpressionSet, read_expression
from biodl.errors import ConfigError, DataError


def make(
    X: np.ndarray, *, ids: list[str] | None = None, genes: list[str] | None = None, **obs: list
) -> ExpressionSet:
    n, g = X.shape
    ids = ids or [f"s{i}" for i in range(n)]
    genes = genes or [f"g{j}" for j in range(g)]
    frame = pd.DataFrame(obs, index=ids)
    return ExpressionSet(np.asarray(X, dtype=np.float32), ids, genes, frame, "toy.csv")


def counts(rng: np.random.Generator, n: int, g: int = 12) -> np.ndarray:
    return rng.poisson(20.0, size=(n, g)).astype(np.float32)


def codes(inspection: Inspection) -> set[str]:
    return {f.code for f in inspection.findings}


def finding(inspection: Inspection, code: str):
    return next(f for f in inspection.findings if f.code == code)


def test_clean_counts_say_what_training_does(rng: np.random.Generator) -> None:
    train = make(counts(rng, 40), cell=["a", "b"] * 20)
    result = inspect_expression({"train": train})
    part = result.parts[0]
    assert (part.n, part.genes, part.value_scale, part.nonfinite) == (40, 12, "counts", 0)
    assert part.total_median == pytest.approx(float(np.median(train.X.sum(axis=1))))
    assert result.task == "binary" and result.kind == "expression" and result.items == "samples"
    scale = finding(result, "scale")
    assert scale.severity == "info" and "normalises each sample" in scale.message
    assert {"nonfinite", "duplicates", "leakage", "zero_variance"}.isdisjoint(codes(result))


def test_nan_duplicate_ids_genes_and_zero_variance(rng: np.random.Generator) -> None:
    X = counts(rng, 30)
    X[3, 1] = np.nan
    X[3, 4] = np.inf
    X[7, 0] = np.nan
    X[:, 5] = 2.0  # zero variance
    ids = [f"s{i}" for i in range(30)]
    ids[9] = "s8"  # a repeated sample id
    genes = [f"g{j}" for j in range(12)]
    genes[11] = "g10"  # a repeated gene id
    result = inspect_expression({"train": make(X, ids=ids, genes=genes, cell=["a", "b"] * 15)})
    part = result.parts[0]
    assert (part.nonfinite, part.nonfinite_samples) == (3, 2)
    assert part.nonfinite_examples == ["s3/g1", "s3/g4", "s7/g0"]
    assert (part.zero_variance, part.zero_variance_examples) == (1, ["g5"])
    assert (part.duplicate_ids, part.duplicate_genes, part.duplicate_gene_examples) == (
        1,
        1,
        ["g10"],
    )
    nonfinite = finding(result, "nonfinite")
    assert nonfinite.severity == "warning" and "3 values are NaN or infinite" in nonfinite.message
    assert "impute" in nonfinite.fix
    assert {"duplicate_ids", "duplicate_genes", "zero_variance"} <= codes(result)
    assert "--hvg" in finding(result, "zero_variance").fix


def test_identical_samples_within_and_across_parts(rng: np.random.Generator) -> None:
    X = counts(rng, 30)
    X[20] = X[2]  # a repeat inside train
    test_X = counts(rng, 10)
    test_X[[1, 6]] = X[[4, 11]]  # two test samples copied from train
    train = make(X, cell=["a", "b"] * 15)
    test = make(test_X, ids=[f"t{i}" for i in range(10)], cell=["a", "b"] * 5)
    result = inspect_expression({"train": train, "test": test})
    assert (result.parts[0].duplicate_samples, result.parts[0].duplicate_examples) == (1, ["s20"])
    (overlap,) = result.overlaps
    assert (overlap.identical, overlap.examples, overlap.matches) == (
        2,
        ["t1", "t6"],
        ["s4", "s11"],
    )
    leak = finding(result, "leakage")
    assert "2 of 10 test samples are identical to a train sample" in leak.message


def test_leakage_is_found_on_the_shared_genes_when_gene_sets_differ(
    rng: np.random.Generator,
) -> None:
    X = counts(rng, 20)
    train = make(X, cell=["a", "b"] * 10)
    # The test part lacks g11, holds an extra gene and lists its genes in another order.
    order = [3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10]
    test_X = np.hstack([counts(rng, 4)[:, :11], np.ones((4, 1), np.float32)])
    test_X[2, :11] = X[5, order]
    genes = [f"g{j}" for j in order] + ["extra"]
    test = make(test_X, ids=["t0", "t1", "t2", "t3"], genes=genes, cell=["a", "b"] * 2)
    result = inspect_expression({"train": train, "test": test})
    part = result.parts[1]
    assert (part.missing_genes, part.missing_gene_examples, part.extra_genes) == (1, ["g11"], 1)
    assert result.overlaps[0].examples == ["t2"] and result.overlaps[0].matches == ["s5"]
    assert {"missing_genes", "extra_genes", "leakage"} <= codes(result)
    assert "11 genes every part has" in result.identity


def test_scale_against_the_log1p_option_and_between_parts(rng: np.random.Generator) -> None:
    train = make(counts(rng, 20), cell=["a", "b"] * 10)
    off = inspect_expression({"train": train}, log1p=False)
    assert finding(off, "scale").severity == "warning"
    assert "--log1p false keeps them" in finding(off, "scale").message
    logged = make(np.log1p(counts(rng, 20)), cell=["a", "b"] * 10)
    twice = inspect_expression({"train": logged}, log1p=True)
    assert "logs them again" in finding(twice, "scale").message
    assert "scale" not in codes(inspect_expression({"train": logged}))
    mixed = inspect_expression({"train": train, "test": logged})
    differs = finding(mixed, "scale_differs")
    assert differs.message == "test values look like log but train values look like counts."


def test_library_size_spread_is_reported(rng: np.random.Generator) -> None:
    X = counts(rng, 20)
    X[0] *= 40  # one sample sequenced 40 times deeper
    result = inspect_expression({"train": make(X, cell=["a", "b"] * 10)})
    assert "library_size" in codes(result)


def test_labels_from_one_metadata_column_or_a_note(rng: np.random.Generator) -> None:
    X = counts(rng, 20)
    labels = ["a"] * 18 + ["b"] * 2
    result = inspect_expression({"train": make(X, cell=labels)})
    assert result.parts[0].labels[0].class_counts == {"a": 18, "b": 2}
    assert {"imbalance", "few_examples"} <= codes(result)
    two = make(X, cell=labels, batch=["x"] * 20)
    unlabelled = inspect_expression({"train": two})
    assert unlabelled.task is None and "label_column" in codes(unlabelled)
    chosen = inspect_expression({"train": two}, label_columns=["cell"])
    assert chosen.parts[0].label_columns == ["cell"]
    with pytest.raises(DataError, match="no metadata column 'kind'.*'cell', 'batch'"):
        inspect_expression({"train": two}, label_columns=["kind"])


def test_sparse_statistics_match_dense(rng: np.random.Generator) -> None:
    X = counts(rng, 15) * (rng.random((15, 12)) < 0.3)
    X[2, 3] = np.nan
    X[4, 1] = -1.5
    dense, sparse = matrix_stats(X), matrix_stats(sp.csr_matrix(X))
    for name in ("minimum", "mean", "maximum", "negative", "nonfinite", "density"):
        assert getattr(sparse, name) == pytest.approx(getattr(dense, name)), name
    np.testing.assert_allclose(sparse.totals, dense.totals)
    assert sparse.nonfinite_cells == dense.nonfinite_cells == [(2, 3)]
    as_sparse = make(X)
    as_sparse.X = sp.csr_matrix(X)
    copy = make(X, ids=[f"t{i}" for i in range(15)])
    result = inspect_expression({"train": as_sparse, "test": copy})
    assert result.parts[0].sparse and result.overlaps[0].identical == 15


def test_reader_keeps_nan_and_repeated_ids_when_not_strict(tmp_path) -> None:
    path = tmp_path / "expr.csv"
    path.write_text("sample,g1,g2\ns1,1,2\ns1,3,\ns3,5,6\n")
    with pytest.raises(DataError, match="sample id 's1' occurs 2 times"):
        read_expression(path)
    meta = tmp_path / "meta.csv"
    meta.write_text("sample,cell\ns1,a\ns3,b\n")
    data = read_expression(path, metadata=str(meta), strict=False)
    assert data.ids == ["s1", "s1", "s3"] and np.isnan(data.X[1, 1])
    assert data.obs["cell"].tolist() == ["a", "a", "b"]  # one metadata row per sample row
    result = inspect_expression({"train": data})
    assert {"nonfinite", "duplicate_ids"} <= codes(result)


def test_bad_arguments() -> None:
    with pytest.raises(DataError, match="expected an ExpressionSet, got list"):
        inspect_expression({"train": [1, 2]})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="task: expected one of"):
        inspect_expression({"train": make(np.ones((2, 2)))}, task="ranking")
