"""Variables, genes and channels that differ between training and test data (issue 12, point 3).

Present in test data only: ignored with one warning naming them. Absent from test data: filled
as missing with a warning where the kind has missing values (records: a variable unobserved
everywhere, a static all-missing, both marked by the mask), otherwise refused naming them and
the fix (expression genes); images are converted to the training channels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from biodl.cli import app
from biodl.config import RunConfig
from biodl.data.timegrid import fit_grid, grid_batch
from biodl.errors import DataError
from biodl.kinds import prepare_run_data

runner = CliRunner()


def drop_lines(folder: Path, pattern: str) -> None:
    """Remove the lines matching ``pattern`` from every record file of ``folder``."""
    for path in folder.glob("*.txt"):
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(line for line in lines if not re.match(pattern, line)))


@pytest.fixture(scope="module")
def physionet(
    tmp_path_factory: pytest.TempPathFactory, physionet_layout: Callable[[Path], Path]
) -> Path:
    """set-a without ICUType (the training copy of the issue); set-c without Lab13 and Gender."""
    root = physionet_layout(tmp_path_factory.mktemp("records"))
    drop_lines(root / "set-a", r"^\d\d:\d\d,ICUType,")
    drop_lines(root / "set-c", r"^\d\d:\d\d,(Lab13|Gender),")
    return root


def test_a_test_variable_training_lacks_is_ignored_with_one_warning(physionet: Path) -> None:
    data = {"train": str(physionet / "set-a"), "test": str(physionet / "set-c")}
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)
    train, test = prepared.part("train"), prepared.part("test")
    assert "ICUType" not in train.static_names and "ICUType" not in test.variables
    assert set(test.variables) <= set(train.variables)
    ignored = [w for w in prepared.warnings if "ignored" in w]
    assert ignored == [
        f"{physionet / 'set-c'}: 1 variable(s) of the test records never occur in the training "
        f"records {physionet / 'set-a'} (ICUType); they were ignored. Nothing to do if training "
        "had no such measurements; otherwise add training records that hold them."
    ]
    missing = [w for w in prepared.warnings if "filled as missing" in w]
    assert len(missing) == 1 and "2 training variable(s) never occur in the test" in missing[0]
    assert "(Lab13, Gender (static))" in missing[0] and "the observation mask says so" in missing[0]
    # ... and the model's input says so: Lab13 never observed, Gender's missing indicator set.
    spec = fit_grid(train, bin_hours=1.0, window_hours=48.0)
    batch = grid_batch(test, np.arange(len(test)), spec)
    assert batch.mask[:, :, spec.variables.index("Lab13")].sum() == 0
    gender = spec.static_names.index("Gender")
    assert (batch.statics[:, len(spec.static_names) + gender] == 1).all()


def test_physionet_as_distributed_trains_and_predicts(physionet: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    fast = ["--epochs", "2", "--batch-size", "32", "--bootstrap", "20", "--quiet"]
    fast += ["--set", "model.hidden_size=8"]
    args = ["train", physionet / "set-a", "--test", physionet / "set-c", "--out", out, *fast]
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("(ICUType); they were ignored") == 1
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"]["test"]["auroc"] is not None
    predicted = runner.invoke(
        app, ["predict", str(out), str(physionet / "set-c"), "--out", str(tmp_path / "p.csv")]
    )
    assert predicted.exit_code == 0, predicted.output
    assert "of the new records never occur in the training records of the model" in predicted.stderr
    assert len(pd.read_csv(tmp_path / "p.csv")) == 60


def expression(path: Path, genes: list[str], n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(rng.poisson(8.0, (n, len(genes))), columns=genes)
    table.insert(0, "sample", [f"{path.stem}{i}" for i in range(n)])
    table.insert(1, "cell", ["T", "B"] * (n // 2))
    table.to_csv(path, index=False)
    return path


def test_test_genes_training_lacks_are_ignored_and_missing_ones_refused(tmp_path: Path) -> None:
    genes = [f"g{j}" for j in range(12)]
    train = expression(tmp_path / "train.csv", genes, 40, 0)
    test = expression(tmp_path / "test.csv", [*reversed(genes), "x1", "x2", "x3", "x4"], 20, 1)
    data = {"train": str(train), "test": str(test), "label_columns": ["cell"]}
    with pytest.warns(UserWarning):  # the non-numeric 'cell' column read as metadata
        prepared = prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)
    assert prepared.part("test").genes == genes
    assert [w for w in prepared.warnings if "genes are not in" in w] == [
        f"{test}: 4 of 16 genes are not in {train} (e.g. 'x1', 'x2', 'x3', ...); they were "
        "ignored. Nothing to do if the files were measured on different panels; the model uses "
        "the training genes only."
    ]
    expression(tmp_path / "test.csv", genes[2:], 20, 1)
    pattern = (
        r"test\.csv: 2 of the 12 genes of the training data \S*train\.csv are missing \(e\.g\. "
        r"'g0', 'g1'\); expected every training gene .* leave these genes out of the training"
    )
    with pytest.warns(UserWarning), pytest.raises(DataError, match=pattern):
        prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)


def image_folder(root: Path, mode: str, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(n):
            shape = (8, 8) if mode == "L" else (8, 8, 3)
            pixels = rng.integers(0, 256, shape, dtype=np.uint8)
            Image.fromarray(pixels, mode=mode).save(root / label / f"{i}.png")
    return root


def test_test_images_are_converted_to_the_training_channels(tmp_path: Path) -> None:
    train = image_folder(tmp_path / "train", "L", 20, 0)
    test = image_folder(tmp_path / "test", "RGB", 6, 1)
    prepared = prepare_run_data(
        RunConfig.from_dict({"data": {"train": str(train), "test": str(test)}}), seed=0
    )
    part = prepared.part("test")
    assert part.channels == 1 and part.load(np.arange(3)).shape == (3, 1, 8, 8)
