"""The report page of a language-model run: verdict, perplexity table, perplexity per epoch.

Examples
--------
>>> verdict_text(4.1, 4.5, 3)
"The network's perplexity is lower than the best Markov model's (order 3): 4.10 vs 4.50 per letter."
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl._io import atomic_write_text
from biodl.evaluation.estimates import Estimate
from biodl.report._plot import integer_axis, new_figure, save_png
from biodl.report.formatting import format_number
from biodl.report.page import (
    Figure,
    facts_html,
    figures_html,
    page,
    section_html,
    verdict_box,
    warnings_box,
)
from biodl.report.tables import Table, table_html, write_tables

__all__ = [
    "HOW_TO_READ",
    "language_facts",
    "language_subtitle",
    "verdict_text",
    "write_language_report",
]

HOW_TO_READ = (
    "Perplexity per letter is exp of the mean negative log-likelihood of each letter: the "
    "number of letters the model is, on average, as unsure as a uniform choice among. 1 is a "
    "perfect prediction; 4 (DNA/RNA) or 20 (protein) is no better than guessing uniformly. "
    "Lower is better. Both models are scored on the same test windows and the same letters "
    "(padding and ambiguity codes are not counted).\n\n"
    "The Markov model predicts each letter from the k letters before it, with Witten-Bell "
    "smoothing; k was chosen on the validation part. A causal network that does not beat it "
    "has learned nothing beyond short-range letter statistics. A masked network predicts "
    "each hidden letter from both sides, an easier task: its perplexity is not directly "
    "comparable with a left-to-right Markov model's."
)


def verdict_text(network: float, markov: float, order: int) -> str:
    """The one-sentence verdict: the network's test perplexity against the Markov model's."""
    word = "lower" if network < markov else "higher" if network > markov else "equal to"
    than = " than" if word != "equal to" else ""
    return (
        f"The network's perplexity is {word}{than} the best Markov model's (order {order}): "
        f"{format_number(network)} vs {format_number(markov)} per letter."
    )


def language_facts(metrics: dict[str, Any], train_file: str) -> list[tuple[str, str]]:
    """The "Run" facts of the page from a language-model run's ``metrics.json``."""
    m = metrics
    facts = [
        ("Data", f"{train_file} ({m['alphabet']})"),
        ("Model", f"{m['model']}, {m['objective']} objective, context {m['context']}"),
        (
            "Sequences train / valid / test",
            " / ".join(str(m["sequences"][k]) for k in ("train", "valid", "test")),
        ),
    ]
    t = m.get("training")
    if t and t.get("ensemble"):
        e = t["ensemble"]
        facts.append(
            (
                "Training",
                f"an ensemble of {e['members']} networks (seeds "
                f"{', '.join(map(str, e['seeds']))}; letter probabilities averaged): "
                f"{' / '.join(map(str, e['epochs_run']))} epochs, kept epochs "
                f"{' / '.join(map(str, e['best_epoch']))}, {t['seconds']:.0f} s on {t['device']}; "
                "the curve is the first network's",
            )
        )
    elif t:
        facts.append(
            (
                "Training",
                f"{t['epochs_run']} epochs, kept epoch {t['best_epoch']}, "
                f"{t['seconds']:.0f} s on {t['device']}",
            )
        )
    return facts


def language_subtitle(train_file: str) -> str:
    """The line under the page's title."""
    return f"biodl train --task language-model · {train_file}"


def _history_figure(history: pd.DataFrame, markov_valid: float, folder: Path) -> Figure | None:
    if "valid_perplexity" not in history or history["valid_perplexity"].isna().all():
        return None
    fig = new_figure(6.0, 3.4)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(history["epoch"], history["valid_perplexity"], marker="o", label="network")
    ax.axhline(markov_valid, color="grey", linestyle="--", label="best Markov model")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation perplexity per letter")
    ax.legend(frameon=False)
    integer_axis(ax.xaxis)
    epochs = history["epoch"].to_numpy(dtype=float)
    if len(epochs) and np.ptp(epochs) < 10:  # few epochs: a tick at each (no 0.945 .. 1.05)
        ax.set_xticks(np.arange(epochs.min(), epochs.max() + 1))
        ax.set_xlim(epochs.min() - 0.5, epochs.max() + 0.5)
    path = save_png(fig, folder / "perplexity.png")
    return Figure(
        "Validation perplexity per epoch",
        path,
        "The network's perplexity per letter on the validation windows after each epoch "
        "(lower is better); the dashed line is the best Markov model's on the same windows.",
    )


def write_language_report(
    path: str | os.PathLike[str],
    *,
    metrics: dict[str, Any],
    history: pd.DataFrame,
    facts: Sequence[tuple[str, str]],
    warnings: Sequence[str] = (),
    subtitle: str = "",
) -> Path:
    """Write the self-contained report page of a language-model run.

    Parameters
    ----------
    path : path
        The ``report.html`` to write (atomically); figures go to ``plots/`` beside it.
    metrics : dict
        The run's ``metrics.json`` content (``network``, ``markov``, ``verdict``).
    history : DataFrame
        One row per epoch (``epoch``, ``valid_perplexity``).
    facts : sequence of (name, value)
    warnings : sequence of str
    subtitle : str
    """
    out = Path(path)
    net, markov = metrics["network"], metrics["markov"]
    rows: list[list[Any]] = []
    for name, entry in (("network", net), (f"Markov, order {markov['order']}", markov)):
        ci = entry.get("test_perplexity_ci") or [None, None]
        rows.append(
            [
                name,
                entry.get("valid_perplexity"),
                Estimate(entry.get("test_perplexity"), ci[0], ci[1]),
            ]
        )
    table = Table(
        "Perplexity per letter",
        ["model", "validation", "test [95% CI]"],
        rows,
        caption=f"{metrics['letters']['test']} test letters in {metrics['windows']['test']} "
        "windows; intervals from a bootstrap over test sequences.",
        csv="perplexity.csv",
        better={"validation": "lower", "test [95% CI]": "lower"},
    )
    orders = markov.get("valid_perplexity_by_order", {})
    order_table = Table(
        "Markov models tried (validation perplexity per letter)",
        ["order k", "validation perplexity"],
        [[int(k), v] for k, v in orders.items()],
        csv="markov_orders.csv",
        better={"validation perplexity": "lower"},
    )
    plots = out.parent / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    figure = _history_figure(history, float(markov.get("valid_perplexity", "nan")), plots)
    body = [
        verdict_box(str(metrics["verdict"])),
        warnings_box(list(warnings)) if warnings else "",
        table_html(table),
        figures_html([figure] if figure else []),
        facts_html(list(facts), "Run"),
        table_html(order_table),
        section_html("How to read this page", HOW_TO_READ),
    ]
    html = page("Language model", [b for b in body if b], subtitle=subtitle)
    write_tables([table, order_table], out.parent)
    atomic_write_text(out, html)
    return out
