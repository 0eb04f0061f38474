"""``biodl inspect``: check data before training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Aliased so the inspect command (being extended elsewhere) keeps its body as it was.
from biodl.cli.app import app
from biodl.cli.app import run as _run
from biodl.options import choices as _choices


@app.command()
def inspect(
    data: Annotated[
        Path, typer.Argument(help="Sequences (FASTA, CSV/TSV, folder); labels optional.")
    ],
    valid: Annotated[
        Path | None, typer.Option(help="A validation file to compare with DATA.")
    ] = None,
    test: Annotated[
        Path | None, typer.Option(help="A test file to compare with DATA (and --valid).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the inspection as a self-contained HTML page."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the inspection as JSON.")
    ] = None,
    labels: Annotated[
        Path | None, typer.Option(help="Labels table keyed by id, for FASTA input.")
    ] = None,
    label_column: Annotated[
        list[str] | None, typer.Option(help="Label column(s) (detected if not given).")
    ] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column of a CSV/TSV.")
    ] = None,
    id_column: Annotated[str | None, typer.Option(help="Id column of a CSV/TSV.")] = None,
    alphabet: Annotated[str, typer.Option(help="auto, dna, rna or protein.")] = "auto",
    task: Annotated[str, typer.Option(help=_choices("task"))] = "auto",
) -> None:
    """Check data before training: class balance, lengths, letters, duplicates, leakage between files.

    Prints a summary with a suggested fix for each problem found.
    Example: biodl inspect train.csv --test test.csv --out inspection.html
    """

    def work() -> None:
        from biodl import api
        from biodl.runs import atomic_write_text, to_json

        result = api.inspect(
            data,
            valid=valid,
            test=test,
            out=out,
            task=task,
            labels=labels,
            label_columns=label_column,
            sequence_column=sequence_column,
            id_column=id_column,
            alphabet=alphabet,
        )
        typer.echo(result.summary())
        if json_out is not None:
            atomic_write_text(json_out, to_json(result.to_dict()))
        if out is not None:
            typer.echo(f"\nInspection written to {out}", err=True)

    _run(work)
