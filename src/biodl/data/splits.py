"""Train / validation / test splits made from one labelled file.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1] * 50)
>>> s = split_indices(y, task="binary", test_size=0.2, valid_size=0.1, seed=0)
>>> len(s.train), len(s.valid), len(s.test)
(70, 10, 20)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from biodl.errors import DataError

SplitMethod = Literal["stratified", "random"]


@dataclass(frozen=True)
class Split:
    """Row indices of each part; ``valid`` or ``test`` may be empty."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


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
) -> Split:
    """Split row indices into train, validation and test parts.

    Parameters
    ----------
    y : (n,) or (n, k) array
        Encoded targets (see :mod:`biodl.data.targets`).
    task : str
        Stratification applies to binary and multiclass tasks only.
    test_size, valid_size : float
        Fractions of all rows for the test and validation parts (0 = no such part).
    method : {'stratified', 'random'}, default 'stratified'
    seed : int, default 0
    class_names : list of str, optional
        Names for messages.
    source : str
        File name for messages.

    Raises
    ------
    DataError
        If the fractions are out of range, or a class has too few examples to appear in
        every part of a stratified split.
    """
    n = len(y)
    if not (0 <= test_size < 1 and 0 <= valid_size < 1 and test_size + valid_size < 1):
        raise DataError(
            f"test size {test_size} and valid size {valid_size} must each be in [0, 1) and sum "
            "to less than 1; e.g. --test-size 0.2 --valid-size 0.1"
        )
    rng = np.random.default_rng(seed)
    stratify = method == "stratified" and task in ("binary", "multiclass")
    parts = [f for f in (test_size, valid_size) if f > 0]
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
