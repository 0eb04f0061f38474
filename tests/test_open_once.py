"""A default ``biodl train`` opens each input file once (issue 12: "read each input file once").

Every opening of a file is counted where Python opens it: the ``open`` audit event
(:func:`sys.addaudithook`), raised by ``open()``, ``io.open``, ``os.open`` and so by pandas,
numpy, gzip and Pillow alike. Kind detection, reading, and the checksums of
``environment.json`` all used to open the training file again; now detection and the checksum
use the bytes the reader reads (:mod:`biodl.data.input_files`). HDF5 opens an ``.h5ad``
without an audit event, so ``h5py.File`` is counted too.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import biodl

QUICK = {"epochs": 1, "n_bootstrap": 10, "seed": 0, "progress": False, "threads": 1}
_RECORDING: list[tuple[Path, Counter[str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _RECORDING:
        return
    path = args[0]
    if isinstance(path, int):
        return
    try:
        name = Path(os.fsdecode(os.fspath(path))).resolve()
    except (TypeError, ValueError, OSError):
        return
    root, counts = _RECORDING[-1]
    if root in name.parents:
        counts[str(name.relative_to(root))] += 1


sys.addaudithook(_audit)  # audit hooks cannot be removed: it counts only inside `opens`


@pytest.fixture
def opens(tmp_path: Path) -> Iterator[Counter[str]]:
    """Times each file under ``tmp_path / 'data'`` is opened, while the test runs."""
    data = tmp_path / "data"
    data.mkdir()
    counts: Counter[str] = Counter()
    _RECORDING.append((data.resolve(), counts))
    try:
        yield counts
    finally:
        _RECORDING.pop()


def _train(tmp_path: Path, train: Path, **options: Any) -> dict[str, Any]:
    run = tmp_path / "run"
    biodl.train(train, out=run, **QUICK, **options)
    return json.loads((run / "environment.json").read_text())["input_sha256"]


def _series(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return rng.normal(size=(n, 24)) + y[:, None], y


def test_a_fasta_file_is_opened_once(tmp_path: Path, opens: Counter[str]) -> None:
    rng = np.random.default_rng(0)
    lines = [
        f">s{i} label={'ab'[i % 2]}\n{''.join(rng.choice(list('ACGT'), 40))}\n" for i in range(80)
    ]
    path = tmp_path / "data" / "seqs.fa"
    path.write_text("".join(lines))
    opens.clear()
    sums = _train(tmp_path, path)
    assert dict(opens) == {"seqs.fa": 1}
    assert list(sums) == [str(path)]


def test_a_gzipped_sequence_table_is_opened_once(tmp_path: Path, opens: Counter[str]) -> None:
    import gzip

    rng = np.random.default_rng(1)
    rows = [f"s{i},{''.join(rng.choice(list('ACGT'), 40))},{'ab'[i % 2]}" for i in range(80)]
    path = tmp_path / "data" / "seqs.csv.gz"
    path.write_bytes(gzip.compress(("id,sequence,label\n" + "\n".join(rows) + "\n").encode()))
    opens.clear()
    _train(tmp_path, path)
    assert dict(opens) == {"seqs.csv.gz": 1}


def test_ucr_series_and_their_test_file_are_opened_once(
    tmp_path: Path, opens: Counter[str]
) -> None:
    for name, seed in (("train.txt", 0), ("test.txt", 1)):
        x, y = _series(60, seed)
        lines = [
            " ".join([str(c)] + [f"{v:.4f}" for v in row]) for row, c in zip(x, y, strict=True)
        ]
        (tmp_path / "data" / name).write_text("\n".join(lines) + "\n")
    opens.clear()
    sums = _train(tmp_path, tmp_path / "data" / "train.txt", test=tmp_path / "data" / "test.txt")
    assert dict(opens) == {"train.txt": 1, "test.txt": 1}
    assert len(sums) == 2


def test_a_series_npz_is_opened_once(tmp_path: Path, opens: Counter[str]) -> None:
    x, y = _series(80, 2)
    np.savez(tmp_path / "data" / "series.npz", X=x[:, None, :], y=y)
    opens.clear()
    _train(tmp_path, tmp_path / "data" / "series.npz")
    assert dict(opens) == {"series.npz": 1}


def test_an_expression_matrix_and_its_metadata_are_opened_once(
    tmp_path: Path, opens: Counter[str]
) -> None:
    rng = np.random.default_rng(3)
    ids = [f"c{i}" for i in range(80)]
    y = np.arange(80) % 2
    counts = rng.poisson(5.0 + 5.0 * y[:, None] * (np.arange(30) < 5), (80, 30))
    table = pd.DataFrame(counts, columns=[f"g{j}" for j in range(30)])
    table.insert(0, "sample", ids)
    table.to_csv(tmp_path / "data" / "counts.csv", index=False)
    meta = pd.DataFrame({"sample": ids, "cell": np.where(y == 1, "T", "B")})
    meta.to_csv(tmp_path / "data" / "meta.csv", index=False)
    opens.clear()
    sums = _train(
        tmp_path,
        tmp_path / "data" / "counts.csv",
        labels=tmp_path / "data" / "meta.csv",
        label_columns=["cell"],
    )
    assert dict(opens) == {"counts.csv": 1, "meta.csv": 1}
    assert len(sums) == 2


def test_icu_records_and_outcomes_are_opened_once(tmp_path: Path, opens: Counter[str]) -> None:
    from biodl.data.synthetic_icu import write_icu_records

    root = write_icu_records(tmp_path / "data", n_records=60, seed=0, signal=3.0)
    opens.clear()
    _train(tmp_path, root / "records", labels=root / "Outcomes.txt")
    assert opens and set(opens.values()) == {1}, {k: v for k, v in opens.items() if v != 1}
    assert opens["Outcomes.txt"] == 1


def test_an_h5ad_is_opened_once(
    tmp_path: Path, opens: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    anndata = pytest.importorskip("anndata")
    h5py = pytest.importorskip("h5py")
    init = h5py.File.__init__

    def counted_init(self: Any, name: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(name, (str, os.PathLike)):  # HDF5 opens the file itself (no audit event)
            path = Path(os.fspath(name)).resolve()
            if path.parent == (tmp_path / "data").resolve():
                opens[path.name] += 1
        init(self, name, *args, **kwargs)

    rng = np.random.default_rng(5)
    y = np.arange(80) % 2
    obs = pd.DataFrame({"cell": np.where(y == 1, "T", "B")}, index=[f"c{i}" for i in range(80)])
    counts = rng.poisson(5.0 + 5.0 * y[:, None] * (np.arange(20) < 5), (80, 20))
    adata = anndata.AnnData(counts.astype(np.float32), obs=obs)
    adata.var_names = [f"g{j}" for j in range(20)]
    adata.write_h5ad(tmp_path / "data" / "cells.h5ad")
    opens.clear()
    monkeypatch.setattr(h5py.File, "__init__", counted_init)
    _train(tmp_path, tmp_path / "data" / "cells.h5ad", label_columns=["cell"])
    assert dict(opens) == {"cells.h5ad": 1}  # HDF5 reads the bytes read once, not the file


def test_an_image_npz_is_opened_once(tmp_path: Path, opens: Counter[str]) -> None:
    rng = np.random.default_rng(4)
    y = np.arange(80) % 2
    images = rng.integers(0, 256, (80, 8, 8), dtype=np.uint8)
    images[y == 1, :4] = 255
    np.savez(
        tmp_path / "data" / "digits.npz",
        train_images=images[:60],
        train_labels=y[:60],
        test_images=images[60:],
        test_labels=y[60:],
    )
    opens.clear()
    _train(tmp_path, tmp_path / "data" / "digits.npz")
    assert dict(opens) == {"digits.npz": 1}
