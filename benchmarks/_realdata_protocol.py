"""What ``realdata.py`` knows of one shared dataset: :class:`Protocol`, :class:`Subset`, ...

The dataset functions (``_realdata_sets.py`` for sequences and the other kinds,
``_realdata_graphs.py`` for graphs and molecules) return these; ``realdata.py`` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from _realdata_classical import Classical


@dataclass
class Subset:
    """A named subset of the test records (e.g. those not also in training), by id."""

    label: str
    ids: set[str]
    note: str


@dataclass
class Protocol:
    """How one dataset is run: files, options, metrics, published numbers, classical reader."""

    name: str
    group: str
    title: str
    task: str
    protocol: str
    train: str
    options: dict[str, Any]
    metrics: tuple[str, ...]
    published: str
    classical: Callable[[], Classical]
    cv_folds: int | None = None
    subset: Callable[[], Subset] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Unsupported:
    """A shared dataset biodl cannot run today, and why."""

    name: str
    group: str
    title: str
    reason: str


def class_codes(labels: pd.Series) -> np.ndarray:
    """Class labels as 0..K-1 in sorted order (any consistent coding gives the same folds).

    Examples
    --------
    >>> class_codes(pd.Series([1, -1, 1])).tolist()
    [1, 0, 1]
    """
    return np.unique(labels.astype(str).to_numpy(), return_inverse=True)[1]
