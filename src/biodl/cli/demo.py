"""``biodl demo``: parse the options and call :func:`biodl.api.demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from biodl.cli.app import app, run
from biodl.options import DEMO_EPOCHS, OPTION_HELP, choices


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory to write.")] = Path(
        "runs/demo"
    ),
    kind: Annotated[str, typer.Option(help="Which embedded data: " + choices("demo"))] = "sequence",
    epochs: Annotated[
        int | None,
        typer.Option(
            help="Maximum epochs.",
            show_default=", ".join(f"{v} ({k})" for k, v in DEMO_EPOCHS.items()),
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run directory.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Train a CNN and a classical baseline on embedded data with a known answer; write a report.

    --kind sequence (default): 2,000 DNA sequences of 100 bp ('enhancer' = a GATA motif followed
    by an E-box), generated deterministically and written beside the run as <out>-motifs.fa;
    the baseline panel works on k-mers. --kind image: scikit-learn's 8x8 handwritten digits (no
    download), written beside the run as <out>-digits.npz with a stratified 70/10/20 split;
    the baseline panel works on the pixels.
    """

    def work() -> None:
        from biodl import api

        result = api.demo(
            kind, out=out, epochs=epochs, overwrite=overwrite, progress=False if quiet else None
        )
        if not quiet:
            what = OPTION_HELP["demo"][kind].split(" (")[0]
            typer.echo(f"Demo data: {result.config.data.train} ({what})", err=True)
            typer.echo(result.summary())
            typer.echo(f"\nRun written to {result.run_dir} (open {result.run_dir}/report.html)")

    run(work)
