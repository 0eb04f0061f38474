"""scikit-learn estimators: :class:`SequenceClassifier` and :class:`SequenceRegressor`.

They take a list of sequence strings (or a :class:`~biodl.data.sequence.SequenceSet`) as ``X``
and work with ``cross_val_score``, ``GridSearchCV`` and ``Pipeline``. Training is the same as
``biodl train`` (same models, options, early stopping on a validation part split from ``X``),
without writing a run directory.

Examples
--------
>>> from biodl import SequenceClassifier
>>> X = ["ACGTGATAAGCACGTG", "TTTTGGGGCCCCAAAA"] * 20
>>> y = ["enhancer", "background"] * 20
>>> clf = SequenceClassifier(epochs=2, model_params={"channels": 8}).fit(X, y)
>>> clf.predict(X[:2]).shape
(2,)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from biodl.config import RunConfig
from biodl.data.prepared import PreparedData
from biodl.data.sequence import SequenceSet
from biodl.data.targets import infer_targets
from biodl.errors import DataError


def as_sequences(X: Any, alphabet: str = "auto") -> SequenceSet:
    """``X`` as a SequenceSet: a SequenceSet is returned as is; strings are encoded."""
    if isinstance(X, SequenceSet):
        return X
    if isinstance(X, str):
        raise DataError("X: expected a list of sequences, got one string; wrap it in a list")
    values = np.asarray(X, dtype=object).reshape(-1)
    return SequenceSet.from_strings(list(values), alphabet=alphabet, source="X")


class _SequenceEstimator(BaseEstimator):
    """Shared parameters and training of the two estimators (see their docstrings)."""

    _task = "auto"

    def __init__(
        self,
        model: str = "cnn",
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
        alphabet: str = "auto",
        length: int | None = None,
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
        self.alphabet = alphabet
        self.length = length
        self.seed = seed
        self.device = device
        self.threads = threads
        self.verbose = verbose

    def _config(self) -> RunConfig:
        train = {
            name: getattr(self, name)
            for name in (
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
        }
        if self.valid_size == 0:
            train["patience"] = 0
        return RunConfig.from_dict(
            {
                "data": {
                    "kind": "sequence",
                    "alphabet": self.alphabet,
                    "length": self.length,
                    "train": "X",
                },
                "model": {"name": self.model, "params": dict(self.model_params or {})},
                "train": train,
            },
            source=type(self).__name__,
        )

    def _fit(self, X: Any, y: Any) -> _SequenceEstimator:
        from biodl.pipeline.train import fit_model

        cfg = self._config()
        seqs = as_sequences(X, self.alphabet)
        y_array = np.asarray(y)
        if len(y_array) != len(seqs):
            raise DataError(
                f"y: {len(y_array)} labels for {len(seqs)} sequences; give one per sequence"
            )
        columns = [f"y{j}" for j in range(y_array.shape[1])] if y_array.ndim == 2 else ["label"]
        labels = pd.DataFrame(y_array.reshape(len(seqs), -1), columns=columns)
        if y_array.ndim == 1 and y_array.dtype.kind not in "fiub":
            labels = labels.astype(str)
        if self._task == "auto" and infer_targets(labels, "auto", source="y").task == "regression":
            raise DataError("y: looks numeric and continuous; use SequenceRegressor for regression")
        seqs = SequenceSet(seqs.ids, seqs.codes, seqs.offsets, seqs.alphabet, labels, seqs.source)
        prepared = prepare_arrays(cfg, seqs, labels, task=self._task, valid_size=self.valid_size)
        targets = prepared.targets
        self.model_, self.fit_ = fit_model(cfg, prepared, progress=self.verbose)
        self.targets_ = targets
        self.history_ = self.fit_.history
        self._labels = labels
        return self

    def _scores(self, X: Any) -> np.ndarray:
        from biodl.pipeline.train import model_inputs, predict_trained

        check_is_fitted(self, "model_")
        seqs = as_sequences(X, model_inputs(self.model_.info)["alphabet"])
        return predict_trained(self.model_, seqs, device=self.device)


class SequenceClassifier(ClassifierMixin, _SequenceEstimator):
    """Deep classifier of biological sequences with the scikit-learn API.

    Parameters
    ----------
    model : str, default 'cnn'
        A model from ``biodl models``: cnn, rnn, lstm, gru, cnn-lstm, transformer, mlp.
    model_params : dict, optional
        Its hyperparameters, e.g. ``{"channels": 128}``.
    epochs, batch_size, lr, optimizer, loss, weight_decay, l1, l2, patience, class_weights, seed,
    device, threads
        As the options of ``biodl train`` (defaults 'auto', 64, 1e-3, 'adam', 'auto', 0, 0, 0, 5,
        'none', 0, 'cpu', 0).
    valid_size : float, default 0.1
        Fraction of ``X`` held out for early stopping (stratified); 0 trains on all of ``X``
        for ``epochs`` epochs.
    alphabet : str, default 'auto'
    length : int, optional
        Crop/pad every sequence to this length.
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
    """

    def fit(self, X: Any, y: Any) -> SequenceClassifier:
        """Train on sequences ``X`` (list of str or SequenceSet) and labels ``y`` (n,)."""
        self._fit(X, y)
        y_array = np.asarray(y)
        if self.targets_.task in ("binary", "multiclass"):
            # Map class names back to the caller's label values (e.g. ints stay ints).
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


class SequenceRegressor(RegressorMixin, _SequenceEstimator):
    """Deep regressor of biological sequences with the scikit-learn API.

    Parameters are those of :class:`SequenceClassifier` (``valid_size`` is a random split).
    Targets are standardised for training; predictions are on the original scale.

    Attributes
    ----------
    model_ : Trained
    history_ : DataFrame
    """

    _task = "regression"

    def fit(self, X: Any, y: Any) -> SequenceRegressor:
        """Train on sequences ``X`` and numeric targets ``y``, ``(n,)`` or ``(n, T)``."""
        self._fit(X, np.asarray(y, dtype=np.float64))
        self._one_target = np.asarray(y).ndim == 1
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, ``(n,)`` for one target, else ``(n, T)``."""
        scores = self._scores(X)
        return scores[:, 0] if self._one_target else scores


def class_key(value: Any) -> str:
    """The class name biodl uses for a label value (integer-valued floats lose '.0')."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    return str(value)


__all__: Sequence[str] = ["SequenceClassifier", "SequenceRegressor", "as_sequences"]


def prepare_arrays(
    cfg: RunConfig, part: Any, labels: pd.DataFrame, *, task: str, valid_size: float
) -> PreparedData:
    """In-memory ``X`` and ``y`` through the one preparation path (a validation split only).

    ``cfg.data.kind`` names the kind; no leakage or size checks (the caller owns the data).
    """
    from dataclasses import replace

    from biodl.data.prepared import RawData, prepare_raw
    from biodl.kinds import get_kind

    raw = RawData({"train": part}, {"train": labels}, label_source="y")
    data = replace(cfg.data, task=task, test_size=0.0, valid_size=valid_size)  # type: ignore[arg-type]
    return prepare_raw(get_kind(cfg.data.kind), raw, data, seed=cfg.train.seed, checks=False)
