"""``biodl generate``: parse the options and call :func:`biodl.api.generate`.

Its options are generated from their one declaration (:mod:`biodl.config.generate`), as
``explain``'s are; the command adds only the data argument and the output options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from biodl.cli.app import app, fail, run
from biodl.cli.options import config_options, with_config_options

OPTIONS = config_options("generate")
OUTPUT = "Output"


def generate(
    data: Annotated[
        Path,
        typer.Argument(
            help="Real data (expression or numeric table, images, sequences) to fit a "
            "generative model on, the --out folder of an earlier generate run to draw "
            "again from its model, or a language-model run (biodl train --task "
            "language-model) to draw sequences from.",
            show_default=False,
            metavar="DATA_OR_RUN",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder to write.", rich_help_panel=OUTPUT),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing output folder.", rich_help_panel=OUTPUT
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar.", rich_help_panel=OUTPUT),
    ] = False,
    **declared: Any,
) -> None:
    """Fit a VAE or GAN on real data, write synthetic samples in the same format, judge them;
    or draw sequences from a language-model run.

    Examples: biodl generate cells.csv --model vae --condition cell_type --n 1000 --out gen/;
    biodl generate lm_run/ --n 100 --temperature 0.8 --out samples/
    """
    if out is None:
        fail("--out is required: the folder to write the samples into (e.g. --out gen/)")

    def work() -> None:
        from biodl import api

        given = {o.keyword: o.value(declared.get(o.keyword)) for o in OPTIONS}
        result = api.generate(
            data,
            out=out,
            overwrite=overwrite,
            progress=False if quiet else None,
            **{k: v for k, v in given.items() if v is not None},
        )
        if result.verdict:
            typer.echo(f"samples: {result.verdict}")
        typer.echo(f"{len(result.samples)} samples written to {result.out}", err=True)

    run(work)


app.command("generate")(with_config_options(generate, OPTIONS))
