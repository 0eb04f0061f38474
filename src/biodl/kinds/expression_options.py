"""Options of expression data (``--kind expression``), declared once.

This module imports only :mod:`biodl.options`, so ``biodl --help`` reads it without the kind.

Examples
--------
>>> parse_log1p("off"), parse_log1p("auto")
(False, 'auto')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.errors import ConfigError
from biodl.options import READING, describe, document, option

__all__ = ["EXPRESSION", "LOG1P_HELP", "ExpressionOptions", "Log1pOption", "parse_log1p"]

#: The help panel of these options.
EXPRESSION = "Expression"

Log1pOption = Literal["auto", True, False]
LOG1P_HELP = {
    "auto": "log(1 + x) when the training values look unlogged (raw counts, or intensities "
    "above 100 as on microarrays; negative values are set to 0 first)",
    "true": "always log(1 + x)",
    "false": "never (values are already log-scale)",
}


def parse_log1p(text: str) -> str | bool:
    """``--log1p auto|true|false`` as the config value ('auto', True or False)."""
    word = text.strip().lower()
    if word in ("true", "yes", "1", "on"):
        return True
    if word in ("false", "no", "0", "off"):
        return False
    if word == "auto":
        return "auto"
    raise ConfigError(f"--log1p {text}: expected auto, true or false")


@document
@dataclass
class ExpressionOptions:
    """How an expression matrix is read and preprocessed (fitted on the training part)."""

    genes_as_rows: bool = option(
        False,
        help="Expression tables: genes are rows and samples columns (default: samples are "
        "rows, the first column holds the sample ids).",
        panel=EXPRESSION,
        flags=("--genes-as-rows/--samples-as-rows",),
        commands=READING,
    )
    layer: str | None = option(
        help="Expression .h5ad: read this layer instead of X.", panel=EXPRESSION, commands=READING
    )
    use_raw: bool = option(
        False,
        help="Expression .h5ad: read .raw instead of X.",
        panel=EXPRESSION,
        flags=("--raw/--no-raw",),
        commands=READING,
    )
    normalize: bool | None = option(
        help="Expression: library-size normalisation to 10,000 per sample (default: on for raw "
        "counts).",
        panel=EXPRESSION,
        commands=READING,
    )
    log1p: Log1pOption = option(
        "auto",
        help="Expression, log(1 + x): " + describe(LOG1P_HELP),
        panel=EXPRESSION,
        parse=parse_log1p,
        commands=READING,
    )
    scale: bool = option(
        True, help="Expression: z-score each gene with the training mean and sd.", panel=EXPRESSION
    )
    hvg: int | None = option(
        2000,
        help="Expression: keep at most the N most variable training genes (variance after "
        "log); 0 = all genes.",
        panel=EXPRESSION,
    )
