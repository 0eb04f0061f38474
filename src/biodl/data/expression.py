"""Expression matrices (samples x genes) from CSV/TSV tables and AnnData ``.h5ad`` files.

A CSV/TSV table holds samples as rows (first column = sample ids, one column per gene) or,
with ``genes_as_rows=True``, genes as rows (one column per sample). Non-numeric columns are
not genes or samples: with samples as rows they become sample metadata (``obs``); with genes
as rows they are dropped (annotation columns such as a description or microarray detection
calls), each time with a :class:`~biodl.errors.DataWarning` naming them.

With genes as rows the gene-id column is ``id_column`` when given; otherwise it is the first
non-numeric column, before the first numeric one, whose values are unique and contain no
spaces (an identifier, not a description); failing that, the first column. On the Golub
ALL/AML files that is ``'Gene Accession Number'`` (``'Gene Description'`` repeats and holds
spaces).

An ``.h5ad`` file is read through AnnData: ``X`` (dense or sparse), a named ``layer`` or
``.raw``; its ``obs`` columns are the sample metadata. A separate metadata CSV (first column =
sample ids) is joined by sample id and takes precedence over ``obs`` columns of the same name.

Sparse matrices stay sparse (CSR, float32). Every error is one line naming the file and the
sample, gene, line or column.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "toy.csv")
>>> _ = open(path, "w").write("sample,g1,g2\\ns1,1.5,2\\ns2,0.5,3\\n")
>>> data = read_expression(path)
>>> data.X.shape, data.ids, data.genes
((2, 2), ['s1', 's2'], ['g1', 'g2'])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from biodl.data._files import fail, file_suffix, open_stream
from biodl.data.expression_table import examples, read_header, read_table
from biodl.errors import DataWarning, MissingDependencyError

__all__ = [
    "COUNT_LAYERS",
    "EXPRESSION_SUFFIXES",
    "ExpressionSet",
    "MetadataTable",
    "align_genes",
    "check_label_column",
    "expression_from_anndata",
    "h5ad_counts",
    "ignored_genes",
    "read_anndata",
    "read_expression",
    "read_metadata",
    "read_metadata_table",
    "unmatched_metadata",
    "zero_variance_genes",
]

EXPRESSION_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".h5ad")


@dataclass
class ExpressionSet:
    """An expression matrix with its sample ids, gene ids and sample metadata.

    Parameters
    ----------
    X : (n_samples, n_genes) float32 ndarray or scipy.sparse.csr_matrix
        Expression values; sparse input stays CSR.
    ids : list of str
        ``n_samples`` unique sample ids.
    genes : list of str
        ``n_genes`` unique gene ids.
    obs : pandas.DataFrame
        Sample metadata, index = sample ids in row order (may have no columns).
    source : str
        The file it was read from.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> data = ExpressionSet(np.eye(3, dtype="float32"), ["a", "b", "c"], ["g1", "g2", "g3"],
    ...                      pd.DataFrame(index=["a", "b", "c"]), "toy")
    >>> len(data.subset(np.array([2, 0]))), data.subset(np.array([2, 0])).ids
    (2, ['c', 'a'])
    """

    X: np.ndarray | sp.csr_matrix
    ids: list[str]
    genes: list[str]
    obs: pd.DataFrame = field(repr=False)
    source: str = ""

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def is_sparse(self) -> bool:
        """Whether :attr:`X` is a scipy sparse matrix."""
        return sp.issparse(self.X)

    @property
    def n_genes(self) -> int:
        """Number of genes (columns of :attr:`X`)."""
        return len(self.genes)

    def subset(self, index: Any) -> ExpressionSet:
        """The samples at ``index`` (integer positions or a boolean mask), in that order."""
        rows = np.asarray(index)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return ExpressionSet(
            X=self.X[rows],
            ids=[self.ids[i] for i in rows],
            genes=self.genes,
            obs=self.obs.iloc[rows],
            source=self.source,
        )


# ---------------------------------------------------------------------------------------
# reading


def read_expression(
    path: str | Path,
    *,
    genes_as_rows: bool = False,
    layer: str | None = None,
    use_raw: bool = False,
    metadata: str | Path | MetadataTable | None = None,
    id_column: str | None = None,
    strict: bool = True,
    adata: Any = None,
) -> ExpressionSet:
    """Read an expression matrix from CSV/TSV or ``.h5ad``, validated.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.tsv``/``.txt`` table (optionally gzipped) or ``.h5ad`` AnnData file.
    genes_as_rows : bool, default False
        The table holds genes as rows and samples as columns (ignored for ``.h5ad``).
    layer : str, optional
        ``.h5ad`` only: read ``adata.layers[layer]`` instead of ``X``.
    use_raw : bool, default False
        ``.h5ad`` only: read ``adata.raw`` (its ``X`` and gene names) instead of ``X``.
    metadata : str, Path or MetadataTable, optional
        A CSV/TSV of sample metadata, first column = sample ids; every sample needs a row
        (extra rows are ignored here; :func:`unmatched_metadata` words a warning about them).
        A table read once with :func:`read_metadata_table` can serve several matrices.
    id_column : str, optional
        Tables only: the column of row ids, i.e. sample ids (samples as rows, default the first
        column) or gene ids (genes as rows, default: see the module notes).
    strict : bool, default True
        Refuse non-finite values and repeated sample or gene ids. False keeps them, for
        ``biodl inspect``, which reports them (:mod:`biodl.data.checks.expression`).
    adata : anndata.AnnData, optional
        ``.h5ad`` only: the file already read with :func:`read_anndata` (a command that needs
        the AnnData object itself reads the file once).

    Returns
    -------
    ExpressionSet

    Raises
    ------
    DataError
        Unreadable file; NaN/inf or missing values (sample and gene named); duplicated sample or
        gene ids (these three only when ``strict``); metadata ids that do not match; an unknown
        layer or no ``.raw``.
    """
    source = str(path)
    file = Path(path)
    if not file.is_file():
        raise fail(source, "no such file; check the path.")
    if file_suffix(file) == ".h5ad":
        if genes_as_rows:
            warnings.warn(
                f"{source}: --genes-as-rows is ignored for .h5ad files (AnnData stores samples "
                "as rows).",
                DataWarning,
                stacklevel=2,
            )
        if adata is None:
            adata = read_anndata(file)
        data = expression_from_anndata(adata, source, layer=layer, use_raw=use_raw)
    else:
        if layer is not None or use_raw:
            raise fail(
                source,
                "--layer and --raw apply to .h5ad files only; this is a table. Drop the option "
                "or convert the data to .h5ad.",
            )
        table = read_table(file, source, genes_as_rows=genes_as_rows, id_column=id_column)
        data = ExpressionSet(table.X, table.ids, table.genes, table.obs, source)
    if strict:
        _check_unique(data.ids, source, "sample")
        _check_unique(data.genes, source, "gene")
        _check_finite(data, source)
    if metadata is not None:
        meta = read_metadata_table(metadata)
        data.obs = _join_metadata(data, meta.table, meta.source)
    return data


def read_anndata(path: str | Path) -> Any:
    """An ``.h5ad`` file read with AnnData (once: what a command needs of it comes from this
    object: the matrix, raw counts for the VAE, the copy written back with coordinates).

    Raises
    ------
    DataError
        For a file AnnData cannot read.
    MissingDependencyError
        Without anndata.
    """
    try:
        import anndata
    except ImportError:  # pragma: no cover - anndata is a dependency
        raise MissingDependencyError(
            "reading .h5ad needs anndata; install it with 'pip install anndata'."
        ) from None
    from biodl.data.input_files import seekable

    try:
        # HDF5 reads a file object as well as a path: inside input_files.reading() the bytes
        # are read once, so the run's checksum needs no second reading of the file.
        return anndata.read_h5ad(seekable(path))
    except Exception as err:  # h5py/anndata raise many types on a broken file
        raise fail(str(path), f"cannot read as AnnData .h5ad ({err}). Check the file.") from None


def expression_from_anndata(
    adata: Any, source: str, *, layer: str | None = None, use_raw: bool = False
) -> ExpressionSet:
    """The matrix of an AnnData object (``X``, a ``layer`` or ``.raw``) with its ``obs``.

    Raises
    ------
    DataError
        An unknown layer, no ``.raw``, both given, or no matrix.
    """
    genes = [str(g) for g in adata.var_names]
    if layer is not None and use_raw:
        raise fail(source, "give --layer or --raw, not both.")
    if layer is not None:
        if layer not in adata.layers:
            names = ", ".join(adata.layers.keys()) or "none"
            raise fail(source, f"no layer '{layer}' (layers: {names}). Name one of those.")
        matrix = adata.layers[layer]
    elif use_raw:
        if adata.raw is None:
            raise fail(source, "--raw given but the file has no .raw; drop --raw or use --layer.")
        matrix = adata.raw.X
        genes = [str(g) for g in adata.raw.var_names]
    else:
        matrix = adata.X
    if matrix is None:
        raise fail(source, "the AnnData file has no X matrix; name a --layer.")
    obs = adata.obs.copy()
    obs.index = obs.index.astype(str)
    return ExpressionSet(_as_matrix(matrix), list(obs.index), genes, obs, source)


COUNT_LAYERS = ("counts", "raw_counts", "count")  # layer names that usually hold raw counts


def h5ad_counts(adata: Any, genes: Sequence[str]) -> tuple[Any, np.ndarray, str] | None:
    """Raw counts of ``genes`` stored beside a normalised ``X`` of an AnnData object, or None.

    ``adata`` is the ``.h5ad`` file as :func:`read_anndata` returns it.

    Looks in the layers named in :data:`COUNT_LAYERS`, then in ``.raw`` (whose genes may be a
    superset of ``X``'s); the first that holds every one of ``genes`` as non-negative whole
    numbers is returned as ``(counts, library, where)``: the counts of ``genes`` in that
    order, each sample's total over every gene of that matrix, and e.g. ``"layer 'counts'"``
    or ``".raw"``. Rows are in the file's sample order.
    """
    from biodl.data.preprocess import value_scale

    found: list[tuple[Any, list[str], str]] = [
        (adata.layers[name], [str(g) for g in adata.var_names], f"layer '{name}'")
        for name in COUNT_LAYERS
        if name in adata.layers
    ]
    if adata.raw is not None:
        found.append((adata.raw.X, [str(g) for g in adata.raw.var_names], ".raw"))
    for matrix, names, where in found:
        position = {g: i for i, g in enumerate(names)}
        if any(g not in position for g in genes):
            continue
        full = _as_matrix(matrix)
        picked = full[:, [position[g] for g in genes]]
        if value_scale(picked) == "counts":
            library = np.asarray(full.sum(axis=1), dtype=np.float64).reshape(-1)
            return picked, library, where
    return None


def _as_matrix(matrix: Any) -> np.ndarray | sp.csr_matrix:
    if sp.issparse(matrix):
        return sp.csr_matrix(matrix, dtype=np.float32)
    return np.ascontiguousarray(np.asarray(matrix, dtype=np.float32))


# ---------------------------------------------------------------------------------------
# validation


def _check_unique(values: list[str], source: str, what: str) -> None:
    index = pd.Index(values)
    if not index.has_duplicates:
        return
    repeated = index[index.duplicated()].unique()
    first = str(repeated[0])
    where_ = np.flatnonzero(index == first)[:2]
    raise fail(
        source,
        f"{what} id '{first}' occurs {int((index == first).sum())} times (positions "
        f"{where_[0] + 1} and {where_[1] + 1}; {len(repeated)} repeated {what} id(s) in all); "
        f"expected unique {what} ids. Rename or remove the duplicates (or average them).",
    )


def _check_finite(data: ExpressionSet, source: str) -> None:
    X = data.X
    values = X.data if sp.issparse(X) else X
    if np.isfinite(values).all():
        return
    if isinstance(X, sp.spmatrix):
        coo = X.tocoo()
        k = int(np.flatnonzero(~np.isfinite(coo.data))[0])
        row, col, value = int(coo.row[k]), int(coo.col[k]), float(coo.data[k])
        count = int((~np.isfinite(coo.data)).sum())
    else:
        bad = ~np.isfinite(X)
        row, col = (int(i) for i in np.argwhere(bad)[0])
        value, count = float(X[row, col]), int(bad.sum())
    what = "a missing value (NaN or empty)" if np.isnan(value) else f"{value}"
    raise fail(
        source,
        f"sample '{data.ids[row]}' gene '{data.genes[col]}' is {what} ({count} non-finite "
        "value(s) in all); expected finite numbers. Impute or remove them first (e.g. fill "
        "with 0 for counts, or drop the gene).",
    )


def zero_variance_genes(X: np.ndarray | sp.csr_matrix) -> np.ndarray:
    """Boolean mask of the genes (columns) whose values are all equal.

    Parameters
    ----------
    X : (n_samples, n_genes) ndarray or sparse matrix

    Returns
    -------
    (n_genes,) bool ndarray
    """
    if sp.issparse(X):
        csc = sp.csc_matrix(X)
        counts = np.diff(csc.indptr)
        n = X.shape[0]
        mask = np.zeros(X.shape[1], dtype=bool)
        for j in np.flatnonzero((counts == 0) | (counts == n)):
            col = csc.data[csc.indptr[j] : csc.indptr[j + 1]]
            mask[j] = col.size == 0 or (col.size == n and np.all(col == col[0]))
        return mask
    return np.asarray(np.ptp(X, axis=0) == 0) if len(X) else np.zeros(X.shape[1], dtype=bool)


# ---------------------------------------------------------------------------------------
# metadata


@dataclass(frozen=True)
class MetadataTable:
    """A sample metadata table read once (it may label several expression files).

    Attributes
    ----------
    table : pandas.DataFrame
        Index: sample ids (str); columns: the metadata columns.
    source : str
        The file, for messages.
    """

    table: pd.DataFrame
    source: str


def read_metadata_table(
    path: str | Path | MetadataTable, *, flag: str = "--labels"
) -> MetadataTable:
    """:func:`read_metadata` with its file name kept; a MetadataTable is returned unchanged.

    ``flag`` names the option that gave the file, for the message about a missing file.
    """
    if isinstance(path, MetadataTable):
        return path
    return MetadataTable(read_metadata(path, flag=flag), str(path))


def read_metadata(path: str | Path, *, flag: str = "--labels") -> pd.DataFrame:
    """Read a sample metadata table: first column = sample ids (strings), the rest as columns.

    Raises
    ------
    DataError
        Missing file, no rows, or a repeated sample id.
    """
    source = str(path)
    file = Path(path)
    if not file.is_file():
        raise fail(source, f"no such metadata file; check the path given to {flag}.")
    names, sep = read_header(file, source)
    stream, _ = open_stream(file, source)
    with stream:
        table = pd.read_csv(stream, sep=sep, dtype={names[0]: str})
    if table.empty:
        raise fail(source, "the metadata table has no rows.")
    ids = table.iloc[:, 0].astype(str).str.strip()
    _check_unique(list(ids), source, "sample")
    table = table.iloc[:, 1:]
    table.index = pd.Index(ids, name=names[0])
    return table


def unmatched_metadata(path: str | Path | MetadataTable, ids: Sequence[str], where: str) -> str:
    """A warning about rows of a metadata table naming none of ``ids``.

    Such rows (samples filtered out of the matrix, or of another file) are left out of the
    run; the warning gives their count and up to three ids. "" when every row names a sample.

    Parameters
    ----------
    path : str, Path or MetadataTable
        The metadata table (``--labels``), as a path or already read.
    ids : sequence of str
        Every sample read (all parts the table serves).
    where : str
        The expression file(s), for the message.
    """
    table = read_metadata_table(path)
    rows = table.table.index
    extra = rows[~rows.isin(list(ids))]
    if not len(extra):
        return ""
    return (
        f"{table.source}: {len(extra)} of {len(rows)} metadata rows name samples not found "
        f"in {where} (e.g. {examples(list(extra), 3)}); those rows were dropped. Check that "
        "the metadata belongs to this matrix."
    )


def _join_metadata(data: ExpressionSet, meta: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [i for i in data.ids if i not in meta.index]
    if missing:
        raise fail(
            source,
            f"{len(missing)} of {len(data)} samples of {data.source} have no metadata row "
            f"(e.g. {examples(missing)}; metadata ids look like {examples(list(meta.index))}). "
            "The first metadata column must hold the sample ids of the expression file.",
        )
    joined = data.obs.drop(columns=[c for c in meta.columns if c in data.obs.columns])
    extra = meta.loc[data.ids]
    extra.index = joined.index  # by position: a repeated sample id (strict=False) stays one row
    return pd.concat([joined, extra], axis=1)


def check_label_column(
    data: ExpressionSet, column: str, *, source: str | None = None, allow_missing: bool = False
) -> pd.Series:
    """The metadata column ``column`` as a Series over the samples, validated.

    Raises
    ------
    DataError
        The column does not exist (the columns are listed), has missing values, or holds one
        class only.
    """
    where_ = source or data.source
    if column not in data.obs.columns:
        names = ", ".join(f"'{c}'" for c in data.obs.columns) or "none"
        raise fail(
            where_,
            f"no metadata column '{column}' (columns: {names}). Name one of those with "
            "--label-column, or give a metadata table with --labels.",
        )
    values = data.obs[column]
    if values.isna().any() and not allow_missing:
        first = data.ids[int(np.flatnonzero(values.isna().to_numpy())[0])]
        raise fail(
            where_,
            f"sample '{first}' has no value ({int(values.isna().sum())} missing in all); "
            "expected a label for every sample. Fill them or drop those samples.",
            column=column,
        )
    if values.nunique() < 2:
        raise fail(
            where_,
            f"the label has one class only ('{values.iloc[0]}'); a classifier needs at least "
            "two. Check the column or the samples selected.",
            column=column,
        )
    return values


def align_genes(
    data: ExpressionSet, genes: Sequence[str], *, training: str | None = None
) -> ExpressionSet:
    """``data`` with its columns reordered to ``genes`` (a trained model's genes).

    Extra genes are dropped (:func:`ignored_genes` words the warning); missing genes are an
    error: expression values have no "missing" (a gene absent from one file cannot be told
    from one not expressed), so nothing is filled in.

    Parameters
    ----------
    data : ExpressionSet
    genes : sequence of str
        The genes wanted, in order.
    training : str, optional
        The training file, when ``genes`` are its genes (training with ``--valid``/``--test``);
        default: the genes of a trained model (predict, evaluate).

    Raises
    ------
    DataError
        Some of ``genes`` are not in ``data`` (count and examples).
    """
    if list(data.genes) == list(genes):
        return data
    position = pd.Index(data.genes)
    order = position.get_indexer(pd.Index(list(genes)))
    if (order < 0).any():
        missing = [g for g, k in zip(genes, order, strict=True) if k < 0]
        if training is None:
            message = (
                f"{len(missing)} of the model's {len(genes)} genes are missing (e.g. "
                f"{examples(missing)}); expected the genes the model was trained on. Use data "
                "measured on the same genes (check --genes-as-rows)."
            )
        else:
            message = (
                f"{len(missing)} of the {len(genes)} genes of the training data {training} are "
                f"missing (e.g. {examples(missing)}); expected every training gene (expression "
                "has no missing values to fill them with). Use data measured on the same "
                "genes, or leave these genes out of the training file too (check "
                "--genes-as-rows)."
            )
        raise fail(data.source, message)
    return ExpressionSet(data.X[:, order], data.ids, list(genes), data.obs, data.source)


def ignored_genes(data: ExpressionSet, genes: Sequence[str], *, training: str) -> str:
    """A warning about genes of ``data`` not among ``genes`` (they are dropped), or "".

    Parameters
    ----------
    data : ExpressionSet
        A validation, test or new matrix.
    genes : sequence of str
        The training genes.
    training : str
        What ``genes`` belong to, for the message (a file, or "the model").

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> part = ExpressionSet(np.zeros((1, 3), "float32"), ["s"], ["a", "b", "c"],
    ...                      pd.DataFrame(index=["s"]), "test.csv")
    >>> ignored_genes(part, ["a"], training="train.csv")[:60]
    "test.csv: 2 of 3 genes are not in train.csv (e.g. 'b', 'c');"
    """
    known = set(genes)
    extra = [g for g in data.genes if g not in known]
    if not extra:
        return ""
    return (
        f"{data.source}: {len(extra)} of {data.n_genes} genes are not in {training} (e.g. "
        f"{examples(extra, 3)}); they were ignored. Nothing to do if the files were measured "
        "on different panels; the model uses the training genes only."
    )
