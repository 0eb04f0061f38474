"""Benchmark: Tomtom-like matching of 100 query motifs against JASPAR 2024 CORE vertebrates.

Target (issue 13): 100 discovered motifs against ~900 JASPAR motifs in under 10 s.

The 100 queries are deterministic: 50 are JASPAR motifs re-estimated from 30 sampled instances
(pseudocount 1), half of them reverse-complemented and trimmed by one column on each side (so
the right answer is known), and 50 are uninformative, counted from 20 random 10-mers. The
script prints wall and CPU seconds of :func:`biodl.interpret.tomtom.match_motifs` (best of
``--repeats``), how many of the 50 known queries have their source as the top hit with
q < 0.05, and how many random queries get a hit with q < 0.05.

A known query whose top hit is another motif is listed with its source's rank; it counts as a
*tie* when that motif has the same consensus as the source under every query column both
cover (at least ``min(5, query width)`` of them): the query, 30 sampled sites with its edge
columns trimmed, carries no letter that tells the two apart (HNF1A and HNF1B, EBF1 and EBF4,
GATA1's trimmed core GATTA and Crx). ``--seeds`` repeats the count over other query sets.

When memelite (memesuite-lite's Tomtom, not a dependency of biodl) is importable, it is run on
the same queries, single-threaded, and the agreement of the top hits is printed.

Run it from the repository root (needs ../shared/data)::

    .venv/bin/python benchmarks/bench_motifs.py [--repeats 3] [--jaspar PATH]
        [--column-score pearson_spread] [--seeds 0,1,2,3,4]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from biodl.interpret.motif_files import read_motifs
from biodl.interpret.motifs import Motif, motif_from_counts
from biodl.interpret.tomtom import MotifMatch, match_motifs

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


def _letters(match: MotifMatch, db: dict[str, Motif], width: int) -> dict[int, str]:
    """Consensus letter of the matched target (strand shown) under each query position."""
    target = db[match.target]
    if match.strand == "-":
        target = target.reverse_complement()
    consensus = target.consensus()
    return {
        i: consensus[match.offset + i]
        for i in range(width)
        if 0 <= match.offset + i < len(consensus)
    }


def known_counts(
    qs: list[Motif], truth: list[str], db: list[Motif], column_score: str, verbose: bool
) -> tuple[int, int, int, int]:
    """(source top, source top with q < 0.05, top or tie, top or tie with q < 0.05)."""
    index = {m.id: m for m in db}
    table = match_motifs(qs, db, column_score=column_score, top=len(db))  # type: ignore[arg-type]
    rows: dict[str, list[MotifMatch]] = {}
    for m in table.matches:
        rows.setdefault(m.query, []).append(m)
    top = sig = tie_top = tie_sig = 0
    for q, source in zip(qs, truth, strict=True):
        ranked = rows[q.id]
        best = ranked[0]
        rank = next(k for k, m in enumerate(ranked) if m.target == source)
        mine, theirs = _letters(ranked[rank], index, q.width), _letters(best, index, q.width)
        shared = set(mine) & set(theirs)
        tie = len(shared) >= min(5, q.width) and all(mine[i] == theirs[i] for i in shared)
        ok = rank == 0 or tie
        top += rank == 0
        sig += rank == 0 and best.q_value < 0.05
        tie_top += ok
        tie_sig += ok and best.q_value < 0.05
        if verbose and (rank > 0 or best.q_value >= 0.05):
            print(
                f"  {q.id} ({q.width} columns, {q.consensus()}) from {index[source].name} "
                f"{index[source].consensus()}: rank {rank + 1}, top hit {best.target_name} "
                f"{index[best.target].consensus()} q={best.q_value:.2g}"
                + (" (tie: same consensus under the query)" if rank > 0 and tie else "")
            )
    return top, sig, tie_top, tie_sig


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jaspar", type=Path, default=JASPAR)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--column-score", choices=["pearson", "pearson_spread", "euclidean"], default="pearson"
    )
    parser.add_argument("--seeds", default="", help="more query sets to count, e.g. 1,2,3,4")
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
    _, _, tie_top, tie_sig = known_counts(qs[:50], truth, db, args.column_score, verbose=True)
    print(f"counting ties as self-matches: top hit {tie_top}/50, with q < 0.05 {tie_sig}/50")
    for seed in [int(s) for s in args.seeds.split(",") if s]:
        more, more_truth = queries(db, seed)
        counts = known_counts(more[:50], more_truth, db, args.column_score, verbose=False)
        best_more = match_motifs(more[50:], db, column_score=args.column_score).best()  # type: ignore[arg-type]
        false_more = sum(m.q_value < 0.05 for m in best_more)
        print(
            f"seed {seed}: source top {counts[0]}/50 (q < 0.05: {counts[1]}), with ties "
            f"{counts[2]}/50 ({counts[3]}); random queries with a q < 0.05 hit {false_more}/50"
        )
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
