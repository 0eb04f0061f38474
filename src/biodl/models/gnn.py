"""Graph neural networks on PyTorch Geometric layers: GIN, GCN, GAT and a directed
message-passing network on bonds (D-MPNN), plain ``nn.Module``s.

Each network maps node features ``x : (nodes, in_features)``, ``edge_index : (2, edges)``,
optional edge features ``edge_attr : (edges, edge_features)``, the graph of each node
``batch : (nodes,)`` and the number of graphs to ``(graphs, n_outputs)`` raw outputs:

1. a linear embedding of the node features to ``width``;
2. ``depth`` message-passing layers (GINConv/GINEConv, GCNConv or GATv2Conv), each followed by
   batch norm (optional), ReLU and dropout;
3. jumping knowledge: the node states of the last layer, or of every layer concatenated,
   max-pooled or summed (``jumping_knowledge``);
4. a readout over each graph's nodes: sum, mean, max or attention (a learnt gate);
5. a two-layer head.

:class:`DMPNN` keeps its states on directed edges instead (see its docstring).

PyTorch Geometric is imported when a network is built, so importing this module needs only
torch; a missing install is named with the command that adds it.

Examples
--------
>>> import torch
>>> net = GIN(in_features=3, n_outputs=2, depth=2, width=8)
>>> x = torch.randn(5, 3)
>>> edge_index = torch.tensor([[0, 1, 3], [1, 0, 4]])
>>> batch = torch.tensor([0, 0, 0, 1, 1])
>>> tuple(net(x, edge_index, None, batch, 2).shape)
(2, 2)
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import Tensor, nn

from biodl.errors import ConfigError

__all__ = ["DMPNN", "GAT", "GCN", "GIN", "GraphNet", "pyg_nn"]

ReadoutName = Literal["sum", "mean", "max", "attention"]
JumpingName = Literal["last", "cat", "max", "sum"]

INSTALL = "pip install 'biodl[graphs]' (or: pip install torch_geometric rdkit)"


def pyg_nn() -> Any:
    """``torch_geometric.nn``, or a ConfigError naming the install command."""
    try:
        import torch_geometric.nn as pyg
    except ImportError as error:  # pragma: no cover - the dev install has it
        raise ConfigError(
            f"graph networks need PyTorch Geometric, which is not installed ({error}); "
            f"install it with: {INSTALL}"
        ) from None
    return pyg


class GraphNet(nn.Module):
    """The shared body of the graph networks (see the module docstring); subclasses make the
    message-passing layers in :meth:`conv`.

    Parameters
    ----------
    in_features : int
        Width of the node features.
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    edge_features : int, default 0
        Width of the edge features (0: none; layers that cannot use them ignore them).
    depth : int, default 4
        Number of message-passing layers.
    width : int, default 64
        Width of the node states.
    dropout : float, default 0.5
        Dropout after each layer and in the head.
    batch_norm : bool, default True
        BatchNorm1d on node states after each layer.
    readout : {"sum", "mean", "max", "attention"}, default "sum"
        How a graph's node states become one vector: sum, mean, max, or a weighted sum with
        weights from a learnt gate (softmax over the graph's nodes).
    jumping_knowledge : {"last", "cat", "max", "sum"}, default "cat"
        Which layers' node states are read out: the last, or all layers concatenated,
        element-wise max or sum (Xu et al. 2018).
    read_input : bool, default False
        Jumping knowledge also reads the input layer: the embedded node features before any
        message passing join the layers' states (Xu et al. 2019 read out every layer, the
        input included). Ignored with ``jumping_knowledge="last"``.
    layer_dropout : bool, default True
        Dropout after every message-passing layer as well as in the head; False: in the head
        only (as Xu et al. 2019).
    """

    def __init__(
        self,
        *,
        in_features: int,
        n_outputs: int,
        edge_features: int = 0,
        depth: int = 4,
        width: int = 64,
        dropout: float = 0.5,
        batch_norm: bool = True,
        readout: ReadoutName = "sum",
        jumping_knowledge: JumpingName = "cat",
        read_input: bool = False,
        layer_dropout: bool = True,
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ConfigError(f"depth must be >= 1, got {depth}")
        if readout not in ("sum", "mean", "max", "attention"):
            raise ConfigError(f"readout '{readout}' is unknown; choose sum, mean, max, attention")
        if jumping_knowledge not in ("last", "cat", "max", "sum"):
            raise ConfigError(
                f"jumping_knowledge '{jumping_knowledge}' is unknown; choose last, cat, max, sum"
            )
        pyg = pyg_nn()
        self.edge_features = edge_features
        self.readout = readout
        self.jumping_knowledge = jumping_knowledge
        self.read_input = read_input and jumping_knowledge != "last"
        self.embed = nn.Linear(max(in_features, 1), width)
        self.convs = nn.ModuleList(self.conv(width, edge_features) for _ in range(depth))
        self.norms = nn.ModuleList(
            nn.BatchNorm1d(width) if batch_norm else nn.Identity() for _ in range(depth)
        )
        self.dropout = nn.Dropout(dropout)
        self.layer_dropout = nn.Dropout(dropout) if layer_dropout else nn.Identity()
        layers = depth + 1 if self.read_input else depth
        self.n_features = width * layers if jumping_knowledge == "cat" else width
        self.gate = (
            pyg.aggr.AttentionalAggregation(nn.Linear(self.n_features, 1))
            if readout == "attention"
            else None
        )
        self.head = nn.Sequential(
            nn.Linear(self.n_features, width),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(width, n_outputs),
        )

    def conv(self, width: int, edge_features: int) -> nn.Module:
        """One message-passing layer ``width -> width`` (subclasses)."""
        raise NotImplementedError

    def apply_conv(
        self, conv: nn.Module, h: Tensor, edge_index: Tensor, edge_attr: Tensor | None
    ) -> Tensor:
        """Call one layer (subclasses that take edge features pass them)."""
        return conv(h, edge_index)

    def embed_nodes(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        """Node states after jumping knowledge, ``(nodes, n_features)``."""
        h = self.embed(x)
        states = [h] if self.read_input else []
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = torch.relu(norm(self.apply_conv(conv, h, edge_index, edge_attr)))
            h = self.layer_dropout(h)
            states.append(h)
        if self.jumping_knowledge == "last":
            return states[-1]
        if self.jumping_knowledge == "cat":
            return torch.cat(states, dim=1)
        stacked = torch.stack(states)
        return stacked.amax(0) if self.jumping_knowledge == "max" else stacked.sum(0)

    def features(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None,
        batch: Tensor,
        n_graphs: int,
    ) -> Tensor:
        """One vector per graph, ``(graphs, n_features)``."""
        pyg = pyg_nn()
        h = self.embed_nodes(x, edge_index, edge_attr)
        if self.gate is not None:
            return self.gate(h, batch, dim_size=n_graphs)
        pool = {
            "sum": pyg.global_add_pool,
            "mean": pyg.global_mean_pool,
            "max": pyg.global_max_pool,
        }[self.readout]
        return pool(h, batch, n_graphs)

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None,
        batch: Tensor,
        n_graphs: int,
    ) -> Tensor:
        return self.head(self.features(x, edge_index, edge_attr, batch, n_graphs))


class GIN(GraphNet):
    """Graph isomorphism network (Xu et al. 2019): GIN-0 by default, GIN-ε with ``train_eps``.

    Each layer is ``MLP((1 + ε) h_v + Σ_u h_u)`` with a two-layer MLP; with edge features the
    neighbour term is ``Σ_u ReLU(h_u + W e_uv)`` (GINE, Hu et al. 2020).

    Parameters
    ----------
    in_features : int
        Width of the node features.
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    edge_features : int, default 0
        Width of the edge features (0: none).
    depth : int, default 4
        Number of message-passing layers.
    width : int, default 64
        Width of the node states.
    dropout : float, default 0.5
        Dropout after each layer and in the head.
    batch_norm : bool, default True
        BatchNorm1d on node states after each layer.
    readout : {"sum", "mean", "max", "attention"}, default "sum"
        How a graph's node states become one vector (attention: a learnt gate).
    jumping_knowledge : {"last", "cat", "max", "sum"}, default "cat"
        Which layers' node states are read out: the last, or all concatenated / max / sum.
    train_eps : bool, default False
        Learn ε in each layer (GIN-ε); False keeps ε = 0 (GIN-0).
    use_edge_features : bool, default True
        Use the edge features when the data has them (GINE layers); False ignores them.
    read_input : bool, default False
        Jumping knowledge also reads the input layer (the embedded node features), as Xu et
        al.'s readout of every layer; ignored with ``jumping_knowledge="last"``.
    layer_dropout : bool, default True
        Dropout after every layer as well as in the head; False: in the head only (Xu et al.).

    Examples
    --------
    >>> import torch
    >>> net = GIN(in_features=2, n_outputs=1, edge_features=3, train_eps=True, readout="mean")
    >>> out = net(torch.randn(3, 2), torch.tensor([[0, 1], [1, 0]]), torch.randn(2, 3),
    ...           torch.zeros(3, dtype=torch.long), 1)
    >>> tuple(out.shape)
    (1, 1)
    """

    def __init__(
        self,
        *,
        in_features: int,
        n_outputs: int,
        edge_features: int = 0,
        depth: int = 4,
        width: int = 64,
        dropout: float = 0.5,
        batch_norm: bool = True,
        readout: ReadoutName = "sum",
        jumping_knowledge: JumpingName = "cat",
        train_eps: bool = False,
        use_edge_features: bool = True,
        read_input: bool = False,
        layer_dropout: bool = True,
    ) -> None:
        self.train_eps = train_eps
        super().__init__(
            in_features=in_features,
            n_outputs=n_outputs,
            edge_features=edge_features if use_edge_features else 0,
            depth=depth,
            width=width,
            dropout=dropout,
            batch_norm=batch_norm,
            readout=readout,
            jumping_knowledge=jumping_knowledge,
            read_input=read_input,
            layer_dropout=layer_dropout,
        )

    def conv(self, width: int, edge_features: int) -> nn.Module:
        pyg = pyg_nn()
        mlp = nn.Sequential(
            nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, width)
        )
        if edge_features:
            return pyg.GINEConv(mlp, train_eps=self.train_eps, edge_dim=edge_features)
        return pyg.GINConv(mlp, train_eps=self.train_eps)

    def apply_conv(
        self, conv: nn.Module, h: Tensor, edge_index: Tensor, edge_attr: Tensor | None
    ) -> Tensor:
        if self.edge_features and edge_attr is not None:
            return conv(h, edge_index, edge_attr)
        return conv(h, edge_index)


class GCN(GraphNet):
    """Graph convolutional network (Kipf & Welling 2017): symmetric-normalised neighbour
    averaging with self-loops; edge features are not used.

    Parameters
    ----------
    in_features : int
        Width of the node features.
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    edge_features : int, default 0
        Ignored (GCN layers take no edge features).
    depth : int, default 4
        Number of message-passing layers.
    width : int, default 64
        Width of the node states.
    dropout : float, default 0.5
        Dropout after each layer and in the head.
    batch_norm : bool, default True
        BatchNorm1d on node states after each layer.
    readout : {"sum", "mean", "max", "attention"}, default "mean"
        How a graph's node states become one vector (attention: a learnt gate).
    jumping_knowledge : {"last", "cat", "max", "sum"}, default "cat"
        Which layers' node states are read out: the last, or all concatenated / max / sum.

    Examples
    --------
    >>> import torch
    >>> net = GCN(in_features=2, n_outputs=3, depth=1, width=4)
    >>> tuple(net(torch.randn(2, 2), torch.tensor([[0], [1]]), None,
    ...           torch.zeros(2, dtype=torch.long), 1).shape)
    (1, 3)
    """

    def __init__(
        self,
        *,
        in_features: int,
        n_outputs: int,
        edge_features: int = 0,
        depth: int = 4,
        width: int = 64,
        dropout: float = 0.5,
        batch_norm: bool = True,
        readout: ReadoutName = "mean",
        jumping_knowledge: JumpingName = "cat",
    ) -> None:
        super().__init__(
            in_features=in_features,
            n_outputs=n_outputs,
            edge_features=0,
            depth=depth,
            width=width,
            dropout=dropout,
            batch_norm=batch_norm,
            readout=readout,
            jumping_knowledge=jumping_knowledge,
        )

    def conv(self, width: int, edge_features: int) -> nn.Module:
        return pyg_nn().GCNConv(width, width)


class GAT(GraphNet):
    """Graph attention network (GATv2, Brody et al. 2022): attention over neighbours, with
    edge features in the attention scores when the data has them.

    Parameters
    ----------
    in_features : int
        Width of the node features.
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    edge_features : int, default 0
        Width of the edge features (0: none).
    depth : int, default 4
        Number of message-passing layers.
    width : int, default 64
        Width of the node states (``heads`` heads of ``width // heads`` each, concatenated).
    dropout : float, default 0.5
        Dropout after each layer and in the head.
    batch_norm : bool, default True
        BatchNorm1d on node states after each layer.
    readout : {"sum", "mean", "max", "attention"}, default "mean"
        How a graph's node states become one vector (attention: a learnt gate).
    jumping_knowledge : {"last", "cat", "max", "sum"}, default "cat"
        Which layers' node states are read out: the last, or all concatenated / max / sum.
    heads : int, default 4
        Attention heads per layer (must divide ``width``).
    attention_dropout : float, default 0.0
        Dropout on the attention weights.

    Examples
    --------
    >>> import torch
    >>> net = GAT(in_features=2, n_outputs=2, depth=1, width=8, heads=2)
    >>> tuple(net(torch.randn(2, 2), torch.tensor([[0], [1]]), None,
    ...           torch.zeros(2, dtype=torch.long), 1).shape)
    (1, 2)
    """

    def __init__(
        self,
        *,
        in_features: int,
        n_outputs: int,
        edge_features: int = 0,
        depth: int = 4,
        width: int = 64,
        dropout: float = 0.5,
        batch_norm: bool = True,
        readout: ReadoutName = "mean",
        jumping_knowledge: JumpingName = "cat",
        heads: int = 4,
        attention_dropout: float = 0.0,
    ) -> None:
        if heads < 1 or width % heads:
            raise ConfigError(f"heads ({heads}) must divide width ({width})")
        self.heads = heads
        self.attention_dropout = attention_dropout
        super().__init__(
            in_features=in_features,
            n_outputs=n_outputs,
            edge_features=edge_features,
            depth=depth,
            width=width,
            dropout=dropout,
            batch_norm=batch_norm,
            readout=readout,
            jumping_knowledge=jumping_knowledge,
        )

    def conv(self, width: int, edge_features: int) -> nn.Module:
        return pyg_nn().GATv2Conv(
            width,
            width // self.heads,
            heads=self.heads,
            dropout=self.attention_dropout,
            edge_dim=edge_features or None,
        )

    def apply_conv(
        self, conv: nn.Module, h: Tensor, edge_index: Tensor, edge_attr: Tensor | None
    ) -> Tensor:
        if self.edge_features and edge_attr is not None:
            return conv(h, edge_index, edge_attr=edge_attr)
        return conv(h, edge_index)


class DMPNN(nn.Module):
    """Directed message-passing network on bonds (D-MPNN, Yang et al. 2019, as in Chemprop).

    Hidden states live on directed edges: ``h_uv`` starts as ``ReLU(W_i [x_u, e_uv])`` and is
    updated ``depth - 1`` times with the messages of the edges entering ``u`` except the
    reverse edge ``v -> u``: ``h_uv = ReLU(h0_uv + W_h (Σ_{k->u} h_ku - h_vu))``. Atom states
    are ``ReLU(W_o [x_v, Σ_{u->v} h_uv])``, read out per molecule and passed to a two-layer
    head. The reverse of each edge is found from ``edge_index`` (edges whose reverse is absent
    keep no reverse term).

    Parameters
    ----------
    in_features : int
        Width of the node (atom) features.
    n_outputs : int
        Width of the output (classes, labels or regression targets).
    edge_features : int, default 0
        Width of the edge (bond) features.
    depth : int, default 3
        Message-passing steps (Chemprop's default).
    width : int, default 300
        Width of the edge and atom states (Chemprop's default).
    dropout : float, default 0.0
        Dropout on the states and in the head.
    readout : {"sum", "mean", "max", "attention"}, default "mean"
        How a molecule's atom states become one vector.

    Examples
    --------
    >>> import torch
    >>> net = DMPNN(in_features=3, n_outputs=1, edge_features=2, width=8)
    >>> edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    >>> out = net(torch.randn(3, 3), edge_index, torch.randn(4, 2), torch.zeros(3).long(), 1)
    >>> tuple(out.shape)
    (1, 1)
    """

    def __init__(
        self,
        *,
        in_features: int,
        n_outputs: int,
        edge_features: int = 0,
        depth: int = 3,
        width: int = 300,
        dropout: float = 0.0,
        readout: ReadoutName = "mean",
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ConfigError(f"depth must be >= 1, got {depth}")
        if readout not in ("sum", "mean", "max", "attention"):
            raise ConfigError(f"readout '{readout}' is unknown; choose sum, mean, max, attention")
        pyg = pyg_nn()
        self.depth = depth
        self.readout = readout
        self.W_i = nn.Linear(in_features + edge_features, width, bias=False)
        self.W_h = nn.Linear(width, width, bias=False)
        self.W_o = nn.Linear(in_features + width, width)
        self.dropout = nn.Dropout(dropout)
        self.n_features = width
        self.gate = (
            pyg.aggr.AttentionalAggregation(nn.Linear(width, 1)) if readout == "attention" else None
        )
        self.head = nn.Sequential(
            nn.Linear(width, width), nn.ReLU(), nn.Dropout(dropout), nn.Linear(width, n_outputs)
        )

    @staticmethod
    def reverse_edges(edge_index: Tensor, n_nodes: int) -> Tensor:
        """``(edges,)`` position of each edge's reverse, or -1 where there is none."""
        source, target = edge_index
        key = source * n_nodes + target
        reverse_key = target * n_nodes + source
        order = torch.argsort(key)
        found = torch.searchsorted(key[order], reverse_key).clamp(max=len(key) - 1)
        hit = key[order][found] == reverse_key if len(key) else reverse_key.bool()
        return torch.where(hit, order[found], torch.full_like(found, -1))

    def features(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None,
        batch: Tensor,
        n_graphs: int,
    ) -> Tensor:
        """One vector per molecule, ``(graphs, width)``."""
        pyg = pyg_nn()
        source, target = edge_index
        n = x.shape[0]
        edge_in = x[source] if edge_attr is None else torch.cat([x[source], edge_attr], dim=1)
        h0 = self.W_i(edge_in)
        h = torch.relu(h0)
        reverse = self.reverse_edges(edge_index, n)
        has_reverse = (reverse >= 0).unsqueeze(1)
        for _ in range(self.depth - 1):
            incoming = torch.zeros(n, h.shape[1], device=h.device, dtype=h.dtype)
            incoming.index_add_(0, target, h)  # Σ over edges entering each node
            back = torch.where(has_reverse, h[reverse.clamp(min=0)], torch.zeros_like(h))
            h = self.dropout(torch.relu(h0 + self.W_h(incoming[source] - back)))
        atoms = torch.zeros(n, h.shape[1], device=h.device, dtype=h.dtype)
        atoms.index_add_(0, target, h)
        states = self.dropout(torch.relu(self.W_o(torch.cat([x, atoms], dim=1))))
        if self.gate is not None:
            return self.gate(states, batch, dim_size=n_graphs)
        pool = {
            "sum": pyg.global_add_pool,
            "mean": pyg.global_mean_pool,
            "max": pyg.global_max_pool,
        }[self.readout]
        return pool(states, batch, n_graphs)

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None,
        batch: Tensor,
        n_graphs: int,
    ) -> Tensor:
        return self.head(self.features(x, edge_index, edge_attr, batch, n_graphs))
