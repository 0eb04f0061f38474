"""Speed of biodl's attributions: batched in-silico mutagenesis and integrated gradients.

1. ISM of ``--n`` sequences x ``--length`` bp with the default CNN: biodl's batched
   :func:`biodl.interpret.mutagenesis.mutagenesis` against a loop that scores one mutant at a
   time (:func:`mutagenesis_loop`, run on ``--loop-n`` sequences: the loop is slow, so its
   per-mutant time is measured on fewer sequences); the results are checked equal on those.
   Target: batched >= 20 x faster per mutant.
2. Integrated gradients (``--steps`` steps) of the same batch: biodl's
   :func:`biodl.interpret.attribution.integrated_gradients` against ``steps`` forward+backward
   passes of the whole batch written by hand. Target: ratio (hand seconds / biodl seconds)
   >= 0.9.

Wall and CPU seconds (user+sys) are printed; one torch thread, as biodl trains by default.

Run: ``PYTHONPATH=src python benchmarks/bench_explain.py [--n 1000 --length 200]``
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from biodl.interpret.attribution import integrated_gradients, picked
from biodl.interpret.mutagenesis import mutagenesis, mutagenesis_loop
from biodl.models import build_model


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(fn):
    wall, cpu = time.perf_counter(), _cpu()
    value = fn()
    return value, time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--loop-n", type=int, default=2)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = build_model("cnn", in_channels=4, n_outputs=1, length=args.length).eval()

    def forward(x: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = model(x, None)
        return out

    codes = torch.from_numpy(np.random.default_rng(0).integers(0, 4, (args.n, args.length)))
    x = torch.nn.functional.one_hot(codes, 4).transpose(1, 2).float()
    target = torch.zeros(args.n, dtype=torch.long)

    batched, wall_b, cpu_b = _timed(lambda: mutagenesis(forward, x, target))
    k = args.loop_n
    looped, wall_l, cpu_l = _timed(lambda: mutagenesis_loop(forward, x[:k], target[:k]))
    equal = torch.allclose(batched[:k], looped, atol=1e-5, rtol=1e-4)
    per_b, per_l = wall_b / args.n, wall_l / k
    print(f"ISM {args.n} x {args.length} bp, default CNN, 1 thread")
    print(f"  batched: {wall_b:.2f} s wall, {cpu_b:.2f} s CPU ({per_b * 1e3:.1f} ms/sequence)")
    print(
        f"  loop ({k} sequences): {wall_l:.2f} s wall, {cpu_l:.2f} s CPU "
        f"({per_l * 1e3:.1f} ms/sequence)"
    )
    print(f"  speed-up per sequence: {per_l / per_b:.1f} x (target >= 20); equal: {equal}")

    def by_hand() -> torch.Tensor:
        total = torch.zeros_like(x)
        for step in range(args.steps):
            point = ((step + 0.5) / args.steps * x).requires_grad_(True)
            out = picked(model(point, None), target)
            (grad,) = torch.autograd.grad(out.sum(), point)
            total += grad
        return x * total / args.steps

    ours, wall_o, cpu_o = _timed(lambda: integrated_gradients(forward, x, target, steps=args.steps))
    hand, wall_h, cpu_h = _timed(by_hand)
    same = torch.allclose(ours.values, hand, atol=1e-5, rtol=1e-3)
    print(f"integrated gradients, {args.steps} steps, {args.n} x {args.length} bp")
    print(
        f"  biodl: {wall_o:.2f} s wall, {cpu_o:.2f} s CPU; by hand: {wall_h:.2f} s wall, "
        f"{cpu_h:.2f} s CPU"
    )
    print(
        f"  ratio (hand / biodl): {wall_h / wall_o:.2f} wall, {cpu_h / cpu_o:.2f} CPU "
        f"(target >= 0.9); same values: {same}"
    )


if __name__ == "__main__":
    main()
