"""What the scikit-learn estimators of every kind of data share: parameters, fit and predict.

:class:`DeepEstimator` holds the training parameters (dataclass fields), builds the run
configuration, turns ``y`` into a label table, prepares ``X`` through the one preparation path
(:func:`prepare_arrays`), trains (the same as ``biodl train``, without a run directory) and
scores. :class:`DeepClassifier` and :class:`DeepRegressor` add the scikit-learn methods. A
kind's estimators say only what is their own: the kind's name (``kind``), how ``X`` is read
(``_read``) and, where the kind has parameters of its own, their fields and
``_data_options``. See :mod:`biodl.estimators.sequence` and
:mod:`biodl.estimators.timeseries`.

Examples
--------
>>> from biodl.estimators import SequenceClassifier
>>> from biodl.estimators.base import DeepClassifier
>>> issubclass(SequenceClassifier, DeepClassifier)
True
"""

from __future__ import annotations

import dataclasses
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from biodl.config import RunConfig
from biodl.data.prepared import PreparedData
from biodl.data.targets import infer_targets
from biodl.errors import DataError

__all__ = [
    "TRAIN_OPTIONS",
    "DeepClassifier",
    "DeepEstimator",
    "DeepRegressor",
    "class_key",
    "label_table",
    "prepare_arrays",
]

#: Estimator parameters passed as they are to ``RunConfig.train``.
TRAIN_OPTIONS = (
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


# eq=False: hashable, compared by identity as estimators are; repr=False: scikit-learn's repr
@dataclass(eq=False, repr=False)
class DeepEstimator(BaseEstimator):
    """Parameters, training and scoring of the estimators of every kind of data.

    The parameters are dataclass fields: the generated ``__init__`` only stores them, and its
    signature, which scikit-learn reads, lists each one. A kind subclasses this with ``kind``
    (a name of :data:`biodl.kinds.KINDS`), ``noun`` (what one sample of ``X`` is called in
    messages, singular and plural) and ``_read``; a kind with parameters of its own declares
    them as fields of a dataclass subclass (see :mod:`biodl.estimators.sequence`).

    Parameters
    ----------
    model : str, default 'auto'
        A model of the kind from ``biodl models``; 'auto' is the kind's default.
    model_params, epochs, batch_size, lr, optimizer, loss, weight_decay, l1, l2, patience,
    valid_size, class_weights, seed, device, threads, verbose
        As for :class:`~biodl.estimators.SequenceClassifier`.
    """

    kind: ClassVar[str]
    noun: ClassVar[tuple[str, str]] = ("sample", "samples")
    _task: ClassVar[str] = "auto"

    model: str = "auto"
    model_params: dict[str, Any] | None = None
    _: KW_ONLY
    epochs: int | Literal["auto"] = "auto"
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"
    loss: str = "auto"
    weight_decay: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    patience: int = 5
    valid_size: float = 0.1
    class_weights: str = "none"
    seed: int = 0
    device: str = "cpu"
    threads: int = 1
    verbose: bool = False

    def _read(self, X: Any) -> Any:
        """``X`` of ``fit`` as one part of the kind's data (:class:`biodl.kinds.Part`)."""
        raise NotImplementedError(f"{type(self).__name__} does not say how to read X")

    def _read_fitted(self, X: Any) -> Any:
        """``X`` of ``predict`` as the kind's part, checked against what :meth:`fit` saw."""
        return self._read(X)

    def _remember(self, part: Any) -> None:
        """Keep what ``_read_fitted`` checks of the training part (nothing by default)."""

    def _data_options(self) -> dict[str, Any]:
        """The kind's own ``RunConfig.data`` options taken from the parameters."""
        return {}

    def _config(self) -> RunConfig:
        train = {name: getattr(self, name) for name in TRAIN_OPTIONS}
        if self.valid_size == 0:
            train["patience"] = 0
        return RunConfig.from_dict(
            {
                "data": {"kind": self.kind, "train": "X", **self._data_options()},
                "model": {"name": self.model, "params": dict(self.model_params or {})},
                "train": train,
            },
            source=type(self).__name__,
        )

    def _fit(self, X: Any, y: Any) -> None:
        from biodl.pipeline.fitting import fit_model

        cfg = self._config()
        part = self._read(X)
        labels = label_table(y, len(part), self.noun)
        if self._task == "auto" and infer_targets(labels, "auto", source="y").task == "regression":
            regressor = type(self).__name__.replace("Classifier", "Regressor")
            raise DataError(f"y: looks numeric and continuous; use {regressor} for regression")
        if hasattr(part, "labels"):  # as a part read from a file, it carries its labels
            part = dataclasses.replace(part, labels=labels)
        prepared = prepare_arrays(cfg, part, labels, task=self._task, valid_size=self.valid_size)
        self.model_, self.fit_ = fit_model(cfg, prepared, progress=self.verbose)
        self.targets_ = prepared.targets
        self.history_ = self.fit_.history
        self._remember(part)

    def _scores(self, X: Any) -> np.ndarray:
        from biodl.pipeline.fitting import predict_trained

        check_is_fitted(self, "model_")
        return predict_trained(self.model_, self._read_fitted(X), device=self.device)


class DeepClassifier(ClassifierMixin, DeepEstimator):
    """:class:`DeepEstimator` with ``fit``, ``predict_proba`` and ``predict`` of a classifier.

    ``classes_`` keeps the caller's label values, sorted as scikit-learn sorts them
    (``np.unique(y)``), in the order of the ``predict_proba`` columns; scikit-learn's scorers
    rely on that order. ``positive_class_`` (binary tasks) is the class biodl would call
    positive (the rules of :mod:`biodl.data.targets`); the estimators compute no metric and
    choose no threshold with it (``predict`` is the most probable class), so to score the
    rare class with scikit-learn name it, e.g.
    ``make_scorer(average_precision_score, pos_label="a_rare", response_method="predict_proba")``.
    """

    def fit(self, X: Any, y: Any) -> Self:
        """Train on ``X`` and labels ``y``, ``(n,)`` (multilabel: 0/1 ``(n, n_labels)``).

        Returns
        -------
        self
        """
        self._fit(X, y)
        y_array = np.asarray(y)
        if self.targets_.task in ("binary", "multiclass"):
            # The caller's label values (e.g. ints stay ints), sorted as scikit-learn does;
            # biodl's own class order (the positive class second) maps onto them.
            self.classes_ = np.unique(y_array.reshape(-1))
            code = {name: j for j, name in enumerate(self.targets_.classes)}
            self._columns_ = np.array([code[class_key(v)] for v in self.classes_])
            if self.targets_.task == "binary":
                self.positive_class_ = self.classes_[list(self._columns_).index(1)]
        else:
            self.classes_ = np.arange(y_array.shape[1])
            self._columns_ = self.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, ``(n, n_classes)`` in the order of ``classes_`` (multilabel:
        ``(n, n_labels)``)."""
        return self._scores(X)[:, self._columns_]

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels ``(n,)`` (multilabel: 0/1 ``(n, n_labels)``)."""
        scores = self.predict_proba(X)
        if self.targets_.task == "multilabel":
            return (scores >= 0.5).astype(int)
        return self.classes_[np.argmax(scores, axis=1)]


class DeepRegressor(RegressorMixin, DeepEstimator):
    """:class:`DeepEstimator` with ``fit`` and ``predict`` of a regressor.

    Targets are standardised for training; predictions are on the original scale, and
    ``valid_size`` is a random split.
    """

    _task = "regression"

    def fit(self, X: Any, y: Any) -> Self:
        """Train on ``X`` and numeric targets ``y``, ``(n,)`` or ``(n, T)``.

        Returns
        -------
        self
        """
        self._fit(X, np.asarray(y, dtype=np.float64))
        self._one_target = np.asarray(y).ndim == 1
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, ``(n,)`` for one target, else ``(n, T)``."""
        scores = self._scores(X)
        return scores[:, 0] if self._one_target else scores


def label_table(y: Any, n: int, noun: tuple[str, str] = ("sample", "samples")) -> pd.DataFrame:
    """``y`` as the label table of the preparation path: one row per sample of ``X``.

    Parameters
    ----------
    y : array-like, (n,) or (n, T)
        One column 'label' for ``(n,)`` (text unless numeric), else ``y0 .. y{T-1}``.
    n : int
        Samples in ``X``.
    noun : (str, str), default ('sample', 'samples')
        What a sample is called in the error, singular and plural.

    Raises
    ------
    DataError
        When ``y`` does not have one row per sample.

    Examples
    --------
    >>> label_table([0, 1, 1], 3)["label"].tolist()
    [0, 1, 1]
    """
    y_array = np.asarray(y)
    if len(y_array) != n:
        raise DataError(f"y: {len(y_array)} labels for {n} {noun[1]}; give one per {noun[0]}")
    columns = [f"y{j}" for j in range(y_array.shape[1])] if y_array.ndim == 2 else ["label"]
    labels = pd.DataFrame(y_array.reshape(n, -1), columns=columns)
    if y_array.ndim == 1 and y_array.dtype.kind not in "fiub":
        labels = labels.astype(str)
    return labels


def class_key(value: Any) -> str:
    """The class name biodl uses for a label value (integer-valued floats lose '.0').

    Examples
    --------
    >>> class_key(2.0), class_key(True), class_key("a")
    ('2', '1', 'a')
    """
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    return str(value)


def prepare_arrays(
    cfg: RunConfig, part: Any, labels: pd.DataFrame, *, task: str, valid_size: float
) -> PreparedData:
    """In-memory ``X`` and ``y`` through the one preparation path (a validation split only).

    ``cfg.data.kind`` names the kind; no leakage or size checks (the caller owns the data).
    """
    from biodl.data.prepared import RawData, prepare_raw
    from biodl.kinds import get_kind

    raw = RawData({"train": part}, {"train": labels}, label_source="y")
    data = dataclasses.replace(cfg.data, task=task, test_size=0.0, valid_size=valid_size)  # type: ignore[arg-type]
    return prepare_raw(get_kind(cfg.data.kind), raw, data, seed=cfg.train.seed, checks=False)
