"""Scores of a lineage forecast on held-out seasons, beside the classical baselines.

Every (site, held-out season pair) is one case: "the consensus letter at this site changes
from season ``s`` to ``s + 1``". A forecaster gives each case a score; AUROC and AUPRC (with
percentile-bootstrap intervals over the cases, :func:`biodl.evaluation.bootstrap.bootstrap_metrics`)
say how well the scores rank the sites that changed above the others. The baselines:

persistence
    nothing changes: every score is equal, so AUROC is exactly 0.5 and AUPRC the fraction of
    cases that changed;
site frequency
    how often the site's consensus changed in the season pairs before;
site entropy
    the site's mean letter entropy over the seasons before.

For the sites that did change, the top-k accuracy of the new letter says whether the true new
consensus is among the ``k`` letters the forecast ranks highest; its baseline ranks the other
letters by their frequency in the current season.

Examples
--------
>>> import numpy as np
>>> y = np.array([[0, 1, 0, 1]], dtype=bool)
>>> ranked = change_metrics(y, np.array([[0.1, 0.9, 0.2, 0.8]]), n_boot=50)
>>> ranked["auroc"].value
1.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from biodl.evaluation.bootstrap import MetricEstimate, bootstrap_metrics

__all__ = [
    "BASELINES",
    "ForecastEvaluation",
    "ForecastMetrics",
    "change_metrics",
    "evaluate_forecast",
    "top_k_accuracy",
]

#: The baselines of the table, in order, with their description.
BASELINES: dict[str, str] = {
    "persistence": "nothing changes (all scores equal: AUROC 0.5)",
    "site_frequency": "how often the site changed in past season pairs",
    "site_entropy": "mean letter entropy of the site over past seasons",
}
TOP_K = (1, 3)


def change_metrics(
    change: np.ndarray,
    scores: np.ndarray,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, MetricEstimate]:
    """AUROC and AUPRC (with bootstrap intervals) of scores for "the site changes".

    Parameters
    ----------
    change : (pairs, L) bool
    scores : (pairs, L) float
        Higher = more likely to change.
    """
    y = np.asarray(change, dtype=np.int64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    # Ranks only matter for AUROC/AUPRC; squash into [0, 1] for the binary metrics' layout.
    span = float(s.max() - s.min()) if len(s) else 0.0
    p = (s - s.min()) / span if span > 0 else np.full_like(s, 0.5)
    found = bootstrap_metrics("binary", y, np.c_[1 - p, p], n_boot=n_boot, level=level, seed=seed)
    return {name: found[name] for name in ("auroc", "auprc")}


def top_k_accuracy(
    letter_scores: np.ndarray, new_letter: np.ndarray, change: np.ndarray, k: int
) -> float:
    """Fraction of the changed sites whose new letter is among the ``k`` top-scored letters.

    Parameters
    ----------
    letter_scores : (pairs, L, A) float
    new_letter : (pairs, L) int
    change : (pairs, L) bool
    k : int
    """
    mask = np.asarray(change, dtype=bool)
    if not mask.any():
        return float("nan")
    scores = letter_scores[mask]
    truth = new_letter[mask]
    # Ties broken by letter order, the same on every run.
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float((order == truth[:, None]).any(axis=1).mean())


@dataclass(frozen=True)
class ForecastMetrics:
    """One forecaster's numbers on the held-out season pairs.

    Attributes
    ----------
    auroc, auprc : MetricEstimate
    top_k : dict of int to float
        Top-k accuracy of the new letter at the sites that changed (NaN: none did, or the
        forecaster does not name letters).
    """

    auroc: MetricEstimate
    auprc: MetricEstimate
    top_k: dict[int, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "auroc": asdict(self.auroc),
            "auprc": asdict(self.auprc),
            "top_k": {str(k): v for k, v in self.top_k.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ForecastMetrics:
        """Read back :meth:`to_json` (JSON ``null`` as NaN)."""

        def estimate(part: dict[str, Any]) -> MetricEstimate:
            return MetricEstimate(*(_number(part[k]) for k in ("value", "low", "high")))

        top = {int(k): _number(v) for k, v in data.get("top_k", {}).items()}
        return cls(estimate(data["auroc"]), estimate(data["auprc"]), top)


@dataclass(frozen=True)
class ForecastEvaluation:
    """The forecast and the baselines on the held-out pairs, and the verdict.

    Attributes
    ----------
    model : ForecastMetrics
    baselines : dict of str to ForecastMetrics
        Keys of :data:`BASELINES`.
    strongest : str
        The baseline with the highest AUROC (site frequency or site entropy).
    verdict : str
        One sentence comparing the forecast with the strongest baseline.
    cases : int
        Sites times held-out pairs.
    changed : int
        Cases whose consensus changed.
    """

    model: ForecastMetrics
    baselines: dict[str, ForecastMetrics]
    strongest: str
    verdict: str
    cases: int
    changed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model.to_json(),
            "baselines": {k: v.to_json() for k, v in self.baselines.items()},
            "strongest_baseline": self.strongest,
            "verdict": self.verdict,
            "cases": self.cases,
            "changed": self.changed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ForecastEvaluation:
        """Read back the ``metrics.json`` of a forecast run (:meth:`to_json`)."""
        return cls(
            model=ForecastMetrics.from_json(data["model"]),
            baselines={k: ForecastMetrics.from_json(v) for k, v in data["baselines"].items()},
            strongest=data["strongest_baseline"],
            verdict=data["verdict"],
            cases=int(data["cases"]),
            changed=int(data["changed"]),
        )


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _verdict(model: MetricEstimate, base: MetricEstimate, name: str) -> str:
    label = name.replace("_", " ")
    gap = model.value - base.value
    if not np.isfinite(gap):
        return "No verdict: no held-out site changed (or none stayed), so AUROC is undefined."
    if gap > 0:
        clear = " (the intervals do not overlap)" if model.low > base.high else ""
        word = "beats"
    else:
        clear, word = "", "does not beat"
    return (
        f"The forecast {word} the strongest baseline ({label}) on per-site AUROC: "
        f"{model.value:.3f} vs {base.value:.3f}{clear}."
    )


def evaluate_forecast(
    *,
    change: np.ndarray,
    new_letter: np.ndarray,
    scores: np.ndarray,
    letter_scores: np.ndarray,
    baseline_scores: dict[str, np.ndarray],
    frequencies: np.ndarray,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> ForecastEvaluation:
    """Score the forecast and the baselines on the held-out pairs.

    Parameters
    ----------
    change, new_letter : (pairs, L)
        Truth of the held-out pairs.
    scores : (pairs, L) float
        The forecast's probability of change.
    letter_scores : (pairs, L, A) float
        The forecast's distribution of the new letter.
    baseline_scores : dict
        ``site_frequency`` and ``site_entropy`` scores ``(pairs, L)``.
    frequencies : (pairs, L, A) float
        Letter frequencies of the current seasons (the letter baseline).
    n_boot, level, seed
        Bootstrap settings.
    """
    ranked = change_metrics(change, scores, n_boot=n_boot, level=level, seed=seed)
    model = ForecastMetrics(
        ranked["auroc"],
        ranked["auprc"],
        {k: top_k_accuracy(letter_scores, new_letter, change, k) for k in TOP_K},
    )
    current = np.argmax(frequencies, axis=-1)
    others = frequencies.copy()
    np.put_along_axis(others, current[..., None], -1.0, axis=-1)
    baselines: dict[str, ForecastMetrics] = {}
    for name in BASELINES:
        values = baseline_scores.get(name, np.zeros(change.shape))
        found = change_metrics(change, values, n_boot=n_boot, level=level, seed=seed)
        letters = {k: top_k_accuracy(others, new_letter, change, k) for k in TOP_K}
        baselines[name] = ForecastMetrics(
            found["auroc"], found["auprc"], letters if name != "persistence" else {}
        )
    strongest = max(("site_frequency", "site_entropy"), key=lambda n: baselines[n].auroc.value)
    return ForecastEvaluation(
        model=model,
        baselines=baselines,
        strongest=strongest,
        verdict=_verdict(model.auroc, baselines[strongest].auroc, strongest),
        cases=int(np.size(change)),
        changed=int(np.sum(change)),
    )
