"""Fidelity of synthetic rows: how close their distribution is to held-out real rows.

Every function takes two 2-D arrays, ``real (n, p)`` and ``synthetic (m, p)``, already in the
space where they are to be compared (see :mod:`biodl.evaluation.synthetic_space`):

- :func:`per_feature_distances`: Kolmogorov-Smirnov statistic ``sup |F_r - F_s|`` and the 1-D
  Wasserstein distance ``integral |F_r - F_s| dx`` of every column (vectorised over columns;
  the same numbers as ``scipy.stats.ks_2samp`` and ``scipy.stats.wasserstein_distance``);
- :func:`correlation_distance`: root mean square difference of the Pearson correlations over
  the feature pairs;
- :func:`mmd2`: squared maximum mean discrepancy with an RBF kernel (Gretton et al. 2012);
- :func:`prdc`: precision, recall, density and coverage (Naeem et al. 2020);
- :func:`nn_accuracy`: the leave-one-out 1-nearest-neighbour two-sample test accuracy.

Examples
--------
>>> import numpy as np
>>> from biodl.evaluation.fidelity import prdc
>>> rng = np.random.default_rng(0)
>>> p = prdc(rng.normal(size=(300, 3)), rng.normal(size=(300, 3)), k=5)
>>> bool(p.coverage > 0.9)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

__all__ = [
    "MAX_CORRELATION_FEATURES",
    "MAX_MMD_ROWS",
    "MAX_PRDC_ROWS",
    "PRDC",
    "correlation_distance",
    "ks_wasserstein",
    "median_bandwidth",
    "mmd2",
    "nn_accuracy",
    "per_feature_distances",
    "prdc",
    "subsample_rows",
]

#: Rows of each set used by :func:`mmd2` (seeded subsample above it): the kernel matrices are
#: quadratic in rows.
MAX_MMD_ROWS = 2000
#: Rows of each set used by :func:`prdc` (seeded subsample above it).
MAX_PRDC_ROWS = 5000
#: Features used by :func:`correlation_distance` (the first ones): the correlation matrix is
#: quadratic in features.
MAX_CORRELATION_FEATURES = 1000


def subsample_rows(X: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most ``limit`` rows of ``X``, a seeded random subset (in their order) above it."""
    if len(X) <= limit:
        return X
    keep = np.sort(np.random.default_rng(seed).choice(len(X), size=limit, replace=False))
    return X[keep]


def ks_wasserstein(real: np.ndarray, synthetic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column KS statistic and 1-D Wasserstein distance, ``(p,)`` each.

    Both come from the two empirical CDFs evaluated on the pooled sorted values: KS is their
    largest gap (at the last of tied values), Wasserstein the area between them.
    """
    n, m = len(real), len(synthetic)
    pooled = np.concatenate([real, synthetic]).astype(np.float64)
    step = np.concatenate([np.full(n, 1.0 / n), np.full(m, -1.0 / m)])
    order = np.argsort(pooled, axis=0, kind="stable")
    values = np.take_along_axis(pooled, order, axis=0)
    gap = np.cumsum(step[order], axis=0)  # F_real - F_synth just after each value
    last_of_tie = np.ones_like(values, dtype=bool)
    last_of_tie[:-1] = values[1:] != values[:-1]
    ks = np.where(last_of_tie, np.abs(gap), 0.0).max(axis=0)
    wasserstein = (np.abs(gap[:-1]) * np.diff(values, axis=0)).sum(axis=0)
    return ks, wasserstein


def per_feature_distances(
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
    scale: np.ndarray | None = None,
    names: list[str] | None = None,
) -> pd.DataFrame:
    """One row per feature: KS, Wasserstein (in units of ``scale``), means and spreads.

    Parameters
    ----------
    real : (n, p), synthetic : (m, p)
        The original features (not standardised).
    scale : (p,) float, optional
        Divides the Wasserstein distance and is reported; the real training standard
        deviation, so distances read as "fractions of a standard deviation". Default 1.
    names : list of str, optional
        Feature names; default ``feature_0, feature_1, ...``.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, index`` (the column in the rows), ``ks, wasserstein, mean_real,
        mean_synthetic, std_real, std_synthetic``, sorted by decreasing KS (the most
        different features first).
    """
    p = real.shape[1]
    unit = np.ones(p) if scale is None else np.where(scale > 0, scale, 1.0)
    ks, wd = ks_wasserstein(real, synthetic)
    table = pd.DataFrame(
        {
            "feature": names if names is not None else [f"feature_{j}" for j in range(p)],
            "index": np.arange(p),
            "ks": ks,
            "wasserstein": wd / unit,
            "mean_real": real.mean(axis=0),
            "mean_synthetic": synthetic.mean(axis=0),
            "std_real": real.std(axis=0),
            "std_synthetic": synthetic.std(axis=0),
        }
    )
    return table.sort_values("ks", ascending=False, kind="stable").reset_index(drop=True)


def _correlation(X: np.ndarray) -> np.ndarray:
    centred = X - X.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    unit = np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0)
    return unit.T @ unit  # constant columns correlate 0 with everything


def correlation_distance(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Root mean square difference of the Pearson correlation matrices over feature pairs.

    ``d = sqrt( mean_{i<j} (r_ij - s_ij)^2 )`` with ``r``, ``s`` the correlation matrices of
    ``real`` and ``synthetic`` (a constant column correlates 0). In correlation units: 0 =
    the same dependence, 2 = the largest possible. Only the first
    :data:`MAX_CORRELATION_FEATURES` columns are used (order columns by importance, as
    :meth:`~biodl.evaluation.synthetic_space.FeatureSpace.standardise` does: most variable
    first); NaN with fewer than two columns.
    """
    if real.shape[1] < 2:
        return float("nan")
    real = real[:, :MAX_CORRELATION_FEATURES]
    synthetic = synthetic[:, :MAX_CORRELATION_FEATURES]
    upper = np.triu_indices(real.shape[1], k=1)
    diff = _correlation(real)[upper] - _correlation(synthetic)[upper]
    return float(np.sqrt(np.mean(diff**2)))


def _sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def median_bandwidth(X: np.ndarray, *, seed: int = 0) -> float:
    """Median heuristic: the median Euclidean distance between distinct rows of ``X``.

    Computed on at most :data:`MAX_MMD_ROWS` rows; 1 when every distance is 0.
    """
    rows = subsample_rows(X, MAX_MMD_ROWS, seed)
    d = np.sqrt(_sq_distances(rows, rows)[np.triu_indices(len(rows), k=1)])
    h = float(np.median(d)) if d.size else 0.0
    return h if h > 0 else 1.0


def mmd2(
    real: np.ndarray, synthetic: np.ndarray, *, bandwidth: float | None = None, seed: int = 0
) -> float:
    """Squared maximum mean discrepancy with the RBF kernel (biased V-statistic, >= 0).

    ``MMD^2 = mean k(r, r') + mean k(s, s') - 2 mean k(r, s)`` over all pairs (diagonals
    included), ``k(x, y) = exp(-|x - y|^2 / (2 h^2))``. 0 for identical samples; above 0 the
    larger, the more different. Each set is subsampled to :data:`MAX_MMD_ROWS` rows (seeded).

    Parameters
    ----------
    real : (n, d), synthetic : (m, d)
    bandwidth : float, optional
        ``h``; default :func:`median_bandwidth` of ``real``, so that every synthetic set is
        measured with the same kernel.
    seed : int, default 0
    """
    r = subsample_rows(real, MAX_MMD_ROWS, seed)
    s = subsample_rows(synthetic, MAX_MMD_ROWS, seed + 1)
    h = median_bandwidth(r, seed=seed) if bandwidth is None else bandwidth
    gamma = 1.0 / (2.0 * h * h)
    k_rr = np.exp(-gamma * _sq_distances(r, r)).mean()
    k_ss = np.exp(-gamma * _sq_distances(s, s)).mean()
    k_rs = np.exp(-gamma * _sq_distances(r, s)).mean()
    return float(max(k_rr + k_ss - 2.0 * k_rs, 0.0))


@dataclass(frozen=True)
class PRDC:
    """Precision, recall, density and coverage of Naeem et al. (2020), all computed with ``k``.

    Attributes
    ----------
    precision : float
        Fraction of synthetic rows inside the k-NN ball of some real row (fidelity), 0..1.
    recall : float
        Fraction of real rows inside the k-NN ball of some synthetic row (diversity), 0..1.
    density : float
        Mean number of real k-NN balls holding a synthetic row, divided by ``k``: about 1 when
        the distributions match, above 1 when samples crowd around dense real regions.
    coverage : float
        Fraction of real rows whose k-NN ball holds a synthetic row. For two samples of one
        distribution of equal size ``N``: ``1 - prod_{i=1..k} (N - i) / (2N - i)`` (0.969
        for k = 5, large N).
    k : int
    """

    precision: float
    recall: float
    density: float
    coverage: float
    k: int


def _knn_radii(X: np.ndarray, k: int) -> np.ndarray:
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    return distances[:, k]  # column 0 is the row itself


def prdc(real: np.ndarray, synthetic: np.ndarray, *, k: int = 5, seed: int = 0) -> PRDC:
    """Precision, recall, density and coverage (Naeem et al. 2020, "Reliable fidelity and
    diversity metrics for generative models", ICML).

    Parameters
    ----------
    real : (n, d)
        Held-out real rows; each needs more than ``k`` rows.
    synthetic : (m, d)
    k : int, default 5
        Neighbours defining each row's ball (radius = distance to its k-th nearest neighbour
        in its own set).
    seed : int, default 0
        Seeds the subsample to :data:`MAX_PRDC_ROWS` rows of each set.
    """
    r = subsample_rows(real, MAX_PRDC_ROWS, seed)
    s = subsample_rows(synthetic, MAX_PRDC_ROWS, seed + 1)
    if min(len(r), len(s)) <= k:
        nan = float("nan")
        return PRDC(nan, nan, nan, nan, k)
    real_radii, synth_radii = _knn_radii(r, k), _knn_radii(s, k)
    inside = np.zeros(len(s), dtype=np.int64)  # real balls holding each synthetic row
    covered = np.zeros(len(r), dtype=bool)  # real ball holds a synthetic row
    recalled = np.zeros(len(r), dtype=bool)  # real row inside a synthetic ball
    for start in range(0, len(s), 512):  # chunks keep memory at 512 x n distances
        block = s[start : start + 512]
        d = np.sqrt(_sq_distances(block, r))  # (chunk, n)
        in_real_ball = d <= real_radii[None, :]
        inside[start : start + len(block)] = in_real_ball.sum(axis=1)
        covered |= in_real_ball.any(axis=0)
        recalled |= (d <= synth_radii[start : start + len(block), None]).any(axis=0)
    return PRDC(
        precision=float(np.mean(inside > 0)),
        recall=float(np.mean(recalled)),
        density=float(inside.sum() / (k * len(s))),
        coverage=float(np.mean(covered)),
        k=k,
    )


def nn_accuracy(real: np.ndarray, synthetic: np.ndarray, *, seed: int = 0) -> float:
    """Leave-one-out accuracy of a 1-nearest-neighbour classifier of real vs synthetic rows.

    The two-sample test of Lopez-Paz & Oquab (2017, "Revisiting classifier two-sample
    tests", ICLR) with a 1-NN classifier, which Xu et al. (2018, "An empirical study on
    evaluation metrics of generative adversarial networks") found the most telling of the
    GAN scores they compared, mode collapse included. Each row is labelled by its nearest
    other row of the pooled set; 0.5 when the sets are alike, 1 when every row's neighbour
    is of its own set (separate or collapsed synthetic rows, which sit next to each other),
    below 0.5 when synthetic rows sit on the real ones (copies). **Lower is better down to
    0.5.**

    The sets are balanced: ``synthetic`` is shuffled (seeded) and cut into groups of
    ``len(real)`` rows (the last, incomplete group left out; all of it when it has fewer
    rows than ``real``, with as many real rows drawn), and the accuracies of the groups
    are averaged.

    Parameters
    ----------
    real : (n, d), synthetic : (m, d)
        At least 2 rows each.
    seed : int, default 0
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(synthetic))
    n = min(len(real), len(synthetic))
    if n < 2:
        return float("nan")
    r = real if n == len(real) else real[rng.choice(len(real), size=n, replace=False)]
    accuracies = []
    for start in range(0, len(order) - n + 1, n):
        s = synthetic[order[start : start + n]]
        pooled = np.vstack([r, s])
        d = _sq_distances(pooled, pooled)
        np.fill_diagonal(d, np.inf)
        nearest = d.argmin(axis=1)
        own = (nearest < n) == (np.arange(2 * n) < n)
        accuracies.append(float(own.mean()))
    return float(np.mean(accuracies))
