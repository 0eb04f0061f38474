"""The same seed, data and machine give identical metrics.json numbers, for every kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biodl
from biodl.kinds import available_kinds

#: Small and fast: two epochs of a small model, few bootstrap resamples, the single baseline.
FAST = {"epochs": 2, "n_bootstrap": 20, "baseline": "fast", "seed": 3}


def sequence_data(folder: Path) -> tuple[Path, dict]:
    from biodl.data.demo import write_demo_fasta

    path = write_demo_fasta(folder / "motifs.fa", n=160, length=80, seed=1)
    return path, {"model_params": {"channels": 4, "n_layers": 1}, "model": "cnn"}


def expression_data(folder: Path) -> tuple[Path, dict]:
    rng = np.random.default_rng(0)
    y = np.array(["normal", "tumor"] * 40)
    counts = rng.poisson(np.where(y[:, None] == "tumor", 20.0, 10.0), size=(80, 20))
    ids = [f"S{i:03d}" for i in range(80)]
    path = folder / "counts.csv"
    frame = pd.DataFrame(counts, index=pd.Index(ids, name="sample"))
    frame.columns = [f"G{j}" for j in range(20)]
    frame.to_csv(path)
    meta = folder / "meta.csv"
    pd.DataFrame({"sample": ids, "status": y}).to_csv(meta, index=False)
    return path, {"labels": str(meta), "label_columns": ["status"]}


def timeseries_data(folder: Path) -> tuple[Path, dict]:
    rng = np.random.default_rng(0)
    y = np.arange(80) % 2
    x = rng.normal(size=(80, 40)) + y[:, None]
    path = folder / "series.txt"
    rows = [" ".join([str(lab)] + [f"{v:.4f}" for v in row]) for row, lab in zip(x, y, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path, {"kind": "timeseries", "model_params": {"channels": 8}}


def records_data(folder: Path) -> tuple[Path, dict]:
    from biodl.data.synthetic_icu import write_icu_records

    root = write_icu_records(folder / "icu", n_records=80, seed=0, signal=3.0)
    return root / "records", {"labels": str(root / "Outcomes.txt")}


def image_data(folder: Path) -> tuple[Path, dict]:
    from biodl.data.demo import write_digits_npz

    return write_digits_npz(folder / "digits.npz"), {}


def graph_data(folder: Path) -> tuple[Path, dict]:
    """80 path graphs of 5-9 nodes in a TU folder; class 1 holds a node coded 1."""
    rng = np.random.default_rng(0)
    root = folder / "paths"
    root.mkdir()
    edges, indicator, codes, labels, first = [], [], [], [], 1
    for g in range(1, 81):
        size, y = int(rng.integers(5, 10)), g % 2
        c = rng.choice([0, 2], size=size)
        c[int(rng.integers(0, size))] = 1 if y else 0
        for k in range(size - 1):
            edges += [f"{first + k}, {first + k + 1}", f"{first + k + 1}, {first + k}"]
        indicator += [str(g)] * size
        codes += [str(v) for v in c]
        labels.append(str(y))
        first += size
    for name, lines in [("A", edges), ("graph_indicator", indicator),
                        ("node_labels", codes), ("graph_labels", labels)]:  # fmt: skip
        (root / f"PATHS_{name}.txt").write_text("\n".join(lines) + "\n")
    return root, {}


DATA = {
    "sequence": sequence_data,
    "graph": graph_data,
    "expression": expression_data,
    "timeseries": timeseries_data,
    "records": records_data,
    "image": image_data,
}


def test_every_kind_is_covered():
    assert set(DATA) == set(available_kinds())


@pytest.mark.parametrize("kind", sorted(DATA))
def test_same_seed_same_numbers(kind, tmp_path, cli):
    data, options = DATA[kind](tmp_path)
    for name in ("first", "second"):
        biodl.train(data, out=tmp_path / name, progress=False, **FAST, **options)
    first, second = cli.numbers(tmp_path / "first"), cli.numbers(tmp_path / "second")
    assert first == second
    history = [pd.read_csv(tmp_path / n / "history.csv") for n in ("first", "second")]
    pd.testing.assert_frame_equal(*history)
