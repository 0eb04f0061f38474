"""Motif database files: MEME minimal text format (read and write) and JASPAR count matrices.

:func:`read_motifs` reads either, telling them apart by their first line: ``MEME version`` for
MEME, ``>`` for JASPAR. Anything else is a one-line :class:`~biodl.errors.DataError` naming the
file and line. Nothing is downloaded: the JASPAR CORE file is read where the user put it, or,
for the word ``jaspar`` in place of a path (:data:`JASPAR_KEYWORD`), JASPAR 2024 CORE
vertebrates is read from the database that the ``jaspar`` extra installs
(:func:`jaspar_core_vertebrates`; pyJASPAR ships JASPAR's SQLite files in its wheel).

MEME minimal format (https://meme-suite.org/meme/doc/meme-format.html): a ``MEME version``
line, optional ``ALPHABET=`` (or an ``ALPHABET ... END ALPHABET`` block), ``strands:`` and
``Background letter frequencies``, then per motif ``MOTIF id [name]``, a
``letter-probability matrix: alength= A w= W nsites= N E= e`` line, ``W`` rows of ``A``
probabilities and an optional ``URL`` line.

JASPAR format: ``>ID name`` then one row of counts per letter (``A [ 3 0 12 ]`` or bare
numbers, in ACGT order).

Examples
--------
>>> import tempfile, pathlib, numpy as np
>>> from biodl.interpret.motifs import Motif
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.meme"
>>> _ = write_meme([Motif("m1", np.eye(4)[[0, 2, 2]], name="AGG")], path)
>>> [(m.id, m.name, m.consensus()) for m in read_motifs(path)]
[('m1', 'AGG', 'AGG')]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from biodl._io import atomic_write_text
from biodl.data.alphabet import ALPHABETS
from biodl.errors import ConfigError, DataError, where
from biodl.interpret.motifs import DNA, Motif, motif_from_counts

__all__ = [
    "JASPAR_KEYWORD",
    "JASPAR_RELEASE",
    "database_label",
    "jaspar_core_vertebrates",
    "read_jaspar",
    "read_meme",
    "read_motifs",
    "write_meme",
]

#: ``--motifs jaspar`` (where no file of that name exists): JASPAR CORE vertebrates from the
#: ``jaspar`` extra.
JASPAR_KEYWORD = "jaspar"
#: The release read for :data:`JASPAR_KEYWORD`: the one ``../shared/data/motifs`` holds as a
#: MEME file (879 non-redundant matrices: the latest version of each).
JASPAR_RELEASE = "JASPAR2024"

#: Rows may miss summing to 1 by this much (rounded files); they are renormalised.
ROW_TOLERANCE = 0.05

_MATRIX = re.compile(r"^letter-probability matrix:(.*)$", re.IGNORECASE)
_KEY_VALUE = re.compile(r"(\w+)\s*=\s*(\S+)")


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where(path, line=1)}: not a text file ({exc.reason}); expected a MEME or JASPAR "
            "motif file"
        ) from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the motif file ({exc.strerror})") from None


def _numbers(text: str, path: Path, line: int, what: str) -> list[float]:
    try:
        return [float(t) for t in text.split()]
    except ValueError:
        raise DataError(
            f"{where(path, line=line)}: expected {what}, found {text.strip()[:60]!r}"
        ) from None


def jaspar_core_vertebrates(release: str = JASPAR_RELEASE) -> list[Motif]:
    """JASPAR CORE vertebrates, the latest version of each matrix, from the ``jaspar`` extra.

    Read offline from the SQLite database that pyJASPAR installs (``pip install
    'biodl[jaspar]'``); probabilities are counts over column totals with no pseudocount, as
    :func:`read_jaspar` and JASPAR's own MEME export, so they equal those of the MEME file of
    the same release.

    Raises
    ------
    ConfigError
        The extra is not installed (one line naming the install command).
    """
    try:
        from pyjaspar import jaspardb
    except ImportError:
        raise ConfigError(
            f"--motifs {JASPAR_KEYWORD}: JASPAR CORE vertebrates come with the jaspar extra "
            "(pip install 'biodl[jaspar]'); or give a MEME or JASPAR motif file"
        ) from None
    found = jaspardb(release=release).fetch_motifs(collection="CORE", tax_group=["vertebrates"])
    return [
        motif_from_counts(
            np.array([[m.counts[letter][i] for letter in DNA] for i in range(m.length)]),
            m.matrix_id,
            name=m.name,
        )
        for m in found
    ]


def database_label(path: str | os.PathLike[str]) -> str:
    """How a report names the motif database ``path`` (a file's name, or the JASPAR release).

    >>> database_label("/data/motifs.meme"), database_label("jaspar")
    ('motifs.meme', 'JASPAR 2024 CORE vertebrates (the jaspar extra)')
    """
    if str(path) == JASPAR_KEYWORD and not Path(path).exists():
        return f"JASPAR {JASPAR_RELEASE.removeprefix('JASPAR')} CORE vertebrates (the jaspar extra)"
    return Path(path).name


def read_motifs(path: str | os.PathLike[str]) -> list[Motif]:
    """Read a MEME or JASPAR motif file (detected from its first non-blank line).

    Parameters
    ----------
    path : str or PathLike
        A file, or :data:`JASPAR_KEYWORD` (where no such file exists) for
        :func:`jaspar_core_vertebrates`.

    Returns
    -------
    list of Motif
        In file order.

    Raises
    ------
    DataError
        The file is neither format, or is malformed: the message names the file and line.
    """
    file = Path(path)
    if str(path) == JASPAR_KEYWORD and not file.exists():
        return jaspar_core_vertebrates()
    lines = _lines(file)
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("MEME version"):
            return _parse_meme(lines, file)
        if stripped.startswith(">"):
            return _parse_jaspar(lines, file)
        raise DataError(
            f"{where(file, line=number)}: not a MEME or JASPAR motif file: expected "
            f"'MEME version 4' or '>ID name', found {stripped[:60]!r}"
        )
    raise DataError(f"{file}: the motif file is empty; expected a MEME or JASPAR motif file")


def read_meme(path: str | os.PathLike[str]) -> list[Motif]:
    """Read a MEME minimal-format motif file; see the module docstring for the format."""
    file = Path(path)
    return _parse_meme(_lines(file), file)


def read_jaspar(path: str | os.PathLike[str]) -> list[Motif]:
    """Read a JASPAR count-matrix file (``>ID name`` then A, C, G, T rows of counts).

    Probabilities are counts over column totals with no pseudocount, as JASPAR's own MEME
    export; ``nsites`` is the largest column total.
    """
    file = Path(path)
    return _parse_jaspar(_lines(file), file)


def _alphabet_block(lines: list[str], start: int, path: Path) -> tuple[str, int]:
    """Core letters of an ``ALPHABET ... END ALPHABET`` block and the index after it."""
    letters = ""
    for i in range(start + 1, len(lines)):
        text = lines[i].strip()
        if text.upper().startswith("END ALPHABET"):
            if not letters:
                break
            return letters, i + 1
        token = text.split()[0] if text else ""
        if len(token) == 1 and "=" not in text:
            letters += token.upper()
    raise DataError(f"{where(path, line=start + 1)}: ALPHABET block without core letters or END")


def _parse_meme(lines: list[str], path: Path) -> list[Motif]:
    alphabet: str | None = None  # DNA, or protein for alength= 20, when the file names none
    motifs: list[Motif] = []
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if text.startswith("ALPHABET="):
            alphabet = text.split("=", 1)[1].strip().upper()
        elif text.startswith("ALPHABET"):
            alphabet, i = _alphabet_block(lines, i, path)
            continue
        elif text.startswith("MOTIF"):
            motif, i = _meme_motif(lines, i, path, alphabet)
            motifs.append(motif)
            continue
        i += 1
    if not motifs:
        raise DataError(f"{path}: MEME file without any MOTIF block")
    return motifs


def _meme_motif(
    lines: list[str], start: int, path: Path, alphabet: str | None
) -> tuple[Motif, int]:
    parts = lines[start].split()
    if len(parts) < 2:
        raise DataError(f"{where(path, line=start + 1)}: MOTIF line without an identifier")
    motif_id, name = parts[1], " ".join(parts[2:])
    i = start + 1
    while i < len(lines) and not _MATRIX.match(lines[i].strip()):
        if lines[i].strip().startswith("MOTIF"):
            break
        i += 1
    if i >= len(lines) or not _MATRIX.match(lines[i].strip()):
        raise DataError(
            f"{where(path, line=start + 1)}: MOTIF {motif_id} has no 'letter-probability "
            "matrix:' line"
        )
    header = dict(_KEY_VALUE.findall(_MATRIX.match(lines[i].strip()).group(1)))  # type: ignore[union-attr]
    if alphabet is None:
        protein = header.get("alength") in ("20", "20.0")
        alphabet = ALPHABETS["protein"].letters if protein else DNA
    size = len(alphabet)
    if "alength" in header and int(float(header["alength"])) != size:
        raise DataError(
            f"{where(path, line=i + 1)}: alength= {header['alength']} but the alphabet "
            f"{alphabet} has {size} letters"
        )
    width = int(float(header["w"])) if "w" in header else None
    rows: list[list[float]] = []
    i += 1
    while i < len(lines) and (width is None or len(rows) < width):
        text = lines[i].strip()
        if not text:
            if rows and width is None:
                break
            i += 1
            continue
        if text.startswith(("URL", "MOTIF")):  # ends a matrix (early when w= is given)
            break
        row = _numbers(text, path, i + 1, f"{size} probabilities")
        if len(row) != size:
            raise DataError(
                f"{where(path, line=i + 1)}: MOTIF {motif_id} row has {len(row)} values, "
                f"expected {size} (alphabet {alphabet})"
            )
        if abs(sum(row) - 1.0) > ROW_TOLERANCE or min(row) < 0:
            raise DataError(
                f"{where(path, line=i + 1)}: MOTIF {motif_id} row sums to {sum(row):.3f}, "
                "expected letter probabilities summing to 1"
            )
        rows.append(row)
        i += 1
    if not rows or (width is not None and len(rows) != width):
        raise DataError(
            f"{where(path, line=min(i, len(lines)))}: MOTIF {motif_id} has {len(rows)} rows, "
            f"expected w= {width}"
        )
    url = ""
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].strip().startswith("URL"):
        url = lines[i].strip()[3:].strip()
        i += 1
    probs = np.asarray(rows, dtype=float)
    probs /= probs.sum(axis=1, keepdims=True)
    nsites = float(header["nsites"]) if "nsites" in header else None
    motif = Motif(motif_id, probs, alphabet=alphabet, name=name, nsites=nsites, url=url)
    return motif, i


def _jaspar_blocks(lines: list[str]) -> Iterator[tuple[int, str, list[tuple[int, str]]]]:
    """(header line number, header text, [(line number, row text)]) per ``>`` block."""
    header: tuple[int, str] | None = None
    rows: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith(">"):
            if header is not None:
                yield header[0], header[1], rows
            header, rows = (number, stripped[1:].strip()), []
        elif header is not None:
            rows.append((number, stripped))
    if header is not None:
        yield header[0], header[1], rows


_JASPAR_ROW = re.compile(r"^([A-Za-z])?\s*\[?([^\[\]]*)\]?$")


def _parse_jaspar(lines: list[str], path: Path) -> list[Motif]:
    motifs = []
    for number, header, rows in _jaspar_blocks(lines):
        parts = header.split(None, 1)
        if not parts:
            raise DataError(f"{where(path, line=number)}: '>' header without a motif identifier")
        motif_id, name = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        if len(rows) != len(DNA):
            line = rows[-1][0] if rows else number
            raise DataError(
                f"{where(path, line=line)}: JASPAR motif {motif_id} has {len(rows)} rows of "
                "counts, expected 4 (A, C, G, T)"
            )
        counts = []
        for (row_line, text), letter in zip(rows, DNA, strict=True):
            match = _JASPAR_ROW.match(text)
            if match is None or (match.group(1) and match.group(1).upper() != letter):
                raise DataError(
                    f"{where(path, line=row_line)}: JASPAR motif {motif_id}: expected the "
                    f"{letter} row ('{letter} [ counts ]'), found {text[:60]!r}"
                )
            counts.append(_numbers(match.group(2), path, row_line, "numbers (letter counts)"))
        widths = {len(c) for c in counts}
        if len(widths) != 1 or 0 in widths:
            raise DataError(
                f"{where(path, line=number)}: JASPAR motif {motif_id} rows have "
                f"{sorted(widths)} values; all four rows need the same width"
            )
        matrix = np.asarray(counts, dtype=float).T
        if (matrix < 0).any() or (matrix.sum(axis=1) <= 0).any():
            raise DataError(
                f"{where(path, line=number)}: JASPAR motif {motif_id} has negative counts or an "
                "empty column"
            )
        motifs.append(motif_from_counts(matrix, motif_id, name=name))
    return motifs


def meme_text(motifs: Sequence[Motif], *, background: np.ndarray | None = None) -> str:
    """The MEME minimal-format text of ``motifs`` (all must share one alphabet)."""
    if not motifs:
        raise DataError("no motifs to write")
    alphabet = motifs[0].alphabet
    if any(m.alphabet != alphabet for m in motifs):
        raise DataError("motifs of different alphabets cannot share one MEME file")
    size = len(alphabet)
    bg = np.full(size, 1 / size) if background is None else np.asarray(background, float)
    strands = "+ -" if alphabet in ("ACGT", "ACGU") else "+"
    out = [
        "MEME version 4",
        "",
        f"ALPHABET= {alphabet}",
        "",
        f"strands: {strands}",
        "",
        "Background letter frequencies",
        " ".join(f"{c} {p:.6f}" for c, p in zip(alphabet, bg, strict=True)),
        "",
    ]
    for m in motifs:
        if any(ch.isspace() for ch in m.id) or not m.id:
            raise DataError(f"motif id {m.id!r} must be non-empty without spaces")
        nsites = round(m.nsites) if m.nsites is not None else 20
        out.append(f"MOTIF {m.id} {m.name}".rstrip())
        out.append(f"letter-probability matrix: alength= {size} w= {m.width} nsites= {nsites} E= 0")
        out += [" ".join(f"{p:.6f}" for p in row) for row in m.probabilities]
        if m.url:
            out.append(f"URL {m.url}")
        out.append("")
    return "\n".join(out)


def write_meme(
    motifs: Sequence[Motif], path: str | os.PathLike[str], *, background: np.ndarray | None = None
) -> Path:
    """Write ``motifs`` as a MEME minimal-format file, atomically.

    Parameters
    ----------
    motifs : sequence of Motif
        One alphabet; ids without spaces (MEME's rule).
    path : str or PathLike
    background : (A,) array, optional
        Written as the background letter frequencies; uniform by default.

    Returns
    -------
    Path
    """
    target = Path(path)
    atomic_write_text(target, meme_text(motifs, background=background))
    return target
