"""A FASTA file converted once to a memory-mapped sequence store (``biodl convert``).

A store is a folder (conventionally ``NAME.biodl``) holding the records of one FASTA file as
flat binary arrays plus a small JSON header (:data:`HEADER`)::

    store.json        format, version, alphabet, counts, the source's name, size and sha256,
                      the header columns (classes of each), the files with their sizes
    codes.u8          the integer codes of every record concatenated (uint8)
    offsets.i64       record i is codes[offsets[i]:offsets[i + 1]] (int64, n + 1 values)
    lines.i64         1-based line of each record's header in the source (for messages)
    ids.txt           the record ids as written in the source, one per line (UTF-8)
    column.K.i32      for each ``key=value`` header column K (0, 1, ...): the index of each
                      record's value in the column's ``values`` list of store.json

:func:`convert_fasta` streams the FASTA text through the same encoder as
:func:`biodl.data.sequence.read_sequences` and writes the codes to disk chunk by chunk, so its
memory does not grow with the letters (the ids and header values are held). :func:`open_store`
maps ``codes.u8`` read-only (:class:`numpy.memmap`): the sequences are read from disk when they
are used. :func:`biodl.data.sequence.read_sequences` accepts a store wherever it accepts a
FASTA file; ids, labels and warnings are then those of the FASTA file itself (the same code
renames repeated ids and chooses the label columns).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "toy.fa").write_text(">a label=x\\nACGT\\nAC\\n>b label=y\\nGGN\\n")
>>> info = convert_fasta(folder / "toy.fa", folder / "toy.biodl")
>>> info["n_sequences"], info["n_letters"], info["alphabet"], info["columns"][0]["values"]
(2, 9, 'dna', ['x', 'y'])
>>> from biodl.data.sequence import read_sequences
>>> seqs = read_sequences(folder / "toy.biodl")
>>> seqs.sequence(0), seqs.labels["label"].tolist(), type(seqs.codes).__name__
('ACGTAC', ['x', 'y'], 'memmap')
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import mmap
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl._io import STORE_HEADER, to_json
from biodl.data._files import (
    HEAD_BYTES,
    capacity_hint,
    check_text,
    fail,
    file_suffix,
    open_stream,
    read_bytes,
)
from biodl.data.alphabet import ALPHABETS, Alphabet
from biodl.data.fasta import FASTA_SUFFIXES, FastaRecords, header_table, parse_fasta
from biodl.errors import ConfigError

__all__ = [
    "HEADER",
    "STORE_FORMAT",
    "STORE_VERSION",
    "convert_fasta",
    "is_mapped",
    "is_store",
    "open_store",
    "release_pages",
    "scratch",
    "spill",
    "store_header",
]

#: The JSON header of a store (a file inside its folder).
HEADER = STORE_HEADER
#: ``format`` of the header: what the folder is.
STORE_FORMAT = "biodl sequence store"
#: ``version`` of the layout written by this biodl; other versions are refused.
STORE_VERSION = 1
_CHECK_BLOCK = 1 << 24  # codes checked per block while opening (read, not mapped)


def is_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder with a store header (see the module docstring)."""
    return (Path(path) / HEADER).is_file()


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert_fasta(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    alphabet: str = "auto",
    overwrite: bool = False,
) -> dict[str, Any]:
    """Convert a FASTA file (optionally gzipped) to a store folder at ``dest``.

    The store is written in a hidden folder beside ``dest`` and renamed into place at the end:
    an interrupted or failed conversion leaves nothing at ``dest``.

    Parameters
    ----------
    source : str or PathLike
        A FASTA file (``.fa .fasta .fna .faa .ffn``, optionally ``.gz``, or any file whose
        first non-blank character is ``>``), read as :func:`biodl.data.sequence.read_sequences`
        reads it: the same alphabet detection, letters and errors.
    dest : str or PathLike
        The store folder to write (``NAME.biodl`` by convention).
    alphabet : {"auto", "dna", "rna", "protein"}, default "auto"
        "auto" detects it from the first letters, like reading the FASTA file.
    overwrite : bool, default False
        Replace an existing store at ``dest``.

    Returns
    -------
    dict
        The store's header (see the module docstring).

    Raises
    ------
    DataError
        One line naming the file (and line) for everything reading the FASTA file refuses;
        a source that is not FASTA (tables and class folders are not converted); ``dest``
        existing without ``overwrite``.
    """
    src, out = Path(source), Path(dest)
    name = os.fspath(source)
    if not src.is_file():
        raise fail(name, "No such file; expected a FASTA file (.fa, .fasta, optionally .gz).")
    if out.exists() and not overwrite:
        raise fail(
            os.fspath(dest),
            "already exists; expected a new store folder. Pass --overwrite to replace it.",
        )
    if out.exists() and not (out.is_dir() and (is_store(out) or not any(out.iterdir()))):
        raise fail(
            os.fspath(dest),
            "exists and is not a biodl store; expected a new folder. Choose another name.",
        )
    if alphabet != "auto" and alphabet not in ALPHABETS:
        raise ConfigError(
            f"alphabet: expected one of auto, {', '.join(ALPHABETS)}, got {alphabet!r}. Use "
            "--alphabet auto to detect it."
        )
    wanted = None if alphabet == "auto" else ALPHABETS[alphabet]  # type: ignore[index]
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        work.chmod(0o777 & ~_umask())
        header = _write_store(src, name, work, wanted)
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return header


def _write_store(src: Path, name: str, work: Path, wanted: Alphabet | None) -> dict[str, Any]:
    stream, gzipped = open_stream(src, name)
    with stream, open(work / "codes.u8", "wb") as sink:
        head = read_bytes(stream, HEAD_BYTES, name)
        check_text(head, name)
        if head.lstrip()[:1] != b">" and file_suffix(src) not in FASTA_SUFFIXES:
            raise fail(
                name,
                "expected a FASTA file (first character '>'); biodl convert reads FASTA "
                "(optionally .gz). Train on tables and class folders directly.",
            )
        records = parse_fasta(stream, head, name, wanted, capacity_hint(src, gzipped), sink=sink)
    ids = records.ids
    if any("\n" in i for i in ids):  # pragma: no cover - FASTA ids end at a line break
        raise fail(name, "an id contains a line break; expected one line per header.")
    (work / "ids.txt").write_bytes("\n".join(ids).encode("utf-8"))
    np.asarray(records.offsets, dtype="<i8").tofile(work / "offsets.i64")
    np.asarray(records.header_lines, dtype="<i8").tofile(work / "lines.i64")
    table = header_table(records)
    columns = []
    for k, column in enumerate([] if table is None else list(table.columns)):
        assert table is not None
        codes, values = pd.factorize(table[column], sort=False)
        codes.astype("<i4").tofile(work / f"column.{k}.i32")
        columns.append({"name": str(column), "values": [str(v) for v in values]})
    files = {p.name: p.stat().st_size for p in sorted(work.iterdir())}
    header = {
        "format": STORE_FORMAT,
        "version": STORE_VERSION,
        "alphabet": records.alphabet.name,
        "n_sequences": len(ids),
        "n_letters": int(records.offsets[-1]),
        "source": src.name,
        "source_bytes": src.stat().st_size,
        "source_sha256": _sha256(src),
        "columns": columns,
        "files": files,
    }
    (work / HEADER).write_text(to_json(header))
    return header


def store_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The store's header, checked: format, version, the files and their sizes.

    Raises
    ------
    DataError
        One line naming the store for a header that is not JSON or not a store's, another
        version, or a missing file or one of the wrong size (truncated or replaced).
    """
    folder = Path(path)
    name = os.fspath(path)
    again = _again(name, None)
    try:
        header = json.loads((folder / HEADER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise fail(
            name, f"{HEADER} is not readable JSON ({err}); expected a store. {again}"
        ) from None
    except RecursionError:  # brackets nested past Python's recursion limit
        raise fail(
            name, f"{HEADER} is not readable JSON (nested too deeply); expected a store. {again}"
        ) from None
    if not isinstance(header, dict) or header.get("format") != STORE_FORMAT:
        raise fail(name, f"{HEADER} is not a biodl sequence store's header. {again}")
    again = _again(name, header.get("source"))
    version = header.get("version")
    if version != STORE_VERSION:
        raise fail(
            name,
            f"store version {version!r}; this biodl reads version {STORE_VERSION}. {again}",
        )
    n, letters = _counts(header, name, again)
    expected = {"codes.u8": letters, "offsets.i64": 8 * (n + 1), "lines.i64": 8 * n}
    for k, _ in enumerate(header["columns"]):
        expected[f"column.{k}.i32"] = 4 * n
    written = header.get("files")
    ids_bytes = written.get("ids.txt") if isinstance(written, dict) else None
    expected["ids.txt"] = ids_bytes if type(ids_bytes) is int else -1  # -1: any size
    for file, size in expected.items():
        target = folder / file
        found = target.stat().st_size if target.is_file() else None
        if found is None or (size >= 0 and found != size):
            what = "is missing" if found is None else f"has {found:,} bytes, expected {size:,}"
            raise fail(name, f"{file} {what} (truncated or damaged store). {again}")
    return header


def _counts(header: dict[str, Any], name: str, again: str) -> tuple[int, int]:
    """The header's record and letter counts, its alphabet and columns checked."""
    n, letters = header.get("n_sequences"), header.get("n_letters")
    columns = header.get("columns")
    problem = None
    if type(n) is not int or type(letters) is not int or n < 1 or letters < n:
        problem = "n_sequences and n_letters (counts, n_letters >= n_sequences >= 1)"
    elif not isinstance(header.get("alphabet"), str) or header["alphabet"] not in ALPHABETS:
        problem = f"alphabet (one of {', '.join(ALPHABETS)})"
    elif not isinstance(columns, list) or not all(_is_column(c) for c in columns):
        problem = "columns (a list of {name, values} with text values)"
    if problem is not None:
        raise fail(name, f"{HEADER} lacks or garbles {problem}; expected a store. {again}")
    assert isinstance(n, int) and isinstance(letters, int)
    return n, letters


def _is_column(column: object) -> bool:
    """Whether ``column`` is a header column: a text name and a list of distinct text values."""
    if not isinstance(column, dict) or not isinstance(column.get("name"), str):
        return False
    values = column.get("values")
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def open_store(
    path: str | os.PathLike[str], wanted: Alphabet | None = None
) -> tuple[FastaRecords, pd.DataFrame | None]:
    """The records of a store, with its ``key=value`` header table (None when it has none).

    ``codes`` is a read-only :class:`numpy.memmap` of ``codes.u8``; ids, header lines and
    header columns are read into memory. The offsets and codes are checked (increasing from 0
    to the number of letters; every code in the alphabet) block by block without mapping.

    Raises
    ------
    DataError
        As :func:`store_header`; offsets or codes that do not fit (a damaged store); a store
        converted with another alphabet than ``wanted``.
    """
    folder = Path(path)
    name = os.fspath(path)
    header = store_header(folder)
    again = _again(name, header.get("source"))
    alphabet = ALPHABETS[header["alphabet"]]
    if wanted is not None and wanted.name != alphabet.name:
        raise fail(
            name,
            f"the store holds {alphabet.name} codes; expected {wanted.name}. Convert the "
            f"FASTA file with --alphabet {wanted.name}, or train with --alphabet "
            f"{alphabet.name}.",
        )
    n, letters = int(header["n_sequences"]), int(header["n_letters"])
    offsets = np.fromfile(folder / "offsets.i64", dtype="<i8").astype(np.int64, copy=False)
    if offsets[0] != 0 or offsets[-1] != letters or not (np.diff(offsets) > 0).all():
        raise fail(name, f"offsets.i64 is damaged (not increasing to the letters). {again}")
    _check_codes(folder / "codes.u8", alphabet, name, again)
    ids = (folder / "ids.txt").read_bytes().decode("utf-8", errors="replace").split("\n")
    if len(ids) != n:
        raise fail(name, f"ids.txt has {len(ids):,} ids, expected {n:,}. {again}")
    lines = np.fromfile(folder / "lines.i64", dtype="<i8").astype(np.int64, copy=False)
    table = None
    if header["columns"]:
        data = {}
        for k, column in enumerate(header["columns"]):
            codes = np.fromfile(folder / f"column.{k}.i32", dtype="<i4")
            values = np.array([*column["values"], ""], dtype=object)
            if len(codes) and (codes.min() < -1 or codes.max() >= len(values) - 1):
                raise fail(name, f"column.{k}.i32 is damaged (values out of range). {again}")
            data[column["name"]] = values[codes]
        table = pd.DataFrame(data, dtype=object).astype(str)
    codes = np.memmap(folder / "codes.u8", dtype=np.uint8, mode="r", shape=(letters,))
    records = FastaRecords(ids, None, lines, codes, offsets, alphabet)
    return records, table


def _again(name: str, source: object) -> str:
    """How to fix a damaged store: convert its source again (named when the header says)."""
    what = source if isinstance(source, str) and source else "SOURCE.fa"
    return f"Convert the FASTA file again: biodl convert {what} {name} --overwrite."


def _check_codes(path: Path, alphabet: Alphabet, name: str, again: str) -> None:
    """Every code between 1 and the alphabet's largest, read in blocks (never mapped)."""
    largest = alphabet.n_codes - 1
    with open(path, "rb") as handle:
        while block := handle.read(_CHECK_BLOCK):
            codes = np.frombuffer(block, dtype=np.uint8)
            if codes.min() < 1 or codes.max() > largest:
                raise fail(name, f"codes.u8 is damaged (codes outside {alphabet.name}). {again}")


# --------------------------------------------------------------------------- mapped codes


def is_mapped(codes: np.ndarray) -> bool:
    """Whether ``codes`` are read from a file (a store's, or a part :func:`spill` wrote)."""
    return isinstance(codes, np.memmap) and getattr(codes, "_mmap", None) is not None


def release_pages(codes: np.ndarray) -> None:
    """Drop this process's resident pages of the file ``codes`` are mapped from.

    Pages of a mapped file that were read count in the process's resident size until the
    kernel needs the memory back; a pass over a large store would so look as large as the
    store. Called between blocks of a pass (subsets, batches), it keeps the resident size to
    the block being read; the data stay in the page cache and on disk. No-op for arrays in
    memory and where ``madvise`` is not available.
    """
    handle = getattr(codes, "_mmap", None) if isinstance(codes, np.memmap) else None
    advise = getattr(handle, "madvise", None)
    if advise is not None and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):  # a closed map, or not supported
            advise(mmap.MADV_DONTNEED)


def spill(
    codes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    gather: Any,
    block: int = _CHECK_BLOCK,
) -> np.ndarray:
    """The runs ``codes[starts[i]:+lengths[i]]`` packed into an unnamed temporary file, mapped.

    For a subset of mapped codes: the packed copy is written block by block (about ``block``
    letters, gathered by ``gather(src, src_starts, lengths, dst, dst_starts)``) into a file in
    the temporary folder (``TMPDIR``), deleted when the returned array is, and the pages read
    from ``codes`` are released after each block, so memory does not grow with the subset.
    """
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.uint8)
    ends = np.cumsum(lengths)
    cuts = np.searchsorted(ends, np.arange(block, total, block)) + 1
    bounds = np.unique(np.concatenate(([0], np.minimum(cuts, len(lengths)), [len(lengths)])))
    with tempfile.TemporaryFile(prefix="biodl-part-") as handle:
        for r0, r1 in itertools.pairwise(bounds):
            run = lengths[r0:r1]
            out = np.empty(int(run.sum()), dtype=np.uint8)
            gather(codes, starts[r0:r1], run, out, np.cumsum(run) - run)
            handle.write(out.tobytes())
            release_pages(codes)
        handle.flush()
        return np.memmap(handle, dtype=np.uint8, mode="r", shape=(total,))


def scratch(shape: tuple[int, ...], dtype: Any, fill: Any, block: int = _CHECK_BLOCK) -> np.ndarray:
    """A writable array of ``shape`` in an unnamed temporary file (``TMPDIR``), set to ``fill``.

    For work arrays that grow with a store (the sketches of ``--split similarity``): the file is
    deleted when the returned :class:`numpy.memmap` is, and its pages are filled about
    ``block`` bytes at a time and released (:func:`release_pages`) after each, so the resident
    size stays at one block; callers release the pages again between the blocks they use.
    """
    size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    with tempfile.TemporaryFile(prefix="biodl-work-") as handle:
        if size == 0:
            return np.full(shape, fill, dtype=dtype)
        handle.truncate(size)
        out = np.memmap(handle, dtype=dtype, mode="r+", shape=shape)
    flat = out.reshape(-1)
    step = max(block // np.dtype(dtype).itemsize, 1)
    for start in range(0, len(flat), step):
        flat[start : start + step] = fill
        release_pages(out)
    return out
