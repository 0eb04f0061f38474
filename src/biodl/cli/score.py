"""``biodl score``: parse the options and call :func:`biodl.api.score`.

Its options are generated from their one declaration (:mod:`biodl.config.score`), as
``generate``'s are; the command adds only its two arguments and the output options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from biodl.cli.app import app, run
from biodl.cli.options import config_options, with_config_options

OPTIONS = config_options("score")
OUTPUT = "Output"


def score(
    run_dir: Annotated[
        Path,
        typer.Argument(
            help="The --out folder of `biodl train --task language-model`.",
            show_default=False,
            metavar="RUN",
        ),
    ],
    variants: Annotated[
        Path,
        typer.Argument(
            help="Variants table (CSV/TSV): mutations such as A24G or A24G:T30K of wild "
            "types, or full variant sequences; optionally a measured column.",
            show_default=False,
            metavar="VARIANTS",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder to write: scores.csv, metrics.json, report.html.",
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing output folder.", rich_help_panel=OUTPUT
        ),
    ] = False,
    **declared: Any,
) -> None:
    """Score mutations with a language model, beside the site-independent PSSM baseline.

    Example: biodl score lm_run variants.csv --measured fitness --out scored/
    """

    def work() -> None:
        from biodl import api

        given = {o.keyword: o.value(declared.get(o.keyword)) for o in OPTIONS}
        result = api.score(
            run_dir,
            variants,
            out=out,
            overwrite=overwrite,
            **{k: v for k, v in given.items() if v is not None},
        )
        typer.echo(result.summary())
        if result.out is not None:
            typer.echo(f"scores written to {result.out / 'scores.csv'}", err=True)
        else:
            typer.echo(result.scores.to_csv(index=False), nl=False)

    run(work)


app.command("score")(with_config_options(score, OPTIONS))
