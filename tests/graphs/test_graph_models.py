"""GIN, GCN and GAT: plain nn.Modules; every readout and jumping knowledge; graph-level outputs
do not depend on how the nodes are numbered."""

from __future__ import annotations

import pytest
import torch

from biodl.errors import ConfigError
from biodl.kinds import model_parameters
from biodl.models.gnn import DMPNN, GAT, GCN, GIN


def _two_graphs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    x = torch.randn(7, 5)
    pairs = torch.tensor([[0, 1], [1, 2], [2, 3], [4, 5], [5, 6]])
    edge_index = torch.cat([pairs, pairs.flip(1)]).t()
    edge_attr = torch.randn(edge_index.shape[1], 3)
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    return x, edge_index, edge_attr, batch


@pytest.mark.parametrize("cls", [GIN, GCN, GAT])
@pytest.mark.parametrize("readout", ["sum", "mean", "max", "attention"])
@pytest.mark.parametrize("jk", ["last", "cat", "max", "sum"])
def test_outputs_ignore_node_numbering(cls, readout: str, jk: str) -> None:
    torch.manual_seed(0)
    net = cls(
        in_features=5, n_outputs=2, edge_features=3, depth=2, width=8, readout=readout,
        jumping_knowledge=jk,
    ).eval()  # fmt: skip
    x, edge_index, edge_attr, batch = _two_graphs()
    out = net(x, edge_index, edge_attr, batch, 2)
    assert out.shape == (2, 2)
    order = torch.tensor([3, 1, 0, 2, 6, 4, 5])  # new position of each old node
    moved = torch.empty_like(x)
    moved[order] = x
    again = net(moved, order[edge_index], edge_attr, batch, 2)
    assert torch.allclose(out, again, atol=1e-5)


def test_gin_variants_and_edge_features() -> None:
    gin0 = GIN(in_features=4, n_outputs=1, depth=2)
    gin_eps = GIN(in_features=4, n_outputs=1, depth=2, train_eps=True)
    assert not any("eps" in n for n, p in gin0.named_parameters())
    assert any(n.endswith("eps") for n, _ in gin_eps.named_parameters())  # learnt ε
    edges = GIN(in_features=4, n_outputs=1, edge_features=3, depth=1)
    assert type(edges.convs[0]).__name__ == "GINEConv"
    plain = GIN(in_features=4, n_outputs=1, edge_features=3, depth=1, use_edge_features=False)
    assert type(plain.convs[0]).__name__ == "GINConv"


@pytest.mark.parametrize("jk", ["cat", "sum"])
def test_gin_reads_the_input_layer(jk: str) -> None:
    """read_input: the embedded input joins the layers' states (a wider cat, one more term
    of a sum); node numbering still does not matter."""
    torch.manual_seed(0)
    kwargs = {"in_features": 5, "n_outputs": 2, "depth": 2, "width": 8, "jumping_knowledge": jk}
    plain, read = GIN(**kwargs).eval(), GIN(**kwargs, read_input=True).eval()
    x, edge_index, _, batch = _two_graphs()
    expected = 8 * 3 if jk == "cat" else 8
    assert read.n_features == expected and plain.n_features == (16 if jk == "cat" else 8)
    states = read.embed_nodes(x, edge_index)
    assert states.shape == (7, expected)
    if jk == "cat":  # the first block is the embedded input itself
        assert torch.allclose(states[:, :8], read.embed(x))
    order = torch.tensor([3, 1, 0, 2, 6, 4, 5])
    moved = torch.empty_like(x)
    moved[order] = x
    out = read(x, edge_index, None, batch, 2)
    assert torch.allclose(out, read(moved, order[edge_index], None, batch, 2), atol=1e-5)
    last = GIN(**{**kwargs, "jumping_knowledge": "last"}, read_input=True)
    assert last.n_features == 8  # ignored without jumping knowledge over layers


def test_gin_dropout_in_the_head_only() -> None:
    """layer_dropout=False: training-mode node states are deterministic (no dropout between
    layers), while the head still drops."""
    torch.manual_seed(0)
    x, edge_index, _, batch = _two_graphs()
    head_only = GIN(in_features=5, n_outputs=2, depth=2, width=8, dropout=0.5,
                    layer_dropout=False, batch_norm=False).train()  # fmt: skip
    assert torch.equal(head_only.embed_nodes(x, edge_index), head_only.embed_nodes(x, edge_index))
    outs = {tuple(head_only(x, edge_index, None, batch, 2).flatten().tolist()) for _ in range(5)}
    assert len(outs) > 1  # the head's dropout still acts
    everywhere = GIN(in_features=5, n_outputs=2, depth=2, width=8, dropout=0.5,
                     batch_norm=False).train()  # fmt: skip
    assert not torch.equal(everywhere.embed_nodes(x, edge_index),
                           everywhere.embed_nodes(x, edge_index))  # fmt: skip


def test_options_are_checked_and_listed() -> None:
    with pytest.raises(ConfigError, match="readout 'median' is unknown"):
        GIN(in_features=2, n_outputs=1, readout="median")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"heads \(3\) must divide width \(64\)"):
        GAT(in_features=2, n_outputs=1, heads=3)
    names = {p.name for p in model_parameters("graph", "gin")}
    assert {"depth", "width", "dropout", "batch_norm", "readout", "jumping_knowledge",
            "train_eps", "read_input", "layer_dropout"} <= names  # fmt: skip


@pytest.mark.parametrize("readout", ["sum", "mean", "max", "attention"])
def test_dmpnn_ignores_numbering(readout: str) -> None:
    torch.manual_seed(0)
    net = DMPNN(in_features=5, n_outputs=2, edge_features=3, width=8, readout=readout).eval()
    x, edge_index, edge_attr, batch = _two_graphs()
    out = net(x, edge_index, edge_attr, batch, 2)
    order = torch.tensor([3, 1, 0, 2, 6, 4, 5])
    moved = torch.empty_like(x)
    moved[order] = x
    assert torch.allclose(out, net(moved, order[edge_index], edge_attr, batch, 2), atol=1e-5)


def test_dmpnn_messages_skip_the_reverse_edge() -> None:
    """On a path a-b-c with depth 2, the state of edge a->b is h0(a->b) plus nothing (a has no
    other incoming edge than b->a, its reverse): written out by hand."""
    torch.manual_seed(0)
    net = DMPNN(in_features=2, n_outputs=1, edge_features=0, depth=2, width=4).eval()
    x = torch.randn(3, 2)
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    assert DMPNN.reverse_edges(edge_index, 3).tolist() == [1, 0, 3, 2]
    h0 = net.W_i(x[edge_index[0]])
    h1 = torch.relu(h0)
    incoming = torch.zeros(3, 4).index_add_(0, edge_index[1], h1)
    expected = torch.relu(h0 + net.W_h(incoming[edge_index[0]] - h1[[1, 0, 3, 2]]))
    assert torch.allclose(expected[0], torch.relu(h0[0]))  # a->b: a has nothing else coming in
    atoms = torch.zeros(3, 4).index_add_(0, edge_index[1], expected)
    states = torch.relu(net.W_o(torch.cat([x, atoms], dim=1)))
    manual = net.head(states.mean(0, keepdim=True))
    got = net(x, edge_index, None, torch.zeros(3, dtype=torch.long), 1)
    assert torch.allclose(got, manual, atol=1e-6)


def test_biodl_models_gives_each_model_its_whole_first_sentence() -> None:
    """`biodl models --kind graph` cut the GCN's line at 'symmetric-normalised neighbour'."""
    from biodl import api

    docs = {(d.kind, d.name): d.summary for d in api.describe_models()}
    assert docs["graph", "gcn"].endswith("self-loops; edge features are not used.")
    assert all(s.rstrip().endswith((".", ")", "``")) for s in docs.values()), docs
