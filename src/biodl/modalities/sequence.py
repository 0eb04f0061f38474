"""Biological sequences (DNA, RNA, protein) as a modality of the workflow.

Reading and splitting live in :mod:`biodl.experiment` and :mod:`biodl.data`; this module says
how sequences become network input (integer codes expanded to one-hot on the device), which
networks exist, and which features the baseline uses (k-mer frequencies, plus position-wise
one-hot for sequences of one length).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from biodl.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd
    from torch import nn
    from torch.utils.data import Dataset

    from biodl.config import DataConfig, RunConfig
    from biodl.data.checks.result import Inspection
    from biodl.data.sequence import SequenceSet
    from biodl.experiment import PreparedData
    from biodl.modalities import ExtraBaseline

#: Sequence networks, by ``--model`` name (the names of :data:`biodl.models.MODELS`).
SEQUENCE_MODELS = ("cnn", "rnn", "lstm", "gru", "cnn-lstm", "transformer", "mlp")


@dataclass
class KmerFeatures:
    """k-mer frequencies (and position-wise one-hot) of sequences: the baseline's features."""

    k: int
    length: int | None
    description: str

    def __call__(self, part: SequenceSet) -> Any:
        from biodl.data.kmers import sequence_features

        return sequence_features(part, k=self.k, length=self.length)


class SequenceModality:
    """DNA, RNA and protein sequences (see the module docstring)."""

    name = "sequence"
    models = SEQUENCE_MODELS

    def detect(self, path: Path) -> bool:
        return True  # the fallback kind: every other kind was asked first

    def prepare(self, cfg: RunConfig, *, seed: int) -> PreparedData:
        from biodl.experiment import prepare_data

        return prepare_data(cfg.data, seed=seed)

    def default_model(self, prepared: PreparedData) -> str:
        from biodl.models import DEFAULT_MODEL

        return DEFAULT_MODEL[prepared.alphabet.name]

    def fit_inputs(
        self, cfg: RunConfig, prepared: PreparedData, model: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        from biodl.experiment import resolve_length
        from biodl.models import model_parameters

        defaults = {p.name: p.default for p in model_parameters(model)}
        needs_length = params.get("features", defaults.get("features")) == "onehot"
        length = resolve_length(cfg, prepared, needs_length)
        alphabet = prepared.alphabet
        return {
            "alphabet": alphabet.name,
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
        from biodl.data.dataset import EncodedSequences

        return EncodedSequences(part, y, length=inputs["length"])

    def baseline_features(self, cfg: RunConfig, prepared: PreparedData) -> KmerFeatures:
        from biodl.data.kmers import default_k

        train = prepared.parts["train"]
        assert train is not None
        k = cfg.baseline.k or default_k(prepared.alphabet, float(np.median(train.lengths)))
        lengths = np.concatenate([prepared.parts[n].lengths for n in prepared.present()])  # type: ignore[union-attr]
        fixed = cfg.data.length or (int(lengths[0]) if lengths.min() == lengths.max() else None)
        positional = (
            cfg.baseline.positional if cfg.baseline.positional is not None else fixed is not None
        )
        if positional and fixed is None:
            raise ConfigError(
                "baseline.positional=true needs sequences of one length; pass --length to crop/pad"
            )
        length = fixed if positional else None
        description = f"{k}-mer frequencies" + (" + position-wise one-hot" if positional else "")
        return KmerFeatures(k=k, length=length, description=description)

    def extra_baselines(self, cfg: RunConfig, prepared: PreparedData) -> list[ExtraBaseline]:
        return []

    def read(
        self, path: str, inputs: dict[str, Any], data: DataConfig, *, require_labels: bool
    ) -> tuple[SequenceSet, pd.DataFrame | None]:
        from biodl.data.sequence import read_sequences

        seqs = read_sequences(
            path,
            labels=data.labels,
            label_columns=data.label_columns or None,
            sequence_column=data.sequence_column or inputs.get("sequence_column"),
            id_column=data.id_column or inputs.get("id_column"),
            alphabet=inputs["alphabet"],
            require_labels=require_labels,
        )
        return seqs, seqs.labels

    def describe(self, prepared: PreparedData) -> dict[str, Any]:
        lengths = np.concatenate([prepared.parts[n].lengths for n in prepared.present()])  # type: ignore[union-attr]
        return {
            "alphabet": prepared.alphabet.name,
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

        parts: dict[str, SequenceSet] = {}
        for name, path in (("train", data.train), ("valid", data.valid), ("test", data.test)):
            if not path:
                continue
            first = parts.get("train")
            given = list(data.label_columns) or None
            parts[name] = read_sequences(
                path,
                labels=data.labels,
                label_columns=given
                or (list(first.labels.columns) if first and first.labels is not None else None),
                sequence_column=data.sequence_column,
                id_column=data.id_column,
                alphabet=first.alphabet.name if first is not None else data.alphabet,
                require_labels=False,
                extra_labels="ignore",
            )
        return inspect_sequences(parts, task=data.task)


SEQUENCE = SequenceModality()
