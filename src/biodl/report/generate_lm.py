"""The report page of ``biodl generate LM_RUN``: sampled sequences against real ones.

The headline table puts the language model's samples beside the Markov model's (the
classical comparator, same lengths); the full table adds the held-out real sequences, the
yardstick of every number (two real samples of a family differ too). Figures are those of
:mod:`biodl.report.sequence_samples` (k-mer spectra, lengths, nearest-neighbour identity).

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"js_k3": [0.1, 0.2, 0.05]},
...                      index=["language model", "Markov order 3", "held-out real"])
>>> [r.metric for r in headline_rows(table)]
['3-mer spectrum JS distance to training']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from biodl.report.html import Interval, ReportContent, SummaryRow, Table, write_report

__all__ = ["HEADLINE", "headline_rows", "sets_table", "write_language_samples_report"]

#: Headline checks: column (``{k}`` filled with each k of the table), label, higher is better.
#: The nearest-neighbour identity has no better direction on its own (it is judged against the
#: held-out real row): it is in the full table and the verdict, not here.
HEADLINE: tuple[tuple[str, str, bool], ...] = (
    ("js_k{k}", "{k}-mer spectrum JS distance to training", False),
    ("length_ks", "Length KS statistic (lengths drawn from training)", False),
    ("identical_fraction", "Verbatim copies of training sequences", False),
    ("near_fraction", "Near copies (identity >= 0.9)", False),
)

HOW_TO_READ = (
    "Each set of sequences is compared with the language model's training sequences. The "
    "held-out real row (the run's test sequences, never trained on) is the yardstick: good "
    "samples have spectrum distances and nearest-neighbour identities close to it. A much "
    "higher identity, or verbatim copies, than the held-out real sequences means the model "
    "reproduces its training sequences (memorisation); much larger spectrum distances mean its "
    "letters and short words are not those of the family. The Markov model, fitted on the same "
    "training windows, is the classical comparator: it reproduces k-mer statistics up to its "
    "order by construction, so a language model should match it on short k-mers and is not "
    "expected to beat it there. A language model has no end-of-sequence letter: sample lengths "
    "are drawn from the training lengths (or set by --length), so the length rows check only "
    "that draw."
)


def _ks(table: pd.DataFrame) -> list[int]:
    return sorted(int(c[4:]) for c in table.columns if str(c).startswith("js_k"))


def headline_rows(table: pd.DataFrame) -> list[SummaryRow]:
    """Language model (first row) beside the Markov model (the row named ``Markov ...``)."""
    nan = float("nan")
    markov = [name for name in table.index if str(name).startswith("Markov")]
    rows = []
    for key, label, higher in HEADLINE:
        keys = (
            [(key.format(k=k), label.format(k=k)) for k in _ks(table)]
            if "{k}" in key
            else [(key, label)]
        )
        for column, text in keys:
            if column not in table.columns:
                continue
            base = float(table.loc[markov[0], column]) if markov else nan
            rows.append(
                SummaryRow(
                    text,
                    Interval(float(table.iloc[0][column]), nan, nan),
                    Interval(base, nan, nan),
                    higher_is_better=higher,
                )
            )
    return rows


def _cell(metric: object, value: object) -> int | float:
    """Counts (the ``n`` row) as integers, every other check as a number."""
    number = float(value)  # type: ignore[arg-type]
    return int(number) if metric == "n" and number.is_integer() else number


def sets_table(table: pd.DataFrame) -> Table:
    """Every check (rows) of every set (columns): generated, Markov, held-out real."""
    columns = [str(c) for c in table.index]
    rows = [
        [str(metric), *(_cell(metric, table.loc[s, metric]) for s in table.index)]
        for metric in table.columns
    ]
    return Table(
        "Every check of every set against the training sequences",
        ["check", *columns],
        rows,
        "js_kK / tv_kK: Jensen-Shannon / total-variation distance of the pooled K-mer "
        "frequencies (0 = same); length_ks / length_wasserstein: the length distributions; "
        "nn_identity: identity to the nearest training sequence; identical / near_fraction: "
        "share of verbatim / >= 0.9 identity copies. docs/generate.md explains each. The same "
        "numbers at full precision: samplers.csv.",
    )


def write_language_samples_report(
    path: str | os.PathLike[str],
    *,
    checks: Any,
    table: pd.DataFrame,
    verdict: str,
    plots: Path,
    facts: Sequence[tuple[str, str]],
    config_yaml: str,
    warnings: Sequence[str] = (),
    subtitle: str = "",
) -> Path:
    """Write ``report.html`` of sequences drawn from a language model (figures into ``plots``).

    ``checks`` is the :class:`~biodl.evaluation.sequence_samples.SequenceSampleChecks` of the
    generated and held-out real sets; ``table`` one row per set (language model first).
    """
    from biodl.report.sequence_samples import sequence_sample_figures

    markov = [str(name) for name in table.index if str(name).startswith("Markov")]
    content = ReportContent(
        title="Sequences drawn from a language model",
        verdict=f"Generated sequences: {verdict}.",
        subtitle=subtitle,
        summary_rows=headline_rows(table),
        model_name="Language model",
        baseline_name=markov[0] if markov else "Markov model",
        interval_label="point values",
        results_heading="Generated sequences against the training sequences",
        how_to_read=HOW_TO_READ,
        data_facts=list(facts),
        warnings=list(warnings),
        figures=sequence_sample_figures(checks, plots),
        tables=[sets_table(table)],
        config_yaml=config_yaml,
    )
    return write_report(content, path)
