"""The results of a cross-validation run as typed objects: ``metrics.json`` of ``biodl cv``.

:class:`CVResults` is the whole file (layout in ``docs/run-directory.md``, "Cross-validation
runs"): per model the mean ± sd of every metric over folds, the paired comparison over folds
with its verdict, and for nested cross-validation the configuration chosen in each fold.
``to_json()`` gives the dict in the order biodl has always written it; ``from_json`` reads it.

Examples
--------
>>> fold = TunedFold(repeat=1, fold=2, params={"train.lr": 0.003}, best_value=0.41, n_trials=5)
>>> TunedFold.from_json(fold.to_json()) == fold
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from biodl.data.targets import positive_text
from biodl.errors import DataError
from biodl.evaluation.crossval import FoldComparison
from biodl.evaluation.estimates import JSON, RESULTS_SCHEMA_VERSION, MeanSd, check_schema, finite

__all__ = [
    "CV_KIND",
    "CVComparison",
    "CVData",
    "CVModelSummary",
    "CVResults",
    "NestedTuning",
    "TunedFold",
]

#: ``metrics.json`` ``kind`` of a cross-validation run.
CV_KIND = "cross-validation"

#: The statistical tests behind :class:`CVComparison`, as written in ``metrics.json``.
CV_TEST = "corrected resampled t-test (Nadeau & Bengio 2003) and Wilcoxon signed-rank"


@dataclass(frozen=True)
class CVData:
    """The file cross-validated, its number of examples, the classes and the kind of data.

    ``kind`` is None for runs written before it was recorded (it is then left out of the JSON).
    ``positive_class`` (binary tasks: the second of ``classes``, chosen once on the whole
    training file so that every fold agrees) and ``positive_reason`` likewise.
    """

    train_file: str
    n: int
    classes: list[str] = field(default_factory=list)
    kind: str | None = None
    positive_class: str | None = None
    positive_reason: str = ""

    def to_json(self) -> JSON:
        out: JSON = {"train_file": self.train_file, "n": self.n, "classes": list(self.classes)}
        if self.kind is not None:
            out["kind"] = self.kind
        if self.positive_class is not None:
            out["positive_class"] = self.positive_class
            out["positive_reason"] = self.positive_reason
        return out

    def positive_text(self) -> str:
        """'positive class: NAME (why)' for a binary task; '' otherwise and for old runs."""
        return positive_text(self.positive_class, self.positive_reason)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CVData:
        return cls(
            data["train_file"],
            data["n"],
            list(data.get("classes", [])),
            data.get("kind"),
            positive_class=data.get("positive_class"),
            positive_reason=data.get("positive_reason", ""),
        )


@dataclass(frozen=True)
class CVModelSummary:
    """One model over the folds: total training seconds and mean ± sd per metric.

    ``chosen`` (the baseline panel only): how many folds chose each classical model as their
    baseline on the fold's validation part; None otherwise and in older runs.
    """

    name: str
    seconds: float
    metrics: dict[str, MeanSd]
    chosen: dict[str, int] | None = None

    def to_json(self) -> JSON:
        out: JSON = {
            "name": self.name,
            "seconds": self.seconds,
            "metrics": {k: v.to_json() for k, v in self.metrics.items()},
        }
        if self.chosen is not None:
            out["chosen"] = dict(self.chosen)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CVModelSummary:
        metrics = {k: MeanSd.from_json(v) for k, v in data["metrics"].items()}
        chosen = data.get("chosen")
        return cls(data["name"], data["seconds"], metrics, dict(chosen) if chosen else None)


@dataclass(frozen=True)
class CVComparison:
    """Model minus baseline over folds: corrected resampled t-test, Wilcoxon, the verdict.

    Attributes
    ----------
    metric : str
    n_folds : int
        Folds times repeats (or seeds).
    mean_difference, sd_difference : float or None
    corrected_t, p_value : float or None
        Nadeau & Bengio (2003), two-sided, ``n_folds - 1`` degrees of freedom.
    wilcoxon_p : float or None
    verdict : str
    test : str
        The tests, in words.
    """

    metric: str
    n_folds: int
    mean_difference: float | None
    sd_difference: float | None
    corrected_t: float | None
    p_value: float | None
    wilcoxon_p: float | None
    verdict: str
    test: str = CV_TEST

    @classmethod
    def of(cls, c: FoldComparison, *, verdict: str) -> CVComparison:
        return cls(
            metric=c.metric,
            n_folds=c.n,
            mean_difference=finite(c.mean_difference),
            sd_difference=finite(c.sd_difference),
            corrected_t=finite(c.t_statistic),
            p_value=finite(c.p_value),
            wilcoxon_p=finite(c.wilcoxon_p),
            verdict=verdict,
        )

    def to_json(self) -> JSON:
        return {
            "metric": self.metric,
            "n_folds": self.n_folds,
            "mean_difference": self.mean_difference,
            "sd_difference": self.sd_difference,
            "corrected_t": self.corrected_t,
            "p_value": self.p_value,
            "wilcoxon_p": self.wilcoxon_p,
            "test": self.test,
            "verdict": self.verdict,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CVComparison:
        return cls(
            metric=data["metric"],
            n_folds=data["n_folds"],
            mean_difference=finite(data["mean_difference"]),
            sd_difference=finite(data["sd_difference"]),
            corrected_t=finite(data["corrected_t"]),
            p_value=finite(data["p_value"]),
            wilcoxon_p=finite(data["wilcoxon_p"]),
            verdict=data["verdict"],
            test=data.get("test", CV_TEST),
        )


@dataclass(frozen=True)
class TunedFold:
    """Nested cross-validation: what the search inside one outer fold chose."""

    repeat: int
    fold: int
    params: dict[str, Any]
    best_value: float | None
    n_trials: int

    def to_json(self) -> JSON:
        return {
            "repeat": self.repeat,
            "fold": self.fold,
            "params": dict(self.params),
            "best_value": self.best_value,
            "n_trials": self.n_trials,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TunedFold:
        return cls(
            data["repeat"],
            data["fold"],
            dict(data["params"]),
            finite(data["best_value"]),
            data["n_trials"],
        )


@dataclass(frozen=True)
class NestedTuning:
    """How the network was tuned inside each outer fold (``biodl cv --tune``)."""

    search: str
    trials: int
    monitor: str
    folds: list[TunedFold]
    nested: bool = True

    def to_json(self) -> JSON:
        return {
            "nested": self.nested,
            "search": self.search,
            "trials": self.trials,
            "monitor": self.monitor,
            "folds": [f.to_json() for f in self.folds],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NestedTuning:
        folds = [TunedFold.from_json(f) for f in data["folds"]]
        return cls(data["search"], data["trials"], data["monitor"], folds, data.get("nested", True))


@dataclass
class CVResults:
    """Everything ``metrics.json`` of a ``biodl cv`` run holds.

    Attributes
    ----------
    task, primary_metric : str
    folds, repeats : int
        Folds per repeat and repeats (with ``--seeds N``: N repeats).
    split : str
        How the folds were made ('stratified', 'random', 'group', 'similarity').
    data : CVData
    model, baseline : CVModelSummary
    comparison : CVComparison
    started : str or None
        UTC start time (ISO 8601).
    seeds : list of int or None
        The seed of each repeat with ``--seeds N > 1``.
    tuning : NestedTuning or None
        With ``--tune``.
    ensemble : int or None
        ``--ensemble N``: each fold's network averaged N seeds' predictions (None: one).
    schema_version : int
    """

    task: str
    primary_metric: str
    folds: int
    repeats: int
    split: str
    data: CVData
    model: CVModelSummary
    baseline: CVModelSummary
    comparison: CVComparison
    started: str | None = None
    seeds: list[int] | None = None
    tuning: NestedTuning | None = None
    ensemble: int | None = None
    schema_version: int = RESULTS_SCHEMA_VERSION

    def to_json(self) -> JSON:
        """The ``metrics.json`` dict (NaN held as None, written as ``null``)."""
        out: JSON = {
            "schema_version": self.schema_version,
            "kind": CV_KIND,
            "task": self.task,
            "primary_metric": self.primary_metric,
            "folds": self.folds,
            "repeats": self.repeats,
            "split": self.split,
            "data": self.data.to_json(),
            "model": self.model.to_json(),
            "baseline": self.baseline.to_json(),
            "comparison": self.comparison.to_json(),
        }
        if self.started is not None:
            out["started"] = self.started
        if self.seeds is not None:
            out["seeds"] = list(self.seeds)
        if self.tuning is not None:
            out["tuning"] = self.tuning.to_json()
        if self.ensemble is not None:
            out["ensemble"] = self.ensemble
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str = "metrics.json") -> CVResults:
        """Read ``metrics.json`` content of a cross-validation run.

        Raises
        ------
        DataError
            If it was written by a newer biodl, is not a cross-validation file, or lacks a
            section every cross-validation run has.
        """
        check_schema(data, source)
        if data.get("kind") != CV_KIND:
            raise DataError(
                f"{source}: not the results of a cross-validation run (kind "
                f"{data.get('kind')!r}, expected {CV_KIND!r}); read biodl train results with "
                "RunResults.from_json"
            )
        try:
            return cls._read(data)
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(
                f"{source}: not the metrics.json of a biodl cv run ({type(err).__name__}: "
                f"{err}); pass the metrics.json of a finished cross-validation"
            ) from err

    @classmethod
    def _read(cls, data: Mapping[str, Any]) -> CVResults:
        return cls(
            task=data["task"],
            primary_metric=data["primary_metric"],
            folds=data["folds"],
            repeats=data["repeats"],
            split=data["split"],
            data=CVData.from_json(data["data"]),
            model=CVModelSummary.from_json(data["model"]),
            baseline=CVModelSummary.from_json(data["baseline"]),
            comparison=CVComparison.from_json(data["comparison"]),
            started=data.get("started"),
            seeds=list(data["seeds"]) if data.get("seeds") is not None else None,
            tuning=NestedTuning.from_json(data["tuning"]) if data.get("tuning") else None,
            ensemble=int(data["ensemble"]) if data.get("ensemble") else None,
            schema_version=data.get("schema_version", RESULTS_SCHEMA_VERSION),
        )
