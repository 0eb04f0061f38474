"""``biodl train``: parse the options and call :func:`biodl.api.train`."""

from __future__ import annotations

import typer

from biodl.cli.options import Parsed, resume_option, training_command
from biodl.training.ranks import launch_rank


@training_command("train", metavar="TRAIN", writes="the run", own=[resume_option()])
def train(args: Parsed) -> None:
    """Train a deep model and a classical baseline on the same split; write a run directory.

    Example: biodl train splice.csv --out runs/splice --model cnn --epochs 20

    A killed run continues with: biodl train --resume runs/splice
    """
    from biodl import api

    result = api.train(
        args.data,
        out=args.out,
        config=args.config,
        overrides=args.overrides,
        overwrite=args.overwrite,
        progress=args.progress,
        **args.options,
        **({"resume": args.own["resume"]} if args.own["resume"] is not None else {}),
    )
    if not args.quiet and launch_rank() == 0:  # other ranks of a distributed run: rank 0 says it
        typer.echo(result.summary())
        typer.echo(f"\nRun written to {result.run_dir} (open {result.run_dir}/report.html)")
