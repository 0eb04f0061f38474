"""Metric estimates as a run's results hold them, and the JSON conventions of ``metrics.json``.

:class:`Estimate` (a value and its bootstrap interval), :class:`SplitMetrics` (one model on one
split), :class:`MeanSd` (a metric over seeds or folds), :func:`finite` (how numbers are held:
NaN and infinity as ``None``, written as JSON ``null``) and :func:`check_schema`. The sections
of :mod:`biodl.evaluation.results` and :mod:`biodl.evaluation.cv_results` are built from them.

Examples
--------
>>> split = SplitMetrics.from_values({"accuracy": 0.9}, {"accuracy": (0.8, 0.95)})
>>> split.to_json("test")
{'test': {'accuracy': 0.9}, 'test_ci': {'accuracy': [0.8, 0.95]}}
>>> SplitMetrics.from_json({"test": {"accuracy": 0.9}}, "test").value("accuracy")
0.9
>>> MeanSd.over([0.5, float("nan"), 0.7]).values
[0.5, None, 0.7]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from biodl.errors import DataError
from biodl.evaluation.bootstrap import MetricEstimate

__all__ = [
    "JSON",
    "RESULTS_SCHEMA_VERSION",
    "Estimate",
    "MeanSd",
    "SplitMetrics",
    "check_schema",
    "finite",
]

#: Layout version of ``metrics.json`` (train and cross-validation runs); newer ones are refused.
RESULTS_SCHEMA_VERSION = 1

JSON = dict[str, Any]


def finite(value: Any) -> Any:
    """A number as JSON keeps it: ints stay ints, floats become ``float``, NaN/inf ``None``."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def check_schema(data: Mapping[str, Any], source: str) -> None:
    """Refuse ``metrics.json`` content written by a newer biodl.

    Raises
    ------
    DataError
        If ``data['schema_version']`` is above :data:`RESULTS_SCHEMA_VERSION`.
    """
    version = data.get("schema_version", RESULTS_SCHEMA_VERSION)
    if not isinstance(version, int) or version > RESULTS_SCHEMA_VERSION:
        raise DataError(
            f"{source}: written by a newer biodl (schema {version}; this biodl reads up to "
            f"{RESULTS_SCHEMA_VERSION}); upgrade biodl"
        )


@dataclass(frozen=True)
class Estimate:
    """One metric: its value and, where estimated, a bootstrap interval.

    Attributes
    ----------
    value : float or None
        None where the metric is undefined on the data (e.g. AUROC with one class).
    low, high : float or None
        Interval bounds (None without an interval, or where undefined).
    """

    value: float | None
    low: float | None = None
    high: float | None = None

    @classmethod
    def of(cls, estimate: MetricEstimate) -> Estimate:
        """From a bootstrap estimate (NaN becomes None)."""
        return cls(finite(estimate.value), finite(estimate.low), finite(estimate.high))


@dataclass(frozen=True)
class SplitMetrics:
    """The metrics of one model on one split.

    Attributes
    ----------
    estimates : dict of str to Estimate
        Metric name -> estimate, in the order of the task's metrics.
    intervals : bool
        Whether the split has bootstrap intervals (``<split>_ci`` in JSON); training metrics
        have none.
    """

    estimates: dict[str, Estimate]
    intervals: bool = True

    @classmethod
    def from_bootstrap(cls, estimates: Mapping[str, MetricEstimate]) -> SplitMetrics:
        """From :func:`biodl.evaluation.metrics.bootstrap_metrics` output."""
        return cls({k: Estimate.of(v) for k, v in estimates.items()}, intervals=True)

    @classmethod
    def from_values(
        cls,
        values: Mapping[str, Any],
        ci: Mapping[str, Any] | None = None,
    ) -> SplitMetrics:
        """From metric values and, optionally, ``[low, high]`` per metric."""
        estimates = {}
        for name, value in values.items():
            low, high = (ci or {}).get(name) or (None, None)
            estimates[name] = Estimate(finite(value), finite(low), finite(high))
        return cls(estimates, intervals=ci is not None)

    def values(self) -> dict[str, float | None]:
        """Metric name -> value."""
        return {k: e.value for k, e in self.estimates.items()}

    def ci(self) -> dict[str, list[float | None]]:
        """Metric name -> ``[low, high]``."""
        return {k: [e.low, e.high] for k, e in self.estimates.items()}

    def value(self, name: str) -> float | None:
        """The value of metric ``name`` (None when absent or undefined)."""
        estimate = self.estimates.get(name)
        return None if estimate is None else estimate.value

    def to_json(self, split: str) -> JSON:
        """``{split: values, split_ci: [low, high] per metric}`` (no ``_ci`` without intervals)."""
        out: JSON = {split: self.values()}
        if self.intervals:
            out[f"{split}_ci"] = self.ci()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], split: str) -> SplitMetrics:
        """Read ``data[split]`` and ``data[split + '_ci']`` (when present)."""
        return cls.from_values(data[split], data.get(f"{split}_ci"))


@dataclass(frozen=True)
class MeanSd:
    """A metric over repeated runs (seeds or folds): mean, sample sd and the values.

    ``mean`` is None when no value is defined, ``sd`` when fewer than two are.
    """

    mean: float | None
    sd: float | None
    values: list[float | None]

    @classmethod
    def over(cls, values: Any) -> MeanSd:
        """Summarise ``values`` over runs; NaN (undefined) values are left out of mean and sd."""
        column = np.asarray(values, dtype=np.float64)
        defined = np.isfinite(column)
        mean = float(np.nanmean(column)) if defined.any() else None
        sd = float(np.nanstd(column, ddof=1)) if defined.sum() > 1 else None
        return cls(mean, sd, [finite(v) for v in column.tolist()])

    def to_json(self) -> JSON:
        return {"mean": self.mean, "sd": self.sd, "values": list(self.values)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeanSd:
        return cls(finite(data["mean"]), finite(data["sd"]), [finite(v) for v in data["values"]])
