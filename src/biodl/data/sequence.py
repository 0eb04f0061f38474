"""Biological sequences in memory (:class:`SequenceSet`) and the readers that fill it.

A :class:`SequenceSet` keeps every sequence as compact integer codes (one ``uint8`` per letter,
all records concatenated) plus record offsets, ids and an optional label table. One-hot or
k-mer features are built from the codes per batch, so memory stays about one byte per letter.

:func:`read_sequences` reads FASTA (optionally gzipped, labels from ``key=value`` pairs in the
headers or from a separate table), CSV/TSV tables with a sequence column, and folders with one
FASTA file per class. FASTA is encoded with vectorised numpy operations over the raw bytes in
chunks, so reading runs at hundreds of millions of letters per second.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "toy.fa").write_text(">a label=x\\nACGT\\nAC\\n>b label=y\\nGGN\\n")
>>> seqs = read_sequences(folder / "toy.fa")
>>> len(seqs), seqs.sequence(0), seqs.labels["label"].tolist()
(2, 'ACGTAC', ['x', 'y'])
>>> seqs.padded().shape
(2, 6)
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import os
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, cast

import numpy as np
import pandas as pd

from biodl.data.alphabet import ALPHABETS, NOT_ALLOWED, Alphabet, detect_alphabet
from biodl.errors import ConfigError, DataError, DataWarning, where

__all__ = ["AlphabetOption", "ExtraLabels", "SequenceSet", "read_sequences"]

AlphabetOption = Literal["auto", "dna", "rna", "protein"]
ExtraLabels = Literal["error", "ignore"]
ALPHABET_OPTIONS: tuple[AlphabetOption, ...] = ("auto", "dna", "rna", "protein")
EXTRA_LABELS_OPTIONS: tuple[ExtraLabels, ...] = ("error", "ignore")

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".faa", ".ffn")
TABLE_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": None}
SEQUENCE_COLUMN_NAMES = ("sequence", "seq", "sequences", "dna", "rna", "protein")
ID_COLUMN_NAMES = ("id", "name", "sequence_id", "seq_id", "instance_name", "identifier")
LABEL_COLUMN_NAMES = ("label", "labels", "class", "target", "y", "fitness", "activity", "outcome")

CHUNK_BYTES = 8 << 20  # FASTA is encoded in pieces of this size, cut after a newline
HEAD_BYTES = 1 << 16  # read first, to tell the format and check for binary data
DETECT_BYTES = 1 << 20  # letters looked at to guess the alphabet
_GATHER_BLOCK = 1 << 22  # letters copied per vectorised gather step
_WHITESPACE = b"\n\r\t "


@dataclass
class SequenceSet:
    """Sequences as concatenated integer codes, with ids and optional labels.

    Parameters
    ----------
    ids : (n,) object array of str
        Unique record ids.
    codes : (total_letters,) uint8
        Integer codes of all records concatenated (see :class:`~biodl.data.alphabet.Alphabet`;
        0 is padding and never occurs here).
    offsets : (n + 1,) int64
        Record ``i`` is ``codes[offsets[i]:offsets[i + 1]]``.
    alphabet : Alphabet
        Alphabet of the codes.
    labels : pandas.DataFrame or None, default None
        ``n`` rows in record order, one column per label column: ``str`` values for classes,
        ``float64`` for numbers. None when the data is unlabelled.
    source : str, default ""
        The path as the user gave it, for messages.
    """

    ids: np.ndarray
    codes: np.ndarray
    offsets: np.ndarray
    alphabet: Alphabet
    labels: pd.DataFrame | None = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Record lengths, ``(n,) int64``."""
        return np.diff(self.offsets)

    def sequence(self, i: int) -> str:
        """Letters of record ``i`` as an upper-case string."""
        return self.alphabet.decode(self.codes[self.offsets[i] : self.offsets[i + 1]])

    def subset(self, index: np.ndarray) -> SequenceSet:
        """Records selected by ``index``, re-packed into new arrays.

        Parameters
        ----------
        index : (k,) int array or (n,) bool mask
            Records to keep, in the order wanted.

        Returns
        -------
        SequenceSet
            ``k`` records; labels re-indexed from 0.
        """
        idx = _as_index(index, len(self))
        lengths = self.lengths[idx]
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        codes = np.empty(int(offsets[-1]), dtype=np.uint8)
        _copy_runs(self.codes, self.offsets[:-1][idx], lengths, codes, offsets[:-1])
        labels = None if self.labels is None else self.labels.iloc[idx].reset_index(drop=True)
        return SequenceSet(self.ids[idx], codes, offsets, self.alphabet, labels, self.source)

    def padded(self, index: np.ndarray | None = None, *, length: int | None = None) -> np.ndarray:
        """Records as a padded code matrix.

        Parameters
        ----------
        index : (k,) int array or bool mask, optional
            Records to take; default all ``n``.
        length : int, optional
            Width ``L``. Default: the longest selected record. Longer records are centre-cropped
            (the middle ``L`` letters), shorter ones right-padded with 0.

        Returns
        -------
        codes : (k, L) uint8
            0 is padding.
        """
        idx = np.arange(len(self)) if index is None else _as_index(index, len(self))
        lengths = self.lengths[idx]
        width = (int(lengths.max()) if len(idx) else 0) if length is None else int(length)
        if width < 0:
            raise ConfigError(f"padded length must be >= 0, got {width}")
        take = np.minimum(lengths, width)
        start = self.offsets[:-1][idx] + (lengths - take) // 2
        out = np.zeros((len(idx), width), dtype=np.uint8)
        if len(idx) and index is None and (lengths == lengths[0]).all():
            block = self.codes[self.offsets[0] : self.offsets[-1]].reshape(len(idx), -1)
            crop = int(start[0] - self.offsets[0])
            out[:, : take[0]] = block[:, crop : crop + take[0]]
            return out
        _copy_runs(self.codes, start, take, out.reshape(-1), np.arange(len(idx)) * width)
        return out


def _as_index(index: np.ndarray, n: int) -> np.ndarray:
    idx = np.asarray(index)
    if idx.dtype == bool:
        return np.flatnonzero(idx)
    return idx.astype(np.int64, copy=False)


def _copy_runs(
    src: np.ndarray,
    src_starts: np.ndarray,
    lengths: np.ndarray,
    dst: np.ndarray,
    dst_starts: np.ndarray,
) -> None:
    """``dst[dst_starts[i]:+lengths[i]] = src[src_starts[i]:+lengths[i]]`` for all i, vectorised.

    Works in blocks of records so that the int64 index arrays stay near ``_GATHER_BLOCK``.
    """
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    cuts = np.searchsorted(ends, np.arange(_GATHER_BLOCK, total, _GATHER_BLOCK)) + 1
    bounds = np.unique(np.concatenate(([0], np.minimum(cuts, len(lengths)), [len(lengths)])))
    for r0, r1 in itertools.pairwise(bounds):
        run = lengths[r0:r1]
        total = int(run.sum())
        if total == 0:
            continue
        first = np.repeat(np.cumsum(run) - run, run)
        within = np.arange(total, dtype=np.int64) - first
        source_index = np.repeat(src_starts[r0:r1], run) + within
        dst[np.repeat(dst_starts[r0:r1], run) + within] = src[source_index]


# --------------------------------------------------------------------------- opening files


def _fail(
    path: str, message: str, *, line: int | None = None, column: str | None = None
) -> DataError:
    text = f"{where(path, line=line, column=column)}: {message}"
    return DataError(" ".join(text.split("\n")))


def _open_stream(path: Path, source: str) -> tuple[BinaryIO, bool]:
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == b"\x1f\x8b":
        return cast(BinaryIO, gzip.open(path, "rb")), True
    return open(path, "rb"), False


def _read(stream: BinaryIO, size: int, source: str) -> bytes:
    try:
        return stream.read(size)
    except (OSError, EOFError, zlib.error) as err:
        raise _fail(
            source,
            f"the gzip data is corrupt or truncated ({err}). Download or "
            "compress the file again (test it with 'gzip -t').",
        ) from None


def _check_text(head: bytes, source: str) -> None:
    sample = head[:8192]
    if not sample.strip():
        raise _fail(
            source,
            "the file is empty; expected sequences (FASTA or a CSV/TSV table). "
            "Check that the file was written completely.",
        )
    if b"\x00" in sample:
        raise _fail(
            source,
            "this is a binary file (it contains NUL bytes); expected a text "
            "FASTA or CSV/TSV file, optionally gzipped. Export the data as text.",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError as err:
        message = (
            f"this is not a UTF-8 text file (byte {err.start} is not valid UTF-8); expected "
            "FASTA or CSV/TSV text. Export the data as UTF-8 text."
        )
        raise _fail(source, message) from None


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _resolve_alphabet(option: str) -> Alphabet | None:
    if option == "auto":
        return None
    if option not in ALPHABETS:
        raise ConfigError(
            f"alphabet: expected one of {', '.join(ALPHABET_OPTIONS)}, got "
            f"{option!r}. Use --alphabet auto to detect it."
        )
    return ALPHABETS[option]


def _capacity_hint(path: Path, gzipped: bool) -> int:
    size = path.stat().st_size
    if not gzipped or size < 18:
        return size
    with open(path, "rb") as handle:
        handle.seek(-4, os.SEEK_END)
        isize = int.from_bytes(handle.read(4), "little")  # uncompressed size mod 2**32
    return isize if isize >= size else 4 * size


# --------------------------------------------------------------------------- FASTA


@dataclass
class _FastaRecords:
    ids: list[str]
    descriptions: list[str] | None
    header_lines: np.ndarray
    codes: np.ndarray
    offsets: np.ndarray
    alphabet: Alphabet


class _FastaEncoder:
    """Encode a FASTA byte stream chunk by chunk into one growing code buffer."""

    def __init__(self, source: str, alphabet: Alphabet | None, capacity: int) -> None:
        self.source = source
        self.alphabet = alphabet
        self.table = b"" if alphabet is None else alphabet.lut.tobytes()
        self.out = np.empty(max(capacity, 1), dtype=np.uint8)
        self.pos = 0
        self.lines_before = 0
        self.ids: list[str] = []
        self.descriptions: list[str] = []
        self.has_descriptions = False
        self.header_lines: list[np.ndarray] = []
        self.starts: list[np.ndarray] = []

    def feed(self, buf: bytes | memoryview) -> None:
        """Encode ``buf``, which starts at a line start and ends with a newline."""
        a = np.frombuffer(buf, dtype=np.uint8)
        newlines = np.flatnonzero(a == 10)
        line_starts = np.concatenate(([0], newlines[:-1] + 1))
        is_header = a[line_starts] == 62
        header_index = np.flatnonzero(is_header)
        hs, he = line_starts[header_index], newlines[header_index]
        first = int(hs[0]) if len(hs) else len(a)
        if not self.ids and first and a[:first].max() > 32:
            bad = int(np.flatnonzero(a[:first] > 32)[0])
            line = self.lines_before + 1 + int(np.searchsorted(newlines, bad))
            raise _fail(
                self.source,
                "expected a FASTA header line starting with '>', found "
                "sequence text before any header. Add a '>name' line before each "
                "sequence.",
                line=line,
            )
        # Alternating runs: sequence region, header line, sequence region, ..., sequence region.
        next_start = np.append(hs[1:], len(a)) if len(hs) else np.array([], dtype=np.int64)
        runs = np.empty(2 * len(hs) + 1, dtype=np.int64)
        runs[0] = first
        runs[1::2] = he + 1 - hs
        runs[2::2] = next_start - he - 1
        pattern = np.ones(len(runs), dtype=bool)
        pattern[1::2] = False
        raw = a[np.repeat(pattern, runs)]
        if self.alphabet is None:
            self.alphabet = detect_alphabet(raw[:DETECT_BYTES])
            self.table = self.alphabet.lut.tobytes()
        letters = raw.tobytes()
        del raw
        encoded = letters.translate(self.table, _WHITESPACE)
        del letters
        codes = np.frombuffer(encoded, dtype=np.uint8)
        if len(codes) and codes.max() == NOT_ALLOWED:
            self._bad_letter(a, newlines, runs, pattern, codes)
        counts = self._region_counts(a, runs, header_index, len(line_starts), len(codes))
        self._store(codes)
        self.starts.append(self.pos - len(codes) + np.cumsum(counts)[:-1])
        self.header_lines.append(self.lines_before + 1 + header_index)
        self._headers(a, hs, he, self.lines_before + 1 + header_index)
        self.lines_before += len(newlines)

    def _region_counts(
        self, a: np.ndarray, runs: np.ndarray, header_index: np.ndarray, n_lines: int, total: int
    ) -> np.ndarray:
        # Each sequence region is whole lines, each ending in one '\n'; other whitespace is rare.
        region_lines = np.diff(np.concatenate(([-1], header_index, [n_lines]))) - 1
        counts = runs[0::2] - region_lines
        if int(counts.sum()) != total:
            blanks = np.flatnonzero((a == 13) | (a == 9) | (a == 32))
            bounds = np.concatenate(([0], np.cumsum(runs)))
            region_start, region_end = bounds[0:-1:2], bounds[1::2]
            counts -= np.searchsorted(blanks, region_end) - np.searchsorted(blanks, region_start)
        return counts

    def _store(self, codes: np.ndarray) -> None:
        end = self.pos + len(codes)
        if end > len(self.out):
            self.out.resize(max(end, len(self.out) * 3 // 2), refcheck=False)
        self.out[self.pos : end] = codes
        self.pos = end

    def _headers(self, a: np.ndarray, hs: np.ndarray, he: np.ndarray, lines: np.ndarray) -> None:
        if not len(hs):
            return
        run = he - hs  # header text without '>' plus its newline
        total = int(run.sum())
        first = np.repeat(np.cumsum(run) - run, run)
        text = a[np.repeat(hs + 1, run) + np.arange(total) - first].tobytes()
        headers = text.decode("utf-8", errors="replace").replace("\r", "").split("\n")[:-1]
        if b" " not in text and b"\t" not in text:
            ids = headers
            descriptions = [""] * len(headers) if self.has_descriptions else []
        else:
            parts = [h.split(None, 1) for h in headers]
            ids = [p[0] if p else "" for p in parts]
            if not self.has_descriptions:
                self.descriptions = [""] * len(self.ids)
                self.has_descriptions = True
            descriptions = [p[1] if len(p) > 1 else "" for p in parts]
        if "" in ids:
            line = int(lines[ids.index("")])
            raise _fail(
                self.source,
                "the header has no name; expected '>name' followed by an "
                "optional description. Give every record a name.",
                line=line,
            )
        self.ids.extend(ids)
        self.descriptions.extend(descriptions)

    def _bad_letter(
        self,
        a: np.ndarray,
        newlines: np.ndarray,
        runs: np.ndarray,
        pattern: np.ndarray,
        codes: np.ndarray,
    ) -> None:
        keep = np.repeat(pattern, runs) & (a > 32)
        k = int(np.flatnonzero(codes == NOT_ALLOWED)[0])
        pos = int(np.flatnonzero(keep)[k])
        line = self.lines_before + 1 + int(np.searchsorted(newlines, pos))
        raise _letter_error(self.source, line, chr(a[pos]), self.alphabet)

    def finish(self) -> _FastaRecords:
        if not self.ids:
            raise _fail(
                self.source,
                "no FASTA records found; expected '>name' header lines followed by sequence lines.",
                line=1,
            )
        assert self.alphabet is not None
        offsets = np.append(np.concatenate(self.starts), self.pos).astype(np.int64)
        header_lines = np.concatenate(self.header_lines)
        empty = np.flatnonzero(np.diff(offsets) == 0)
        if len(empty):
            i = int(empty[0])
            raise _fail(
                self.source,
                f"record '{self.ids[i]}' has an empty sequence; expected "
                "sequence lines after the header. Remove the record or add its "
                "sequence.",
                line=int(header_lines[i]),
            )
        self.out.resize(self.pos, refcheck=False)
        _check_unique(self.ids, header_lines, self.source)
        descriptions = self.descriptions if self.has_descriptions else None
        return _FastaRecords(self.ids, descriptions, header_lines, self.out, offsets, self.alphabet)


def _letter_error(source: str, line: int, letter: str, alphabet: Alphabet | None) -> DataError:
    assert alphabet is not None
    shown = letter if letter.isprintable() else repr(letter)
    allowed = {
        "dna": "ACGTN and IUPAC codes",
        "rna": "ACGUN and IUPAC codes",
        "protein": "the 20 amino acids and X, B, Z, J, U, O",
    }[alphabet.name]
    fix = (
        "Use --alphabet protein if these are amino acids."
        if alphabet.name != "protein"
        else ("Remove gaps, stop codons and other symbols from the sequences.")
    )
    return _fail(
        source,
        f"sequence contains '{shown}', which is not a {alphabet.name.upper()} "
        f"letter (allowed: {allowed}). {fix}",
        line=line,
    )


def _check_unique(ids: Sequence[str], lines: np.ndarray, source: str) -> None:
    index = pd.Index(ids)
    if not index.has_duplicates:
        return
    dup = int(np.flatnonzero(index.duplicated())[0])
    first = int(np.flatnonzero(index == ids[dup])[0])
    raise _fail(
        source,
        f"id '{ids[dup]}' occurs twice (lines {int(lines[first])} and "
        f"{int(lines[dup])}); expected unique ids. Rename or remove the duplicate.",
    )


def _parse_fasta(
    stream: BinaryIO, head: bytes, source: str, alphabet: Alphabet | None, capacity: int
) -> _FastaRecords:
    encoder = _FastaEncoder(source, alphabet, capacity)
    carry = head
    while block := _read(stream, CHUNK_BYTES, source):
        buf = carry + block if carry else block
        del block
        cut = buf.rfind(b"\n") + 1
        if cut:
            encoder.feed(memoryview(buf)[:cut])
        carry = buf[cut:]
        del buf
    if carry:
        encoder.feed(carry if carry.endswith(b"\n") else carry + b"\n")
    return encoder.finish()


def _header_table(records: _FastaRecords) -> pd.DataFrame | None:
    """``key=value`` pairs of the FASTA descriptions as a table of str ('' when absent)."""
    if records.descriptions is None or not any("=" in d for d in records.descriptions):
        return None
    rows = [dict(t.split("=", 1) for t in d.split() if "=" in t) for d in records.descriptions]
    return pd.DataFrame(rows, dtype=object).fillna("").astype(str)


# --------------------------------------------------------------------------- tables


def _sniff_separator(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()][:20]
    best, best_key = ",", (-1, 0)
    for rank, sep in enumerate((",", "\t", ";")):
        rows = list(csv.reader(lines, delimiter=sep))
        widths = {len(r) for r in rows}
        if len(widths) != 1 or widths.pop() < 2:
            continue
        empty = sum(1 for r in rows for cell in r if not cell.strip())
        key = (1, -empty * 10 - rank)
        if key > best_key:
            best, best_key = sep, key
    return best


def _is_sequence_like(text: str) -> bool:
    return len(text) >= 8 and text.isascii() and text.isalpha()


def _column_is_sequences(values: pd.Series) -> bool:
    if not len(values):
        return False
    return bool(values.str.fullmatch(r"[A-Za-z]+").all() and values.str.len().median() >= 8)


def _has_header(first: list[str], body: pd.DataFrame) -> bool:
    known = {*SEQUENCE_COLUMN_NAMES, *ID_COLUMN_NAMES, *LABEL_COLUMN_NAMES}
    if any(cell.lower() in known for cell in first):
        return True
    sample = body.head(100)
    for j, cell in enumerate(first):
        column = sample.iloc[:, j]
        if _is_sequence_like(cell) and (
            not len(column)
            or (_column_is_sequences(column) and len(cell) >= 0.5 * column.str.len().median())
        ):
            return False
    return True


def _read_table(data: bytes, source: str, path: Path) -> tuple[pd.DataFrame, int]:
    """Parse CSV/TSV bytes into a str table; also return the number of header lines (0 or 1)."""
    text_head = data[:65536].decode("utf-8", errors="replace")
    sep = TABLE_SEPARATORS.get(_suffix(path)) or _sniff_separator(text_head)
    try:
        table = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            encoding="utf-8",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise _fail(
            source,
            f"cannot read the table ({err}); expected a CSV/TSV file with the "
            "same number of fields on every line. Fix the malformed lines.",
        ) from None
    table = table.apply(lambda column: column.str.strip())
    first = [str(v) for v in table.iloc[0]]
    if _has_header(first, table.iloc[1:]):
        names = [v or f"column_{j + 1}" for j, v in enumerate(first)]
        if len(set(names)) != len(names):
            raise _fail(
                source,
                f"the header repeats a column name ({', '.join(names)}); "
                "expected unique column names. Rename the repeated columns.",
                line=1,
            )
        table = table.iloc[1:].reset_index(drop=True)
        table.columns = pd.Index(names)
        return table, 1
    table.columns = pd.Index([f"column_{j + 1}" for j in range(table.shape[1])])
    return table, 0


def _named(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in reversed(list(columns))}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _require_column(name: str, columns: Sequence[str], source: str, what: str, flag: str) -> str:
    if name not in columns:
        raise _fail(
            source,
            f"there is no {what} column '{name}'; the columns are "
            f"{', '.join(map(repr, columns))}. Pass one of them with {flag}.",
        )
    return name


def _sequence_column(table: pd.DataFrame, requested: str | None, source: str) -> str:
    columns = list(table.columns)
    if requested is not None:
        return _require_column(requested, columns, source, "sequence", "--sequence-column")
    named = _named(columns, SEQUENCE_COLUMN_NAMES)
    if named is not None:
        return named
    candidates = [c for c in columns if _column_is_sequences(table[c])]
    if len(candidates) > 1:
        candidates = [c for c in candidates if table[c].nunique() > 0.5 * len(table)]
    if len(candidates) == 1:
        return candidates[0]
    found = "several do" if candidates else "none does"
    raise _fail(
        source,
        f"cannot tell which column holds the sequences ({found}; columns: "
        f"{', '.join(map(repr, columns))}). Pass it with --sequence-column.",
    )


def _is_numeric(values: pd.Series) -> bool:
    return bool(len(values)) and bool(pd.to_numeric(values, errors="coerce").notna().all())


def _id_column(
    table: pd.DataFrame, requested: str | None, exclude: set[str], source: str
) -> str | None:
    columns = list(table.columns)
    if requested is not None:
        return _require_column(requested, columns, source, "id", "--id-column")
    named = _named([c for c in columns if c not in exclude], ID_COLUMN_NAMES)
    if named is not None:
        return named
    candidates = [
        c
        for c in columns
        if c not in exclude
        and c.lower() not in LABEL_COLUMN_NAMES
        and table[c].is_unique
        and not _is_numeric(table[c])
    ]
    return candidates[0] if len(candidates) == 1 else None


def _label_columns(
    columns: Sequence[str],
    requested: Sequence[str] | None,
    exclude: set[str],
    source: str,
    require: bool,
) -> list[str] | None:
    if requested is not None:
        missing = [c for c in requested if c not in columns]
        if not missing:
            return list(requested)
        if not require:
            return None
        raise _fail(
            source,
            f"there is no label column '{missing[0]}'; the columns are "
            f"{', '.join(map(repr, columns))}. Pass one of them with --label-column.",
        )
    named = _named([c for c in columns if c not in exclude], LABEL_COLUMN_NAMES)
    if named is not None:
        return [named]
    if not require:
        return None
    remaining = [c for c in columns if c not in exclude]
    if len(remaining) == 1:
        return remaining
    raise _fail(
        source,
        "cannot tell which column holds the labels (columns: "
        f"{', '.join(map(repr, columns)) or 'none'}). Pass it with --label-column.",
    )


def _label_frame(
    table: pd.DataFrame, columns: list[str], ids: Sequence[str], lines: np.ndarray, source: str
) -> pd.DataFrame:
    out = {}
    for column in columns:
        values = table[column].astype(str).str.strip().reset_index(drop=True)
        empty = np.flatnonzero((values == "").to_numpy())
        if len(empty):
            i = int(empty[0])
            raise _fail(
                source,
                f"the label of '{ids[i]}' is empty ({len(empty)} empty in all); "
                "expected a value for every record. Fill in the labels or remove these "
                "records.",
                line=int(lines[i]),
                column=column,
            )
        numbers = pd.to_numeric(values, errors="coerce")
        out[column] = numbers.astype(np.float64) if numbers.notna().all() else values
    return pd.DataFrame(out)


def _encode_column(
    values: pd.Series,
    lines: np.ndarray,
    ids: Sequence[str],
    source: str,
    column: str,
    alphabet: Alphabet | None,
) -> tuple[np.ndarray, np.ndarray, Alphabet]:
    lengths = values.str.len().to_numpy(dtype=np.int64)
    if len(lengths) and lengths.min() == 0:
        i = int(np.flatnonzero(lengths == 0)[0])
        raise _fail(
            source,
            f"the sequence of '{ids[i]}' is empty; expected letters. Remove the "
            "row or fill in its sequence.",
            line=int(lines[i]),
            column=column,
        )
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    joined = "".join(values.tolist()).encode("utf-8")
    if alphabet is None:
        alphabet = detect_alphabet(joined[:DETECT_BYTES])
    codes = np.frombuffer(joined.translate(alphabet.lut.tobytes()), dtype=np.uint8).copy()
    if len(codes) != offsets[-1] or (len(codes) and codes.max() == NOT_ALLOWED):
        row = next(
            i
            for i, v in enumerate(values)
            if not v.isascii()
            or alphabet.lut[np.frombuffer(v.encode(), dtype=np.uint8)].max() == 255
        )
        letter = next(
            c for c in values.iloc[row] if not c.isascii() or alphabet.lut[ord(c)] == NOT_ALLOWED
        )
        raise _letter_error(source, int(lines[row]), letter, alphabet)
    return codes, offsets, alphabet


def _unique_ids(ids: pd.Series, lines: np.ndarray, source: str, explicit: bool) -> list[str]:
    values = ids.astype(str).tolist()
    index = pd.Index(values)
    if not index.has_duplicates:
        return values
    if explicit:
        _check_unique(values, lines, source)
    seen = ids.groupby(ids).cumcount().to_numpy() + 1
    dups = int(index.duplicated().sum())
    warnings.warn(
        f"{source}: {dups} ids repeat (e.g. '{values[int(np.flatnonzero(seen > 1)[0])]}'"
        "); repeats were renamed 'id#2', 'id#3', ... Check for duplicated records.",
        DataWarning,
        stacklevel=3,
    )
    renamed = [v if s == 1 else f"{v}#{s}" for v, s in zip(values, seen, strict=True)]
    if pd.Index(renamed).has_duplicates:
        return [str(i + 1) for i in range(len(values))]
    return renamed


def _table_set(
    table: pd.DataFrame,
    header_lines: int,
    source: str,
    alphabet: Alphabet | None,
    sequence_column: str | None,
    id_column: str | None,
    label_columns: list[str] | None,
    require_labels: bool,
) -> SequenceSet:
    if not len(table):
        raise _fail(
            source,
            "the table has a header but no rows; expected one row per sequence. "
            "Check that the file was written completely.",
        )
    lines = np.arange(len(table), dtype=np.int64) + 1 + header_lines
    seq_col = _sequence_column(table, sequence_column, source)
    exclude = {seq_col, *(label_columns or [])}
    id_col = _id_column(table, id_column, exclude, source)
    if id_col is None:
        ids = [str(i + 1) for i in range(len(table))]
    else:
        ids = _unique_ids(table[id_col], lines, source, explicit=id_column is not None)
    codes, offsets, alpha = _encode_column(table[seq_col], lines, ids, source, seq_col, alphabet)
    used = {seq_col} if id_col is None else {seq_col, id_col}
    chosen = _label_columns(list(table.columns), label_columns, used, source, require_labels)
    labels = None if chosen is None else _label_frame(table, chosen, ids, lines, source)
    return SequenceSet(np.array(ids, dtype=object), codes, offsets, alpha, labels, source)


# --------------------------------------------------------------------------- labels for FASTA


def _labels_table(labels: str | os.PathLike[str] | pd.DataFrame) -> tuple[pd.DataFrame, str, int]:
    if isinstance(labels, pd.DataFrame):
        return labels.astype(str).reset_index(drop=True), "labels table", 1
    path = Path(labels)
    source = os.fspath(labels)
    if not path.is_file():
        raise _fail(
            source,
            "No such file; expected a CSV/TSV table of labels keyed by sequence "
            "id. Check the path given to --labels.",
        )
    stream, _ = _open_stream(path, source)
    with stream:
        data = _read(stream, -1, source)
    _check_text(data, source)
    table, _ = _read_table(data, source, path)
    return table, source, 2


def _fasta_labels(
    records: _FastaRecords,
    source: str,
    labels: str | os.PathLike[str] | pd.DataFrame | None,
    label_columns: list[str] | None,
    id_column: str | None,
    require: bool,
    extra: ExtraLabels,
) -> pd.DataFrame | None:
    if labels is None:
        table = _header_table(records)
        if table is None:
            if require:
                raise _fail(
                    source,
                    "no labels found; expected 'key=value' pairs in the headers "
                    "(e.g. '>seq1 label=enhancer') or a labels table. Pass --labels "
                    "FILE or add labels to the headers.",
                )
            return None
        chosen = _label_columns(list(table.columns), label_columns, set(), source, require)
        if chosen is None:
            return None
        return _label_frame(table, chosen, records.ids, records.header_lines, source)
    table, table_source, first_line = _labels_table(labels)
    columns = [str(c) for c in table.columns]
    table.columns = pd.Index(columns)
    if id_column is not None:
        key = _require_column(id_column, columns, table_source, "id", "--id-column")
    else:
        key = _named(columns, ID_COLUMN_NAMES[:4]) or columns[0]
    chosen = _label_columns(columns, label_columns, {key}, table_source, require)
    if chosen is None:
        return None
    keys = table[key].astype(str).str.strip()
    table_lines = np.arange(len(table)) + first_line
    _check_unique(keys.tolist(), table_lines, table_source)
    position = pd.Index(keys).get_indexer(pd.Index(records.ids))
    missing = [records.ids[i] for i in np.flatnonzero(position < 0)]
    if missing:
        raise _fail(
            table_source,
            f"{len(missing)} sequence ids of {source} have no label (e.g. "
            f"{', '.join(map(repr, missing[:3]))}); expected a row for every id. Add "
            "them to the labels table.",
            column=key,
        )
    extra_ids = sorted(set(keys) - set(records.ids))
    if extra_ids and extra == "error":
        raise _fail(
            table_source,
            f"{len(extra_ids)} ids are not in {source} (e.g. "
            f"{', '.join(map(repr, extra_ids[:3]))}); expected labels only for its "
            "sequences. Remove them or pass extra_labels='ignore'.",
            column=key,
        )
    aligned = table.iloc[position].reset_index(drop=True)
    return _label_frame(aligned, chosen, records.ids, table_lines[position], table_source)


# --------------------------------------------------------------------------- folders


def _class_name(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return name[: -len(_suffix(path))]


def _read_folder(
    folder: Path, source: str, alphabet: Alphabet | None, label_columns: list[str] | None
) -> SequenceSet:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_file())
    fasta = [p for p in files if _suffix(p) in FASTA_SUFFIXES]
    if len(fasta) < 2:
        raise _fail(
            source,
            f"expected a folder with one FASTA file per class (at least two, "
            f"e.g. enhancer.fa and non_enhancer.fa), found {len(fasta)}. Put each "
            "class in its own .fa/.fasta file or pass a single file.",
        )
    if label_columns is not None and list(label_columns) != ["label"]:
        raise _fail(
            source,
            f"there is no label column '{label_columns[0]}'; a class folder "
            "has one column 'label'. Pass --label-column label.",
        )
    parts, classes, lines, names = [], [], [], []
    for path in fasta:
        records = _read_fasta_file(path, os.fspath(path), alphabet)
        alphabet = records.alphabet
        parts.append(records)
        classes.append(np.full(len(records.ids), _class_name(path), dtype=object))
        lines.append(records.header_lines)
        names.append(np.full(len(records.ids), os.fspath(path), dtype=object))
    ids = [i for r in parts for i in r.ids]
    index = pd.Index(ids)
    if index.has_duplicates:
        file_of, line_of = np.concatenate(names), np.concatenate(lines)
        dup = int(np.flatnonzero(index.duplicated())[0])
        first = int(np.flatnonzero(index == ids[dup])[0])
        raise _fail(
            source,
            f"id '{ids[dup]}' occurs twice ({file_of[first]} line "
            f"{line_of[first]} and {file_of[dup]} line {line_of[dup]}); expected "
            "unique ids. Rename or remove the duplicate.",
        )
    codes = np.concatenate([r.codes for r in parts])
    shifts = np.cumsum([0] + [len(r.codes) for r in parts[:-1]])
    offsets = np.concatenate(
        [r.offsets[:-1] + s for r, s in zip(parts, shifts, strict=True)] + [[len(codes)]]
    ).astype(np.int64)
    labels = pd.DataFrame({"label": np.concatenate(classes).astype(str)})
    assert alphabet is not None
    return SequenceSet(np.array(ids, dtype=object), codes, offsets, alphabet, labels, source)


def _read_fasta_file(path: Path, source: str, alphabet: Alphabet | None) -> _FastaRecords:
    stream, gzipped = _open_stream(path, source)
    with stream:
        head = _read(stream, HEAD_BYTES, source)
        _check_text(head, source)
        return _parse_fasta(stream, head, source, alphabet, _capacity_hint(path, gzipped))


# --------------------------------------------------------------------------- entry point


def read_sequences(
    path: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | pd.DataFrame | None = None,
    label_columns: Sequence[str] | str | None = None,
    sequence_column: str | None = None,
    id_column: str | None = None,
    alphabet: AlphabetOption = "auto",
    require_labels: bool = True,
    extra_labels: ExtraLabels = "error",
) -> SequenceSet:
    """Read sequences (and their labels) from FASTA, CSV/TSV or a folder of class FASTA files.

    Parameters
    ----------
    path : str or PathLike
        A FASTA file (``.fa .fasta .fna .faa .ffn``, optionally ``.gz``; any file whose first
        non-blank character is ``>``), a CSV/TSV table (``.csv .tsv .tab .txt``, optionally
        ``.gz``; other names are sniffed; a header row is optional), or a folder with one FASTA
        file per class (class = file name without extensions; label column ``"label"``).
    labels : str, PathLike or pandas.DataFrame, optional
        For FASTA: a table of labels keyed by sequence id (id column ``id_column``, or one named
        id/name/sequence_id/seq_id, else the first column). Without it, labels come from
        ``key=value`` pairs in the FASTA headers.
    label_columns : list of str, optional
        Label column(s); several give a multi-label / multi-target problem. Default: a column
        named label/labels/class/target/y/fitness/activity/outcome, else the single remaining
        column.
    sequence_column : str, optional
        Table column with the sequences. Default: a column named
        sequence/seq/sequences/dna/rna/protein, else the one column that looks like sequences.
    id_column : str, optional
        Column with the record ids (in the table, or in ``labels``). Default: a column named
        id/name/sequence_id/seq_id/instance_name/identifier, else the one text column with all
        values unique, else the row number (``"1"``, ``"2"``, ...).
    alphabet : {"auto", "dna", "rna", "protein"}, default "auto"
        "auto" guesses from the first megabyte of letters. Lower case is folded to upper case.
    require_labels : bool, default True
        False allows unlabelled data (for prediction): ``labels`` is then None unless label
        columns are named or found by name.
    extra_labels : {"error", "ignore"}, default "error"
        What to do with ids in ``labels`` that are not in the FASTA file.

    Returns
    -------
    SequenceSet
        ``n`` records; labels are ``str`` for classes and ``float64`` for numeric columns.

    Raises
    ------
    DataError
        One-line message naming the file (and line / column) for a missing, empty, binary or
        corrupt file, malformed FASTA, duplicate ids, letters outside the alphabet, missing or
        extra labels, unknown columns, or a folder with fewer than two class files.
    """
    source = os.fspath(path)
    target = Path(path)
    wanted = _resolve_alphabet(alphabet)
    if extra_labels not in EXTRA_LABELS_OPTIONS:
        raise ConfigError(f"extra_labels: expected 'error' or 'ignore', got {extra_labels!r}")
    columns = [label_columns] if isinstance(label_columns, str) else label_columns
    columns = None if columns is None else list(columns)
    if not target.exists():
        raise _fail(
            source,
            f"No such file or folder; expected sequences (FASTA, CSV/TSV or a "
            f"folder of class FASTA files). Check the path (working folder: "
            f"{os.getcwd()}).",
        )
    if target.is_dir():
        if labels is not None:
            raise _fail(
                source,
                "a class folder takes its labels from the file names; expected "
                "no labels table. Drop --labels or pass a single FASTA file.",
            )
        return _read_folder(target, source, wanted, columns)
    stream, gzipped = _open_stream(target, source)
    with stream:
        head = _read(stream, HEAD_BYTES, source)
        _check_text(head, source)
        first_char = head.lstrip()[:1]
        if first_char == b">" or _suffix(target) in FASTA_SUFFIXES:
            records = _parse_fasta(stream, head, source, wanted, _capacity_hint(target, gzipped))
            label_frame = _fasta_labels(
                records, source, labels, columns, id_column, require_labels, extra_labels
            )
            return SequenceSet(
                np.array(records.ids, dtype=object),
                records.codes,
                records.offsets,
                records.alphabet,
                label_frame,
                source,
            )
        data = head + _read(stream, -1, source)
    table, header_lines = _read_table(data, source, target)
    return _table_set(
        table, header_lines, source, wanted, sequence_column, id_column, columns, require_labels
    )
