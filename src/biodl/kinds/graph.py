"""Graphs and molecules as a kind of data (``--kind graph``; see docs/graphs.md).

Data: a TU-format folder (``DS_A.txt``, ``DS_graph_indicator.txt``, ``DS_graph_labels.txt`` and
optional node/edge labels and attributes; :mod:`biodl.data.tu`), stored compactly
(:class:`biodl.data.graphs.GraphSet`: concatenated arrays plus offsets). Inputs: node and
edge codes one-hot encoded per batch (the number of values of each field taken from the
training graphs), continuous attributes z-scored with training statistics. Networks
(:mod:`biodl.models.gnn`, on PyTorch Geometric): ``gin`` (the default for TU graphs), ``gcn``,
``gat``, ``mpnn`` (D-MPNN on bonds; the default for molecules).
Baselines: the panel (logistic regression, random forest, gradient boosting) on
Weisfeiler–Lehman subtree counts (:mod:`biodl.data.wl`).

PyTorch Geometric is imported only when a network is built.

Examples
--------
>>> GRAPH.name, sorted(GRAPH.models)
('graph', ['gat', 'gcn', 'gin', 'mpnn'])
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from biodl.data.graphs import GraphSet
from biodl.errors import ConfigError, DataError, DataWarning
from biodl.evaluation.search_space import SHARED, ParamSpec, categorical
from biodl.kinds.graph_options import GraphOptions
from biodl.models.gnn import DMPNN, GAT, GCN, GIN
from biodl.options import options_of

if TYPE_CHECKING:
    import pandas as pd

    from biodl.config import DataConfig, RunConfig
    from biodl.data.checks.result import Inspection
    from biodl.data.fingerprints import FingerprintFeatures
    from biodl.data.prepared import Leakage, PreparedData, RawData
    from biodl.data.wl import WLFeatures
    from biodl.kinds import ExtraBaseline

__all__ = [
    "GRAPH",
    "GRAPH_MODELS",
    "TU_GIN_PARAMS",
    "GraphBatches",
    "GraphKind",
    "GraphNetwork",
    "read_graphs",
]

#: Networks for graphs, by ``--model`` name.
GRAPH_MODELS: dict[str, type[nn.Module]] = {"gin": GIN, "gcn": GCN, "gat": GAT, "mpnn": DMPNN}
DEFAULT_GRAPH_MODEL = "gin"
#: The default network for molecules (SMILES, SDF): chosen on the validation parts of repeated
#: FreeSolv splits and the solubility set (docs/graphs.md, benchmarks/freesolv_splits.py).
DEFAULT_MOLECULE_MODEL = "mpnn"
#: ``gin``'s hyperparameters on TU graphs (not molecules), where they differ from the class
#: defaults: chosen on the inner validation parts of MUTAG's 10-fold CV with fold seeds other
#: than the reported one (docs/graphs.md, benchmarks/mutag_defaults.py). Each run records them
#: with its parameters, so runs made before keep their own.
TU_GIN_PARAMS: dict[str, Any] = {
    "width": 32,
    "read_input": True,
    "layer_dropout": False,
    "use_edge_features": False,
    "train_eps": True,
}

_GRAPH_SPACE: dict[str, ParamSpec] = {
    **SHARED,
    "model.width": categorical(32, 64, 128),
    "model.depth": categorical(2, 3, 4, 5),
    "model.readout": categorical("sum", "mean", "max", "attention"),
    "model.jumping_knowledge": categorical("last", "cat"),
}


def read_graphs(
    path: str,
    data: DataConfig | None = None,
    *,
    require_labels: bool = True,
    skip_invalid: bool | None = None,
    skipped: list[str] | None = None,
) -> tuple[GraphSet, pd.DataFrame | None, list[str], pd.DataFrame | None]:
    """The graphs of a TU folder or a SMILES table, their labels, reading notes and side columns.

    ``skip_invalid`` overrides ``--skip-invalid`` (``biodl inspect`` lists unreadable
    molecules instead of stopping at the first); ``skipped``, when given, receives one
    ``'line N: SMILES'`` (or ``'record N (line M)'``) per molecule dropped, in file order.

    Raises
    ------
    DataError
        When ``path`` is not a graph dataset biodl reads.
    """
    from biodl.data.sdf import looks_like_sdf, read_sdf
    from biodl.data.smiles import looks_like_smiles_table, read_smiles_table
    from biodl.data.tu import looks_like_tu, read_tu

    if looks_like_tu(Path(path)):
        graphs, labels = read_tu(path)
        return graphs, labels, [], None
    options = options_of(GraphOptions, data) if data is not None else GraphOptions()
    common: dict[str, Any] = {
        "label_columns": list(data.label_columns) if data is not None else [],
        "id_column": data.id_column if data is not None else None,
        "skip_invalid": options.skip_invalid if skip_invalid is None else skip_invalid,
        "require_labels": require_labels,
    }
    table = None
    if looks_like_sdf(Path(path)):
        table = read_sdf(path, **common)
    elif looks_like_smiles_table(Path(path)):
        table = read_smiles_table(path, smiles_column=options.smiles_column, **common)
    if table is not None:
        if skipped is not None:
            skipped += table.skipped_where
        notes = []
        if table.skipped:
            notes.append(
                f"{path}: {table.skipped} molecules that RDKit cannot read were dropped "
                f"(--skip-invalid; e.g. {', '.join(table.skipped_where[:3])})"
            )
        return table.graphs, table.labels, notes, table.side
    raise DataError(
        f"{path}: not a graph dataset; expected a TU folder (DS_A.txt, "
        "DS_graph_indicator.txt, DS_graph_labels.txt), a CSV/TSV with a SMILES column or an "
        "SDF file; "
        "see docs/graphs.md"
    )


def _files(path: str) -> list[str]:
    if not Path(path).is_dir() and not Path(path).name.endswith("_A.txt"):
        return [path]
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    return [str(p) for p in sorted(folder.glob("*.txt"))]


def _molecules(part: GraphSet, what: str) -> list[str]:
    if part.smiles is None:
        raise DataError(
            f"{part.source}: {what} needs molecules (SMILES); these graphs have none. Use "
            "--split stratified or random"
        )
    return part.smiles


class GraphKind:
    """Graphs (see the module docstring)."""

    name = "graph"
    models = GRAPH_MODELS
    spaces: ClassVar[dict[str, dict[str, ParamSpec]]] = {
        "gin": _GRAPH_SPACE,
        "gcn": _GRAPH_SPACE,
        "gat": _GRAPH_SPACE,
        "mpnn": {
            **SHARED,
            "model.width": categorical(100, 300),
            "model.depth": categorical(2, 3, 4, 5),
            "model.readout": categorical("sum", "mean"),
        },
    }
    splits = ("stratified", "random", "scaffold", "similarity", "predefined")

    def detect(self, path: Path) -> bool:
        from biodl.data.sdf import looks_like_sdf
        from biodl.data.smiles import looks_like_smiles_table
        from biodl.data.tu import looks_like_tu

        return looks_like_tu(path) or looks_like_smiles_table(path) or looks_like_sdf(path)

    def read_run(self, cfg: RunConfig) -> RawData:
        """The training graphs (and --valid/--test folders) with their labels."""
        from biodl.data.prepared import RawData

        data = cfg.data
        parts: dict[str, Any] = {}
        labels: dict[str, Any] = {}
        files: list[str] = []
        notes: list[str] = []
        side = None
        for name, path in (("train", data.train), ("valid", data.valid), ("test", data.test)):
            if path:
                parts[name], labels[name], more, table = read_graphs(path, data)
                side = table if name == "train" else side
                files += _files(path)
                notes += more
        return RawData(parts, labels, side=side, files=files, label_source=data.train, notes=notes)

    def scaffold_groups(self, part: GraphSet) -> np.ndarray:
        """The Bemis–Murcko scaffold of each molecule (``--split scaffold``)."""
        from biodl.data.fingerprints import scaffold_labels

        return scaffold_labels(_molecules(part, "--split scaffold"))

    def similar_groups(self, part: GraphSet, threshold: float) -> np.ndarray:
        """Clusters of molecules with Tanimoto similarity >= ``threshold`` (Morgan bits)."""
        from biodl.data.fingerprints import tanimoto_clusters

        return tanimoto_clusters(_molecules(part, "--split similarity"), threshold)

    def leakage(self, train: GraphSet, part: GraphSet, threshold: float) -> Leakage:
        """Graphs of ``part`` with the same nodes, edges and codes as a training graph."""
        from biodl.data.checks.common import identical_leakage
        from biodl.data.checks.graphs import graph_hashes

        return identical_leakage(
            (train.ids, graph_hashes(train)),
            (part.ids, graph_hashes(part)),
            what="graphs",
            item="graph",
            fix="remove the duplicated graphs from one of the parts",
        )

    def default_model(self, prepared: PreparedData) -> str:
        """``mpnn`` for molecules, ``gin`` for other graphs."""
        train: GraphSet = prepared.part("train")
        return DEFAULT_MOLECULE_MODEL if train.smiles is not None else DEFAULT_GRAPH_MODEL

    def default_params(self, prepared: PreparedData, model: str) -> dict[str, Any]:
        """``gin`` on TU graphs: :data:`TU_GIN_PARAMS` (``--set model.NAME=...`` overrides
        them); nothing for molecules or other networks."""
        train: GraphSet = prepared.part("train")
        return dict(TU_GIN_PARAMS) if model == "gin" and train.smiles is None else {}

    def fit_inputs(
        self, cfg: RunConfig, prepared: PreparedData, model: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Values per code field and attribute statistics, from the training graphs."""
        return fit_graph_inputs(prepared.part("train"))

    def build_network(
        self, model: str, params: dict[str, Any], inputs: dict[str, Any], n_outputs: int
    ) -> nn.Module:
        if model not in GRAPH_MODELS:
            raise ConfigError(
                f"--model: unknown model {model!r}; valid models: {', '.join(GRAPH_MODELS)} for "
                "graph data (see `biodl models`)"
            )
        in_features = sum(inputs["node_sizes"]) + len(inputs["value_mean"])
        edge_features = sum(inputs["edge_sizes"]) + len(inputs["edge_value_mean"])
        net = GRAPH_MODELS[model](
            in_features=in_features, edge_features=edge_features, n_outputs=n_outputs, **params
        )
        return GraphNetwork(net, inputs)

    def dataset(
        self,
        part: GraphSet,
        y: np.ndarray | None,
        inputs: dict[str, Any],
        *,
        training: bool,
        seed: int,
    ) -> Dataset[Any]:
        return GraphBatches(part, y)

    def baseline_features(
        self, cfg: RunConfig, prepared: PreparedData
    ) -> WLFeatures | FingerprintFeatures:
        """Molecules: Morgan bits + RDKit descriptors; other graphs: WL subtree counts."""
        from biodl.data.fingerprints import FingerprintFeatures
        from biodl.data.wl import WLFeatures

        train: GraphSet = prepared.part("train")
        if train.smiles is not None:
            return FingerprintFeatures.fit(train.smiles)
        iterations = options_of(GraphOptions, cfg.data).wl_iterations
        return WLFeatures.fit(prepared.part("train"), iterations=iterations)

    def extra_baselines(self, cfg: RunConfig, prepared: PreparedData) -> list[ExtraBaseline]:
        """None: the panel (logistic, random forest, boosting) covers the graph baselines."""
        return []

    def read(
        self, path: str, inputs: dict[str, Any], data: DataConfig, *, require_labels: bool
    ) -> tuple[GraphSet, pd.DataFrame | None]:
        graphs, labels, notes, _ = read_graphs(path, data, require_labels=require_labels)
        for note in notes:
            warnings.warn(note, DataWarning, stacklevel=2)
        if require_labels and labels is None:
            raise DataError(f"{path}: evaluating needs labels; this file has no label column")
        return graphs, labels

    def describe(self, prepared: PreparedData) -> dict[str, Any]:
        parts: list[GraphSet] = [prepared.parts[name] for name in prepared.present()]
        nodes = np.concatenate([p.n_nodes for p in parts])
        edges = np.concatenate([p.n_edges for p in parts])
        train: GraphSet = prepared.part("train")
        return {
            "graphs": len(nodes),
            "nodes_per_graph": {"median": float(np.median(nodes)), "max": int(nodes.max())},
            "edges_per_graph": {"median": float(np.median(edges)), "max": int(edges.max())},
            "node_fields": list(train.node_fields),
            "edge_fields": list(train.edge_fields),
            "node_attributes": len(train.value_names),
            "edge_attributes": len(train.edge_value_names),
            "bytes_graphs": int(sum(p.nbytes for p in parts)),
        }

    def report_figures(
        self,
        network: nn.Module,
        prepared: PreparedData,
        split: str,
        scores: np.ndarray,
        *,
        threshold: float,
        plots: Path,
    ) -> list[Any]:
        """Molecules: a grid of the worst-predicted molecules of ``split`` (RDKit drawings)."""
        from biodl.report.molecules import molecule_report_figures

        y = prepared.y.get(split)
        if y is None:
            return []
        targets = prepared.targets
        classes = [str(c) for c in targets.classes]
        part = prepared.parts[split]
        return molecule_report_figures(part, y, scores, targets.task, classes, plots, split=split)

    def inspect(self, data: DataConfig) -> Inspection:
        """Each part read as training reads it, then
        :func:`biodl.data.checks.graphs.inspect_graphs`."""
        from biodl.data.checks.graphs import inspect_graphs

        parts: dict[str, GraphSet] = {}
        labels: dict[str, pd.DataFrame | None] = {}
        unreadable: dict[str, list[str]] = {}
        for name, path in (("train", data.train), ("valid", data.valid), ("test", data.test)):
            if path:
                unreadable[name] = []
                parts[name], labels[name], _, _ = read_graphs(
                    path, data, require_labels=False, skip_invalid=True, skipped=unreadable[name]
                )
        return inspect_graphs(parts, labels, task=data.task, unreadable=unreadable)


def fit_graph_inputs(train: GraphSet) -> dict[str, Any]:
    """JSON-able input encoding fitted on ``train``: values per code field (max code + 1; the
    fixed vocabularies for molecules) and the mean and sd of each continuous attribute."""

    from biodl.data.molecules import ATOM_FIELDS, ATOM_SIZES, BOND_SIZES

    def sizes(codes: np.ndarray) -> list[int]:
        return [int(c.max(initial=0)) + 1 for c in codes.T]

    molecules = train.node_fields == ATOM_FIELDS

    def stats(values: np.ndarray) -> tuple[list[float], list[float]]:
        if not values.shape[1] or not len(values):
            return [0.0] * values.shape[1], [1.0] * values.shape[1]
        sd = values.std(axis=0)
        return values.mean(axis=0).tolist(), np.where(sd > 0, sd, 1.0).tolist()

    value_mean, value_sd = stats(train.node_values)
    edge_mean, edge_sd = stats(train.edge_values)
    return {
        "node_fields": list(train.node_fields),
        "edge_fields": list(train.edge_fields),
        "node_sizes": list(ATOM_SIZES) if molecules else sizes(train.node_codes),
        "edge_sizes": list(BOND_SIZES) if molecules else sizes(train.edge_codes),
        "value_mean": value_mean,
        "value_sd": value_sd,
        "edge_value_mean": edge_mean,
        "edge_value_sd": edge_sd,
    }


class GraphBatches(Dataset[Any]):
    """Whole batches of graphs: ``data[indices]`` concatenates those graphs' arrays.

    The batch's inputs are ``(n_nodes, node_codes, node_values, edges, edge_codes,
    edge_values)`` (:class:`GraphNetwork` takes them in that order); the first has one entry
    per graph, so the batch size is read from it.
    """

    def __init__(self, part: GraphSet, y: np.ndarray | None) -> None:
        self.part = part
        self.y = y

    def __len__(self) -> int:
        return len(self.part)

    def __getitem__(self, index: np.ndarray) -> Any:
        from biodl.data.dataset import TensorBatch

        batch = self.part.gather(np.asarray(index))
        arrays = (
            batch.n_nodes,
            batch.node_codes,
            batch.node_values,
            batch.edges,
            batch.edge_codes,
            batch.edge_values,
        )
        inputs = tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays)
        y = None
        if self.y is not None:
            dtype = torch.int64 if self.y.ndim == 1 and self.y.dtype.kind in "iu" else torch.float32
            y = torch.as_tensor(self.y[index], dtype=dtype)
        return TensorBatch(inputs, y)


class GraphNetwork(nn.Module):
    """Wrapper trained and saved: one-hot codes and scaled attributes in, ``.model`` out.

    ``forward(n_nodes, node_codes, node_values, edges, edge_codes, edge_values)`` returns
    ``(graphs, n_outputs)``. Its encoding (values per field, attribute statistics) comes from
    ``inputs`` (:func:`fit_graph_inputs`) and is kept in non-persistent buffers: only
    ``.model`` holds weights. A code at or past its field's size (unseen in training) is
    encoded as all zeros.
    """

    def __init__(self, model: nn.Module, inputs: dict[str, Any]) -> None:
        super().__init__()
        self.model = model
        self.node_sizes = [int(s) for s in inputs["node_sizes"]]
        self.edge_sizes = [int(s) for s in inputs["edge_sizes"]]
        for name in ("value_mean", "value_sd", "edge_value_mean", "edge_value_sd"):
            tensor = torch.tensor(inputs[name], dtype=torch.float32)
            self.register_buffer(name, tensor, persistent=False)

    def buffer(self, name: str) -> torch.Tensor:
        """One of the encoding's buffers, typed."""
        value = getattr(self, name)
        assert isinstance(value, torch.Tensor)
        return value

    @staticmethod
    def encode(codes: torch.Tensor, sizes: list[int]) -> list[torch.Tensor]:
        """One-hot blocks of the code columns, as one ``(rows, sum(sizes))`` block (codes
        outside ``0..size-1`` become zeros); an empty list when there are no columns."""
        if not sizes:
            return []
        size = torch.tensor(sizes, device=codes.device)
        start = torch.cumsum(size, 0) - size
        inside = (codes >= 0) & (codes < size)
        rows = torch.arange(codes.shape[0], device=codes.device).unsqueeze(1).expand_as(codes)
        out = torch.zeros(codes.shape[0], int(sum(sizes)), device=codes.device)
        out[rows[inside], (codes + start)[inside]] = 1.0
        return [out]

    def node_features(self, node_codes: torch.Tensor, node_values: torch.Tensor) -> torch.Tensor:
        """The ``(nodes, features)`` input of ``.model``: one-hot codes, then scaled values."""
        mean, sd = self.buffer("value_mean"), self.buffer("value_sd")
        scaled = (node_values - mean) / sd
        return torch.cat([*self.encode(node_codes, self.node_sizes), scaled], dim=1)

    def edge_features(
        self, edge_codes: torch.Tensor, edge_values: torch.Tensor
    ) -> torch.Tensor | None:
        """The ``(edges, features)`` edge input of ``.model`` (None without edge features)."""
        edge_mean, edge_sd = self.buffer("edge_value_mean"), self.buffer("edge_value_sd")
        edge_scaled = (edge_values - edge_mean) / edge_sd
        edge_blocks = [*self.encode(edge_codes, self.edge_sizes), edge_scaled]
        edge_attr: torch.Tensor | None = torch.cat(edge_blocks, dim=1)
        if edge_attr is not None and edge_attr.shape[1] == 0:
            edge_attr = None
        return edge_attr

    def forward(
        self,
        n_nodes: torch.Tensor,
        node_codes: torch.Tensor,
        node_values: torch.Tensor,
        edges: torch.Tensor,
        edge_codes: torch.Tensor,
        edge_values: torch.Tensor,
    ) -> torch.Tensor:
        x = self.node_features(node_codes, node_values)
        edge_attr = self.edge_features(edge_codes, edge_values)
        n_graphs = int(n_nodes.shape[0])
        batch = torch.repeat_interleave(torch.arange(n_graphs, device=n_nodes.device), n_nodes)
        return self.model(x, edges.t(), edge_attr, batch, n_graphs)

    def attribution_input(
        self,
        n_nodes: torch.Tensor,
        node_codes: torch.Tensor,
        node_values: torch.Tensor,
        edges: torch.Tensor,
        edge_codes: torch.Tensor,
        edge_values: torch.Tensor,
    ) -> tuple[torch.Tensor, Any]:
        """The attributed input of one batch and the network as a function of it.

        The node features of each graph are padded to ``(graphs, max nodes, features)``
        (:mod:`biodl.interpret.inputs` attributes them like any other input); the returned
        ``forward(x, rows)`` builds one batch of the graphs ``rows`` (the example of each row
        of ``x``, repeated along integration paths) from their real nodes, their own edges and
        edge features, and returns the network's raw outputs ``(len(rows), k)``. Padding
        positions never reach the network, so their attributions are zero.
        """
        counts = n_nodes.long()
        n_graphs = int(counts.shape[0])
        device = counts.device
        features = self.node_features(node_codes, node_values)
        width = int(counts.max()) if n_graphs else 0
        node_start = torch.cumsum(counts, 0) - counts
        graph_of_node = torch.repeat_interleave(torch.arange(n_graphs, device=device), counts)
        slot = torch.arange(len(graph_of_node), device=device) - node_start[graph_of_node]
        x = features.new_zeros((n_graphs, width, features.shape[1]))
        x[graph_of_node, slot] = features
        edge_attr = self.edge_features(edge_codes, edge_values)
        pairs = edges.long()
        graph_of_edge = graph_of_node[pairs[:, 0]] if len(pairs) else pairs[:, 0]
        edge_counts = torch.bincount(graph_of_edge, minlength=n_graphs)
        edge_start = torch.cumsum(edge_counts, 0) - edge_counts
        local = pairs - node_start[graph_of_edge].unsqueeze(1)
        positions = torch.arange(width, device=device)

        def forward(points: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
            rows = rows.to(device)
            m = len(rows)
            nodes, n_edges = counts[rows], edge_counts[rows]
            real = positions.unsqueeze(0) < nodes.unsqueeze(1)
            node_x = points[real]  # row by row, each row's real nodes in order
            new_start = torch.cumsum(nodes, 0) - nodes
            new_edge_start = torch.cumsum(n_edges, 0) - n_edges
            row_of_edge = torch.repeat_interleave(torch.arange(m, device=device), n_edges)
            within = torch.arange(len(row_of_edge), device=device) - new_edge_start[row_of_edge]
            taken = edge_start[rows][row_of_edge] + within
            new_edges = local[taken] + new_start[row_of_edge].unsqueeze(1)
            attr = edge_attr[taken] if edge_attr is not None else None
            batch = torch.repeat_interleave(torch.arange(m, device=device), nodes)
            return self.model(node_x, new_edges.t(), attr, batch, m)

        return x, forward


GRAPH = GraphKind()
