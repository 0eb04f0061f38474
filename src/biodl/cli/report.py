"""``biodl report``: parse the options and call :func:`biodl.api.compare_runs`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from biodl.cli.app import app, run


@app.command("report")
def report(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Run directories of biodl train, or a folder holding them (every run inside).",
            metavar="RUN...",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The comparison page (HTML); its tables go to tables/ beside it as CSV.",
        ),
    ] = Path("comparison.html"),
) -> None:
    """Compare training runs on one page: the primary metric with intervals, the options
    that differ, the training curves overlaid, the best run named.

    Runs must share their task and primary metric. See docs/compare.md.
    Example: biodl report runs/cnn runs/lstm runs/transformer --out comparison.html
    """

    def work() -> None:
        from biodl import api
        from biodl.report.build import metric_title
        from biodl.report.formatting import format_interval

        frame = api.compare_runs(runs, out=out)
        for row in frame.itertuples(index=False):
            mark = "  (best)" if row.best else ""
            value = format_interval(row.value, row.low, row.high)
            typer.echo(f"{row.run}: {row.model}, {metric_title(str(row.metric))} {value}{mark}")
        typer.echo(f"\nComparison written to {out}", err=True)

    run(work)
