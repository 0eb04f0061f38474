"""Small graph datasets written to disk for the graph tests (TU folders, SMILES tables)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def planted_graphs(
    n: int = 160, seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
    """Paths of 6-12 nodes with codes 0, 1, 2; class 1 exactly when a 1 is next to a 2.

    Both classes hold every code, so only the structure (which codes are neighbours) tells
    them apart.
    """
    rng = np.random.default_rng(seed)
    codes, edges, labels = [], [], []
    for i in range(n):
        y = i % 2
        size = int(rng.integers(6, 13))
        c = rng.integers(0, 3, size=size)
        for k in range(size - 1):  # remove every 1-2 neighbour pair
            if {int(c[k]), int(c[k + 1])} == {1, 2}:
                c[k + 1] = 0
        c[0], c[-1] = 1, 2  # both codes in every graph, far apart
        if y:
            at = int(rng.integers(1, size - 2))
            c[at], c[at + 1] = 1, 2
            if at + 2 < size and c[at + 2] == 1:
                c[at + 2] = 0
        pairs = np.array([(k, k + 1) for k in range(size - 1)])
        edges.append(np.vstack([pairs, pairs[:, ::-1]]))
        codes.append(c)
        labels.append(y)
    return codes, edges, labels


def write_tu(folder: Path, codes, edges, labels, name: str = "TOY") -> Path:
    """Write graphs as a TU folder (nodes and edges numbered from 1 over the whole set)."""
    folder.mkdir(parents=True, exist_ok=True)
    a_lines, indicator, node_labels, edge_labels = [], [], [], []
    first = 1
    for g, (c, e) in enumerate(zip(codes, edges, strict=True), start=1):
        indicator += [str(g)] * len(c)
        node_labels += [str(int(v)) for v in c]
        for s, t in e:
            a_lines.append(f"{s + first}, {t + first}")
            edge_labels.append("0")
        first += len(c)
    (folder / f"{name}_A.txt").write_text("\n".join(a_lines) + "\n")
    (folder / f"{name}_graph_indicator.txt").write_text("\n".join(indicator) + "\n")
    (folder / f"{name}_graph_labels.txt").write_text("\n".join(map(str, labels)) + "\n")
    (folder / f"{name}_node_labels.txt").write_text("\n".join(node_labels) + "\n")
    (folder / f"{name}_edge_labels.txt").write_text("\n".join(edge_labels) + "\n")
    return folder


#: Small molecules with a planted property: class 1 holds a nitrogen (so is the value > 0).
AMINES = ["CCN", "CCCN", "NCCO", "c1ccncc1", "CC(N)C", "NCCN", "CNC", "CCNCC", "c1ccc(N)cc1",
          "NC(=O)C", "CCCCN", "CN(C)C", "NCC(=O)O", "c1cnccn1", "CC#N", "N#CC=C"]  # fmt: skip
OTHERS = ["CCO", "CCCO", "OCCO", "c1ccccc1", "CC(O)C", "CCOCC", "COC", "CCCC", "c1ccc(O)cc1",
          "CC(=O)C", "CCCCO", "CC(C)C", "OCC(=O)O", "c1ccoc1", "CC=C", "C1CCCCC1"]  # fmt: skip


def write_smiles(path: Path, *, repeat: int = 5, extra: str = "") -> Path:
    """A CSV of SMILES with a class column and a score column (both follow the nitrogen)."""
    rows = ["id,smiles,active,score"]
    for r in range(repeat):
        for k, s in enumerate(AMINES):
            rows.append(f"a{r}_{k},{s},1,{1.0 + 0.1 * k}")
        for k, s in enumerate(OTHERS):
            rows.append(f"o{r}_{k},{s},0,{-1.0 - 0.1 * k}")
    path.write_text("\n".join(rows) + "\n" + extra)
    return path


#: Scaffolds with one attachment point {X}; the nitro group or a decoy goes there.
NITRO_TEMPLATES = ["{X}c1ccccc1", "Cc1ccc({X})cc1", "CC({X})CC", "{X}CCCO", "OCC({X})C",
                   "CC(C#N)C{X}", "c1ccc({X})nc1", "CCN(C)C{X}", "{X}C1CCCCC1",
                   "CC(=O)Nc1ccc({X})cc1", "COc1cc({X})ccc1", "CCCCC{X}", "Oc1ccc({X})c(C)c1",
                   "CC(C)(C){X}", "c1ccc2cc({X})ccc2c1", "NCC{X}"]  # fmt: skip
#: Groups of N and O atoms that are not nitro groups (also prefixed to some scaffolds).
NITRO_DECOYS = ["C(=O)O", "N", "O", "C(#N)", "CO", "C(C)C", "C(=O)N", "OC", "N(C)C"]
NITRO = "[N+]([O-])(=O)"


def nitro_smiles(n: int = 240, seed: int = 0) -> list[tuple[str, str, int]]:
    """(id, SMILES, label) of distinct small molecules; label 1 exactly when the molecule holds
    a nitro group. Negatives carry other N/O groups at the same places, so only the nitro
    group tells the classes apart."""
    from rdkit import Chem

    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    while len(rows) < n:
        template = NITRO_TEMPLATES[rng.integers(len(NITRO_TEMPLATES))]
        y = len(rows) % 2
        group = NITRO if y else NITRO_DECOYS[rng.integers(len(NITRO_DECOYS))]
        smiles = template.format(X=group)
        if rng.random() < 0.6 and not template.startswith("{X}"):
            smiles = (
                NITRO_DECOYS[rng.integers(len(NITRO_DECOYS))]
                + "C" * int(rng.integers(1, 3))
                + smiles
            )
        canonical = Chem.MolToSmiles(Chem.MolFromSmiles(smiles))
        if canonical not in seen:
            seen.add(canonical)
            rows.append((f"m{len(rows)}", smiles, y))
    return rows


def write_nitro(path: Path, n: int = 240, seed: int = 0) -> Path:
    """:func:`nitro_smiles` as a CSV (id, smiles, nitro)."""
    lines = ["id,smiles,nitro"] + [f"{i},{s},{y}" for i, s, y in nitro_smiles(n, seed)]
    path.write_text("\n".join(lines) + "\n")
    return path
