"""Options of regular time series (``--kind timeseries``), declared once.

This module imports only :mod:`biodl.options`, so ``biodl --help`` reads it without the kind.

Examples
--------
>>> TimeSeriesOptions().ts_normalisation
'global'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.options import describe, document, option

__all__ = ["NORMALISATION_HELP", "TIMESERIES_PANEL", "TimeSeriesOptions", "TsNormalisationOption"]

#: The help panel of these options.
TIMESERIES_PANEL = "Regular time series"

TsNormalisationOption = Literal["global", "instance", "none"]
NORMALISATION_HELP = {
    "global": "z-score each channel with the mean and sd of the training series (default)",
    "instance": "z-score every series and channel by its own mean and sd (shape only; UCR "
    "series are often stored this way already)",
    "none": "values as read",
}


@document
@dataclass
class TimeSeriesOptions:
    """How regular series are scaled before the network and the 1-NN baseline (statistics
    fitted on the training part only)."""

    ts_normalisation: TsNormalisationOption = option(
        "global", help=describe(NORMALISATION_HELP), panel=TIMESERIES_PANEL
    )
