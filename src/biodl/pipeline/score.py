"""``biodl score RUN VARIANTS``: score mutations with a language-model run, beside a PSSM.

The run's language model (:func:`biodl.pipeline.language.load_language_model`) scores every
variant of the table (:func:`biodl.data.mutations_table.read_variants_table`) by each method
of :data:`biodl.interpret.lm_scores.SCORE_METHODS` that applies to its objective (by default
all of them: ``wt-marginals`` and ``pll`` for a causal model, plus ``masked-marginals`` for a
masked one). The site-independent baseline, a PSSM (:mod:`biodl.evaluation.pssm`), is fitted
on the run's own training sequences: the training file recorded in the run's ``config.yaml``
is read and split again exactly as training split it (same reading, same seed:
:func:`biodl.pipeline.language.training_sequences`), so both learn from the same sequences.
With a measured column each scorer's Spearman correlation gets a bootstrap interval and each
language-model score is compared with the PSSM's by a paired bootstrap
(:mod:`biodl.evaluation.score_correlation`); the verdict words the comparison of the main
score (``masked-marginals`` for a masked model, ``pll`` for a causal one: the exact ratio).

The output folder (written atomically)::

    OUT/
      scores.csv    one row per variant: line, mutations, each method's score, pssm, measured
      metrics.json  methods, forward passes, correlations and comparisons, verdict, notes
      config.yaml   the command's options (run, variants, method, ...)
      report.html

Examples
--------
>>> import biodl  # doctest: +SKIP
>>> result = biodl.score("lm", "v.csv", measured="fitness", out="out")  # doctest: +SKIP
>>> result.verdict  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.config import load_config
from biodl.config.score import ScoreConfig
from biodl.data.mutations_table import VariantsTable, read_variants_table
from biodl.errors import ConfigError, DataError
from biodl.evaluation.pssm import fit_pssm
from biodl.evaluation.score_correlation import compare_spearman, spearman_interval
from biodl.interpret.lm_scores import SCORE_METHODS, ScoreMethod, score_variants
from biodl.pipeline.language import LanguageModelRun, load_language_model, training_sequences
from biodl.runs import run_directory

__all__ = [
    "PSSM_NAME",
    "ScoreResult",
    "default_methods",
    "main_method",
    "parse_methods",
    "run_score",
    "score_verdict",
]

#: The column and scorer name of the site-independent baseline.
PSSM_NAME = "pssm"


@dataclass
class ScoreResult:
    """What ``biodl score`` made.

    Attributes
    ----------
    scores : DataFrame
        One row per variant (``scores.csv``): ``line``, ``mutations``, one column per method,
        ``pssm`` (NaN where the baseline could not score), ``measured`` when given.
    methods : list of str
        The language-model scores computed, in :data:`SCORE_METHODS` order.
    metrics : dict
        ``metrics.json``: forward passes per method, correlations and comparisons (with a
        measured column), verdict, notes.
    verdict : str or None
        One sentence comparing the main score's correlation with the PSSM's; None without a
        measured column.
    out : Path or None
    notes : list of str
    """

    scores: pd.DataFrame
    methods: list[str]
    metrics: dict[str, Any]
    verdict: str | None = None
    out: Path | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how many variants, which methods, and the verdict when there is one."""
        text = f"{len(self.scores)} variants scored by {', '.join(self.methods)} and the PSSM"
        return f"{text}. {self.verdict}" if self.verdict else f"{text}."


def default_methods(objective: str) -> list[ScoreMethod]:
    """Every score that applies to a model of ``objective`` (``causal`` or ``masked``)."""
    return [m for m in SCORE_METHODS if objective == "masked" or m != "masked-marginals"]


def main_method(methods: Sequence[str], objective: str) -> str:
    """The score the verdict is about: masked-marginals (masked), pll (causal), else the first."""
    preferred = "masked-marginals" if objective == "masked" else "pll"
    return preferred if preferred in methods else methods[0]


def parse_methods(text: str | None, objective: str) -> list[ScoreMethod]:
    """``--method`` (comma-separated) checked against the model's objective.

    Raises
    ------
    ConfigError
        An unknown method, or masked-marginals for a causal model.

    Examples
    --------
    >>> parse_methods("pll, wt-marginals", "causal")
    ['wt-marginals', 'pll']
    """
    if text is None:
        return default_methods(objective)
    given = [t.strip() for t in text.split(",") if t.strip()]
    if not given:
        raise ConfigError(f"--method {text!r}: name at least one of {', '.join(SCORE_METHODS)}")
    for name in given:
        if name not in SCORE_METHODS:
            raise ConfigError(
                f"--method: {name!r} is not a scoring method; valid: {', '.join(SCORE_METHODS)}"
            )
        if name == "masked-marginals" and objective != "masked":
            raise ConfigError(
                "--method masked-marginals needs a masked language model (--objective masked); "
                "this run's model is causal: use wt-marginals or pll"
            )
    return [m for m in SCORE_METHODS if m in given]


def score_verdict(
    method: str, spearman_lm: float, spearman_pssm: float, low: float, high: float
) -> str:
    """The sentence comparing the language model's Spearman with the PSSM's.

    Examples
    --------
    >>> score_verdict("pll", 0.6, 0.4, 0.1, 0.3)
    "The language model's scores (pll) correlate better with the measurements than the PSSM's: Spearman 0.6 vs 0.4, difference 0.2 (95% CI 0.1 to 0.3)."
    """  # noqa: E501
    diff = spearman_lm - spearman_pssm
    if not all(math.isfinite(v) for v in (diff, low, high)):
        return (
            f"The language model's scores ({method}) and the PSSM's could not be compared: a "
            "Spearman correlation is undefined on these variants."
        )
    if low > 0:
        word = "correlate better with the measurements than"
    elif high < 0:
        word = "correlate worse with the measurements than"
    else:
        word = "do not correlate clearly better or worse with the measurements than"
    return (
        f"The language model's scores ({method}) {word} the PSSM's: Spearman "
        f"{spearman_lm:.3g} vs {spearman_pssm:.3g}, difference {diff:.3g} "
        f"(95% CI {low:.3g} to {high:.3g})."
    )


def _pssm_scores(run: Path, lm: LanguageModelRun, table: VariantsTable, notes: list[str]) -> Any:
    config = run / "config.yaml"
    if not config.is_file():
        raise DataError(
            f"{run}: no config.yaml, so the PSSM baseline cannot find the run's training "
            "sequences; pass the --out folder of a `biodl train --task language-model` run"
        )
    cfg = load_config(config)
    try:
        train, alphabet = training_sequences(cfg)
    except DataError as error:
        raise DataError(
            f"{run}: the PSSM baseline is fitted on the run's training sequences "
            f"({cfg.data.train}), which could not be read: {error}. Run `biodl score` from the "
            "folder the run was trained in"
        ) from error
    lengths = {len(s) for s in train}
    if len(lengths) > 1:
        notes.append(
            f"The training sequences have {len(lengths)} different lengths "
            f"({min(lengths)} to {max(lengths)}): the PSSM counts positions from each "
            "sequence's start, which is right only for aligned sequences."
        )
    pssm = fit_pssm(train, alphabet=alphabet, lengths="equal" if len(lengths) == 1 else "start")
    try:
        return pssm.llr(table.variants), len(train)
    except DataError as error:
        notes.append(f"The PSSM baseline scores no variant: {error}")
        return np.full(len(table.variants), np.nan), len(train)


def run_score(
    run: str | os.PathLike[str],
    variants: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    options: ScoreConfig | None = None,
) -> ScoreResult:
    """Score the variants of a table with a language-model run and its PSSM baseline.

    Parameters
    ----------
    run : path
        The ``--out`` folder of ``biodl train --task language-model``.
    variants : path
        A variants table (docs/score.md).
    out : path, optional
        Folder to write (atomically); nothing is written without it.
    overwrite : bool, default False
    options : ScoreConfig, optional

    Raises
    ------
    DataError
        Not a language-model run; a variant whose wild-type letter does not match its wild
        type (line and position named), a letter outside the model's alphabet, a missing
        column, the run's training file unreadable.
    ConfigError
        An unknown method, or masked-marginals for a causal model.
    """
    o = options or ScoreConfig()
    if o.n_bootstrap < 1 or o.batch_size < 1:
        raise ConfigError("--n-bootstrap and --batch-size: expected positive numbers")
    lm = load_language_model(run)
    methods = parse_methods(o.method, lm.objective)
    table = read_variants_table(
        variants,
        reference=o.reference,
        mutation_column=o.mutation_column,
        sequence_column=o.sequence_column,
        wild_type=o.wild_type,
        measured_column=o.measured,
        alphabet=lm.alphabet.name,
    )
    notes = list(table.notes)
    with run_directory(out, overwrite=overwrite) as writer:
        frame = pd.DataFrame({"line": table.lines, "mutations": table.variants.labels()})
        if len(table.variants.wild_types) > 1:
            frame["wild_type"] = table.variants.wild_type_index + 1
        passes: dict[str, int] = {}
        for method in methods:
            result = score_variants(lm.model, table.variants, method, batch_size=o.batch_size)
            frame[method] = result.scores
            passes[method] = result.forward_passes
        frame[PSSM_NAME], n_train = _pssm_scores(Path(run), lm, table, notes)
        metrics: dict[str, Any] = {
            "command": "score",
            "run": os.fspath(run),
            "variants": os.fspath(variants),
            "objective": lm.objective,
            "model": lm.info.get("model"),
            "alphabet": lm.alphabet.name,
            "n_variants": len(frame),
            "n_wild_types": len(table.variants.wild_types),
            "pssm_training_sequences": n_train,
            "methods": methods,
            "forward_passes": passes,
        }
        verdict = None
        if table.measured is not None:
            frame["measured"] = table.measured
            verdict = _correlate(frame, methods, lm.objective, o, metrics)
            metrics["measured_column"] = table.measured_column
        metrics["verdict"] = verdict
        metrics["notes"] = notes
        result_ = ScoreResult(frame, list(methods), metrics, verdict, None, notes)
        if writer is not None:
            _write(writer, result_, o, table)
    if writer is not None:
        result_.out = writer.out
    return result_


def _correlate(
    frame: pd.DataFrame, methods: Sequence[str], objective: str, o: ScoreConfig, metrics: dict
) -> str:
    measured = frame["measured"].to_numpy(dtype=float)
    boot = {"n_boot": o.n_bootstrap, "seed": o.seed}
    correlations = {}
    for name in [*methods, PSSM_NAME]:
        est = spearman_interval(frame[name].to_numpy(dtype=float), measured, **boot)
        correlations[name] = {
            "spearman": est.estimate.value,
            "low": est.estimate.low,
            "high": est.estimate.high,
            "n": est.n,
            "n_dropped": est.n_dropped,
        }
    comparisons = {}
    pssm = frame[PSSM_NAME].to_numpy(dtype=float)
    if np.isfinite(pssm).sum() >= 3:
        for name in methods:
            cmp = compare_spearman(frame[name].to_numpy(dtype=float), pssm, measured, **boot)
            comparisons[name] = {
                "spearman": cmp.a,
                "pssm_spearman": cmp.b,
                "difference": cmp.difference,
                "low": cmp.low,
                "high": cmp.high,
                "p_value": cmp.p_value,
            }
    metrics["correlations"] = correlations
    metrics["comparisons"] = comparisons
    main = main_method(methods, objective)
    metrics["main_method"] = main
    if main not in comparisons:
        return (
            f"The PSSM baseline could not score these variants; the language model's "
            f"Spearman ({main}) is {correlations[main]['spearman']:.3g}."
        )
    c = comparisons[main]
    return score_verdict(main, c["spearman"], c["pssm_spearman"], c["low"], c["high"])


def _write(writer: Any, result: ScoreResult, o: ScoreConfig, table: VariantsTable) -> None:
    import dataclasses

    import yaml

    from biodl.report.score import write_score_report

    writer.write_csv("scores.csv", result.scores)
    writer.write_json("metrics.json", result.metrics)
    options = {
        "command": "score",
        "run": result.metrics["run"],
        "variants": result.metrics["variants"],
        **dataclasses.asdict(o),
    }
    writer.write_text("config.yaml", yaml.safe_dump(options, sort_keys=False))
    m = result.metrics
    write_score_report(
        writer.file("report.html"),
        metrics=m,
        scores=result.scores,
        facts=[
            ("Language model", f"{m['run']} ({m['model']}, {m['objective']}, {m['alphabet']})"),
            ("Variants", f"{m['variants']}: {m['n_variants']} of {m['n_wild_types']} wild type(s)"),
            (
                "PSSM baseline",
                f"fitted on the run's {m['pssm_training_sequences']} training sequences",
            ),
            ("Forward passes", ", ".join(f"{k} {v}" for k, v in m["forward_passes"].items())),
        ],
        notes=result.notes,
        measured_column=table.measured_column,
    )
