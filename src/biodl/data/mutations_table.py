"""Read a variants table: mutations of wild types, and optionally a measured value per variant.

A variants table is a CSV or TSV file (optionally gzipped) with a header line. Each row is one
variant, given in one of two ways:

- **a mutation column** (``mutant``, ``mutation``, ``mutations``, ``variant`` or named with
  ``mutation_column``) holding strings such as ``A24G`` or ``A24G:T30K``
  (:mod:`biodl.data.mutations`: 1-based positions, ``WT`` for the wild type), together with the
  wild type: a column holding the wild-type sequence (``wild_type``, ``wt``, ``wt_sequence``,
  ``wild_type_sequence`` or ``wild_type_column``), or the name of an entry of a reference FASTA
  (``reference`` file; column ``reference``, ``wild_type_name`` or ``reference_column``; a FASTA
  with a single entry needs no column), or one ``wild_type`` string for all rows; without any
  of these but with a variant-sequence column (below: the ProteinGym layout ``mutant``,
  ``mutated_sequence``, ``DMS_score``), each row's wild type is its sequence with the
  mutations undone;
- **a variant-sequence column** (``sequence``, ``seq``, ``mutated_sequence``,
  ``variant_sequence``, ``x`` or ``sequence_column``) holding each variant's full sequence, of
  the wild type's length; the wild type is the ``wild_type`` string, the single entry of the
  ``reference`` FASTA or, when neither is given, the per-position consensus (most common letter)
  of the variants, which the result's ``notes`` state. The MAVE-NN GB1 file
  (``gb1_data.csv.gz``: columns ``set, dist, input_ct, selected_ct, y, x``, double mutants
  only) reads this way as is: its consensus is the GB1 wild type.

Optional columns: the measured value (``y``, ``fitness``, ``activity``, ``score``,
``dms_score``, ``measured`` or ``measured_column``; empty cells are NaN) and a split column
(``set``, ``split`` or ``split_column``: e.g. training / validation / test).

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> text = "mutant,wild_type,fitness\\nA2G,MACD,0.5\\nA2G:C3K,MACD,-1\\n"
>>> _ = (folder / "v.csv").write_text(text)
>>> table = read_variants_table(folder / "v.csv")
>>> table.variants.sequences(), table.measured.tolist()
(['MGCD', 'MGKD'], [0.5, -1.0])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from biodl.data._files import check_text, fail, file_suffix, open_stream, parse_csv, read_bytes
from biodl.data.alphabet import ALPHABETS, AlphabetName
from biodl.data.mutations import VariantSet, parse_mutations
from biodl.errors import DataError

__all__ = [
    "MEASURED_COLUMN_NAMES",
    "MUTATION_COLUMN_NAMES",
    "VariantsTable",
    "consensus",
    "read_variants_table",
]

MUTATION_COLUMN_NAMES = ("mutant", "mutation", "mutations", "variant", "mutant_id")
WILD_TYPE_COLUMN_NAMES = ("wild_type", "wt", "wt_sequence", "wild_type_sequence", "wildtype")
REFERENCE_COLUMN_NAMES = ("reference", "wild_type_name", "reference_name")
SEQUENCE_COLUMN_NAMES = ("sequence", "seq", "mutated_sequence", "variant_sequence", "x")
MEASURED_COLUMN_NAMES = ("y", "fitness", "activity", "score", "dms_score", "measured")
SPLIT_COLUMN_NAMES = ("set", "split")


@dataclass
class VariantsTable:
    """A checked variants table.

    Parameters
    ----------
    variants : VariantSet
        One variant per row, in file order.
    lines : (n,) int64
        Line of each row in the file (the header is line 1).
    measured : (n,) float64 or None
        The measured column (NaN where empty), None without one.
    measured_column : str or None
    split : (n,) object array of str or None
        The split column (``training`` / ``validation`` / ``test`` ...), None without one.
    split_column : str or None
    source : str
        The file name.
    notes : list of str
        What reading decided that the user should know (e.g. the wild type is the consensus).
    """

    variants: VariantSet
    lines: np.ndarray
    measured: np.ndarray | None = None
    measured_column: str | None = None
    split: np.ndarray | None = None
    split_column: str | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)


def read_variants_table(
    path: str | os.PathLike[str],
    *,
    mutation_column: str | None = None,
    sequence_column: str | None = None,
    wild_type_column: str | None = None,
    reference: str | os.PathLike[str] | None = None,
    reference_column: str | None = None,
    wild_type: str | None = None,
    measured_column: str | None = None,
    split_column: str | None = None,
    alphabet: AlphabetName = "protein",
) -> VariantsTable:
    """Read and check a variants table (the module notes give the columns and their names).

    Parameters
    ----------
    path : str or PathLike
        CSV (``,``) or TSV (``.tsv``/``.tab``: tab) with a header line, optionally gzipped.
    mutation_column, sequence_column, wild_type_column, reference_column : str, optional
        Column names when not one of the usual names.
    reference : str or PathLike, optional
        A FASTA file of wild types, named by ``reference_column`` (or its only entry).
    wild_type : str, optional
        One wild-type sequence for every row.
    measured_column, split_column : str, optional
        The measured value and the split; found by name when not given (both optional).
    alphabet : {"dna", "rna", "protein"}, default "protein"

    Returns
    -------
    VariantsTable

    Raises
    ------
    DataError
        Naming the file, line and column: a missing file or column, a malformed mutation, a
        wild-type letter that differs from the sequence, a position out of range, a letter
        outside the alphabet, a reference name not in the FASTA, a measured value that is not
        a number.
    """
    file = Path(path)
    source = str(path)
    table = _read(file, source)
    columns = list(table.columns)
    lines = np.arange(len(table), dtype=np.int64) + 2
    abc = ALPHABETS[alphabet]
    notes: list[str] = []
    mut_col = _pick(columns, mutation_column, MUTATION_COLUMN_NAMES, source, "mutation_column")
    seq_col = _pick(columns, sequence_column, SEQUENCE_COLUMN_NAMES, source, "sequence_column")
    refs = _reference(reference, alphabet) if reference is not None else None
    if (
        mut_col is not None
        and seq_col is not None
        and not _has_wild_type(columns, wild_type_column, refs, wild_type)
    ):
        wts, index = _reverted(table[mut_col].tolist(), table[seq_col].tolist(), source, mut_col)
        variants = VariantSet.from_mutations(
            wts,
            table[mut_col].tolist(),
            wild_type_index=index,
            alphabet=abc,
            source=source,
            lines=lines.tolist(),
        )
        notes.append(
            f"{source}: the wild type{'s are' if len(wts) > 1 else ' is'} the variant sequences "
            f"with their mutations undone ({len(wts)} distinct)."
        )
    elif mut_col is not None:
        wts, index = _wild_types(
            table, columns, wild_type_column, reference_column, refs, wild_type, source
        )
        variants = VariantSet.from_mutations(
            wts,
            table[mut_col].tolist(),
            wild_type_index=index,
            alphabet=abc,
            source=f"{source}",
            lines=lines.tolist(),
        )
    elif seq_col is not None:
        seqs = table[seq_col].str.upper().to_numpy(dtype=str)
        if wild_type is not None:
            wt = wild_type
        elif refs is not None and len(refs) == 1:
            wt = next(iter(refs.values()))
        elif refs is not None:
            raise fail(
                source,
                f"the reference FASTA has {len(refs)} entries; with a variant-sequence column "
                "give one wild type (a FASTA with one entry, or wild_type).",
            )
        else:
            wt = consensus(seqs, source=source)
            notes.append(
                f"{source}: no wild type given; the wild type is the per-position consensus "
                f"of the {len(seqs):,} variants ({wt})."
            )
        variants = VariantSet.from_sequences(wt, seqs, alphabet=abc, source=source, first_line=2)
    else:
        raise fail(
            source,
            f"no mutation column ({', '.join(MUTATION_COLUMN_NAMES)}) and no variant-sequence "
            f"column ({', '.join(SEQUENCE_COLUMN_NAMES)}) among {', '.join(columns)}; name it "
            "with mutation_column or sequence_column.",
        )
    out = VariantsTable(variants=variants, lines=lines, source=source, notes=notes)
    out.measured_column = _pick(
        columns, measured_column, MEASURED_COLUMN_NAMES, source, "measured_column"
    )
    if out.measured_column is not None:
        out.measured = _numbers(table[out.measured_column], source, out.measured_column)
    out.split_column = _pick(columns, split_column, SPLIT_COLUMN_NAMES, source, "split_column")
    if out.split_column is not None:
        out.split = table[out.split_column].to_numpy(dtype=object)
    return out


def consensus(sequences: np.ndarray | Sequence[str], *, source: str = "variants") -> str:
    """The most common letter at each position of equal-length sequences (ties: first letter
    in byte order).

    Examples
    --------
    >>> consensus(["MAC", "MGC", "MAK"])
    'MAC'
    """
    seqs = np.asarray(sequences, dtype=str)
    lengths = set(np.char.str_len(seqs).tolist())
    if len(lengths) != 1:
        raise fail(
            source,
            f"variant sequences of several lengths ({', '.join(map(str, sorted(lengths)))}); a "
            "consensus wild type needs equal lengths. Give the wild type (or a reference FASTA).",
        )
    length = lengths.pop()
    raw = np.frombuffer("".join(seqs.tolist()).upper().encode("ascii"), dtype=np.uint8)
    raw = raw.reshape(len(seqs), length)
    counts = np.stack([np.bincount(raw[:, i], minlength=256) for i in range(length)])
    return counts.argmax(axis=1).astype(np.uint8).tobytes().decode("ascii")


def _read(file: Path, source: str) -> pd.DataFrame:
    if not file.is_file():
        raise DataError(f"{source}: no such variants file; check the path.")
    stream, _ = open_stream(file, source)
    with stream:
        data = read_bytes(stream, -1, source)
    check_text(data[:8192], source)
    sep = "\t" if file_suffix(file) in (".tsv", ".tab") else ","
    table = parse_csv(data, source, sep=sep, dtype=str, keep_default_na=False)
    table.columns = pd.Index([str(c).strip() for c in table.columns])
    if table.empty:
        raise fail(source, "no variants (a header and no rows); add rows.")
    return table.apply(lambda column: column.str.strip())


def _pick(
    columns: list[str], given: str | None, names: Sequence[str], source: str, option: str
) -> str | None:
    if given is not None:
        if given not in columns:
            raise fail(
                source,
                f"no column {given!r} (given as {option}); the columns are {', '.join(columns)}.",
            )
        return given
    lower = {c.lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _reference(path: str | os.PathLike[str], alphabet: AlphabetName) -> dict[str, str]:
    from biodl.data.sequence import read_sequences

    records = read_sequences(path, alphabet=alphabet, require_labels=False)
    return {str(records.ids[i]): records.sequence(i) for i in range(len(records))}


def _wild_types(
    table: pd.DataFrame,
    columns: list[str],
    wild_type_column: str | None,
    reference_column: str | None,
    refs: dict[str, str] | None,
    wild_type: str | None,
    source: str,
) -> tuple[list[str], np.ndarray]:
    wt_col = _pick(columns, wild_type_column, WILD_TYPE_COLUMN_NAMES, source, "wild_type_column")
    if wt_col is not None and refs is None and wild_type is None:
        codes, uniques = pd.factorize(table[wt_col].str.upper())
        return [str(u) for u in uniques], codes.astype(np.int64)
    if wild_type is not None:
        return [wild_type], np.zeros(len(table), dtype=np.int64)
    if refs is None:
        raise fail(
            source,
            f"no wild type: add a wild-type column ({', '.join(WILD_TYPE_COLUMN_NAMES)}), or give "
            "a reference FASTA (--reference) with a column naming its entries, or one wild type.",
        )
    ref_col = _pick(columns, reference_column, REFERENCE_COLUMN_NAMES, source, "reference_column")
    if ref_col is None:
        if len(refs) == 1:
            return list(refs.values()), np.zeros(len(table), dtype=np.int64)
        raise fail(
            source,
            f"the reference FASTA has {len(refs)} entries and no column names them; add a "
            f"column ({', '.join(REFERENCE_COLUMN_NAMES)}) or name it with reference_column.",
        )
    codes, uniques = pd.factorize(table[ref_col])
    missing = [u for u in uniques if u not in refs]
    if missing:
        k = int(np.flatnonzero(table[ref_col].to_numpy() == missing[0])[0])
        raise fail(
            source,
            f"{missing[0]!r} is not an entry of the reference FASTA (entries: "
            f"{', '.join(list(refs)[:5])}{', ...' if len(refs) > 5 else ''}).",
            line=k + 2,
            column=ref_col,
        )
    return [refs[u] for u in uniques], codes.astype(np.int64)


def _has_wild_type(
    columns: list[str],
    wild_type_column: str | None,
    refs: dict[str, str] | None,
    wild_type: str | None,
) -> bool:
    lower = {c.lower() for c in columns}
    named = wild_type_column is not None or any(n in lower for n in WILD_TYPE_COLUMN_NAMES)
    return named or refs is not None or wild_type is not None


def _reverted(
    mutations: list[str], sequences: list[str], source: str, column: str
) -> tuple[list[str], np.ndarray]:
    """Wild types recovered from variant sequences by undoing each row's mutations (the
    ProteinGym layout: ``mutant`` and ``mutated_sequence``, no wild-type column)."""
    wild: list[str] = []
    for k, (text, seq) in enumerate(zip(mutations, sequences, strict=True)):
        place = f"{source} line {k + 2}"
        chars = list(seq.upper())
        for m in parse_mutations(text, where=place):
            found = chars[m.position - 1] if m.position <= len(chars) else None
            if found != m.mutant:
                raise fail(
                    source,
                    f"{m} says the variant has {m.mutant!r} at position {m.position} but its "
                    f"sequence has {found!r} there; fix the mutation or the sequence.",
                    line=k + 2,
                    column=column,
                )
            chars[m.position - 1] = m.wild_type
        wild.append("".join(chars))
    codes, uniques = pd.factorize(pd.Series(wild))
    return [str(u) for u in uniques], codes.astype(np.int64)


def _numbers(values: pd.Series, source: str, column: str) -> np.ndarray:
    numbers = pd.to_numeric(values.replace("", np.nan), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(numbers) & (values.to_numpy() != ""))
    if bad.size:
        k = int(bad[0])
        raise fail(
            source,
            f"{values.iloc[k]!r} is not a number; the measured column holds numbers (empty for "
            "missing).",
            line=k + 2,
            column=column,
        )
    return numbers
