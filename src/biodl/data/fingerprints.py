"""Molecule features for the baselines and the splits: Morgan fingerprints, RDKit descriptors,
Bemis–Murcko scaffolds and Tanimoto clusters (RDKit, from canonical SMILES).

- :func:`morgan_bits`: Morgan (ECFP-like) fingerprints, radius 2, 2,048 bits, as a sparse
  ``(n, 2048)`` 0/1 matrix;
- :func:`descriptors`: the 2D descriptors of :data:`DESCRIPTORS` (weight, logP, TPSA, counts
  of donors, acceptors, rings, ...), ``(n, len(DESCRIPTORS))`` float64 (NaN where RDKit fails);
- :class:`FingerprintFeatures`: both side by side, descriptor gaps filled with training
  medians: the features of the molecule baselines;
- :func:`scaffold_labels`: the Bemis–Murcko scaffold of each molecule as a group label
  (molecules without rings share the empty scaffold);
- :func:`tanimoto_clusters`: single-linkage clusters of molecules whose fingerprints have a
  Tanimoto similarity of at least a threshold, so that whole clusters go to one part and no
  test molecule has a near-copy in training.

Examples
--------
>>> morgan_bits(["CCO", "CCN"]).shape
(2, 2048)
>>> scaffold_labels(["c1ccccc1CC", "c1ccccc1O", "CCO"]).tolist()
[0, 0, 1]
>>> tanimoto_clusters(["CCCCCCCCCCO", "c1ccncc1", "CCCCCCCCCCCO"], 0.5).tolist()
[0, 1, 0]
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from biodl.data.molecules import rdkit_chem

__all__ = [
    "DESCRIPTORS",
    "FINGERPRINT_BITS",
    "FINGERPRINT_RADIUS",
    "FingerprintFeatures",
    "descriptors",
    "morgan_bits",
    "scaffold_labels",
    "tanimoto_clusters",
]

FINGERPRINT_RADIUS = 2
FINGERPRINT_BITS = 2048
#: RDKit 2D descriptors computed for the baselines (cheap ones: about 1 ms per molecule).
DESCRIPTORS = (
    "MolWt",
    "MolLogP",
    "MolMR",
    "TPSA",
    "LabuteASA",
    "NumHDonors",
    "NumHAcceptors",
    "NumRotatableBonds",
    "NumHeteroatoms",
    "HeavyAtomCount",
    "NumValenceElectrons",
    "RingCount",
    "NumAromaticRings",
    "NumAliphaticRings",
    "NumSaturatedRings",
    "FractionCSP3",
    "NHOHCount",
    "NOCount",
    "BalabanJ",
    "BertzCT",
)


def _mols(smiles: Sequence[str]) -> list[Any]:
    chem = rdkit_chem()
    return [chem.MolFromSmiles(s) for s in smiles]


def _generator() -> Any:
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(
        radius=FINGERPRINT_RADIUS, fpSize=FINGERPRINT_BITS
    )


def morgan_bits(smiles: Sequence[str]) -> sp.csr_matrix:
    """``(n, 2048)`` sparse 0/1 Morgan fingerprints (radius 2) of canonical SMILES."""
    generator = _generator()
    rows, columns = [], []
    for i, mol in enumerate(_mols(smiles)):
        on = list(generator.GetFingerprint(mol).GetOnBits()) if mol is not None else []
        rows += [i] * len(on)
        columns += on
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, columns)), shape=(len(smiles), FINGERPRINT_BITS))


def descriptors(smiles: Sequence[str]) -> np.ndarray:
    """``(n, len(DESCRIPTORS))`` RDKit descriptors; NaN where one cannot be computed."""
    from rdkit.Chem import Descriptors

    functions = [getattr(Descriptors, name) for name in DESCRIPTORS]
    out = np.full((len(smiles), len(functions)), np.nan)
    for i, mol in enumerate(_mols(smiles)):
        if mol is None:
            continue
        for j, function in enumerate(functions):
            with contextlib.suppress(ValueError, RuntimeError, ZeroDivisionError):
                out[i, j] = float(function(mol))
    out[~np.isfinite(out)] = np.nan
    return out


@dataclass
class FingerprintFeatures:
    """Baseline features of molecules: Morgan bits and descriptors (gaps: training medians).

    Attributes
    ----------
    fill : (len(DESCRIPTORS),) float64
        Training median of each descriptor.
    description : str
    """

    fill: np.ndarray
    description: str = (
        f"Morgan fingerprints (radius {FINGERPRINT_RADIUS}, {FINGERPRINT_BITS:,} bits) + "
        f"{len(DESCRIPTORS)} RDKit descriptors"
    )

    @classmethod
    def fit(cls, smiles: Sequence[str]) -> FingerprintFeatures:
        """Medians of the descriptors over the training molecules."""
        values = descriptors(smiles)
        fill = np.nan_to_num(np.nanmedian(values, axis=0)) if len(values) else np.zeros(0)
        return cls(fill)

    def __call__(self, part: Any) -> sp.csr_matrix:
        """``(n, 2048 + len(DESCRIPTORS))`` sparse features of ``part.smiles``."""
        values = descriptors(part.smiles)
        values = np.where(np.isnan(values), self.fill, values)
        return sp.hstack([morgan_bits(part.smiles), sp.csr_matrix(values)], format="csr")


def scaffold_labels(smiles: Sequence[str]) -> np.ndarray:
    """``(n,)`` int64: the Bemis–Murcko scaffold of each molecule, numbered by first occurrence."""
    from rdkit.Chem.Scaffolds import MurckoScaffold

    scaffolds = [
        MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False) if mol else ""
        for mol in _mols(smiles)
    ]
    codes, _ = pd.factorize(pd.Series(scaffolds, dtype=object))
    return codes.astype(np.int64)


def tanimoto_clusters(smiles: Sequence[str], threshold: float) -> np.ndarray:
    """``(n,)`` int64 single-linkage clusters: molecules joined when their Morgan fingerprints'
    Tanimoto similarity is at least ``threshold`` (numbered by first occurrence)."""
    from rdkit import DataStructs

    generator = _generator()
    fps = [generator.GetFingerprint(mol) for mol in _mols(smiles)]
    parent = np.arange(len(fps))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for i in range(1, len(fps)):
        similar = np.asarray(DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i]))
        for j in np.flatnonzero(similar >= threshold):
            a, b = root(i), root(int(j))
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = [root(i) for i in range(len(fps))]
    codes, _ = pd.factorize(pd.Series(roots))
    return codes.astype(np.int64)
