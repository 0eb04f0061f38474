"""Transfer learning in a run's results: where the weights came from, and the scratch rival.

:class:`TransferFacts` is ``metrics.json`` ``transfer`` (the same entry as ``model.json``
``transfer``: the options and :class:`biodl.training.pretrained.LoadReport` of what loaded);
:class:`ScratchResult` is ``metrics.json`` ``scratch``, written by ``--compare-scratch``: the
same model trained from random weights on the same split, compared with the transferred one.

Examples
--------
>>> facts = TransferFacts(init_from="runs/pre", freeze="body", body_lr_factor=1.0,
...                       unfreeze_after=0, summary="loaded 4 tensors", source="w.safetensors",
...                       kind="safetensors")
>>> TransferFacts.from_json(facts.to_json()) == facts
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from biodl.evaluation.comparison import PairedComparison
from biodl.evaluation.estimates import JSON, SplitMetrics, finite

__all__ = ["ScratchComparison", "ScratchResult", "ScratchTraining", "TransferFacts"]


@dataclass(frozen=True)
class TransferFacts:
    """How the initial weights were loaded (``--init-from``) and trained on.

    Attributes
    ----------
    init_from : str
        The run directory or weights file given.
    freeze : str
        'none' (fine-tuning) or 'body' (feature extraction).
    body_lr_factor : float
    unfreeze_after : int
    summary : str
        One sentence on what was loaded.
    source, kind, source_model, loaded, adapted, missing, unexpected, mismatched, head,
    head_reason, mapping
        The fields of :class:`biodl.training.pretrained.LoadReport`, as saved.
    """

    init_from: str
    freeze: str
    body_lr_factor: float
    unfreeze_after: int
    summary: str
    source: str
    kind: str
    source_model: str | None = None
    loaded: list[str] = field(default_factory=list)
    adapted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[list[Any]] = field(default_factory=list)
    head: str = "reinitialised"
    head_reason: str = ""
    mapping: list[str] = field(default_factory=list)

    def to_json(self) -> JSON:
        return {f.name: _copy(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TransferFacts:
        names = {f.name for f in fields(cls)}
        return cls(**{k: _copy(v) for k, v in data.items() if k in names})


def _copy(value: Any) -> Any:
    return [_copy(v) for v in value] if isinstance(value, list | tuple) else value


@dataclass(frozen=True)
class ScratchTraining:
    """How the scratch model trained."""

    epochs_run: int
    best_epoch: int
    seconds: float

    def to_json(self) -> JSON:
        return {
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScratchTraining:
        return cls(data["epochs_run"], data["best_epoch"], data["seconds"])


@dataclass(frozen=True)
class ScratchComparison:
    """Paired bootstrap of transferred minus scratch on the primary metric, and the verdict."""

    metric: str
    transferred: float | None
    scratch: float | None
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    verdict: str

    @classmethod
    def of(cls, comparison: PairedComparison, *, verdict: str) -> ScratchComparison:
        c = comparison
        return cls(
            metric=c.metric,
            transferred=finite(c.a),
            scratch=finite(c.b),
            difference=finite(c.difference),
            low=finite(c.low),
            high=finite(c.high),
            p_value=finite(c.p_value),
            verdict=verdict,
        )

    def to_json(self) -> JSON:
        return {
            "metric": self.metric,
            "transferred": self.transferred,
            "scratch": self.scratch,
            "difference": self.difference,
            "ci": [self.low, self.high],
            "p_value": self.p_value,
            "verdict": self.verdict,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScratchComparison:
        low, high = data["ci"]
        return cls(
            metric=data["metric"],
            transferred=finite(data["transferred"]),
            scratch=finite(data["scratch"]),
            difference=finite(data["difference"]),
            low=finite(low),
            high=finite(high),
            p_value=finite(data["p_value"]),
            verdict=data["verdict"],
        )


@dataclass(frozen=True)
class ScratchResult:
    """The same model trained from random weights on the same split (``--compare-scratch``).

    Attributes
    ----------
    name : str
        E.g. 'CNN from scratch'.
    split : str
        The final split its metrics are on.
    metrics : SplitMetrics
        Its metrics on ``split`` with bootstrap intervals.
    training : ScratchTraining
    comparison : ScratchComparison
    """

    name: str
    split: str
    metrics: SplitMetrics
    training: ScratchTraining
    comparison: ScratchComparison

    def to_json(self) -> JSON:
        return {
            "name": self.name,
            "split": self.split,
            **self.metrics.to_json(self.split),
            "training": self.training.to_json(),
            "comparison": self.comparison.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScratchResult:
        split = data["split"]
        return cls(
            name=data["name"],
            split=split,
            metrics=SplitMetrics.from_json(data, split),
            training=ScratchTraining.from_json(data["training"]),
            comparison=ScratchComparison.from_json(data["comparison"]),
        )
