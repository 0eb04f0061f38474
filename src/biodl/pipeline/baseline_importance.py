"""The baseline's coefficients or importances, saved with a run and ranked per input variable.

``biodl train`` writes ``baseline_importance.csv`` into the run folder when the run's baseline
has coefficients or importances (:meth:`biodl.pipeline.baselines.FittedBaseline.importance`)
and its features name the input they come from (a ``column_names()`` method on the kind's
baseline features: expression genes, the per-variable summary statistics of regular series
and records). One row per feature column::

    feature, variable, value, what, model
    G3,      G3,       0.84,  coefficient, logistic regression
    hr_mean, hr,       -0.12, coefficient, logistic regression

An explanation (``train --explain`` and ``biodl explain RUN DATA``, the same code) ranks the
baseline's values per input variable with :func:`variable_importance` and shows them beside
the network's attributions: for expression, one feature per gene, the signed coefficient (or
importance) itself; for series and records, whose baseline reads seven summary statistics per
variable, the sum of their absolute values (static descriptors of records are named
``"<name> (static)"``: the network's attributions do not cover them). Runs written before the
file existed have none; the explanation then has no baseline column.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"feature": ["a_mean", "a_max", "b_mean"], "variable": ["a", "a", "b"],
...                       "value": [0.5, -1.0, 2.0], "what": "coefficient", "model": "ridge"})
>>> variable_importance(table).to_dict()
{'a': 1.5, 'b': 2.0}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.errors import DataError

__all__ = [
    "BASELINE_IMPORTANCE_FILE",
    "COLUMNS",
    "importance_table",
    "rank_agreement",
    "read_importance",
    "variable_importance",
]

#: The file in the run folder.
BASELINE_IMPORTANCE_FILE = "baseline_importance.csv"
#: Its columns, in order.
COLUMNS = ("feature", "variable", "value", "what", "model")


def importance_table(fitted: Any) -> pd.DataFrame | None:
    """The baseline's value per feature column with the input variable each column reads.

    Parameters
    ----------
    fitted : FittedBaseline
        The run's fitted baseline (:func:`biodl.pipeline.baselines.fit_baseline_for`).

    Returns
    -------
    DataFrame or None
        The columns of :data:`COLUMNS`; None when the baseline has no coefficients or
        importances, or its features do not name their columns (sequences, images, graphs).
    """
    if fitted is None:
        return None
    names = getattr(fitted.features, "column_names", None)
    if names is None:
        return None
    found = fitted.importance()
    if found is None:
        return None
    columns: list[tuple[str, str]] = names()
    if len(columns) != len(found.values):
        return None
    return pd.DataFrame(
        {
            "feature": [c for c, _ in columns],
            "variable": [v for _, v in columns],
            "value": np.asarray(found.values, dtype=np.float64),
            "what": found.what,
            "model": found.model,
        }
    )


def read_importance(run: str | os.PathLike[str]) -> pd.DataFrame | None:
    """``baseline_importance.csv`` of ``run``; None when the run has none (older runs).

    Raises
    ------
    DataError
        When the file lacks a column of :data:`COLUMNS`.
    """
    path = Path(run) / BASELINE_IMPORTANCE_FILE
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype={"feature": str, "variable": str, "what": str, "model": str})
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"{path}: no column {', '.join(missing)}; expected {', '.join(COLUMNS)} (delete the "
            "file to explain the run without the baseline's values)"
        )
    return table


def variable_importance(table: pd.DataFrame | None) -> pd.Series | None:
    """The baseline's value per input variable, named for the report.

    With one feature per variable (expression) the signed value itself, named e.g.
    ``"logistic regression coefficient"``; with several (summary statistics) the sum of their
    absolute values, named e.g. ``"logistic regression: sum of |coefficient| over the
    variable's 7 summary features"``.
    """
    if table is None or not len(table):
        return None
    model, what = str(table["model"].iloc[0]), str(table["what"].iloc[0])
    counts = table.groupby("variable", sort=False)["value"].size()
    if int(counts.max()) == 1:
        series = pd.Series(table["value"].to_numpy(), index=table["variable"].astype(str))
        series.name = f"{model} {what}"
        return series
    summed = table["value"].abs().groupby(table["variable"].astype(str), sort=False).sum()
    per = int(counts.max())
    summed.name = f"{model}: sum of |{what}| over the variable's {per} summary features"
    summed.index.name = None
    return summed


def rank_agreement(network: pd.Series, baseline: pd.Series, k: int) -> tuple[float, int]:
    """Spearman correlation of two rankings of the same variables and their top-``k`` overlap.

    Parameters
    ----------
    network, baseline : Series
        Importance per variable (larger = more important; the baseline's absolute value is
        ranked), on the variables both have.
    k : int

    Returns
    -------
    (float, int)
        Spearman's rho (NaN for fewer than two variables or a constant ranking) and how many
        of the network's top ``k`` are among the baseline's top ``k``.

    Examples
    --------
    >>> a = pd.Series([3.0, 2.0, 1.0], index=["x", "y", "z"])
    >>> rank_agreement(a, pd.Series([-5.0, 1.0, 0.5], index=["x", "y", "z"]), 1)
    (1.0, 1)
    """
    shared = [v for v in network.index if v in baseline.index]
    a = network.loc[shared].astype(float)
    b = baseline.loc[shared].astype(float).abs()
    rho = float("nan")
    if len(shared) > 1 and a.nunique() > 1 and b.nunique() > 1:
        rho = float(a.rank().corr(b.rank()))
    top_a = set(a.sort_values(ascending=False, kind="stable").index[:k])
    top_b = set(b.sort_values(ascending=False, kind="stable").index[:k])
    return rho, len(top_a & top_b)
