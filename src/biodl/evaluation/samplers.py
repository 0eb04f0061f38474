"""Classical generative baselines: the samplers every generative model is judged against.

Three samplers share one interface, in the manner of scikit-learn estimators (``__init__``
stores options, ``fit`` returns ``self``, learned state ends in ``_``):

- :class:`IndependentMarginals` resamples every column from its own empirical distribution,
  independently of the others: the margins are right, every dependence between features is
  lost. Integer counts stay integers (values are drawn from the observed ones).
- :class:`GaussianCopula` keeps the margins (empirical quantiles) and the dependence of the
  normal scores (a Gaussian copula); ``margins="gaussian"`` gives a plain multivariate
  Gaussian (mean and covariance). The covariance is never formed: samples are drawn as
  ``Z_c.T @ g / sqrt(n - 1)`` from the ``(n, p)`` centred scores, so 7,000 genes and 40
  samples cost ``O(n p)`` memory.
- :class:`CopyTraining` returns training rows: a perfect-looking generator that leaks every
  record, which every privacy check must flag.

``fit(X, y=None)`` with labels makes a sampler conditional: one model per class. ``sample``
then takes one of ``n`` (classes in training proportions, largest remainder), ``n_per_class``
or a ``labels`` vector (one row per label, in that order). Rows of ``X`` may be any shape
``(n, ...)``; samples come back in the same shape.

Examples
--------
>>> import numpy as np
>>> from biodl.evaluation.samplers import GaussianCopula
>>> X = np.random.default_rng(0).poisson(3.0, size=(50, 4))
>>> s = GaussianCopula().fit(X).sample(10, seed=1)
>>> s.X.shape, s.y is None
((10, 4), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata

from biodl.errors import ConfigError, DataError

__all__ = [
    "SAMPLERS",
    "CopyTraining",
    "GaussianCopula",
    "IndependentMarginals",
    "Sampler",
    "Samples",
    "check_n",
    "classical_samplers",
    "rows_2d",
]


@dataclass(frozen=True)
class Samples:
    """Rows drawn from a sampler.

    Attributes
    ----------
    X : (n, ...) array
        Synthetic rows, in the shape (after the first axis) and dtype of the training rows.
    y : (n,) array or None
        The class of each row for a conditional sampler, else None.
    """

    X: np.ndarray
    y: np.ndarray | None = None


def check_n(n: Any, name: str = "n") -> int:
    """Return ``n`` as an int, or raise :class:`ConfigError` unless it is a positive integer."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ConfigError(
            f"{name}: expected a positive number of samples, got {n!r}. Pass {name}=1 or more."
        )
    return int(n)


def rows_2d(X: Any, name: str = "X") -> np.ndarray:
    """``X`` as a 2-D numeric array ``(n, features)`` (images are flattened), checked finite.

    Raises
    ------
    DataError
        If ``X`` has no rows, is not numeric or holds NaN or infinite values.
    """
    arr = np.asarray(X)
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise DataError(f"{name}: expected at least one row, got shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
        raise DataError(
            f"{name}: expected numeric values, got dtype {arr.dtype}. Encode the columns first."
        )
    arr = arr.reshape(len(arr), -1)
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr))[0, 1])
        raise DataError(
            f"{name}: column {bad} holds NaN or infinite values; expected finite numbers. "
            "Impute or drop missing values before fitting or judging synthetic data."
        )
    return arr


def _labels(y: Any, n_rows: int) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != n_rows:
        raise DataError(
            f"y: expected one label per row, shape ({n_rows},), got shape {labels.shape}."
        )
    classes = np.unique(labels)
    if len(classes) < 2:
        raise DataError(
            f"y: conditional sampling needs at least 2 classes, found only {classes.tolist()}. "
            "Fit without labels for unconditional sampling."
        )
    return labels


def _allocate(n: int, counts: np.ndarray) -> np.ndarray:
    """Split ``n`` over classes in proportion to ``counts`` (largest remainder, exact total)."""
    share = n * counts / counts.sum()
    out = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - out), kind="stable")
    out[order[: n - out.sum()]] += 1
    return out


class Sampler:
    """Base class of the classical samplers: one fitted block per class (or one for all rows).

    Subclasses fill in ``_fit_block(X) -> state`` and ``_sample_block(state, n, rng) -> X``.
    """

    def _fit_block(self, X: np.ndarray) -> Any:
        raise NotImplementedError

    def _sample_block(self, state: Any, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _output_dtype(self) -> np.dtype[Any]:
        return np.dtype(self.dtype_)

    def fit(self, X: Any, y: Any = None) -> Self:
        """Learn the training rows' distribution (per class when ``y`` is given).

        Parameters
        ----------
        X : (n_rows, ...) numeric array
            Training rows; images ``(n, c, h, w)`` are handled as flat rows.
        y : (n_rows,) array, optional
            Class labels (at least two classes): the sampler becomes conditional.

        Returns
        -------
        self
        """
        arr = np.asarray(X)
        flat = rows_2d(arr)
        self.shape_ = arr.shape[1:]
        self.dtype_ = arr.dtype
        self.n_features_in_ = flat.shape[1]
        if y is None:
            self.classes_: np.ndarray | None = None
            self.class_counts_ = np.array([len(flat)])
            self.blocks_ = [self._fit_block(flat)]
        else:
            labels = _labels(y, len(flat))
            self.classes_, self.class_counts_ = np.unique(labels, return_counts=True)
            self.blocks_ = [self._fit_block(flat[labels == c]) for c in self.classes_]
        return self

    def sample(
        self,
        n: int | None = None,
        *,
        labels: Any = None,
        n_per_class: int | None = None,
        seed: int = 0,
    ) -> Samples:
        """Draw synthetic rows; more rows than were trained on is fine.

        Parameters
        ----------
        n : int, optional
            Number of rows; a conditional sampler draws classes in training proportions.
        labels : (n,) array, optional
            Conditional samplers only: the class of each row to draw, in order.
        n_per_class : int, optional
            Conditional samplers only: this many rows of every class.
        seed : int, default 0

        Returns
        -------
        Samples
            ``X`` of shape ``(rows, *training shape)``; ``y`` for a conditional sampler.

        Raises
        ------
        ConfigError
            Unless exactly one of ``n``, ``labels``, ``n_per_class`` is given, a count is not
            positive, or labels are asked of an unconditional sampler.
        DataError
            If ``labels`` holds a class not seen in training.
        """
        if not hasattr(self, "blocks_"):
            raise ConfigError(f"{type(self).__name__}: call fit(X, y) before sample().")
        options = {"n": n, "labels": labels, "n_per_class": n_per_class}
        given = [name for name, value in options.items() if value is not None]
        if len(given) != 1:
            raise ConfigError(
                f"sample: expected exactly one of n, labels, n_per_class, got {given or 'none'}."
            )
        codes = self._codes(n, labels, n_per_class)
        rng = np.random.default_rng(seed)
        out = np.empty((len(codes), self.n_features_in_), dtype=self._output_dtype())
        for k, state in enumerate(self.blocks_):
            rows = np.flatnonzero(codes == k)
            if len(rows):
                out[rows] = self._sample_block(state, len(rows), rng)
        X_out = out.reshape((len(codes), *self.shape_))
        return Samples(X_out, None if self.classes_ is None else self.classes_[codes])

    def _codes(self, n: int | None, labels: Any, n_per_class: int | None) -> np.ndarray:
        """The class index (into ``blocks_``) of every row to draw."""
        if self.classes_ is None:
            if n is None:
                raise ConfigError(
                    f"{type(self).__name__} was fitted without labels: pass n, not "
                    "labels or n_per_class (or fit with y for conditional sampling)."
                )
            return np.zeros(check_n(n), dtype=np.int64)
        if labels is not None:
            wanted = np.asarray(labels)
            if wanted.ndim != 1 or len(wanted) == 0:
                raise ConfigError(f"labels: expected a non-empty 1-D array, got {wanted.shape}.")
            codes = np.searchsorted(self.classes_, wanted)
            codes = np.clip(codes, 0, len(self.classes_) - 1)
            unknown = self.classes_[codes] != wanted
            if unknown.any():
                raise DataError(
                    f"labels: class {wanted[unknown][0].tolist()!r} was not in the training labels "
                    f"{self.classes_.tolist()}. Ask only for trained classes."
                )
            return codes.astype(np.int64)
        if n_per_class is not None:
            per = np.full(len(self.classes_), check_n(n_per_class, "n_per_class"))
        else:
            per = _allocate(check_n(n), self.class_counts_)
        return np.repeat(np.arange(len(self.classes_)), per)


class IndependentMarginals(Sampler):
    """Resample every column from its own empirical distribution, independently.

    Keeps each feature's distribution exactly (values are drawn from the observed ones, so
    integer counts stay integers and constant columns stay constant) and destroys every
    correlation: the baseline that a model learning dependence must beat on correlation
    distance and detection AUROC.

    Examples
    --------
    >>> IndependentMarginals().fit(np.arange(12).reshape(6, 2)).sample(4).X.shape
    (4, 2)
    """

    def _fit_block(self, X: np.ndarray) -> np.ndarray:
        return X.copy()

    def _sample_block(self, state: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        pick = rng.integers(0, len(state), size=(n, state.shape[1]))
        return np.take_along_axis(state, pick, axis=0)


@dataclass
class _CopulaBlock:
    sorted_values: np.ndarray  # (n, p) every column sorted (empirical quantile function)
    integral: np.ndarray  # (p,) bool: column holds only whole numbers
    scores: np.ndarray  # (n, p) centred scores, scaled so that scores.T @ g is N(0, corr)
    mean: np.ndarray  # (p,) column means (gaussian margins)
    std: np.ndarray  # (p,) column standard deviations (gaussian margins)


class GaussianCopula(Sampler):
    """Empirical margins joined by a Gaussian dependence (a Gaussian copula).

    Fitting turns every column into normal scores ``z = Phi^-1(rank / (n + 1))`` (average
    ranks for ties) and keeps their correlation; sampling draws ``z ~ N(0, R)``, sets
    ``u = Phi(z)`` and reads each column's empirical quantile at ``u`` (linear interpolation
    between order statistics; for whole-number columns the step quantile, so counts stay
    integers). Constant columns stay constant. A class with one row gives that row back.

    Parameters
    ----------
    margins : {"empirical", "gaussian"}, default "empirical"
        ``"gaussian"`` gives a plain multivariate Gaussian: rows drawn from ``N(mean, S)``
        with the training mean and covariance (values need not stay whole or non-negative).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=200); X = np.c_[a, a + 0.1 * rng.normal(size=200)]
    >>> Z = GaussianCopula().fit(X).sample(500).X
    >>> bool(np.corrcoef(Z.T)[0, 1] > 0.9)
    True
    """

    def __init__(self, *, margins: Literal["empirical", "gaussian"] = "empirical") -> None:
        self.margins = margins

    def fit(self, X: Any, y: Any = None) -> Self:
        if self.margins not in ("empirical", "gaussian"):
            raise ConfigError(f"margins: expected 'empirical' or 'gaussian', got {self.margins!r}.")
        super().fit(X, y)
        return self

    def _output_dtype(self) -> np.dtype[Any]:
        # Gaussian margins give real numbers whatever the training dtype.
        return np.dtype(np.float64) if self.margins == "gaussian" else np.dtype(self.dtype_)

    def _fit_block(self, X: np.ndarray) -> _CopulaBlock:
        values = X.astype(np.float64)
        n = len(values)
        mean = values.mean(axis=0)
        std = values.std(axis=0, ddof=1) if n > 1 else np.zeros(values.shape[1])
        if self.margins == "gaussian":
            centred = values - mean
        else:
            centred = ndtri(rankdata(values, axis=0) / (n + 1))
            centred -= centred.mean(axis=0)
        scale = centred.std(axis=0, ddof=1) if n > 1 else np.zeros(values.shape[1])
        if self.margins == "empirical":
            # Divide by each column's score spread: the draws then have the normal scores'
            # correlation and unit variance. Constant columns (spread 0) get no noise.
            centred = np.divide(centred, scale, out=np.zeros_like(centred), where=scale > 0)
        scores = centred / np.sqrt(max(n - 1, 1))
        return _CopulaBlock(
            sorted_values=np.sort(values, axis=0),
            integral=np.all(values == np.round(values), axis=0),
            scores=scores,
            mean=mean,
            std=std,
        )

    def _sample_block(self, state: _CopulaBlock, n: int, rng: np.random.Generator) -> np.ndarray:
        g = rng.standard_normal(size=(n, state.scores.shape[0]))
        z = g @ state.scores  # (n, p): N(0, R) for scores, N(0, S) for centred values
        if self.margins == "gaussian":
            return state.mean + z
        n_train = state.sorted_values.shape[0]
        position = ndtr(z) * (n_train - 1)  # fractional index into the order statistics
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, n_train - 1)
        frac = position - low
        lo_v = np.take_along_axis(state.sorted_values, low, axis=0)
        hi_v = np.take_along_axis(state.sorted_values, high, axis=0)
        linear = lo_v + frac * (hi_v - lo_v)
        step = np.where(frac < 0.5, lo_v, hi_v)
        out = np.where(state.integral, step, linear)
        if np.issubdtype(self.dtype_, np.integer):
            out = np.round(out)
        return out


class CopyTraining(Sampler):
    """Return training rows: every row once (in a random order) before any is repeated.

    The degenerate "generator" that looks perfect on fidelity and leaks every record: the
    privacy checks (copies, distance to closest record, membership inference) must flag it.

    Examples
    --------
    >>> X = np.arange(6).reshape(3, 2)
    >>> sorted(CopyTraining().fit(X).sample(3).X[:, 0].tolist())
    [0, 2, 4]
    """

    def _fit_block(self, X: np.ndarray) -> np.ndarray:
        return X.copy()

    def _sample_block(self, state: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        full, rest = divmod(n, len(state))
        order = [rng.permutation(len(state)) for _ in range(full)]
        order.append(rng.permutation(len(state))[:rest])
        return state[np.concatenate(order)]


#: The classical samplers of the comparison table, by name.
SAMPLERS: dict[str, type[Sampler]] = {
    "independent_marginals": IndependentMarginals,
    "gaussian_copula": GaussianCopula,
    "copy_training": CopyTraining,
}


def classical_samplers() -> dict[str, Sampler]:
    """A fresh, unfitted instance of each classical sampler, by name (see :data:`SAMPLERS`)."""
    return {name: cls() for name, cls in SAMPLERS.items()}
