"""Atom attributions of molecule runs, node attributions of TU runs (``biodl explain``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from graph_data import nitro_smiles, write_nitro

import biodl
from biodl.data.molecules import featurise_smiles
from biodl.errors import DataError
from biodl.report.molecule_attributions import atom_order, environments

FAST = {"n_bootstrap": 20, "progress": False, "threads": 1}


def _nitro_hits(node: np.ndarray, offsets: np.ndarray, rows: list, pick: object) -> float:
    """Share of positives whose picked atom is in a nitro group (atoms numbered as RDKit
    parses the SMILES of the file)."""
    from rdkit import Chem

    pattern = Chem.MolFromSmarts("[N+](=O)[O-]")
    hits = []
    for i, (_, smiles, y) in enumerate(rows):
        if y:
            group = {a for m in Chem.MolFromSmiles(smiles).GetSubstructMatches(pattern) for a in m}
            hits.append(pick(node[offsets[i] : offsets[i + 1]]) in group)  # type: ignore[operator]
    return float(np.mean(hits))


@pytest.fixture(scope="module")
def nitro_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The default network (D-MPNN) trained with --explain on 240 molecules labelled by a planted
    nitro group."""
    folder = tmp_path_factory.mktemp("nitro")
    table = write_nitro(folder / "nitro.csv")
    biodl.train(
        table, out=folder / "run", label_columns=["nitro"], epochs=20, lr=0.01, explain=True,
        **FAST,
    )  # fmt: skip
    return table, folder / "run"


def test_atom_attributions_point_at_the_planted_nitro_group(
    nitro_run: tuple[Path, Path], tmp_path: Path
) -> None:
    table, run = nitro_run
    result = biodl.explain(run, table, out=tmp_path / "ex", show_examples=6)
    arrays = np.load(tmp_path / "ex" / "attributions.npz")
    rows = nitro_smiles()
    node, offsets = arrays["node_attributions"], arrays["node_offsets"]
    atoms = sum(featurise_smiles([s])[0].node_codes.shape[0] for _, s, _ in rows)
    assert offsets.shape == (len(rows) + 1,) and node.shape == (atoms,) == (offsets[-1],)
    assert arrays["attributions"].shape == arrays["inputs"].shape == (atoms, 44)
    np.testing.assert_allclose(arrays["attributions"].sum(axis=1), node, rtol=1e-4, atol=1e-4)
    # the atom with the largest attribution of a positive is one of its nitro group's atoms
    top = _nitro_hits(node, offsets, rows, lambda v: int(np.argmax(v)))
    rng = np.random.default_rng(0)
    chance = _nitro_hits(node, offsets, rows, lambda v: int(rng.integers(len(v))))
    assert top >= 0.9 and chance < 0.5  # random atoms: about 3 atoms in 12
    # integrated gradients add up to the output's change from the all-zero input
    assert np.median(np.abs(arrays["delta"])) < 0.05 * np.median(np.abs(arrays["outputs"]))
    assert (tmp_path / "ex" / "plots" / "atoms.png").stat().st_size > 10_000
    assert result.section is not None
    environment = result.section.tables[0]
    assert environment.heading == "Most important atom environments"
    assert "N+" in environment.rows[0][0]  # the nitro nitrogen ranks first
    summary = result.section.summary
    positive = summary["id"].isin([i for i, _, y in rows if y]).to_numpy()
    assert (summary["peak_index"].to_numpy() < np.diff(offsets)).all()
    assert summary.loc[positive, "output"].min() > summary.loc[~positive, "output"].max() - 5
    html = (tmp_path / "ex" / "report.html").read_text()
    assert "Atom attributions" in html and "Most important atom environments" in html


def test_train_explain_draws_the_atoms_of_the_test_part(nitro_run: tuple[Path, Path]) -> None:
    _, run = nitro_run
    assert (run / "plots" / "atoms.png").is_file()
    arrays = np.load(run / "explain" / "attributions.npz")
    assert len(arrays["node_offsets"]) == len(arrays["ids"]) + 1
    assert "Atom attributions" in (run / "report.html").read_text()


def test_atom_order_follows_the_file_not_the_canonical_smiles() -> None:
    graphs, _ = featurise_smiles(["OCC", "[O-][N+](=O)c1ccc(Cl)cc1", "CC(=O)O"])
    for g in range(len(graphs)):
        lo, hi = graphs.node_offsets[g], graphs.node_offsets[g + 1]
        e_lo, e_hi = graphs.edge_offsets[g], graphs.edge_offsets[g + 1]
        order = atom_order(graphs.smiles[g], graphs.node_codes[lo:hi], graphs.edges[e_lo:e_hi])
        assert order is not None and sorted(order) == list(range(hi - lo))
        again, _ = featurise_smiles([graphs.smiles[g]])
        np.testing.assert_array_equal(again.node_codes[order], graphs.node_codes[lo:hi])
    # acetic acid: the two oxygens differ (C=O vs C-OH) and must not be swapped
    lo, hi = graphs.node_offsets[2], graphs.node_offsets[3]
    order = atom_order(graphs.smiles[2], graphs.node_codes[lo:hi], graphs.edges[-6:])
    assert order is not None
    assert [environments(graphs.smiles[2])[a] for a in order][2] == "O=C"
    assert atom_order("CCN", graphs.node_codes[:3], graphs.edges[:4]) is None  # N is not O


def test_tu_graphs_get_node_attributions_and_a_label_table(tu_folder: Path, tmp_path: Path) -> None:
    biodl.train(tu_folder, out=tmp_path / "run", epochs=2, **FAST)
    result = biodl.explain(tmp_path / "run", tu_folder, out=tmp_path / "ex")
    arrays = np.load(tmp_path / "ex" / "attributions.npz")
    assert arrays["node_offsets"][-1] == len(arrays["node_attributions"]) > 160 * 6
    assert not (tmp_path / "ex" / "plots" / "atoms.png").exists()  # no chemistry to draw
    assert result.section is not None
    assert result.section.tables[0].heading == "Most important node labels"
    assert {row[0] for row in result.section.tables[0].rows} == {"label 0", "label 1", "label 2"}


def test_bad_input_to_a_molecule_explanation(nitro_run: tuple[Path, Path], tmp_path: Path) -> None:
    _, run = nitro_run
    bad = tmp_path / "bad.csv"
    bad.write_text("id,smiles\na,CCO\nb,C1CC\n")
    with pytest.raises(DataError, match=r"bad\.csv line 3: RDKit cannot parse the SMILES 'C1CC'"):
        biodl.explain(run, bad, out=tmp_path / "ex")
    good = tmp_path / "good.csv"
    good.write_text("id,smiles\na,CCO\nb,CC[N+]([O-])=O\n")
    with pytest.raises(DataError, match="in-silico mutagenesis changes sequence letters"):
        biodl.explain(run, good, out=tmp_path / "ex", attribution="ism")
    with pytest.raises(DataError, match="no example with id zz"):
        biodl.explain(run, good, out=tmp_path / "ex", ids=["zz"])
    assert not (tmp_path / "ex").exists()  # nothing half-written
