"""``--resume``: continue an interrupted ``train`` or ``cv`` from its partial run folder.

The partial folder holds ``resume.json`` (the command, its resolved configuration and its
options, :func:`biodl.pipeline.train.resumable`) and the checkpoints of its fits
(:mod:`biodl.training.resume`); the command runs again with them, into the same folder.

Examples
--------
>>> # biodl.train(resume="runs/splice")  # or its partial folder runs/.splice.partial-1a2b3c4d
"""

from __future__ import annotations

import os
from typing import Any

from biodl.config import RunConfig
from biodl.errors import ConfigError
from biodl.runs_partial import RESUME_FILE, find_partial, out_of_partial, read_resume_record

__all__ = ["resume_run"]


def resume_run(path: str | os.PathLike[str], *, progress: bool | None = None) -> Any:
    """Continue the interrupted run whose partial folder (or run directory) is ``path``.

    Returns what the run's command returns: :class:`~biodl.pipeline.train.TrainResult` for
    ``train`` (a language model's or a forecast's own result for those tasks),
    :class:`~biodl.pipeline.cv.CVResult` for ``cv``.

    Raises
    ------
    ConfigError
        If there is nothing to resume at ``path`` (see :func:`biodl.runs_partial.find_partial`)
        or another process writes the run.
    """
    partial = find_partial(path)
    record = read_resume_record(partial)
    assert record is not None
    cfg = RunConfig.from_dict(record["config"], source=str(partial / RESUME_FILE))
    out = out_of_partial(partial)
    if cfg.train.num_nodes > 1:
        raise ConfigError(
            f"{partial}: a training over {cfg.train.num_nodes} nodes cannot be resumed (its "
            "checkpoints hold rank 0's state only, and the other nodes' processes are gone); "
            "start it again with the same command"
        )
    options = dict(record.get("options") or {})
    # commands looked up when called, as the API does (a name bound at import time would keep
    # whatever the module held then, e.g. a test's stand-in)
    if record.get("command") == "cv":
        from biodl.pipeline.cv import run_cv

        return run_cv(cfg, out=out, progress=progress, resume=partial, **options)
    if cfg.data.task == "language-model":
        from biodl.pipeline.language import run_language_model

        return run_language_model(cfg, out=out, progress=progress, resume=partial, **options)
    if cfg.data.task == "forecast":
        from biodl.pipeline.forecast import run_forecast

        return run_forecast(cfg, out=out, progress=progress, resume=partial, **options)
    from biodl.pipeline.train import run_training

    return run_training(cfg, out=out, progress=progress, resume=partial, **options)
