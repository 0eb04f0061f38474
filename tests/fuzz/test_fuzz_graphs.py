"""Fuzzed graph readers: SMILES tables, SDF files and TU graph folders (one file damaged)."""

from __future__ import annotations

import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest
from fuzz_inputs import examples, mutated, read_as_user, run_case, write
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("rdkit", reason="the graph kind needs the graphs extra (RDKit)")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "graphs"))
from graph_data import AMINES, OTHERS, planted_graphs, write_smiles, write_tu

TU_FILES = ("A", "graph_indicator", "graph_labels", "node_labels", "edge_labels")


@cache
def smiles_table() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_smiles(Path(folder) / "mols.csv", repeat=2).read_bytes()


@cache
def sdf_file() -> bytes:
    from rdkit import Chem

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mols.sdf"
        with Chem.SDWriter(str(path)) as writer:
            for k, smiles in enumerate((AMINES + OTHERS) * 2):
                mol = Chem.MolFromSmiles(smiles)
                mol.SetProp("_Name", f"m{k}")
                mol.SetProp("label", str(int(smiles in AMINES)))
                writer.write(mol)
        return path.read_bytes()


@cache
def tu_files() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        root = write_tu(Path(folder) / "TOY", *planted_graphs(n=40))
        return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


@examples(20)
@given(data=st.builds(smiles_table).flatmap(mutated))
def test_smiles_csv(data: bytes) -> None:
    run_case(
        lambda tmp: read_as_user(
            "smiles csv", write(tmp / "mols.csv", data), label_columns=["active"]
        )
    )


@examples(25)
@given(data=st.builds(sdf_file).flatmap(mutated))
def test_sdf(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("sdf", write(tmp / "mols.sdf", data)))


@examples(40)
@given(damaged=st.sampled_from(TU_FILES), data=st.data())
def test_tu_folder(damaged: str, data: st.DataObject) -> None:
    name = f"TOY_{damaged}.txt"
    content = data.draw(mutated(tu_files()[name]))

    def body(tmp: Path) -> None:
        folder = tmp / "TOY"
        for file, original in tu_files().items():
            write(folder / file, content if file == name else original)
        read_as_user("tu folder", folder)

    run_case(body)
