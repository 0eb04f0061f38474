"""The Koo & Eddy (2019) check of issue 13 at CI size: JASPAR motifs planted in random DNA,
biodl's CNN with first-layer max pooling 2 vs 10, filters and attributions matched back.

``benchmarks/bench_planted_pooling.py`` is the full check (12 motifs, 10,000 x 200 bp, about
3 CPU minutes per seed); this is its small version (6 motifs, 2,000 x 100 bp, 15 epochs, 16
first-layer filters, about 15 CPU seconds on one thread), with bounds below the numbers it
gives (filters whose best hit is a planted motif, q < 0.05: 3 with pooling 2, 6 with pooling
10; planted motifs found by a pool-10 filter: 4 of 6; by attribution discovery: 4 of 6).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from motif_helpers import JASPAR_MEME, by_name

from biodl.interpret.attribution import integrated_gradients
from biodl.interpret.discovery import discover_motifs
from biodl.interpret.filters import filter_motifs
from biodl.interpret.motif_files import read_motifs
from biodl.interpret.motifs import Motif
from biodl.interpret.planted import PlantedSequences, plant_motifs
from biodl.interpret.tomtom import match_motifs
from biodl.models.cnn import CNN
from biodl.pipeline.explain_motifs import filter_activations

#: Six planted motifs, informative enough to be told apart at this size.
NAMES = ("CTCF", "SPI1", "HNF4A", "TEAD1", "NFYA", "REST")
LENGTH = 100


@pytest.fixture
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _train(data: PlantedSequences, pool: int) -> CNN:
    """biodl's two-block CNN (16 x 19 then 32 x 5), first-layer pooling ``pool``."""
    torch.manual_seed(0)
    net = CNN(
        in_channels=4,
        n_outputs=data.labels.shape[1],
        channels=[16, 32],
        n_layers=2,
        kernel_size=[19, 5],
        pool_size=[pool, LENGTH // pool // 2],
        dropout=0.1,
        global_pooling="max",
    )
    x = torch.tensor(data.onehot).transpose(1, 2).contiguous()
    y = torch.tensor(data.labels, dtype=torch.float32)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(0)
    for _ in range(15):
        net.train()
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), 100):
            batch = order[i : i + 100]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def _filter_hits(net: CNN, data: PlantedSequences, db: list[Motif], planted: set[str]) -> list[str]:
    """The best JASPAR hit (q < 0.05) of each first-layer filter whose best hit is planted."""
    found = filter_activations(net, data.onehot.transpose(0, 2, 1).copy())
    assert found is not None
    values, conv, padding = found
    motifs = filter_motifs(data.onehot, values, width=int(conv.kernel_size[0]), padding=padding)
    queries = [f.motif.trimmed(min_bits=0.3) for f in motifs if f.n_sites > 0]
    best = match_motifs([q for q in queries if q.width >= 5], db).best()
    return [b.target for b in best if b.q_value < 0.05 and b.target in planted]


def _discovered(net: CNN, data: PlantedSequences, db: list[Motif], planted: set[str]) -> set[str]:
    """Planted motifs that are the best hit (q < 0.05) of an attribution-discovered pattern."""
    x = torch.tensor(data.onehot).transpose(1, 2).contiguous()
    present = torch.tensor(data.labels, dtype=torch.float32)

    def forward(points: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        return (net(points) * present[rows]).sum(1, keepdim=True)

    target = torch.zeros(len(x), dtype=torch.int64)
    attr = integrated_gradients(forward, x, target, steps=10).values.transpose(1, 2).numpy()
    patterns = [p for p in discover_motifs(attr, data.onehot) if p.sign == 1]
    best = match_motifs([p.motif for p in patterns], db).best()
    return {b.target for b in best if b.q_value < 0.05} & planted


@pytest.mark.realdata
def test_wide_first_layer_pooling_gives_motif_filters(shared_data: Path, one_thread: None) -> None:
    db = read_motifs(shared_data / JASPAR_MEME)
    motifs = by_name(db, NAMES)
    planted = {m.id for m in motifs}
    data = plant_motifs(motifs, n=2000, length=LENGTH, instances=(1, 3), seed=0)
    assert np.all(data.labels.sum(axis=0) > 200)  # every motif is planted in many sequences

    narrow = _filter_hits(_train(data, pool=2), data, db, planted)
    wide_net = _train(data, pool=10)
    wide = _filter_hits(wide_net, data, db, planted)
    # Koo & Eddy: with wide pooling the first layer learns whole motifs, with narrow parts.
    assert len(wide) >= 5, wide
    assert len(wide) >= len(narrow) + 2, (wide, narrow)
    assert len(set(wide)) >= 3, wide

    found = _discovered(wide_net, data, db, planted)
    assert len(found) >= 3, found
