"""scikit-learn estimators for molecules and graphs: :class:`GraphClassifier` and
:class:`GraphRegressor`.

``X`` is a sequence of SMILES (parsed and featurised with RDKit as ``biodl train`` does for a
SMILES table) or a :class:`~biodl.data.graphs.GraphSet` (e.g. read from a TU folder with
:func:`biodl.kinds.graph.read_graphs`). Training is the same as ``biodl train --kind graph``
(same networks: gin, gcn, gat, mpnn; early stopping on a validation part split from ``X``),
without writing a run directory. They work with ``cross_val_score``, ``GridSearchCV``,
``clone`` and ``Pipeline``; what they share with the other estimators is in
:mod:`biodl.estimators.base`.

Examples
--------
>>> from biodl.estimators.graph import GraphRegressor
>>> reg = GraphRegressor(epochs=1, model_params={"width": 16})
>>> reg.fit(["CCO", "CCN", "c1ccccc1", "CC(=O)O"] * 5, [0.1, 0.3, 1.2, -0.4] * 5).predict(
...     ["CCCO"]).shape
(1,)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from biodl.data.graphs import GraphSet
from biodl.errors import DataError
from biodl.estimators.base import DeepClassifier, DeepEstimator, DeepRegressor


def as_graphs(X: Any) -> GraphSet:
    """``X`` as a GraphSet: a GraphSet is returned as is; SMILES are parsed with RDKit.

    Raises
    ------
    DataError
        For a SMILES RDKit cannot parse (naming its position), or ``X`` that is neither.
    """
    if isinstance(X, GraphSet):
        return X
    from biodl.data.molecules import featurise_smiles

    if isinstance(X, str | bytes) or not hasattr(X, "__len__"):
        raise DataError("X: expected a sequence of SMILES strings or a GraphSet")
    smiles = np.asarray(X, dtype=object).reshape(-1)
    if not all(isinstance(s, str) for s in smiles):
        raise DataError("X: expected a sequence of SMILES strings or a GraphSet")
    graphs, invalid = featurise_smiles(list(smiles), source="X")
    if invalid:
        i = invalid[0]
        more = f" (and {len(invalid) - 1} more)" if len(invalid) > 1 else ""
        raise DataError(
            f"X[{i}]: RDKit cannot parse the SMILES {smiles[i]!r}{more}; fix or remove it"
        )
    return graphs


@dataclass(eq=False, repr=False)
class _GraphEstimator(DeepEstimator):
    """How the two estimators read graphs (see their docstrings)."""

    kind = "graph"
    noun = ("graph", "graphs")

    def _read(self, X: Any) -> GraphSet:
        return as_graphs(X)

    def _remember(self, part: GraphSet) -> None:
        self.node_fields_ = tuple(part.node_fields)

    def _read_fitted(self, X: Any) -> GraphSet:
        graphs = as_graphs(X)
        if tuple(graphs.node_fields) != self.node_fields_:
            raise DataError(
                f"X: graphs with node fields {list(graphs.node_fields)}; the estimator was "
                f"fitted on {list(self.node_fields_)} (molecules and TU graphs do not mix)"
            )
        return graphs


class GraphClassifier(DeepClassifier, _GraphEstimator):
    """Deep classifier of molecules and graphs with the scikit-learn API.

    ``fit(X, y)`` takes SMILES (or a GraphSet) ``X`` and labels ``y`` (n,).

    Parameters
    ----------
    model : str, default 'auto'
        A graph network from ``biodl models``: gin, gcn, gat, mpnn; 'auto' is mpnn for SMILES
        and gin for a GraphSet of other graphs.
    model_params, epochs, batch_size, lr, optimizer, loss, weight_decay, l1, l2, patience,
    valid_size, class_weights, seed, device, threads, verbose
        As for :class:`~biodl.estimators.SequenceClassifier`.

    Attributes
    ----------
    classes_, positive_class_, model_, history_
        As for :class:`~biodl.estimators.SequenceClassifier`.
    node_fields_ : tuple of str
        Node fields of the training graphs; ``predict`` requires the same.
    """


class GraphRegressor(DeepRegressor, _GraphEstimator):
    """Deep regressor of molecules and graphs with the scikit-learn API.

    ``fit(X, y)`` takes SMILES (or a GraphSet) ``X`` and numeric targets ``y``, ``(n,)`` or
    ``(n, T)``. Parameters are those of :class:`GraphClassifier` (``valid_size`` is a random
    split). Targets are standardised for training; predictions are on the original scale.

    Attributes
    ----------
    model_ : Trained
    history_ : DataFrame
    node_fields_ : tuple of str
    """


__all__: Sequence[str] = ["GraphClassifier", "GraphRegressor", "as_graphs"]
