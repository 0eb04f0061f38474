"""Atom attributions drawn on molecules (RDKit similarity maps) and ranked by atom environment.

A molecule's graph keeps the atom order of RDKit's parse of the SMILES it was read from, while
a :class:`biodl.data.graphs.GraphSet` stores the *canonical* SMILES. :func:`atom_order` finds
which atom of the canonical molecule each graph node is (a match of the element-labelled graph,
kept only where every node's features agree), so the values are drawn on the right atoms.

:func:`draw_atom_attributions` draws each molecule with Gaussians centred on its atoms, red
where an atom raises the explained output and blue where it lowers it (each molecule scaled to
its own largest |value|), in one grid. :func:`environment_table` ranks atom environments (the
atom with its bonded neighbours, as SMILES) by their mean attribution.

Examples
--------
>>> import numpy as np
>>> from biodl.data.molecules import featurise_smiles
>>> graphs, _ = featurise_smiles(["OCC"])  # atoms O, C, C; canonical SMILES 'CCO'
>>> atom_order(graphs.smiles[0], graphs.node_codes, graphs.edges)
[2, 1, 0]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["atom_order", "draw_atom_attributions", "environment_table", "environments"]

#: Colours of the similarity maps: negative, zero, positive (blue, white, red).
COLOURS = ((0.2, 0.35, 0.9), (1.0, 1.0, 1.0), (0.9, 0.15, 0.15))

#: Matches of the element-labelled graph tried before giving up on a symmetric molecule.
MAX_MATCHES = 2000


def _generic(mol: Any, codes: np.ndarray) -> Any:
    """An unsanitised copy of ``mol`` with single bonds, neutral non-aromatic atoms, and atomic
    number 0 where the element code is the 'other' code."""
    from rdkit import Chem

    from biodl.data.molecules import ELEMENTS

    out = Chem.RWMol()
    for atom, code in zip(mol.GetAtoms(), codes[:, 0], strict=True):
        out.AddAtom(Chem.Atom(atom.GetAtomicNum() if code < len(ELEMENTS) else 0))
    for bond in mol.GetBonds():
        out.AddBond(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx(), Chem.BondType.SINGLE)
    return out


def _query(codes: np.ndarray, edges: np.ndarray) -> Any:
    from rdkit import Chem

    from biodl.data.molecules import ELEMENTS

    table = Chem.GetPeriodicTable()
    out = Chem.RWMol()
    for code in codes[:, 0]:
        number = table.GetAtomicNumber(ELEMENTS[code]) if code < len(ELEMENTS) else 0
        out.AddAtom(Chem.Atom(int(number)))
    for s, t in edges:
        if s < t:
            out.AddBond(int(s), int(t), Chem.BondType.SINGLE)
    return out


def atom_order(smiles: str, node_codes: np.ndarray, edges: np.ndarray) -> list[int] | None:
    """For each node of one molecule's graph, its atom in ``Chem.MolFromSmiles(smiles)``.

    Parameters
    ----------
    smiles : str
        The molecule's (canonical) SMILES.
    node_codes : (atoms, fields) int
        The graph's atom codes (:data:`biodl.data.molecules.ATOM_FIELDS`).
    edges : (2 * bonds, 2) int
        The graph's directed edges, node numbers local to the molecule.

    Returns
    -------
    list of int or None
        None when no match keeps every atom's features (not expected for graphs featurised
        from this SMILES).
    """
    from rdkit import Chem

    from biodl.data.molecules import featurise_smiles

    mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() != len(node_codes):
        return None
    own = featurise_smiles([smiles])[0].node_codes
    target = _generic(mol, own)
    query = _query(node_codes, edges)
    for match in target.GetSubstructMatches(query, uniquify=False, maxMatches=MAX_MATCHES):
        order = list(match)
        if np.array_equal(own[order], node_codes):
            return order
    return None


def _tile(mol: Any, weights: list[float], size: tuple[int, int]) -> np.ndarray:
    """One molecule drawn with its atom weights as a similarity map, as an RGB array."""
    import io

    from PIL import Image
    from rdkit.Chem.Draw import SimilarityMaps, rdMolDraw2D

    draw = rdMolDraw2D.MolDraw2DCairo(*size)
    if mol.GetNumAtoms() >= 2 and np.any(np.asarray(weights) != 0):
        SimilarityMaps.GetSimilarityMapFromWeights(
            mol, list(map(float, weights)), draw2d=draw, colorMap=COLOURS, contourLines=6
        )
    else:  # one atom, or nothing attributed: the molecule alone
        draw.DrawMolecule(mol)
    draw.FinishDrawing()
    return np.asarray(Image.open(io.BytesIO(draw.GetDrawingText())).convert("RGB"))


def draw_atom_attributions(
    smiles: list[str],
    values: list[np.ndarray],
    titles: list[str],
    path: Path,
    *,
    per_row: int = 3,
) -> Path:
    """Draw molecules with their atom attributions in one grid PNG.

    Parameters
    ----------
    smiles : list of str
        The molecules.
    values : list of (atoms,) arrays
        Each molecule's atom values, in the atom order of ``Chem.MolFromSmiles(smiles[i])``
        (see :func:`atom_order`).
    titles : list of str
    path : Path
        The PNG written.
    per_row : int, default 3
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rdkit import Chem

    n = len(smiles)
    rows = max(1, -(-n // per_row))
    fig, axes = plt.subplots(rows, per_row, figsize=(4.2 * per_row, 3.9 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for k, (text, weights, title) in enumerate(zip(smiles, values, titles, strict=True)):
        ax = axes.ravel()[k]
        ax.imshow(_tile(Chem.MolFromSmiles(text), list(weights), (360, 320)))
        largest = float(np.max(np.abs(weights))) if len(weights) else 0.0
        ax.set_title(f"{title}\nlargest |atom| {largest:.3g}", fontsize=9)
    fig.suptitle("Atom attributions: red raises the explained output, blue lowers it", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def environments(smiles: str) -> list[str]:
    """Each atom's environment: the atom and its bonded neighbours as a SMILES fragment, in the
    atom order of ``Chem.MolFromSmiles(smiles)``."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    out = []
    for atom in mol.GetAtoms():
        used = [atom.GetIdx(), *(n.GetIdx() for n in atom.GetNeighbors())]
        out.append(Chem.MolFragmentToSmiles(mol, atomsToUse=used, rootedAtAtom=atom.GetIdx()))
    return out


def environment_table(
    labels: list[str], values: np.ndarray, top: np.ndarray, *, min_count: int = 3
) -> pd.DataFrame:
    """Atom environments (or node labels) ranked by their mean attribution.

    Parameters
    ----------
    labels : list of str
        One per atom of every molecule (concatenated).
    values : (atoms,) float
        The atoms' attributions (summed over their features).
    top : (atoms,) bool
        Whether the atom has the largest attribution of its molecule.
    min_count : int, default 3
        Labels seen fewer times are left out (their means are noise).

    Returns
    -------
    DataFrame
        label, atoms, mean_attribution, mean_abs_attribution, top_atom (how often it is its
        molecule's largest), sorted by mean attribution, largest first.
    """
    frame = pd.DataFrame({"label": labels, "value": values, "top": top})
    grouped = frame.groupby("label", sort=False)
    table = pd.DataFrame(
        {
            "atoms": grouped["value"].size(),
            "mean_attribution": grouped["value"].mean(),
            "mean_abs_attribution": grouped["value"].apply(lambda v: float(np.abs(v).mean())),
            "top_atom": grouped["top"].sum().astype(int),
        }
    )
    table = table[table["atoms"] >= min_count]
    table = table.sort_values("mean_attribution", ascending=False, kind="stable")
    return table.reset_index()
