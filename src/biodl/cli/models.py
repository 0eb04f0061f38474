"""``biodl models``: parse the options and call :func:`biodl.api.describe_models`."""

from __future__ import annotations

from typing import Annotated

import typer

from biodl.cli.app import app, run
from biodl.options import KINDS


@app.command()
def models(
    name: Annotated[str | None, typer.Argument(help="Show one model's parameters in full.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="Only the models of this kind of data: " + ", ".join(KINDS) + "."),
    ] = None,
) -> None:
    """List the models of each kind of data and their hyperparameters with defaults.

    Set a hyperparameter with --set model.NAME=VALUE, e.g. biodl train cells.h5ad --model mlp
    --set model.hidden_sizes=[256,64]. Example: biodl models --kind image.
    """

    def work() -> None:
        from biodl import api

        headed: set[str] = set()
        for doc in api.describe_models(name, kind=kind):
            if name is None and doc.kind not in headed:
                headed.add(doc.kind)
                typer.echo(f"== {doc.kind} (--kind {doc.kind}) ==\n")
            where = f" [{doc.kind}]" if name else ""
            typer.echo(f"{doc.name}{where}: {doc.summary}")
            for p in doc.parameters:
                typer.echo(f"    {p.name} = {p.default!r}  ({p.annotation}) {p.description}")
            typer.echo("")

    run(work)
