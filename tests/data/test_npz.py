"""Damaged ``.npz`` archives: one DataError naming the file, and detection that never raises.

Fuzzing found a bad CRC (``zipfile.BadZipFile``) escaping the time-series reader, and any
unreadable ``.npz`` escaping image detection (``biodl train damaged.npz``), as tracebacks.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from biodl.data.images import is_image_npz, read_image_npz
from biodl.data.npz import npz_names, read_npz
from biodl.data.timeseries import read_timeseries
from biodl.errors import DataError
from biodl.kinds import detect_kind


def _bad_crc(path: Path) -> Path:
    """A valid archive whose first array has one byte changed (so its CRC-32 fails)."""
    buffer = io.BytesIO()
    np.savez(buffer, X=np.arange(24.0).reshape(2, 3, 4), y=np.array([0, 1]))
    data = bytearray(buffer.getvalue())
    data[data.find(b"\x93NUMPY") + 136] ^= 0xFF  # inside X's values, past its 128-byte header
    path.write_bytes(bytes(data))
    return path


def test_a_bad_crc_is_a_data_error(tmp_path: Path) -> None:
    path = _bad_crc(tmp_path / "series.npz")
    with pytest.raises(zipfile.BadZipFile):  # what numpy raises, only when the array is read
        dict(np.load(path))
    with pytest.raises(DataError, match=r"series\.npz: cannot read the \.npz archive \(BadZip"):
        read_timeseries(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04 truncated", r"BadZipFile|EOFError|ValueError"),
        (b"", r"EOFError|ValueError"),
        (None, r"ValueError: it holds a single array \(\.npy\)"),
    ],
)
def test_unreadable_archives_name_the_file(tmp_path: Path, content: bytes | None, reason: str):
    path = tmp_path / "d.npz"
    if content is None:
        np.save(tmp_path / "d.npy", np.zeros(3))
        (tmp_path / "d.npy").rename(path)
    else:
        path.write_bytes(content)
    with pytest.raises(DataError, match=rf"d\.npz: cannot read the \.npz archive \(({reason})"):
        read_npz(path, "d.npz", fix="save it with numpy.savez")
    with pytest.raises(DataError, match=r"d\.npz: cannot read the \.npz archive"):
        read_image_npz(path)
    assert npz_names(path) == [] and not is_image_npz(path)


def test_pickled_arrays_are_refused_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "objects.npz"
    np.savez(path, X=np.array([{"a": 1}, None], dtype=object), y=np.array([0, 1]))
    with pytest.raises(DataError, match=r"objects\.npz: cannot read .*pickle"):
        read_timeseries(path)


def test_detection_of_a_damaged_npz_does_not_raise(tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert detect_kind(path) == "sequence"  # no kind takes it; reading then names the file
    assert npz_names(_bad_crc(tmp_path / "ok_names.npz")) == ["X", "y"]
