"""``biodl convert``: parse the options and call :func:`biodl.api.convert`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from biodl.cli.app import app, run


@app.command()
def convert(
    source: Annotated[
        Path, typer.Argument(help="FASTA file, optionally gzipped (.fa, .fa.gz).", metavar="FASTA")
    ],
    dest: Annotated[
        Path, typer.Argument(help="Store folder to write (NAME.biodl).", metavar="STORE")
    ],
    alphabet: Annotated[
        str, typer.Option(help="auto, dna, rna or protein (auto detects it).")
    ] = "auto",
    overwrite: Annotated[bool, typer.Option(help="Replace an existing store.")] = False,
) -> None:
    """Convert a FASTA file once to a memory-mapped store that train reads lazily.

    The store (a folder) holds the integer codes (uint8), record offsets, ids, header
    key=value columns and a JSON header (alphabet, counts, the source's sha256, format
    version). train, cv, tune, inspect, predict and evaluate take it wherever they take the
    FASTA file and give the same results. See docs/convert.md.
    Example: biodl convert reads.fa.gz reads.biodl && biodl train reads.biodl
    """

    def work() -> None:
        from biodl import api

        header = api.convert(source, dest, alphabet=alphabet, overwrite=overwrite)
        columns = ", ".join(c["name"] for c in header["columns"]) or "none"
        typer.echo(
            f"{header['n_sequences']:,} {header['alphabet']} sequences "
            f"({header['n_letters']:,} letters; header columns: {columns}) written to {dest}",
            err=True,
        )

    run(work)
