"""Partial run folders: what an unfinished run leaves, how to find it again and name it.

A run is written into a hidden sibling ``.NAME.partial-XXXXXXXX`` of its run directory and
renamed into place when complete (:class:`biodl.runs.RunWriter`). A run that was killed
leaves that folder behind, with ``resume.json`` (the command and its resolved configuration)
and ``checkpoints/`` (see :mod:`biodl.training.resume`): ``biodl train --resume`` continues
it. Such folders are named when the next run starts in the same place, never deleted.

Examples
--------
>>> out_of_partial(Path("runs/.splice.partial-1a2b3c4d"))
PosixPath('runs/splice')
>>> age_text(4000)
'1 h 6 min'
"""

from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

from biodl._io import atomic_write_text, to_json
from biodl.config import PATH_FIELDS
from biodl.errors import BiodlWarning, ConfigError
from biodl.run_lock import is_locked

__all__ = [
    "PARTIAL",
    "RESUME_FILE",
    "age_text",
    "find_partial",
    "name_stale_partials",
    "out_of_partial",
    "read_resume_record",
    "write_resume_record",
]

#: What separates a run's name from the random part in its partial folder's name.
PARTIAL = ".partial-"
#: The record of an unfinished run: its command, configuration and options.
RESUME_FILE = "resume.json"


def out_of_partial(partial: Path) -> Path:
    """The run directory a partial folder ``.NAME.partial-XXXX`` is written for."""
    name = partial.name
    if not (name.startswith(".") and PARTIAL in name):
        raise ConfigError(
            f"{partial}: not a partial run folder (.NAME{PARTIAL}XXXXXXXX); pass the --out of "
            "the interrupted run or its partial folder"
        )
    return partial.parent / name[1:].rsplit(PARTIAL, 1)[0]


def read_resume_record(partial: Path) -> dict[str, Any] | None:
    """The ``resume.json`` of a partial folder, or None when it has none (or a broken one)."""
    try:
        record: dict[str, Any] = json.loads((partial / RESUME_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record


def write_resume_record(
    partial: Path, command: str, config: dict[str, Any], **options: Any
) -> None:
    """Write ``resume.json``: what ``--resume`` needs to run ``command`` again."""
    record = {"command": command, "config": config, "options": options, "cwd": os.getcwd()}
    atomic_write_text(partial / RESUME_FILE, to_json(record))


def find_partial(path: str | os.PathLike[str]) -> Path:
    """The partial folder to resume: ``path`` itself, or the one partial folder of the run
    directory ``path``.

    Raises
    ------
    ConfigError
        If ``path`` is a finished run, has no partial folder, has several, or the folder has
        no ``resume.json`` (written by a biodl without resuming, or no run started in it).
    """
    target = Path(path)
    if target.is_dir() and target.name.startswith(".") and PARTIAL in target.name:
        found = target
    else:
        if (target / "metrics.json").is_file():
            raise ConfigError(f"{target}: the run finished; there is nothing to resume")
        candidates = sorted(target.parent.glob(f".{target.name}{PARTIAL}*"))
        if not candidates:
            raise ConfigError(
                f"{target}: no unfinished run to resume (no {target.parent}/.{target.name}"
                f"{PARTIAL}* folder); start it again without --resume"
            )
        if len(candidates) > 1:
            names = ", ".join(str(c) for c in candidates)
            raise ConfigError(
                f"{target}: several unfinished runs ({names}); pass the one to resume"
            )
        found = candidates[0]
    record = read_resume_record(found)
    if record is None:
        raise ConfigError(
            f"{found}: no {RESUME_FILE}, so biodl cannot tell how the run was started; start "
            f"it again without --resume (and remove the folder with `rm -r {found}`)"
        )
    started_in = record.get("cwd")
    moved = started_in and Path(started_in).resolve() != Path.cwd().resolve()
    if moved and _relative_paths(record.get("config") or {}):
        raise ConfigError(
            f"{found}: the run was started in {started_in} and its file paths may be relative "
            f"to it; run `biodl {record.get('command', 'train')} --resume` from that folder"
        )
    return found


def _relative_paths(config: dict[str, Any]) -> list[str]:
    found = []
    for section, names in PATH_FIELDS.items():
        for name in names:
            value = (config.get(section) or {}).get(name)
            if isinstance(value, str) and value and not os.path.isabs(value):
                found.append(value)
    return found


def age_text(seconds: float) -> str:
    """A duration in words: '40 s', '12 min', '1 h 6 min', '3 days'."""
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 3 * 86400:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"
    return f"{int(seconds // 86400)} days"


def _last_change(folder: Path) -> float:
    times = [folder.stat().st_mtime]
    times += [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()]
    return max(times)


def name_stale_partials(
    parent: Path, *, own: Path | None = None, keep: Path | None = None
) -> list[Path]:
    """Warn about each partial folder in ``parent`` that no live process writes: its age and
    how to resume or remove it. Nothing is deleted.

    Parameters
    ----------
    parent : Path
        The folder of the run directory about to be written.
    own : Path, optional
        The run directory this process writes (and holds the lock of): its other partial
        folders are stale.
    keep : Path, optional
        A partial folder not to name (the one being resumed).

    Returns
    -------
    list of Path
        The folders named.
    """
    named = []
    for folder in sorted(parent.glob(f".*{PARTIAL}*")):
        if not folder.is_dir() or (keep is not None and folder.resolve() == keep.resolve()):
            continue
        try:
            out = out_of_partial(folder)
        except ConfigError:
            continue
        if out != own and is_locked(out):  # a live run is writing it
            continue
        age = age_text(time.time() - _last_change(folder))
        record = read_resume_record(folder)
        checkpoints = folder / "checkpoints"
        if record is not None and checkpoints.is_dir() and any(checkpoints.rglob("*.*")):
            how = (
                f"resume it with `biodl {record.get('command', 'train')} --resume {folder}` "
                f"or remove it with `rm -r {folder}`"
            )
        else:
            how = f"nothing in it to resume from; remove it with `rm -r {folder}`"
        warnings.warn(
            f"{folder}: left by a run of {out} that stopped {age} ago; {how}",
            BiodlWarning,
            stacklevel=2,
        )
        named.append(folder)
    return named
