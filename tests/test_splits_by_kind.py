"""Every ``--split`` option on every kind of data: it works as documented, or it is refused with
one line naming the splits the kind supports. Never a silent fallback to another split."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from biodl.config import RunConfig
from biodl.data.prepared import RawData, side_column
from biodl.data.splits import SPLIT_METHODS
from biodl.data.synthetic_icu import write_icu_records
from biodl.errors import ConfigError, DataError, DataWarning
from biodl.kinds import get_kind, prepare_run_data

N = 60
KIND_NAMES = ("sequence", "expression", "timeseries", "records", "image")


def _columns(n: int) -> dict[str, np.ndarray]:
    """Labels, 12 groups of 5 and a predefined split column (40 train, 10 valid, 10 test)."""
    split = np.array(["train"] * 40 + ["valid"] * 10 + ["test"] * 10, dtype=object)
    return {
        "label": np.array(["a", "b"] * (n // 2)),
        "group": np.repeat([f"g{i}" for i in range(n // 5)], 5),
        "part": split[np.random.default_rng(1).permutation(n)],
    }


def _sequence(tmp: Path) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(N)]
    pd.DataFrame({"id": [f"s{i}" for i in range(N)], "sequence": seqs, **_columns(N)}).to_csv(
        tmp / "seqs.csv", index=False
    )
    return {"train": str(tmp / "seqs.csv"), "label_columns": ["label"]}


def _expression(tmp: Path) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    ids = [f"S{i}" for i in range(N)]
    counts = pd.DataFrame(rng.poisson(5.0, (N, 12)), index=pd.Index(ids, name="sample"))
    counts.columns = [f"G{j}" for j in range(12)]
    counts.to_csv(tmp / "counts.csv")
    pd.DataFrame({"sample": ids, **_columns(N)}).to_csv(tmp / "meta.csv", index=False)
    return {
        "train": str(tmp / "counts.csv"),
        "labels": str(tmp / "meta.csv"),
        "label_columns": ["label"],
    }


def _timeseries(tmp: Path) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    values = pd.DataFrame(rng.normal(size=(N, 20)), columns=[f"t{j}" for j in range(20)])
    table = pd.concat([pd.DataFrame({"id": range(N), **_columns(N)}), values], axis=1)
    table.to_csv(tmp / "series.csv", index=False)
    # Other columns of a series CSV are values: the side columns are named to be set aside.
    return {
        "train": str(tmp / "series.csv"),
        "kind": "timeseries",
        "label_columns": ["label"],
        "group_column": "group",
        "split_column": "part",
    }


def _records(tmp: Path) -> dict[str, Any]:
    root = write_icu_records(tmp, n_records=N, seed=0, prevalence=0.5)
    outcomes = pd.read_csv(root / "Outcomes.txt")
    columns = _columns(N)
    outcomes["group"], outcomes["part"] = columns["group"], columns["part"]
    outcomes.to_csv(root / "Outcomes.txt", index=False)
    return {
        "train": str(root / "records"),
        "labels": str(root / "Outcomes.txt"),
        "label_columns": ["In-hospital_death"],
    }


def _image(tmp: Path) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    (tmp / "img").mkdir()
    paths = []
    for i in range(N):
        Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(tmp / f"img/{i}.png")
        paths.append(f"img/{i}.png")
    pd.DataFrame({"path": paths, **_columns(N)}).to_csv(tmp / "images.csv", index=False)
    return {"train": str(tmp / "images.csv"), "label_columns": ["label"]}


WRITERS = {
    "sequence": _sequence,
    "expression": _expression,
    "timeseries": _timeseries,
    "records": _records,
    "image": _image,
}
SIDE = {"group": {"group_column": "group"}, "predefined": {"split_column": "part"}}


@pytest.mark.parametrize("split", SPLIT_METHODS)
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_split_on_every_kind(kind: str, split: str, tmp_path: Path) -> None:
    data = {**WRITERS[kind](tmp_path), "split": split, **SIDE.get(split, {})}
    if kind == "timeseries" and split != "predefined":  # --split-column alone means predefined
        pd.read_csv(data["train"]).drop(columns="part").to_csv(data["train"], index=False)
        del data["split_column"]
    if split == "similarity":
        data["similarity_threshold"] = 0.9
    cfg = RunConfig.from_dict({"data": data})
    if split not in get_kind(kind).splits:
        supported = ", ".join(get_kind(kind).splits)
        with pytest.raises(
            ConfigError,
            match=f"^--split {split}: not available for {kind} data; this kind supports "
            f"{supported}$",
        ):
            prepare_run_data(cfg)
        return
    prepared = prepare_run_data(cfg)
    assert prepared.kind == kind
    parts = {name: list(prepared.parts[name].ids) for name in prepared.present()}
    assert sorted(len(ids) for ids in parts.values()) != [N]  # it was split
    assert sum(len(ids) for ids in parts.values()) == N
    assert not set(parts["train"]) & set(parts.get("test", []))
    columns = _columns(N)
    row = {str(item): i for i, item in enumerate(_ids(kind, prepared, cfg))}
    if split == "group":
        seen = [{columns["group"][row[i]] for i in ids} for ids in parts.values()]
        assert all(not (a & b) for j, a in enumerate(seen) for b in seen[j + 1 :])
        assert split in prepared.split_note and "'group'" in prepared.split_note
    if split == "predefined":
        for name, ids in parts.items():
            assert {columns["part"][row[i]] for i in ids} == {name}
    if split in ("stratified", "random"):
        assert split in prepared.split_note


def _ids(kind: str, prepared: Any, cfg: RunConfig) -> list[str]:
    """Item ids in file order (the order of the written columns)."""
    if kind == "sequence":
        return [f"s{i}" for i in range(N)]
    if kind == "expression":
        return [f"S{i}" for i in range(N)]
    if kind == "timeseries":
        return [str(i) for i in range(N)]
    if kind == "records":
        return [str(i) for i in pd.read_csv(cfg.data.labels)["RecordID"]]
    return [f"img/{i}.png" for i in range(N)]


def test_a_split_column_alone_chooses_the_predefined_split(tmp_path: Path) -> None:
    data = {**_sequence(tmp_path), "split_column": "part"}  # --split left at its default
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}))
    with pytest.warns(DataWarning, match="--split-column part: the parts are that column's"):
        prepared.emit_warnings()
    assert "predefined split read from column 'part'" in prepared.split_note
    sizes = {name: len(prepared.parts[name]) for name in prepared.present()}
    assert sizes == {"train": 40, "valid": 10, "test": 10}


OWN_SPLIT = r"field 'part' names each row's part \(train 40, valid 10, test 10\), but this run"


@pytest.mark.parametrize("kind", ["sequence", "expression"])
def test_a_file_that_carries_its_own_parts_is_said_when_they_go_unused(
    kind: str, tmp_path: Path
) -> None:
    """The file's 'part' column (train / valid / test) with no --split-column: the random split
    stands, and one warning names the column and the option that uses it (newcomer walk: FLIP
    GB1 with SET=train / SET=test pooled and split at random in silence)."""
    data = WRITERS[kind](tmp_path)
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}))
    said = [w for w in prepared.warnings if "names each row's part" in w]
    assert len(said) == 1 and said[0].endswith("pass --split-column part"), said
    assert re.search(OWN_SPLIT, said[0])
    assert "predefined" not in prepared.split_note  # the split itself is not changed
    used = prepare_run_data(RunConfig.from_dict({"data": {**data, "split_column": "part"}}))
    assert not [w for w in used.warnings if "names each row's part" in w]


def test_fasta_header_fields_that_name_parts_are_said(tmp_path: Path) -> None:
    """FLIP's headers: '>Sequence0 TARGET=1.0 SET=train VALIDATION=False'."""
    rng = np.random.default_rng(0)
    parts = ["train"] * 30 + ["test"] * 10
    lines = [
        f">s{i} TARGET={rng.normal():.3f} SET={part} VALIDATION={i % 5 == 0}\n"
        + "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), 30))
        for i, part in enumerate(parts)
    ]
    (tmp_path / "flip.fasta").write_text("\n".join(lines) + "\n")
    data = {"train": str(tmp_path / "flip.fasta")}
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}))
    said = [w for w in prepared.warnings if "names each row's part" in w]
    assert said == [
        f"{tmp_path / 'flip.fasta'}: its field 'SET' names each row's part (train 30, test 10), "
        f"but this run pools every row in a {prepared.split_note}; to use the file's own "
        "parts pass --split-column SET"
    ]
    assert prepared.split_note.startswith("random split of the training file")
    assert list(prepared.targets.label_columns) == ["TARGET"]
    used = prepare_run_data(RunConfig.from_dict({"data": {**data, "split_column": "SET"}}))
    assert len(used.parts["test"]) == 10 and not any("each row's part" in w for w in used.warnings)


@pytest.mark.realdata
@pytest.mark.parametrize(("member", "field"), [("sampled.csv", "set"), ("sampled.fasta", "SET")])
def test_flip_gb1_files_as_distributed_say_their_own_split(
    shared_data: Path, tmp_path: Path, member: str, field: str
) -> None:
    """FLIP GB1 'sampled' from splits.zip as distributed: split at random, one warning names
    the file's own part field (6,988 train / 1,745 test); with --split-column it is used."""
    with zipfile.ZipFile(shared_data / "protein/flip_gb1/splits.zip") as archive:
        archive.extract(f"splits/{member}", tmp_path)
    data = {"train": str(tmp_path / "splits" / member)}
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}))
    said = [w for w in prepared.warnings if "names each row's part" in w]
    assert len(said) == 1, said
    assert f"its field '{field}' names each row's part (train 6,988, test 1,745)" in said[0]
    assert said[0].endswith(f"pass --split-column {field}")
    used = prepare_run_data(RunConfig.from_dict({"data": {**data, "split_column": field}}))
    assert len(used.parts["test"]) == 1745
    assert not [w for w in used.warnings if "names each row's part" in w]


def test_records_keep_each_patient_in_one_part_by_default(tmp_path: Path) -> None:
    """A patient column of the outcomes table makes the default (stratified) split a group split."""
    data = _records(tmp_path)
    outcomes = pd.read_csv(data["labels"])
    outcomes["patient_id"] = np.repeat(np.arange(N // 3), 3)
    outcomes.drop(columns=["group", "part"]).to_csv(data["labels"], index=False)
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}))
    patient = dict(zip(outcomes["RecordID"].astype(str), outcomes["patient_id"], strict=True))
    seen = [{patient[i] for i in prepared.parts[n].ids} for n in prepared.present()]
    assert all(not (a & b) for j, a in enumerate(seen) for b in seen[j + 1 :])
    assert "group split by 'patient_id'" in prepared.split_note


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_reports_test_items_identical_to_training_items(
    kind: str, tmp_path: Path
) -> None:
    """The same file given as --test: every test item is a copy of a training item (leakage)."""
    data = WRITERS[kind](tmp_path)
    if kind == "timeseries":  # a file without side columns, which a --test file cannot have
        table = pd.read_csv(data["train"]).drop(columns=["group", "part"])
        table.to_csv(tmp_path / "plain.csv", index=False)
        data = {"train": str(tmp_path / "plain.csv"), "kind": "timeseries"}
    data["test"], data["valid_size"] = data["train"], 0.0
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}))
    n_test = len(prepared.parts["test"])
    assert prepared.leakage["identical_train_test"] == n_test
    message = next(w for w in prepared.warnings if "leakage" in w)
    assert message.startswith(f"{n_test} of {n_test} test ")
    assert "identical to a training" in message and "e.g." in message


def test_a_missing_side_column_is_named_with_the_columns_there_are() -> None:
    raw = RawData({"train": None}, {"train": None}, side=pd.DataFrame({"a": [1]}), label_source="x")
    with pytest.raises(DataError, match=r"^x: there is no column 'g' \(columns: a\); name one"):
        side_column(raw, "g")
