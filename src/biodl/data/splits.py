"""Train / validation / test splits made from one labelled file.

Five methods (:data:`SPLIT_HELP`): ``stratified`` and ``random`` split rows; ``group`` keeps
every group (patient, species, family, ... one label per row) inside one part; ``similarity``
does the same with clusters of near-identical items (for sequences
:func:`biodl.data.similarity.similar_groups`), so the test part holds no near-copy of a
training sequence; ``predefined`` reads the part of each row from a column.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1] * 50)
>>> s = split_indices(y, task="binary", test_size=0.2, valid_size=0.1, seed=0)
>>> len(s.train), len(s.valid), len(s.test)
(70, 10, 20)
>>> groups = np.repeat(np.arange(20), 5)
>>> s = split_indices(y, task="binary", test_size=0.2, valid_size=0.1, method="group",
...                   groups=groups)
>>> len(s.train), len(s.valid), len(s.test)
(70, 10, 20)
>>> column = np.array(["train"] * 8 + ["Test", "valid"])
>>> s = split_indices(y[:10], task="binary", test_size=0.2, valid_size=0.1,
...                   method="predefined", predefined=column)
>>> s.test.tolist(), s.valid.tolist()
([8], [9])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from biodl.errors import ConfigError, DataError
from biodl.options import OPTION_HELP, SplitOption

__all__ = [
    "PREDEFINED_NAMES",
    "SPLIT_HELP",
    "SPLIT_METHODS",
    "Split",
    "SplitMethod",
    "part_columns",
    "split_indices",
]

SplitMethod = SplitOption

#: One line per method, for ``--help``, config files and docs (declared in biodl.config).
SPLIT_HELP: dict[str, str] = OPTION_HELP["split"]
SPLIT_METHODS: tuple[SplitMethod, ...] = (
    "stratified",
    "random",
    "group",
    "similarity",
    "scaffold",
    "predefined",
)

#: Accepted values of a predefined split column (case-insensitive) and the part they name.
#: ``training`` is MAVE-NN's name (its ``set`` column: training / validation / test).
PREDEFINED_NAMES: dict[str, str] = {
    "train": "train",
    "valid": "valid",
    "validation": "valid",
    "val": "valid",
    "test": "test",
    "training": "train",
}


def part_columns(table: pd.DataFrame, skip: Iterable[str] = ()) -> dict[str, dict[str, int]]:
    """Text columns of ``table`` (not in ``skip``) whose every value names a part
    (:data:`PREDEFINED_NAMES`, any case) and that name at least two: a file's own split (FLIP's
    ``SET=train`` / ``SET=test`` headers, MAVE-NN's ``set`` column), with each part's row count.

    Examples
    --------
    >>> part_columns(pd.DataFrame({"set": ["train", "Test", "train"], "y": ["a", "b", "a"]}))
    {'set': {'train': 2, 'test': 1}}
    """
    found = {}
    for column in table.columns:
        values = table[column]
        if column in skip or values.dtype.kind != "O" or not len(values):
            continue
        if not _names_parts(values.iloc[:1000]).notna().all():  # most columns: decided here
            continue
        parts = _names_parts(values)
        if parts.notna().all() and parts.nunique() >= 2:
            counts = parts.value_counts()
            found[str(column)] = {
                p: int(counts[p]) for p in ("train", "valid", "test") if p in counts
            }
    return found


def _names_parts(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lower().map(PREDEFINED_NAMES)


@dataclass(frozen=True)
class Split:
    """Row indices of each part; ``valid`` or ``test`` may be empty.

    Attributes
    ----------
    train, valid, test : (n_part,) int64
        Sorted row indices.
    groups : (n,) int64 or None, default None
        Group of each row for group and similarity splits (cluster labels for similarity),
        numbered 0, 1, ... in order of first appearance; None for other methods.
    """

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    groups: np.ndarray | None = None

    @property
    def n_groups(self) -> int:
        """Number of distinct groups (0 when ``groups`` is None)."""
        return 0 if self.groups is None else int(self.groups.max(initial=-1)) + 1


def split_indices(
    y: np.ndarray,
    *,
    task: str,
    test_size: float,
    valid_size: float,
    method: SplitMethod = "stratified",
    seed: int = 0,
    class_names: list[str] | None = None,
    source: str = "data",
    groups: np.ndarray | None = None,
    group_column: str = "group",
    similar: np.ndarray | None = None,
    similarity_threshold: float = 0.5,
    predefined: np.ndarray | None = None,
    split_column: str = "split",
) -> Split:
    """Split row indices into train, validation and test parts.

    Parameters
    ----------
    y : (n,) or (n, k) array
        Encoded targets (see :mod:`biodl.data.targets`).
    task : str
        Stratification applies to binary and multiclass tasks only.
    test_size, valid_size : float
        Fractions of all rows for the test and validation parts (0 = no such part). Group and
        similarity splits reach them approximately (whole groups); predefined splits ignore
        them.
    method : {'stratified', 'random', 'group', 'similarity', 'scaffold', 'predefined'}, \
default 'stratified'
        See :data:`SPLIT_HELP`.
    seed : int, default 0
        Same seed and data give the same split.
    class_names : list of str, optional
        Names for messages.
    source : str
        File name for messages.
    groups : (n,) array, optional
        Group label of each row, for ``method='group'`` (the scaffold of each molecule for
        ``method='scaffold'``); missing values (None, NaN, "") raise.
    group_column : str, default 'group'
        Name of the group column, for messages.
    similar : (n,) int array, optional
        Cluster of each row for ``method='similarity'`` (near-identical items share one; for
        sequences :func:`biodl.data.similarity.similar_groups`). Clusters do not depend on
        ``seed``; which part each cluster goes to does.
    similarity_threshold : float, default 0.5
        The threshold the clusters were made with, for messages.
    predefined : (n,) array of str, optional
        Part of each row, for ``method='predefined'``: ``train``, ``valid`` (also
        ``validation``, ``val``) or ``test``, case-insensitive. A part absent from the column
        stays empty.
    split_column : str, default 'split'
        Name of the predefined column, for messages.

    Returns
    -------
    Split
        Sorted row indices of each part (together every row exactly once), and the group of each
        row for group and similarity splits.

    Raises
    ------
    DataError
        If the fractions are out of range, a class has too few examples to appear in every part
        of a stratified split, the groups / sequences / column a method needs are missing or
        of the wrong length, there are too few groups, a group value is missing, a predefined
        value is not a part name or no row is ``train``, or one similarity cluster is larger
        than the training part.
    ConfigError
        For an unknown ``method``.
    """
    if method not in SPLIT_HELP:
        raise ConfigError(
            f"split method: expected one of {', '.join(SPLIT_METHODS)}, got {method!r}. "
            "Use --split stratified."
        )
    n = len(y)
    if method == "predefined":
        return _predefined_split(predefined, n, split_column, source)
    if not (0 <= test_size < 1 and 0 <= valid_size < 1 and test_size + valid_size < 1):
        raise DataError(
            f"test size {test_size} and valid size {valid_size} must each be in [0, 1) and sum "
            "to less than 1; e.g. --test-size 0.2 --valid-size 0.1"
        )
    rng = np.random.default_rng(seed)
    stratify = method in ("stratified", "group", "similarity", "scaffold") and task in (
        "binary",
        "multiclass",
    )
    parts = [f for f in (test_size, valid_size) if f > 0]
    if method in ("group", "similarity", "scaffold"):
        labels = (
            _similarity_labels(similar, n, test_size + valid_size, similarity_threshold, source)
            if method == "similarity"
            else _group_labels(groups, n, group_column, source)
        )
        what = {"group": f"group column {group_column!r}", "scaffold": "scaffolds"}.get(
            method, "similarity clusters"
        )
        named = None if method == "similarity" else groups
        _check_group_count(labels, named, len(parts) + 1, what, source)
        return _group_split(labels, y if stratify else None, test_size, valid_size, rng)
    if stratify:
        _check_class_counts(y, len(parts) + 1, class_names, source)
    order = _stratified_order(y, rng) if stratify else rng.permutation(n)
    # Each part takes every k-th element of a class-interleaved order, so proportions hold.
    n_test = round(test_size * n)
    n_valid = round(valid_size * n)
    if (
        (test_size > 0 and n_test == 0)
        or (valid_size > 0 and n_valid == 0)
        or n_test + n_valid >= n
    ):
        raise DataError(
            f"{source}: {n} examples are too few for a test part of {test_size:g} and a "
            f"validation part of {valid_size:g}; add data or pass separate --valid/--test files"
        )
    test = np.sort(order[:n_test])
    valid = np.sort(order[n_test : n_test + n_valid])
    train = np.sort(order[n_test + n_valid :])
    return Split(train=train, valid=valid, test=test)


# --------------------------------------------------------------------------- group splits


def _group_labels(groups: np.ndarray | None, n: int, column: str, source: str) -> np.ndarray:
    """Group values as labels 0, 1, ... in order of first appearance, checked."""
    if groups is None:
        raise DataError(
            f"{source}: --split group needs --group-column (one group label per row, e.g. "
            "patient or species); pass it, or use --split random"
        )
    values = pd.Series(np.asarray(groups, dtype=object).ravel())
    if len(values) != n:
        raise DataError(
            f"{source}: group column {column!r} has {len(values)} values, expected {n} (one per "
            "row); pass the group labels of the same rows"
        )
    missing = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"{source} row {row + 1} column {column!r}: the group value is missing "
            f"({int(missing.sum())} row(s) in all); expected a group label on every row. Fill "
            "it in or drop the row"
        )
    codes, _ = pd.factorize(values)
    return codes.astype(np.int64)


def _similarity_labels(
    similar: np.ndarray | None, n: int, held_out: float, threshold: float, source: str
) -> np.ndarray:
    if similar is None or len(similar) != n:
        got = "none" if similar is None else f"{len(similar)}"
        raise DataError(
            f"{source}: --split similarity needs a cluster for each of the {n} rows (got {got}); "
            "pass similar= with one cluster label per row"
        )
    labels = np.asarray(similar, dtype=np.int64)
    sizes = np.bincount(labels)
    largest = int(sizes.max())
    if largest > (1 - held_out) * n:
        raise DataError(
            f"{source}: {largest} of {n} sequences ({largest / n:.0%}) fall in one cluster at "
            f"similarity threshold {threshold:g}, more than the {1 - held_out:.0%} the training "
            "part may hold: most sequences are near-identical. Use a higher "
            "--similarity-threshold (e.g. 0.8) or --split random"
        )
    return labels


def _check_group_count(
    labels: np.ndarray, groups: np.ndarray | None, n_parts: int, what: str, source: str
) -> None:
    n_groups = int(labels.max(initial=-1)) + 1
    if n_groups >= n_parts:
        return
    if groups is not None:
        first = pd.Series(np.asarray(groups, dtype=object).ravel()).unique()[:3]
        names = ", ".join(repr(str(g)) for g in first)
    else:
        names = "all sequences near-identical"
    count = "one group" if n_groups == 1 else f"{n_groups} groups"
    raise DataError(
        f"{source}: {what} has {count} ({names}); a group split needs at least 2 (3 with a "
        "validation part). Use a column with more groups, drop the validation part, or use "
        "--split random"
    )


def _group_split(
    labels: np.ndarray,
    y: np.ndarray | None,
    test_size: float,
    valid_size: float,
    rng: np.random.Generator,
) -> Split:
    """Whole groups to test, then valid, each filled near its target; the rest to train."""
    n = len(labels)
    sizes = np.bincount(labels)
    order = _group_order(labels, y, rng)
    part = np.zeros(len(sizes), dtype=np.int8)  # 0 train, 1 valid, 2 test
    targets = [(2, test_size), (1, valid_size)]
    wanted = [code for code, size in targets if size > 0]
    for code, size in targets:
        if size <= 0:
            continue
        wanted.remove(code)
        free = order[part[order] == 0]
        # keep one group for every part still to fill and one for train
        spare = len(free) - len(wanted) - 1
        chosen = _fill(free, sizes, round(size * n), spare)
        part[chosen] = code
    row_part = part[labels]
    return Split(
        train=np.flatnonzero(row_part == 0),
        valid=np.flatnonzero(row_part == 1),
        test=np.flatnonzero(row_part == 2),
        groups=labels,
    )


def _fill(free: np.ndarray, sizes: np.ndarray, target: int, limit: int) -> np.ndarray:
    """Groups taken in order while each brings the count closer to ``target`` (>= 1 group)."""
    taken: list[int] = []
    count = 0
    for g in free:
        if len(taken) >= limit or count >= target:
            break
        if abs(count + sizes[g] - target) < abs(count - target):
            taken.append(int(g))
            count += int(sizes[g])
    if not taken:
        taken.append(int(free[np.argmin(sizes[free])]))
    return np.array(taken, dtype=np.int64)


def _group_order(labels: np.ndarray, y: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Groups shuffled; for classification, interleaved by their majority class."""
    n_groups = int(labels.max()) + 1
    if y is None:
        return rng.permutation(n_groups)
    counts = pd.crosstab(labels, np.asarray(y).ravel()).reindex(range(n_groups), fill_value=0)
    majority = counts.columns.to_numpy()[counts.to_numpy().argmax(axis=1)]
    return _stratified_order(majority, rng)


# --------------------------------------------------------------------------- predefined


def _predefined_split(predefined: np.ndarray | None, n: int, column: str, source: str) -> Split:
    if predefined is None:
        raise DataError(
            f"{source}: --split predefined needs --split-column (a column of train / valid / "
            "test per row); pass it, or use --split stratified"
        )
    values = pd.Series(np.asarray(predefined, dtype=object).ravel())
    if len(values) != n:
        raise DataError(
            f"{source}: split column {column!r} has {len(values)} values, expected {n} (one per "
            "row); pass the split of the same rows"
        )
    names = values.map(lambda v: v.strip().lower() if isinstance(v, str) else v)
    part = names.map(PREDEFINED_NAMES)
    bad = part.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source} row {row + 1} column {column!r}: split value {values[row]!r} is not a "
            f"part name ({int(bad.sum())} row(s) in all); expected one of "
            f"{', '.join(PREDEFINED_NAMES)} (any case). Fix the value or drop the row"
        )
    codes = part.to_numpy()
    train = np.flatnonzero(codes == "train")
    if not len(train):
        raise DataError(
            f"{source}: split column {column!r} has no 'train' rows; expected some rows marked "
            "train to fit on. Mark the training rows or use another --split"
        )
    return Split(
        train=train, valid=np.flatnonzero(codes == "valid"), test=np.flatnonzero(codes == "test")
    )


# --------------------------------------------------------------------------- stratified


def _stratified_order(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation in which each class is spread evenly (rank within class / class size)."""
    position = np.empty(len(y), dtype=np.float64)
    for value in np.unique(y):
        members = np.flatnonzero(y == value)
        rng.shuffle(members)
        position[members] = (np.arange(len(members)) + rng.random()) / len(members)
    return np.argsort(position + rng.random(len(y)) * 1e-9, kind="stable")


def _check_class_counts(
    y: np.ndarray, n_parts: int, class_names: list[str] | None, source: str
) -> None:
    values, counts = np.unique(y, return_counts=True)
    if counts.min() < n_parts:
        value = values[int(np.argmin(counts))]
        name = class_names[int(value)] if class_names else str(value)
        raise DataError(
            f"{source}: class {name!r} has {counts.min()} example(s); a stratified split into "
            f"{n_parts} parts needs at least {n_parts} per class. Add examples, remove the class, "
            "or pass --split random"
        )
