"""Molecules: RDKit featurisation, SMILES tables and their errors, fingerprints, scaffold and
similarity splits, and the fingerprint baselines through the API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from graph_data import write_smiles
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.Scaffolds import MurckoScaffold
from sklearn.metrics import mean_squared_error

import biodl
from biodl.data.fingerprints import morgan_bits, scaffold_labels, tanimoto_clusters
from biodl.data.molecules import ATOM_FIELDS, BOND_FIELDS, ELEMENTS, featurise_smiles
from biodl.data.smiles import read_smiles_table
from biodl.errors import DataError
from biodl.kinds import detect_kind

FAST = {"n_bootstrap": 20, "progress": False, "threads": 1}


def test_atoms_and_bonds_are_featurised_as_documented() -> None:
    graphs, invalid = featurise_smiles(["C[NH3+]", "c1ccccc1C=O", "F/C=C/F"])
    assert invalid == [] and graphs.node_fields == ATOM_FIELDS
    assert graphs.edge_fields == BOND_FIELDS and graphs.node_codes.dtype == np.int8
    atoms = pd.DataFrame(graphs.node_codes, columns=list(ATOM_FIELDS))
    nitrogen = atoms.iloc[1]
    assert nitrogen["element"] == ELEMENTS.index("N") and nitrogen["charge"] == 3  # +1
    assert nitrogen["hydrogens"] == 3 and nitrogen["hybridisation"] == 3  # sp3
    benzaldehyde = atoms.iloc[2:10]
    assert benzaldehyde["aromatic"].tolist() == [1] * 6 + [0, 0]
    assert benzaldehyde["ring"].tolist() == [1] * 6 + [0, 0]
    bonds = pd.DataFrame(graphs.edge_codes, columns=list(BOND_FIELDS))
    start = graphs.edge_offsets[1]
    assert bonds.iloc[start]["type"] == 3 and bonds.iloc[start]["conjugated"] == 1  # aromatic
    stereo = bonds.iloc[graphs.edge_offsets[2] :]
    assert 3 in stereo["stereo"].tolist()  # E double bond
    assert graphs.n_edges.tolist() == [2, 16, 6]  # two directed edges per bond


def test_unparseable_smiles_name_the_line(tmp_path: Path) -> None:
    path = write_smiles(tmp_path / "m.csv", repeat=1, extra="bad,C1CC,1,0.5\n")
    with pytest.raises(DataError, match=r"m.csv line 34: RDKit cannot parse the SMILES 'C1CC'"):
        read_smiles_table(path, label_columns=["active"])
    table = read_smiles_table(path, label_columns=["active"], skip_invalid=True)
    assert table.skipped == 1 and len(table.graphs) == 32
    assert table.skipped_where == ["line 34: 'C1CC'"]
    assert table.labels is not None and len(table.labels) == 32


def test_columns_are_found_or_named(tmp_path: Path) -> None:
    path = write_smiles(tmp_path / "m.csv", repeat=1)
    with pytest.raises(DataError, match="cannot tell which column holds the labels"):
        read_smiles_table(path)
    table = read_smiles_table(path, label_columns=["active", "score"])
    assert list(table.labels.columns) == ["active", "score"]
    assert table.graphs.ids[0] == "a0_0" and detect_kind(path) == "graph"
    path.write_text(path.read_text().replace("CCN,1,", "CCN,,", 1))
    with pytest.raises(DataError, match=r"m.csv line 2 column 'active': the label is empty"):
        read_smiles_table(path, label_columns=["active"])
    with pytest.raises(DataError, match="no SMILES column"):
        read_smiles_table(path, smiles_column="structure")


def test_fingerprints_scaffolds_and_clusters_match_rdkit() -> None:
    smiles = ["c1ccccc1CCN", "c1ccccc1O", "C1CCNCC1C", "CCCCCC", "c1ccccc1CCO"]
    bits = morgan_bits(smiles).toarray()
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    expected = np.array([generator.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in smiles])
    assert np.array_equal(bits, expected)
    scaffolds = [MurckoScaffold.MurckoScaffoldSmiles(s) for s in smiles]
    labels = scaffold_labels(smiles)
    same = [[a == b for b in scaffolds] for a in scaffolds]
    assert (labels[:, None] == labels[None, :]).tolist() == same
    clusters = tanimoto_clusters(smiles, 0.4)
    fps = [generator.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]
    for i in range(len(smiles)):
        for j in range(len(smiles)):
            if DataStructs.TanimotoSimilarity(fps[i], fps[j]) >= 0.4:
                assert clusters[i] == clusters[j]


def test_scaffold_split_keeps_scaffolds_whole(tmp_path: Path) -> None:
    path = write_smiles(tmp_path / "m.csv")
    from biodl.config import RunConfig
    from biodl.kinds import prepare_run_data

    data = {"train": str(path), "split": "scaffold", "label_columns": ["active"]}
    prepared = prepare_run_data(RunConfig.from_dict({"data": data}))
    seen = {
        name: {MurckoScaffold.MurckoScaffoldSmiles(s) for s in prepared.parts[name].smiles}
        for name in prepared.present()
    }
    assert not seen["train"] & seen["test"] and not seen["train"] & seen["valid"]
    assert "" in seen["train"]  # the largest scaffold (acyclic molecules) stays in training
    assert "scaffold split" in prepared.split_note


def test_regression_with_fingerprint_baselines(tmp_path: Path) -> None:
    path = write_smiles(tmp_path / "m.csv")
    run = tmp_path / "run"
    biodl.train(
        path, out=run, label_columns=["score"], task="regression", split="random", epochs=60,
        lr=0.01, batch_size=16, **FAST,
    )  # fmt: skip
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["kind"] == "graph"
    assert metrics["baseline"]["features"].startswith("Morgan fingerprints (radius 2, 2,048 bits)")
    predictions = pd.read_csv(run / "predictions.csv")
    test = predictions[predictions["split"] == "test"]
    truth = test.filter(like="true").iloc[:, 0].to_numpy()
    predicted = test.filter(like="pred").iloc[:, 0].to_numpy()
    rmse = mean_squared_error(truth, predicted) ** 0.5
    assert metrics["model"]["test"]["rmse"] == pytest.approx(rmse, rel=1e-4)
    assert metrics["model"]["test"]["rmse"] < 0.75 * np.std(truth)  # the nitrogen is learnt
    assert list(run.rglob("worst_molecules_test.png"))  # the grid drawn by RDKit
    assert "Worst-predicted molecules (test)" in (run / "report.html").read_text()
    new = tmp_path / "new.csv"
    new.write_text("smiles\nCCCN\nCCCO\n")  # new SMILES, no labels
    table = biodl.predict(run, new)
    assert len(table) == 2 and table["predicted"].iloc[0] > table["predicted"].iloc[1]


def test_sdf_with_property_fields(tmp_path: Path) -> None:
    from biodl.data.sdf import read_sdf

    path = tmp_path / "m.sdf"
    with Chem.SDWriter(str(path)) as writer:
        for k, smiles in enumerate(["CCO", "c1ccccc1N", "CC(=O)O"]):
            mol = Chem.MolFromSmiles(smiles)
            mol.SetProp("_Name", f"mol{k}")
            mol.SetProp("activity", str(k % 2))
            mol.SetProp("source", "test")
            writer.write(mol)
    table = read_sdf(path)
    assert table.graphs.ids == ["mol0", "mol1", "mol2"] and table.graphs.smiles[1] == "Nc1ccccc1"
    assert table.labels["activity"].tolist() == [0.0, 1.0, 0.0]
    assert list(table.side.columns) == ["source"] and detect_kind(path) == "graph"
    broken = path.read_text().replace("  7  7  0", "  7  9  0", 1)  # aniline: 9 bonds listed
    path.write_text(broken)
    with pytest.raises(DataError, match=r"m.sdf record 2 \(line \d+\): RDKit cannot read"):
        read_sdf(path)
    assert read_sdf(path, skip_invalid=True).skipped == 1


def test_inspect_lists_unreadable_smiles_and_inchikey_twins(tmp_path: Path) -> None:
    # Training stops at the first unreadable SMILES; inspect lists all of them and goes on.
    bad = "bad1,C1CC,1,0.5\nbad2,c1ccn(H)c1,0,0.1\ntwin,Oc1ccccn1,1,0.2\n"
    train = write_smiles(tmp_path / "train.csv", repeat=1, extra=bad)
    test = tmp_path / "test.csv"
    # 2-pyridone is 2-hydroxypyridine's tautomer: other canonical SMILES, one InChIKey.
    test.write_text("id,smiles,active,score\npyridone,O=c1cccc[nH]1,1,0.3\nbenzene,c1ccccc1,0,0\n")
    found = biodl.inspect(train, test=test, label_columns=["active"])
    codes = {f.code: f for f in found.findings}
    unreadable = codes["unreadable_molecules"]
    assert unreadable.severity == "warning"
    assert "train: 2 of 35 molecules cannot be read" in unreadable.message
    assert "line 34: 'C1CC'" in unreadable.message and "line 35: 'c1ccn(H)c1'" in unreadable.message
    twins = codes["inchikey_overlap"]
    assert "1 compounds appear in more than one part" in twins.message
    assert "train:twin Oc1ccccn1 = test:pyridone O=c1cccc[nH]1" in twins.message
    assert "inchikey_duplicates" not in codes
    with pytest.raises(DataError, match=r"train.csv line 34: RDKit cannot parse"):
        biodl.train(train, test=test, label_columns=["active"], epochs=1, **FAST)


def test_files_without_molecules_are_refused(tmp_path: Path) -> None:
    # A header-only table escaped as IndexError, an empty SDF as RDKit's OSError, and inspect
    # failed on zero molecules (found by fuzzing).
    from biodl.data.sdf import read_sdf

    table = tmp_path / "m.csv"
    table.write_text("id,smiles,active\n")
    with pytest.raises(DataError, match=r"m\.csv: no molecules to read \(0 rows, 0 unparseable"):
        read_smiles_table(table)
    table.write_text("id,smiles,active\na,C1CC,1\n")
    with pytest.raises(DataError, match=r"m\.csv: no molecules to read \(1 rows, 1 unparseable"):
        read_smiles_table(table, skip_invalid=True)
    sdf = tmp_path / "m.sdf"
    sdf.write_text("")
    with pytest.raises(DataError, match=r"m\.sdf: cannot read as an SDF file \(.*Invalid input"):
        read_sdf(sdf)
    sdf.write_text("garbage\n$$$$\n")
    with pytest.raises(DataError, match=r"m\.sdf: no molecules to read \(1 records, 1 unread"):
        read_sdf(sdf, skip_invalid=True)
    table.write_text("id,smiles,active\n")
    with pytest.raises(DataError, match=r"m\.csv: no molecules to read"):
        biodl.inspect(table)


def test_sdf_fields_that_are_not_utf8_name_the_record(tmp_path: Path) -> None:
    # RDKit's UnicodeDecodeError escaped (found by fuzzing).
    from biodl.data.sdf import read_sdf

    path = tmp_path / "m.sdf"
    with Chem.SDWriter(str(path)) as writer:
        for k, smiles in enumerate(("CCO", "CCN")):
            mol = Chem.MolFromSmiles(smiles)
            mol.SetProp("_Name", f"m{k}")
            mol.SetProp("label", str(k))
            writer.write(mol)
    path.write_bytes(path.read_bytes().replace(b"m1\n", b"m\x831\n"))
    with pytest.raises(DataError, match=r"m\.sdf record 2 \(line \d+\): its title or a property"):
        read_sdf(path)
