"""Synthetic expression counts with planted cell types, for tests, benchmarks and demos.

Examples
--------
>>> from biodl.data.simulate import simulate_counts
>>> sim = simulate_counts(n_cells=100, n_genes=50, n_types=3, seed=0)
>>> sim.counts.shape, sorted(set(sim.cell_type.tolist()))
((100, 50), ['type0', 'type1', 'type2'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

__all__ = ["SimulatedCounts", "simulate_counts"]


@dataclass
class SimulatedCounts:
    """Counts and the planted truth.

    Attributes
    ----------
    counts : (n_cells, n_genes) float32 ndarray, or CSR matrix when ``sparse=True``
        Negative-binomial counts.
    cell_type : (n_cells,) ndarray of str
        ``'type0'``, ``'type1'``, ...
    batch : (n_cells,) ndarray of str
        A nuisance label (two sequencing batches with a small global shift), unrelated to type.
    programme_genes : list of (programme_genes,) int ndarrays
        The genes of each programme (empty without programmes).
    """

    counts: np.ndarray | sp.csr_matrix
    cell_type: np.ndarray
    batch: np.ndarray
    programme_genes: list[np.ndarray] = field(default_factory=list)


def simulate_counts(
    n_cells: int = 1000,
    n_genes: int = 500,
    *,
    n_types: int = 5,
    markers: int = 20,
    fold: float = 2.0,
    depth: float = 2000.0,
    dispersion: float = 2.0,
    sparse: bool = False,
    programmes: int = 0,
    programme_genes: int = 30,
    programme_sd: float = 1.0,
    seed: int = 0,
) -> SimulatedCounts:
    """Counts of ``n_types`` cell types, each over-expressing its own ``markers`` genes.

    Parameters
    ----------
    n_cells, n_genes : int
    n_types : int, default 5
    markers : int, default 20
        Marker genes per type (up-regulated ``fold``-fold in log2 units).
    fold : float, default 2.0
        log2 fold change of the markers.
    depth : float, default 2000
        Median total count per cell (library sizes vary log-normally around it).
    dispersion : float, default 2.0
        Negative-binomial inverse dispersion (smaller = noisier).
    sparse : bool, default False
        Return the counts as a CSR matrix.
    programmes : int, default 0
        Continuous gene programmes on top of the types: each acts on its own
        ``programme_genes`` genes (drawn at random, so programmes may share genes), with an
        activity per cell drawn from a normal distribution of standard deviation
        ``programme_sd`` in log2 units. The genes of a programme rise and fall together
        from cell to cell, within each type: correlation that samplers of independent genes
        lose. 0 (the default) draws nothing more, so older seeds give the same counts.
    programme_genes : int, default 30
    programme_sd : float, default 1.0
    seed : int, default 0
    """
    rng = np.random.default_rng(seed)
    base = rng.normal(0.0, 1.0, size=n_genes)
    logits = np.tile(base, (n_types, 1))
    for t in range(n_types):
        genes = rng.choice(n_genes, size=min(markers, n_genes), replace=False)
        logits[t, genes] += fold * np.log(2.0)
    shares = np.exp(logits)
    shares /= shares.sum(axis=1, keepdims=True)
    types = rng.integers(0, n_types, size=n_cells)
    batch = rng.integers(0, 2, size=n_cells)
    library = depth * np.exp(rng.normal(0.0, 0.3, size=n_cells) + 0.2 * batch)
    mean = shares[types] * library[:, None]
    planted: list[np.ndarray] = []
    if programmes > 0:
        loadings = np.zeros((programmes, n_genes))
        for k in range(programmes):
            genes = rng.choice(n_genes, size=min(programme_genes, n_genes), replace=False)
            loadings[k, genes] = np.log(2.0)
            planted.append(np.sort(genes))
        activity = rng.normal(0.0, programme_sd, size=(n_cells, programmes))
        cell_logits = logits[types] + activity @ loadings
        cell_shares = np.exp(cell_logits - cell_logits.max(axis=1, keepdims=True))
        mean = cell_shares / cell_shares.sum(axis=1, keepdims=True) * library[:, None]
    rate = rng.gamma(dispersion, mean / dispersion)
    counts = rng.poisson(rate).astype(np.float32)
    labels = np.array([f"type{t}" for t in types])
    batches = np.array([f"batch{b}" for b in batch])
    counts_out = sp.csr_matrix(counts) if sparse else counts
    return SimulatedCounts(counts_out, labels, batches, planted)
