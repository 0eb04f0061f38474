"""``biodl evaluate``: parse the options and call :func:`biodl.api.evaluate`.

Besides its own options it offers the config options declared for ``evaluate``
(``--positive-class``), generated from their one declaration as ``train``'s are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from biodl.cli.app import app, run
from biodl.cli.options import config_options, with_config_options

OPTIONS = config_options("evaluate")


def evaluate(
    run_dir: Annotated[
        Path, typer.Argument(help="Run directory of a trained model.", metavar="RUN")
    ],
    data: Annotated[Path, typer.Argument(help="Labelled sequences (same formats as train).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the metrics JSON here.")
    ] = None,
    label_column: Annotated[
        list[str] | None, typer.Option(help="Label column(s), if they differ from training.")
    ] = None,
    labels: Annotated[
        Path | None, typer.Option(help="Labels table keyed by id, for FASTA input.")
    ] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column, if it differs from training.")
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for confidence intervals.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
    **declared: Any,
) -> None:
    """Metrics of a trained run on labelled data, as JSON on stdout (and in --out).

    Example: biodl evaluate runs/splice held_out.csv --out held_out_metrics.json
    """

    def work() -> None:
        from biodl import api
        from biodl.runs import to_json

        given = {o.keyword: o.value(declared.get(o.keyword)) for o in OPTIONS}
        result = api.evaluate(
            run_dir,
            data,
            out=out,
            n_bootstrap=bootstrap,
            seed=seed,
            device=device,
            label_columns=label_column,
            labels=labels,
            sequence_column=sequence_column,
            **{k: v for k, v in given.items() if v is not None},
        )
        typer.echo(to_json(result), nl=False)

    run(work)


app.command("evaluate")(with_config_options(evaluate, OPTIONS))
