"""Variants placed on a reference FASTA (a VCF, or a CSV/TSV of ``id, chrom, pos, ref, alt``),
as the checked variants table of :mod:`biodl.interpret.variants`.

A variants table without a ``sequence`` column names each variant by chromosome and 1-based
position instead (``chrom`` and ``pos``; ``position`` is read as ``pos`` when there is no
``pos``) and is read like a VCF row (:func:`located_table_variants`). Only the first five
columns of a VCF are read (``CHROM POS ID REF ALT``; ``#`` lines are
headers); every row must be a single-letter change (``REF`` and each ``ALT`` one letter; several
``ALT`` letters separated by commas give one variant each). The reference is read with biodl's
FASTA reader (:func:`biodl.data.sequence.read_sequences`, record ids = chromosome names). Each
variant's sequence is the ``window`` letters of the reference centred on it (shifted inwards at
a chromosome's ends), so the run's network sees the input length it was trained on.

Errors are one line naming the file, its line and the variant: a chromosome the reference does
not have, a position outside it, a ``REF`` letter that is not the reference's letter there, an
indel or a symbolic allele.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "ref.fa").write_text(">chr1\\nACGTACGTAC\\n")
>>> _ = (folder / "v.vcf").write_text("##fileformat=VCFv4.2\\n#CHROM\\tPOS\\tID\\tREF\\tALT\\n"
...                                  "chr1\\t3\\trs1\\tG\\tT\\n")
>>> table = vcf_variants(folder / "v.vcf", folder / "ref.fa", "ACGT", window=5)
>>> table.loc[0, ["id", "sequence", "position", "ref", "alt"]].astype(str).tolist()
['rs1', 'ACGTA', '3', 'G', 'T']
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pandas as pd

from biodl.errors import DataError
from biodl.interpret.variants import check_variants, read_variant_table

__all__ = [
    "LOCATED_COLUMNS",
    "is_vcf",
    "locate_variants",
    "located_table_variants",
    "read_located_table",
    "read_vcf",
    "vcf_variants",
]

#: The columns of a variants table placed on a reference genome (``pos`` 1-based).
LOCATED_COLUMNS = ("id", "chrom", "pos", "ref", "alt")


def is_vcf(path: str | os.PathLike[str]) -> bool:
    """True for a ``.vcf`` or ``.vcf.gz`` file name."""
    name = Path(path).name.lower()
    return name.endswith(".vcf") or name.endswith(".vcf.gz")


def read_vcf(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The variant rows of a VCF: ``id, chrom, pos (1-based int), ref, alt, line``.

    Raises
    ------
    DataError
        A missing file, a row with fewer than five columns, a position that is not a whole
        number, an indel or symbolic allele (naming the line and variant), or no variants.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such VCF file; check the path given to --variants")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    rows = []
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip() or text.startswith("#"):
                    continue
                fields = text.rstrip("\n\r").split("\t")
                if len(fields) < 5:
                    raise DataError(
                        f"{path} line {number}: {len(fields)} tab-separated columns; a VCF row "
                        "has CHROM POS ID REF ALT (tab-separated)"
                    )
                chrom, pos, vid, ref, alts = (f.strip() for f in fields[:5])
                name = vid if vid and vid != "." else f"{chrom}:{pos}"
                where = f"{path} line {number} (variant {name})"
                if not pos.isdigit():
                    raise DataError(f"{where}: POS {pos!r} is not a whole number (1-based)")
                for alt in alts.split(","):
                    if len(ref) != 1 or len(alt) != 1:
                        raise DataError(
                            f"{where}: {ref}>{alt} is not a single-letter change; only "
                            "single-nucleotide variants are scored"
                        )
                    single = name if "," not in alts else f"{name}:{alt}"
                    rows.append((single, chrom, int(pos), ref.upper(), alt.upper(), number))
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as err:
        raise DataError(f"{path}: not a readable VCF text file ({err})") from None
    if not rows:
        raise DataError(f"{path}: no variants (only header lines)")
    return pd.DataFrame(rows, columns=["id", "chrom", "pos", "ref", "alt", "line"])


def vcf_variants(
    path: str | os.PathLike[str],
    reference: str | os.PathLike[str],
    letters: str,
    *,
    window: int,
    alphabet: str = "dna",
) -> pd.DataFrame:
    """The checked variants table (``id, sequence, position, ref, alt`` plus ``chrom, pos``)
    of a VCF on a reference FASTA, each sequence ``window`` letters around its variant.

    Parameters
    ----------
    path : path
        The VCF (``.vcf`` or ``.vcf.gz``).
    reference : path
        FASTA of the reference genome (record ids = the VCF's CHROM names).
    letters : str
        The run's alphabet letters (``ACGT``).
    window : int
        Letters per sequence (the run's input length).
    alphabet : str, default 'dna'
        The run's alphabet name, for the reader.

    Raises
    ------
    DataError
        See the module docstring.
    """
    return locate_variants(
        read_vcf(path), reference, letters, window=window, alphabet=alphabet, source=path
    )


def read_located_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows of a CSV/TSV of ``id, chrom, pos, ref, alt`` as :func:`read_vcf` gives them.

    Raises
    ------
    DataError
        A missing file or column, a position that is not a whole number, a ref or alt that
        is not one letter (naming the line and variant), or no rows.
    """
    path = Path(path)
    table = read_variant_table(path)
    if "pos" not in table.columns and "position" in table.columns:
        table = table.rename(columns={"position": "pos"})
    missing = [c for c in LOCATED_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"{path}: no column {', '.join(missing)}; a variants table read on --reference "
            f"needs the columns {', '.join(LOCATED_COLUMNS)} (pos 1-based on the chromosome)"
        )
    if table.empty:
        raise DataError(f"{path}: no variants (the table has a header and no rows)")
    rows = []
    columns = [table[c].astype(str).str.strip().tolist() for c in LOCATED_COLUMNS]
    for k, (vid, chrom, pos, ref, alt) in enumerate(zip(*columns, strict=True)):
        where = f"{path} line {k + 2} (variant {vid})"
        if not pos.isdigit():
            raise DataError(f"{where}: pos {pos!r} is not a whole number (1-based)")
        if len(ref) != 1 or len(alt) != 1:
            raise DataError(
                f"{where}: {ref}>{alt} is not a single-letter change; only single-nucleotide "
                "variants are scored"
            )
        rows.append((vid, chrom, int(pos), ref.upper(), alt.upper(), k + 2))
    return pd.DataFrame(rows, columns=["id", "chrom", "pos", "ref", "alt", "line"])


def located_table_variants(
    path: str | os.PathLike[str],
    reference: str | os.PathLike[str],
    letters: str,
    *,
    window: int,
    alphabet: str = "dna",
) -> pd.DataFrame:
    """:func:`vcf_variants` for a CSV/TSV of ``id, chrom, pos, ref, alt`` (see
    :func:`read_located_table`)."""
    return locate_variants(
        read_located_table(path), reference, letters, window=window, alphabet=alphabet, source=path
    )


def locate_variants(
    table: pd.DataFrame,
    reference: str | os.PathLike[str],
    letters: str,
    *,
    window: int,
    alphabet: str = "dna",
    source: str | os.PathLike[str],
) -> pd.DataFrame:
    """Cut each variant's ``window`` letters out of the reference and check the variant there.

    Parameters
    ----------
    table : DataFrame
        ``id, chrom, pos (int, 1-based), ref, alt, line`` (:func:`read_vcf`,
        :func:`read_located_table`).
    reference, letters, window, alphabet
        As in :func:`vcf_variants`.
    source : path
        The variants file, for messages.

    Raises
    ------
    DataError
        See the module docstring.
    """
    from biodl.data.sequence import read_sequences

    genome = read_sequences(reference, alphabet=alphabet, require_labels=False)  # type: ignore[arg-type]
    where = {str(name): i for i, name in enumerate(genome.ids)}
    sequences, positions = [], []
    for vid, chrom, pos, ref, _alt, line in table.itertuples(index=False):
        at = f"{source} line {line} (variant {vid})"
        if chrom not in where:
            known = ", ".join(list(where)[:3])
            raise DataError(f"{at}: chromosome {chrom!r} is not in {reference} (it has {known})")
        chromosome = genome.sequence(where[chrom])
        if not 1 <= pos <= len(chromosome):
            raise DataError(
                f"{at}: position {chrom}:{pos} is outside the reference chromosome (length "
                f"{len(chromosome)})"
            )
        found = chromosome[pos - 1].upper()
        if ref != found:
            raise DataError(
                f"{at}: REF {ref!r} does not match the reference, which has {found!r} at "
                f"{chrom}:{pos}; is the variants file on another genome build?"
            )
        start = min(max(pos - 1 - window // 2, 0), max(len(chromosome) - window, 0))
        sequences.append(chromosome[start : start + window].upper())
        positions.append(str(pos - start))
    out = table.loc[:, ["id", "ref", "alt"]].copy()
    out["sequence"] = sequences
    out["position"] = positions
    checked = check_variants(out, letters, source=os.fspath(source))
    checked["chrom"] = table["chrom"].to_numpy()
    checked["pos"] = table["pos"].to_numpy()
    return checked
