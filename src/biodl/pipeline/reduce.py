"""The dimensionality-reduction methods of ``biodl embed``, by name, with their input checks.

Every method gets the same :class:`ReduceInputs` (preprocessed data, the raw counts when the
input holds counts, which rows to fit on, the label for LDA) and returns a :class:`Reduction`:
coordinates for every sample, the fit time and, for methods with a decoder or an inverse, the
reconstruction error on held-out samples.

Parametric methods (PCA, NMF, LDA, AE, DAE, VAE) are fitted on the training rows and embed
every sample with ``transform``; t-SNE and UMAP are fitted on all samples (on the first 50
principal components, as is usual).

Examples
--------
>>> import numpy as np
>>> from biodl.pipeline.reduce import ReduceInputs, reduce
>>> X = np.random.default_rng(0).normal(size=(40, 6)).astype("float32")
>>> inputs = ReduceInputs(X, train=np.arange(30), heldout=np.arange(30, 40))
>>> r = reduce("pca", inputs, dims=2)
>>> r.coordinates.shape, r.reconstruction_error > 0
((40, 2), True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from biodl.errors import ConfigError, DataError

__all__ = [
    "EMBED_METHODS",
    "EmbedMethodName",
    "ReduceInputs",
    "Reduction",
    "SparsePCA",
    "check_method",
    "reduce",
]

EmbedMethodName = Literal["pca", "nmf", "lda", "tsne", "umap", "ae", "dae", "vae"]
EMBED_METHODS: dict[str, str] = {
    "pca": "principal component analysis (randomized / sparse-aware solver on large data)",
    "nmf": "non-negative matrix factorisation (needs non-negative values)",
    "lda": "linear discriminant analysis (supervised: needs a label; at most classes-1 dims)",
    "tsne": "t-SNE on the first 50 principal components (no inverse, no new samples)",
    "umap": "UMAP on the first 50 principal components",
    "ae": "autoencoder (biodl.AE)",
    "dae": "denoising autoencoder (biodl.DAE)",
    "vae": "variational autoencoder (biodl.VAE; negative binomial on raw counts)",
}
N_PCS = 50  # principal components given to t-SNE and UMAP
_BLOCK = 512  # rows densified at a time (transform, held-out reconstruction)


@dataclass
class ReduceInputs:
    """What every method is given.

    Attributes
    ----------
    X : (n_samples, n_genes) ndarray or CSR matrix
        Preprocessed data (all samples).
    counts : (n_samples, n_genes) ndarray or CSR matrix, optional
        The same genes as raw counts, when the input holds counts (the VAE then uses a
        negative-binomial likelihood on them).
    library : (n_samples,) ndarray, optional
        Total count of each sample over all genes (to map VAE counts to the normalised scale).
    normalize, log1p : bool
        The preprocessing applied to ``counts`` to give ``X`` (with ``mean``/``std``).
    mean, std : (n_genes,) ndarray, optional
        z-scoring of the preprocessed data.
    train, heldout : int ndarray
        Rows to fit on and rows to measure the reconstruction error on (may be empty).
    label : (n_samples,) ndarray of str, optional
        The class of each sample (LDA).
    seed : int
    epochs : int, optional
        Training epochs of the neural methods (None: their default).
    perplexity : float, optional
        t-SNE perplexity (None: ``min(30, (n - 1) / 3)``).
    progress : bool, default False
        Show the training progress bar of the neural methods.
    counts_source : str, optional
        Where ``counts`` come from when ``X`` is not made from them (e.g. ``".raw"`` of an
        ``.h5ad`` whose ``X`` is normalised): the VAE then has no held-out error, as the
        normalisation that made ``X`` is not known.
    """

    X: Any
    counts: Any = None
    library: np.ndarray | None = None
    normalize: bool = False
    log1p: bool = False
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    train: np.ndarray | None = None
    heldout: np.ndarray | None = None
    label: np.ndarray | None = None
    seed: int = 0
    epochs: int | None = None
    perplexity: float | None = None
    progress: bool = False
    counts_source: str | None = None

    def __post_init__(self) -> None:
        if self.train is None:
            self.train = np.arange(self.X.shape[0])
        if self.heldout is None:
            self.heldout = np.arange(0)


@dataclass
class Reduction:
    """One method's embedding.

    Attributes
    ----------
    method : str
    coordinates : (n_samples, dims) float ndarray
    fit_seconds : float
    reconstruction_error : float
        Mean squared error per entry on the held-out samples, on the preprocessed scale;
        NaN without a decoder/inverse or without held-out samples.
    note : str
        How it was computed (solver, input), for the report.
    """

    method: str
    coordinates: np.ndarray
    fit_seconds: float
    reconstruction_error: float
    note: str


def _min_value(X: Any) -> float:
    values = X.data if sp.issparse(X) else np.asarray(X)
    return float(values.min()) if values.size else 0.0


def check_method(method: str, inputs: ReduceInputs, dims: int) -> None:
    """Refuse, before any fitting, a method that cannot run on these inputs.

    Raises
    ------
    ConfigError
        Unknown method; dims out of range; no label for LDA; t-SNE perplexity too large.
    DataError
        NMF on negative values; a label with one class for LDA.
    """
    n, n_genes = inputs.X.shape
    if method not in EMBED_METHODS:
        raise ConfigError(f"--methods: unknown method '{method}'; use {', '.join(EMBED_METHODS)}")
    if dims < 1:
        raise ConfigError(f"--dims {dims}: expected at least 1")
    if n < dims + 1 or n_genes < dims:
        raise DataError(
            f"{n} samples x {n_genes} genes is too few for --dims {dims}: an embedding needs "
            f"more samples than dimensions and at least as many genes; use --dims "
            f"{max(1, min(n - 1, n_genes))} or less"
        )
    if method == "nmf" and _min_value(inputs.X) < 0:
        raise DataError(
            f"nmf needs non-negative values, but the preprocessed data has values down to "
            f"{_min_value(inputs.X):.3g}; use raw or non-negative data (drop --scale, keep "
            "--log1p on counts) or leave nmf out of --methods"
        )
    if method == "lda":
        if inputs.label is None:
            raise ConfigError(
                "lda is supervised and needs a label: pass --label-column COLUMN (or "
                "--color-by COLUMN) naming a metadata column of classes"
            )
        if len(np.unique(inputs.label[inputs.train])) < 2:
            raise DataError(
                f"lda needs at least two classes, but the label has one "
                f"('{inputs.label[0]}'); choose another --label-column"
            )
    if method == "tsne" and inputs.perplexity is not None and inputs.perplexity >= n:
        raise ConfigError(
            f"--perplexity {inputs.perplexity:g} is too large for {n} samples; t-SNE needs a "
            f"perplexity below the sample count (try {max(1.0, (n - 1) / 3):.0f})"
        )


def _heldout_error(inputs: ReduceInputs, reconstruct: Any) -> float:
    """Mean squared error per entry on the held-out rows, a block at a time."""
    rows = inputs.heldout
    if rows is None or not len(rows):
        return math.nan
    total = 0.0
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        truth = inputs.X[block]
        truth = truth.toarray() if sp.issparse(truth) else np.asarray(truth)
        total += float(((truth - reconstruct(block)) ** 2).sum())
    return total / (len(rows) * inputs.X.shape[1])


def _transform_all(model: Any, X: Any) -> np.ndarray:
    return np.concatenate(
        [model.transform(X[i : i + _BLOCK]) for i in range(0, X.shape[0], _BLOCK)]
    )


class SparsePCA:
    """PCA of a CSR matrix from its gene x gene covariance, accumulated over row blocks.

    The centred matrix is never formed and no copy of ``X`` is made: memory is the dense
    ``(n_genes, n_genes)`` covariance plus one block of rows. Same components as
    :class:`sklearn.decomposition.PCA` (signs fixed the same way: the largest loading of each
    component is positive). For up to a few thousand genes.

    Parameters
    ----------
    n_components : int
    """

    def __init__(self, n_components: int):
        self.n_components = n_components

    def fit(self, X: Any, rows: np.ndarray | None = None) -> SparsePCA:
        """Fit on the rows ``rows`` of ``X`` (default all), one block of rows at a time."""
        from scipy.linalg import eigh

        rows = np.arange(X.shape[0]) if rows is None else np.asarray(rows)
        n, n_genes = len(rows), X.shape[1]
        cov = np.zeros((n_genes, n_genes))
        total = np.zeros(n_genes)
        for start in range(0, n, 4096):
            block = X[rows[start : start + 4096]]
            total += np.asarray(block.sum(axis=0)).reshape(-1)
            cov += (block.T @ block).toarray()
        self.mean_ = total / n
        cov -= n * np.outer(self.mean_, self.mean_)
        cov /= max(n - 1, 1)
        k = min(self.n_components, n_genes)
        # Only the top k eigenpairs, in place: no second (n_genes, n_genes) array.
        values, vectors = eigh(
            cov, subset_by_index=[n_genes - k, n_genes - 1], overwrite_a=True, check_finite=False
        )
        values, components = values[::-1], vectors[:, ::-1].T
        signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
        self.components_ = components * signs[:, None]
        self.explained_variance_ = values
        return self

    def transform(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.components_.T) - self.mean_ @ self.components_.T

    def fit_transform(self, X: Any) -> np.ndarray:
        """Fit on every row of ``X``, then project them (t-SNE and UMAP inputs)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        return np.asarray(Z) @ self.components_ + self.mean_


def _pca(dims: int, X: Any, seed: int) -> tuple[Any, str]:
    from sklearn.decomposition import PCA

    n, n_genes = X.shape
    if sp.issparse(X) and n_genes <= 5000:
        return SparsePCA(dims), "sparse covariance (blockwise, never densified)"
    if sp.issparse(X):
        # Centred implicitly by sklearn's LinearOperator: never densified.
        solver = "arpack"
    elif n * n_genes > 5_000_000 or min(n, n_genes) > 1000:
        solver = "randomized"
    else:
        solver = "full"
    if solver == "arpack" and dims >= min(n, n_genes):
        solver = "covariance_eigh"
    return PCA(n_components=dims, svd_solver=solver, random_state=seed), solver


def _principal_components(inputs: ReduceInputs) -> np.ndarray:
    X = inputs.X
    k = min(N_PCS, X.shape[0] - 1, X.shape[1])
    if X.shape[1] <= k:
        return X.toarray() if sp.issparse(X) else np.asarray(X)
    model, _ = _pca(k, X, inputs.seed)
    return np.asarray(model.fit_transform(X))


def reduce(method: str, inputs: ReduceInputs, dims: int) -> Reduction:
    """Embed every sample with ``method`` in ``dims`` dimensions (checked first).

    Parameters
    ----------
    method : {'pca', 'nmf', 'lda', 'tsne', 'umap', 'ae', 'dae', 'vae'}
    inputs : ReduceInputs
    dims : int

    Returns
    -------
    Reduction
    """
    check_method(method, inputs, dims)
    start = time.perf_counter()
    coords, error, note = _METHODS[method](inputs, dims)
    seconds = time.perf_counter() - start
    return Reduction(method, np.asarray(coords, dtype=np.float64), seconds, error, note)


def _fit_sklearn(model: Any, inputs: ReduceInputs) -> tuple[np.ndarray, float]:
    X = inputs.X
    if isinstance(model, SparsePCA):
        model.fit(X, rows=inputs.train)  # no copy of the training rows
    else:
        model.fit(X[inputs.train])
    coords = _transform_all(model, X)
    error = _heldout_error(inputs, lambda rows: model.inverse_transform(model.transform(X[rows])))
    return coords, error


def _run_pca(inputs: ReduceInputs, dims: int) -> tuple[np.ndarray, float, str]:
    model, solver = _pca(dims, inputs.X, inputs.seed)
    coords, error = _fit_sklearn(model, inputs)
    return coords, error, f"PCA, {solver} solver"


def _run_nmf(inputs: ReduceInputs, dims: int) -> tuple[np.ndarray, float, str]:
    from sklearn.decomposition import NMF

    model = NMF(n_components=dims, init="nndsvda", max_iter=500, random_state=inputs.seed)
    coords, error = _fit_sklearn(model, inputs)
    return coords, error, "NMF, nndsvda initialisation"


def _run_lda(inputs: ReduceInputs, dims: int) -> tuple[np.ndarray, float, str]:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    assert inputs.label is not None and inputs.train is not None
    classes = len(np.unique(inputs.label[inputs.train]))
    k = min(dims, classes - 1)
    X = inputs.X
    note = f"LDA with Ledoit-Wolf shrinkage, {k} discriminant(s) ({classes} classes)"
    if sp.issparse(X) or X.shape[1] > 2000:
        X = _principal_components(inputs)
        note += f", on the first {X.shape[1]} principal components"
    # Ledoit-Wolf shrinkage: expression data has more genes than samples, where plain LDA
    # separates the training samples perfectly and new ones not at all.
    model = LinearDiscriminantAnalysis(n_components=k, solver="eigen", shrinkage="auto")
    model.fit(X[inputs.train], inputs.label[inputs.train])
    coords = model.transform(X)
    if k < dims:
        coords = np.hstack([coords, np.zeros((coords.shape[0], dims - k))])
        note += f"; dims {k + 1}-{dims} are zero"
    return coords, math.nan, note


def _tsne_perplexity(inputs: ReduceInputs) -> float:
    n = inputs.X.shape[0]
    return inputs.perplexity if inputs.perplexity is not None else min(30.0, (n - 1) / 3)


def _run_tsne(inputs: ReduceInputs, dims: int) -> tuple[np.ndarray, float, str]:
    from sklearn.manifold import TSNE

    perplexity = _tsne_perplexity(inputs)
    pcs = _principal_components(inputs)
    how = "barnes_hut" if dims < 4 else "exact"
    model = TSNE(
        n_components=dims,
        perplexity=perplexity,
        init="pca",
        method=how,
        random_state=inputs.seed,
    )
    coords = model.fit_transform(pcs)
    return coords, math.nan, f"t-SNE, perplexity {perplexity:.3g}, on {pcs.shape[1]} PCs"


def _run_umap(inputs: ReduceInputs, dims: int) -> tuple[np.ndarray, float, str]:
    import umap

    pcs = _principal_components(inputs)
    neighbours = max(2, min(15, pcs.shape[0] - 1))
    model = umap.UMAP(n_components=dims, n_neighbors=neighbours, random_state=inputs.seed)
    coords = model.fit_transform(pcs)
    return coords, math.nan, f"UMAP, {neighbours} neighbours, on {pcs.shape[1]} PCs"


def _run_autoencoder(inputs: ReduceInputs, dims: int, kind: str) -> tuple[np.ndarray, float, str]:
    from biodl.training import autoencoders

    options: dict[str, Any] = {
        "epochs": inputs.epochs,
        "random_state": inputs.seed,
        "verbose": inputs.progress,
    }
    if kind == "vae" and inputs.counts is not None:
        return _run_nb_vae(inputs, dims, options)
    if kind == "vae":
        options["likelihood"] = "gaussian"
    model = getattr(autoencoders, kind.upper())(n_latent=dims, **options)
    coords, error = _fit_sklearn(model, inputs)
    return coords, error, f"{kind.upper()}, {model.epochs_} epochs"


def _run_nb_vae(
    inputs: ReduceInputs, dims: int, options: dict[str, Any]
) -> tuple[np.ndarray, float, str]:
    """VAE with a negative-binomial likelihood on the raw counts; its held-out error is
    measured after mapping the expected counts through the same preprocessing as ``X``."""
    import torch

    from biodl.data.preprocess import TARGET_SUM
    from biodl.training.autoencoders import VAE

    counts = inputs.counts
    model = VAE(n_latent=dims, likelihood="nb", **options).fit(counts[inputs.train])
    coords = _transform_all(model, counts)
    if inputs.counts_source:  # X was normalised elsewhere: no like-for-like reconstruction
        where = f"the raw counts in {inputs.counts_source}"
        return coords, math.nan, f"VAE, negative binomial on {where}, {model.epochs_} epochs"

    def reconstruct(rows: np.ndarray) -> np.ndarray:
        block = counts[rows]
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        with torch.no_grad():
            x = torch.from_numpy(block.astype(np.float32))
            z = model.model_.encode(x)
            mu = model.model_.decode(z, library=x.sum(dim=1, keepdim=True)).numpy()
        if inputs.normalize:
            assert inputs.library is not None
            total = inputs.library[rows][:, None]
            mu = mu * np.divide(TARGET_SUM, total, out=np.zeros_like(total), where=total != 0)
        if inputs.log1p:
            mu = np.log1p(mu)
        if inputs.mean is not None and inputs.std is not None:
            mu = (mu - inputs.mean) / inputs.std
        return mu

    error = _heldout_error(inputs, reconstruct)
    return coords, error, f"VAE, negative binomial on raw counts, {model.epochs_} epochs"


_METHODS: dict[str, Any] = {
    "pca": _run_pca,
    "nmf": _run_nmf,
    "lda": _run_lda,
    "tsne": _run_tsne,
    "umap": _run_umap,
    "ae": lambda inputs, dims: _run_autoencoder(inputs, dims, "ae"),
    "dae": lambda inputs, dims: _run_autoencoder(inputs, dims, "dae"),
    "vae": lambda inputs, dims: _run_autoencoder(inputs, dims, "vae"),
}
