"""Variant tables: read and check single-letter variants, and make both alleles of each.

A variants CSV/TSV has the columns ``id``, ``sequence``, ``position`` (1-based, within the
sequence), ``ref`` and ``alt`` (one letter each). Every row is checked before anything is
scored: the position must lie in the sequence and ``ref`` must be the letter found there.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"id": ["v1"], "sequence": ["ACGT"], "position": [2], "ref": ["C"],
...                       "alt": ["T"]})
>>> alleles(check_variants(table, "ACGT", source="v.csv"))
(['ACGT'], ['ATGT'])
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from biodl.errors import DataError

__all__ = [
    "VARIANT_COLUMNS",
    "alleles",
    "check_variants",
    "read_variant_table",
    "read_variants",
    "table_separator",
]

#: The columns a variants table must have.
VARIANT_COLUMNS = ("id", "sequence", "position", "ref", "alt")


def read_variants(path: str | os.PathLike[str], letters: str) -> pd.DataFrame:
    """Read and check a variants CSV/TSV (see the module docstring).

    Raises
    ------
    DataError
        For a missing file or column, or a bad row (named by its line in the file).
    """
    return check_variants(read_variant_table(path), letters, source=str(path))


def table_separator(path: str | os.PathLike[str]) -> str:
    """A tab for ``.tsv``/``.tab`` files, else a comma."""
    return "\t" if Path(path).suffix.lower() in (".tsv", ".tab") else ","


def read_variant_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A variants CSV/TSV as text columns, unchecked (one-line DataError: missing, unreadable)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such variants file; check the path given to --variants")
    try:
        return pd.read_csv(path, sep=table_separator(path), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not a readable CSV/TSV table ({err})") from err


def check_variants(table: pd.DataFrame, letters: str, *, source: str) -> pd.DataFrame:
    """The checked table: ``position`` as int, ``sequence``, ``ref``, ``alt`` in upper case.

    Parameters
    ----------
    table : DataFrame
        With :data:`VARIANT_COLUMNS`.
    letters : str
        The run's alphabet (``ACGT`` ...): ``ref`` and ``alt`` must be among them.
    source : str
        The file, for messages (rows are named by their line: the header is line 1).

    Raises
    ------
    DataError
        Naming the file, the line and the variant: a missing column, a position that is not a
        whole number or outside the sequence, a ref letter that differs from the sequence, an
        alt equal to ref or not a letter of the alphabet.
    """
    missing = [c for c in VARIANT_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"{source}: no column {', '.join(missing)}; a variants table needs the columns "
            f"{', '.join(VARIANT_COLUMNS)} (position 1-based), or id, chrom, pos, ref, alt "
            "read on --reference genome.fa"
        )
    if table.empty:
        raise DataError(f"{source}: no variants (the table has a header and no rows)")
    out = table.loc[:, list(VARIANT_COLUMNS)].copy()
    for column in ("sequence", "ref", "alt"):
        out[column] = out[column].astype(str).str.strip().str.upper()
    positions = []
    columns = [out[c].astype(str).tolist() for c in VARIANT_COLUMNS]
    for k, (vid, sequence, position, ref, alt) in enumerate(zip(*columns, strict=True)):
        where = f"{source} line {k + 2} (variant {vid})"
        text = position.strip()
        if not text.lstrip("-").isdigit():
            raise DataError(f"{where}: position {text!r} is not a whole number (1-based)")
        pos = int(text)
        if not 1 <= pos <= len(sequence):
            raise DataError(
                f"{where}: position {pos} is outside the sequence (length {len(sequence)}); "
                "positions count from 1"
            )
        found = sequence[pos - 1]
        if ref != found:
            raise DataError(
                f"{where}: ref {ref!r} does not match the sequence, which has {found!r} at "
                f"position {pos}; fix the ref letter or the position (1-based)"
            )
        if len(alt) != 1 or alt not in letters:
            raise DataError(
                f"{where}: alt {alt!r} is not one letter of {letters}; give a single letter change"
            )
        if alt == ref:
            raise DataError(f"{where}: alt equals ref ({ref!r}); nothing changes")
        positions.append(pos)
    out["position"] = positions
    return out.reset_index(drop=True)


def alleles(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The reference and alternative sequence of each checked variant."""
    refs = table["sequence"].tolist()
    alts = [
        s[: p - 1] + a + s[p:]
        for s, p, a in zip(refs, table["position"].tolist(), table["alt"].tolist(), strict=True)
    ]
    return refs, alts
