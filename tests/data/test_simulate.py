"""The count simulator: programmes add within-type correlation; seeds without them unchanged."""

from __future__ import annotations

import numpy as np

from biodl.data.simulate import simulate_counts


def _mean_abs_correlation(counts: np.ndarray, genes: np.ndarray) -> float:
    r = np.corrcoef(np.log1p(counts[:, genes]).T)
    return float(np.abs(r[np.triu_indices(len(genes), k=1)]).mean())


def test_programmes_make_their_genes_covary_and_leave_old_seeds_alone():
    plain = simulate_counts(400, 60, n_types=1, markers=0, depth=20000, seed=3)
    again = simulate_counts(400, 60, n_types=1, markers=0, depth=20000, seed=3, programmes=0)
    assert np.array_equal(plain.counts, again.counts)
    sim = simulate_counts(
        400, 60, n_types=1, markers=0, depth=20000, seed=3, programmes=1, programme_genes=10
    )
    assert plain.programme_genes == [] and len(sim.programme_genes) == 1
    # one type, no markers: only the programme (and library size) ties genes together
    programme = sim.programme_genes[0]
    others = np.setdiff1d(np.arange(60), programme)
    assert _mean_abs_correlation(sim.counts, programme) > 0.3
    assert _mean_abs_correlation(sim.counts, others) < 0.15
