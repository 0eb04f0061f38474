"""The options of ``train``, ``cv`` and ``tune``, generated from the config declarations.

Every field of the config dataclasses is declared once (:func:`biodl.options.option`): help
text, flags, help panel, the commands that offer it and how its text is parsed. This module
turns those declarations into Typer options, so an option has the same help in every command
that offers it, and adds the options every training command shares (``--out``, ``--config``,
``--set``, ...) plus the two that ``cv --tune`` and ``tune`` share (``--search``,
``--trials``). :func:`training_command` registers a command built from them; the command
function receives one :class:`Parsed` and calls one function of :mod:`biodl.api`.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin

import typer

from biodl.cli.app import app, fail, run
from biodl.config import DataConfig, command_classes
from biodl.options import (
    MODEL,
    OUTPUT,
    OptionSpec,
    choices,
    default_of,
    flags_of,
    keyword_of,
    spec_of,
    without_none,
)

SEARCH_PANEL = "Hyperparameter search"


@dataclass(frozen=True)
class ConfigOption:
    """One config field as a command-line option.

    Attributes
    ----------
    keyword : str
        The flat API keyword, also the name of the command's parameter.
    spec : OptionSpec
        Its declaration.
    hint : type
        The field's type.
    default : object
        The field's default (shown by ``--help``; the option itself defaults to None, so a
        value from ``--config`` is kept unless the option is given).
    flags : tuple of str
    """

    keyword: str
    spec: OptionSpec
    hint: Any
    default: Any
    flags: tuple[str, ...]

    def cli_type(self) -> Any:
        """The Python type Typer parses the text into (before :attr:`OptionSpec.parse`)."""
        if self.spec.parse is not None:
            return str
        hint = without_none(self.hint)
        if get_origin(hint) is Literal:
            return str
        if get_origin(hint) is list:
            return list[str]
        if hint in (bool, int, float, str):
            return hint
        raise TypeError(f"option {self.keyword}: declare a parse function for type {hint}")

    def shown_default(self) -> str | bool:
        """The default as ``--help`` shows it, or False to show none."""
        if self.spec.show_default is not None:
            return self.spec.show_default
        if self.default is None or self.default in ("", [], {}):
            return False
        if isinstance(self.default, bool):
            positive, _, negative = self.flags[0].partition("/")
            return (positive if self.default else negative).lstrip("-")
        return str(self.default)

    def parameter(self) -> inspect.Parameter:
        """The Typer parameter of this option (default None: not given)."""
        info = typer.Option(
            *self.flags,
            help=self.spec.help,
            rich_help_panel=self.spec.panel,
            show_default=self.shown_default(),
            metavar=self.spec.metavar,
        )
        return _keyword(self.keyword, self.cli_type() | None, info, None)

    def value(self, given: Any) -> Any:
        """The API value of what was given (None when not given)."""
        if given is None or given == []:
            return None
        return self.spec.parse(given) if self.spec.parse is not None else given


def config_options(command: str) -> list[ConfigOption]:
    """The options of ``command`` declared on the config dataclasses, in declaration order."""
    found = []
    for cls in command_classes().values():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if command in spec_of(f).commands:
                hint = hints[f.name]
                found.append(
                    ConfigOption(keyword_of(f), spec_of(f), hint, default_of(f), flags_of(f, hint))
                )
    return found


def _keyword(name: str, kind: Any, info: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, info]
    )


def _data_argument(metavar: str) -> inspect.Parameter:
    train = next(f for f in dataclasses.fields(DataConfig) if f.name == "train")
    info = typer.Argument(help=spec_of(train).help, show_default=False, metavar=metavar)
    return inspect.Parameter(
        "data",
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=None,
        annotation=Annotated[Path | None, info],
    )


#: The options every training command has besides the config fields, declared once.
SHARED_OPTIONS = [
    _keyword(
        "dropout",
        float | None,
        typer.Option(
            help="Dropout rate of the model (shortcut for --set model.dropout=...).",
            rich_help_panel=MODEL,
        ),
        None,
    ),
    _keyword(
        "overrides",
        list[str] | None,
        typer.Option(
            "--set",
            help="Override any option: model.channels=128, train.lr=0.01 (repeatable).",
            rich_help_panel=MODEL,
        ),
        None,
    ),
    _keyword(
        "config",
        Path | None,
        typer.Option(
            help="YAML config, e.g. an earlier run's config.yaml (tune: the base of every trial).",
            rich_help_panel=MODEL,
        ),
        None,
    ),
    _keyword(
        "out",
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder to write: the run directory (train, cv) or the study (tune).",
            rich_help_panel=OUTPUT,
        ),
        None,
    ),
    _keyword(
        "overwrite",
        bool,
        typer.Option(
            help="Replace an existing run directory (tune: start the study afresh).",
            rich_help_panel=OUTPUT,
        ),
        False,
    ),
    _keyword(
        "quiet",
        bool,
        typer.Option("--quiet", "-q", help="No progress bar or summary.", rich_help_panel=OUTPUT),
        False,
    ),
    _keyword(
        "log_file",
        Path | None,
        typer.Option(
            "--log-file",
            help="Also write the progress lines (one per epoch, fold or trial), the warnings and "
            "the final error, if any, to this file (appended; plain text, no control "
            "characters). Without a terminal the same lines go to stderr.",
            rich_help_panel=OUTPUT,
        ),
        None,
    ),
]


def own_option(
    name: str, kind: Any, default: Any, *flags: str, help: str, panel: str
) -> inspect.Parameter:
    """A command's own option (declared once, in its command module).

    Examples
    --------
    >>> own_option("folds", int, 5, help="Number of folds.", panel="Cross-validation").name
    'folds'
    """
    return _keyword(name, kind, typer.Option(*flags, help=help, rich_help_panel=panel), default)


#: ``--resume`` of train, cv (with a value) and tune (a flag): one help text for all three.
RESUME_HELP = (
    "Continue an interrupted run. train and cv: give its --out folder or its hidden partial "
    "folder (.NAME.partial-XXXXXXXX); it continues from its last checkpoint (cv: at its first "
    "unfinished fold) with the options it was started with, and its numbers equal an "
    "uninterrupted run's. tune (a flag): continue the study in --out (same input files)."
)


def resume_option() -> inspect.Parameter:
    """``--resume RUN_OR_PARTIAL`` of ``train`` and ``cv``: continue an interrupted run."""
    info = typer.Option(
        "--resume",
        help=RESUME_HELP,
        rich_help_panel=OUTPUT,
        metavar="RUN_OR_PARTIAL",
        show_default=False,
    )
    return _keyword("resume", Path | None, info, None)


def search_option(default: str) -> inspect.Parameter:
    """``--search``, shared by ``cv --tune`` and ``tune`` (which differ in the default)."""
    info = typer.Option(
        help="How trials are drawn (cv: with --tune): " + choices("search"),
        rich_help_panel=SEARCH_PANEL,
    )
    return _keyword("search", str, info, default)


def trials_option(default: int) -> inspect.Parameter:
    """``--trials``, shared by ``cv --tune`` and ``tune`` (which differ in the default)."""
    info = typer.Option(
        help="Number of trials: in total for tune (resumed ones included), per outer fold for "
        "cv --tune.",
        rich_help_panel=SEARCH_PANEL,
    )
    return _keyword("trials", int, info, default)


@dataclass
class Parsed:
    """What a training command was given, ready for :mod:`biodl.api`.

    Attributes
    ----------
    data : Path or None
        The positional data file (None: it comes from ``config``).
    out : Path or None
        None only with ``--resume`` (the run it continues says where it goes).
    config : Path or None
    overrides : list of str
        ``--set`` items.
    overwrite, quiet : bool
    log_file : Path or None
        ``--log-file``.
    options : dict
        Flat API keywords of the given config options (``dropout`` included).
    own : dict
        The command's own options (``folds``, ``trials``, ...), by parameter name.
    """

    data: Path | None
    out: Path | None
    config: Path | None
    overrides: list[str]
    overwrite: bool
    quiet: bool
    options: dict[str, Any]
    own: dict[str, Any]
    log_file: Path | None = None

    @property
    def progress(self) -> bool | None:
        """The API's ``progress``: off with ``--quiet``, else automatic."""
        return False if self.quiet else None


def with_config_options(
    command: Callable[..., None], options: Sequence[ConfigOption]
) -> Callable[..., None]:
    """Give ``command`` (its own parameters and ``**given``) the generated ``options`` as
    keyword parameters of its signature, which typer reads; ``command`` gets them in ``given``."""
    hints = typing.get_type_hints(command, include_extras=True)
    own = [
        p.replace(annotation=hints[p.name])
        for p in inspect.signature(command).parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*own, *(o.parameter() for o in options)]
    )
    return command


def training_command(
    name: str,
    *,
    metavar: str,
    writes: str,
    own: Sequence[inspect.Parameter] = (),
) -> Callable[[Callable[[Parsed], None]], Callable[[Parsed], None]]:
    """Register the decorated ``work(parsed)`` as the command ``name`` of :data:`app`.

    Its options: the data argument, the command's ``own`` options, the config options that
    :func:`config_options` finds for ``name`` and :data:`SHARED_OPTIONS`. Its help is the
    docstring of ``work``. ``--out`` is required (unless the command's own ``--resume PATH`` is
    given); ``writes`` names what goes there.
    """

    def register(work: Callable[[Parsed], None]) -> Callable[[Parsed], None]:
        generated = config_options(name)
        params = [
            _data_argument(metavar),
            *own,
            *(o.parameter() for o in generated),
            *SHARED_OPTIONS,
        ]
        names = [p.name for p in params]
        if len(names) != len(set(names)):  # pragma: no cover  (a declaration error)
            raise TypeError(f"biodl {name}: an option is declared twice: {sorted(names)}")
        own_names = [p.name for p in own]

        def command(**values: Any) -> None:
            out = values["out"]
            if out is None and not isinstance(values.get("resume"), Path):
                fail(
                    f"--out is required: the folder to write {writes} into "
                    f"(e.g. --out runs/my-{name})"
                )

            def work_parsed() -> None:
                options = {o.keyword: o.value(values[o.keyword]) for o in generated}
                options["dropout"] = values["dropout"]
                parsed = Parsed(
                    data=values["data"],
                    out=out,
                    config=values["config"],
                    overrides=values["overrides"] or [],
                    overwrite=values["overwrite"],
                    quiet=values["quiet"],
                    options={k: v for k, v in options.items() if v is not None},
                    own={k: values[k] for k in own_names},
                    log_file=values["log_file"],
                )
                work(parsed)

            run(work_parsed, log_file=values["log_file"])

        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__doc__ = work.__doc__
        command.__name__ = name
        app.command(name)(command)
        return work

    return register
