"""scikit-learn estimators on the pipeline: sequences, regular time series, molecules and graphs.

Examples
--------
>>> from biodl.estimators import SequenceClassifier
>>> SequenceClassifier(epochs=2).get_params()["epochs"]
2
"""

from biodl.estimators.graph import GraphClassifier, GraphRegressor, as_graphs
from biodl.estimators.sequence import SequenceClassifier, SequenceRegressor, as_sequences
from biodl.estimators.timeseries import TimeSeriesClassifier, TimeSeriesRegressor, as_timeseries

__all__ = [
    "GraphClassifier",
    "GraphRegressor",
    "SequenceClassifier",
    "SequenceRegressor",
    "TimeSeriesClassifier",
    "TimeSeriesRegressor",
    "as_graphs",
    "as_sequences",
    "as_timeseries",
]
