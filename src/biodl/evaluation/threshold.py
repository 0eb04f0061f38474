"""Decision thresholds for binary classifiers, chosen on validation data.

With a rare outcome (in-hospital death ~14%), thresholding probabilities at 0.5 predicts
almost everyone negative: accuracy looks fine and sensitivity is near zero. The thresholded
metrics (accuracy, balanced accuracy, F1, MCC) are therefore computed at a threshold chosen on
the VALIDATION part — never on the test part — by maximising a named criterion. The threshold
sits halfway between the lowest validation score it calls positive and the next lower one, so
it does not hug the validation examples (which matters when there are few of them).
"Positive" is the positive class of the run (code 1 of :mod:`biodl.data.targets`: the class
named with ``--positive-class``, else one named like a positive or opposite a negative, else
the minority of the training labels), so the rare class is the one thresholded.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 0, 0, 0, 1, 1]); p = np.array([0.1, 0.2, 0.3, 0.25, 0.3, 0.4])
>>> choose_threshold(y, p).threshold  # between 0.3 (positive) and 0.25 (negative)
0.275
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["THRESHOLD_RULES", "Threshold", "ThresholdRule", "choose_threshold"]

ThresholdRule = Literal["balanced_accuracy", "f1"]
#: Criteria maximised over the candidate thresholds (the distinct validation scores).
THRESHOLD_RULES: dict[str, str] = {
    "balanced_accuracy": "mean of sensitivity and specificity (Youden's J + 1 / 2)",
    "f1": "harmonic mean of precision and recall of the positive class",
}


@dataclass(frozen=True)
class Threshold:
    """A chosen threshold: predict positive when ``score >= threshold``.

    Attributes
    ----------
    threshold : float
    rule : str
        The criterion maximised.
    value : float
        The criterion's value on the validation data at ``threshold``.
    n : int
        Validation examples used.
    """

    threshold: float
    rule: str
    value: float
    n: int


def choose_threshold(
    y: np.ndarray, score: np.ndarray, *, rule: ThresholdRule = "balanced_accuracy"
) -> Threshold:
    """Threshold maximising ``rule`` on validation labels and positive-class scores.

    Parameters
    ----------
    y : (n,) int array of 0/1
    score : (n,) float array
        Probability (or any monotone score) of the positive class.
    rule : {'balanced_accuracy', 'f1'}, default 'balanced_accuracy'

    Returns
    -------
    Threshold
        0.5 (with ``value`` NaN) when ``y`` holds a single class.
    """
    y = np.asarray(y).astype(bool)
    score = np.asarray(score, dtype=np.float64)
    if y.all() or not y.any():
        return Threshold(0.5, rule, float("nan"), len(y))
    order = np.argsort(-score, kind="stable")
    s, t = score[order], y[order]
    tp = np.cumsum(t)
    fp = np.cumsum(~t)
    last = np.r_[s[1:] != s[:-1], True]  # predict positive for every score >= s[k]
    tp, fp, cand = tp[last], fp[last], s[last]
    pos, neg = t.sum(), (~t).sum()
    if rule == "f1":
        crit = 2 * tp / (2 * tp + fp + (pos - tp))
    else:
        crit = 0.5 * (tp / pos + (neg - fp) / neg)
    k = int(np.argmax(crit))
    cut = (cand[k] + cand[k + 1]) / 2 if k + 1 < len(cand) else cand[k]
    return Threshold(float(cut), rule, float(crit[k]), len(y))
