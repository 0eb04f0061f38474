"""``biodl inspect``: look at data of any kind before training, and say what to fix.

The steps are the same for every kind of data: resolve the kind exactly as training does
(:func:`biodl.kinds.resolve_kind`: ``--kind``, or detected from the training file),
let the kind read its parts (the training file, ``--valid``, ``--test``) with its own readers
and the data options of ``biodl train`` and run its checks (the kind's ``inspect`` hook,
which calls its module in :mod:`biodl.data.checks`), then write the result: plain text
(:meth:`~biodl.data.checks.result.Inspection.summary`), a self-contained HTML page
(:func:`biodl.report.inspection.write_inspection`) and JSON
(:meth:`~biodl.data.checks.result.Inspection.to_dict`).

Examples
--------
>>> # from biodl.config import DataConfig
>>> # result = inspect_data(DataConfig(train="train.csv", test="test.csv"), out="inspect.html")
>>> # print(result.summary())
"""

from __future__ import annotations

import os
from pathlib import Path

from biodl._io import atomic_write_text, to_json
from biodl.config import DataConfig
from biodl.data.checks.result import Inspection
from biodl.data.input_files import reading
from biodl.data.prepared import check_label_options
from biodl.errors import ConfigError
from biodl.kinds import get_kind, resolve_kind
from biodl.report.inspection import write_inspection

__all__ = ["inspect_data"]


def inspect_data(
    data: DataConfig,
    *,
    out: str | os.PathLike[str] | None = None,
    json_out: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Inspection:
    """Inspect the data of ``data`` (any kind) and write the HTML page and JSON if asked.

    Parameters
    ----------
    data : DataConfig
        The data options of a run: ``train`` (required), ``valid``, ``test``, ``kind``,
        ``labels``, ``label_columns``, ``task``, ``id_column`` and the kind's reader options.
        No split is made: the parts are the files given.
    out : path, optional
        Write the inspection as a self-contained HTML page (atomically).
    json_out : path, optional
        Write :meth:`Inspection.to_dict` as JSON (atomically; NaN as null).
    title : str, optional
        Page title; default "Inspection of <training file name>".

    Returns
    -------
    Inspection
        Findings (severity, message, fix), part summaries, identical items across parts.

    Raises
    ------
    ConfigError
        When no training data is given, or the kind is unknown.
    DataError
        From the kind's readers (a file that cannot be read as that kind).
    """
    if not data.train:
        raise ConfigError("no data given; pass a file or folder to inspect as DATA")
    with reading():  # detection and the readers share one opening of each file
        kind = resolve_kind(data)
        check_label_options(get_kind(kind), data)
        inspection = get_kind(kind).inspect(data)
    inspection.kind = kind
    if out is not None:
        page_title = title or f"Inspection of {Path(data.train).name}"
        write_inspection(inspection, out, title=page_title)
    if json_out is not None:
        atomic_write_text(Path(json_out), to_json(inspection.to_dict()))
    return inspection
