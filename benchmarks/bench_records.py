"""Irregular records: preprocessing speed and memory; GRU-D / GRU training throughput.

Writes a synthetic cohort (PhysioNet 2012 layout: 48 h stays, 37 variables, up to 80
observations per variable per record), then measures, side by side in one run:

1. reading the per-record files into compact observations (``read_records``);
2. turning every record into model input (time grid, mask, delta, statics) batch by batch,
   as training does (``grid_batch``), and the summary-statistic baseline features;
3. memory: bytes of the compact observations, the peak traced allocation during (1)+(2), and
   the dense records x variables x 1-minute grid that is never built;
4. (``--train``) one epoch of GRU-D and of a GRU on [values, mask, delta] through biodl's
   dataset versus a hand-written loop over the same pre-built batches.

Usage: ``python benchmarks/bench_records.py [--records 10000] [--train]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from biodl.data.records import RecordSet, read_records
from biodl.data.summary import summary_from_observations
from biodl.data.synthetic_icu import write_icu_records
from biodl.data.timegrid import GridSpec, fit_grid, grid_batch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--folder", default=None, help="reuse a cohort written earlier")
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--precision", default="32-true", help="32-true or bf16-mixed (torch.autocast bfloat16)"
    )
    args = parser.parse_args()
    folder = Path(args.folder or tempfile.mkdtemp(prefix="bench-records-"))
    if not (folder / "records").exists():
        start = time.perf_counter()
        write_icu_records(folder, n_records=args.records, seed=0)
        print(f"wrote {args.records} record files in {time.perf_counter() - start:.1f} s")
    tracemalloc.start()
    start = time.perf_counter()
    records = read_records(folder / "records")
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    spec = fit_grid(records)
    cells = 0
    for begin in range(0, len(records), 64):
        batch = grid_batch(records, np.arange(begin, min(begin + 64, len(records))), spec)
        cells += batch.values.size
    grid_s = time.perf_counter() - start
    start = time.perf_counter()
    summary_from_observations(
        records.record_index,
        records.variable,
        records.time,
        records.value,
        n_records=len(records),
        n_variables=len(records.variables),
    )
    summary_s = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_obs = records.value.size
    dense = len(records) * len(records.variables) * 48 * 60 * 4  # float32, 1-minute grid
    print(f"records {len(records)}, variables {len(records.variables)}, observations {n_obs:,}")
    print(f"read files -> compact observations: {read_s:.1f} s")
    print(f"grid + mask + delta + statics, all records in batches of 64: {grid_s:.1f} s")
    print(f"summary statistics (baseline features): {summary_s:.1f} s")
    print(f"total preprocessing: {read_s + grid_s + summary_s:.1f} s")
    print(
        f"compact observations: {records.nbytes / 1e6:.1f} MB ({records.nbytes / n_obs:.1f} B/obs)"
    )
    print(
        f"peak traced memory while reading + gridding: {peak / 1e6:.0f} MB "
        f"({peak / records.nbytes:.1f}x the observations)"
    )
    print(
        f"dense records x variables x 1-min grid (float32, not built): {dense / 1e9:.1f} GB "
        f"({dense / peak:.0f}x the peak)"
    )
    if args.train:
        train_throughput(records, spec, args.device, args.precision)


def train_throughput(
    records: RecordSet, spec: GridSpec, device: str = "cpu", precision: str = "32-true"
) -> None:
    import torch

    from _timing import sync
    from biodl.kinds.records import RecordBatches, _network_class
    from biodl.models.grud import GRUD

    torch.set_num_threads(1)
    n = min(len(records), 2000)
    part = records.subset(np.arange(n))
    y = np.random.default_rng(0).integers(0, 2, n)
    data = RecordBatches(part, y, spec)
    batches = [data[idx] for idx in data.sampler(64, shuffle=True, seed=0)]
    for name in ("grud", "gru"):
        torch.manual_seed(0)
        net: torch.nn.Module
        if name == "grud":
            net = GRUD(
                in_channels=len(spec.variables), n_outputs=2, n_statics=2 * len(spec.static_names)
            )
            wrapper = _network_class()(net, channels=False)
        else:
            from biodl.models import build_model

            net = build_model(
                "gru",
                in_channels=3 * len(spec.variables) + 2 * len(spec.static_names),
                n_outputs=2,
                length=None,
                bidirectional=False,
                readout="last",
            )
            wrapper = _network_class()(net, channels=True)
        wrapper = wrapper.to(device)
        optimizer = torch.optim.Adam(wrapper.parameters(), lr=1e-3)

        start = time.perf_counter()
        for batch in batches:
            _step(wrapper, optimizer, batch, device, precision)
        sync(device)
        loop = time.perf_counter() - start
        start = time.perf_counter()
        for idx in data.sampler(64, shuffle=True, seed=1):
            _step(wrapper, optimizer, data[idx], device, precision)
        sync(device)
        ours = time.perf_counter() - start
        print(
            f"{name}: one epoch of {n} records, pre-built batches {loop:.1f} s, batches built "
            f"on the fly {ours:.1f} s (ratio {loop / ours:.2f}); {device}, {precision}"
        )


def _step(wrapper: Any, optimizer: Any, batch: Any, device: str, precision: str) -> None:
    """One optimiser step of the plain loop on ``device`` at ``precision``."""
    import torch

    from _timing import autocast

    inputs = [x.to(device) if torch.is_tensor(x) else x for x in batch.inputs]
    with autocast(device, precision):
        out = wrapper(*inputs).float()
    loss = torch.nn.functional.cross_entropy(out, batch.y.to(device))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


if __name__ == "__main__":
    main()
