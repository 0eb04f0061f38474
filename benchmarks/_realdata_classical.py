"""The independent classical fits of ``realdata.py``: features, scikit-learn models, metrics.

Nothing here imports biodl. The features are built with plain numpy from the sequences as
strings (or from the numbers of the other kinds; RDKit and plain Python for graphs and
molecules, in ``_realdata_graphs.py``); the models are scikit-learn's
``RandomForest*`` (300 trees) and ``HistGradientBoosting*`` (library defaults), one thread
each; the metrics and their 95% intervals are computed with scikit-learn, scipy and a
percentile bootstrap. So the table's verdict can be checked against a fit that shares no code
with biodl's baselines.

Examples
--------
>>> X = kmer_frequencies(["ACGTAC", "AAAA"], "ACGT", 2)
>>> X.shape, float(X[1, 0])
((2, 16), 1.0)
>>> onehot(["AC", "GT"], "ACGT").shape
(2, 8)
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats
from sklearn import metrics as skm
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

DNA = "ACGT"
RNA = "ACGU"
PROTEIN = "ACDEFGHIKLMNPQRSTVWY"
#: Training rows at most for one fit of each model; larger training parts are subsampled
#: (uniformly, seed 0) and the table says so. A 300-tree regression forest considers every
#: feature at every split: on 20,000 x 1,500 features it takes about 15 minutes on one core.
MAX_TRAIN_ROWS = {"random forest": 20_000, "gradient boosting": 50_000}
#: Bootstrap resamples of the test part for the 95% intervals.
N_BOOTSTRAP = 1000
#: Metrics where smaller is better (the rest: larger is better).
LOWER_IS_BETTER = frozenset({"rmse", "mae"})
#: The two independent models: name -> (classifier, regressor) factories.
MODELS: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "random forest": (
        lambda: RandomForestClassifier(n_estimators=300, n_jobs=1, random_state=0),
        lambda: RandomForestRegressor(n_estimators=300, n_jobs=1, random_state=0),
    ),
    "gradient boosting": (
        lambda: HistGradientBoostingClassifier(random_state=0),
        lambda: HistGradientBoostingRegressor(random_state=0),
    ),
}


def default_k(alphabet: str, median_length: float) -> int:
    """The k-mer size biodl's baseline uses by default (DNA/RNA 4/5/6, protein 1/2)."""
    if alphabet == PROTEIN:
        return 1 if median_length <= 30 else 2
    if median_length <= 100:
        return 4
    return 5 if median_length <= 1000 else 6


@functools.cache
def _lookup(alphabet: str) -> np.ndarray:
    lut = np.full(256, -1, dtype=np.int64)
    for i, letter in enumerate(alphabet):
        lut[ord(letter)] = i
        lut[ord(letter.lower())] = i
    return lut


def _codes(seq: str, alphabet: str) -> np.ndarray:
    """Letters as 0..A-1, anything else (ambiguity codes) as -1."""
    return _lookup(alphabet)[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


def kmer_frequencies(seqs: Sequence[str], alphabet: str, k: int) -> np.ndarray:
    """Overlapping k-mer frequencies, ``(n, A**k)`` float32; k-mers with other letters skipped."""
    size = len(alphabet)
    out = np.zeros((len(seqs), size**k), dtype=np.float32)
    for row, seq in enumerate(seqs):
        codes = _codes(seq, alphabet)
        windows = len(codes) - k + 1
        if windows <= 0:
            continue
        index = np.zeros(windows, dtype=np.int64)
        bad = np.zeros(windows, dtype=bool)
        for j in range(k):
            part = codes[j : j + windows]
            index = index * size + np.maximum(part, 0)
            bad |= part < 0
        counts = np.bincount(index[~bad], minlength=size**k)
        total = counts.sum()
        if total:
            out[row] = counts / total
    return out


def onehot(seqs: Sequence[str], alphabet: str) -> np.ndarray:
    """Position-wise one-hot of equal-length sequences, ``(n, L * A)`` float32."""
    size, length = len(alphabet), len(seqs[0])
    codes = np.stack([_codes(s, alphabet) for s in seqs])
    out = np.zeros((len(seqs), length, size), dtype=np.float32)
    rows, cols = np.nonzero(codes >= 0)
    out[rows, cols, codes[rows, cols]] = 1.0
    return out.reshape(len(seqs), length * size)


def sequence_features(
    seqs: Sequence[str], alphabet: str, train_rows: np.ndarray
) -> tuple[np.ndarray, str]:
    """k-mer frequencies (k by biodl's rule on the training rows), plus one-hot if fixed length."""
    lengths = np.array([len(s) for s in seqs])
    k = default_k(alphabet, float(np.median(lengths[train_rows])))
    blocks = [kmer_frequencies(seqs, alphabet, k)]
    description = f"{k}-mer frequencies"
    if lengths.min() == lengths.max():
        blocks.append(onehot(seqs, alphabet))
        description += " + position-wise one-hot"
    return np.hstack(blocks), description


@dataclass
class Classical:
    """What the independent fits need: features, targets and the split (or the folds)."""

    X: np.ndarray
    y: np.ndarray
    task: str  # 'classification' or 'regression'
    features: str
    train: np.ndarray | None = None
    test: np.ndarray | None = None
    folds: int | None = None
    ids: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


def compute(metric: str, y: np.ndarray, scores: np.ndarray) -> float:
    """One metric with scikit-learn/scipy. ``scores``: class probabilities or predictions."""
    if metric in ("spearman", "pearson", "r2", "rmse", "mae"):
        pred = scores.ravel()
        if metric == "rmse":
            return float(np.sqrt(np.mean((y - pred) ** 2)))
        if metric == "mae":
            return float(np.mean(np.abs(y - pred)))
        if metric == "r2":
            return float(skm.r2_score(y, pred))
        test = stats.spearmanr if metric == "spearman" else stats.pearsonr
        return float(test(y, pred)[0])
    predicted = scores.argmax(axis=1)
    if metric == "accuracy":
        return float(skm.accuracy_score(y, predicted))
    if metric == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(y, predicted))
    if metric == "mcc":
        return float(skm.matthews_corrcoef(y, predicted))
    if metric == "auroc":
        if scores.shape[1] == 2:
            return float(skm.roc_auc_score(y, scores[:, 1]))
        return float(skm.roc_auc_score(y, scores, multi_class="ovr"))
    raise ValueError(f"unknown metric {metric!r}")


def with_interval(
    metric: str, y: np.ndarray, scores: np.ndarray, *, seed: int = 0
) -> dict[str, float | None]:
    """The metric on all rows and a 95% percentile-bootstrap interval over the rows."""
    value = compute(metric, y, scores)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(N_BOOTSTRAP):
        rows = rng.integers(0, len(y), len(y))
        try:
            draw = compute(metric, y[rows], scores[rows])
        except ValueError:  # a resample with one class has no AUROC
            continue
        if math.isfinite(draw):
            draws.append(draw)
    if not draws:
        return {"value": value, "low": None, "high": None}
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"value": value, "low": float(low), "high": float(high)}


def fold_interval(values: Sequence[float], n_folds: int) -> dict[str, float | None]:
    """Mean over folds and a 95% interval with the Nadeau-Bengio corrected variance."""
    v = np.asarray(values, dtype=np.float64)
    mean = float(v.mean())
    if len(v) < 2:
        return {"value": mean, "low": None, "high": None, "sd": None}
    sd = float(v.std(ddof=1))
    half = stats.t.ppf(0.975, len(v) - 1) * sd * math.sqrt(1 / len(v) + 1 / (n_folds - 1))
    # every reported metric is at most 1
    return {"value": mean, "low": mean - half, "high": min(1.0, mean + half), "sd": sd}


def _scores(model: Any, X: np.ndarray, task: str, n_classes: int) -> np.ndarray:
    if task == "regression":
        return np.asarray(model.predict(X), dtype=np.float64).reshape(-1, 1)
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    out = np.zeros((len(X), n_classes))
    out[:, model.classes_.astype(int)] = proba
    return out


def _fit(name: str, data: Classical, rows: np.ndarray) -> tuple[Any, float, int]:
    """Fit one model on ``rows`` (subsampled to its MAX_TRAIN_ROWS); the model, seconds, rows."""
    cap = MAX_TRAIN_ROWS[name]
    if len(rows) > cap:
        rows = np.sort(np.random.default_rng(0).choice(rows, cap, replace=False))
    classifier, regressor = MODELS[name]
    model = regressor() if data.task == "regression" else classifier()
    start = time.perf_counter()
    # One thread each: on 2 shared cores OpenMP boosting with 2 threads ran ~3x slower.
    with threadpool_limits(1):
        model.fit(data.X[rows], data.y[rows])
    return model, time.perf_counter() - start, len(rows)


def fit_split(
    data: Classical, metrics: Sequence[str], subset: np.ndarray | None = None
) -> dict[str, Any]:
    """Each model fitted on the training rows and scored on the test rows (and a subset)."""
    assert data.train is not None and data.test is not None
    n_classes = int(data.y.max()) + 1 if data.task == "classification" else 1
    out: dict[str, Any] = {}
    for name in MODELS:
        model, seconds, used = _fit(name, data, data.train)
        scores = _scores(model, data.X[data.test], data.task, n_classes)
        y = data.y[data.test]
        entry: dict[str, Any] = {
            "seconds": seconds,
            "train_rows": used,
            "metrics": {m: with_interval(m, y, scores) for m in metrics},
        }
        if subset is not None:
            entry["subset"] = {
                m: with_interval(m, y[subset], scores[subset]) for m in metrics if m != "auroc"
            }
        out[name] = entry
    return out


def fit_folds(data: Classical, metrics: Sequence[str], *, seed: int = 0) -> dict[str, Any]:
    """Stratified k-fold (shuffled, ``seed``) over all rows, as ``biodl cv`` makes its folds."""
    assert data.folds is not None
    n_classes = int(data.y.max()) + 1
    splitter = StratifiedKFold(n_splits=data.folds, shuffle=True, random_state=seed)
    folds = list(splitter.split(np.zeros(len(data.y)), data.y))
    out: dict[str, Any] = {}
    for name in MODELS:
        per_fold: dict[str, list[float]] = {m: [] for m in metrics}
        seconds = 0.0
        for train, test in folds:
            model, took, _ = _fit(name, data, train)
            seconds += took
            scores = _scores(model, data.X[test], data.task, n_classes)
            for m in metrics:
                per_fold[m].append(compute(m, data.y[test], scores))
        out[name] = {
            "seconds": seconds,
            "train_rows": int(np.mean([len(t) for t, _ in folds])),
            "fold_sizes": [len(t) for _, t in folds],
            "metrics": {m: fold_interval(v, data.folds) for m, v in per_fold.items()},
        }
    return out
