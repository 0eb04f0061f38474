"""The results of a training run as typed objects: what ``metrics.json`` holds.

:class:`RunResults` is the whole file; each section is a small dataclass. ``to_json()`` gives
the ``metrics.json`` dict (keys in the order biodl has always written them) and
``from_json(dict)`` reads one back, including files written before these classes existed
(layout in ``docs/run-directory.md``). Undefined numbers (NaN, written as JSON ``null``) are
held as ``None``, so ``from_json(to_json(x)) == x`` and ``to_json(from_json(d)) == d``.

Examples
--------
>>> import json
>>> # results = RunResults.from_json(json.load(open("runs/splice/metrics.json")))
>>> # results.comparison.verdict, results.model.splits["test"].value("auroc")
>>> Thresholds("balanced_accuracy", "valid", model=0.31, baseline=0.42).of("model")
0.31
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from biodl.data.targets import positive_text
from biodl.errors import DataError
from biodl.evaluation.comparison import PairedComparison
from biodl.evaluation.estimates import (
    JSON,
    RESULTS_SCHEMA_VERSION,
    MeanSd,
    SplitMetrics,
    check_schema,
    finite,
)
from biodl.evaluation.panel_results import BaselinePanel
from biodl.evaluation.transfer_results import ScratchResult, TransferFacts

__all__ = [
    "Comparison",
    "DataFacts",
    "EnsembleFacts",
    "ExtraBaselineResult",
    "ModelMetrics",
    "PretrainingFacts",
    "Prevalence",
    "RunResults",
    "SeedsSummary",
    "Thresholds",
    "TrainingFacts",
    "Who",
]

#: The two models of a run: the network and the classical baseline.
Who = Literal["model", "baseline"]


@dataclass(frozen=True)
class ModelMetrics:
    """One model's (or the baseline's) metrics per split.

    Attributes
    ----------
    name : str
        Display name ('CNN', 'logistic regression').
    splits : dict of str to SplitMetrics
        In the order train, valid, test (those present).
    features : str or None
        The baseline's features ('4-mer frequencies + ...'); None for the network.
    """

    name: str
    splits: dict[str, SplitMetrics] = field(default_factory=dict)
    features: str | None = None

    def to_json(self) -> JSON:
        out: JSON = {"name": self.name}
        for split, metrics in self.splits.items():
            out.update(metrics.to_json(split))
        if self.features is not None:
            out["features"] = self.features
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelMetrics:
        splits = [k for k in data if k not in ("name", "features") and not k.endswith("_ci")]
        return cls(
            name=data["name"],
            splits={split: SplitMetrics.from_json(data, split) for split in splits},
            features=data.get("features"),
        )


@dataclass(frozen=True)
class DataFacts:
    """What was trained on and how it was split.

    Attributes
    ----------
    train_file : str
    kind : str
        The kind of data ('sequence', 'expression', ...).
    facts : dict
        The kind's own facts (sequences: ``alphabet``, ``length``; expression: ``genes``, ...).
    split : str
        How the validation and test parts were made, in words.
    sizes : dict of str to int
        Examples per part present ('train', 'valid', 'test').
    classes, label_columns : list of str
    leakage : dict of str to int
        ``identical_train_<part>`` / ``near_train_<part>`` counts (sequences; else empty).
    positive_class : str or None
        Binary tasks: the class AUPRC, F1, the threshold and the prevalence refer to (the
        second of ``classes``). None for other tasks and in runs written before it was
        recorded (their positive class is the second of ``classes`` too).
    positive_reason : str
        Why that class is positive ('minority, 10.2 % of training labels').
    observed : dict of str to dict of str to int
        Missing labels (several label columns): per part, the number of rows where each label
        column is observed (``observed_labels`` in the file); empty when no label is missing
        and in older runs.
    """

    train_file: str
    kind: str = "sequence"
    facts: dict[str, Any] = field(default_factory=dict)
    split: str = ""
    sizes: dict[str, int] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    label_columns: list[str] = field(default_factory=list)
    leakage: dict[str, int] = field(default_factory=dict)
    positive_class: str | None = None
    positive_reason: str = ""
    observed: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> JSON:
        out: JSON = {
            "train_file": self.train_file,
            "kind": self.kind,
            **self.facts,
            "split": self.split,
            **{f"n_{part}": n for part, n in self.sizes.items()},
            "classes": list(self.classes),
            "label_columns": list(self.label_columns),
            "leakage": dict(self.leakage),
        }
        if self.positive_class is not None:
            out["positive_class"] = self.positive_class
            out["positive_reason"] = self.positive_reason
        if self.observed:
            out["observed_labels"] = {part: dict(c) for part, c in self.observed.items()}
        return out

    def positive_text(self) -> str:
        """'positive class: NAME (why)' for a binary task; '' otherwise and for old runs."""
        return positive_text(self.positive_class, self.positive_reason)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DataFacts:
        known = {"train_file", "kind", "split", "classes", "label_columns", "leakage"}
        known |= {"positive_class", "positive_reason", "observed_labels"}
        sizes = {p: data[f"n_{p}"] for p in ("train", "valid", "test") if f"n_{p}" in data}
        known |= {f"n_{p}" for p in sizes}
        facts = {k: v for k, v in data.items() if k not in known}
        return cls(
            train_file=data["train_file"],
            kind=data.get("kind", "sequence"),  # runs from before other kinds existed
            facts=facts,
            split=data.get("split", ""),
            sizes=sizes,
            classes=list(data.get("classes", [])),
            label_columns=list(data.get("label_columns", [])),
            leakage=dict(data.get("leakage") or {}),
            positive_class=data.get("positive_class"),
            positive_reason=data.get("positive_reason", ""),
            observed={p: dict(c) for p, c in (data.get("observed_labels") or {}).items()},
        )


@dataclass(frozen=True)
class Thresholds:
    """Binary decision thresholds chosen on the validation part (else 0.5 is used)."""

    rule: str
    split: str
    model: float
    baseline: float

    def of(self, who: Who) -> float:
        """The threshold of the network (``'model'``) or of the baseline."""
        return self.model if who == "model" else self.baseline

    def to_json(self) -> JSON:
        return {
            "rule": self.rule,
            "split": self.split,
            "model": self.model,
            "baseline": self.baseline,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Thresholds:
        return cls(data["rule"], data["split"], data["model"], data["baseline"])


@dataclass(frozen=True)
class Prevalence:
    """Binary tasks: share of the positive class in the final split (a random ranking's AUPRC).

    The positive class is named in :attr:`DataFacts.positive_class`.
    """

    split: str
    value: float

    def to_json(self) -> JSON:
        return {"split": self.split, "value": self.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Prevalence:
        return cls(data["split"], data["value"])


@dataclass(frozen=True)
class Comparison:
    """Paired bootstrap of model minus baseline on the final split, and the verdict sentence."""

    split: str
    metric: str
    model: float | None
    baseline: float | None
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    verdict: str

    @classmethod
    def of(cls, comparison: PairedComparison, *, split: str, verdict: str) -> Comparison:
        c = comparison
        return cls(
            split=split,
            metric=c.metric,
            model=finite(c.a),
            baseline=finite(c.b),
            difference=finite(c.difference),
            low=finite(c.low),
            high=finite(c.high),
            p_value=finite(c.p_value),
            verdict=verdict,
        )

    def to_json(self) -> JSON:
        return {
            "split": self.split,
            "metric": self.metric,
            "model": self.model,
            "baseline": self.baseline,
            "difference": self.difference,
            "ci": [self.low, self.high],
            "p_value": self.p_value,
            "verdict": self.verdict,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        low, high = data["ci"]
        return cls(
            data["split"],
            data["metric"],
            finite(data["model"]),
            finite(data["baseline"]),
            finite(data["difference"]),
            finite(low),
            finite(high),
            finite(data["p_value"]),
            data["verdict"],
        )


@dataclass(frozen=True)
class ExtraBaselineResult:
    """A further classical method of the kind (e.g. 1-NN), on the final split with CIs."""

    name: str
    split: str
    seconds: float
    metrics: SplitMetrics

    def to_json(self) -> JSON:
        head = {"name": self.name, "split": self.split, "seconds": self.seconds}
        return {**head, **self.metrics.to_json(self.split)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExtraBaselineResult:
        split = data["split"]
        return cls(data["name"], split, data["seconds"], SplitMetrics.from_json(data, split))


@dataclass(frozen=True)
class SeedsSummary:
    """Network and baseline retrained with several seeds on the same split (``--seeds N``)."""

    seeds: list[int]
    split: str
    model: dict[str, MeanSd]
    baseline: dict[str, MeanSd]

    def to_json(self) -> JSON:
        return {
            "seeds": list(self.seeds),
            "split": self.split,
            "model": {k: v.to_json() for k, v in self.model.items()},
            "baseline": {k: v.to_json() for k, v in self.baseline.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeedsSummary:
        return cls(
            seeds=list(data["seeds"]),
            split=data["split"],
            model={k: MeanSd.from_json(v) for k, v in data["model"].items()},
            baseline={k: MeanSd.from_json(v) for k, v in data["baseline"].items()},
        )


@dataclass(frozen=True)
class PretrainingFacts:
    """The expression MLP's encoder, fitted without labels on the training samples first."""

    encoder: str
    n_latent: int
    frozen: bool
    samples: int
    epochs: int
    seconds: float
    final_loss: float | None = None

    def to_json(self) -> JSON:
        return {
            "encoder": self.encoder,
            "n_latent": self.n_latent,
            "frozen": self.frozen,
            "samples": self.samples,
            "epochs": self.epochs,
            "seconds": self.seconds,
            "final_loss": self.final_loss,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PretrainingFacts:
        return cls(
            encoder=data["encoder"],
            n_latent=data["n_latent"],
            frozen=data["frozen"],
            samples=data["samples"],
            epochs=data["epochs"],
            seconds=data["seconds"],
            final_loss=finite(data.get("final_loss")),
        )


@dataclass(frozen=True)
class EnsembleFacts:
    """``--ensemble N``: the network was trained from N seeds and their predictions averaged.

    Attributes
    ----------
    members : int
    seeds : list of int
    combine : str
        What was averaged: 'softmax' (class probabilities), 'sigmoid' (label probabilities)
        or 'mean' (values).
    epochs_run, best_epoch : list of int
        Per member.
    seconds : list of float
        Training seconds per member.
    """

    members: int
    seeds: list[int]
    combine: str
    epochs_run: list[int]
    best_epoch: list[int]
    seconds: list[float]

    def to_json(self) -> JSON:
        return {
            "members": self.members,
            "seeds": list(self.seeds),
            "combine": self.combine,
            "epochs_run": list(self.epochs_run),
            "best_epoch": list(self.best_epoch),
            "seconds": list(self.seconds),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EnsembleFacts:
        return cls(
            members=int(data["members"]),
            seeds=[int(v) for v in data["seeds"]],
            combine=str(data["combine"]),
            epochs_run=[int(v) for v in data["epochs_run"]],
            best_epoch=[int(v) for v in data["best_epoch"]],
            seconds=[float(v) for v in data["seconds"]],
        )

    def text(self) -> str:
        """One sentence for the summary and the report."""
        what = {"softmax": "class probabilities", "sigmoid": "label probabilities"}
        seeds = ", ".join(map(str, self.seeds))
        return (
            f"ensemble of {self.members} networks (seeds {seeds}) trained on the same split, "
            f"their {what.get(self.combine, 'predictions')} averaged; "
            f"{sum(self.seconds):.1f} s of training in all"
        )


@dataclass(frozen=True)
class TrainingFacts:
    """How the network trained: epochs, early stopping, time, device.

    ``epoch_chosen_on_valid`` is False when the validation part was too small to choose an
    epoch on (the last epoch's weights were kept). ``monitor`` is the validation quantity the
    epoch was chosen on and early stopping watched (``--monitor`` resolved: ``auto`` is AUROC
    for binary classification, else ``loss``); None in runs from before it was recorded.
    """

    epochs_run: int
    best_epoch: int
    stopped_early: bool
    seconds: float
    baseline_seconds: float
    device: str
    epoch_chosen_on_valid: bool = True
    pretraining: PretrainingFacts | None = None
    ensemble: EnsembleFacts | None = None
    monitor: str | None = None

    def to_json(self) -> JSON:
        out: JSON = {
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early,
            "epoch_chosen_on_valid": self.epoch_chosen_on_valid,
            "seconds": self.seconds,
            "baseline_seconds": self.baseline_seconds,
            "device": self.device,
        }
        if self.monitor is not None:
            out["monitor"] = self.monitor
        if self.pretraining is not None:
            out["pretraining"] = self.pretraining.to_json()
        if self.ensemble is not None:
            out["ensemble"] = self.ensemble.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrainingFacts:
        pretraining = data.get("pretraining")
        ensemble = data.get("ensemble")  # optional: runs before --ensemble lack it
        return cls(
            epochs_run=data["epochs_run"],
            best_epoch=data["best_epoch"],
            stopped_early=data["stopped_early"],
            seconds=data["seconds"],
            baseline_seconds=data["baseline_seconds"],
            device=data["device"],
            epoch_chosen_on_valid=data.get("epoch_chosen_on_valid", True),
            pretraining=PretrainingFacts.from_json(pretraining) if pretraining else None,
            ensemble=EnsembleFacts.from_json(ensemble) if ensemble else None,
            monitor=data.get("monitor"),  # optional: runs before --monitor auto lack it
        )


@dataclass
class RunResults:
    """Everything ``metrics.json`` of a ``biodl train`` run holds.

    Attributes
    ----------
    task : str
        'binary', 'multiclass', 'multilabel' or 'regression'.
    primary_metric : str
        The metric of the model-vs-baseline comparison.
    ci_level : float
    n_bootstrap : int
    model, baseline : ModelMetrics
    data : DataFacts
    comparison : Comparison
    training : TrainingFacts or None
        None only while the run is being assembled.
    threshold : Thresholds or None
    prevalence : Prevalence or None
    extra_baselines : list of ExtraBaselineResult
    baseline_panel : BaselinePanel or None
        The classical models the baseline was chosen from (``--baseline auto``); None for
        ``fast``, one named model, and runs written before the panel.
    seeds : SeedsSummary or None
    transfer : TransferFacts or None
    scratch : ScratchResult or None
    warnings : list of str
        biodl's warnings about the data and the fit, as the terminal and the report show them.
    schema_version : int
    """

    task: str
    primary_metric: str
    ci_level: float
    n_bootstrap: int
    model: ModelMetrics
    baseline: ModelMetrics
    data: DataFacts
    comparison: Comparison
    training: TrainingFacts | None = None
    threshold: Thresholds | None = None
    prevalence: Prevalence | None = None
    extra_baselines: list[ExtraBaselineResult] = field(default_factory=list)
    baseline_panel: BaselinePanel | None = None
    seeds: SeedsSummary | None = None
    transfer: TransferFacts | None = None
    scratch: ScratchResult | None = None
    warnings: list[str] = field(default_factory=list)
    schema_version: int = RESULTS_SCHEMA_VERSION

    @property
    def final_split(self) -> str:
        """The split of the comparison: 'test', else 'valid', else 'train'."""
        return self.comparison.split

    def decision_threshold(self, who: Who) -> float:
        """The binary threshold of the network or the baseline (0.5 when none was chosen)."""
        return self.threshold.of(who) if self.threshold is not None else 0.5

    def to_json(self) -> JSON:
        """The ``metrics.json`` dict (NaN held as None, written as ``null``)."""
        out: JSON = {
            "schema_version": self.schema_version,
            "task": self.task,
            "primary_metric": self.primary_metric,
            "ci_level": self.ci_level,
            "n_bootstrap": self.n_bootstrap,
            "model": self.model.to_json(),
            "baseline": self.baseline.to_json(),
            "data": self.data.to_json(),
        }
        if self.threshold is not None:
            out["threshold"] = self.threshold.to_json()
        if self.prevalence is not None:
            out["prevalence"] = self.prevalence.to_json()
        out["comparison"] = self.comparison.to_json()
        if self.extra_baselines:
            out["extra_baselines"] = [e.to_json() for e in self.extra_baselines]
        if self.baseline_panel is not None:
            out["baseline_panel"] = self.baseline_panel.to_json()
        if self.seeds is not None:
            out["seeds"] = self.seeds.to_json()
        if self.transfer is not None:
            out["transfer"] = self.transfer.to_json()
        if self.scratch is not None:
            out["scratch"] = self.scratch.to_json()
        if self.training is not None:
            out["training"] = self.training.to_json()
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str = "metrics.json") -> RunResults:
        """Read ``metrics.json`` content (any version this biodl knows).

        Raises
        ------
        DataError
            If it was written by a newer biodl, is a cross-validation file, or lacks a
            section every run has.
        """
        check_schema(data, source)
        if data.get("kind") == "cross-validation":
            raise DataError(
                f"{source}: the results of a cross-validation run (biodl cv), not of biodl "
                "train; read it with CVResults.from_json"
            )
        try:
            return cls._read(data)
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(
                f"{source}: not the metrics.json of a biodl train run ({type(err).__name__}: "
                f"{err}); pass the metrics.json of a finished run"
            ) from err

    @classmethod
    def _read(cls, data: Mapping[str, Any]) -> RunResults:
        def section(key: str, reader: Any) -> Any:
            return reader(data[key]) if data.get(key) is not None else None

        return cls(
            task=data["task"],
            primary_metric=data["primary_metric"],
            ci_level=data["ci_level"],
            n_bootstrap=data["n_bootstrap"],
            model=ModelMetrics.from_json(data["model"]),
            baseline=ModelMetrics.from_json(data["baseline"]),
            data=DataFacts.from_json(data["data"]),
            comparison=Comparison.from_json(data["comparison"]),
            training=section("training", TrainingFacts.from_json),
            threshold=section("threshold", Thresholds.from_json),
            prevalence=section("prevalence", Prevalence.from_json),
            extra_baselines=[
                ExtraBaselineResult.from_json(e) for e in data.get("extra_baselines") or []
            ],
            baseline_panel=section("baseline_panel", BaselinePanel.from_json),
            seeds=section("seeds", SeedsSummary.from_json),
            transfer=section("transfer", TransferFacts.from_json),
            scratch=section("scratch", ScratchResult.from_json),
            warnings=[str(w) for w in data.get("warnings") or []],
            schema_version=data.get("schema_version", RESULTS_SCHEMA_VERSION),
        )
