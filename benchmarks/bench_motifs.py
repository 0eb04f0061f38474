"""Benchmark: Tomtom-like matching of 100 query motifs against JASPAR 2024 CORE vertebrates.

Target (issue 13): 100 discovered motifs against ~900 JASPAR motifs in under 10 s.

The 100 queries are deterministic: 50 are JASPAR motifs re-estimated from 30 sampled instances
(pseudocount 1), half of them reverse-complemented and trimmed by one column on each side (so
the right answer is known), and 50 are uninformative, counted from 20 random 10-mers. The
script prints wall and CPU seconds of :func:`biodl.interpret.tomtom.match_motifs` (best of
``--repeats``), how many of the 50 known queries have their source as the top hit with
q < 0.05, and how many random queries get a hit with q < 0.05.

When memelite (memesuite-lite's Tomtom, not a dependency of biodl) is importable, it is run on
the same queries, single-threaded, and the agreement of the top hits is printed.

Run it from the repository root (needs ../shared/data)::

    .venv/bin/python benchmarks/bench_motifs.py [--repeats 3] [--jaspar PATH]
        [--column-score euclidean]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from biodl.interpret.motif_files import read_motifs
from biodl.interpret.motifs import Motif, motif_from_counts
from biodl.interpret.tomtom import match_motifs

JASPAR = (
    Path(__file__).resolve().parents[2]
    / "shared/data/motifs/jaspar2024_core_vertebrates"
    / "JASPAR2024_CORE_vertebrates_non-redundant.meme"
)


def _sample(motif: Motif, n: int, rng: np.random.Generator) -> np.ndarray:
    draws = rng.random((n, motif.width, 1)) > np.cumsum(motif.probabilities, axis=1)[None]
    letters = np.minimum(draws.sum(axis=2), 3)
    return np.stack([(letters == a).sum(axis=0) for a in range(4)], axis=1).astype(float)


def queries(db: list[Motif], seed: int = 0) -> tuple[list[Motif], list[str]]:
    """100 queries and, for the first 50, the id of the motif each was sampled from."""
    rng = np.random.default_rng(seed)
    sources = [db[i] for i in rng.choice(len(db), 50, replace=False)]
    out, truth = [], []
    for k, m in enumerate(sources):
        q = motif_from_counts(_sample(m, 30, rng), f"known_{k}", pseudocount=1)
        if k % 2:
            q = Motif(q.id, q.reverse_complement().probabilities[1:-1])
        out.append(q)
        truth.append(m.id)
    flat = Motif("uniform", np.full((10, 4), 0.25))
    out += [
        motif_from_counts(_sample(flat, 20, rng), f"random_{k}", pseudocount=1) for k in range(50)
    ]
    return out, truth


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jaspar", type=Path, default=JASPAR)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--column-score", choices=["pearson", "euclidean"], default="pearson")
    args = parser.parse_args()
    db = read_motifs(args.jaspar)
    qs, truth = queries(db)
    walls, cpus = [], []
    for _ in range(args.repeats):
        w0, c0 = time.perf_counter(), cpu()
        table = match_motifs(qs, db, column_score=args.column_score)
        walls.append(time.perf_counter() - w0)
        cpus.append(cpu() - c0)
    best = {m.query: m for m in table.best()}
    known = sum(
        best[q.id].target == t and best[q.id].q_value < 0.05
        for q, t in zip(qs, truth, strict=False)
    )
    top = sum(best[q.id].target == t for q, t in zip(qs, truth, strict=False))
    false = sum(best[q.id].q_value < 0.05 for q in qs[50:])
    print(f"queries {len(qs)}, targets {len(db)}, column score {args.column_score}")
    print(
        f"biodl match_motifs: wall {min(walls):.2f} s, cpu {min(cpus):.2f} s "
        f"(best of {args.repeats})"
    )
    print(f"known queries: source is the top hit {top}/50, top hit with q < 0.05 {known}/50")
    print(f"random queries with a q < 0.05 hit: {false}/50")
    try:
        from memelite import tomtom
    except ImportError:
        print("memelite not importable: comparison skipped")
        return
    q_arrays = [q.probabilities.T.copy() for q in qs]
    t_arrays = [t.probabilities.T.copy() for t in db]
    tomtom(q_arrays[:2], t_arrays, n_jobs=1)  # numba compilation, not timed
    w0, c0 = time.perf_counter(), cpu()
    p_values, *_ = tomtom(q_arrays, t_arrays, n_jobs=1)
    wall, used = time.perf_counter() - w0, cpu() - c0
    theirs = [db[int(i)].id for i in np.argmin(p_values, axis=1)]
    ours = [best[q.id].target for q in qs]
    same_known = sum(a == b for a, b in zip(ours[:50], theirs[:50], strict=True))
    their_top = sum(t == s for t, s in zip(theirs[:50], truth, strict=True))
    print(f"memelite tomtom (1 thread): wall {wall:.2f} s, cpu {used:.2f} s")
    print(f"memelite: source is the top hit {their_top}/50; same top hit as biodl {same_known}/50")


if __name__ == "__main__":
    main()
