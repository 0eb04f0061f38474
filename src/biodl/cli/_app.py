"""The Typer application, global options, and how commands report errors (one line, exit 2)."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer

from biodl import __version__
from biodl.config import OPTION_HELP

app = typer.Typer(
    name="biodl",
    help="Deep learning on biological data: train, evaluate, compare with a baseline, report.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


def _choices(option: str) -> str:
    return "; ".join(f"{k}: {v}" for k, v in OPTION_HELP[option].items())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"biodl {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Deep learning on biological data: train, evaluate, compare with a baseline, report."""
    _state["debug"] = debug


# Option groups shown in `biodl train --help`.
DATA, MODEL, TRAINING, HARDWARE, BASELINE, OUTPUT = (
    "Data",
    "Model",
    "Training",
    "Hardware",
    "Baseline and evaluation",
    "Output",
)


def _batch_size(text: str | None) -> int | str | None:
    if text is None or text == "full":
        return text
    try:
        return int(text)
    except ValueError:
        _fail(f"--batch-size {text}: expected a whole number (1 = stochastic) or 'full'")
    return None


def _run(work: Any) -> None:
    """Run a command; turn biodl's errors into one line on stderr and exit code 2."""
    import warnings

    from biodl.errors import BiodlError, BiodlWarning

    default_show = warnings.showwarning
    shown: set[str] = set()  # once per command, however many seeds, folds or trials repeat it

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, BiodlWarning):
            if str(message) not in shown:
                shown.add(str(message))
                typer.echo(f"warning: {message}", err=True)
        else:
            default_show(message, category, *args, **kwargs)

    warnings.showwarning = show
    try:
        work()
    except BiodlError as err:
        if _state["debug"]:
            raise
        _fail(str(err), kind=type(err).__name__)
    except KeyboardInterrupt as stop:
        typer.echo("interrupted; nothing was written", err=True)
        raise typer.Exit(128 + getattr(stop, "signal_number", 2)) from None
    finally:
        warnings.showwarning = default_show


def _fail(message: str, kind: str = "error") -> NoReturn:
    typer.echo(f"{kind}: {message}", err=True)
    raise typer.Exit(2)


def main() -> None:
    """Entry point of the ``biodl`` command."""
    app()
