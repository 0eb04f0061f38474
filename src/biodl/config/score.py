"""The options of ``biodl score``, declared once.

``biodl score RUN VARIANTS`` is not a training run: its options are not a section of
:class:`biodl.config.RunConfig`. They are declared here with :func:`biodl.options.option`, as
``generate``'s are (:mod:`biodl.config.generate`); :mod:`biodl.cli.score` generates its
command-line options from these declarations and ``docs/options.md`` lists them.

Examples
--------
>>> ScoreConfig().method is None, ScoreConfig().n_bootstrap
(True, 1000)
"""

from __future__ import annotations

from dataclasses import dataclass

from biodl.options import document, option

__all__ = ["SCORING", "ScoreConfig"]

#: Help panel of the score options.
SCORING = "Scoring"
COMMANDS = ("score",)


@document
@dataclass
class ScoreConfig:
    """What ``biodl score`` reads and computes (docs/score.md)."""

    reference: str | None = option(
        None,
        help="FASTA of wild types: the variants table names its entries in a column "
        "(reference, wild_type_name, reference_name), not needed when it has one entry.",
        panel=SCORING,
        commands=COMMANDS,
        metavar="FASTA",
    )
    method: str | None = option(
        None,
        help="Scores to compute, comma-separated: wt-marginals (one pass per wild type), "
        "masked-marginals (masked models: one pass per mutated position), pll (log-likelihood "
        "ratio of whole sequences; pseudo-log-likelihood for masked models).",
        panel=SCORING,
        commands=COMMANDS,
        metavar="METHODS",
        show_default="all that apply: wt-marginals,pll (causal); "
        "wt-marginals,masked-marginals,pll (masked)",
    )
    measured: str | None = option(
        None,
        help="Column of measured values (fitness, activity) to correlate the scores with "
        "(Spearman, bootstrap interval, beside the PSSM baseline).",
        panel=SCORING,
        commands=COMMANDS,
        metavar="COLUMN",
        show_default="a column named y, fitness, activity, score, dms_score or measured",
    )
    mutation_column: str | None = option(
        None,
        help="Column of mutation strings (A24G, A24G:T30K).",
        panel=SCORING,
        commands=COMMANDS,
        metavar="COLUMN",
        show_default="mutant, mutation, mutations, variant or mutant_id",
    )
    sequence_column: str | None = option(
        None,
        help="Column of full variant sequences (instead of, or beside, mutation strings).",
        panel=SCORING,
        commands=COMMANDS,
        metavar="COLUMN",
        show_default="sequence, seq, mutated_sequence, variant_sequence or x",
    )
    wild_type: str | None = option(
        None,
        help="One wild-type sequence for every row (instead of a column or --reference).",
        panel=SCORING,
        commands=COMMANDS,
        metavar="SEQUENCE",
    )
    n_bootstrap: int = option(
        1000,
        help="Bootstrap resamples of the Spearman intervals and of the paired comparison.",
        panel=SCORING,
        commands=COMMANDS,
    )
    batch_size: int = option(
        64,
        help="Sequences per forward pass of the language model.",
        panel=SCORING,
        commands=COMMANDS,
    )
    seed: int = option(0, help="Random seed of the bootstraps.", panel=SCORING, commands=COMMANDS)
