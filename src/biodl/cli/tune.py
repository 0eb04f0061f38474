"""``biodl tune``: parse the options and call :func:`biodl.api.tune`."""

from __future__ import annotations

from pathlib import Path

import typer

from biodl.cli.options import (
    RESUME_HELP,
    SEARCH_PANEL,
    Parsed,
    own_option,
    search_option,
    training_command,
    trials_option,
)
from biodl.options import OUTPUT

#: The options only ``tune`` has; the rest are generated from the config declarations.
TUNE_OPTIONS = [
    search_option("bayes"),
    trials_option(20),
    own_option(
        "space",
        Path | None,
        None,
        help="YAML search space: {train.lr: {low: 1e-4, high: 1e-2, log: true}, model.channels: "
        "{choices: [32, 64]}}; default: the model's built-in space.",
        panel=SEARCH_PANEL,
    ),
    own_option(
        "cv",
        int,
        0,
        help="0 = score the validation split; K = mean over K folds of the training part.",
        panel=SEARCH_PANEL,
    ),
    own_option("resume", bool, False, "--resume", help=RESUME_HELP, panel=OUTPUT),
    own_option(
        "jobs", int, 1, help="Parallel worker processes sharing the study.", panel=SEARCH_PANEL
    ),
    own_option(
        "storage",
        str | None,
        None,
        help="Share one study between biodl tune processes through a database: "
        "sqlite:///PATH.db (one machine) or postgresql://USER:PASSWORD@HOST/DB (several). Each "
        "process runs its own --trials (the study gets the sum) and writes the report of the "
        "whole study into its own --out. Default: a study of its own in OUT/study.db.",
        panel=SEARCH_PANEL,
    ),
    own_option(
        "study_name",
        str | None,
        None,
        help="Name of the shared study in --storage; default: derived from the inputs' sha256, "
        "so different data never mix. Processes with another search space, search, cv or "
        "monitor are refused.",
        panel=SEARCH_PANEL,
    ),
]


@training_command("tune", metavar="DATA", writes="the study", own=TUNE_OPTIONS)
def tune(args: Parsed) -> None:
    """Search hyperparameters (grid, random or Bayesian) scored on validation data only.

    Writes study.db (resume a killed search with --resume), trials.csv, best_config.yaml
    (run it with biodl train --config), tune.json, plots and report.html.
    Example: biodl tune splice.csv --search random --trials 50 --epochs 10 --out runs/tune
    Several processes or machines: give each the same --storage URL (see docs/scale.md).
    """
    from biodl import api

    assert args.out is not None  # tune's --resume is a flag: --out is required
    result = api.tune(
        args.data,
        **args.own,
        out=args.out,
        config=args.config,
        overwrite=args.overwrite,
        progress=args.progress,
        overrides=args.overrides,
        **args.options,
    )
    if not args.quiet:
        typer.echo(result.summary())
        typer.echo(f"\nStudy written to {result.out} (best config: {result.out}/best_config.yaml)")
