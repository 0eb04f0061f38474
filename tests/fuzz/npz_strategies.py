"""Strategies for ``.npz`` archives: drawn array names, shapes, dtypes and values, or the bytes
of a valid archive mutated (the time-series and image readers both read ``.npz``)."""

from __future__ import annotations

import io

import numpy as np
from fuzz_inputs import BINARY_MUTATIONS, mutated
from hypothesis import strategies as st

DTYPES = ("float32", "float64", "int64", "uint8", "bool", "<U3", "complex64", "float16")
SPECIAL = (np.nan, np.inf, -np.inf, 0.0, 1e30, -1.0, 255.0, 256.0)


def npz_bytes(arrays: dict[str, np.ndarray], *, compressed: bool = False) -> bytes:
    """The bytes of ``numpy.savez`` (or ``savez_compressed``) of ``arrays``."""
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


@st.composite
def odd_array(draw: st.DrawFn, n: int) -> np.ndarray:
    """An array of ``n`` rows (or another count) of a drawn shape, dtype and values."""
    rows = draw(st.sampled_from([n, n, 0, 1, n - 1]))
    tail = draw(st.lists(st.integers(0, 9), min_size=0, max_size=3))
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    shape = (rows, *tail)
    if dtype.startswith("<U"):
        return rng.choice(["a", "b", "", "1"], size=shape).astype(dtype)
    values = rng.normal(size=shape) * 100
    if values.size and draw(st.booleans()):
        flat = values.reshape(-1)
        flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from(SPECIAL))
    with np.errstate(invalid="ignore", over="ignore"):
        return values.astype(dtype)


@st.composite
def npz_archive(draw: st.DrawFn, valid: dict[str, np.ndarray], names: tuple[str, ...]) -> bytes:
    """``valid`` with arrays replaced, dropped or added (names from ``names``), saved; or the
    bytes of ``valid`` saved and mutated."""
    arrays = dict(valid)
    n = len(next(iter(valid.values())))
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            name = draw(st.sampled_from(names))
            if draw(st.integers(0, 3)) == 0:
                arrays.pop(name, None)
            else:
                arrays[name] = draw(odd_array(n))
        return npz_bytes(arrays, compressed=draw(st.booleans()))
    data = npz_bytes(arrays, compressed=draw(st.booleans()))
    return draw(mutated(data, operations=BINARY_MUTATIONS, most=2))
