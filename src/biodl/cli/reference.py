"""``docs/options.md``: every option of ``train``, ``cv``, ``tune``, ``inspect``,
``predict``, ``evaluate`` and ``generate`` declared on the config (``predict``'s and
``evaluate``'s own options are in their ``--help``), written from the same declarations as the
commands' ``--help`` (:func:`biodl.options.option`).

``tests/test_options_reference.py`` checks that the page in ``docs/`` is the page this module
writes; after changing a declaration, write it again with::

    python -m biodl.cli.reference > docs/options.md
"""

from __future__ import annotations

import dataclasses
import typing

from biodl.config import command_classes, section_classes
from biodl.options import default_of, flags_of, keyword_of, spec_of

COMMANDS = ("train", "cv", "tune", "inspect", "predict", "evaluate", "generate", "score")


def options_reference() -> str:
    """The Markdown page: one table per help panel, a row per option, where it applies."""
    rows: dict[str, list[str]] = {}
    for section, cls in command_classes().items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            spec = spec_of(f)
            if not spec.commands:
                continue
            flags = ", ".join(f"`{flag}`" for flag in flags_of(f, hints[f.name]))
            default = default_of(f)
            shown = spec.show_default or ("" if default in (None, "", [], {}) else str(default))
            where = ", ".join(c for c in COMMANDS if c in spec.commands)
            text = spec.help.replace("|", "\\|").replace("\n", " ")
            run_section = section in section_classes()
            config = f"`{section}.{f.name}`" if run_section else "(not in a run config)"
            keyword = keyword_of(f)
            rows.setdefault(spec.panel, []).append(
                f"| {flags} | {config} / `{keyword}=` | {shown} | {where} | {text} |"
            )
    out = [
        "# Options",
        "",
        "Every option of `biodl train`, `cv`, `tune` and `inspect` (and `evaluate`'s",
        "`--positive-class`, `predict`'s, `evaluate`'s and `explain`'s `--skip-invalid`), as",
        "the command line, a config file (`section.field`, also",
        "`--set section.field=value`) and the Python API (`biodl.train(..., keyword=value)`)",
        "name it. Written from the option declarations in",
        "`src/biodl/config.py` by `python -m biodl.cli.reference`; the commands' `--help` shows",
        "the same text. Model hyperparameters are listed by `biodl models`. The options of",
        "`biodl generate` (docs/generate.md) and `biodl score` (docs/score.md) are not part of",
        "a run's config.",
    ]
    for panel, lines in rows.items():
        out += [
            "",
            f"## {panel}",
            "",
            "| flags | config / keyword | default | commands | meaning |",
            "| --- | --- | --- | --- | --- |",
            *lines,
        ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(options_reference(), end="")
