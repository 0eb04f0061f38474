"""Opening sequence input files and wording their errors, shared by the FASTA and table readers.

Input files may be gzipped (told by the magic bytes, not the name); the first bytes are checked
to be UTF-8 text before parsing. Every error names the file (and line or column) through
:func:`fail`, so all readers word their messages the same way.

Examples
--------
>>> from biodl.data._files import fail, letter_message
>>> from biodl.data.alphabet import ALPHABETS
>>> str(fail("x.fa", letter_message("J", ALPHABETS["dna"]), line=3))[:47]
"x.fa line 3: sequence contains 'J', which is no"
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np
import pandas as pd

from biodl.data.alphabet import Alphabet
from biodl.errors import DataError, where

__all__ = [
    "DETECT_BYTES",
    "HEAD_BYTES",
    "PROTEIN_HINT",
    "Records",
    "capacity_hint",
    "check_text",
    "check_unique",
    "fail",
    "file_suffix",
    "letter_error",
    "letter_message",
    "open_stream",
    "parse_csv",
    "read_bytes",
    "rename_repeats",
]

HEAD_BYTES = 1 << 16  # read first, to tell the format and check for binary data
DETECT_BYTES = 1 << 20  # letters looked at to guess the alphabet

_ALLOWED = {
    "dna": "ACGTN and IUPAC codes",
    "rna": "ACGUN and IUPAC codes",
    "protein": "the 20 amino acids and X, B, Z, J, U, O",
}


@dataclass
class Records:
    """Sequences read from a file as arrays; ``biodl.data.sequence`` makes a SequenceSet of them.

    Parameters
    ----------
    ids : list of str
        ``n`` unique record ids.
    codes : (total_letters,) uint8
        Codes of all records concatenated.
    offsets : (n + 1,) int64
        Record ``i`` is ``codes[offsets[i]:offsets[i + 1]]``.
    alphabet : Alphabet
        Alphabet of the codes.
    labels : pandas.DataFrame or None
        ``n`` rows in record order, or None when unlabelled.
    notes : list of str, default []
        What reading changed and the user should know (e.g. repeated ids renamed).
    own_parts : pandas.DataFrame or None, default None
        The file's other columns (or header keys) whose every value names a part
        (:func:`biodl.data.splits.part_columns`), as text; None when there are none.
    """

    ids: list[str]
    codes: np.ndarray
    offsets: np.ndarray
    alphabet: Alphabet
    labels: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    own_parts: pd.DataFrame | None = None


def fail(
    path: str, message: str, *, line: int | None = None, column: str | None = None
) -> DataError:
    """A one-line :class:`DataError` that starts with the place: ``'x.csv line 3: ...'``."""
    text = f"{where(path, line=line, column=column)}: {message}"
    return DataError(" ".join(text.split("\n")))


def parse_csv(data: bytes, source: str, **options: Any) -> pd.DataFrame:
    """``pandas.read_csv`` of the bytes of a file; what pandas refuses is a one-line DataError.

    A file without any column, a malformed row (pandas names its line) and bytes that are not
    UTF-8 (the line is found) are each said with the file's name and the fix.

    Examples
    --------
    >>> parse_csv(b"a,b\\n1,2\\n", "t.csv").shape
    (1, 2)
    >>> parse_csv(b"a,b\\n\\xff,2\\n", "t.csv")
    Traceback (most recent call last):
    biodl.errors.DataError: t.csv line 2: byte 4 is not valid UTF-8 text; save the file as UTF-8.
    """
    try:
        return pd.read_csv(io.BytesIO(data), **options)
    except pd.errors.EmptyDataError:
        raise fail(source, "the file is empty; expected a header line and rows.") from None
    except UnicodeDecodeError:
        raise _not_utf8(data, source) from None
    except (pd.errors.ParserError, csv.Error, ValueError, OverflowError) as err:
        reason = " ".join(str(err).split())[:300]
        raise fail(
            source, f"cannot parse the table ({reason}). Check the separator and quoting."
        ) from None


def _not_utf8(data: bytes, source: str) -> DataError:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        return fail(
            source, f"byte {err.start} is not valid UTF-8 text; save the file as UTF-8.", line=line
        )
    return fail(source, "is not valid UTF-8 text; save the file as UTF-8.")


def open_stream(path: Path, source: str) -> tuple[BinaryIO, bool]:
    """Open ``path`` for reading bytes, through gzip when it starts with the gzip magic bytes.

    The file is opened once (:func:`biodl.data.input_files.open_input`: the bytes kept since
    kind detection, or a stream that computes the run's checksum as it reads). Returns the
    stream and whether it is gzipped.
    """
    from biodl.data.input_files import open_input

    stream = open_input(path)
    peek = getattr(stream, "peek", None)
    magic = stream.getvalue()[:2] if isinstance(stream, io.BytesIO) else (peek or bytes)(2)[:2]
    if magic == b"\x1f\x8b":
        return cast(BinaryIO, _Gunzip(stream)), True
    return stream, False


class _Gunzip(gzip.GzipFile):
    """gzip over an open binary stream that it closes too."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__(fileobj=stream, mode="rb")
        self._inner = stream

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._inner.close()


def read_bytes(stream: BinaryIO, size: int, source: str) -> bytes:
    """``stream.read(size)``, turning corrupt or truncated gzip data into a DataError."""
    try:
        return stream.read(size)
    except (OSError, EOFError, zlib.error) as err:
        raise fail(
            source,
            f"the gzip data is corrupt or truncated ({err}). Download or "
            "compress the file again (test it with 'gzip -t').",
        ) from None


def check_text(head: bytes, source: str) -> None:
    """Raise a DataError unless the first bytes of a file are non-empty UTF-8 text."""
    sample = head[:8192]
    if not sample.strip():
        raise fail(
            source,
            "the file is empty; expected sequences (FASTA or a CSV/TSV table). "
            "Check that the file was written completely.",
        )
    if sample[:4] == b"PK\x03\x04":
        raise fail(source, _zip_message(source))
    if b"\x00" in sample:
        raise fail(
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
        raise fail(source, message) from None


def _zip_message(source: str) -> str:
    """What to do with a zip archive: biodl reads one text file, so name the members."""
    import zipfile

    members: list[str] = []
    try:
        with zipfile.ZipFile(source) as archive:
            members = [
                m.filename
                for m in archive.infolist()
                if not m.is_dir() and not Path(m.filename).name.startswith(".")
            ]
    except (OSError, zipfile.BadZipFile):
        pass
    shown = ", ".join(members[:6]) + (f" and {len(members) - 6} more" if len(members) > 6 else "")
    example = members[0] if members else "MEMBER"
    held = f" holding {shown}" if members else ""
    return (
        f"this is a zip archive{held}; biodl reads one FASTA or CSV/TSV file (optionally "
        f"gzipped). Extract the one you want, e.g. 'unzip {Path(source).name} {example}', "
        "and pass that file."
    )


def file_suffix(path: Path) -> str:
    """The lower-case last suffix of ``path``, looking through a final ``.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def capacity_hint(path: Path, gzipped: bool) -> int:
    """A guess of the uncompressed size of ``path`` in bytes, to size the code buffer once."""
    from biodl.data.input_files import kept

    size = path.stat().st_size
    if not gzipped or size < 18:
        return size
    data = kept(path)
    if data is not None:
        isize = int.from_bytes(data[-4:], "little")
        return isize if isize >= size else 4 * size
    with open(path, "rb") as handle:  # a large file, streamed: a look at its last bytes
        handle.seek(-4, os.SEEK_END)
        isize = int.from_bytes(handle.read(4), "little")  # uncompressed size mod 2**32
    return isize if isize >= size else 4 * size


#: The fix a letter outside DNA/RNA gets where the alphabet can still be chosen (training).
PROTEIN_HINT = "Use --alphabet protein if these are amino acids."


def letter_message(letter: str, alphabet: Alphabet) -> str:
    """What is wrong with a letter outside ``alphabet``, what is allowed, and the fix."""
    shown = f"'{letter}'" if letter.isprintable() else repr(letter)
    fix = (
        PROTEIN_HINT
        if alphabet.name != "protein"
        else ("Remove gaps, stop codons and other symbols from the sequences.")
    )
    return (
        f"sequence contains {shown}, which is not a {alphabet.name.upper()} "
        f"letter (allowed: {_ALLOWED[alphabet.name]}). {fix}"
    )


def letter_error(source: str, line: int, letter: str, alphabet: Alphabet | None) -> DataError:
    """The DataError for a letter outside ``alphabet`` on ``line`` of ``source``."""
    assert alphabet is not None
    return fail(source, letter_message(letter, alphabet), line=line)


def rename_repeats(ids: Sequence[str], places: Sequence[str], source: str) -> tuple[list[str], str]:
    """Unique ids: each repeat of an id becomes ``id#2``, ``id#3``, ..., with a note saying so.

    Used where labels do not depend on the ids (labels in FASTA headers, a folder of class
    files), so a repeated id is a naming slip, not an ambiguity.

    Parameters
    ----------
    ids : sequence of str
        The ids as read.
    places : sequence of str
        Where each id was read (``"line 5"``, ``"b.fa line 1"``), for the note.
    source : str
        The file or folder, named first in the note.

    Returns
    -------
    ids : list of str
        ``ids`` with repeats renamed (a name already taken gets the next free number).
    note : str
        The count and up to three examples with their places; "" when no id repeats.

    Examples
    --------
    >>> ids, note = rename_repeats(["a", "b", "a"], ["line 1", "line 3", "line 5"], "x.fa")
    >>> ids
    ['a', 'b', 'a#2']
    >>> note[:60]
    "x.fa: 1 ids repeat an earlier id (e.g. 'a' at line 1 and lin"
    """
    names = list(ids)
    if not pd.Index(names).has_duplicates:
        return names, ""
    taken = set(names)
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    out: list[str] = []
    repeats: list[int] = []
    for i, name in enumerate(names):
        if name not in first:
            first[name] = i
            out.append(name)
            continue
        n = count.get(name, 1) + 1
        while f"{name}#{n}" in taken:
            n += 1
        count[name] = n
        taken.add(f"{name}#{n}")
        out.append(f"{name}#{n}")
        repeats.append(i)
    shown = ", ".join(
        f"'{names[i]}' at {places[first[names[i]]]} and {places[i]}, renamed '{out[i]}'"
        for i in repeats[:3]
    )
    note = (
        f"{source}: {len(repeats)} ids repeat an earlier id (e.g. {shown}); repeats were "
        "renamed 'id#2', 'id#3', ... Check for duplicated records."
    )
    return out, note


def check_unique(ids: Sequence[str], lines: np.ndarray, source: str) -> None:
    """Raise a DataError naming the first repeated id and the two lines it is on."""
    index = pd.Index(ids)
    if not index.has_duplicates:
        return
    dup = int(np.flatnonzero(index.duplicated())[0])
    first = int(np.flatnonzero(index == ids[dup])[0])
    raise fail(
        source,
        f"id '{ids[dup]}' occurs twice (lines {int(lines[first])} and "
        f"{int(lines[dup])}); expected unique ids. Rename or remove the duplicate.",
    )
