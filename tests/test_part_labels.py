"""A test (or validation) file's own labels (issue 12, point 3): found beside it as for training
(PhysioNet 2012 as distributed: ``set-c/`` and ``Outcomes-c.txt``), or given with
``--test-labels`` / ``--valid-labels``; refused in one line for kinds whose files hold their
labels, and without the file they label."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.config import DataConfig, RunConfig
from biodl.data.outcomes import find_outcomes
from biodl.errors import ConfigError, DataError
from biodl.kinds import prepare_run_data
from biodl.pipeline.inspect import inspect_data

runner = CliRunner()


def test_find_outcomes_matches_the_folder_to_its_outcomes_file(tmp_path: Path) -> None:
    for name in ("set-a", "set-c", "records"):
        (tmp_path / name).mkdir()
    for name in ("Outcomes-a.txt", "Outcomes-c.txt"):
        (tmp_path / name).write_text("RecordID,death\n")
    assert find_outcomes(tmp_path / "set-a") == tmp_path / "Outcomes-a.txt"
    assert find_outcomes(tmp_path / "set-c") == tmp_path / "Outcomes-c.txt"
    assert find_outcomes(tmp_path / "records") is None  # several, none fits: none is guessed


def test_records_test_folder_takes_the_outcomes_beside_it(
    tmp_path: Path, physionet_layout: Callable[[Path], Path]
) -> None:
    root = physionet_layout(tmp_path)
    data = {"train": str(root / "set-a"), "test": str(root / "set-c")}
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)
    test = prepared.part("test")
    assert len(test) == 60 and all(int(i) >= 200000 for i in test.ids)
    expected = pd.read_csv(root / "Outcomes-c.txt").set_index("RecordID")["In-hospital_death"]
    y = prepared.y["test"]
    assert y is not None
    classes = [int(prepared.targets.classes[k]) for k in y]
    assert classes == [int(expected[int(i)]) for i in test.ids]
    assert any(f"test outcomes read from {root / 'Outcomes-c.txt'}" in w for w in prepared.warnings)
    assert any(f"outcomes read from {root / 'Outcomes-a.txt'}" in w for w in prepared.warnings)


def test_records_test_labels_given_explicitly(
    tmp_path: Path, physionet_layout: Callable[[Path], Path]
) -> None:
    root = physionet_layout(tmp_path)
    elsewhere = tmp_path / "c_outcomes.csv"
    shutil.move(root / "Outcomes-c.txt", elsewhere)
    table = pd.read_csv(elsewhere)
    pd.concat([table, table.iloc[:2].assign(RecordID=[1, 2])]).to_csv(elsewhere, index=False)
    data = {
        "train": str(root / "set-a"),
        "test": str(root / "set-c"),
        "test_labels": str(elsewhere),
    }
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)
    assert len(prepared.part("test")) == 60
    dropped = [w for w in prepared.warnings if "outcome rows" in w]
    assert dropped == [
        f"{elsewhere}: 2 of 62 outcome rows name records not found in {root / 'set-c'} (e.g. "
        "1, 2); those rows were dropped. Check that the outcomes table belongs to these records."
    ]
    # Without --test-labels and nothing beside set-c, set-a's table is used, and it lacks set-c.
    data.pop("test_labels")
    with pytest.raises(DataError, match=r"60 of 60 records in .*set-c have no outcome row"):
        prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)


def test_inspect_records_uses_each_parts_outcomes(
    tmp_path: Path, physionet_layout: Callable[[Path], Path]
) -> None:
    root = physionet_layout(tmp_path)
    result = inspect_data(DataConfig(train=str(root / "set-a"), test=str(root / "set-c")))
    codes = {f.code for f in result.findings}
    assert "missing_outcomes" not in codes and "extra_outcomes" not in codes
    test = next(p for p in result.parts if p.name == "test")
    assert test.n == 60 and test.labels[0].n == 60 and test.labels[0].missing == 0


def fasta(path: Path, ids: list[str], rng: np.random.Generator, labels: bool = False) -> Path:
    lines = []
    for k, i in enumerate(ids):
        header = f">{i}" + (f" label={'ab'[k % 2]}" if labels else "")
        lines.append(f"{header}\n{''.join(rng.choice(list('ACGT'), 30))}\n")
    path.write_text("".join(lines))
    return path


def test_sequence_test_labels_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    train = fasta(tmp_path / "train.fa", [f"t{i}" for i in range(60)], rng, labels=True)
    test = fasta(tmp_path / "test.fa", [f"u{i}" for i in range(20)], rng)
    table = tmp_path / "test_labels.csv"
    rows = [f"u{i},{'ba'[i % 2]}" for i in range(20)] + ["x1,a", "x2,b"]
    table.write_text("id,label\n" + "\n".join(rows) + "\n")
    cfg = RunConfig.from_dict(
        {"data": {"train": str(train), "test": str(test), "test_labels": str(table)}}
    )
    prepared = prepare_run_data(cfg, seed=0)
    y = prepared.y["test"]
    assert y is not None
    assert [prepared.targets.classes[k] for k in y] == ["ba"[i % 2] for i in range(20)]
    assert [w for w in prepared.warnings if "label rows" in w] == [
        f"{table}: 2 of 22 label rows name sequences not found in {test} (e.g. 'x1', 'x2'); "
        "those rows were dropped. Check that the labels table belongs to these sequences."
    ]
    # Without it, the test FASTA has no labels of its own.
    cfg.data.test_labels = None
    with pytest.raises(DataError, match=r"test\.fa: no labels found"):
        prepare_run_data(cfg, seed=0)


def test_a_table_refuses_a_labels_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    train = fasta(tmp_path / "train.fa", [f"t{i}" for i in range(40)], rng, labels=True)
    test = tmp_path / "test.csv"
    pd.DataFrame({"id": ["u1", "u2"], "sequence": ["ACGTACGTAA", "GGCCAATTGG"]}).to_csv(test)
    (tmp_path / "l.csv").write_text("id,label\nu1,a\nu2,b\n")
    cfg = RunConfig.from_dict(
        {"data": {"train": str(train), "test": str(test), "test_labels": str(tmp_path / "l.csv")}}
    )
    pattern = r"test\.csv: a CSV/TSV table holds its labels in its own columns; .*l\.csv"
    with pytest.raises(DataError, match=pattern):
        prepare_run_data(cfg, seed=0)


def expression(path: Path, ids: list[str], rng: np.random.Generator) -> Path:
    table = pd.DataFrame(rng.poisson(8.0, (len(ids), 12)), columns=[f"g{j}" for j in range(12)])
    table.insert(0, "sample", ids)
    table.to_csv(path, index=False)
    return path


def test_expression_valid_and_test_metadata(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    train = expression(tmp_path / "train.csv", [f"s{i}" for i in range(40)], rng)
    valid = expression(tmp_path / "valid.csv", [f"v{i}" for i in range(12)], rng)
    test = expression(tmp_path / "test.csv", [f"s{i}" for i in range(40, 52)], rng)
    cells = ["T", "B"] * 26
    pd.DataFrame({"sample": [f"s{i}" for i in range(52)], "cell": cells}).to_csv(
        tmp_path / "meta.csv", index=False
    )
    own = pd.DataFrame({"sample": [f"v{i}" for i in range(12)], "cell": ["B"] * 6 + ["T"] * 6})
    own.to_csv(tmp_path / "valid_meta.csv", index=False)
    data = {
        "train": str(train),
        "valid": str(valid),
        "test": str(test),
        "labels": str(tmp_path / "meta.csv"),
        "valid_labels": str(tmp_path / "valid_meta.csv"),
        "label_columns": ["cell"],
    }
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)
    classes = prepared.targets.classes
    assert [classes[k] for k in prepared.y["valid"]] == ["B"] * 6 + ["T"] * 6  # type: ignore[union-attr]
    assert [classes[k] for k in prepared.y["test"]] == cells[40:]  # type: ignore[union-attr]
    assert not [w for w in prepared.warnings if "metadata rows" in w]


@pytest.mark.parametrize("kind", ["image", "timeseries"])
def test_kinds_with_labels_in_the_file_refuse_test_labels(tmp_path: Path, kind: str) -> None:
    data = {"train": "x", "test": "y", "kind": kind, "test_labels": "labels.csv"}
    where = "class folder names" if kind == "image" else "first column of UCR text"
    pattern = rf"^--test-labels labels\.csv: [a-z ]+ take their labels from the file: .*{where}"
    with pytest.raises(ConfigError, match=pattern):
        prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)
    result = runner.invoke(
        app, ["inspect", "x", "--kind", kind, "--valid", "y", "--valid-labels", "l"]
    )
    assert result.exit_code == 2 and "drop --valid-labels and put the labels in y" in result.output


def test_test_labels_without_a_test_file_is_refused(tmp_path: Path) -> None:
    data = {"train": "x.fa", "kind": "sequence", "test_labels": "labels.csv"}
    pattern = r"^--test-labels labels\.csv: gives the labels of the --test file, but no --test"
    with pytest.raises(ConfigError, match=pattern):
        prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)


def test_a_test_class_unseen_in_training_names_the_test_labels_table(tmp_path: Path) -> None:
    """nRC's 13-class test file against the 12-class training file: the error named the
    FASTA file, whose headers hold no labels, not the --test-labels table that did."""
    train, test = tmp_path / "train.fa", tmp_path / "test.fa"
    train.write_text("".join(f">t{i}\n{'ACGT' * 5}\n" for i in range(20)))
    test.write_text("".join(f">s{i}\n{'ACGT' * 5}\n" for i in range(6)))
    pd.DataFrame({"id": [f"t{i}" for i in range(20)], "label": ["a", "b"] * 10}).to_csv(
        tmp_path / "train_labels.csv", index=False
    )
    table = tmp_path / "test_labels.csv"
    pd.DataFrame({"id": [f"s{i}" for i in range(6)], "label": ["a", "b", "c"] * 2}).to_csv(
        table, index=False
    )
    data = {
        "train": str(train),
        "labels": str(tmp_path / "train_labels.csv"),
        "test": str(test),
        "test_labels": str(table),
    }
    with pytest.raises(DataError, match=rf"^{table} column 'label': class 'c' \(2 of 6 rows\)"):
        prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)


def test_a_test_class_unseen_in_training_names_the_labels_table_serving_both(
    tmp_path: Path,
) -> None:
    """--labels serving the training and the --test FASTA: the error names that table, not
    the test FASTA, whose headers hold no labels."""
    train, test = tmp_path / "train.fa", tmp_path / "test.fa"
    train.write_text("".join(f">t{i}\n{'ACGT' * 5}\n" for i in range(20)))
    test.write_text("".join(f">s{i}\n{'ACGT' * 5}\n" for i in range(6)))
    table = tmp_path / "labels.csv"
    ids = [f"t{i}" for i in range(20)] + [f"s{i}" for i in range(6)]
    pd.DataFrame({"id": ids, "label": ["a", "b"] * 10 + ["a", "b", "c"] * 2}).to_csv(
        table, index=False
    )
    data = {"train": str(train), "labels": str(table), "test": str(test)}
    with pytest.raises(DataError, match=rf"^{table} column 'label': class 'c' \(2 of 6 rows\)"):
        prepare_run_data(RunConfig.from_dict({"data": data}), seed=0)
