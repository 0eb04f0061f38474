"""Vectorised FASTA reading: raw bytes to integer codes, record offsets, ids and descriptions.

The text is encoded in chunks of :data:`CHUNK_BYTES`, each cut after a newline. Within a chunk
numpy finds the header lines, drops them, translates the remaining bytes through the alphabet's
lookup table and deletes whitespace in one ``bytes.translate`` call, so there is no Python work
per letter or per line. :func:`read_fasta_folder` reads a folder with one FASTA file per class.

Examples
--------
>>> import io
>>> from biodl.data.fasta import parse_fasta
>>> records = parse_fasta(io.BytesIO(b""), b">a x=1\\nACGT\\nAC\\n>b\\nGGN\\n", "toy.fa", None, 64)
>>> records.ids, records.offsets.tolist(), records.alphabet.name
(['a', 'b'], [0, 6, 9], 'dna')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from biodl.data._files import (
    DETECT_BYTES,
    HEAD_BYTES,
    Records,
    capacity_hint,
    check_text,
    fail,
    file_suffix,
    letter_error,
    open_stream,
    read_bytes,
    rename_repeats,
)
from biodl.data.alphabet import NOT_ALLOWED, Alphabet, detect_alphabet

__all__ = [
    "CHUNK_BYTES",
    "FASTA_SUFFIXES",
    "FastaRecords",
    "header_table",
    "parse_fasta",
    "read_fasta_folder",
]

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".faa", ".ffn")
CHUNK_BYTES = 8 << 20  # FASTA is encoded in pieces of this size, cut after a newline
_WHITESPACE = b"\n\r\t "
_BLANK = np.zeros(256, dtype=bool)
_BLANK[list(_WHITESPACE)] = True  # the bytes deleted between letters; any other byte counts


@dataclass
class FastaRecords:
    """The records of one FASTA file as arrays.

    Parameters
    ----------
    ids : list of str
        ``n`` record names (the header up to the first space), as read: they may repeat (the
        caller renames or refuses repeats, see :func:`biodl.data.sequence.read_sequences`).
    descriptions : list of str or None
        The rest of each header ('' when absent); None when no header has one.
    header_lines : (n,) int64
        1-based line number of each header, for messages.
    codes : (total_letters,) uint8
        Codes of all records concatenated.
    offsets : (n + 1,) int64
        Record ``i`` is ``codes[offsets[i]:offsets[i + 1]]``.
    alphabet : Alphabet
        The alphabet given, or the one detected from the first letters.
    """

    ids: list[str]
    descriptions: list[str] | None
    header_lines: np.ndarray
    codes: np.ndarray
    offsets: np.ndarray
    alphabet: Alphabet


class _FastaEncoder:
    """Encode a FASTA byte stream chunk by chunk into one growing code buffer."""

    def __init__(
        self, source: str, alphabet: Alphabet | None, capacity: int, sink: BinaryIO | None = None
    ) -> None:
        self.source = source
        self.alphabet = alphabet
        self.table = b"" if alphabet is None else alphabet.lut.tobytes()
        self.sink = sink
        self.out = np.empty(1 if sink is not None else max(capacity, 1), dtype=np.uint8)
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
        if not self.ids and first and not _BLANK[a[:first]].all():
            bad = int(np.flatnonzero(~_BLANK[a[:first]])[0])
            line = self.lines_before + 1 + int(np.searchsorted(newlines, bad))
            raise fail(
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
        if self.sink is not None:
            self.sink.write(codes.tobytes())
            self.pos = end
            return
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
            raise fail(
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
        keep = np.repeat(pattern, runs) & ~_BLANK[a]
        k = int(np.flatnonzero(codes == NOT_ALLOWED)[0])
        pos = int(np.flatnonzero(keep)[k])
        line = self.lines_before + 1 + int(np.searchsorted(newlines, pos))
        raise letter_error(self.source, line, chr(a[pos]), self.alphabet)

    def finish(self) -> FastaRecords:
        if not self.ids:
            raise fail(
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
            raise fail(
                self.source,
                f"record '{self.ids[i]}' has an empty sequence; expected "
                "sequence lines after the header. Remove the record or add its "
                "sequence.",
                line=int(header_lines[i]),
            )
        self.out.resize(0 if self.sink is not None else self.pos, refcheck=False)
        descriptions = self.descriptions if self.has_descriptions else None
        return FastaRecords(self.ids, descriptions, header_lines, self.out, offsets, self.alphabet)


def parse_fasta(
    stream: BinaryIO,
    head: bytes,
    source: str,
    alphabet: Alphabet | None,
    capacity: int,
    *,
    sink: BinaryIO | None = None,
) -> FastaRecords:
    """Encode the FASTA text ``head`` followed by the rest of ``stream``.

    Parameters
    ----------
    stream : binary file
        Read to its end in chunks of :data:`CHUNK_BYTES`.
    head : bytes
        The bytes already read from the start of the file.
    source : str
        The file name for messages.
    alphabet : Alphabet or None
        None detects it from the first :data:`~biodl.data._files.DETECT_BYTES` letters.
    capacity : int
        Expected number of letters, to size the code buffer once (it grows if needed).
    sink : binary file, optional
        Where the codes go, chunk by chunk, instead of memory (``biodl convert``): the
        returned ``codes`` are then empty and the memory used does not grow with the letters.

    Returns
    -------
    FastaRecords

    Raises
    ------
    DataError
        Text before the first header, a header without a name, an empty record, a letter
        outside the alphabet, or no records at all. Repeated ids are kept (the caller decides).
    """
    encoder = _FastaEncoder(source, alphabet, capacity, sink)
    carry = head
    while block := read_bytes(stream, CHUNK_BYTES, source):
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


def header_table(records: FastaRecords) -> pd.DataFrame | None:
    """``key=value`` pairs of the FASTA descriptions as a table of str ('' when absent).

    Each distinct description is parsed once and its row repeated, so headers that only carry
    a label (``>id label=enhancer``) cost one pointer per record and column, not a dict and
    new strings per record.

    Examples
    --------
    >>> import io
    >>> text = b">a label=x w=1\\nAC\\n>b label=y\\nGG\\n>c label=x w=1\\nTT\\n"
    >>> table = header_table(parse_fasta(io.BytesIO(b""), text, "toy.fa", None, 8))
    >>> table.to_dict("list"), table["label"][0] is table["label"][2]
    ({'label': ['x', 'y', 'x'], 'w': ['1', '', '1']}, True)
    """
    if records.descriptions is None or not any("=" in d for d in records.descriptions):
        return None
    codes, unique = pd.factorize(pd.Series(records.descriptions, dtype=object), sort=False)
    rows = [dict(t.split("=", 1) for t in d.split() if "=" in t) for d in unique]
    table = pd.DataFrame(rows, dtype=object).fillna("").astype(str)
    if len(unique) == len(codes):
        return table
    return table.take(codes).reset_index(drop=True)


# --------------------------------------------------------------------------- folders


def _class_name(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return name[: -len(file_suffix(path))]


def read_fasta_folder(
    folder: Path, source: str, alphabet: Alphabet | None, label_columns: list[str] | None
) -> Records:
    """Read a folder with one FASTA file per class (class = file name without extensions).

    Files are read in name order; hidden files and files without a FASTA suffix are skipped.
    The labels have one column ``"label"``. Labels come from the file names, so an id that
    repeats (within or across files) is renamed ``id#2``, ``id#3``, ... and the returned
    ``notes`` say so, naming the files and lines.
    """
    files = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_file())
    fasta = [p for p in files if file_suffix(p) in FASTA_SUFFIXES]
    if len(fasta) < 2:
        raise fail(
            source,
            f"expected a folder with one FASTA file per class (at least two, "
            f"e.g. enhancer.fa and non_enhancer.fa), found {len(fasta)}. Put each "
            "class in its own .fa/.fasta file or pass a single file.",
        )
    if label_columns is not None and list(label_columns) != ["label"]:
        raise fail(
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
    note = ""
    if pd.Index(ids).has_duplicates:
        where_, at = np.concatenate(names), np.concatenate(lines)
        places = [f"{file} line {line}" for file, line in zip(where_, at, strict=True)]
        ids, note = rename_repeats(ids, places, source)
    codes = np.concatenate([r.codes for r in parts])
    shifts = np.cumsum([0] + [len(r.codes) for r in parts[:-1]])
    offsets = np.concatenate(
        [r.offsets[:-1] + s for r, s in zip(parts, shifts, strict=True)] + [[len(codes)]]
    ).astype(np.int64)
    labels = pd.DataFrame({"label": np.concatenate(classes).astype(str)})
    assert alphabet is not None
    return Records(ids, codes, offsets, alphabet, labels, [note] if note else [])


def _read_fasta_file(path: Path, source: str, alphabet: Alphabet | None) -> FastaRecords:
    stream, gzipped = open_stream(path, source)
    with stream:
        head = read_bytes(stream, HEAD_BYTES, source)
        check_text(head, source)
        return parse_fasta(stream, head, source, alphabet, capacity_hint(path, gzipped))
