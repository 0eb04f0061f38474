"""Expression preprocessing fitted on the training samples only, as named options.

The steps run in a fixed order, each optional:

1. ``normalize``: library-size normalisation, each sample scaled to a total of 10,000
   (``x / sum(x) * 1e4``; per sample, nothing is fitted).
2. ``log1p``: ``log(1 + x)``. ``"auto"`` turns it on when the training values look unlogged:
   raw counts (non-negative integers) or intensities (maximum above 100, as on microarrays).
   Negative values (background-subtracted microarray intensities) are set to 0 first.
3. ``hvg``: keep the N genes of highest variance on the training samples (after steps 1-2).
4. ``scale``: z-score each gene with the training mean and standard deviation (a gene of zero
   variance is only centred).

Sparse input stays sparse through steps 1-3 (they keep zeros at zero); ``scale`` makes the
values dense, so :meth:`Preprocessing.transform` densifies only the rows it is given (one
batch). The fitted state is JSON-able (:meth:`Preprocessing.to_dict`), stored with a model.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 10, 90], [5, 5, 90]], dtype="float32")
>>> prep = fit_preprocessing(X, ["a", "b", "c"], PreprocessOptions(log1p=True, hvg=2))
>>> prep.genes_out
['a', 'b']
>>> prep.transform(X).shape
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from biodl.errors import ConfigError
from biodl.kinds.expression_options import Log1pOption

__all__ = [
    "TARGET_SUM",
    "Log1pOption",
    "PreprocessOptions",
    "Preprocessing",
    "ScaleKind",
    "check_scale",
    "fit_preprocessing",
    "value_scale",
]

TARGET_SUM = 1e4
ScaleKind = Literal["counts", "intensities", "log", "other"]

_INTENSITY_MAX = 100.0  # above this, non-integer values are taken as unlogged intensities
_LOG_MAX = 30.0  # log-scale values rarely exceed this (log2 of 1e9)
_PROBE = 200_000  # values looked at to judge the scale
_BLOCK_ROWS = 4096  # rows transformed at a time when fitting


@dataclass
class PreprocessOptions:
    """Which preprocessing steps to run (see the module notes for their order).

    Parameters
    ----------
    normalize : bool, default False
        Scale each sample to a total of 10,000 (library size).
    log1p : {"auto", True, False}, default "auto"
        ``log(1 + x)``; ``"auto"`` applies it to unlogged values (counts or intensities).
    scale : bool, default False
        z-score each gene with the training mean and standard deviation.
    hvg : int or None, default None
        Keep the top-N highly variable genes (variance on the training samples).
    """

    normalize: bool = False
    log1p: Log1pOption = "auto"
    scale: bool = False
    hvg: int | None = None

    def __post_init__(self) -> None:
        if self.log1p not in ("auto", True, False):
            raise ConfigError(
                f"log1p must be 'auto', true or false, got {self.log1p!r}; pick one of those."
            )
        if self.hvg is not None and self.hvg < 1:
            raise ConfigError(f"hvg must be a positive number of genes, got {self.hvg}.")


def _probe(X: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Up to ``_PROBE`` stored values of ``X`` (evenly spaced), for judging its scale."""
    values = np.asarray(X.data if sp.issparse(X) else X).ravel()
    if values.size > _PROBE:
        values = values[:: values.size // _PROBE + 1]
    return values


def value_scale(X: np.ndarray | sp.spmatrix) -> ScaleKind:
    """What the values of an expression matrix look like.

    Returns
    -------
    {"counts", "intensities", "log", "other"}
        ``"counts"``: non-negative integers above 1; ``"intensities"``: maximum above 100, not
        integers or with negative values (unlogged microarray data); ``"log"``: non-negative,
        not integers, maximum at most 30; ``"other"``: anything else (e.g. z-scores).
    """
    values = _probe(X)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "other"
    top, low = float(values.max()), float(values.min())
    integers = bool(np.all(values == np.round(values)))
    if integers and low >= 0 and top > 1:
        return "counts"
    if top > _INTENSITY_MAX:
        return "intensities"
    if low >= 0 and top <= _LOG_MAX:
        return "log"
    return "other"


def check_scale(
    X: np.ndarray | sp.spmatrix,
    *,
    source: str,
    log1p: bool | None = None,
    expect: Literal["log", "counts"] = "log",
) -> list[str]:
    """Warnings about values on the wrong scale for what they are used for.

    Parameters
    ----------
    X : (n_samples, n_genes) ndarray or sparse matrix
        The values as read (before preprocessing).
    source : str
        Named in the messages.
    log1p : bool or None, default None
        Whether ``log1p`` will be applied (None: not known, the values are used as they are).
    expect : {"log", "counts"}, default "log"
        What the consumer expects: log-scale values (most models) or raw counts (a
        negative-binomial likelihood).

    Returns
    -------
    list of str
        One message per likely mistake; empty when the scale fits.
    """
    kind = value_scale(X)
    top = float(np.nanmax(_probe(X))) if X.shape[0] * X.shape[1] else 0.0
    if expect == "counts":
        if kind != "counts":
            return [
                f"{source}: values are not raw counts (they look like {kind}, max {top:g}); a "
                "count likelihood needs raw counts. Use the counts layer (--layer counts) or "
                ".raw (--raw)."
            ]
        return []
    if kind in ("counts", "intensities") and not log1p:
        return [
            f"{source}: values look like unlogged {kind} (max {top:g}) but no log transform is "
            "applied; models expect log values. Use --log1p auto (or --log1p true, with "
            "--normalize for counts)."
        ]
    if kind == "log" and log1p:
        return [
            f"{source}: values look log-transformed already (max {top:g}) but log1p is applied "
            "again. Pass --log1p false."
        ]
    return []


@dataclass
class Preprocessing:
    """Fitted preprocessing; build it with :func:`fit_preprocessing`.

    Attributes
    ----------
    genes_in : list of str
        Genes expected in the input, in column order.
    genes_out : list of str
        Genes of the output (after ``hvg``), in input order.
    normalize, log1p, clip_negative : bool
        Steps 1 and 2 (``clip_negative``: negative values were set to 0 before log1p).
    columns : (n_out,) int ndarray
        Positions of ``genes_out`` in ``genes_in``.
    mean, std : (n_out,) float32 ndarray or None
        z-scoring statistics; None without ``scale``.
    """

    genes_in: list[str]
    genes_out: list[str]
    normalize: bool
    log1p: bool
    clip_negative: bool
    columns: np.ndarray
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def scale(self) -> bool:
        """Whether the output is z-scored."""
        return self.mean is not None

    def transform(self, X: np.ndarray | sp.spmatrix) -> np.ndarray | sp.csr_matrix:
        """Apply the fitted steps.

        Parameters
        ----------
        X : (n, len(genes_in)) ndarray or sparse matrix
            Rows in any number (one batch, or all samples).

        Returns
        -------
        (n, len(genes_out)) float32
            Sparse CSR when ``X`` is sparse and ``scale`` is off; dense otherwise.
        """
        out = _log_normalize(X, self.normalize, self.log1p, self.clip_negative)
        if len(self.columns) != len(self.genes_in):
            out = out[:, self.columns]
        if self.mean is None or self.std is None:
            return out
        dense = out.toarray() if isinstance(out, sp.spmatrix) else out
        return ((dense - self.mean) / self.std).astype(np.float32, copy=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state; :meth:`from_dict` rebuilds it."""
        return {
            "genes_in": list(self.genes_in),
            "genes_out": list(self.genes_out),
            "normalize": self.normalize,
            "log1p": self.log1p,
            "clip_negative": self.clip_negative,
            "columns": [int(c) for c in self.columns],
            "mean": None if self.mean is None else [float(v) for v in self.mean],
            "std": None if self.std is None else [float(v) for v in self.std],
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Preprocessing:
        """The preprocessing saved by :meth:`to_dict`."""

        def vector(key: str) -> np.ndarray | None:
            value = state.get(key)
            return None if value is None else np.asarray(value, dtype=np.float32)

        return cls(
            genes_in=list(state["genes_in"]),
            genes_out=list(state["genes_out"]),
            normalize=bool(state["normalize"]),
            log1p=bool(state["log1p"]),
            clip_negative=bool(state["clip_negative"]),
            columns=np.asarray(state["columns"], dtype=np.int64),
            mean=vector("mean"),
            std=vector("std"),
        )


def _log_normalize(
    X: np.ndarray | sp.spmatrix, normalize: bool, log1p: bool, clip: bool
) -> np.ndarray | sp.csr_matrix:
    """Steps 1 and 2 on a copy of ``X`` (float32; sparse stays CSR)."""
    if sp.issparse(X):
        out = sp.csr_matrix(X, dtype=np.float32, copy=True)
        if normalize:
            totals = np.asarray(out.sum(axis=1)).ravel()
            factors = np.divide(TARGET_SUM, totals, out=np.zeros_like(totals), where=totals != 0)
            out.data *= np.repeat(factors, np.diff(out.indptr)).astype(np.float32)
        if log1p:
            if clip:
                np.maximum(out.data, 0, out=out.data)
            np.log1p(out.data, out=out.data)
        return out
    dense = np.array(X, dtype=np.float32, copy=True)
    if normalize:
        totals = dense.sum(axis=1, keepdims=True)
        dense *= np.divide(TARGET_SUM, totals, out=np.zeros_like(totals), where=totals != 0)
    if log1p:
        if clip:
            np.maximum(dense, 0, out=dense)
        np.log1p(dense, out=dense)
    return dense


def _moments(
    X: np.ndarray | sp.spmatrix, normalize: bool, log1p: bool, clip: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per-gene mean and (population) variance after steps 1-2, in float64.

    Rows are transformed a block at a time, so memory beyond ``X`` stays at one block (a
    sparse matrix is never copied whole, nor made dense).
    """
    n, genes = X.shape
    total, square = np.zeros(genes), np.zeros(genes)
    for start in range(0, n, _BLOCK_ROWS):
        block = _log_normalize(X[start : start + _BLOCK_ROWS], normalize, log1p, clip)
        if isinstance(block, sp.spmatrix):
            values = block.data.astype(np.float64)
            total += np.bincount(block.indices, weights=values, minlength=genes)
            square += np.bincount(block.indices, weights=values * values, minlength=genes)
        else:
            values = block.astype(np.float64)
            total += values.sum(axis=0)
            square += (values * values).sum(axis=0)
    mean = total / max(n, 1)
    return mean, np.maximum(square / max(n, 1) - mean**2, 0.0)


def fit_preprocessing(
    X: np.ndarray | sp.spmatrix, genes: Sequence[str], options: PreprocessOptions
) -> Preprocessing:
    """Fit the preprocessing on training samples (only pass the training rows).

    Parameters
    ----------
    X : (n_train, n_genes) ndarray or sparse matrix
        Training values as read.
    genes : sequence of str
        ``n_genes`` gene ids.
    options : PreprocessOptions

    Returns
    -------
    Preprocessing

    Raises
    ------
    ConfigError
        ``hvg`` asks for more genes than there are.
    """
    n_genes = X.shape[1]
    if options.hvg is not None and options.hvg > n_genes:
        raise ConfigError(
            f"--hvg {options.hvg} asks for more genes than the data has ({n_genes}); use at "
            f"most {n_genes}, or leave --hvg out to keep every gene."
        )
    if options.log1p == "auto":
        log1p = value_scale(X) in ("counts", "intensities")
    else:
        log1p = bool(options.log1p)
    stored = np.asarray(X.data if sp.issparse(X) else X)
    clip = log1p and bool(stored.size) and float(np.min(stored)) < 0
    mean, var = _moments(X, options.normalize, log1p, clip)
    columns = np.arange(n_genes)
    if options.hvg is not None and options.hvg < n_genes:
        # stable: among equal variances the earlier gene wins
        columns = np.sort(np.argsort(-var, kind="stable")[: options.hvg])
    std = np.sqrt(var[columns])
    std[std == 0] = 1.0
    return Preprocessing(
        genes_in=list(genes),
        genes_out=[genes[int(i)] for i in columns],
        normalize=options.normalize,
        log1p=log1p,
        clip_negative=clip,
        columns=columns,
        mean=mean[columns].astype(np.float32) if options.scale else None,
        std=std.astype(np.float32) if options.scale else None,
    )


def options_dict(options: PreprocessOptions) -> dict[str, Any]:
    """The options as a plain dict (for reports and metrics.json)."""
    return asdict(options)
