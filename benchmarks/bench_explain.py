"""Speed of biodl's attributions: in-silico mutagenesis and integrated gradients.

1. ISM of ``--n`` sequences x ``--length`` bp with the default CNN: biodl's receptive-field ISM
   (:class:`biodl.interpret.local_ism.LocalISM`, what ``biodl explain`` uses for this model)
   and full batched ISM (:func:`biodl.interpret.mutagenesis.mutagenesis`, the fallback for
   other models) against a loop that scores one mutant at a time (:func:`mutagenesis_loop`,
   run on ``--loop-n`` sequences, half before and half after the batched runs since the shared
   machine's load changes; its per-sequence time is compared). All three are checked equal.
   Target: >= 20 x faster than the loop.
2. Integrated gradients (``--steps`` steps) of the same batch: biodl's
   :func:`biodl.interpret.attribution.integrated_gradients` against ``steps`` forward+backward
   passes of the whole batch written by hand (timed before and after, averaged). Target: ratio
   (hand seconds / biodl seconds) >= 0.9. With ``--parts ig,captum`` and captum importable,
   captum's ``IntegratedGradients`` (``riemann_middle``) on the same batch: seconds, largest
   difference and correlation with biodl's attributions, convergence deltas.
3. With ``--parts tangermeme`` and tangermeme importable (skipped with a message otherwise):
   tangermeme's ``saturation_mutagenesis`` (its fastISM path, as a user calls it, and with
   biodl's 512 mutants per pass) on the same batch against biodl's two ISMs: CPU seconds and
   whether the effects (its raw outputs minus the reference prediction) and its attributions
   (effects centred over the letters, times the one-hot input) equal biodl's.

CPU seconds (user+sys) are compared, wall seconds printed beside them; one torch thread, as
biodl trains by default.

Run: ``PYTHONPATH=src python benchmarks/bench_explain.py [--n 1000 --length 200]
[--parts ism,ig,captum,tangermeme]``
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import time
import warnings

import numpy as np
import torch

from biodl.interpret.attribution import integrated_gradients, picked
from biodl.interpret.local_ism import LocalISM
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
    parser.add_argument("--loop-n", type=int, default=6)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument(
        "--parts",
        default="ism,ig",
        help="comma-separated: ism, ig, captum, tangermeme (captum and tangermeme need their "
        "packages importable)",
    )
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

    parts = set(args.parts.split(","))
    ism = _ism(args, model, forward, x, target) if "ism" in parts else None
    if "tangermeme" in parts:
        _tangermeme(args, model, forward, x, target, ism)
    if "ig" in parts or "captum" in parts:
        _ig(args, model, forward, x, target, captum="captum" in parts)


def _ism(args, model, forward, x, target):
    """The shared machine's load changes from minute to minute: the one-mutant loop (on
    ``--loop-n`` sequences) is timed before and after the batched runs and averaged."""
    k = args.loop_n
    half = max(1, k // 2)
    loop_a, wall_a, cpu_a = _timed(lambda: mutagenesis_loop(forward, x[:half], target[:half]))
    local = LocalISM(model, lambda out: out)
    fast, wall_f, cpu_f = _timed(lambda: local(x, target))
    batched, wall_b, cpu_b = _timed(lambda: mutagenesis(forward, x, target))
    loop_b, wall_c, cpu_c = _timed(lambda: mutagenesis_loop(forward, x[half:k], target[half:k]))
    looped = torch.cat([loop_a, loop_b])
    wall_l, cpu_l = wall_a + wall_c, cpu_a + cpu_c
    equal_b = torch.allclose(batched[:k], looped, atol=1e-5, rtol=1e-4)
    equal_f = torch.allclose(fast, batched, atol=1e-5, rtol=1e-4)
    worst = float((fast - batched).abs().max())
    per_f, per_b, per_l = cpu_f / args.n, cpu_b / args.n, cpu_l / k
    print(f"ISM {args.n} x {args.length} bp, default CNN, 1 thread (CPU ms per sequence)")
    print(f"  local (receptive field): {wall_f:.2f} s wall, {cpu_f:.2f} s CPU ({per_f * 1e3:.1f})")
    print(f"  full batched: {wall_b:.2f} s wall, {cpu_b:.2f} s CPU ({per_b * 1e3:.1f})")
    print(
        f"  loop ({k} sequences, before and after): {wall_l:.2f} s wall, {cpu_l:.2f} s CPU "
        f"({per_l * 1e3:.1f}; {cpu_a / half * 1e3:.1f} before, "
        f"{cpu_c / (k - half) * 1e3:.1f} after)"
    )
    print(
        f"  speed-up (CPU): local / loop {per_l / per_f:.1f} x (target >= 20), "
        f"local / full batched {per_b / per_f:.1f} x, full batched / loop {per_l / per_b:.1f} x"
    )
    print(f"  equal: full batched = loop {equal_b}, local = full batched {equal_f} ({worst:.1e})")
    return fast, cpu_f, batched, cpu_b


def _tangermeme(args, model, forward, x, target, ism) -> None:
    """tangermeme's saturation mutagenesis on the same batch: as called by default (fastISM
    when the job would take over 30 s, 32 mutants per pass) and with 512 mutants per pass."""
    if importlib.util.find_spec("tangermeme") is None:
        print("tangermeme: not importable, part skipped (pip install tangermeme)")
        return
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis

    class XOnly(torch.nn.Module):
        """biodl's model called as ``model(x)``, as tangermeme calls it."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, h: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.inner(h, None)
            return out

    if ism is None:
        local = LocalISM(model, lambda out: out)
        _, _, cpu_f = _timed(lambda: local(x, target))
        batched, _, cpu_b = _timed(lambda: mutagenesis(forward, x, target))
    else:
        _, cpu_f, batched, cpu_b = ism
    wrapped = XOnly(model).eval()
    # tangermeme's attributions: effects centred over the letters, times the one-hot input
    centred = x * (batched - batched.mean(dim=1, keepdim=True))
    print(f"tangermeme saturation_mutagenesis, {args.n} x {args.length} bp, 1 thread, CPU")
    print(f"  biodl: local {cpu_f:.2f} s CPU, full batched {cpu_b:.2f} s CPU")
    for rows, quick in ((32, True), (512, True), (512, False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (y0, y_hat), wall_t, cpu_t = _timed(
                lambda rows=rows, quick=quick: saturation_mutagenesis(
                    wrapped, x, batch_size=rows, raw_outputs=True, device="cpu", fast=quick
                )
            )
        effects = y_hat[..., 0] - y0[:, None, None, 0]
        worst = float((effects - batched).abs().max())
        notes = "; ".join(str(w.message).split(".")[0] for w in caught) or "no warnings"
        print(
            f"  tangermeme (batch_size={rows}, fast={quick}): {wall_t:.2f} s wall, "
            f"{cpu_t:.2f} s CPU (/ biodl local {cpu_t / cpu_f:.1f} x, / full batched "
            f"{cpu_t / cpu_b:.2f} x); effects max |difference| {worst:.1e} "
            f"(of max |effect| {float(batched.abs().max()):.2f}); {notes}"
        )
    # its attributions (effects centred over the letters, times the one-hot input), 8 rows
    attr = saturation_mutagenesis(wrapped, x[:8], device="cpu")
    centred = x[:8] * (batched[:8] - batched[:8].mean(dim=1, keepdim=True))
    worst_a = float((attr - centred).abs().max())
    print(f"  its attributions (8 sequences) = biodl's effects centred x input: {worst_a:.1e}")


def _ig(args, model, forward, x, target, *, captum: bool) -> None:
    def by_hand() -> torch.Tensor:
        total = torch.zeros_like(x)
        for step in range(args.steps):
            point = ((step + 0.5) / args.steps * x).requires_grad_(True)
            out = picked(model(point, None), target)
            (grad,) = torch.autograd.grad(out.sum(), point)
            total += grad
        return x * total / args.steps

    # hand-written first, biodl, then the hand-written passes again (the load changes)
    hand, wall_h, cpu_h = _timed(by_hand)
    ours, wall_o, cpu_o = _timed(lambda: integrated_gradients(forward, x, target, steps=args.steps))
    _, wall_h2, cpu_h2 = _timed(by_hand)
    wall_h, cpu_h = (wall_h + wall_h2) / 2, (cpu_h + cpu_h2) / 2
    same = torch.allclose(ours.values, hand, atol=1e-5, rtol=1e-3)
    print(f"integrated gradients, {args.steps} steps, {args.n} x {args.length} bp")
    print(
        f"  biodl: {wall_o:.2f} s wall, {cpu_o:.2f} s CPU; by hand (mean of 2): "
        f"{wall_h:.2f} s wall, {cpu_h:.2f} s CPU"
    )
    print(
        f"  ratio (hand / biodl): {wall_h / wall_o:.2f} wall, {cpu_h / cpu_o:.2f} CPU "
        f"(target >= 0.9); same values: {same}"
    )
    if captum:
        _captum(args, model, x, target, ours, cpu_o)


def _captum(args, model, x, target, ours, cpu_o) -> None:
    """captum's IntegratedGradients (midpoint Riemann sum, as biodl's) on the same batch, in
    passes of the whole batch (``internal_batch_size = n``: one step per pass) and of 256 rows
    (biodl's default; captum falls back to one step per pass when that is smaller than n)."""
    from captum.attr import IntegratedGradients

    def forward(h: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = model(h, None)
        return out

    ig = IntegratedGradients(forward)
    for rows in sorted({args.n, 256}):

        def run(rows: int = rows):
            return ig.attribute(
                x,
                baselines=torch.zeros_like(x),
                target=target,
                n_steps=args.steps,
                method="riemann_middle",
                internal_batch_size=rows,
                return_convergence_delta=True,
            )

        (theirs, delta), wall_c, cpu_c = _timed(run)
        diff = float((theirs - ours.values).abs().max())
        scale = float(ours.values.abs().max())
        corr = float(np.corrcoef(theirs.flatten().numpy(), ours.values.flatten().numpy())[0, 1])
        print(
            f"  captum (internal_batch_size={rows}): {wall_c:.2f} s wall, {cpu_c:.2f} s CPU "
            f"(captum / biodl CPU seconds {cpu_c / cpu_o:.2f}); max |difference| {diff:.1e} "
            f"(of max |attribution| {scale:.2f}), correlation {corr:.6f}, "
            f"median |delta| captum {float(delta.abs().median()):.1e} "
            f"biodl {float(ours.delta.abs().median()):.1e}"
        )


if __name__ == "__main__":
    main()
