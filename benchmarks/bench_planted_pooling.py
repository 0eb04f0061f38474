"""Benchmark: JASPAR motifs planted in random DNA, a CNN with first-layer max pooling 2 vs 20.

The check of issue 13 ("How this will be checked", second bullet), after Koo & Eddy 2019: 12
well-known JASPAR 2024 CORE vertebrate motifs (those of ``tests/interpret/motif_helpers.py``)
are planted 1-5 times per 200 bp sequence, on either strand (:func:`biodl.interpret.planted.
plant_motifs`); each sequence is labelled with the motifs it carries (12 labels, a multi-label
task). biodl's ``CNN`` is trained on it twice, alike except for the pooling after the first
layer (Koo & Eddy's design: the second layer's pooling keeps the total downsampling at 100)::

    conv 30 x 19 -> batch norm -> ReLU -> max pool P -> dropout 0.1
    conv 128 x 5 -> batch norm -> ReLU -> max pool 100/P -> dropout 0.1
    global max pooling -> linear (12 logits)

with P = 2 and P = 20 (``pool_size=[2, 50]`` and ``[20, 5]``). Training: Adam (learning rate
1e-3), batches of 100, binary cross-entropy, up to ``--epochs`` epochs, the weights of the
epoch with the lowest validation loss kept (patience 5). For each model it prints:

* test AUROC (mean over the 12 labels) on held-out sequences;
* **first-layer filters**: each filter's motif (:func:`biodl.interpret.filters.filter_motifs`
  on its activations over the test sequences, windows above half its largest activation,
  trimmed at 0.3 bits) matched against all 879 JASPAR motifs
  (:func:`biodl.interpret.tomtom.match_motifs`): how many filters have a hit with q < 0.05,
  how many have a *planted* motif as their best hit with q < 0.05, how many have a planted
  motif among their five best hits with q < 0.05, and how many of the 12 planted motifs some
  filter matches (best hit, q < 0.05);
* **attribution discovery**: integrated gradients (``--ig-steps``, all-zero reference) of
  the sum of the logits of the labels each test sequence carries, seqlets clustered into
  motifs (:func:`biodl.interpret.discovery.discover_motifs`, its defaults), the positive
  patterns matched against JASPAR: how many planted motifs are the best hit of a pattern
  (and with q < 0.05).

Run it from the repository root (needs ../shared/data; about 3 CPU minutes for both models
on one thread, most of it training the pool-2 model)::

    nice .venv/bin/python benchmarks/bench_planted_pooling.py [--n 10000] [--epochs 30]
        [--seed 0] [--pools 2,20] [--column-scores pearson_spread,pearson] [--save DIR]

Results: benchmarks/RESULTS.md ("Planted JASPAR motifs: first-layer pooling 2 vs 20").
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from biodl.interpret.attribution import integrated_gradients
from biodl.interpret.discovery import discover_motifs
from biodl.interpret.filters import filter_motifs
from biodl.interpret.motif_files import read_motifs
from biodl.interpret.planted import plant_motifs
from biodl.interpret.tomtom import match_motifs
from biodl.models.cnn import CNN
from biodl.pipeline.explain_motifs import filter_activations

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "interpret"))
from motif_helpers import PLANTED_NAMES, by_name

JASPAR = (
    Path(__file__).resolve().parents[2]
    / "shared/data/motifs/jaspar2024_core_vertebrates"
    / "JASPAR2024_CORE_vertebrates_non-redundant.meme"
)
#: Total downsampling of the two pooling layers (Koo & Eddy 2019).
TOTAL_POOL = 100


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(pool: int, n_labels: int, seed: int) -> CNN:
    """The two-layer CNN with first-layer max pooling ``pool`` (module docstring)."""
    torch.manual_seed(seed)
    return CNN(
        in_channels=4,
        n_outputs=n_labels,
        channels=[30, 128],
        n_layers=2,
        kernel_size=[19, 5],
        pool_size=[pool, TOTAL_POOL // pool],
        dropout=0.1,
        global_pooling="max",
    )


def _loss(net: CNN, x: torch.Tensor, y: torch.Tensor) -> float:
    net.eval()
    with torch.no_grad():
        out = torch.cat([net(x[i : i + 500]) for i in range(0, len(x), 500)])
    return float(torch.nn.functional.binary_cross_entropy_with_logits(out, y))


def train(
    net: CNN,
    x: torch.Tensor,
    y: torch.Tensor,
    xv: torch.Tensor,
    yv: torch.Tensor,
    *,
    epochs: int,
    seed: int,
) -> tuple[int, float]:
    """Adam, batches of 100, the best validation epoch's weights kept; (epochs run, loss)."""
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    best, best_state, waited, run = float("inf"), None, 0, 0
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), 100):
            batch = order[i : i + 100]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        run += 1
        valid = _loss(net, xv, yv)
        if valid < best - 1e-4:
            best, waited = valid, 0
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
        else:
            waited += 1
            if waited >= 5:
                break
    assert best_state is not None
    net.load_state_dict(best_state)
    return run, best


def filter_counts(
    net: CNN, onehot: np.ndarray, db: list, planted_ids: set[str], column_score: str
) -> dict[str, Any]:
    """How many first-layer filters match JASPAR / a planted motif (q < 0.05)."""
    found = filter_activations(net.eval(), onehot.transpose(0, 2, 1).copy())
    assert found is not None
    values, conv, padding = found
    motifs = filter_motifs(onehot, values, width=int(conv.kernel_size[0]), padding=padding)
    active = [f for f in motifs if f.n_sites > 0]
    queries = [f.motif.trimmed(min_bits=0.3) for f in active]
    queries = [q for q in queries if q.width >= 5]  # shorter: no overlap of 5 columns
    table = match_motifs(queries, db, column_score=column_score)  # type: ignore[arg-type]
    best = table.best()
    hits = table.to_frame()
    hits = hits[hits["q_value"] < 0.05]
    planted_hit = hits[hits["target"].isin(planted_ids)]
    return {
        "filters": len(motifs),
        "active": len(active),
        "any_jaspar": sum(b.q_value < 0.05 for b in best),
        "planted_best": sum(b.q_value < 0.05 and b.target in planted_ids for b in best),
        "planted_top5": planted_hit["query"].nunique(),
        "motifs_found": len({b.target for b in best if b.q_value < 0.05} & planted_ids),
        "found": {b.target for b in best if b.q_value < 0.05} & planted_ids,
    }


def attributions(net: CNN, x: torch.Tensor, labels: np.ndarray, steps: int) -> np.ndarray:
    """Integrated gradients of the summed logits of each sequence's present labels (N, L, 4)."""
    net.eval()
    present = torch.tensor(labels, dtype=torch.float32)

    def forward(points: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        return (net(points) * present[rows]).sum(1, keepdim=True)

    values = []
    for lo in range(0, len(x), 250):
        part = x[lo : lo + 250]
        rows_target = torch.zeros(len(part), dtype=torch.int64)
        shift = lo

        def shifted(points: torch.Tensor, rows: torch.Tensor, s: int = shift) -> torch.Tensor:
            return forward(points, rows + s)

        values.append(integrated_gradients(shifted, part, rows_target, steps=steps).values)
    return torch.cat(values).transpose(1, 2).numpy()


def discovered_counts(
    attr: np.ndarray, onehot: np.ndarray, db: list, planted_ids: set[str], column_score: str
) -> dict[str, Any]:
    """Planted motifs recovered as the best hit of an attribution-discovered pattern."""
    found = [f for f in discover_motifs(attr, onehot) if f.sign == 1]
    queries = [f.motif for f in found]
    best = match_motifs(queries, db, column_score=column_score).best() if found else []  # type: ignore[arg-type]
    return {
        "patterns": len(found),
        "planted_top": len({b.target for b in best} & planted_ids),
        "planted_top_q05": len({b.target for b in best if b.q_value < 0.05} & planted_ids),
        "found": {b.target for b in best if b.q_value < 0.05} & planted_ids,
    }


def report(filters: dict[str, Any], discovered: dict[str, Any], planted: list) -> None:
    """Print the filter and attribution counts of one model and column score."""
    planted_ids = {m.id for m in planted}
    print(
        f"  filters: {filters['active']}/{filters['filters']} active, "
        f"{filters['any_jaspar']} match JASPAR (q < 0.05), {filters['planted_best']} have "
        f"a planted motif as best hit (q < 0.05), {filters['planted_top5']} among their 5 "
        f"best; planted motifs found by a filter {filters['motifs_found']}/{len(planted)}"
    )
    print(
        f"  attributions: {discovered['patterns']} positive patterns; planted motifs as a "
        f"best hit {discovered['planted_top']}/{len(planted)} "
        f"({discovered['planted_top_q05']} with q < 0.05)"
    )
    names = {m.id: m.name for m in planted}
    for what, found in (("filters", filters), ("attributions", discovered)):
        missed = sorted(names[i] for i in planted_ids - found["found"])
        print(f"  not found by the {what} (q < 0.05): {', '.join(missed) or '-'}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jaspar", type=Path, default=JASPAR)
    parser.add_argument("--n", type=int, default=10_000, help="training + validation sequences")
    parser.add_argument("--test", type=int, default=1_000, help="held-out sequences")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--ig-steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pools", default="2,20")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--column-scores",
        default="pearson,pearson_spread",
        help="Tomtom column scores to match with, side by side (the first is the default)",
    )
    parser.add_argument(
        "--save",
        type=Path,
        help="folder for each model's test attributions, one-hot test sequences, labels and "
        "planted sites (seedS_poolP.npz), to study the discovery without retraining",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    db = read_motifs(args.jaspar)
    planted = by_name(db, PLANTED_NAMES)
    planted_ids = {m.id for m in planted}
    data = plant_motifs(planted, n=args.n + args.test, length=200, instances=(1, 5), seed=args.seed)
    x_all = torch.tensor(data.onehot).transpose(1, 2).contiguous()
    y_all = torch.tensor(data.labels, dtype=torch.float32)
    n_valid = args.n // 10
    n_train = args.n - n_valid
    x, y = x_all[:n_train], y_all[:n_train]
    xv, yv = x_all[n_train : args.n], y_all[n_train : args.n]
    xt, yt = x_all[args.n :], data.labels[args.n :]
    print(
        f"{len(planted)} JASPAR motifs planted 1-5 times in {args.n + args.test} x 200 bp "
        f"(train {n_train}, valid {n_valid}, test {args.test}); seed {args.seed}"
    )
    for pool in (int(p) for p in args.pools.split(",")):
        c0, w0 = cpu(), time.perf_counter()
        net = build(pool, len(planted), args.seed)
        epochs, valid = train(net, x, y, xv, yv, epochs=args.epochs, seed=args.seed)
        with torch.no_grad():
            scores = torch.cat([net.eval()(xt[i : i + 500]) for i in range(0, len(xt), 500)])
        auroc = roc_auc_score(yt, scores.numpy(), average="macro")
        trained = cpu() - c0
        onehot_test = xt.transpose(1, 2).numpy()
        attr = attributions(net, xt, yt, args.ig_steps)
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            test_sites = data.sites[data.sites[:, 0] >= args.n].copy()
            test_sites[:, 0] -= args.n
            np.savez_compressed(
                args.save / f"seed{args.seed}_pool{pool}.npz",
                attributions=attr,
                onehot=onehot_test,
                labels=yt,
                sites=test_sites,
            )
        print(
            f"pool {pool:>2} (then {TOTAL_POOL // pool}): {epochs} epochs, valid loss "
            f"{valid:.4f}, test AUROC {auroc:.3f}, train {trained:.0f} CPU s, with "
            f"attributions {cpu() - c0:.0f} CPU s ({time.perf_counter() - w0:.0f} s wall)"
        )
        for column_score in args.column_scores.split(","):
            print(f" column score {column_score}:")
            report(
                filter_counts(net, onehot_test, db, planted_ids, column_score),
                discovered_counts(attr, onehot_test, db, planted_ids, column_score),
                planted,
            )


if __name__ == "__main__":
    main()
