"""``biodl generate``: judge the samples against held-out real rows, beside the classical samplers.

The rows are compared in the data's own units (:func:`evaluation_rows`): tables and images as
they are (the fixed feature space of :class:`biodl.evaluation.synthetic_space.FeatureSpace` is
fitted on the real training rows: PCA of the standardised values, ``log1p`` first for counts;
images are their pixels), sequences as k-mer spectra (the frequency of every 1-, 2- and
3-mer, 1- and 2-mers for proteins). :func:`evaluate_generated` runs
:func:`biodl.evaluation.synthetic.compare_samplers` on the model's samples and the three
classical samplers (independent marginals, Gaussian copula, copy of the training set), with
the condition's labels when there are some (then TSTR / TRTR is measured), and words the
verdict (:func:`verdict`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from biodl.pipeline.generate_data import RealData

__all__ = [
    "DETECTABLE",
    "INDISTINGUISHABLE",
    "GenerateEvaluation",
    "evaluate_generated",
    "evaluation_rows",
    "kmer_spectra",
    "selection_quality",
    "verdict",
]

#: Detection AUROC up to which samples are called indistinguishable from held-out real rows.
INDISTINGUISHABLE = 0.6
#: Detection AUROC from which they are called detectable (between: hard to tell apart).
DETECTABLE = 0.75
#: A distance-to-closest-record ratio below this says the samples sit on training rows.
COPYING_RATIO = 0.5


def kmer_spectra(X: np.ndarray, n_letters: int) -> np.ndarray:
    """k-mer frequencies of letter-index rows ``(n, length)``: ``(n, sum_k n_letters^k)``.

    k = 1, 2, 3 for alphabets of at most 4 letters, else 1 and 2; each k's counts sum to 1
    (:func:`biodl.evaluation.sequence_samples.row_spectra`).

    Examples
    --------
    >>> kmer_spectra(np.array([[0, 1, 0, 1]]), 2)[0, :2].tolist()
    [0.5, 0.5]
    """
    from biodl.evaluation.sequence_samples import row_spectra

    return row_spectra(X, n_letters, (1, 2, 3) if n_letters <= 4 else (1, 2))


def evaluation_rows(real: RealData, X: np.ndarray) -> np.ndarray:
    """Rows ``X`` (shaped like ``real.X``) as the evaluation reads them (module notes)."""
    if real.kind == "sequence":
        return kmer_spectra(X, len(real.letters))
    return np.asarray(X, dtype=np.float64)


def selection_quality(
    train: RealData, reference: RealData, *, seed: int = 0, criterion: str = "mmd"
) -> Callable[[np.ndarray], float]:
    """The GAN's checkpoint score of rows in the data's units against ``reference`` rows.

    :class:`biodl.evaluation.synthetic.SelectionScore` (``criterion`` 'mmd' or 'nn'), in
    the space fitted on ``train``.
    """
    from biodl.evaluation.synthetic import SelectionScore

    score = SelectionScore(
        evaluation_rows(train, train.X),
        evaluation_rows(reference, reference.X),
        seed=seed,
        criterion=criterion,
    )

    def quality(samples: np.ndarray) -> float:
        return float(score(evaluation_rows(train, samples)))

    return quality


@dataclass
class GenerateEvaluation:
    """What the checks found.

    Attributes
    ----------
    metrics : dict of str to float
        The model's samples (flat, for ``metrics.json``).
    table : DataFrame
        One row per sampler (index: the model's name, then independent_marginals,
        gaussian_copula, copy_training), one column per metric.
    verdict : str
        In words, e.g. "detectable (AUROC 0.91); copies: none".
    quality : object
        The model's :class:`~biodl.evaluation.synthetic.SyntheticQuality` (for the figures).
    train_rows, holdout_rows, sample_rows : ndarray
        The rows as evaluated.
    """

    metrics: dict[str, float]
    table: pd.DataFrame
    verdict: str
    quality: Any
    train_rows: np.ndarray
    holdout_rows: np.ndarray
    sample_rows: np.ndarray


def evaluate_generated(
    train: RealData,
    holdout: RealData,
    X: np.ndarray,
    labels: np.ndarray | None,
    *,
    name: str,
    seed: int = 0,
) -> GenerateEvaluation:
    """Judge the samples ``X`` (class ``labels``) of model ``name`` and the classical samplers.

    ``train`` is what the model was fitted on, ``holdout`` what it never saw.
    """
    from biodl.evaluation.samplers import Samples
    from biodl.evaluation.synthetic import compare_samplers

    rows = {
        "train": evaluation_rows(train, train.X),
        "holdout": evaluation_rows(holdout, holdout.X),
        "samples": evaluation_rows(train, X),
    }
    conditional = labels is not None and train.labels is not None
    comparison = compare_samplers(
        rows["train"],
        rows["holdout"],
        {name: Samples(rows["samples"], labels if conditional else None)},
        y_train=train.labels if conditional else None,
        y_holdout=holdout.labels if conditional else None,
        seed=seed,
    )
    metrics = {k: float(v) for k, v in comparison.qualities[name].metrics.items()}
    return GenerateEvaluation(
        metrics,
        comparison.table,
        verdict(metrics, comparison.table),
        comparison.qualities[name],
        rows["train"],
        rows["holdout"],
        rows["samples"],
    )


def verdict(metrics: dict[str, float], table: pd.DataFrame | None = None) -> str:
    """The checks in words: distinguishable or not, copies, and against independent marginals.

    Examples
    --------
    >>> verdict({"detection_auroc": 0.55, "exact_copies": 0.0, "dcr_ratio": 0.9})
    'indistinguishable from held-out real rows (detection AUROC 0.55); copies: none'
    """
    auroc = metrics.get("detection_auroc", float("nan"))
    if auroc <= INDISTINGUISHABLE:
        words = "indistinguishable from held-out real rows"
    elif auroc < DETECTABLE:
        words = "hard to tell from held-out real rows"
    else:
        words = "detectable: a classifier tells them from held-out real rows"
    parts = [f"{words} (detection AUROC {auroc:.2f})"]
    copies = int(metrics.get("exact_copies", 0))
    ratio = metrics.get("dcr_ratio", float("nan"))
    if copies:
        share = metrics.get("exact_copy_fraction", float("nan"))
        parts.append(f"copies: {copies} exact copies of training rows ({share:.0%})")
    elif ratio < COPYING_RATIO:
        parts.append(
            f"copies: none exact, but samples sit close to training rows (DCR ratio {ratio:.2f})"
        )
    else:
        parts.append("copies: none")
    if "tstr_trtr_ratio" in metrics:
        parts.append(
            f"a classifier trained on them reaches {metrics['tstr_trtr_ratio']:.0%} of one "
            "trained on real rows"
        )
    if table is not None and "independent_marginals" in table.index:
        parts.append(_against_marginals(metrics, table.loc["independent_marginals"].to_dict()))
    return "; ".join(parts)


def _against_marginals(metrics: dict[str, float], row: dict[Any, Any]) -> str:
    """Detection AUROC and correlation distance against independent marginals (lower is
    better on both); where they disagree, the worse comes first, each with both numbers."""
    base = {str(k): float(v) for k, v in row.items()}
    better: list[str] = []
    worse: list[str] = []
    for key, label, digits in (
        ("detection_auroc", "detection AUROC", 2),
        ("correlation_distance", "correlation distance", 3),
    ):
        if key not in base:
            continue
        value = metrics.get(key, np.inf)
        said = f"{label} ({value:.{digits}f} vs {base[key]:.{digits}f})"
        (better if value < base[key] else worse).append(said)
    if not better:
        return "no better than independent marginals on detection or correlations"
    if not worse:
        return "better than independent marginals on " + " and ".join(better)
    return (
        f"worse than independent marginals on {' and '.join(worse)}, better only on "
        + " and ".join(better)
    )
