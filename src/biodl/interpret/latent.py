"""The genes that drive each latent dimension of a fitted autoencoder (AE, DAE or VAE).

Each latent dimension (the posterior mean for a VAE) is attributed to the genes with
integrated gradients (:func:`biodl.interpret.attribution.integrated_gradients`) from the mean
profile of ``X`` to each sample: a gene's attribution is how much its difference from the
average sample moves that dimension, and a sample's attributions add up to the change of the
dimension from the mean profile to the sample (the convergence delta says how closely). Genes
are ranked per dimension by their mean absolute attribution over the samples; the sign of the
mean attribution says in which direction the gene moves the dimension, on average.

Samples are attributed ``batch_size`` at a time (memory is bounded by a batch and the
integration passes of :data:`biodl.interpret.attribution.MAX_ROWS` rows).

Examples
--------
>>> import numpy as np
>>> import biodl
>>> X = np.random.default_rng(0).normal(size=(40, 6)).astype("float32")
>>> ae = biodl.AE(n_latent=2, hidden=(8,), epochs=2).fit(X)
>>> found = latent_genes(ae, X, genes=list("abcdef"), top=3, steps=8)
>>> found.table.columns.tolist()
['latent', 'rank', 'gene', 'mean_abs_attribution', 'mean_attribution']
>>> found.mean_abs.shape, len(found.table)
((2, 6), 6)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from biodl.errors import DataError
from biodl.interpret.attribution import integrated_gradients

__all__ = ["LatentGenes", "latent_genes"]


@dataclass
class LatentGenes:
    """What :func:`latent_genes` found.

    Attributes
    ----------
    table : DataFrame
        ``latent, rank, gene, mean_abs_attribution, mean_attribution``: the ``top`` genes of
        each latent dimension (rank 1 first).
    mean_abs : ndarray (n_latent, n_genes)
        Mean |attribution| of every gene to every dimension over the samples.
    mean : ndarray (n_latent, n_genes)
        Mean signed attribution.
    delta : ndarray (n_latent,)
        Median |convergence delta| per dimension (in latent units).
    genes : list of str
    """

    table: pd.DataFrame
    mean_abs: np.ndarray
    mean: np.ndarray
    delta: np.ndarray
    genes: list[str]


def latent_genes(
    autoencoder: Any,
    X: Any,
    *,
    genes: Sequence[str] | None = None,
    top: int = 10,
    steps: int = 32,
    batch_size: int = 256,
) -> LatentGenes:
    """Rank the genes that drive each latent dimension of a fitted ``biodl.AE/DAE/VAE``.

    Parameters
    ----------
    autoencoder : biodl.AE, biodl.DAE or biodl.VAE
        Fitted (``model_`` set).
    X : array or sparse matrix (n_samples, n_genes)
        The samples to attribute, in the columns the autoencoder was fitted on.
    genes : sequence of str, optional
        Gene names (default ``gene0``, ``gene1``, ...).
    top : int, default 10
        Genes listed per latent dimension.
    steps : int, default 32
        Integrated-gradients path points.
    batch_size : int, default 256
        Samples per batch.

    Returns
    -------
    LatentGenes

    Raises
    ------
    DataError
        An unfitted autoencoder, ``X`` with other columns, or ``genes`` of another length.
    """
    model = getattr(autoencoder, "model_", None)
    if model is None or not hasattr(model, "encode"):
        raise DataError(
            f"{type(autoencoder).__name__} is not a fitted biodl autoencoder; call fit(X) first"
        )
    n_genes = int(autoencoder.n_features_in_)
    if X.shape[1] != n_genes:
        raise DataError(
            f"X has {X.shape[1]} genes but the autoencoder was fitted on {n_genes}; pass the "
            "same columns in the same order"
        )
    names = [f"gene{i}" for i in range(n_genes)] if genes is None else [str(g) for g in genes]
    if len(names) != n_genes:
        raise DataError(f"{len(names)} gene names for {n_genes} genes")
    dtype = next(model.parameters()).dtype
    mean_profile = torch.as_tensor(np.asarray(X.mean(axis=0)).reshape(-1), dtype=dtype)
    n_latent = int(model.n_latent)
    total_abs = np.zeros((n_latent, n_genes))
    total = np.zeros((n_latent, n_genes))
    deltas: list[list[np.ndarray]] = [[] for _ in range(n_latent)]

    def forward(shift: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        return model.encode(shift + mean_profile)

    was_training = model.training
    model.eval()
    try:
        for first in range(0, X.shape[0], batch_size):
            part = X[first : first + batch_size]
            dense = part.toarray() if sp.issparse(part) else np.asarray(part)
            shift = torch.as_tensor(dense, dtype=dtype) - mean_profile
            for k in range(n_latent):
                target = torch.full((len(shift),), k, dtype=torch.long)
                found = integrated_gradients(forward, shift, target, steps=steps)
                values = found.values.detach().double().numpy()
                total_abs[k] += np.abs(values).sum(axis=0)
                total[k] += values.sum(axis=0)
                assert found.delta is not None
                deltas[k].append(found.delta.detach().abs().numpy())
    finally:
        model.train(was_training)
    n = max(X.shape[0], 1)
    mean_abs, mean = total_abs / n, total / n
    rows = []
    for k in range(n_latent):
        order = np.argsort(-mean_abs[k], kind="stable")[: max(1, top)]
        for rank, g in enumerate(order, start=1):
            rows.append((k, rank, names[g], mean_abs[k, g], mean[k, g]))
    table = pd.DataFrame(
        rows, columns=["latent", "rank", "gene", "mean_abs_attribution", "mean_attribution"]
    )
    delta = np.array([float(np.median(np.concatenate(d))) if d else 0.0 for d in deltas])
    return LatentGenes(table, mean_abs, mean, delta, names)
