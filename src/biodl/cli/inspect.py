"""``biodl inspect``: parse the options and call :func:`biodl.api.inspect`.

Its reading options are generated from the same declarations as ``train``'s (those declared
for ``inspect`` in :mod:`biodl.config`), so they read the data the same way.
"""

from __future__ import annotations

import inspect as signature
from pathlib import Path
from typing import Annotated, Any

import typer

from biodl.cli.app import app, run
from biodl.cli.options import config_options, own_option
from biodl.options import OUTPUT

OPTIONS = config_options("inspect")
OWN = [
    own_option(
        "out",
        Path | None,
        None,
        "--out",
        "-o",
        help="Write a self-contained HTML page of the inspection.",
        panel=OUTPUT,
    ),
    own_option(
        "json_out", Path | None, None, "--json", help="Write the findings as JSON.", panel=OUTPUT
    ),
    own_option(
        "config", Path | None, None, help="A config.yaml whose data section to use.", panel=OUTPUT
    ),
    own_option(
        "overrides",
        list[str] | None,
        None,
        "--set",
        help="Any other data option: data.static_missing=-1 (repeatable).",
        panel=OUTPUT,
    ),
]


def inspect(**values: Any) -> None:
    """Check data of any kind before training: balance, sizes, duplicates, leakage between files.

    Prints a summary with a suggested fix for each problem found.
    The kind and the reading options are those of biodl train; see docs/inspect.md.
    Example: biodl inspect train.csv --test test.csv --out inspection.html
    """

    def work() -> None:
        from biodl import api

        options = {o.keyword: o.value(values[o.keyword]) for o in OPTIONS}
        result = api.inspect(
            values["data"],
            out=values["out"],
            json_out=values["json_out"],
            config=values["config"],
            overrides=values["overrides"],
            **{k: v for k, v in options.items() if v is not None},
        )
        typer.echo(result.summary())
        if values["out"] is not None:
            typer.echo(f"\nInspection written to {values['out']}", err=True)

    run(work)


_DATA = signature.Parameter(
    "data",
    signature.Parameter.POSITIONAL_OR_KEYWORD,
    annotation=Annotated[
        Path,
        typer.Argument(
            help="Training data of any kind (sequences, expression, time series, records, "
            "images); labels optional.",
            show_default=False,
        ),
    ],
)
inspect.__signature__ = signature.Signature(  # type: ignore[attr-defined]
    [_DATA, *(o.parameter() for o in OPTIONS), *OWN]
)
app.command("inspect")(inspect)
