"""Molecules from SMILES: RDKit parsing and atom/bond featurisation into a compact GraphSet.

Every atom becomes a node with seven categorical fields and every bond two directed edges with
four (codes from fixed vocabularies, so two files always agree; docs/graphs.md lists them):

- atom: ``element`` (:data:`ELEMENTS`, others share the last code), ``degree`` (0-5, 6+),
  ``charge`` (formal charge -2..+2, others clipped), ``hybridisation`` (s, sp, sp2, sp3,
  sp3d, sp3d2, other), ``aromatic`` (0/1), ``ring`` (0/1), ``hydrogens`` (total attached H,
  0-4+);
- bond: ``type`` (single, double, triple, aromatic, other), ``conjugated`` (0/1), ``ring``
  (0/1), ``stereo`` (none, any, Z, E, cis, trans).

Codes are stored as ``int8`` in concatenated arrays (a molecule of 25 atoms costs about 500
bytes), and the canonical SMILES of each molecule is kept for duplicates, scaffolds and
fingerprints. RDKit is imported when molecules are read; a missing install is named with the
command that adds it.

Examples
--------
>>> graphs, invalid = featurise_smiles(["CCO", "c1ccccc1", "not a smiles"])
>>> graphs.n_nodes.tolist(), graphs.n_edges.tolist(), invalid
([3, 6], [4, 12], [2])
>>> graphs.smiles
['CCO', 'c1ccccc1']
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np

from biodl.data.graphs import GraphSet
from biodl.errors import ConfigError

__all__ = [
    "ATOM_FIELDS",
    "BOND_FIELDS",
    "ELEMENTS",
    "featurise_smiles",
    "rdkit_chem",
]

#: Elements with a code of their own (order = code); any other element gets code len(ELEMENTS).
ELEMENTS = ("C", "N", "O", "S", "F", "Cl", "Br", "I", "P", "B", "Si", "Se", "Na", "K", "H")
ATOM_FIELDS = ("element", "degree", "charge", "hybridisation", "aromatic", "ring", "hydrogens")
BOND_FIELDS = ("type", "conjugated", "ring", "stereo")
#: Values per field (the network's one-hot widths), in the order of the fields.
ATOM_SIZES = (len(ELEMENTS) + 1, 7, 5, 7, 2, 2, 5)
BOND_SIZES = (5, 2, 2, 6)

INSTALL = "pip install 'biodl[graphs]' (or: pip install rdkit)"


def rdkit_chem() -> Any:
    """``rdkit.Chem`` with RDKit's log quietened, or a ConfigError naming the install."""
    try:
        from rdkit import Chem, RDLogger
    except ImportError as error:  # pragma: no cover - the dev install has it
        raise ConfigError(
            f"molecules need RDKit, which is not installed ({error}); install it with: {INSTALL}"
        ) from None
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    return Chem


def _tables(chem: Any) -> tuple[dict[Any, int], dict[Any, int], dict[Any, int]]:
    hybrid = chem.rdchem.HybridizationType
    bond = chem.rdchem.BondType
    stereo = chem.rdchem.BondStereo
    return (
        {hybrid.S: 0, hybrid.SP: 1, hybrid.SP2: 2, hybrid.SP3: 3, hybrid.SP3D: 4, hybrid.SP3D2: 5},
        {bond.SINGLE: 0, bond.DOUBLE: 1, bond.TRIPLE: 2, bond.AROMATIC: 3},
        {
            stereo.STEREONONE: 0,
            stereo.STEREOANY: 1,
            stereo.STEREOZ: 2,
            stereo.STEREOE: 3,
            stereo.STEREOCIS: 4,
            stereo.STEREOTRANS: 5,
        },
    )


def featurise_smiles(
    smiles: Sequence[str], *, ids: Sequence[str] | None = None, source: str = ""
) -> tuple[GraphSet, list[int]]:
    """Parse and featurise molecules; return the graphs of those RDKit parses and the rest.

    Parameters
    ----------
    smiles : sequence of str
    ids : sequence of str, optional
        One per SMILES (default: their positions).
    source : str
        The file, for messages.

    Returns
    -------
    graphs : GraphSet
        The parsed molecules, in input order (fields :data:`ATOM_FIELDS`, :data:`BOND_FIELDS`;
        ``smiles`` canonical).
    invalid : list of int
        Positions of SMILES RDKit could not parse (or that hold no atom).
    """
    chem = rdkit_chem()
    hybrid, bond_type, stereo = _tables(chem)
    element = {symbol: k for k, symbol in enumerate(ELEMENTS)}
    other = len(ELEMENTS)
    # Flat typed arrays, not one tuple per atom: 100,000 molecules stay a few tens of MB.
    atoms = array("b")
    bonds = array("b")
    pairs = array("i")
    n_nodes: list[int] = []
    n_edges: list[int] = []
    kept_ids: list[str] = []
    canonical: list[str] = []
    invalid: list[int] = []
    names = [str(i) for i in range(len(smiles))] if ids is None else list(ids)
    for i, text in enumerate(smiles):
        mol = chem.MolFromSmiles(text) if text else None
        if mol is None or mol.GetNumAtoms() == 0:
            invalid.append(i)
            continue
        for atom in mol.GetAtoms():
            atoms.extend(
                (
                    element.get(atom.GetSymbol(), other),
                    min(atom.GetDegree(), 6),
                    min(max(atom.GetFormalCharge(), -2), 2) + 2,
                    hybrid.get(atom.GetHybridization(), 6),
                    int(atom.GetIsAromatic()),
                    int(atom.IsInRing()),
                    min(atom.GetTotalNumHs(), 4),
                )
            )
        for bond in mol.GetBonds():
            code = (
                bond_type.get(bond.GetBondType(), 4),
                int(bond.GetIsConjugated()),
                int(bond.IsInRing()),
                stereo.get(bond.GetStereo(), 0),
            )
            s, t = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
            pairs.extend((s, t, t, s))
            bonds.extend(code + code)
        n_nodes.append(mol.GetNumAtoms())
        n_edges.append(2 * mol.GetNumBonds())
        kept_ids.append(names[i])
        canonical.append(chem.MolToSmiles(mol))
    counts = np.array(n_nodes, dtype=np.int64)
    edge_counts = np.array(n_edges, dtype=np.int64)
    return (
        GraphSet(
            ids=kept_ids,
            node_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            edge_offsets=np.concatenate([[0], np.cumsum(edge_counts)]).astype(np.int64),
            node_codes=np.frombuffer(atoms, dtype=np.int8).reshape(-1, len(ATOM_FIELDS)).copy(),
            node_values=np.zeros((int(counts.sum()), 0), dtype=np.float32),
            edges=np.frombuffer(pairs, dtype=np.int32).reshape(-1, 2).copy(),
            edge_codes=np.frombuffer(bonds, dtype=np.int8).reshape(-1, len(BOND_FIELDS)).copy(),
            edge_values=np.zeros((int(edge_counts.sum()), 0), dtype=np.float32),
            node_fields=ATOM_FIELDS,
            edge_fields=BOND_FIELDS,
            source=source,
            smiles=canonical,
        ),
        invalid,
    )
