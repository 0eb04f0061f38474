"""Distributed training through ``torchrun``: two processes as two "nodes" on localhost (gloo).

Each node is its own ``torchrun --nnodes 2 --nproc-per-node 1 --node-rank R`` with a master
address and port, as on two real machines. They train one model with Lightning's ``ddp``
strategy; only rank 0 writes the run folder. The result is compared with a single-process run
of the same seed: the two cannot be equal number for number, because DDP splits every batch
across the ranks (each draws its half from its own shard of a differently shuffled order:
Lightning's ``DistributedSampler``) and batch statistics of normalisation layers are computed
per rank. The distributed run is given half the batch size per rank, so both runs take the
same number of optimiser steps on batches of the same total size; what is left is sampling
noise, hence the tolerance on the test metrics.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
#: Largest difference accepted between the distributed and the single-process test metrics.
TOLERANCE = 0.1
#: Largest difference accepted between their validation losses, epoch by epoch.
LOSS_TOLERANCE = 0.05


def _torchrun_ready() -> bool:
    if importlib.util.find_spec("torch.distributed.run") is None:
        return False
    import torch.distributed as dist

    return dist.is_available() and dist.is_gloo_available()


pytestmark = pytest.mark.skipif(not _torchrun_ready(), reason="torchrun (gloo) is unavailable")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def planted(tmp_path) -> list[str]:
    """Expression counts where genes 0-4 are 4x higher in 'tumor': a signal learnt in seconds."""
    rng = np.random.default_rng(0)
    n, genes = 160, 20
    y = np.array(["normal", "tumor"] * (n // 2))
    lam = np.tile(rng.gamma(2.0, 5.0, size=genes), (n, 1))
    lam[y == "tumor", :5] *= 4.0
    ids = [f"S{i:03d}" for i in range(n)]
    data, meta = tmp_path / "counts.csv", tmp_path / "meta.csv"
    frame = pd.DataFrame(rng.poisson(lam), index=pd.Index(ids, name="sample"))
    frame.columns = [f"G{j}" for j in range(genes)]
    frame.to_csv(data)
    pd.DataFrame({"sample": ids, "status": y}).to_csv(meta, index=False)
    return [str(data), "--labels", str(meta), "--label-column", "status"]


def train_args(data: list[str], out: Path, batch: int) -> list[str]:
    return [
        *("train", *data, "--out", str(out), "--device", "cpu", "--epochs", "8"),
        *("--batch-size", str(batch), "--bootstrap", "20", "--baseline", "fast", "-q"),
    ]


def start_node(
    rank: int, port: int, args: list[str], env: dict[str, str], cwd: Path
) -> subprocess.Popen[str]:
    """One "node": ``torchrun`` (as ``python -m torch.distributed.run``) of ``biodl ARGS``."""
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2"]
    launcher += ["--nproc-per-node", "1", "--node-rank", str(rank)]
    launcher += ["--master-addr", "127.0.0.1", "--master-port", str(port)]
    return subprocess.Popen(
        [*launcher, "-m", "biodl", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=cwd,
    )


@pytest.mark.slow
def test_two_nodes_match_one_process(planted, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "SLURM_PROCID")}
    env.update(PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]))
    env.update(OMP_NUM_THREADS="1", BIODL_QUIET="1")
    ddp_args = [*train_args(planted, tmp_path / "ddp", 16), "--strategy", "ddp"]
    port = free_port()
    nodes = [
        start_node(rank, port, [*ddp_args, "--num-nodes", "2"], env, tmp_path) for rank in (0, 1)
    ]
    single = subprocess.run(
        [sys.executable, "-m", "biodl", *train_args(planted, tmp_path / "one", 32)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    outputs = [node.communicate(timeout=300) for node in nodes]
    for node, (_, err) in zip(nodes, outputs, strict=True):
        assert node.returncode == 0, err[-3000:]
    assert single.returncode == 0, single.stderr
    # Only rank 0 wrote: one run folder, no partial folder or lock left by rank 1.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ddp")) in (
        [],
        [".ddp.lock"],
    )
    environment = json.loads((tmp_path / "ddp" / "environment.json").read_text())
    assert environment["device"] == "cpu x2"
    ddp, one = (json.loads((tmp_path / n / "metrics.json").read_text()) for n in ("ddp", "one"))
    for metric in ("auroc", "accuracy"):
        assert ddp["model"]["test"][metric] == pytest.approx(
            one["model"]["test"][metric], abs=TOLERANCE
        ), metric
    assert ddp["model"]["test"]["auroc"] > 0.8  # both learnt the planted genes
    # Epoch by epoch the validation loss follows the single run's (0.448 vs 0.435 after one
    # epoch, 0.0250 vs 0.0250 after eight when this test was written).
    history, alone = (pd.read_csv(tmp_path / n / "history.csv") for n in ("ddp", "one"))
    assert len(history) == len(alone) == 8
    np.testing.assert_allclose(history["valid_loss"], alone["valid_loss"], atol=LOSS_TOLERANCE)
    assert ddp["baseline"] == one["baseline"]  # the baseline is not distributed: identical
