"""scikit-learn estimators: :class:`SequenceClassifier` and :class:`SequenceRegressor`.

They take a list of sequence strings (or a :class:`~biodl.data.sequence.SequenceSet`) as ``X``
and work with ``cross_val_score``, ``GridSearchCV`` and ``Pipeline``. Training is the same as
``biodl train`` (same models, options, early stopping on a validation part split from ``X``),
without writing a run directory. What they share with the other kinds' estimators is in
:mod:`biodl.estimators.base`.

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
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np

from biodl.data.sequence import SequenceSet
from biodl.errors import DataError
from biodl.estimators.base import DeepClassifier, DeepEstimator, DeepRegressor


def as_sequences(X: Any, alphabet: str = "auto") -> SequenceSet:
    """``X`` as a SequenceSet: a SequenceSet is returned as is; strings are encoded."""
    if isinstance(X, SequenceSet):
        return X
    if isinstance(X, str):
        raise DataError("X: expected a list of sequences, got one string; wrap it in a list")
    values = np.asarray(X, dtype=object).reshape(-1)
    return SequenceSet.from_strings(list(values), alphabet=alphabet, source="X")


@dataclass(eq=False, repr=False)
class _SequenceEstimator(DeepEstimator):
    """How the two estimators read sequences, and their own parameters (see their docstrings)."""

    kind = "sequence"
    noun = ("sequence", "sequences")

    model: str = "cnn"
    _: KW_ONLY
    alphabet: str = "auto"
    length: int | None = None

    def _read(self, X: Any) -> SequenceSet:
        return as_sequences(X, self.alphabet)

    def _read_fitted(self, X: Any) -> SequenceSet:
        from biodl.pipeline.fitting import model_inputs

        return as_sequences(X, model_inputs(self.model_.info)["alphabet"])

    def _data_options(self) -> dict[str, Any]:
        return {"alphabet": self.alphabet, "length": self.length}


class SequenceClassifier(DeepClassifier, _SequenceEstimator):
    """Deep classifier of biological sequences with the scikit-learn API.

    ``fit(X, y)`` takes sequences ``X`` (list of str or SequenceSet) and labels ``y`` (n,).

    Parameters
    ----------
    model : str, default 'cnn'
        A model from ``biodl models``: cnn, rnn, lstm, gru, cnn-lstm, transformer, mlp.
    model_params : dict, optional
        Its hyperparameters, e.g. ``{"channels": 128}``.
    epochs, batch_size, lr, optimizer, loss, weight_decay, l1, l2, patience, class_weights, seed,
    device, threads
        As the options of ``biodl train`` (defaults 'auto', 64, 1e-3, 'adam', 'auto', 0, 0, 0, 5,
        'none', 0, 'cpu', 1).
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
        Class labels, sorted as scikit-learn sorts them, in the order of the ``predict_proba``
        columns.
    positive_class_ : label
        Two classes: the one biodl calls positive (see ``biodl train --positive-class``); it
        does not change ``predict``, which is the most probable class.
    model_ : Trained
        The trained network (``model_.network``) and its description (``model_.info``).
    history_ : DataFrame
        Per-epoch losses and validation metrics.
    """


class SequenceRegressor(DeepRegressor, _SequenceEstimator):
    """Deep regressor of biological sequences with the scikit-learn API.

    ``fit(X, y)`` takes sequences ``X`` and numeric targets ``y``, ``(n,)`` or ``(n, T)``.
    Parameters are those of :class:`SequenceClassifier` (``valid_size`` is a random split).
    Targets are standardised for training; predictions are on the original scale.

    Attributes
    ----------
    model_ : Trained
    history_ : DataFrame
    """


__all__: Sequence[str] = ["SequenceClassifier", "SequenceRegressor", "as_sequences"]
