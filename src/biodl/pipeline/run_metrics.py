"""The metrics of a training run: what ``metrics.json`` says about the network and its baseline.

:func:`evaluate_scores` turns the scores of both models on every split into metrics with
bootstrap confidence intervals, chooses binary decision thresholds on the validation part
(:func:`decision_thresholds`) and compares the two models on the final split with a paired
bootstrap and a verdict sentence. The optional parts of a run add to that:
:func:`repeat_over_seeds` (``--seeds N``), :func:`compare_with_scratch` (transfer learning,
``--compare-scratch``) and :func:`fit_extra_baselines` (the kind's further baselines).

Examples
--------
>>> AUTO_THRESHOLD_MIN_PER_CLASS
5
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace
from typing import Any, cast

import numpy as np

from biodl.config import RunConfig
from biodl.data.prepared import SPLITS, PreparedData
from biodl.data.targets import observed_counts
from biodl.errors import DataWarning
from biodl.evaluation.bootstrap import bootstrap_metrics
from biodl.evaluation.comparison import paired_bootstrap, verdict
from biodl.evaluation.estimates import MeanSd, SplitMetrics
from biodl.evaluation.metrics import compute_metrics, primary_metric
from biodl.evaluation.panel_results import BaselinePanel
from biodl.evaluation.results import (
    Comparison,
    DataFacts,
    ExtraBaselineResult,
    ModelMetrics,
    Prevalence,
    RunResults,
    SeedsSummary,
    Thresholds,
    Who,
)
from biodl.evaluation.threshold import ThresholdRule
from biodl.evaluation.transfer_results import ScratchComparison, ScratchResult, ScratchTraining
from biodl.pipeline.baselines import FittedBaseline, fit_baseline_for, panel_results
from biodl.pipeline.fitting import fit_model, model_title, predict_trained

__all__ = [
    "AUTO_THRESHOLD_MIN_PER_CLASS",
    "COLLAPSED_FIX",
    "baseline_panel",
    "check_collapsed",
    "collapsed_class",
    "compare_with_scratch",
    "decision_thresholds",
    "describe_data",
    "evaluate_scores",
    "fit_extra_baselines",
    "repeat_over_seeds",
    "threshold_rule",
]


def evaluate_scores(
    cfg: RunConfig,
    prepared: PreparedData,
    scores: dict[str, dict[str, np.ndarray]],
    *,
    model_name: str,
    baseline: FittedBaseline,
) -> RunResults:
    """Metrics per split with bootstrap CIs, and the comparison (``training`` still None).

    With the baseline panel, ``baseline_panel`` holds every model's metrics and the verdict
    says which one is the baseline and why.
    """
    task = prepared.targets.task
    n_boot, level, seed = cfg.evaluate.n_bootstrap, cfg.evaluate.level, cfg.train.seed
    data = DataFacts(
        train_file=prepared.files[0],
        kind=prepared.kind,
        facts=describe_data(prepared),
        split=prepared.split_note,
        sizes={name: len(p) for name in SPLITS if (p := prepared.parts[name]) is not None},
        classes=list(prepared.targets.classes),
        label_columns=list(prepared.targets.label_columns),
        leakage=dict(prepared.leakage),
        positive_class=prepared.targets.positive,
        positive_reason=prepared.targets.positive_reason,
        observed=observed_counts(prepared.targets.label_columns, prepared.y),
    )
    thresholds = decision_thresholds(cfg, prepared, scores)
    splits: dict[Who, dict[str, SplitMetrics]] = {"model": {}, "baseline": {}}
    for who in splits:
        cut = thresholds.of(who) if thresholds is not None else 0.5
        for split, s in scores[who].items():
            y = prepared.y[split]
            assert y is not None
            if split == "train":
                train = compute_metrics(task, y, s, threshold=cut)
                splits[who]["train"] = SplitMetrics.from_values(train)
                continue
            est = bootstrap_metrics(
                task, y, s, n_boot=n_boot, level=level, seed=seed, threshold=cut
            )
            splits[who][split] = SplitMetrics.from_bootstrap(est)
    final = (
        "test"
        if "test" in scores["model"]
        else ("valid" if "valid" in scores["model"] else "train")
    )
    y = prepared.y[final]
    assert y is not None
    # AUPRC is read against the positive-class frequency (a random ranking scores that); the
    # positive class is code 1 (biodl.data.targets), so this is its share of the final split.
    prevalence = Prevalence(final, float(np.mean(y == 1))) if task == "binary" else None
    metric = primary_metric(task)
    comparison = paired_bootstrap(
        task,
        y,
        scores["model"][final],
        scores["baseline"][final],
        metric=metric,
        n_boot=n_boot,
        level=level,
        seed=seed,
    )
    human = baseline.baseline.human_name
    sentence = verdict(comparison, model_name=model_name, baseline_name=human)
    panel = baseline_panel(cfg, prepared, baseline, final, scores["baseline"][final])
    if panel is not None:
        sentence += " " + panel.reason()
    return RunResults(
        task=task,
        primary_metric=metric,
        ci_level=level,
        n_bootstrap=n_boot,
        model=ModelMetrics(model_name, splits["model"]),
        baseline=ModelMetrics(human, splits["baseline"]),
        data=data,
        comparison=Comparison.of(comparison, split=final, verdict=sentence),
        threshold=thresholds,
        prevalence=prevalence,
        baseline_panel=panel,
    )


def baseline_panel(
    cfg: RunConfig,
    prepared: PreparedData,
    baseline: FittedBaseline,
    final: str,
    chosen_scores: np.ndarray,
) -> BaselinePanel | None:
    """The panel's section of the results: every model's metrics on validation and ``final``.

    ``chosen_scores`` are the baseline's scores on ``final`` (not computed twice). A binary
    model's thresholded metrics use its own threshold, chosen on validation by the run's rule
    (as :func:`decision_thresholds` does for the baseline).
    """
    if baseline.selection is None:
        return None
    y = prepared.y[final]
    assert y is not None
    others = [k for k in baseline.members if k != baseline.chosen]
    scores = baseline.predict_members(prepared.part(final), others) if others else {}
    scores[baseline.chosen] = chosen_scores
    rule = threshold_rule(cfg, prepared, has_valid=baseline.selection == "valid")

    def threshold(y_valid: np.ndarray, s: np.ndarray) -> float:
        from biodl.evaluation.threshold import choose_threshold

        if rule is None:
            return 0.5
        return float(choose_threshold(y_valid, s[:, 1], rule=rule).threshold)

    return panel_results(baseline, prepared, (final, y, scores), threshold=threshold)


#: Under ``evaluate.threshold='auto'``, the fewest validation examples of each class for which a
#: threshold is chosen rather than 0.5 kept.
AUTO_THRESHOLD_MIN_PER_CLASS = 5


def decision_thresholds(
    cfg: RunConfig, prepared: PreparedData, scores: dict[str, dict[str, np.ndarray]]
) -> Thresholds | None:
    """Binary tasks: each model's decision threshold, chosen on the validation part.

    Returns None when 0.5 is used (``evaluate.threshold='fixed'``; under 'auto' balanced
    classes or fewer than ``AUTO_THRESHOLD_MIN_PER_CLASS`` validation examples of a class; no
    validation part), else the rule and the threshold of the model and of the baseline.
    """
    from biodl.evaluation.threshold import choose_threshold

    rule = threshold_rule(cfg, prepared, has_valid="valid" in scores["model"])
    if rule is None:
        return None
    y = prepared.y["valid"]
    assert y is not None
    model, baseline = (
        choose_threshold(y, scores[who]["valid"][:, 1], rule=rule).threshold
        for who in ("model", "baseline")
    )
    return Thresholds(rule, "valid", model=float(model), baseline=float(baseline))


def threshold_rule(
    cfg: RunConfig, prepared: PreparedData, *, has_valid: bool
) -> ThresholdRule | None:
    """The rule binary thresholds are chosen by on validation, or None when 0.5 is kept.

    None: not a binary task, ``evaluate.threshold='fixed'``, no validation part, or under
    'auto' balanced classes or fewer than ``AUTO_THRESHOLD_MIN_PER_CLASS`` validation
    examples of a class; 'auto' otherwise means 'balanced_accuracy'.
    """
    rule = cfg.evaluate.threshold
    y = prepared.y.get("valid")
    if prepared.targets.task != "binary" or rule == "fixed" or y is None or not has_valid:
        return None
    if rule == "auto":
        y_train = prepared.y["train"]
        assert y_train is not None
        if min(np.mean(y_train == 1), np.mean(y_train == 0)) >= 0.3:
            return None
        if min(np.sum(y == 1), np.sum(y == 0)) < AUTO_THRESHOLD_MIN_PER_CLASS:
            return None  # a threshold fitted to a handful of examples is worse than 0.5
        return "balanced_accuracy"
    return cast(ThresholdRule, rule)


def describe_data(prepared: PreparedData) -> dict[str, Any]:
    """The kind's facts about the data (e.g. the alphabet of sequences)."""
    from biodl.kinds import get_kind

    return get_kind(prepared.kind).describe(prepared)


def repeat_over_seeds(
    cfg: RunConfig,
    prepared: PreparedData,
    first: dict[str, dict[str, np.ndarray]],
    *,
    progress: bool | None = None,
) -> SeedsSummary:
    """Retrain network and baseline with seeds ``seed + 1 ...``; mean ± sd of the final metrics.

    The split stays the one of the first seed, so the spread is the variation due to
    initialisation and batch order (and, for random forests, the forest's randomness).
    """
    task = prepared.targets.task
    split = "test" if "test" in first["model"] else "valid"
    y = prepared.y[split]
    assert y is not None
    values: dict[Who, list[dict[str, float]]] = {"model": [], "baseline": []}

    def record(run: dict[str, dict[str, np.ndarray]]) -> None:
        # each seed's models get their own validation-chosen thresholds, as the first seed's
        cuts = decision_thresholds(cfg, prepared, run)
        for who in values:
            cut = cuts.of(who) if cuts is not None else 0.5
            values[who].append(compute_metrics(task, y, run[who][split], threshold=cut))

    record(first)
    seeds = [cfg.train.seed + i for i in range(cfg.train.seeds)]
    needed = [split, *(["valid"] if "valid" in first["model"] and split != "valid" else [])]
    for seed in seeds[1:]:
        cfg_seed = replace(cfg, train=replace(cfg.train, seed=seed))
        trained, _ = fit_model(cfg_seed, prepared, progress=progress)
        baseline = fit_baseline_for(cfg_seed, prepared)
        run: dict[str, dict[str, np.ndarray]] = {"model": {}, "baseline": {}}
        for name in needed:
            run["model"][name] = predict_trained(trained, prepared.part(name))
            run["baseline"][name] = baseline.predict(prepared.part(name))
        record(run)
    summary = {
        who: {name: MeanSd.over([run[name] for run in runs]) for name in runs[0]}
        for who, runs in values.items()
    }
    return SeedsSummary(seeds, split, model=summary["model"], baseline=summary["baseline"])


def compare_with_scratch(
    cfg: RunConfig,
    prepared: PreparedData,
    transferred: dict[str, np.ndarray],
    *,
    progress: bool | None = None,
) -> ScratchResult:
    """Train ``cfg``'s model from random weights on the same split; compare with ``transferred``.

    Returns the ``scratch`` section of the results: the scratch model's final-split metrics with
    bootstrap CIs, its training facts, and the paired-bootstrap comparison (transferred minus
    scratch on the primary metric) with a verdict sentence.
    """
    from biodl.report.transfer import transfer_verdict

    scratch_train = replace(
        cfg.train,
        init_from=None,
        freeze="none",
        body_lr_factor=1.0,
        unfreeze_after=0,
        compare_scratch=False,
    )
    trained, fit = fit_model(replace(cfg, train=scratch_train), prepared, progress=progress)
    task = prepared.targets.task
    split = "test" if "test" in transferred else ("valid" if "valid" in transferred else "train")
    y = prepared.y[split]
    assert y is not None
    scores = predict_trained(trained, prepared.part(split))
    n_boot, level, seed = cfg.evaluate.n_bootstrap, cfg.evaluate.level, cfg.train.seed
    est = bootstrap_metrics(task, y, scores, n_boot=n_boot, level=level, seed=seed)
    metric = primary_metric(task)
    comparison = paired_bootstrap(
        task, y, transferred[split], scores, metric=metric, n_boot=n_boot, level=level, seed=seed
    )
    title = model_title(trained.info["model"])
    return ScratchResult(
        name=f"{title} from scratch",
        split=split,
        metrics=SplitMetrics.from_bootstrap(est),
        training=ScratchTraining(fit.epochs_run, fit.best_epoch, round(fit.seconds, 3)),
        comparison=ScratchComparison.of(
            comparison, verdict=transfer_verdict(comparison, model_name=title)
        ),
    )


def fit_extra_baselines(
    cfg: RunConfig, prepared: PreparedData, baseline: FittedBaseline | None = None
) -> list[ExtraBaselineResult]:
    """Fit the kind's extra baselines; their metrics (with CIs) on the final split.

    Those already in ``baseline``'s panel (``--baseline auto``: they competed in its choice,
    and the panel's table shows them) are not fitted again.
    """
    from biodl.kinds import get_kind

    extras = get_kind(prepared.kind).extra_baselines(cfg, prepared)
    if baseline is not None:
        extras = [e for e in extras if e.panel_key not in baseline.members]
    if not extras:
        return []
    task = prepared.targets.task
    split = "test" if "test" in prepared.present() else "valid"
    y_train, y = prepared.y["train"], prepared.y[split]
    assert y_train is not None and y is not None
    out = []
    for extra in extras:
        start = time.perf_counter()
        fitted = extra.fit(prepared.part("train"), y_train)
        seconds = time.perf_counter() - start
        scores = fitted.predict_scores(prepared.part(split))
        est = bootstrap_metrics(
            task,
            y,
            scores,
            n_boot=cfg.evaluate.n_bootstrap,
            level=cfg.evaluate.level,
            seed=cfg.train.seed,
        )
        metrics = SplitMetrics.from_bootstrap(est)
        out.append(ExtraBaselineResult(extra.name, split, round(seconds, 3), metrics))
    return out


#: What to try when the network predicts one class for everything (train and cv say it).
COLLAPSED_FIX = (
    "it has not learned to separate the classes; train longer (--epochs), change --lr, or use "
    "--class-weights balanced for imbalanced classes"
)


def collapsed_class(task: str, classes: list[str], scores: np.ndarray) -> str | None:
    """The class a classifier's ``scores`` predict for every example, if only one; else None."""
    if task not in ("binary", "multiclass") or len(scores) == 0:
        return None
    predicted = np.unique(np.argmax(scores, axis=1))
    return str(classes[predicted[0]]) if len(predicted) == 1 else None


def check_collapsed(prepared: PreparedData, scores: dict[str, np.ndarray]) -> None:
    """Warn when the network predicts one class for every example (it learned nothing useful)."""
    targets = prepared.targets
    split = "test" if "test" in scores else "valid"
    if split not in scores:
        return
    single = collapsed_class(targets.task, list(targets.classes), scores[split])
    if single is not None:
        message = (
            f"the network predicts class {single!r} for every {split} example: {COLLAPSED_FIX}"
        )
        prepared.add_warning(message, DataWarning)
        warnings.warn(message, DataWarning, stacklevel=3)
