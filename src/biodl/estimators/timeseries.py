"""scikit-learn estimators for regular time series: :class:`TimeSeriesClassifier` and
:class:`TimeSeriesRegressor`.

``X`` is a float array ``(n, channels, length)``, ``(n, length)`` (one channel) or a
:class:`~biodl.data.timeseries.TimeSeriesSet`. Training is the same as
``biodl train --kind timeseries`` (same models, per-channel normalisation, early stopping on a
validation part split from ``X``), without writing a run directory. They work with
``cross_val_score``, ``GridSearchCV``, ``clone`` and ``Pipeline``, like
:class:`~biodl.estimators.SequenceClassifier`; what they share with it is in
:mod:`biodl.estimators.base`.

Examples
--------
>>> import numpy as np
>>> from biodl import TimeSeriesClassifier
>>> X = np.random.default_rng(0).normal(size=(40, 2, 30))
>>> y = [0, 1] * 20
>>> clf = TimeSeriesClassifier(epochs=1, model_params={"channels": 8}).fit(X, y)
>>> clf.predict(X[:3]).shape
(3,)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

from biodl.data.timeseries import TimeSeriesSet
from biodl.estimators.base import DeepClassifier, DeepEstimator, DeepRegressor


def as_timeseries(X: Any) -> TimeSeriesSet:
    """``X`` as a TimeSeriesSet: a TimeSeriesSet is returned as is; arrays are wrapped.

    Raises
    ------
    DataError
        For an array that is not ``(n, length)`` or ``(n, channels, length)``, non-numeric
        values or ``NaN`` inside a series (trailing ``NaN`` counts as padding).
    """
    if isinstance(X, TimeSeriesSet):
        return X
    return TimeSeriesSet.from_array(X, source="X")


@dataclass(eq=False, repr=False)
class _TimeSeriesEstimator(DeepEstimator):
    """How the two estimators read series, and their own parameter (see their docstrings)."""

    kind = "timeseries"
    noun = ("series", "series")

    _: KW_ONLY
    normalisation: str = "global"

    def _read(self, X: Any) -> TimeSeriesSet:
        return as_timeseries(X)

    def _remember(self, part: TimeSeriesSet) -> None:
        self.n_channels_ = part.channels

    def _read_fitted(self, X: Any) -> TimeSeriesSet:
        from biodl.kinds.timeseries import check_channels

        series = as_timeseries(X)
        check_channels(series, self.n_channels_, "X")
        return series

    def _data_options(self) -> dict[str, Any]:
        return {"ts_normalisation": self.normalisation}


class TimeSeriesClassifier(DeepClassifier, _TimeSeriesEstimator):
    """Deep classifier of regular time series with the scikit-learn API.

    ``fit(X, y)`` takes series ``X`` (array or TimeSeriesSet) and labels ``y`` (n,).

    Parameters
    ----------
    model : str, default 'auto'
        A time-series model from ``biodl models``: cnn, fcn, resnet1d, rnn, lstm, gru,
        cnn-lstm, transformer; 'auto' is the time-series default (cnn).
    model_params, epochs, batch_size, lr, optimizer, loss, weight_decay, l1, l2, patience,
    valid_size, class_weights, seed, device, threads, verbose
        As for :class:`~biodl.estimators.SequenceClassifier`.
    normalisation : {'global', 'instance', 'none'}, default 'global'
        Per-channel scaling of the inputs (``--ts-normalisation``).

    Attributes
    ----------
    classes_, positive_class_, model_, history_
        As for :class:`~biodl.estimators.SequenceClassifier`.
    n_channels_ : int
        Channels of the training series; ``predict`` requires the same.
    """


class TimeSeriesRegressor(DeepRegressor, _TimeSeriesEstimator):
    """Deep regressor of regular time series with the scikit-learn API.

    ``fit(X, y)`` takes series ``X`` and numeric targets ``y``, ``(n,)`` or ``(n, T)``.
    Parameters are those of :class:`TimeSeriesClassifier` (``valid_size`` is a random split).
    Targets are standardised for training; predictions are on the original scale.

    Attributes
    ----------
    model_ : Trained
    history_ : DataFrame
    n_channels_ : int
    """


__all__: Sequence[str] = ["TimeSeriesClassifier", "TimeSeriesRegressor", "as_timeseries"]
