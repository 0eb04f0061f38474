"""Cross-validation folds of prepared data, for ``biodl cv`` and ``biodl tune --cv``.

The folds follow the run's ``--split``: stratified or random, whole groups (``--group-column``,
or the patients of irregular records), or whole clusters of near-identical items
(``--split similarity``, for kinds that support it), or whole Bemis–Murcko scaffolds
(``--split scaffold``, molecules).
"""

from __future__ import annotations

from typing import Any

from biodl.config import DataConfig
from biodl.data.prepared import PreparedData
from biodl.evaluation.crossval import Fold, fold_indices
from biodl.kinds import get_kind

__all__ = ["cv_folds"]


def cv_folds(
    full: PreparedData, data: DataConfig, *, n_folds: int, repeats: int = 1, seed: int = 0
) -> list[Fold]:
    """``n_folds``-fold splits of the training part of ``full``, ``repeats`` times.

    Raises
    ------
    ConfigError
        For ``--split predefined`` (cross-validation makes its own folds) or a bad count.
    DataError
        When the groups do not allow the folds.
    """
    y = full.y["train"]
    assert y is not None
    method, groups = data.split, full.groups
    if method == "similarity":  # only kinds that support it get here
        kind: Any = get_kind(full.kind)
        groups = kind.similar_groups(full.part("train"), data.similarity_threshold)
    elif method == "scaffold":  # only kinds that support it get here
        kind = get_kind(full.kind)
        groups, method = kind.scaffold_groups(full.part("train")), "group"
    elif method == "stratified" and groups is not None and not data.group_column:
        method = "group"  # the kind's own grouping (records: one patient's stays together)
    return fold_indices(
        y,
        task=full.targets.task,
        n_folds=n_folds,
        repeats=repeats,
        method=method,
        groups=groups,
        seed=seed,
        class_names=full.targets.classes or None,
        group_column=data.group_column or "group",
        source=data.train,
    )
