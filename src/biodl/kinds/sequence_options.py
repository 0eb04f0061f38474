"""Options of sequence data (``--kind sequence``), declared once.

This module imports only :mod:`biodl.options`: the kinds' option declarations are read by
``biodl --help`` and the config (:mod:`biodl.config.data`) without importing the kind itself.

Examples
--------
>>> SequenceOptions().alphabet
'auto'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.options import DATA, READING, describe, document, option

__all__ = ["ALPHABET_HELP", "AlphabetOption", "SequenceOptions"]

AlphabetOption = Literal["auto", "dna", "rna", "protein"]
ALPHABET_HELP = {
    "auto": "detected from the letters of the training sequences",
    "dna": "DNA (N and IUPAC codes accepted)",
    "rna": "RNA (N and IUPAC codes accepted)",
    "protein": "amino acids (X accepted)",
}


@document
@dataclass
class SequenceOptions:
    """How sequences are read (the options of the other kinds apply to them only)."""

    sequence_column: str | None = option(
        help="Sequence column of a CSV/TSV (detected if not given).", panel=DATA, commands=READING
    )
    alphabet: AlphabetOption = option(
        "auto", help=describe(ALPHABET_HELP), panel=DATA, commands=READING
    )
