"""Public files as distributed (issue 12, point 3): repeated FASTA ids renamed with a warning
where labels do not come from an id-keyed table; outcome and metadata rows naming records or
samples that do not exist dropped with a warning. The warnings reach the run and inspect."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.config import DataConfig, RunConfig
from biodl.data.synthetic_icu import write_icu_records
from biodl.errors import DataError, DataWarning
from biodl.kinds import prepare_run_data
from biodl.pipeline.inspect import inspect_data

runner = CliRunner()


def class_folder(root: Path, rng: np.random.Generator, n: int = 60) -> Path:
    """A folder with one FASTA per class; each file repeats one of its ids once."""
    folder = root / "classes"
    folder.mkdir()
    for name in ("enhancer", "other"):
        records = [f">{name[0]}{i}\n{''.join(rng.choice(list('ACGT'), 40))}\n" for i in range(n)]
        records.append(f">{name[0]}3\n{''.join(rng.choice(list('ACGT'), 40))}\n")
        (folder / f"{name}.fa").write_text("".join(records))
    return folder


def test_repeated_ids_reach_the_run_warnings(tmp_path: Path) -> None:
    folder = class_folder(tmp_path, np.random.default_rng(0))
    cfg = RunConfig.from_dict({"data": {"train": str(folder)}})
    pattern = (
        r"classes: 2 ids repeat an earlier id \(e\.g\. 'e3' at \S*enhancer\.fa line 7 and "
        r"\S*enhancer\.fa line 121, renamed 'e3#2', 'o3' at \S*other\.fa line 7 and "
        r"\S*other\.fa line 121, renamed 'o3#2'\)"
    )
    with pytest.warns(DataWarning, match=pattern):
        prepared = prepare_run_data(cfg, seed=0)
    notes = [w for w in prepared.warnings if "ids repeat" in w]
    assert len(notes) == 1 and "Check for duplicated records" in notes[0]
    ids = np.concatenate([prepared.parts[n].ids for n in prepared.present()])
    assert len(set(ids)) == len(ids) == 122 and {"e3#2", "o3#2"} <= set(ids)


def test_inspect_reports_renamed_ids_and_does_not_exit(tmp_path: Path) -> None:
    folder = class_folder(tmp_path, np.random.default_rng(1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        result = inspect_data(DataConfig(train=str(folder)))
    found = [f for f in result.findings if f.code == "renamed_ids"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].message.startswith("train: ") and "2 ids repeat" in found[0].message
    cli = runner.invoke(app, ["inspect", str(folder)])
    assert cli.exit_code == 0, cli.output
    assert "ids repeat an earlier id" in cli.output


def test_repeated_ids_with_an_id_keyed_labels_table_are_refused(tmp_path: Path) -> None:
    fasta = tmp_path / "x.fa"
    fasta.write_text(">a\nACGTACGT\n>b\nGGCCGGCC\n>a\nTTAATTAA\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\na,x\nb,y\n")
    cfg = RunConfig.from_dict({"data": {"train": str(fasta), "labels": str(labels)}})
    with pytest.raises(DataError, match=r"x\.fa: id 'a' occurs twice \(lines 1 and 5\)"):
        prepare_run_data(cfg, seed=0)


def test_outcome_rows_without_records_are_dropped_with_a_run_warning(tmp_path: Path) -> None:
    root = write_icu_records(tmp_path / "icu", n_records=40, seed=1)
    outcomes = root / "Outcomes.txt"
    outcomes.write_text(outcomes.read_text() + "999991,3.0,2,0\n999992,4.0,5,1\n")
    cfg = RunConfig.from_dict({"data": {"train": str(root / "records")}})
    prepared = prepare_run_data(cfg, seed=0)
    notes = [w for w in prepared.warnings if "outcome rows" in w]
    assert notes == [
        f"{outcomes}: 2 of 42 outcome rows name records not found in {root / 'records'} (e.g. "
        "999991, 999992); those rows were dropped. Check that the outcomes table belongs to "
        "these records."
    ]
    assert sum(len(prepared.parts[n]) for n in prepared.present()) == 40
    # A record without an outcome row is still refused: its label is unknown.
    (root / "records" / "100000.txt").rename(root / "records" / "123456.txt")
    with pytest.raises(DataError, match=r"1 of 40 records in .*records have no outcome row"):
        prepare_run_data(cfg, seed=0)


def expression_files(folder: Path, extra_rows: list[str]) -> tuple[Path, Path]:
    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.poisson(10.0, size=(40, 12)), columns=[f"g{j}" for j in range(12)])
    table.insert(0, "sample", [f"s{i}" for i in range(40)])
    table.to_csv(folder / "expr.csv", index=False)
    samples = [*table["sample"], *extra_rows]
    meta = pd.DataFrame({"sample": samples, "cell": (["T", "B"] * 30)[: len(samples)]})
    meta.to_csv(folder / "meta.csv", index=False)
    return folder / "expr.csv", folder / "meta.csv"


def test_metadata_rows_without_samples_are_dropped_with_a_run_warning(tmp_path: Path) -> None:
    expr, meta = expression_files(tmp_path, ["x1", "x2", "x3", "x4"])
    cfg = RunConfig.from_dict(
        {"data": {"train": str(expr), "labels": str(meta), "label_columns": ["cell"]}}
    )
    prepared = prepare_run_data(cfg, seed=0)
    notes = [w for w in prepared.warnings if "metadata rows" in w]
    assert notes == [
        f"{meta}: 4 of 44 metadata rows name samples not found in {expr} (e.g. 'x1', 'x2', "
        "'x3', ...); those rows were dropped. Check that the metadata belongs to this matrix."
    ]
    assert sum(len(prepared.parts[n]) for n in prepared.present()) == 40
    # A sample without a metadata row is still refused: its label is unknown.
    pd.read_csv(meta).iloc[1:].to_csv(meta, index=False)
    with pytest.raises(DataError, match=r"1 of 40 samples of .*expr\.csv have no metadata row"):
        prepare_run_data(cfg, seed=0)
