"""Many strings (image paths, ids) packed in one numpy byte buffer, without a Python object each.

A lazily read image folder keeps one path per image for the whole run. Held as a ``list`` of
``str`` that costs about 100 bytes per file in the parent process, and every data loader
worker that indexes the list touches (increments the reference count of) each string it reads,
so copy-on-write gradually copies the pages holding all of them into every worker. A
:class:`PackedStrings` holds the same strings as UTF-8 bytes in one ``uint8`` array plus an
``int64`` array of offsets (about 8 bytes plus the characters per string, relative to a shared
prefix such as the folder's root); item ``i`` is decoded only when it is asked for, and reading
it writes nothing to the shared arrays, so the workers' copies of those pages stay shared.

Examples
--------
>>> paths = PackedStrings.from_strings(["data/a/1.png", "data/b/22.png"], prefix="data/")
>>> paths[1], len(paths), paths.take(np.array([1, 1, 0])).tolist()
('data/b/22.png', 2, ['data/b/22.png', 'data/b/22.png', 'data/a/1.png'])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np

__all__ = ["PackedStrings"]

_CODEC = ("utf-8", "surrogateescape")  # file names that are not valid UTF-8 round-trip


class PackedStrings(Sequence[str]):
    """An immutable sequence of ``str`` stored as ``prefix`` + one byte buffer with offsets.

    Parameters
    ----------
    data : ndarray (total_bytes,) uint8
        The UTF-8 bytes of every string (without ``prefix``), one after the other.
    offsets : ndarray (n + 1,) int64
        String ``i`` is ``prefix + data[offsets[i]:offsets[i + 1]]``; ``offsets[0] == 0``.
    prefix : str, default ""
        Text shared by every string (e.g. the folder the relative paths are under).

    Notes
    -----
    Compares equal to any sequence of the same strings (a ``list``, a ``tuple`` or another
    :class:`PackedStrings`), so ``ids == [...]`` reads as it did with lists.
    """

    __slots__ = ("data", "offsets", "prefix")
    __hash__ = None  # type: ignore[assignment]  # equal to lists, which are unhashable

    def __init__(self, data: np.ndarray, offsets: np.ndarray, prefix: str = "") -> None:
        self.data = np.ascontiguousarray(data, dtype=np.uint8)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        self.prefix = prefix
        if self.offsets.ndim != 1 or len(self.offsets) < 1 or self.offsets[0] != 0:
            raise ValueError("offsets must be 1-D, start at 0 and have one entry more than n")
        if self.offsets[-1] != len(self.data) or (np.diff(self.offsets) < 0).any():
            raise ValueError("offsets must be non-decreasing and end at len(data)")

    @classmethod
    def from_strings(cls, strings: Iterable[str], *, prefix: str = "") -> PackedStrings:
        """Pack ``strings``; each must start with ``prefix``, which is stored once.

        Raises
        ------
        ValueError
            When a string does not start with ``prefix``.
        """
        cut = len(prefix)
        chunks: list[bytes] = []
        for text in strings:
            if not text.startswith(prefix):
                raise ValueError(f"'{text}' does not start with the prefix '{prefix}'")
            chunks.append(text[cut:].encode(*_CODEC))
        lengths = np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks))
        offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.frombuffer(b"".join(chunks), dtype=np.uint8).copy()
        return cls(data, offsets, prefix)

    @classmethod
    def concat(cls, parts: Sequence[PackedStrings], *, prefix: str = "") -> PackedStrings:
        """One sequence of the strings of ``parts`` in order; all must share ``prefix``.

        Raises
        ------
        ValueError
            When a part has another prefix.
        """
        if any(p.prefix != prefix for p in parts):
            raise ValueError(f"every part must have the prefix '{prefix}'")
        data = np.concatenate([p.data for p in parts]) if parts else np.zeros(0, np.uint8)
        starts = np.cumsum([0] + [len(p.data) for p in parts])
        offsets = [np.zeros(1, np.int64)] + [
            p.offsets[1:] + start for p, start in zip(parts, starts, strict=False)
        ]
        return cls(data, np.concatenate(offsets), prefix)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> PackedStrings: ...

    def __getitem__(self, i: Any) -> str | PackedStrings:
        """String ``i`` (negative counts from the end), or the strings of a slice."""
        if isinstance(i, slice):
            return self.take(np.arange(len(self))[i])
        n = len(self)
        k = int(i)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError(f"index {i} is out of range for {n} strings")
        start, stop = self.offsets[k], self.offsets[k + 1]
        return self.prefix + self.data[start:stop].tobytes().decode(*_CODEC)

    def __iter__(self) -> Iterator[str]:
        for k in range(len(self)):
            yield self[k]

    def take(self, index: np.ndarray) -> PackedStrings:
        """The strings at ``index`` (an int array; repeats allowed), in that order."""
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        starts = self.offsets[:-1][index]
        lengths = self.offsets[1:][index] - starts
        offsets = np.zeros(len(index) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # byte j of new string r comes from starts[r] + (j - offsets[r])
        source = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        return PackedStrings(self.data[source], offsets, self.prefix)

    def tolist(self) -> list[str]:
        """The strings as a ``list`` (one Python object each: for small sets or output)."""
        return list(self)

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffer and the offsets."""
        return int(self.data.nbytes + self.offsets.nbytes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedStrings):
            if len(other) != len(self):
                return False
            if other.prefix == self.prefix:
                return bool(
                    np.array_equal(other.offsets, self.offsets)
                    and np.array_equal(other.data, self.data)
                )
        elif not isinstance(other, (list, tuple)):
            return NotImplemented
        return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))

    def __repr__(self) -> str:
        shown = ", ".join(repr(s) for s in self[:3])
        more = f", ... ({len(self)} strings)" if len(self) > 3 else ""
        return f"PackedStrings([{shown}{more}])"
