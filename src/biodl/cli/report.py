"""``biodl report``: parse the options and call :func:`biodl.api.compare_runs` (several runs)
or :func:`biodl.api.redraw_report` (one language-model or forecast run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from biodl.cli.app import app, run

DEFAULT_OUT = Path("comparison.html")


@app.command("report")
def report(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Run directories of biodl train or biodl cv, or a folder holding them (every "
            "run inside); one language-model or forecast run alone: its own page is drawn "
            "again.",
            metavar="RUN...",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The page (HTML); its tables go to tables/ beside it as CSV. Default: "
            "comparison.html, or the run's own report.html when one run's page is drawn again.",
        ),
    ] = None,
) -> None:
    """Compare runs on one page: the primary metric with intervals (cv runs: mean ± sd over
    folds and each fold), the options that differ, the training curves overlaid, the best
    run named. One language-model or forecast run alone: its page is drawn again.

    Runs must share their task and primary metric. See docs/compare.md.
    Example: biodl report runs/cnn runs/lstm runs/transformer --out comparison.html
    """

    def work() -> None:
        from biodl import api
        from biodl.report.build import metric_title
        from biodl.report.compare import Score
        from biodl.runs import is_run_dir

        if len(runs) == 1 and is_run_dir(runs[0]):
            page = api.redraw_report(runs[0], out=out)
            typer.echo(f"Report written to {page}", err=True)
            return
        target = out if out is not None else DEFAULT_OUT
        frame = api.compare_runs(runs, out=target)
        groups = frame["numbers"].nunique() > 1
        for row in frame.to_dict("records"):
            score = Score(
                float(row["value"]),
                float(row["low"]),
                float(row["high"]),
                _sd(float(row["sd"])),
                tuple(row["folds"]),
            )
            line = (
                f"{row['run']}: {row['model']}, {metric_title(str(row['metric']))} {score.text()}"
            )
            if groups:  # a test-part estimate and a mean over folds: ranked apart
                line += f" ({row['numbers']})" + ("  (best of these)" if row["best"] else "")
            elif row["best"]:
                line += "  (best)"
            typer.echo(line)
        typer.echo(f"\nComparison written to {target}", err=True)

    run(work)


def _sd(value: float) -> float | None:
    return None if value != value else float(value)  # NaN: no sd
