"""``biodl train`` end to end: data -> network + baseline -> metrics -> plots -> run directory.

Examples
--------
>>> from biodl.config import RunConfig
>>> # result = run_training(RunConfig.from_dict({"data": {"train": "seqs.fa"}}), out="runs/x")
"""

from __future__ import annotations

import os
import platform
import time
import warnings
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl import __version__
from biodl._io import sha256_of
from biodl.config import RunConfig, dump_config
from biodl.data.prepared import SPLITS, PreparedData
from biodl.data.targets import TargetEncoding
from biodl.errors import ConfigError, DataWarning
from biodl.evaluation.baselines import Baseline, fit_baseline
from biodl.evaluation.bootstrap import bootstrap_metrics
from biodl.evaluation.comparison import paired_bootstrap, verdict
from biodl.evaluation.estimates import Estimate, MeanSd, SplitMetrics
from biodl.evaluation.metrics import compute_metrics, metric_names, primary_metric
from biodl.evaluation.results import (
    Comparison,
    DataFacts,
    ExtraBaselineResult,
    ModelMetrics,
    PretrainingFacts,
    Prevalence,
    RunResults,
    SeedsSummary,
    Thresholds,
    TrainingFacts,
    Who,
)
from biodl.evaluation.transfer_results import (
    ScratchComparison,
    ScratchResult,
    ScratchTraining,
    TransferFacts,
)
from biodl.kinds import Features, prepare_run_data
from biodl.report.build import build_report, mean_sd_text
from biodl.runs import MODEL_DIR, RunWriter, run_directory, save_model

MODEL_TITLES = {
    "cnn": "CNN",
    "rnn": "RNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "cnn-lstm": "CNN-LSTM",
    "transformer": "Transformer",
    "mlp": "MLP",
}


@dataclass
class Trained:
    """A fitted network with everything needed to use it on new sequences.

    Attributes
    ----------
    network : SequenceNetwork
    info : dict
        The description saved as ``model/model.json``.
    """

    network: Any
    info: dict[str, Any]


@dataclass
class TrainResult:
    """What :func:`run_training` returns.

    Attributes
    ----------
    run_dir : Path or None
        The run directory (None when nothing was written).
    results : RunResults
        The metrics of the network and the baseline, the comparison, the training facts:
        what ``metrics.json`` holds, typed.
    config : RunConfig
        The resolved configuration.
    model : Trained
    predictions : DataFrame
        The content of ``predictions.csv``.
    history : DataFrame
    warnings : list of str
    """

    run_dir: Path | None
    results: RunResults
    config: RunConfig
    model: Trained
    predictions: pd.DataFrame
    history: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> dict[str, Any]:
        """The content of ``metrics.json`` as a dict (``results.to_json()``)."""
        return self.results.to_json()

    def summary(self) -> str:
        """A short plain-text table of test metrics (model vs baseline) and the verdict."""
        return format_summary(self.results)


def model_title(name: str) -> str:
    return MODEL_TITLES.get(name, name)


def fit_model(
    cfg: RunConfig,
    prepared: PreparedData,
    *,
    progress: bool | None = None,
    callbacks: list[Any] | None = None,
) -> tuple[Trained, Any]:
    """Build the network named in ``cfg`` and train it on ``prepared`` (valid for early stopping).

    Input preprocessing is fitted on the training part only, by the kind of
    ``prepared.kind``. Returns the trained model and the :class:`biodl.training.fit.FitResult`.
    """
    import lightning as L
    import torch

    from biodl.kinds import check_model, get_kind
    from biodl.training.fit import fit_network
    from biodl.training.losses import class_weight_vector, output_size, resolve_loss
    from biodl.training.pretrained import source_model
    from biodl.training.transfer import setup_transfer

    kind_obj = get_kind(prepared.kind)
    targets = prepared.targets
    name = cfg.model.name if cfg.model.name != "auto" else kind_obj.default_model(prepared)
    loss = resolve_loss(cfg.train.loss, targets.task)
    _check_monitor(cfg, targets.task)
    params = dict(cfg.model.params)
    source = source_model(cfg.train.init_from) if cfg.train.init_from else None
    if source is not None and cfg.model.name == "auto":
        # --init-from RUN without --model: the source run's model and hyperparameters
        name, params = source[0], {**source[1], **params}
    check_model(kind_obj, name)
    inputs = kind_obj.fit_inputs(cfg, prepared, name, params)
    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    L.seed_everything(cfg.train.seed, workers=True, verbose=False)
    n_outputs = output_size(loss, targets.task, n_classes=targets.n_outputs)
    network = kind_obj.build_network(name, params, inputs, n_outputs)
    pretrain = getattr(kind_obj, "pretrain", None)  # optional: unsupervised start on train
    pretraining = None if pretrain is None or source else pretrain(network, cfg, prepared, inputs)
    body: Any = network.model
    transfer = setup_transfer(body, cfg.train, targets=targets.to_dict())
    prepared.emit_warnings()  # options are valid: now tell the user about the data
    scale = _scale(targets)
    y_train = prepared.y["train"]
    assert y_train is not None
    seed = cfg.train.seed
    y_fit = y_train if scale is None else (y_train - scale[0]) / scale[1]
    train = kind_obj.dataset(_part(prepared, "train"), y_fit, inputs, training=True, seed=seed)
    valid = None
    if "valid" in prepared.present():
        y_valid = prepared.y["valid"]
        assert y_valid is not None
        y_valid = y_valid if scale is None else (y_valid - scale[0]) / scale[1]
        valid = kind_obj.dataset(
            _part(prepared, "valid"), y_valid, inputs, training=False, seed=seed
        )
    weights = None
    if cfg.train.class_weights == "balanced" and targets.task != "regression":
        weights = class_weight_vector(y_train, targets.task)
    fit = fit_network(
        network,
        train,
        valid,
        task=targets.task,
        loss=loss,
        cfg=cfg.train,
        class_weights=weights,
        target_scale=scale,
        progress=progress,
        callbacks=[*(callbacks or []), *transfer.callbacks],
    )
    info = {
        "biodl_version": __version__,
        "kind": kind_obj.name,
        "model": name,
        "params": params,
        "n_outputs": n_outputs,
        "loss": loss,
        "targets": targets.to_dict(),
        "inputs": inputs,
    }
    if transfer.report is not None:
        info["transfer"] = transfer.info(cfg.train)
    if pretraining is not None:
        info["pretraining"] = pretraining
    return Trained(fit.network, info), fit


def _check_monitor(cfg: RunConfig, task: str) -> None:
    valid = ("loss", *metric_names(task))  # type: ignore[arg-type]
    if cfg.train.monitor not in valid:
        raise ConfigError(
            f"--monitor {cfg.train.monitor}: not a metric of a {task} task; choose one of: "
            f"{', '.join(valid)}"
        )


def _scale(targets: TargetEncoding) -> tuple[np.ndarray, np.ndarray] | None:
    if targets.task != "regression":
        return None
    return np.asarray(targets.mean), np.asarray(targets.std)


def _part(prepared: PreparedData, name: str) -> Any:
    part = prepared.parts[name]
    assert part is not None
    return part


def predict_trained(
    trained: Trained, part: Any, *, batch_size: int = 512, device: str = "cpu"
) -> np.ndarray:
    """Scores of a trained model on ``part`` (layout of the task)."""
    from biodl.kinds import get_kind
    from biodl.training.predict import predict_scores

    info = trained.info
    targets = TargetEncoding.from_dict(info["targets"])
    kind_obj = get_kind(info["kind"])
    data = kind_obj.dataset(part, None, model_inputs(info), training=False, seed=0)
    return predict_scores(
        trained.network,
        data,
        loss=info["loss"],
        task=targets.task,
        batch_size=batch_size,
        device=device,
        target_scale=_scale(targets),
    )


def model_inputs(info: dict[str, Any]) -> dict[str, Any]:
    """The fitted input preprocessing of a saved model (schema-1 runs kept it at top level)."""
    return info.get("inputs", info)


def fit_baseline_for(cfg: RunConfig, prepared: PreparedData) -> tuple[Baseline, Features]:
    """Fit the classical baseline on the training part with the kind's features.

    Returns the fitted baseline and the fitted features (``features(part) -> X``).
    """
    from biodl.kinds import get_kind

    features = get_kind(prepared.kind).baseline_features(cfg, prepared)
    X = features(_part(prepared, "train"))
    y_train = prepared.y["train"]
    assert y_train is not None
    targets = prepared.targets
    baseline = fit_baseline(
        cfg.baseline.name,
        X,
        y_train,
        targets.task,
        seed=cfg.train.seed,
        class_weight=cfg.train.class_weights,
        n_classes=len(targets.classes) if targets.task == "multiclass" else None,
        features=features.description,
        label_names=targets.label_columns,
    )
    return baseline, features


def run_training(
    cfg: RunConfig,
    *,
    out: str | os.PathLike[str] | None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> TrainResult:
    """Train the network and the baseline, evaluate both, and write the run directory.

    Parameters
    ----------
    cfg : RunConfig
    out : path or None
        Run directory to write (atomically); None writes nothing.
    overwrite : bool, default False
    progress : bool, optional
        Progress bar; default only on an interactive terminal.
    """
    with run_directory(out, overwrite=overwrite) as writer:
        result = _train_and_evaluate(cfg, writer, progress)
    if writer is not None:
        result.run_dir = writer.out
    return result


def _train_and_evaluate(
    cfg: RunConfig, writer: RunWriter | None, progress: bool | None
) -> TrainResult:
    from biodl.training.transfer import check_transfer_options

    started = datetime.now(timezone.utc)
    check_transfer_options(cfg.train)  # before reading data: bad transfer options fail fast
    prepared = prepare_run_data(cfg)
    trained, fit = fit_model(cfg, prepared, progress=progress)
    # name and params as built (--init-from RUN without --model takes both from the source run)
    resolved = replace(
        cfg,
        data=replace(cfg.data, kind=prepared.kind),
        model=replace(cfg.model, name=trained.info["model"], params=trained.info["params"]),
    )
    start = time.perf_counter()
    baseline, features = fit_baseline_for(resolved, prepared)
    baseline_seconds = time.perf_counter() - start
    scores: dict[str, dict[str, np.ndarray]] = {"model": {}, "baseline": {}}
    for name in prepared.present():
        part = _part(prepared, name)
        scores["model"][name] = predict_trained(trained, part)
        scores["baseline"][name] = baseline.predict_scores(features(part))
    extra = fit_extra_baselines(resolved, prepared)
    _check_collapsed(prepared, scores["model"])
    results = evaluate_scores(
        resolved, prepared, scores, model_name=model_title(trained.info["model"]), baseline=baseline
    )
    results.extra_baselines = extra
    if cfg.train.seeds > 1:
        results.seeds = repeat_over_seeds(resolved, prepared, scores, progress=progress)
    if "transfer" in trained.info:  # transfer learning: where the weights came from, and
        results.transfer = TransferFacts.from_json(trained.info["transfer"])
        if cfg.train.compare_scratch:  # the same model from random weights on the same split
            results.scratch = compare_with_scratch(
                resolved,
                prepared,
                scores["model"],
                progress=progress,
            )
    pretraining = trained.info.get("pretraining")  # the MLP's encoder, fitted unsupervised
    results.training = TrainingFacts(
        epochs_run=fit.epochs_run,
        best_epoch=fit.best_epoch,
        stopped_early=fit.stopped_early,
        epoch_chosen_on_valid=fit.chosen_on_valid,
        seconds=round(fit.seconds, 3),
        baseline_seconds=round(baseline_seconds, 3),
        device=fit.device,
        pretraining=PretrainingFacts.from_json(pretraining) if pretraining else None,
    )
    results.baseline = replace(results.baseline, features=features.description)
    if results.threshold is not None:  # predict and evaluate on new data use the same one
        trained.info["threshold"] = results.threshold.model
    threshold = results.decision_threshold("model")
    predictions = prediction_table(prepared, scores["model"], threshold=threshold)
    result = TrainResult(
        run_dir=None,
        results=results,
        config=resolved,
        model=trained,
        predictions=predictions,
        history=fit.history,
        warnings=list(prepared.warnings),
    )
    if writer is not None:
        _write_run(writer, result, prepared, scores, started, fit.device)
    return result


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
        baseline, features = fit_baseline_for(cfg_seed, prepared)
        run: dict[str, dict[str, np.ndarray]] = {"model": {}, "baseline": {}}
        for name in needed:
            run["model"][name] = predict_trained(trained, _part(prepared, name))
            run["baseline"][name] = baseline.predict_scores(features(_part(prepared, name)))
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
    scores = predict_trained(trained, _part(prepared, split))
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


def fit_extra_baselines(cfg: RunConfig, prepared: PreparedData) -> list[ExtraBaselineResult]:
    """Fit the kind's extra baselines; their metrics (with CIs) on the final split."""
    from biodl.kinds import get_kind

    extras = get_kind(prepared.kind).extra_baselines(cfg, prepared)
    if not extras:
        return []
    task = prepared.targets.task
    split = "test" if "test" in prepared.present() else "valid"
    y_train, y = prepared.y["train"], prepared.y[split]
    assert y_train is not None and y is not None
    out = []
    for extra in extras:
        start = time.perf_counter()
        fitted = extra.fit(_part(prepared, "train"), y_train)
        seconds = time.perf_counter() - start
        scores = fitted.predict_scores(_part(prepared, split))
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


def _check_collapsed(prepared: PreparedData, scores: dict[str, np.ndarray]) -> None:
    """Warn when the network predicts one class for every example (it learned nothing useful)."""
    targets = prepared.targets
    split = "test" if "test" in scores else "valid"
    if targets.task not in ("binary", "multiclass") or split not in scores:
        return
    predicted = np.unique(np.argmax(scores[split], axis=1))
    if len(predicted) == 1:
        message = (
            f"the network predicts class {targets.classes[predicted[0]]!r} for every {split} "
            "example: it has not learned to separate the classes; train longer (--epochs), "
            "change --lr, or use --class-weights balanced for imbalanced classes"
        )
        prepared.add_warning(message, DataWarning)
        warnings.warn(message, DataWarning, stacklevel=3)


def evaluate_scores(
    cfg: RunConfig,
    prepared: PreparedData,
    scores: dict[str, dict[str, np.ndarray]],
    *,
    model_name: str,
    baseline: Baseline,
) -> RunResults:
    """Metrics per split with bootstrap CIs, and the comparison (``training`` still None)."""
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
    # AUPRC is read against the positive-class frequency (a random ranking scores that).
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
    sentence = verdict(comparison, model_name=model_name, baseline_name=baseline.human_name)
    return RunResults(
        task=task,
        primary_metric=metric,
        ci_level=level,
        n_bootstrap=n_boot,
        model=ModelMetrics(model_name, splits["model"]),
        baseline=ModelMetrics(baseline.human_name, splits["baseline"]),
        data=data,
        comparison=Comparison.of(comparison, split=final, verdict=sentence),
        threshold=thresholds,
        prevalence=prevalence,
    )


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

    rule = cfg.evaluate.threshold
    y = prepared.y.get("valid")
    if (
        prepared.targets.task != "binary"
        or rule == "fixed"
        or y is None
        or "valid" not in scores["model"]
    ):
        return None
    if rule == "auto":
        y_train = prepared.y["train"]
        assert y_train is not None
        if min(np.mean(y_train == 1), np.mean(y_train == 0)) >= 0.3:
            return None
        if min(np.sum(y == 1), np.sum(y == 0)) < AUTO_THRESHOLD_MIN_PER_CLASS:
            return None  # a threshold fitted to a handful of examples is worse than 0.5
        rule = "balanced_accuracy"
    model, baseline = (
        choose_threshold(y, scores[who]["valid"][:, 1], rule=rule).threshold
        for who in ("model", "baseline")
    )
    return Thresholds(rule, "valid", model=float(model), baseline=float(baseline))


def describe_data(prepared: PreparedData) -> dict[str, Any]:
    """The kind's facts about the data (e.g. the alphabet of sequences)."""
    from biodl.kinds import get_kind

    return get_kind(prepared.kind).describe(prepared)


def prediction_table(
    prepared: PreparedData, scores: dict[str, np.ndarray], *, threshold: float = 0.5
) -> pd.DataFrame:
    """``predictions.csv``: id, split, true and predicted labels, one score column per output."""
    targets = prepared.targets
    frames = []
    for split, s in scores.items():
        part = _part(prepared, split)
        frame = pd.DataFrame({"id": part.ids, "split": split})
        y = prepared.y[split]
        frame = pd.concat([frame, label_table(targets, y, s, threshold=threshold)], axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def label_table(
    targets: TargetEncoding, y: np.ndarray | None, s: np.ndarray, *, threshold: float = 0.5
) -> pd.DataFrame:
    """True (when ``y`` is given) and predicted labels plus score columns, one row per example.

    Binary predictions are positive when the positive-class score is at least ``threshold``.
    """
    cols: dict[str, Any] = {}
    if targets.task in ("binary", "multiclass"):
        classes = np.asarray(targets.classes, dtype=object)
        if y is not None:
            cols["true"] = classes[y]
        if targets.task == "binary":
            cols["predicted"] = classes[(s[:, 1] >= threshold).astype(int)]
        else:
            cols["predicted"] = classes[np.argmax(s, axis=1)]
        for j, name in enumerate(targets.classes):
            cols[f"prob_{name}"] = s[:, j]
    elif targets.task == "multilabel":
        for j, name in enumerate(targets.label_columns):
            if y is not None:
                cols[f"true_{name}"] = y[:, j]
            cols[f"predicted_{name}"] = (s[:, j] >= 0.5).astype(int)
            cols[f"prob_{name}"] = s[:, j]
    else:
        single = len(targets.label_columns) == 1
        for j, name in enumerate(targets.label_columns):
            if y is not None:
                cols["true" if single else f"true_{name}"] = y[:, j]
            cols["predicted" if single else f"predicted_{name}"] = s[:, j]
    return pd.DataFrame(cols)


def format_summary(results: RunResults) -> str:
    """Plain-text table: metric, model (CI), baseline (CI) on the final split; then the verdict."""
    split = results.final_split
    model, base = results.model, results.baseline
    header = f"{'metric':<18}{model.name + ' (' + split + ')':<30}{base.name:<30}"
    lines = [header, "-" * len(header.rstrip())]
    prevalence = results.prevalence.value if results.prevalence is not None else None
    ours, theirs = model.splits[split].estimates, base.splits[split].estimates
    for name, estimate in ours.items():
        label = f"auprc (prev {prevalence:.2f})" if name == "auprc" and prevalence else name
        lines.append(f"{label:<18}{_with_ci(estimate):<30}{_with_ci(theirs[name]):<30}")
    for extra in results.extra_baselines:
        values = ", ".join(
            f"{name} {_with_ci(estimate)}"
            for name, estimate in extra.metrics.estimates.items()
            if name in ours
        )
        lines.append(f"{extra.name} ({split}): {values}")
    if results.seeds is not None:
        seeds = results.seeds
        lines += ["", f"over {len(seeds.seeds)} seeds ({seeds.split}, mean ± sd):"]
        for name, stat in seeds.model.items():
            lines.append(
                f"{name:<18}{mean_sd_text(stat):<30}{mean_sd_text(seeds.baseline[name]):<30}"
            )
    lines.append("")
    lines.append(results.comparison.verdict)
    if results.scratch is not None:  # transfer learning --compare-scratch
        lines.append(results.scratch.comparison.verdict)
    return "\n".join(lines)


def _with_ci(estimate: Estimate) -> str:
    value, low, high = estimate.value, estimate.low, estimate.high
    if value is None or not np.isfinite(value):
        return "-"
    if low is None or high is None:
        return f"{value:.3f}"
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def environment_record(cfg: RunConfig, files: list[str], device: str) -> dict[str, Any]:
    """``environment.json``: versions, seed, device, platform and input checksums."""
    import lightning
    import sklearn
    import torch

    checksums: dict[str, str] = {}
    for path in files:
        checksums.update(sha256_of(path))
    return {
        "biodl": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "lightning": lightning.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit_learn": sklearn.__version__,
        "seed": cfg.train.seed,
        "device": device,
        "threads": torch.get_num_threads(),
        "cuda_available": torch.cuda.is_available(),
        "input_sha256": checksums,
    }


def _write_run(
    writer: RunWriter,
    result: TrainResult,
    prepared: PreparedData,
    scores: dict[str, dict[str, np.ndarray]],
    started: datetime,
    device: str,
) -> None:
    cfg = result.config
    config_yaml = dump_config(cfg)
    writer.write_text("config.yaml", config_yaml)
    writer.write_json("metrics.json", result.results.to_json())
    writer.write_csv("predictions.csv", result.predictions)
    cut = result.results.decision_threshold("baseline")
    baseline_table = prediction_table(prepared, scores["baseline"], threshold=cut)
    writer.write_csv("baseline_predictions.csv", baseline_table)
    writer.write_csv("history.csv", result.history)
    env = environment_record(cfg, prepared.files, device)
    env["started"] = started.isoformat(timespec="seconds")
    writer.write_json("environment.json", env)
    save_model(writer.path / MODEL_DIR, result.model.network.model, result.model.info)
    extra = kind_figures(result, prepared, scores["model"], writer.path / "plots")
    build_report(
        writer.path,
        results=result.results,
        history=result.history,
        prepared=prepared,
        scores=scores,
        config_yaml=config_yaml,
        environment={k: str(v) for k, v in env.items() if k != "input_sha256"},
        run_name=str(writer.out),
        extra_figures=extra,
    )


def kind_figures(
    result: TrainResult, prepared: PreparedData, scores: dict[str, np.ndarray], plots: Path
) -> list[Any]:
    """Report figures of the kind's optional ``report_figures`` hook (images: saliency)."""
    from biodl.kinds import get_kind

    hook = getattr(get_kind(prepared.kind), "report_figures", None)
    if hook is None:
        return []
    split = result.results.final_split
    threshold = result.results.decision_threshold("model")
    figures: list[Any] = hook(
        result.model.network, prepared, split, scores[split], threshold=threshold, plots=plots
    )
    return figures
