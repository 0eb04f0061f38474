"""``biodl predict``: parse the options and call :func:`biodl.api.predict`.

Besides its own options it offers the config options declared for ``predict``
(``--skip-invalid``), generated from their one declaration as ``train``'s are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from biodl.cli.app import app, run
from biodl.cli.options import config_options, with_config_options

OPTIONS = config_options("predict")


def predict(
    run_dir: Annotated[
        Path, typer.Argument(help="Run directory of a trained model.", metavar="RUN")
    ],
    data: Annotated[Path, typer.Argument(help="Sequences to predict (FASTA, CSV/TSV, folder).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="CSV to write.", show_default="print to stdout"),
    ] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column, if it differs from training.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="Id column, if it differs from training.")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Sequences per batch.")] = 512,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    **declared: Any,
) -> None:
    """Predict labels or values for new sequences with a trained run.

    Example: biodl predict runs/splice new.fa --out predictions.csv
    """

    def work() -> None:
        from biodl import api

        given = {o.keyword: o.value(declared.get(o.keyword)) for o in OPTIONS}
        table = api.predict(
            run_dir,
            data,
            out=out,
            batch_size=batch_size,
            device=device,
            sequence_column=sequence_column,
            id_column=id_column,
            **{k: v for k, v in given.items() if v is not None},
        )
        if out is None:
            typer.echo(table.to_csv(index=False), nl=False)
        else:
            typer.echo(f"{len(table)} predictions written to {out}", err=True)

    run(work)


app.command("predict")(with_config_options(predict, OPTIONS))
