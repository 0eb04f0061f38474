"""The shared datasets of ``realdata.py``: one function per dataset, its protocol and its files.

Each function takes the shared data folder and a work folder (for files derived from the
distributed ones, e.g. one CSV per AntiCP 2.0 dataset) and returns a :class:`Protocol`: the
files and keyword options of ``biodl.train`` / ``biodl.cross_validate`` that follow the
protocol of the dataset's ``SOURCE.txt``, the metrics to report, the published numbers, and a
reader for the independent scikit-learn fits (plain pandas, no biodl). Datasets biodl cannot
read today are :class:`Unsupported` entries with the reason. The graph and molecule datasets
are in ``_realdata_graphs.py``; the dataclasses in ``_realdata_protocol.py``.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from _realdata_classical import DNA, PROTEIN, RNA, Classical, sequence_features
from _realdata_graphs import freesolv, solubility, tu_mutag
from _realdata_protocol import Protocol, Subset, Unsupported
from _realdata_protocol import class_codes as _classes

__all__ = ["DATASETS", "UNSUPPORTED", "Protocol", "Subset", "Unsupported"]

#: Training rows kept for the independent fits on the GB1 deep mutational scan (of 477,854).
GB1_DMS_ROWS = 50_000


def _split_sequences(
    seqs: list[str], y: np.ndarray, task: str, alphabet: str, train: np.ndarray, test: np.ndarray
) -> Classical:
    X, features = sequence_features(seqs, alphabet, train)
    return Classical(X, y, task, features, train=train, test=test)


# --------------------------------------------------------------------------- sequences


def uci_splice(data: Path, work: Path) -> Protocol:
    path = data / "sequences/uci_splice/splice.csv"

    def classical() -> Classical:
        table = pd.read_csv(path, dtype=str).apply(lambda c: c.str.strip())
        X, features = sequence_features(list(table["sequence"]), DNA, np.arange(len(table)))
        return Classical(X, _classes(table["label"]), "classification", features, folds=10)

    return Protocol(
        name="uci_splice",
        group="sequences",
        title="UCI splice junctions (primate, 60 nt)",
        task="multiclass (EI / IE / N)",
        protocol="10-fold stratified CV on all 3,190 (UCI used 10-fold CV on a 1,000 subset)",
        train=str(path),
        options={},
        cv_folds=10,
        metrics=("balanced_accuracy", "accuracy"),
        published="10-fold CV on a 1,000-example subset, error % N / EI / IE: KBANN 4.62 / 7.56 "
        "/ 8.47, BACKPROP 5.29 / 5.74 / 10.75, PEBLS 6.86 / 8.18 / 7.55, ID3 8.84 / 10.58 / "
        "13.99 (UCI splice.names)",
        classical=classical,
    )


def uci_ecoli_promoters(data: Path, work: Path) -> Protocol:
    path = data / "sequences/uci_ecoli_promoters/promoters.data"

    def classical() -> Classical:
        table = pd.read_csv(path, header=None, names=["label", "name", "sequence"], dtype=str)
        seqs = [s.strip().upper() for s in table["sequence"]]
        X, features = sequence_features(seqs, DNA, np.arange(len(seqs)))
        return Classical(X, _classes(table["label"]), "classification", features, folds=10)

    return Protocol(
        name="uci_ecoli_promoters",
        group="sequences",
        title="UCI E. coli promoters (57 nt)",
        task="binary (+ / -)",
        protocol="10-fold stratified CV on all 106 (UCI reports leave-one-out)",
        train=str(path),
        options={},
        cv_folds=10,
        metrics=("auroc", "accuracy"),
        published="leave-one-out errors of 106: KBANN 4 (acc 0.962), BACKPROP 8 (0.925), "
        "O'Neill 12 (0.887), 3-NN 13 (0.877), ID3 19 (0.821) (UCI promoters.names)",
        classical=classical,
    )


def mavenn_mpsa(data: Path, work: Path) -> Protocol:
    path = data / "sequences/mavenn_mpsa/mpsa_data.csv.gz"

    def classical() -> Classical:
        table = pd.read_csv(path)
        seqs, parts = list(table["x"]), table["set"].to_numpy()
        y = table["y"].to_numpy(dtype=np.float64)
        train, test = np.flatnonzero(parts == "training"), np.flatnonzero(parts == "test")
        return _split_sequences(seqs, y, "regression", RNA, train, test)

    return Protocol(
        name="mavenn_mpsa",
        group="sequences",
        title="MPSA 5' splice sites (Wong 2018, MAVE-NN; 9 nt)",
        task="regression (log10 PSI)",
        protocol="MAVE-NN's split: train on 'training', early stopping on 'validation', report "
        "on 'test'",
        train=str(path),
        options={
            "sequence_column": "x",
            "label_columns": ["y"],
            "split": "predefined",
            "split_column": "set",
        },
        metrics=("spearman", "pearson", "r2"),
        published="test I_pred (bits, not comparable with a correlation): additive 0.238, "
        "neighbor 0.345, pairwise 0.362, black-box MLP 0.459 (MAVE-NN tutorial 3); Pearson r "
        "between the two replicates 0.795 (a noise ceiling for r; SOURCE.txt)",
        classical=classical,
    )


def _fasta(path: Path) -> pd.DataFrame:
    """id, label (last header token), sequence of a gzip FASTA with CRLF line ends."""
    rows: list[list[str]] = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line.startswith(">"):
                words = line[1:].split()
                rows.append([words[0], words[-1], ""])
            elif line:
                rows[-1][2] += line.strip().upper()
    return pd.DataFrame(rows, columns=["id", "label", "sequence"])


def nrc_ncrna_families(data: Path, work: Path) -> Protocol:
    folder = data / "sequences/nrc_ncrna_families"
    train_path = folder / "dataset_Rfam_6320_13classes.fasta.gz"
    test_path = folder / "dataset_Rfam_validated_2600_13classes.fasta.gz"
    # biodl reads labels from 'key=value' header pairs or a table; these headers end with the
    # bare class name, so the table is made from them (identical (id, label) rows once).
    train, test = _fasta(train_path), _fasta(test_path)
    labels = work / "nrc_labels.csv"
    pd.concat([train, test])[["id", "label"]].drop_duplicates().to_csv(labels, index=False)

    def classical() -> Classical:
        both = pd.concat([train, test], ignore_index=True)
        rows_train = np.arange(len(train))
        rows_test = np.arange(len(train), len(both))
        data = _split_sequences(
            list(both["sequence"]),
            _classes(both["label"]),
            "classification",
            DNA,
            rows_train,
            rows_test,
        )
        data.ids = both["id"].to_numpy()[rows_test]
        return data

    def subset() -> Subset:
        seen = set(train["sequence"])
        inside = test["sequence"].isin(seen)
        same_id = int((inside & test["id"].isin(set(train["id"]))).sum())
        note = (
            f"{int(inside.sum())} of {len(test):,} test records have their exact sequence in "
            f"the training file ({same_id} with the same id too)"
        )
        kept = set(test.loc[~inside, "id"])
        return Subset(f"{len(kept):,} test records not in training", kept, note)

    return Protocol(
        name="nrc_ncrna_families",
        group="sequences",
        title="nRC ncRNA families (Rfam 12; 13 classes)",
        task="multiclass (13 families)",
        protocol="train on the 6,320 (10% held out for validation), report on the 2,600",
        train=str(train_path),
        options={"test": str(test_path), "labels": str(labels)},
        metrics=("balanced_accuracy", "accuracy", "mcc"),
        published="accuracy / MCC on the 2,600: ncRDense 0.869 / 0.857, ncDLRES 0.843 / 0.834, "
        "ncRFP 0.797 / 0.771, nRC 0.696 / 0.663 (table in the README of GitHub vassilas/NCC); "
        "RNAGCN accuracy 0.857 (Rossi et al. 2019 abstract); NCC 0.927 (Vasilas et al. 2025 "
        "abstract)",
        classical=classical,
        subset=subset,
        notes=["labels table made from the FASTA headers (last word = class)"],
    )


# --------------------------------------------------------------------------- protein


def _anticp2(variant: str, published: str) -> Callable[[Path, Path], Protocol]:
    def protocol(data: Path, work: Path) -> Protocol:
        table = pd.read_csv(data / "protein/anticancer_peptides/anticp2.csv")
        table = table[table["dataset"] == variant]
        paths = {}
        for part in ("train", "test"):
            paths[part] = work / f"anticp2_{variant}_{part}.csv"
            rows = table[table["split"] == part][["sequence", "label"]]
            rows.to_csv(paths[part], index=False)

        def classical() -> Classical:
            seqs = list(table["sequence"])
            parts = table["split"].to_numpy()
            y = table["label"].to_numpy(dtype=np.int64)
            train, test = np.flatnonzero(parts == "train"), np.flatnonzero(parts == "test")
            return _split_sequences(seqs, y, "classification", PROTEIN, train, test)

        return Protocol(
            name=f"anticancer_peptides_{variant}",
            group="protein",
            title=f"AntiCP 2.0 {variant} (anticancer peptides, 2-50 aa)",
            task="binary (ACP / non-ACP)",
            protocol=f"AntiCP 2.0 {variant}: train on its train split (10% held out for "
            "validation), report on its test split",
            train=str(paths["train"]),
            options={"test": str(paths["test"])},
            metrics=("auroc", "accuracy", "mcc"),
            published=published,
            classical=classical,
            notes=["per-dataset CSVs (sequence, label) written from anticp2.csv"],
        )

    return protocol


anticancer_peptides_main = _anticp2(
    "main",
    "test split: accuracy ~0.75, AUROC ~0.83 (AntiCP 2.0, recalled, unverified); training "
    "5-fold CV: MCC 0.51, AUROC 0.83 (Agrawal et al. 2021 abstract)",
)
anticancer_peptides_alternate = _anticp2(
    "alternate",
    "test split: accuracy ~0.92, AUROC ~0.97 (AntiCP 2.0, recalled, unverified); training "
    "5-fold CV: MCC 0.80, AUROC 0.97 (Agrawal et al. 2021 abstract)",
)


def _flip_gb1(split: str) -> Callable[[Path, Path], Protocol]:
    def protocol(data: Path, work: Path) -> Protocol:
        with zipfile.ZipFile(data / "protein/flip_gb1/splits.zip") as archive:
            table = pd.read_csv(io.BytesIO(archive.read(f"splits/{split}.csv")))
        valid = table["validation"].astype(str).str.lower() == "true"
        table["part"] = np.where(table["set"] == "test", "test", np.where(valid, "valid", "train"))
        path = work / f"flip_gb1_{split}.csv"
        table[["sequence", "target", "part"]].to_csv(path, index=False)

        def classical() -> Classical:
            parts = table["part"].to_numpy()
            y = table["target"].to_numpy(dtype=np.float64)
            train, test = np.flatnonzero(parts == "train"), np.flatnonzero(parts == "test")
            seqs = list(table["sequence"])
            return _split_sequences(seqs, y, "regression", PROTEIN, train, test)

        counts = table["part"].value_counts()
        return Protocol(
            name=f"flip_gb1_{split}",
            group="protein",
            title=f"FLIP GB1 {split} (4-site mutants, 265 aa)",
            task="regression (fitness)",
            protocol=f"FLIP split {split}: train {counts.get('train', 0):,}, validation "
            f"(VALIDATION=True) {counts.get('valid', 0):,}, test {counts.get('test', 0):,}",
            train=str(path),
            options={
                "sequence_column": "sequence",
                "label_columns": ["target"],
                "split": "predefined",
                "split_column": "part",
            },
            metrics=("spearman",),
            published="FLIP (Dallago et al. 2021) gives test Spearman per split for ridge, CNN "
            "and ESM baselines; the numbers were not re-checked (SOURCE.txt), so none are "
            "quoted here",
            classical=classical,
            notes=["splits.zip CSV extracted; part = test, else valid where validation=True"],
        )

    return protocol


FLIP_GB1_SPLITS = ("one_vs_rest", "two_vs_rest", "three_vs_rest", "low_vs_high", "sampled")


def mavenn_gb1_dms(data: Path, work: Path) -> Protocol:
    path = data / "protein/mavenn_gb1_dms/gb1_data.csv.gz"

    def classical() -> Classical:
        table = pd.read_csv(path, usecols=["set", "y", "x"])
        parts = table["set"].to_numpy()
        train = np.flatnonzero(parts == "training")
        rng = np.random.default_rng(0)
        train = np.sort(rng.choice(train, min(GB1_DMS_ROWS, len(train)), replace=False))
        test = np.flatnonzero(parts == "test")
        rows = np.concatenate([train, test])
        seqs = list(table["x"].to_numpy()[rows])
        y = table["y"].to_numpy(dtype=np.float64)[rows]
        out = _split_sequences(
            seqs,
            y,
            "regression",
            PROTEIN,
            np.arange(len(train)),
            np.arange(len(train), len(rows)),
        )
        out.notes.append(
            f"fitted on a uniform random {len(train):,} of the "
            f"{int((parts == 'training').sum()):,} training rows"
        )
        return out

    return Protocol(
        name="mavenn_gb1_dms",
        group="protein",
        title="GB1 double mutants (Olson 2014, MAVE-NN; 55 aa)",
        task="regression (log2 enrichment)",
        protocol="MAVE-NN's split: train on 'training' (477,854), early stopping on "
        "'validation' (26,519), report on 'test' (26,364)",
        train=str(path),
        options={
            "sequence_column": "x",
            "label_columns": ["y"],
            "split": "predefined",
            "split_column": "set",
        },
        metrics=("spearman", "r2"),
        published="no supervised number on this split known; zero-shot Spearman on ProteinGym's "
        "version of the assay (singles + doubles): VESPAl 0.494, ESM-IF1 0.423, ESM2-15B 0.337, "
        "EVmutation 0.282 (ProteinGym); two-state thermodynamic model test I_pred 2.355 bits "
        "(MAVE-NN tutorial 4)",
        classical=classical,
    )


# --------------------------------------------------------------------------- other kinds


def _golub_matrix(path: Path) -> pd.DataFrame:
    """Samples x probes from a Golub CSV (genes as rows, 'call' columns dropped)."""
    table = pd.read_csv(path)
    table = table.set_index("Gene Accession Number")
    keep = [c for c in table.columns if c.strip().isdigit()]
    return table[keep].T.astype(np.float64)


def golub_all_aml(data: Path, work: Path) -> Protocol:
    folder = data / "expression/golub_all_aml"
    train_path = folder / "data_set_ALL_AML_train.csv"
    test_path = folder / "data_set_ALL_AML_independent.csv"
    labels = folder / "actual.csv"

    def classical() -> Classical:
        train, test = _golub_matrix(train_path), _golub_matrix(test_path)
        assert list(train.columns) == list(test.columns), "probes differ between the files"
        outcome = pd.read_csv(labels).astype(str).set_index("patient")["cancer"]
        both = pd.concat([train, test])
        y = _classes(outcome.loc[[i.strip() for i in both.index]])
        return Classical(
            both.to_numpy(dtype=np.float32),
            y,
            "classification",
            f"all {train.shape[1]:,} probes as distributed",
            train=np.arange(len(train)),
            test=np.arange(len(train), len(both)),
        )

    return Protocol(
        name="golub_all_aml",
        group="expression",
        title="Golub ALL/AML microarrays (7,129 probes)",
        task="binary (ALL / AML)",
        protocol="train on the 38 (4 held out for validation), report on the 34 independent",
        train=str(train_path),
        options={
            "genes_as_rows": True,
            "test": str(test_path),
            "labels": str(labels),
            "label_columns": ["cancer"],
        },
        metrics=("auroc", "accuracy"),
        published="34 independent samples: Golub 50-gene weighted vote 29 strong predictions, "
        "all correct; typical SVM / DLDA 0-2 errors, i.e. accuracy 0.94-1.00 (recalled, to "
        "verify; SOURCE.txt)",
        classical=classical,
    )


def _ecg_features(values: np.ndarray) -> np.ndarray:
    """Raw values plus mean, min, max, last value and least-squares slope of each series."""
    t = np.arange(values.shape[1], dtype=np.float64)
    slope = ((values - values.mean(1, keepdims=True)) * (t - t.mean())).sum(1) / (
        (t - t.mean()) ** 2
    ).sum()
    summary = np.column_stack([values.mean(1), values.min(1), values.max(1), values[:, -1], slope])
    return np.hstack([values, summary]).astype(np.float32)


def ucr_ecg200(data: Path, work: Path) -> Protocol:
    folder = data / "timeseries/ucr_ecg200"
    train_path, test_path = folder / "ECG200_TRAIN.txt", folder / "ECG200_TEST.txt"

    def classical() -> Classical:
        train, test = np.loadtxt(train_path), np.loadtxt(test_path)
        both = np.vstack([train, test])
        return Classical(
            _ecg_features(both[:, 1:]),
            _classes(pd.Series(both[:, 0])),
            "classification",
            "96 raw values + mean, min, max, last, slope",
            train=np.arange(len(train)),
            test=np.arange(len(train), len(both)),
        )

    return Protocol(
        name="ucr_ecg200",
        group="timeseries",
        title="UCR ECG200 (heartbeats, length 96)",
        task="binary (normal / myocardial infarction)",
        protocol="UCR split: train on the 100 (10 held out for validation), report on the 100",
        train=str(train_path),
        options={"test": str(test_path), "kind": "timeseries"},
        metrics=("auroc", "accuracy"),
        published="test accuracy: 1-NN Euclidean 0.88 (UCR archive), HC2 0.86, InceptionTime "
        "0.91, WEASEL-2.0 0.89, FreshPRINCE 0.88 (aeon results, resample 0); FCN ~0.89, ResNet "
        "~0.87 (Fawaz et al. 2019, recalled)",
        classical=classical,
    )


UNSUPPORTED = [
    Unsupported(
        "flip_secondary_structure",
        "protein",
        "FLIP secondary structure (3-state per residue)",
        "not supported: per-residue task (biodl predicts one label per sequence)",
    ),
    Unsupported(
        "jaspar2024_core_vertebrates",
        "motifs",
        "JASPAR 2024 CORE vertebrates (motif resource, no benchmark)",
        "a motif database, not a benchmark: read by `biodl explain --motifs` (docs/motifs.md)",
    ),
]

#: Every runnable dataset, by name, in table order.
DATASETS: dict[str, Callable[[Path, Path], Protocol]] = {
    "uci_splice": uci_splice,
    "uci_ecoli_promoters": uci_ecoli_promoters,
    "mavenn_mpsa": mavenn_mpsa,
    "nrc_ncrna_families": nrc_ncrna_families,
    "anticancer_peptides_main": anticancer_peptides_main,
    "anticancer_peptides_alternate": anticancer_peptides_alternate,
    **{f"flip_gb1_{s}": _flip_gb1(s) for s in FLIP_GB1_SPLITS},
    "mavenn_gb1_dms": mavenn_gb1_dms,
    "golub_all_aml": golub_all_aml,
    "ucr_ecg200": ucr_ecg200,
    "tu_mutag": tu_mutag,
    "freesolv": freesolv,
    "solubility": solubility,
}
