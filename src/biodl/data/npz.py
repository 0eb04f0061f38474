"""NumPy ``.npz`` archives read without pickle, any damage turned into one DataError.

The time-series and image readers both take ``.npz`` files (``numpy.savez``). A damaged
archive makes ``numpy.load`` and ``zipfile`` raise many types (``BadZipFile`` for a bad CRC,
``zlib.error`` for broken compressed data, ``NotImplementedError`` for an unknown compression
method, ``ValueError`` for a pickled or malformed array, ``EOFError``, ...), some only when an
array is read; :func:`read_npz` reads every array at once and names the file whatever went
wrong, and :func:`npz_names` answers kind detection without raising.

Examples
--------
>>> import io, tempfile, pathlib
>>> import numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npz"
>>> np.savez(path, X=np.zeros((2, 3)), y=np.array([0, 1]))
>>> sorted(read_npz(path, "x.npz", fix="save it with numpy.savez"))
['X', 'y']
>>> _ = path.write_bytes(path.read_bytes()[:100])
>>> npz_names(path)
[]
"""

from __future__ import annotations

import os

import numpy as np

from biodl.data._files import fail
from biodl.data.input_files import seekable

__all__ = ["npz_names", "read_npz"]


def read_npz(path: str | os.PathLike[str], source: str, *, fix: str) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, by name (loaded without pickle).

    Parameters
    ----------
    path : str or PathLike
    source : str
        The file's name in the message.
    fix : str
        What to do about a file that cannot be read, e.g. 'save it with numpy.savez'.

    Raises
    ------
    DataError
        For a file that is not a readable ``.npz`` of plain arrays (damaged, truncated, or
        holding Python objects, which would need pickle).
    """
    try:
        archive = np.load(seekable(path), allow_pickle=False)
        if not hasattr(archive, "files"):  # a .npy: one array, no names
            raise ValueError("it holds a single array (.npy), not named arrays")
        with archive:
            return {name: archive[name] for name in archive.files}
    except MemoryError:
        raise fail(source, f"an array is larger than the memory; {fix}") from None
    except Exception as err:  # zipfile, zlib and numpy raise many types on a damaged file
        raise fail(source, f"cannot read the .npz archive ({_reason(err)}); {fix}") from None


def npz_names(path: str | os.PathLike[str]) -> list[str]:
    """The names of the arrays in the ``.npz`` at ``path``; [] when it cannot be read."""
    try:
        archive = np.load(seekable(path), allow_pickle=False)
        if not hasattr(archive, "files"):
            return []
        with archive:
            return list(archive.files)
    except Exception:  # detection: an unreadable file is simply not this kind's
        return []


def _reason(err: Exception) -> str:
    text = " ".join(str(err).split()) or "no details"
    return f"{type(err).__name__}: {text[:200]}"
