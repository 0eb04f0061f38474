"""scikit-learn estimators on the pipeline: sequences and regular time series.

Examples
--------
>>> from biodl.estimators import SequenceClassifier
>>> SequenceClassifier(epochs=2).get_params()["epochs"]
2
"""

from biodl.estimators.sequence import SequenceClassifier, SequenceRegressor, as_sequences
from biodl.estimators.timeseries import TimeSeriesClassifier, TimeSeriesRegressor, as_timeseries

__all__ = [
    "SequenceClassifier",
    "SequenceRegressor",
    "TimeSeriesClassifier",
    "TimeSeriesRegressor",
    "as_sequences",
    "as_timeseries",
]
