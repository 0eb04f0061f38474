"""The fixed feature space in which synthetic data is compared with real data.

Distances between rows (MMD, precision/recall/density/coverage, detection, distance to the
closest record) only mean something in one space that does not move with the data being
judged. :class:`FeatureSpace` is fitted once on the **real training rows** and then applied,
unchanged, to held-out real rows and to every synthetic set:

1. an optional caller-supplied ``embed`` callable (e.g. a small network trained on the real
   training images), else the rows flattened;
2. ``sign(x) * log1p(|x|)`` when the real training values are non-negative whole numbers
   (counts; equal to ``log1p`` there and still defined for a sampler's negative values);
3. the :data:`MAX_FEATURES` most variable features (after step 2), most variable first;
4. standardisation by the real training mean and standard deviation (constant columns: 1);
5. PCA fitted on the real training rows, to ``min(50, n_features)`` components, **when there
   are at least** :data:`ROWS_PER_FEATURE` **training rows per feature**; otherwise the
   standardised features themselves are the space.

Why step 5 has a condition: with far more features than rows, principal axes fitted on the
training rows fit those rows' noise. Held-out rows then project much smaller than training
rows (Golub, 25 training rows x 7,129 genes: the held-out variance on the first component is
36 % of the training rows'), so every distance favours training-like rows; a membership
attack on a sampler that never saw which rows were members gave an AUROC of 0.01 instead of
0.5. Standardised features have no such asymmetry, and with few rows they are cheap.

The privacy checks (:mod:`biodl.evaluation.privacy`) compare training rows with held-out
rows directly, so they always use the standardised features: even with 10 rows per feature,
a PCA to 50 of 200 heavy-tailed features moved a blind sampler's membership AUROC from 0.51
to 0.42.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.decomposition import PCA

from biodl.errors import ConfigError, DataError
from biodl.evaluation.samplers import rows_2d

__all__ = [
    "MAX_COMPONENTS",
    "MAX_FEATURES",
    "ROWS_PER_FEATURE",
    "Embedding",
    "FeatureSpace",
    "check_like",
    "signed_log1p",
]

#: The most principal components the feature space keeps.
MAX_COMPONENTS = 50
#: The most features (the most variable real training ones) the space starts from.
MAX_FEATURES = 2000
#: PCA is fitted only with at least this many real training rows per feature (module notes).
ROWS_PER_FEATURE = 10

#: A caller-supplied embedding: rows in their own shape ``(n, ...)`` -> ``(n, d)`` floats.
Embedding = Callable[[np.ndarray], np.ndarray]


def check_like(reference: np.ndarray, X: Any, name: str, reference_name: str) -> np.ndarray:
    """``X`` as rows of the same width as ``reference`` (both any shape ``(n, ...)``).

    Raises
    ------
    DataError
        If the widths differ, naming both arrays and their shapes.
    """
    arr = np.asarray(X)
    flat = rows_2d(arr, name)
    width = int(np.prod(reference.shape[1:], dtype=np.int64))
    if flat.shape[1] != width:
        raise DataError(
            f"{name}: expected rows of {width} values like {reference_name} "
            f"(shape {reference.shape}), got shape {arr.shape}. Pass synthetic and real "
            "rows with the same features in the same order."
        )
    return arr


def signed_log1p(X: np.ndarray) -> np.ndarray:
    """``sign(x) * log1p(|x|)``: ``log1p`` for counts, monotone and defined everywhere."""
    return np.sign(X) * np.log1p(np.abs(X))


@dataclass
class FeatureSpace:
    """Standardised (and log-transformed) features, or their PCA, fitted on real training rows.

    Build it with :meth:`fit`; apply it with :meth:`transform` (the space's coordinates) or
    :meth:`standardise` (the kept features, standardised, most variable first).

    Attributes
    ----------
    shape : tuple of int
        Shape of one row as fitted (e.g. ``(1, 28, 28)`` for greyscale images).
    log1p : bool
        Whether ``sign(x) log1p(|x|)`` is applied before standardising.
    features : (p,) int
        Kept columns of the flattened (or embedded) rows, most variable first.
    mean, scale : (p,) float
        Real training mean and standard deviation (1 for constant columns) of those columns.
    pca : sklearn.decomposition.PCA or None
        Fitted on the standardised real training rows; None when the space is the
        standardised features (too few rows per feature).
    embed : callable or None
        The caller's embedding, applied first.
    """

    shape: tuple[int, ...]
    log1p: bool
    features: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    pca: PCA | None
    embed: Embedding | None = None

    @classmethod
    def fit(
        cls,
        real_train: Any,
        *,
        n_components: int = MAX_COMPONENTS,
        log1p: bool | Literal["auto"] = "auto",
        embed: Embedding | None = None,
        seed: int = 0,
    ) -> FeatureSpace:
        """Fit the space on the real training rows.

        Parameters
        ----------
        real_train : (n_train, ...) numeric array
            At least two rows.
        n_components : int, default 50
            Upper bound on the PCA components; also bounded by the number of features.
        log1p : bool or "auto", default "auto"
            "auto": on when every value is a non-negative whole number (counts). Ignored
            (off) when ``embed`` is given.
        embed : callable, optional
            ``(n, ...) -> (n, d)``, e.g. a network's penultimate layer for images.
        seed : int, default 0
            Seeds the randomised PCA solver on large inputs.

        Raises
        ------
        DataError
            If there are fewer than two training rows.
        ConfigError
            If ``n_components`` is not positive.
        """
        arr = np.asarray(real_train)
        if arr.ndim < 2 or len(arr) < 2:
            raise DataError(
                f"real training data: expected at least 2 rows, got shape {arr.shape}. "
                "Judging synthetic data needs a real training set to fit the feature space."
            )
        if n_components <= 0:
            raise ConfigError(f"n_components: expected a positive int, got {n_components}.")
        values = _features(arr, embed)
        use_log = False
        if embed is None:
            use_log = bool(log1p) if log1p != "auto" else _is_counts(values)
        if use_log:
            values = signed_log1p(values)
        keep = np.argsort(-values.var(axis=0), kind="stable")[:MAX_FEATURES]
        values = values[:, keep]
        mean = values.mean(axis=0)
        scale = values.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        pca = None
        if len(values) >= ROWS_PER_FEATURE * values.shape[1]:
            d = min(n_components, values.shape[1], len(values))
            pca = PCA(n_components=d, random_state=seed).fit((values - mean) / scale)
        return cls(tuple(arr.shape[1:]), use_log, keep, mean, scale, pca, embed)

    @property
    def n_components(self) -> int:
        """Number of coordinates :meth:`transform` returns."""
        return len(self.features) if self.pca is None else int(self.pca.n_components_)

    def standardise(self, X: Any) -> np.ndarray:
        """Rows as the kept features ``(n, p)``, standardised by the real training rows."""
        values = _features(np.asarray(X), self.embed)
        if self.log1p:
            values = signed_log1p(values)
        return (values[:, self.features] - self.mean) / self.scale

    def transform(self, X: Any) -> np.ndarray:
        """Rows as coordinates of the space ``(n, n_components)``: PCA or standardised."""
        return self.from_standardised(self.standardise(X))

    def from_standardised(self, z: np.ndarray) -> np.ndarray:
        """Coordinates of rows already passed through :meth:`standardise`."""
        return z if self.pca is None else np.asarray(self.pca.transform(z), dtype=np.float64)


def _features(arr: np.ndarray, embed: Embedding | None) -> np.ndarray:
    if embed is None:
        return rows_2d(arr).astype(np.float64)
    out = np.asarray(embed(arr), dtype=np.float64)
    if out.ndim != 2 or len(out) != len(arr):
        raise DataError(
            f"embed: expected the embedding of {len(arr)} rows as shape ({len(arr)}, d), got "
            f"shape {out.shape}. Return one vector per row."
        )
    return out


def _is_counts(X: np.ndarray) -> bool:
    return bool(X.min() >= 0 and np.all(np.round(X) == X))
