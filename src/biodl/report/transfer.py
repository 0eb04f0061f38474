"""Transfer learning in the report: the verdict of transferred vs scratch and a report section.

Reads only the run's results: ``results.transfer`` (where the initial weights came from and
what loaded) and ``results.scratch`` (the same model trained from random weights on the same
split, by ``--compare-scratch``).

Examples
--------
>>> from biodl.evaluation.comparison import PairedComparison
>>> cmp = PairedComparison("accuracy", a=0.91, b=0.80, difference=0.11, low=0.08, high=0.14,
...                        p_value=0.001)
>>> transfer_verdict(cmp, model_name="CNN")
'Transfer learning helped: the pretrained CNN beats the same CNN trained from scratch on accuracy by 0.110 (95% CI 0.080 to 0.140).'
"""  # noqa: E501

from __future__ import annotations

import math

from biodl.evaluation.comparison import PairedComparison
from biodl.evaluation.metrics import METRIC_DIRECTION, METRIC_LABELS
from biodl.evaluation.results import RunResults

__all__ = ["scratch_rows", "transfer_section", "transfer_verdict"]


def transfer_verdict(comparison: PairedComparison, *, model_name: str) -> str:
    """One sentence: did starting from pretrained weights beat training from scratch?

    ``comparison.a`` is the transferred model, ``comparison.b`` the one from scratch; the
    answer is 'helped' or 'hurt' only when the bootstrap interval of the difference excludes 0.
    """
    label = METRIC_LABELS.get(comparison.metric, comparison.metric)
    ci = f"{comparison.level * 100:g}% CI"
    values = (comparison.difference, comparison.low, comparison.high)
    if not all(math.isfinite(v) for v in values):
        return f"Transfer learning could not be judged: {label} is undefined on this data."
    sign = -1.0 if METRIC_DIRECTION.get(comparison.metric, "max") == "min" else 1.0
    gain = sign * comparison.difference
    low, high = sorted((sign * comparison.low, sign * comparison.high))
    pretrained, scratch = (
        f"the pretrained {model_name}",
        f"the same {model_name} trained from scratch",
    )
    if low > 0:
        return (
            f"Transfer learning helped: {pretrained} beats {scratch} on {label} by {gain:.3f} "
            f"({ci} {low:.3f} to {high:.3f})."
        )
    if high < 0:
        return (
            f"Transfer learning hurt: {scratch} beats {pretrained} on {label} by {-gain:.3f} "
            f"({ci} {-high:.3f} to {-low:.3f}); the pretrained weights do not suit this task."
        )
    return (
        f"Transfer learning did not clearly help: {pretrained} and {scratch} are not "
        f"distinguishable on {label} (difference {gain:.3f}, {ci} {low:.3f} to {high:.3f})."
    )


def scratch_rows(results: RunResults) -> list[str]:
    """'metric: transferred X [CI]; scratch Y [CI]' lines of the final split."""
    scratch = results.scratch
    if scratch is None:
        return []
    ours = results.model.splits.get(scratch.split)
    rows = []
    for name, estimate in scratch.metrics.estimates.items():
        value = estimate.value
        transferred = ours.value(name) if ours is not None else None
        if transferred is None or value is None:
            continue
        low, high = estimate.low, estimate.high
        ci = f" [{low:.3f}, {high:.3f}]" if low is not None and high is not None else ""
        rows.append(
            f"{METRIC_LABELS.get(name, name)}: transferred {transferred:.3f}; "
            f"scratch {value:.3f}{ci}"
        )
    return rows


def transfer_section(results: RunResults) -> list[tuple[str, str]]:
    """The report's 'Transfer learning' section, or nothing for a run from random weights."""
    info = results.transfer
    if info is None:
        return []
    mode = (
        "feature extraction (body frozen, only the head trained)"
        if info.freeze == "body"
        else "fine-tuning"
        + (
            f", body at {info.body_lr_factor:g} x the learning rate"
            if info.body_lr_factor != 1
            else ""
        )
        + (
            f", body frozen for the first {info.unfreeze_after} epochs"
            if info.unfreeze_after
            else ""
        )
    )
    paragraphs = [
        f"Initial weights from {info.init_from}"
        + (f" (a {info.source_model} run)" if info.source_model else "")
        + f"; {mode}. {info.summary[:1].upper()}{info.summary[1:]}."
    ]
    if info.mapping:
        paragraphs.append("Key mapping: " + "; ".join(info.mapping) + ".")
    if info.mismatched:
        shown = ", ".join(f"{k} {tuple(a)} vs {tuple(b)}" for k, a, b in info.mismatched[:5])
        paragraphs.append(f"Not loaded (shape differs, file vs model): {shown}.")
    scratch = results.scratch
    if scratch is not None:
        paragraphs.append(scratch.comparison.verdict)
        paragraphs.append(
            f"The same model was also trained from random weights on the same split "
            f"({scratch.training.epochs_run} epochs, best epoch "
            f"{scratch.training.best_epoch}); {scratch.split} metrics, scratch with "
            "its bootstrap CI:"
        )
        paragraphs.extend(scratch_rows(results))
    return [("Transfer learning", "\n\n".join(paragraphs))]
