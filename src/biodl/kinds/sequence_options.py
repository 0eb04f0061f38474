"""Options of sequence data (``--kind sequence``), declared once.

This module imports only :mod:`biodl.options` and :mod:`biodl.errors`: the kinds' option
declarations are read by ``biodl --help`` and the config (:mod:`biodl.config.data`) without
importing the kind itself.

Examples
--------
>>> SequenceOptions().alphabet
'auto'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.errors import ConfigError
from biodl.options import DATA, READING, describe, document, option

__all__ = ["ALPHABET_HELP", "AlphabetOption", "SequenceOptions", "parse_train_crop"]

AlphabetOption = Literal["auto", "dna", "rna", "protein"]
ALPHABET_HELP = {
    "auto": "detected from the letters of the training sequences",
    "dna": "DNA (N and IUPAC codes accepted)",
    "rna": "RNA (N and IUPAC codes accepted)",
    "protein": "amino acids (X accepted)",
}


def parse_train_crop(text: str | int) -> int | str:
    """``--train-crop``: 'auto', 'none' or a whole number of letters (at least 1).

    Examples
    --------
    >>> parse_train_crop("auto"), parse_train_crop("NONE"), parse_train_crop("300")
    ('auto', 'none', 300)
    """
    word = str(text).strip().lower()
    if word in ("auto", "none"):
        return word
    try:
        value = int(word)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(
            f"--train-crop {text}: expected 'auto', 'none' or a whole number of letters >= 1"
        )
    return value


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
    train_crop: int | Literal["auto", "none"] = option(
        "none",
        help="Variable-length sequences, training batches only: cut sequences longer than this "
        "to a random window of this many letters (a new window each time), so no training batch "
        "is padded past it; validation, test and prediction always see whole sequences. auto: "
        "the 90th percentile of the training lengths when the longest training sequence is "
        "more than twice that (a long tail of lengths), else none; none (default): never cut. "
        "On nRC (38-1,136 nt) auto made epochs 1.7x faster for about 0.005-0.015 of "
        "validation accuracy.",
        panel=DATA,
        parse=parse_train_crop,
    )
    objective: Literal["causal", "masked"] = option(
        "causal",
        help="--task language-model, what the network predicts. causal: each letter from the "
        "letters before it (can generate); masked: BERT style, 15 percent of the letters "
        "hidden and predicted from both sides.",
        panel=DATA,
    )
    context: int = option(
        128,
        help="--task language-model: letters per window. Sequences are cut into consecutive "
        "windows of this many letters and shorter ones padded (padding is never counted); "
        "the Markov baseline reads the same windows.",
        panel=DATA,
    )
