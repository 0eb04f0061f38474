"""How well mutation scores rank measured effects: Spearman correlation with a bootstrap interval.

Zero-shot scores (a language model's log-likelihood ratio, the PSSM's) are not on the scale of
the measurement (fitness, activity, log enrichment), so only their ranking is judged: the
Spearman correlation with the measured column, with a percentile-bootstrap interval over
variants (:mod:`biodl.evaluation.bootstrap`). Two scorers of the same variants are compared by
a paired bootstrap of the difference of their Spearman correlations
(:func:`biodl.evaluation.comparison.paired_bootstrap`), so the interval accounts for their
correlation. Variants whose measured value or either score is missing or infinite are left
out (and counted).

Examples
--------
>>> import numpy as np
>>> measured = np.arange(50.0)
>>> est = spearman_interval(measured + np.random.default_rng(0).normal(0, 5, 50), measured)
>>> est.n, round(est.estimate.value, 2) > 0.9
(50, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biodl.errors import DataError
from biodl.evaluation.bootstrap import MetricEstimate, bootstrap_metrics
from biodl.evaluation.comparison import PairedComparison, paired_bootstrap

__all__ = ["ScoreCorrelation", "compare_spearman", "spearman_interval"]


@dataclass(frozen=True)
class ScoreCorrelation:
    """The Spearman correlation of scores with measured values.

    Parameters
    ----------
    estimate : MetricEstimate
        Spearman correlation on the variants used, with its bootstrap interval.
    n : int
        Variants used.
    n_dropped : int
        Variants left out (measured value or score missing or infinite).
    """

    estimate: MetricEstimate
    n: int
    n_dropped: int


def _usable(measured: np.ndarray, *scores: np.ndarray) -> np.ndarray:
    y = np.asarray(measured, dtype=np.float64)
    keep = np.isfinite(y)
    for s in scores:
        s = np.asarray(s, dtype=np.float64)
        if s.shape != y.shape:
            raise DataError(
                f"scores of shape {s.shape} for measured values of shape {y.shape}; give one "
                "score per variant."
            )
        keep &= np.isfinite(s)
    if keep.sum() < 3:
        raise DataError(
            f"only {int(keep.sum())} variants have a finite measured value and score; a "
            "Spearman correlation needs at least 3."
        )
    return keep


def spearman_interval(
    scores: np.ndarray,
    measured: np.ndarray,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> ScoreCorrelation:
    """Spearman correlation of ``scores`` with ``measured``, with a bootstrap interval.

    Parameters
    ----------
    scores, measured : (n,) float
        One per variant; NaN in ``measured`` (a missing measurement) is left out.
    n_boot : int, default 1000
    level : float, default 0.95
    seed : int, default 0
        As in :func:`~biodl.evaluation.bootstrap.bootstrap_metrics`.

    Returns
    -------
    ScoreCorrelation

    Raises
    ------
    DataError
        Different lengths, or fewer than 3 usable variants.
    """
    keep = _usable(measured, scores)
    y = np.asarray(measured, dtype=np.float64)[keep]
    s = np.asarray(scores, dtype=np.float64)[keep]
    est = bootstrap_metrics("regression", y, s, n_boot=n_boot, level=level, seed=seed)
    return ScoreCorrelation(est["spearman"], int(keep.sum()), int((~keep).sum()))


def compare_spearman(
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    measured: np.ndarray,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> PairedComparison:
    """Paired-bootstrap difference of the Spearman correlations of two scorers.

    Parameters
    ----------
    scores_a, scores_b : (n,) float
        Usually the language model (``a``) and the PSSM baseline (``b``), same variants.
    measured : (n,) float
    n_boot, level, seed
        As in :func:`spearman_interval`.

    Returns
    -------
    PairedComparison
        ``metric = "spearman"``; ``difference = a - b`` with its interval;
        :func:`~biodl.evaluation.comparison.verdict` words it.
    """
    keep = _usable(measured, scores_a, scores_b)
    y = np.asarray(measured, dtype=np.float64)[keep]
    return paired_bootstrap(
        "regression",
        y,
        np.asarray(scores_a, dtype=np.float64)[keep],
        np.asarray(scores_b, dtype=np.float64)[keep],
        metric="spearman",
        n_boot=n_boot,
        level=level,
        seed=seed,
    )
