"""``biodl cv``: parse the options and call :func:`biodl.api.cross_validate`."""

from __future__ import annotations

import typer

from biodl.cli.options import (
    Parsed,
    own_option,
    resume_option,
    search_option,
    training_command,
    trials_option,
)

PANEL = "Cross-validation"

#: The options only ``cv`` has; the rest are generated from the config declarations.
CV_OPTIONS = [
    own_option("folds", int, 5, help="Number of folds.", panel=PANEL),
    own_option(
        "repeats",
        int,
        1,
        help="Repeat the k folds with reshuffling (repeated k-fold).",
        panel=PANEL,
    ),
    own_option(
        "tune",
        bool,
        False,
        "--tune",
        help="Nested CV: tune the network inside each fold on its training part only.",
        panel=PANEL,
    ),
    search_option("random"),
    trials_option(10),
    resume_option(),
]


@training_command("cv", metavar="DATA", writes="the cross-validation", own=CV_OPTIONS)
def cv(args: Parsed) -> None:
    """Cross-validate the deep model and the baseline on identical folds; compare them fold by fold.

    Writes per-fold metrics, mean ± sd, and a paired comparison (corrected resampled t-test and
    Wilcoxon signed-rank test) ending in one sentence: does deep learning beat the baseline here.
    With --tune the network is tuned inside each fold (nested cross-validation), so its score
    is an unbiased estimate of the tuned model.
    Example: biodl cv splice.csv --folds 5 --out runs/splice-cv

    A killed run continues at its first unfinished fold with: biodl cv --resume runs/splice-cv
    """
    from biodl import api

    own = {k: v for k, v in args.own.items() if not (k == "resume" and v is None)}
    result = api.cross_validate(
        args.data,
        **own,
        out=args.out,
        config=args.config,
        overwrite=args.overwrite,
        progress=args.progress,
        overrides=args.overrides,
        **args.options,
    )
    if not args.quiet:
        typer.echo(result.summary())
        typer.echo(
            f"\nCross-validation written to {result.run_dir} (open {result.run_dir}/report.html)"
        )
