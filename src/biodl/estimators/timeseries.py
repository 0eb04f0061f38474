"""scikit-learn estimators for regular time series: :class:`TimeSeriesClassifier` and
:class:`TimeSeriesRegressor`.

``X`` is a float array ``(n, channels, length)``, ``(n, length)`` (one channel) or a
:class:`~biodl.data.timeseries.TimeSeriesSet`. Training is the same as
``biodl train --kind timeseries`` (same models, per-channel normalisation, early stopping on a
validation part split from ``X``), without writing a run directory. They work with
``cross_val_score``, ``GridSearchCV``, ``clone`` and ``Pipeline``, like
:class:`~biodl.estimators.SequenceClassifier`.

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

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from biodl.config import RunConfig
from biodl.data.targets import infer_targets
from biodl.data.timeseries import TimeSeriesSet
from biodl.errors import DataError
from biodl.estimators.sequence import class_key, prepare_arrays

#: Training options passed as they are to ``RunConfig.train``.
_TRAIN_OPTIONS = (
    "epochs",
    "batch_size",
    "lr",
    "optimizer",
    "loss",
    "weight_decay",
    "l1",
    "l2",
    "patience",
    "class_weights",
    "seed",
    "device",
    "threads",
)


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


class _TimeSeriesEstimator(BaseEstimator):
    """Shared parameters and training of the two estimators (see their docstrings)."""

    _task = "auto"

    def __init__(
        self,
        model: str = "auto",
        model_params: dict[str, Any] | None = None,
        *,
        epochs: int | Literal["auto"] = "auto",
        batch_size: int = 64,
        lr: float = 1e-3,
        optimizer: str = "adam",
        loss: str = "auto",
        weight_decay: float = 0.0,
        l1: float = 0.0,
        l2: float = 0.0,
        patience: int = 5,
        valid_size: float = 0.1,
        class_weights: str = "none",
        normalisation: str = "global",
        seed: int = 0,
        device: str = "cpu",
        threads: int = 0,
        verbose: bool = False,
    ):
        self.model = model
        self.model_params = model_params
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.loss = loss
        self.weight_decay = weight_decay
        self.l1 = l1
        self.l2 = l2
        self.patience = patience
        self.valid_size = valid_size
        self.class_weights = class_weights
        self.normalisation = normalisation
        self.seed = seed
        self.device = device
        self.threads = threads
        self.verbose = verbose

    def _config(self) -> RunConfig:
        train = {name: getattr(self, name) for name in _TRAIN_OPTIONS}
        if self.valid_size == 0:
            train["patience"] = 0
        return RunConfig.from_dict(
            {
                "data": {
                    "kind": "timeseries",
                    "train": "X",
                    "ts_normalisation": self.normalisation,
                },
                "model": {"name": self.model, "params": dict(self.model_params or {})},
                "train": train,
            },
            source=type(self).__name__,
        )

    def _fit(self, X: Any, y: Any) -> _TimeSeriesEstimator:
        from biodl.pipeline.train import fit_model

        cfg = self._config()
        series = as_timeseries(X)
        y_array = np.asarray(y)
        if len(y_array) != len(series):
            raise DataError(
                f"y: {len(y_array)} labels for {len(series)} series; give one per series"
            )
        columns = [f"y{j}" for j in range(y_array.shape[1])] if y_array.ndim == 2 else ["label"]
        labels = pd.DataFrame(y_array.reshape(len(series), -1), columns=columns)
        if y_array.ndim == 1 and y_array.dtype.kind not in "fiub":
            labels = labels.astype(str)
        if self._task == "auto" and infer_targets(labels, "auto", source="y").task == "regression":
            raise DataError(
                "y: looks numeric and continuous; use TimeSeriesRegressor for regression"
            )
        series = dataclasses.replace(series, labels=labels)
        prepared = prepare_arrays(cfg, series, labels, task=self._task, valid_size=self.valid_size)
        targets = prepared.targets
        self.model_, self.fit_ = fit_model(cfg, prepared, progress=self.verbose)
        self.targets_ = targets
        self.history_ = self.fit_.history
        self.n_channels_ = series.channels
        return self

    def _scores(self, X: Any) -> np.ndarray:
        from biodl.kinds.timeseries import check_channels
        from biodl.pipeline.train import predict_trained

        check_is_fitted(self, "model_")
        series = as_timeseries(X)
        check_channels(series, self.n_channels_, "X")
        return predict_trained(self.model_, series, device=self.device)


class TimeSeriesClassifier(ClassifierMixin, _TimeSeriesEstimator):
    """Deep classifier of regular time series with the scikit-learn API.

    Parameters
    ----------
    model : str, default 'auto'
        A time-series model from ``biodl models``: cnn, fcn, resnet1d, rnn, lstm, gru,
        cnn-lstm, transformer; 'auto' is the time-series default (cnn).
    model_params : dict, optional
        Its hyperparameters, e.g. ``{"channels": 128}``.
    epochs, batch_size, lr, optimizer, loss, weight_decay, l1, l2, patience, class_weights, seed,
    device, threads
        As the options of ``biodl train`` (defaults 'auto', 64, 1e-3, 'adam', 'auto', 0, 0, 0, 5,
        'none', 0, 'cpu', 0).
    valid_size : float, default 0.1
        Fraction of ``X`` held out for early stopping (stratified); 0 trains on all of ``X``
        for ``epochs`` epochs.
    normalisation : {'global', 'instance', 'none'}, default 'global'
        Per-channel scaling of the inputs (``--ts-normalisation``).
    verbose : bool, default False
        Progress bar.

    Attributes
    ----------
    classes_ : ndarray
        Class labels, in the order of the ``predict_proba`` columns (for two classes the second
        is the positive one).
    model_ : Trained
        The trained network (``model_.network``) and its description (``model_.info``).
    history_ : DataFrame
        Per-epoch losses and validation metrics.
    n_channels_ : int
        Channels of the training series; ``predict`` requires the same.
    """

    def fit(self, X: Any, y: Any) -> TimeSeriesClassifier:
        """Train on series ``X`` (array or TimeSeriesSet) and labels ``y`` (n,)."""
        self._fit(X, y)
        y_array = np.asarray(y)
        if self.targets_.task in ("binary", "multiclass"):
            original = {str(class_key(v)): v for v in y_array.reshape(-1)}
            self.classes_ = np.array([original[c] for c in self.targets_.classes])
        else:
            self.classes_ = np.arange(y_array.shape[1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, ``(n, n_classes)`` (multilabel: ``(n, n_labels)``)."""
        return self._scores(X)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels ``(n,)`` (multilabel: 0/1 ``(n, n_labels)``)."""
        scores = self._scores(X)
        if self.targets_.task == "multilabel":
            return (scores >= 0.5).astype(int)
        return self.classes_[np.argmax(scores, axis=1)]


class TimeSeriesRegressor(RegressorMixin, _TimeSeriesEstimator):
    """Deep regressor of regular time series with the scikit-learn API.

    Parameters are those of :class:`TimeSeriesClassifier` (``valid_size`` is a random split).
    Targets are standardised for training; predictions are on the original scale.

    Attributes
    ----------
    model_ : Trained
    history_ : DataFrame
    n_channels_ : int
    """

    _task = "regression"

    def fit(self, X: Any, y: Any) -> TimeSeriesRegressor:
        """Train on series ``X`` and numeric targets ``y``, ``(n,)`` or ``(n, T)``."""
        self._fit(X, np.asarray(y, dtype=np.float64))
        self._one_target = np.asarray(y).ndim == 1
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, ``(n,)`` for one target, else ``(n, T)``."""
        scores = self._scores(X)
        return scores[:, 0] if self._one_target else scores


__all__: Sequence[str] = ["TimeSeriesClassifier", "TimeSeriesRegressor", "as_timeseries"]
