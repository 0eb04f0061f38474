"""The Typer application, its global options, and how commands report errors (one line, exit 2).

Every command module registers itself on :data:`app`, parses its options and hands the work
to one function of :mod:`biodl.api` through :func:`run`, which turns biodl's errors into one
line on stderr and exit code 2 (``biodl --debug`` shows the traceback instead).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from biodl import __version__

app = typer.Typer(
    name="biodl",
    help="Deep learning on biological data: train, evaluate, compare with a baseline, report.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


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


def run(work: Callable[[], Any], *, log_file: Path | None = None) -> None:
    """Run a command's work; turn biodl's errors into one line on stderr and exit code 2.

    Each :class:`~biodl.errors.BiodlWarning` is shown once per command (however many seeds,
    folds or trials repeat it) as ``warning: ...``. Library warnings (FutureWarning,
    DeprecationWarning, ...) are not shown: the user cannot act on them; they are kept in the
    run's ``log.txt`` (:mod:`biodl.run_log`), and ``biodl --debug`` shows them. Ctrl-C exits
    with 128 + the signal number after saying that nothing was written.

    ``log_file`` (``--log-file``) receives the command's progress lines
    (:func:`biodl.run_log.say`), the warnings shown and the line an error ends it with.
    """
    import warnings

    from biodl.errors import BiodlError
    from biodl.run_log import is_library_warning, keep_log, to_log_files
    from biodl.run_log import log_file as logging_to

    default_show = warnings.showwarning
    shown: set[str] = set()

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if not is_library_warning(category):
            if str(message) not in shown:
                shown.add(str(message))
                typer.echo(f"warning: {message}", err=True)
                to_log_files(f"warning: {message}")
        elif _state["debug"]:
            default_show(message, category, *args, **kwargs)

    warnings.showwarning = show
    try:
        with logging_to(log_file), keep_log():
            try:
                work()
            except BiodlError as err:
                to_log_files(f"{type(err).__name__}: {err}")
                raise
            except KeyboardInterrupt as stop:
                to_log_files(_interrupted(stop))
                raise
    except BiodlError as err:
        if _state["debug"]:
            raise
        fail(str(err), kind=type(err).__name__)
    except KeyboardInterrupt as stop:
        typer.echo(_interrupted(stop), err=True)
        raise typer.Exit(128 + getattr(stop, "signal_number", 2)) from None
    finally:
        warnings.showwarning = default_show


def _interrupted(stop: BaseException) -> str:
    """What an interrupted command says: where its run was kept, when it was (to resume)."""
    kept = getattr(stop, "kept", None)
    if kept:
        return f"interrupted; the run so far is kept in {kept}: {getattr(stop, 'hint', '')}"
    return "interrupted; nothing was written"


def fail(message: str, kind: str = "error") -> NoReturn:
    """Print ``kind: message`` on stderr and exit with code 2."""
    typer.echo(f"{kind}: {message}", err=True)
    raise typer.Exit(2)


def main() -> None:
    """Entry point of the ``biodl`` command."""
    app()
