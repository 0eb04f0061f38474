"""Expression matrices (bulk or single-cell; samples x genes) as a kind of data (biodl.kinds).

Reading and validation live in :mod:`biodl.data.expression`, preprocessing in
:mod:`biodl.data.preprocess`. This module splits the samples, fits the preprocessing on the
training part only (stored with the model as its ``inputs``), serves whole batches (a sparse
matrix stays sparse: only the rows of one batch are made dense), builds the dense MLP, and
gives the baseline the same preprocessed matrix.

Labels are columns of the sample metadata: a table given with ``--labels`` (first column =
sample ids) or the ``obs`` of an ``.h5ad``; ``--label-column`` names the column (the only
metadata column is used when there is just one).
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp
from torch import Tensor, nn

from biodl.data.expression import (
    EXPRESSION_SUFFIXES,
    ExpressionSet,
    MetadataTable,
    align_genes,
    check_label_column,
    ignored_genes,
    read_expression,
    read_metadata_table,
    unmatched_metadata,
    zero_variance_genes,
)
from biodl.data.preprocess import (
    Preprocessing,
    PreprocessOptions,
    check_scale,
    fit_preprocessing,
    value_scale,
)
from biodl.errors import ConfigError, DataError, DataWarning
from biodl.evaluation.search_space import SHARED, ParamSpec, categorical, float_range
from biodl.models import DENSE_MODELS

if TYPE_CHECKING:
    import pandas as pd
    from torch.utils.data import Dataset

    from biodl.config import DataConfig, RunConfig
    from biodl.data.checks.result import Inspection
    from biodl.data.prepared import Leakage, PreparedData, RawData
    from biodl.kinds import ExtraBaseline

__all__ = ["EXPRESSION", "EXPRESSION_MODELS", "ExpressionBatches", "ExpressionKind"]

#: Networks for expression profiles, by ``--model`` name.
EXPRESSION_MODELS = DENSE_MODELS

_MIN_COLUMNS = 10  # a table with fewer columns is not taken for an expression matrix
_SEQUENCE = re.compile(r"^[ACGTUNacgtun]{20,}$|^[A-Za-z]{40,}$")


# ---------------------------------------------------------------------------------------
# batches


class ExpressionBatches:
    """Preprocessed expression rows (and targets), served a whole batch at a time.

    ``data[indices]`` returns a :class:`biodl.data.dataset.TensorBatch` whose only input is the
    ``(batch, n_genes_out)`` float32 matrix. A dense matrix is preprocessed once; a sparse one
    stays sparse and each batch's rows are preprocessed and made dense when asked for, so the
    full matrix is never held dense.

    Parameters
    ----------
    X : (n, n_genes_in) ndarray or scipy.sparse matrix
        Values as read.
    preprocessing : Preprocessing
        Fitted on the training part.
    y : ndarray, optional
        Targets, ``(n,)`` int64 class codes or ``(n, k)`` float arrays.
    """

    def __init__(
        self, X: np.ndarray | sp.spmatrix, preprocessing: Preprocessing, y: np.ndarray | None
    ):
        import torch

        self.preprocessing = preprocessing
        self.sparse = sp.issparse(X)
        self._X: np.ndarray | sp.csr_matrix
        if self.sparse:
            self._X = sp.csr_matrix(X)
        else:
            self._X = np.ascontiguousarray(preprocessing.transform(X), dtype=np.float32)
        self._y: torch.Tensor | None = None
        if y is not None:
            dtype = torch.int64 if y.ndim == 1 else torch.float32
            self._y = torch.as_tensor(np.asarray(y), dtype=dtype)

    def __len__(self) -> int:
        return int(self._X.shape[0])

    def rows(self, index: np.ndarray) -> np.ndarray:
        """The preprocessed, dense ``(len(index), n_genes_out)`` float32 rows at ``index``."""
        if not self.sparse:
            return self._X[index]
        out = self.preprocessing.transform(self._X[index])
        dense = out.toarray() if isinstance(out, sp.spmatrix) else out
        return np.asarray(dense, dtype=np.float32)

    def __getitem__(self, index: np.ndarray) -> Any:
        import torch

        from biodl.data.dataset import TensorBatch

        index = np.asarray(index)
        x = torch.from_numpy(self.rows(index))
        y = self._y[torch.from_numpy(index)] if self._y is not None else None
        return TensorBatch((x,), y)


# ---------------------------------------------------------------------------------------
# baseline features


@dataclass
class ExpressionFeatures:
    """The preprocessed matrix (sparse stays sparse unless scaled): the baseline's features."""

    state: dict[str, Any]
    description: str
    _fitted: Preprocessing | None = field(default=None, repr=False)

    def __call__(self, part: ExpressionSet) -> Any:
        if self._fitted is None:
            self._fitted = Preprocessing.from_dict(self.state)
        return self._fitted.transform(part.X)

    def column_names(self) -> list[tuple[str, str]]:
        """(feature, variable) of each column: one per gene kept, the gene itself."""
        return [(str(g), str(g)) for g in self.state.get("genes_out", [])]


class ExpressionNetwork(nn.Module):
    """The network trained and saved: ``.model`` is the plain MLP; ``forward(x) = model(x)``.

    Preprocessing happens in the dataset (the fitted state is stored as the model's inputs),
    so the wrapper holds no buffers.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> Tensor:
        """``x : (batch, n_genes_out)`` preprocessed values -> ``(batch, n_outputs)``."""
        return self.model(x)


# ---------------------------------------------------------------------------------------
# reading helpers


def _read(path: str, data: DataConfig, *, metadata: str | MetadataTable | None) -> ExpressionSet:
    return read_expression(
        path,
        genes_as_rows=data.genes_as_rows,
        layer=data.layer,
        use_raw=data.use_raw,
        metadata=metadata,
        id_column=data.id_column,
    )


def _label_columns(data: DataConfig, train: ExpressionSet) -> list[str]:
    if data.label_columns:
        return list(data.label_columns)
    columns = [str(c) for c in train.obs.columns]
    if len(columns) == 1:
        return columns
    names = ", ".join(f"'{c}'" for c in columns) or "none"
    raise ConfigError(
        f"{train.source}: which metadata column is the label? (columns: {names}). Pass "
        "--label-column NAME" + ("" if columns else ", and the metadata table with --labels") + "."
    )


def _fit(data: DataConfig, train: ExpressionSet) -> tuple[PreprocessOptions, Preprocessing]:
    """The preprocessing options of ``data`` (auto resolved) fitted on the training part."""
    normalize = data.normalize
    if normalize is None:  # auto: library-size normalisation for raw counts only
        normalize = value_scale(train.X) == "counts"
    hvg = data.hvg if data.hvg and data.hvg < train.n_genes else None  # at most N genes
    options = PreprocessOptions(normalize=normalize, log1p=data.log1p, scale=data.scale, hvg=hvg)
    return options, fit_preprocessing(train.X, train.genes, options)


def _inputs(data: DataConfig, options: PreprocessOptions, prep: Preprocessing) -> dict[str, Any]:
    return {
        "in_features": len(prep.genes_out),
        "preprocessing": prep.to_dict(),
        "options": {
            "normalize": options.normalize,
            "log1p": prep.log1p,
            "scale": options.scale,
            "hvg": options.hvg,
        },
        "genes_as_rows": data.genes_as_rows,
        "layer": data.layer,
        "use_raw": data.use_raw,
        "id_column": data.id_column,
    }


# ---------------------------------------------------------------------------------------
# the kind


class ExpressionKind:
    """Expression matrices, samples x genes (see the module docstring)."""

    name = "expression"
    models = EXPRESSION_MODELS
    spaces: ClassVar[dict[str, dict[str, ParamSpec]]] = {
        "mlp": {
            **SHARED,
            "model.width": categorical(64, 256, 512),
            "model.depth": ParamSpec("int", low=1, high=3),
            "model.activation": categorical("relu", "gelu"),
            "model.dropout": float_range(0.0, 0.7),
        }
    }
    splits = ("stratified", "random", "group", "predefined")

    def detect(self, path: Path) -> bool:
        """``.h5ad``, or a CSV/TSV of many columns, mostly numbers, and no sequence column."""
        path = Path(path)
        if path.is_dir() or path.suffix.lower() not in EXPRESSION_SUFFIXES:
            return False
        if path.suffix.lower() == ".h5ad":
            return True
        try:
            from biodl.data.input_files import head

            text = head(path).decode("utf-8")  # detection: the first lines
        except (OSError, UnicodeDecodeError):
            return False
        lines = (text.splitlines(keepends=True) + [""] * 6)[:6]
        sep = "\t" if lines[0].count("\t") > lines[0].count(",") else ","
        rows = [r for r in csv.reader([x for x in lines[1:] if x.strip()], delimiter=sep)]
        if len(lines[0].split(sep)) < _MIN_COLUMNS or not rows:
            return False
        cells = [c.strip() for row in rows for c in row[1:]]
        if any(_SEQUENCE.match(c) for row in rows for c in row):
            return False
        numeric = sum(_is_number(c) for c in cells)
        return numeric >= 0.4 * max(len(cells), 1)

    def read_run(self, cfg: RunConfig) -> RawData:
        """The matrix (and --valid/--test matrices, genes aligned) with their metadata columns.

        Each metadata table is read once: ``--labels`` serves every matrix that has no table
        of its own (``--valid-labels``, ``--test-labels``). Genes of a valid/test matrix that
        training lacks are dropped with a warning; training genes it lacks are refused.
        """
        from biodl.data.prepared import RawData

        data = cfg.data
        if not data.train:
            raise ConfigError("no training data given; pass an expression file as TRAIN")
        meta = read_metadata_table(data.labels) if data.labels else None
        train = _read(data.train, data, metadata=meta)
        columns = _label_columns(data, train)
        for column in columns:  # several label columns may have missing labels
            check_label_column(
                train, column, source=data.labels or data.train, allow_missing=len(columns) > 1
            )
        for column in (c for c in (data.group_column, data.split_column) if c):
            if column not in train.obs.columns:
                option = "--group-column" if column == data.group_column else "--split-column"
                names = ", ".join(f"'{c}'" for c in train.obs.columns)
                raise DataError(
                    f"{data.labels or data.train}: {option} '{column}' is not a metadata "
                    f"column (columns: {names}). Name one of those."
                )
        parts: dict[str, Any] = {"train": train}
        labels: dict[str, Any] = {"train": train.obs[columns].reset_index(drop=True)}
        served: dict[int, tuple[MetadataTable, list[str]]] = {}  # table -> parts it labels
        if meta is not None:
            served[id(meta)] = (meta, ["train"])
        notes = []
        label_tables: dict[str, str] = {}  # a --valid/--test file's metadata table
        for name, path, own in (
            ("valid", data.valid, data.valid_labels),
            ("test", data.test, data.test_labels),
        ):
            if not path:
                continue
            table = read_metadata_table(own, flag=f"--{name}-labels") if own else meta
            part = self._read_part(path, data, columns, table)
            notes.append(ignored_genes(part, train.genes, training=data.train))
            part = align_genes(part, train.genes, training=data.train)
            parts[name] = part
            labels[name] = part.obs[columns].reset_index(drop=True)
            if table is not None:
                served.setdefault(id(table), (table, []))[1].append(name)
                label_tables[name] = own or str(data.labels)
        for table, served_parts in served.values():
            every = [i for name in served_parts for i in parts[name].ids]
            where = " or ".join(parts[name].source for name in served_parts)
            notes.append(unmatched_metadata(table, every, where))
        return RawData(
            parts,
            labels,
            side=train.obs.reset_index(drop=True),
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
            notes=[note for note in notes if note],
        )

    def leakage(self, train: ExpressionSet, part: ExpressionSet, threshold: float) -> Leakage:
        """Samples of ``part`` whose values equal a training sample's (over the training genes)."""
        from biodl.data.checks.common import identical_leakage
        from biodl.data.checks.expression_values import row_hashes

        genes = list(train.genes)
        return identical_leakage(
            (train.ids, row_hashes(train, genes)),
            (part.ids, row_hashes(part, genes)),
            what="samples",
            item="sample",
            fix="remove the duplicated samples or split by donor (--split group)",
        )

    def check(self, prepared: PreparedData) -> None:
        """Warn about genes that do not vary on the training samples."""
        _check_genes(prepared)

    def _read_part(
        self, path: str, data: DataConfig, columns: list[str], metadata: MetadataTable | None
    ) -> ExpressionSet:
        part = _read(path, data, metadata=metadata)
        for column in columns:
            check_label_column(
                part,
                column,
                source=metadata.source if metadata else path,
                allow_missing=len(columns) > 1,
            )
        return part

    def default_model(self, prepared: PreparedData) -> str:
        return "mlp"

    def fit_inputs(
        self, cfg: RunConfig, prepared: PreparedData, model: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        train = prepared.parts["train"]
        assert isinstance(train, ExpressionSet)
        options, prep = _fit(cfg.data, train)
        for message in check_scale(train.X, source=cfg.data.train, log1p=prep.log1p):
            prepared.add_warning(message, DataWarning)
        return _inputs(cfg.data, options, prep)

    def build_network(
        self, model: str, params: dict[str, Any], inputs: dict[str, Any], n_outputs: int
    ) -> nn.Module:
        from biodl.models.dense import build_dense

        net = build_dense(in_features=int(inputs["in_features"]), n_outputs=n_outputs, **params)
        return ExpressionNetwork(net)

    def pretrain(
        self, network: nn.Module, cfg: RunConfig, prepared: PreparedData, inputs: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Fit the MLP's autoencoder (``model.encoder``) on the preprocessed training samples.

        Unsupervised and on the training part only (no labels, nothing of valid or test); its
        encoder weights are copied into the MLP. A VAE uses the Gaussian likelihood (the
        input is preprocessed, not counts). None when the MLP has no encoder.
        """
        from biodl.training.autoencoders import AE, DAE, VAE

        model: Any = network.model
        kind = getattr(model, "encoder_kind", "none")
        if kind == "none":
            return None
        train = prepared.parts["train"]
        assert isinstance(train, ExpressionSet)
        X = Preprocessing.from_dict(inputs["preprocessing"]).transform(train.X)
        options: dict[str, Any] = {
            "n_latent": model.encoder.n_latent,
            "activation": model.activation,
            "batch_norm": model.batch_norm,
            "random_state": cfg.train.seed,
            # the run's devices, as for the supervised network (one training path)
            "device": cfg.train.device,
            "precision": cfg.train.precision,
            "strategy": cfg.train.strategy,
            "devices": cfg.train.devices,
        }
        if kind == "vae":
            options["likelihood"] = "gaussian"
        fitted = {"ae": AE, "dae": DAE, "vae": VAE}[kind](**options).fit(X)
        model.encoder.load_from(fitted.model_)
        return {
            "encoder": kind,
            "n_latent": int(model.encoder.n_latent),
            "frozen": bool(model.freeze_encoder),
            "samples": int(X.shape[0]),
            "epochs": int(fitted.epochs_),
            "seconds": round(float(fitted.fit_seconds_), 3),
            "final_loss": round(float(fitted.history_["train_loss"].iloc[-1]), 4),
        }

    def dataset(
        self,
        part: ExpressionSet,
        y: np.ndarray | None,
        inputs: dict[str, Any],
        *,
        training: bool,
        seed: int,
    ) -> Dataset[Any]:
        prep = Preprocessing.from_dict(inputs["preprocessing"])
        return ExpressionBatches(part.X, prep, y)  # type: ignore[return-value]

    def baseline_features(self, cfg: RunConfig, prepared: PreparedData) -> ExpressionFeatures:
        train = prepared.parts["train"]
        assert isinstance(train, ExpressionSet)
        inputs = _inputs(cfg.data, *_fit(cfg.data, train))
        options = inputs["options"]
        steps = [
            name
            for name, on in (
                ("library-size normalised", options["normalize"]),
                ("log1p", options["log1p"]),
                (f"top {options['hvg']} variable genes", options["hvg"]),
                ("z-scored", options["scale"]),
            )
            if on
        ]
        description = f"{inputs['in_features']} genes" + (f" ({', '.join(steps)})" if steps else "")
        return ExpressionFeatures(inputs["preprocessing"], description)

    def extra_baselines(self, cfg: RunConfig, prepared: PreparedData) -> list[ExtraBaseline]:
        return []

    def read(
        self, path: str, inputs: dict[str, Any], data: DataConfig, *, require_labels: bool
    ) -> tuple[ExpressionSet, pd.DataFrame | None]:
        saved: dict[str, Any] = {  # how the training file was read, unless given again
            "genes_as_rows": data.genes_as_rows or bool(inputs.get("genes_as_rows")),
            "layer": data.layer or inputs.get("layer"),
            "use_raw": data.use_raw or bool(inputs.get("use_raw")),
        }
        settings = replace(data, id_column=data.id_column or inputs.get("id_column"), **saved)
        part = _read(path, settings, metadata=data.labels)
        genes = inputs["preprocessing"]["genes_in"]
        note = ignored_genes(part, genes, training="the model's training genes")
        if note:
            warnings.warn(note, DataWarning, stacklevel=2)
        part = align_genes(part, genes)
        columns = list(data.label_columns)
        if columns and all(c in part.obs.columns for c in columns):
            return part, part.obs[columns]
        if require_labels:
            for column in columns:
                check_label_column(
                    part, column, source=data.labels or path, allow_missing=len(columns) > 1
                )
        return part, None

    def describe(self, prepared: PreparedData) -> dict[str, Any]:
        train = prepared.parts["train"]
        assert isinstance(train, ExpressionSet)
        X = train.X
        stored = X.nnz if isinstance(X, sp.spmatrix) else int(np.count_nonzero(X))
        return {
            "genes": train.n_genes,
            "sparse": train.is_sparse,
            "density": round(stored / max(1, X.shape[0] * X.shape[1]), 4),
            "value_scale": value_scale(X),
        }

    def inspect(self, data: DataConfig) -> Inspection:
        """Read each part as training does, NaN and repeated ids kept, and inspect it
        (:func:`biodl.data.checks.expression.inspect_expression`)."""
        from biodl.data.checks.expression import inspect_expression

        meta = read_metadata_table(data.labels) if data.labels else None
        parts = {
            name: read_expression(
                path,
                genes_as_rows=data.genes_as_rows,
                layer=data.layer,
                use_raw=data.use_raw,
                metadata=read_metadata_table(own, flag=f"--{name}-labels") if own else meta,
                id_column=data.id_column,
                strict=False,
            )
            for name, path, own in (
                ("train", data.train, None),
                ("valid", data.valid, data.valid_labels),
                ("test", data.test, data.test_labels),
            )
            if path
        }
        return inspect_expression(
            parts,
            label_columns=data.label_columns,
            task=data.task,
            log1p=data.log1p,
            normalize=data.normalize,
        )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_genes(prepared: PreparedData) -> None:
    train = prepared.parts["train"]
    assert isinstance(train, ExpressionSet)
    constant = zero_variance_genes(train.X)
    if constant.any():
        names = [train.genes[i] for i in np.flatnonzero(constant)[:5]]
        prepared.add_warning(
            f"{train.source}: {int(constant.sum())} of {train.n_genes} genes have zero variance "
            f"on the training samples (e.g. {', '.join(names)}); they carry no information. "
            "Filter them out or use --hvg N to keep the most variable genes.",
            DataWarning,
        )


EXPRESSION = ExpressionKind()
