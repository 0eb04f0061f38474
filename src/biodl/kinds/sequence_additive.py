"""Whether the CNN's additive term helps on a sequence set: ``model.additive="auto"``.

The CNN's additive term (:class:`biodl.models.cnn.CNN`, ``additive``) is a linear model on the
position-wise one-hot added to the network's output. It helps where positions carry linear
signal (aligned sets: promoters at a fixed offset, deep mutational scans) and hurts where a
motif can sit anywhere (benchmarks/RESULTS.md, "Wide-and-deep CNN", "additive='auto'").
:func:`choose_additive` decides from the TRAINING part alone: a seeded
:data:`FOLDS`-fold cross-validation of the baseline panel's regularised linear model
(:func:`biodl.evaluation.panel.fit_member` ``"logistic"``: logistic or ridge regression with
its strength chosen inside) on the position-free k-mer spectrum (k = 1..K, biodl's default K)
alone, and on the same spectrum with the position-wise one-hot beside it (the panel's
features). The term is turned on when the positions add something: when the second model's
pooled out-of-fold score (the task's primary metric) is at least the first one's, and the
lower end of its 99% bootstrap interval is above chance (AUROC 0.5, balanced accuracy 1/K,
Spearman 0; where neither model finds a signal the comparison is noise: a motif-anywhere set
of 140 sequences gave 0.538 vs 0.443). (Comparing
the one-hot alone with the spectrum alone was measured first: on the E. coli promoters it
turned the term on in only 5 of the 10 folds of their cross-validation, the spectrum alone
being about as good there; benchmarks/RESULTS.md.) Only fixed-length sets (one length, or
one given by ``--length``) under :data:`MAX_ROWS` training sequences are considered: above
that the term did not help on the shared sets (UCI splice, MPSA).

Examples
--------
>>> AdditiveChoice(False, "lengths differ").text()
'additive term off (lengths differ)'
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from biodl.errors import DataError

if TYPE_CHECKING:
    from biodl.data.sequence import SequenceSet
    from biodl.data.targets import TaskName

__all__ = ["BOOTSTRAP", "FOLDS", "LEVEL", "MAX_ROWS", "AdditiveChoice", "choose_additive"]

#: Folds of the cross-validation on the training part.
FOLDS = 5
#: The term is considered for fewer training sequences than this (off from here up).
MAX_ROWS = 1000
#: Bootstrap resamples and level of the interval that must clear chance.
BOOTSTRAP = 1000
LEVEL = 0.99


@dataclass(frozen=True)
class AdditiveChoice:
    """What ``additive="auto"`` resolved to, and why.

    Attributes
    ----------
    on : bool
        Whether the CNN gets its additive term.
    reason : str
        Why, in words (the scores compared, or why no comparison was made).
    metric : str or None
        The metric compared (the task's primary metric), None without a comparison.
    positional : float or None
        Pooled out-of-fold score of the linear model on the k-mer spectrum and the
        position-wise one-hot.
    kmers : float or None
        The same on the k-mer spectrum alone.
    seconds : float
        CPU seconds the decision took.
    """

    on: bool
    reason: str
    metric: str | None = None
    positional: float | None = None
    kmers: float | None = None
    seconds: float = 0.0

    def text(self) -> str:
        """One phrase: 'additive term on (...)'."""
        return f"additive term {'on' if self.on else 'off'} ({self.reason})"

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "reason": self.reason,
            "metric": self.metric,
            "positional": self.positional,
            "kmers": self.kmers,
            "seconds": round(self.seconds, 3),
        }


def choose_additive(
    train: SequenceSet,
    y: np.ndarray,
    task: TaskName,
    *,
    length: int | None,
    n_classes: int | None = None,
    seed: int = 0,
) -> AdditiveChoice:
    """Decide ``additive="auto"`` from the training part (see the module docstring).

    Parameters
    ----------
    train : SequenceSet
        The training sequences only (never validation or test ones).
    y : (n,) int, (n, K) int or (n, T) float
        Their targets in the layout of ``task``; rows with a missing target are left out.
    task : {'binary', 'multiclass', 'multilabel', 'regression'}
    length : int or None
        The fixed length the network sees; None (lengths differ) turns the term off.
    n_classes : int, optional
        Multiclass: the number of classes (score columns stay aligned in every fold).
    seed : int, default 0
        Shuffles the folds and seeds the linear models.

    Returns
    -------
    AdditiveChoice

    Examples
    --------
    >>> from biodl.data.sequence import SequenceSet
    >>> from biodl.data.alphabet import ALPHABETS
    >>> dna = ALPHABETS["dna"]
    >>> codes = dna.lut[np.frombuffer(b"ACGT" * 20, dtype=np.uint8)].copy()
    >>> seqs = SequenceSet(np.array(["a", "b"], dtype=object), codes, np.array([0, 40, 80]), dna)
    >>> choose_additive(seqs, np.array([0, 1]), "binary", length=40).reason
    'too few training sequences (in a class) for a cross-validation'
    """
    start = time.process_time()
    if length is None:
        return AdditiveChoice(False, "sequences of different lengths")
    if len(train) >= MAX_ROWS:
        return AdditiveChoice(False, f"{len(train):,} training sequences (>= {MAX_ROWS:,})")
    rows = _observed(y, task)
    folds = _folds(y[rows], task, seed)
    if folds is None:
        reason = "too few training sequences (in a class) for a cross-validation"
        return AdditiveChoice(False, reason, seconds=time.process_time() - start)
    from biodl.data.kmers import default_k, kmer_spectrum, sequence_features
    from biodl.evaluation.bootstrap import bootstrap_metrics
    from biodl.evaluation.metrics import compute_metrics, primary_metric

    part = train.subset(rows)
    k = default_k(part.alphabet, float(np.median(part.lengths)))
    metric = primary_metric(task)
    ks = tuple(range(1, k + 1))
    scores, pooled = {}, None  # pooled: the last model's out-of-fold scores (positional)
    for name, X in (
        ("kmers", kmer_spectrum(part, ks)),
        ("positional", sequence_features(part, k=ks, length=length)),
    ):
        try:
            pooled = _out_of_fold(X, y[rows], task, folds, seed, n_classes)
        except DataError as err:  # e.g. a label constant in a fold's training rows
            reason = f"no cross-validation on the training part ({err})"
            return AdditiveChoice(False, reason, seconds=time.process_time() - start)
        scores[name] = float(compute_metrics(task, y[rows], pooled)[metric])
    positional, kmers = scores["positional"], scores["kmers"]
    assert pooled is not None  # the positional model's out-of-fold scores
    # balanced accuracy averages the recall of the classes present in the training part
    present = len(np.unique(y[rows])) if task == "multiclass" else 2
    chance = _chance(metric, present)
    interval = bootstrap_metrics(task, y[rows], pooled, n_boot=BOOTSTRAP, level=LEVEL, seed=seed)
    low = interval[metric].low
    on = bool(np.isfinite(kmers) and positional >= kmers and low > chance)
    reason = (
        f"{len(folds)}-fold CV on the training part, linear model {metric}: 1- to {k}-mer "
        f"spectrum + position-wise one-hot {positional:.3f} ({LEVEL:.0%} CI from {low:.3f}; chance "
        f"{chance:.3f}) vs the spectrum alone {kmers:.3f}"
    )
    seconds = time.process_time() - start
    return AdditiveChoice(on, reason, metric, positional, kmers, seconds)


def _chance(metric: str, n_classes: int) -> float:
    """The primary metric of a model that knows nothing (AUROC 0.5, balanced accuracy 1/K,
    Spearman 0)."""
    return {"auroc": 0.5, "balanced_accuracy": 1.0 / max(n_classes, 2)}.get(metric, 0.0)


def _observed(y: np.ndarray, task: TaskName) -> np.ndarray:
    """Rows whose every target is observed (multilabel and regression may hold NaN)."""
    if y.ndim == 2 and y.dtype.kind == "f":
        return np.flatnonzero(np.isfinite(y).all(axis=1))
    return np.arange(len(y))


def _folds(y: np.ndarray, task: TaskName, seed: int) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """:data:`FOLDS` shuffled folds (stratified for binary and multiclass: as many folds as the
    smallest class has examples where that is fewer), None when a class has fewer than two
    examples or there are fewer rows than folds."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if len(y) < FOLDS:
        return None
    if task in ("binary", "multiclass"):
        fewest = int(np.unique(y, return_counts=True)[1].min())
        if fewest < 2:
            return None
        splitter = StratifiedKFold(min(FOLDS, fewest), shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(y)), y))
    return list(KFold(FOLDS, shuffle=True, random_state=seed).split(np.zeros(len(y))))


def _out_of_fold(
    X: Any,
    y: np.ndarray,
    task: TaskName,
    folds: list[tuple[np.ndarray, np.ndarray]],
    seed: int,
    n_classes: int | None,
) -> np.ndarray:
    """Scores of every row from the linear model fitted on the other folds."""
    from biodl.evaluation.baselines import Baseline
    from biodl.evaluation.panel import fit_member

    pooled: np.ndarray | None = None
    for fit_rows, held in folds:
        member = fit_member(
            "logistic", X[fit_rows], y[fit_rows], task, seed=seed, n_classes=n_classes
        )
        assert isinstance(member.baseline, Baseline)
        scores = np.asarray(member.baseline.predict_scores(X[held]), dtype=np.float64)
        if pooled is None:
            pooled = np.zeros((len(y), scores.shape[1]))
        pooled[held] = scores
    assert pooled is not None
    return pooled
