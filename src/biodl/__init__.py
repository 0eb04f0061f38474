"""biodl: deep learning on biological data, from a file you have to a reported model.

The public API loads lazily, so ``import biodl`` (and ``biodl --help``) stays fast:

>>> import biodl
>>> biodl.__version__
'0.1.0'

See :func:`train`, :func:`predict`, :func:`evaluate`, :func:`embed`, :func:`load_run`,
:func:`load_results`, :func:`read_sequences`, :class:`SequenceClassifier` and
:class:`SequenceRegressor`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "train": "biodl.api",
    "predict": "biodl.api",
    "evaluate": "biodl.api",
    "explain": "biodl.api",
    "generate": "biodl.api",
    "score": "biodl.api",
    "load_run": "biodl.api",
    "load_results": "biodl.api",
    "compare_runs": "biodl.api",
    "redraw_report": "biodl.api",
    "build_config": "biodl.config",
    "cross_validate": "biodl.api",
    "inspect": "biodl.api",
    "tune": "biodl.api",
    "embed": "biodl.api",
    "demo": "biodl.api",
    "describe_models": "biodl.api",
    "read_sequences": "biodl.data.sequence",
    "SequenceSet": "biodl.data.sequence",
    "SequenceClassifier": "biodl.estimators",
    "SequenceRegressor": "biodl.estimators",
    "RunConfig": "biodl.config",
    # expression embeddings
    "AE": "biodl.training.autoencoders",
    "DAE": "biodl.training.autoencoders",
    "VAE": "biodl.training.autoencoders",
    "run_embed": "biodl.pipeline.embed",
    # expression data and models
    "read_expression": "biodl.data.expression",
    "ExpressionSet": "biodl.data.expression",
    "PreprocessOptions": "biodl.data.preprocess",
    "fit_preprocessing": "biodl.data.preprocess",
    "DenseMLP": "biodl.models.dense",
    "BiodlError": "biodl.errors",
    "DataError": "biodl.errors",
    "ConfigError": "biodl.errors",
    # regular time series
    "read_timeseries": "biodl.data.timeseries",
    "TimeSeriesSet": "biodl.data.timeseries",
    "TimeSeriesClassifier": "biodl.estimators.timeseries",
    "TimeSeriesRegressor": "biodl.estimators.timeseries",
    # irregular records
    "read_records": "biodl.data.records",
    "RecordSet": "biodl.data.records",
    "read_outcomes": "biodl.data.outcomes",
    "summary_features": "biodl.data.summary",
    # molecules and graphs
    "GraphClassifier": "biodl.estimators.graph",
    "GraphRegressor": "biodl.estimators.graph",
}

__all__ = [
    "AE",
    "DAE",
    "VAE",
    "BiodlError",
    "ConfigError",
    "DataError",
    "DenseMLP",
    "ExpressionSet",
    "GraphClassifier",
    "GraphRegressor",
    "PreprocessOptions",
    "RecordSet",
    "RunConfig",
    "SequenceClassifier",
    "SequenceRegressor",
    "SequenceSet",
    "TimeSeriesClassifier",
    "TimeSeriesRegressor",
    "TimeSeriesSet",
    "__version__",
    "build_config",
    "compare_runs",
    "cross_validate",
    "demo",
    "describe_models",
    "embed",
    "evaluate",
    "explain",
    "fit_preprocessing",
    "generate",
    "inspect",
    "load_results",
    "load_run",
    "predict",
    "read_expression",
    "read_outcomes",
    "read_records",
    "read_sequences",
    "read_timeseries",
    "redraw_report",
    "run_embed",
    "score",
    "summary_features",
    "train",
    "tune",
]

if TYPE_CHECKING:
    from biodl.api import (
        compare_runs,
        cross_validate,
        demo,
        describe_models,
        embed,
        evaluate,
        explain,
        generate,
        inspect,
        load_results,
        load_run,
        predict,
        redraw_report,
        score,
        train,
        tune,
    )
    from biodl.config import RunConfig, build_config
    from biodl.data.expression import ExpressionSet, read_expression
    from biodl.data.outcomes import read_outcomes
    from biodl.data.preprocess import PreprocessOptions, fit_preprocessing
    from biodl.data.records import RecordSet, read_records
    from biodl.data.sequence import SequenceSet, read_sequences
    from biodl.data.summary import summary_features
    from biodl.data.timeseries import TimeSeriesSet, read_timeseries
    from biodl.errors import BiodlError, ConfigError, DataError
    from biodl.estimators import SequenceClassifier, SequenceRegressor
    from biodl.estimators.timeseries import TimeSeriesClassifier, TimeSeriesRegressor
    from biodl.models.dense import DenseMLP
    from biodl.pipeline.embed import run_embed
    from biodl.training.autoencoders import AE, DAE, VAE


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'biodl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
