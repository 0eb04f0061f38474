"""Biological sequences (DNA, RNA, protein) as a kind of data (biodl.kinds).

Reading and splitting live in :mod:`biodl.data.prepared` and :mod:`biodl.data`; this module says
how sequences become network input (integer codes expanded to one-hot on the device), which
networks exist, and which features the baseline uses (a k-mer spectrum, k = 1..K, plus
position-wise one-hot for sequences of one length; one k with ``--baseline fast``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from biodl.errors import ConfigError, DataError
from biodl.evaluation.search_space import DEFAULT_SPACES, ParamSpec
from biodl.models import MODELS

if TYPE_CHECKING:
    import pandas as pd
    from torch import nn
    from torch.utils.data import Dataset

    from biodl.config import DataConfig, RunConfig
    from biodl.data.checks.result import Inspection
    from biodl.data.prepared import Leakage, PreparedData, RawData
    from biodl.data.sequence import SequenceSet
    from biodl.data.similarity import SketchedReference
    from biodl.kinds import ExtraBaseline
    from biodl.kinds.sequence_additive import AdditiveChoice

#: Sequence networks, by ``--model`` name (entries of :data:`biodl.models.MODELS`).
SEQUENCE_MODELS = {
    name: MODELS[name] for name in ("cnn", "rnn", "lstm", "gru", "cnn-lstm", "transformer", "mlp")
}
#: The CNN for every alphabet (DNA, RNA, protein).
DEFAULT_MODEL = "cnn"


@dataclass
class KmerFeatures:
    """k-mer frequencies (and position-wise one-hot) of sequences: the baseline's features.

    ``k`` is one k-mer length (``--baseline fast``) or several, side by side (a k-mer
    spectrum, the panel's features: k = 1..K).
    """

    k: int | tuple[int, ...]
    length: int | None
    description: str

    def __call__(self, part: SequenceSet) -> Any:
        from biodl.data.kmers import sequence_features

        return sequence_features(part, k=self.k, length=self.length)


def fixed_length(cfg: RunConfig, prepared: PreparedData) -> int | None:
    """``--length``, else the one length of every sequence, else None (lengths differ)."""
    lengths = np.concatenate([prepared.parts[n].lengths for n in prepared.present()])
    return cfg.data.length or (int(lengths[0]) if lengths.min() == lengths.max() else None)


#: The share of an evaluation part near-identical (not identical) to training sequences above
#: which its leakage warning speaks of one family of variants, not of duplicates.
FAMILY_SHARE = 0.9


class OnehotRidge:
    """Ridge regression on the position-wise one-hot of fixed-length sequences (additive).

    :func:`biodl.evaluation.baselines.fit_baseline` ``"logistic"`` (ridge with its strength
    chosen by leave-one-out for regression) on :func:`biodl.data.kmers.positional_onehot`,
    reduced to the columns that vary in the training rows (:func:`varying_columns`): a
    constant column changes no prediction, and leave-one-out ridge costs grow with the columns
    (FLIP GB1: 80 of 5,565 columns vary, the fit took minutes on all of them).
    """

    def __init__(self, length: int, *, seed: int = 0) -> None:
        self.length = int(length)
        self.seed = seed
        self.model: Any = None
        self.columns: Any = None  # the varying columns' selector (None: all of them)

    def fit(self, part: SequenceSet, y: np.ndarray) -> OnehotRidge:
        from biodl.data.kmers import positional_onehot
        from biodl.evaluation.baselines import fit_baseline
        from biodl.evaluation.panel import varying_columns

        self.columns, X = varying_columns(positional_onehot(part, self.length))
        self.model = fit_baseline(
            "logistic", X, y, "regression", seed=self.seed, features="position-wise one-hot"
        )
        return self

    def predict_scores(self, part: SequenceSet) -> np.ndarray:
        """Predictions ``(n, n_targets)``, as the panel's baselines give them."""
        from biodl.data.kmers import positional_onehot

        if self.model is None:
            raise RuntimeError("OnehotRidge.predict_scores before fit")
        X = positional_onehot(part, self.length)
        if self.columns is not None:
            X = self.columns.transform(X)
        return np.asarray(self.model.predict_scores(X))


class SequenceKind:
    """DNA, RNA and protein sequences (see the module docstring)."""

    name = "sequence"
    models = SEQUENCE_MODELS
    spaces: ClassVar[dict[str, dict[str, ParamSpec]]] = {
        name: DEFAULT_SPACES[name] for name in SEQUENCE_MODELS
    }
    splits = ("stratified", "random", "group", "similarity", "predefined")

    def detect(self, path: Path) -> bool:
        return True  # the fallback kind: every other kind was asked first

    def read_run(self, cfg: RunConfig) -> RawData:
        """The training file and any --valid/--test files, with label, group and split columns.

        Each file is read once (the group and split columns with the labels), and so is each
        labels table: ``--labels`` serves every FASTA file that has no table of its own
        (``--valid-labels``, ``--test-labels``).
        """
        import pandas as pd

        from biodl.data.prepared import RawData
        from biodl.data.tables import read_labels_table

        data = cfg.data
        if not data.train:
            raise ConfigError("no training data given; pass a FASTA/CSV file or folder as TRAIN")
        given = list(data.label_columns)
        side = {
            column: flag
            for column, flag in (
                (data.group_column, "--group-column"),
                (data.split_column, "--split-column"),
            )
            if column and column not in given
        }
        table = read_labels_table(data.labels) if data.labels else None
        train = _read(
            data,
            data.train,
            given or None,
            labels=table,
            alphabet=data.alphabet,
            extra="ignore" if (data.valid or data.test) else "error",
            side=side,
        )
        full = train.labels
        assert full is not None
        columns = [str(c) for c in full.columns if c not in side]
        train.labels = full[columns]
        parts: dict[str, Any] = {"train": train}
        served: dict[int, tuple[Any, list[str]]] = {}  # labels table -> parts it labels
        label_tables: dict[str, str] = {}  # a --valid/--test file's labels table
        if table is not None:
            served[id(table)] = (table, ["train"])
        for name, path, own in (
            ("valid", data.valid, data.valid_labels),
            ("test", data.test, data.test_labels),
        ):
            if not path:
                continue
            labels = read_labels_table(own, flag=f"--{name}-labels") if own else table
            parts[name] = _read(
                data, path, columns, labels=labels, alphabet=train.alphabet.name, extra="ignore"
            )
            if labels is not None:
                served.setdefault(id(labels), (labels, []))[1].append(name)
                label_tables[name] = own or str(data.labels)
        carried = train.own_parts  # SET=train / SET=test: prepare_raw warns when it goes unused
        return RawData(
            parts,
            {name: part.labels for name, part in parts.items()},
            side=full if carried is None else pd.concat([full, carried], axis=1),
            files=[
                p
                for p in (
                    data.train,
                    data.valid,
                    data.test,
                    data.labels,
                    data.valid_labels,
                    data.test_labels,
                )
                if p
            ],
            label_source=data.train,
            part_label_sources=label_tables,
            notes=[note for part in parts.values() for note in part.notes]
            + _unmatched_notes(served, parts, data),
        )

    def similar_groups(self, part: SequenceSet, threshold: float) -> np.ndarray:
        """Clusters of near-identical sequences (MinHash k-mer Jaccard >= ``threshold``)."""
        from biodl.data.similarity import similar_groups

        return similar_groups(part, threshold=threshold)

    def leakage_reference(self, train: SequenceSet) -> SketchedReference:
        """The training part indexed once for the leakage checks of every evaluation part."""
        from biodl.data.similarity import SketchedReference

        return SketchedReference(train)

    def leakage(
        self, train: SequenceSet | SketchedReference, part: SequenceSet, threshold: float
    ) -> Leakage:
        """Sequences of ``part`` identical or near-identical to a training sequence."""
        from biodl.data.prepared import Leakage
        from biodl.data.similarity import near_duplicates

        found = near_duplicates(train, part, threshold=threshold)
        fix = "remove duplicates or use --split similarity"
        if found.near - found.exact >= FAMILY_SHARE * len(part):
            # a mutational scan: every variant is near its neighbours, and --split similarity
            # refuses (one cluster); the warning said to use it all the same (FLIP GB1, MPSA).
            # Several families split at random look the same here, and similarity folds do
            # separate those: both cases are named.
            fix = (
                "nearly all are variants of training sequences: if they are one family (as in "
                "a mutational scan), which --split similarity cannot separate, hold out the "
                "variants the model must generalise to (--split-column or --test) and read "
                "these metrics as within-family; if they come from several families, use "
                "--split similarity"
            )
        return Leakage(
            found.exact,
            found.near,
            list(found.examples),
            what="sequences",
            item="sequence",
            criterion=f"k-mer Jaccard >= {threshold:g}",
            fix=fix,
        )

    def default_model(self, prepared: PreparedData) -> str:
        return DEFAULT_MODEL

    def additive_auto(self, cfg: RunConfig, prepared: PreparedData) -> AdditiveChoice:
        """The CNN's ``additive="auto"``, decided on the training part
        (:func:`biodl.kinds.sequence_additive.choose_additive`)."""
        from biodl.kinds.sequence_additive import choose_additive

        targets = prepared.targets
        y = prepared.y["train"]
        assert y is not None
        return choose_additive(
            prepared.part("train"),
            np.asarray(y),
            targets.task,
            length=fixed_length(cfg, prepared),
            n_classes=len(targets.classes) if targets.task == "multiclass" else None,
            seed=cfg.train.seed,
        )

    def fit_inputs(
        self, cfg: RunConfig, prepared: PreparedData, model: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        from biodl.data.dataset import training_crop
        from biodl.kinds.sequence_options import SequenceOptions
        from biodl.models.registry import parameters
        from biodl.options import options_of

        defaults = {p.name: p.default for p in parameters(self.models[model])}
        needs_length = params.get("features", defaults.get("features")) == "onehot"
        length = _model_length(cfg, prepared, needs_length)
        train = prepared.part("train")
        alphabet = train.alphabet
        setting = options_of(SequenceOptions, cfg.data).train_crop
        return {
            "alphabet": alphabet.name,
            # training batches only (random windows); None for fixed lengths or no long tail
            "train_crop": None if length else training_crop(train.lengths, setting),
            "in_channels": alphabet.n_channels,
            "length": length,
            "model_length": length,
            "length_policy": (
                "crop-centre/pad-right to length" if length else "pad per batch with mask"
            ),
            "sequence_column": cfg.data.sequence_column,
            "id_column": cfg.data.id_column,
        }

    def build_network(
        self, model: str, params: dict[str, Any], inputs: dict[str, Any], n_outputs: int
    ) -> nn.Module:
        import torch

        from biodl.data.alphabet import ALPHABETS
        from biodl.models import build_model
        from biodl.training.task import SequenceNetwork

        net = build_model(
            model,
            in_channels=inputs["in_channels"],
            n_outputs=n_outputs,
            length=inputs["model_length"],
            **params,
        )
        table = torch.as_tensor(ALPHABETS[inputs["alphabet"]].onehot_matrix())
        return SequenceNetwork(net, table)

    def dataset(
        self,
        part: SequenceSet,
        y: np.ndarray | None,
        inputs: dict[str, Any],
        *,
        training: bool,
        seed: int,
    ) -> Dataset[Any]:
        """Whole-batch dataset; training batches cut sequences longer than
        ``inputs["train_crop"]`` to random windows (seeded), evaluation ones never."""
        from biodl.data.dataset import EncodedSequences

        crop = inputs.get("train_crop") if training else None
        return EncodedSequences(part, y, length=inputs["length"], crop=crop, seed=seed)

    def baseline_features(self, cfg: RunConfig, prepared: PreparedData) -> KmerFeatures:
        from biodl.data.kmers import default_k

        train = prepared.parts["train"]
        assert train is not None
        k = cfg.baseline.k or default_k(
            prepared.part("train").alphabet, float(np.median(train.lengths))
        )
        fixed = fixed_length(cfg, prepared)
        positional = (
            cfg.baseline.positional if cfg.baseline.positional is not None else fixed is not None
        )
        if positional and fixed is None:
            raise ConfigError(
                "baseline.positional=true needs sequences of one length; pass --length to crop/pad"
            )
        length = fixed if positional else None
        onehot = " + position-wise one-hot" if positional else ""
        if cfg.baseline.name == "fast":  # biodl's earlier features: one k
            return KmerFeatures(k=k, length=length, description=f"{k}-mer frequencies{onehot}")
        spectrum = "1-mer frequencies" if k == 1 else f"1- to {k}-mer frequencies"
        return KmerFeatures(k=tuple(range(1, k + 1)), length=length, description=spectrum + onehot)

    def extra_baselines(self, cfg: RunConfig, prepared: PreparedData) -> list[ExtraBaseline]:
        """Regression on sequences of one length: the additive one-hot ridge model.

        Ridge regression on the position-wise one-hot alone (one weight per position and
        letter, no interaction: the additive model of deep mutational scans), beside the
        panel's models on the k-mer spectrum + one-hot, so the verdict says whether the
        network captures more than additive effects (epistasis).
        """
        from biodl.kinds import ExtraBaseline

        length = fixed_length(cfg, prepared)
        if prepared.targets.task != "regression" or length is None:
            return []

        def fit(part: SequenceSet, y: np.ndarray) -> OnehotRidge:
            return OnehotRidge(length, seed=cfg.train.seed).fit(part, y)

        return [
            ExtraBaseline(
                "additive one-hot ridge",
                fit,
                key="onehot_ridge",
                features=f"position-wise one-hot ({length} positions)",
                settings="ridge alpha chosen by leave-one-out on the training rows, on the "
                "one-hot of each position alone (additive: no k-mers, no interactions)",
            )
        ]

    def read(
        self, path: str, inputs: dict[str, Any], data: DataConfig, *, require_labels: bool
    ) -> tuple[SequenceSet, pd.DataFrame | None]:
        from biodl.data._files import PROTEIN_HINT
        from biodl.data.sequence import read_sequences

        try:
            seqs = read_sequences(
                path,
                labels=data.labels,
                label_columns=data.label_columns or None,
                sequence_column=data.sequence_column or inputs.get("sequence_column"),
                id_column=data.id_column or inputs.get("id_column"),
                alphabet=inputs["alphabet"],
                require_labels=require_labels,
            )
        except DataError as err:  # the run's model fixes the alphabet: no --alphabet here
            if PROTEIN_HINT not in str(err):
                raise
            fix = (
                f"The run's model reads {inputs['alphabet'].upper()}: replace or remove these "
                "letters (amino acids need a model of their own, trained with --alphabet protein)."
            )
            raise DataError(str(err).replace(PROTEIN_HINT, fix)) from None
        return seqs, seqs.labels

    def describe(self, prepared: PreparedData) -> dict[str, Any]:
        lengths = np.concatenate([prepared.parts[n].lengths for n in prepared.present()])
        return {
            "alphabet": prepared.part("train").alphabet.name,
            "length": {
                "min": int(lengths.min()),
                "max": int(lengths.max()),
                "median": float(np.median(lengths)),
            },
        }

    def inspect(self, data: DataConfig) -> Inspection:
        """Read each part (labels optional, later parts in the first one's alphabet and label
        columns) and inspect it (:func:`biodl.data.checks.sequence.inspect_sequences`)."""
        from biodl.data.checks.sequence import inspect_sequences
        from biodl.data.sequence import read_sequences
        from biodl.data.tables import read_labels_table

        parts: dict[str, SequenceSet] = {}
        table = read_labels_table(data.labels) if data.labels else None
        for name, path, own in (
            ("train", data.train, None),
            ("valid", data.valid, data.valid_labels),
            ("test", data.test, data.test_labels),
        ):
            if not path:
                continue
            first = parts.get("train")
            given = list(data.label_columns) or None
            parts[name] = read_sequences(
                path,
                labels=read_labels_table(own, flag=f"--{name}-labels") if own else table,
                label_columns=given
                or (list(first.labels.columns) if first and first.labels is not None else None),
                sequence_column=data.sequence_column,
                id_column=data.id_column,
                alphabet=first.alphabet.name if first is not None else data.alphabet,
                require_labels=False,
                extra_labels="ignore",
            )
        return with_read_notes(inspect_sequences(parts, task=data.task), parts)


def with_read_notes(result: Inspection, parts: dict[str, SequenceSet]) -> Inspection:
    """``result`` with a ``renamed_ids`` warning for each note the reader left on a part."""
    from biodl.data.checks.common import sort_findings
    from biodl.data.checks.result import Finding

    found = [
        Finding(
            "warning",
            f"{name}: {note}",
            "Give every record a unique id; until then the repeats are renamed as shown "
            "(labels here do not come from an id-keyed table, so nothing is ambiguous).",
            "renamed_ids",
        )
        for name, part in parts.items()
        for note in part.notes
    ]
    if found:
        result.findings = sort_findings([*found, *result.findings])
    return result


def _read(
    data: DataConfig,
    path: str,
    columns: list[str] | None,
    *,
    labels: Any,
    alphabet: Any,
    extra: Any,
    side: dict[str, str] | None = None,
) -> SequenceSet:
    from biodl.data.sequence import read_sequences

    return read_sequences(
        path,
        labels=labels,
        label_columns=columns,
        sequence_column=data.sequence_column,
        id_column=data.id_column,
        alphabet=alphabet,
        extra_labels=extra,
        extra_columns=side,
    )


def _unmatched_notes(
    served: dict[int, tuple[Any, list[str]]], parts: dict[str, Any], data: DataConfig
) -> list[str]:
    """Warnings about rows of each labels table naming no sequence of the files it labels
    (only where such rows are allowed: a table that serves the training file alone refuses
    them)."""
    from biodl.data.tables import unmatched_labels

    if not (data.valid or data.test):
        return []
    notes = []
    for table, names in served.values():
        ids = [i for name in names for i in parts[name].ids]
        where = " or ".join(parts[name].source for name in names)
        note = unmatched_labels(table, ids, where, id_column=data.id_column)
        if note:
            notes.append(note)
    return notes


def _model_length(cfg: RunConfig, prepared: PreparedData, needs_length: bool) -> int | None:
    """The fixed length models see: ``--length``, else the common length if all agree.

    Models that need a fixed input size (MLP on one-hot) get the longest training length.
    """
    if cfg.data.length is not None:
        return cfg.data.length
    lengths = np.concatenate([prepared.parts[n].lengths for n in prepared.present()])
    if lengths.min() == lengths.max():
        return int(lengths[0])
    if needs_length:
        return int(prepared.part("train").lengths.max())
    return None


SEQUENCE = SequenceKind()
