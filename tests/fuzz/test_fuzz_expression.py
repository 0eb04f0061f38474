"""Fuzzed expression readers: CSV/TSV matrices (samples or genes as rows) and ``.h5ad`` files.

Tables are drawn valid and mutated as text; ``.h5ad`` files are written once by AnnData and
their bytes mutated (truncation, replaced bytes, zeroed blocks).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from fuzz_inputs import BINARY_MUTATIONS, examples, mutated, read_as_user, run_case, write
from hypothesis import given
from hypothesis import strategies as st


@st.composite
def expression_table(draw: st.DrawFn, sep: str = ",") -> bytes:
    """40-70 samples x 12-20 genes with a label column (samples as rows)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n, genes = draw(st.integers(40, 70)), draw(st.integers(12, 20))
    values = rng.gamma(2.0, 2.0, size=(n, genes)).round(3)
    rows = [sep.join(["sample", *(f"g{j}" for j in range(genes)), "status"])]
    for i in range(n):
        rows.append(sep.join([f"c{i}", *map(str, values[i]), "ab"[i % 2]]))
    return ("\n".join(rows) + "\n").encode()


@cache
def h5ad_bytes() -> bytes:
    """A small AnnData file (60 cells x 15 genes, a 'status' column in obs)."""
    import tempfile
    from pathlib import Path

    import anndata
    import pandas as pd

    rng = np.random.default_rng(0)
    obs = pd.DataFrame({"status": ["a", "b"] * 30}, index=[f"c{i}" for i in range(60)])
    var = pd.DataFrame(index=[f"g{j}" for j in range(15)])
    adata = anndata.AnnData(rng.poisson(3.0, (60, 15)).astype(np.float32), obs=obs, var=var)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.h5ad"
        adata.write_h5ad(path)
        return path.read_bytes()


@examples(40)
@given(data=expression_table().flatmap(mutated))
def test_expression_csv(data: bytes) -> None:
    run_case(
        lambda tmp: read_as_user(
            "expression csv",
            write(tmp / "expr.csv", data),
            kind="expression",
            label_columns=["status"],
        )
    )


@examples(30)
@given(data=expression_table(sep="\t").flatmap(mutated))
def test_expression_tsv_auto(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("expression tsv", write(tmp / "expr.tsv", data)))


#: Zeroed blocks are left out: one inside HDF5's global heap makes libhdf5 itself loop forever
#: (HDFGroup/hdf5#1707, h5py/h5py#2088), which no Python code can interrupt; see
#: docs/fuzzing.md.
H5AD_MUTATIONS = tuple(m for m in BINARY_MUTATIONS if m != "zero_block")


@examples(30)
@given(data=st.builds(h5ad_bytes).flatmap(lambda b: mutated(b, operations=H5AD_MUTATIONS)))
def test_h5ad(data: bytes) -> None:
    run_case(
        lambda tmp: read_as_user(
            "h5ad", write(tmp / "cells.h5ad", data), kind="expression", label_columns=["status"]
        )
    )
