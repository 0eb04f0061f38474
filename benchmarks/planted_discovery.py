"""Why attribution discovery misses planted motifs: a per-motif account of saved attributions.

Reads the files that ``bench_planted_pooling.py --save DIR`` writes (``seedS_poolP.npz``: a
trained CNN's integrated gradients on its 1,000 test sequences, the sequences, labels and
planted sites) and, for each of the 12 planted JASPAR motifs, prints:

* ``sites``: planted sites in the test sequences;
* ``seqlets``: seqlets (:func:`biodl.interpret.seqlets.find_seqlets`, the discovery's
  defaults) whose core overlaps one of its sites by at least half the motif's width, and the
  median window sum of those seqlets relative to the median of all seqlets (a short or weakly
  attributed motif has low sums);
* ``pattern``: the discovered pattern (:func:`biodl.interpret.discovery.discover_motifs`, its
  defaults) whose best JASPAR hit it is, with the pattern's seqlet count and q value, or the
  best hit of the pattern holding most of its seqlets when it is nobody's best hit.

Run it from the repository root (needs ../shared/data)::

    .venv/bin/python benchmarks/planted_discovery.py DIR [--column-score pearson]

Results: benchmarks/RESULTS.md ("Planted JASPAR motifs: first-layer pooling 2 vs 20").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from biodl.interpret.discovery import discover_motifs
from biodl.interpret.motif_files import read_motifs
from biodl.interpret.seqlets import find_seqlets
from biodl.interpret.tomtom import match_motifs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "interpret"))
from motif_helpers import PLANTED_NAMES, by_name

JASPAR = (
    Path(__file__).resolve().parents[2]
    / "shared/data/motifs/jaspar2024_core_vertebrates"
    / "JASPAR2024_CORE_vertebrates_non-redundant.meme"
)


def on_sites(
    example: np.ndarray, core: np.ndarray, width: int, sites: np.ndarray, m: int, planted: int
) -> np.ndarray:
    """Seqlets whose core ``[core, core + width)`` covers half of a site of motif ``m`` (or
    half the core, for motifs wider than it)."""
    hits = np.zeros(len(example), bool)
    for seq, motif, start, _ in sites:
        if motif == m:
            overlap = np.minimum(core + width, start + planted) - np.maximum(core, start)
            hits |= (example == seq) & (overlap >= min(planted, width) / 2)
    return hits


def on_motif(members: np.ndarray, sites: np.ndarray, m: int, planted: int) -> int:
    """How many of a pattern's seqlets ``(sequence, span start, strand)`` sit on a site of
    motif ``m`` (the span starts within 10 positions before the site or inside it)."""
    mine = sites[sites[:, 1] == m]
    count = 0
    for seq, start, _ in members:
        near = mine[mine[:, 0] == seq, 2]
        count += bool(np.any((start >= near - 10) & (start < near + planted)))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("saved", type=Path)
    parser.add_argument("--jaspar", type=Path, default=JASPAR)
    parser.add_argument("--column-score", default="pearson")
    args = parser.parse_args()
    db = read_motifs(args.jaspar)
    planted = by_name(db, PLANTED_NAMES)
    for path in sorted(args.saved.glob("seed*_pool*.npz")):
        saved = np.load(path)
        attr, onehot, sites = saved["attributions"], saved["onehot"], saved["sites"]
        seqlets = find_seqlets(attr, onehot)
        core = seqlets.start + seqlets.flank
        positive = seqlets.score > 0
        median_all = float(np.median(seqlets.score[positive]))
        patterns = [p for p in discover_motifs(attr, onehot) if p.sign == 1]
        best = match_motifs([p.motif for p in patterns], db, column_score=args.column_score)
        best_of = {b.query: b for b in best.best()}
        print(f"{path.stem}: {int(positive.sum())} positive seqlets, {len(patterns)} patterns")
        for k, motif in enumerate(planted):
            mine = on_sites(seqlets.example, core, seqlets.width, sites, k, motif.width)
            mine &= positive
            rel = float(np.median(seqlets.score[mine])) / median_all if mine.any() else 0.0
            hit = [
                (p, best_of[p.motif.id])
                for p in patterns
                if p.motif.id in best_of and best_of[p.motif.id].target == motif.id
            ]
            if hit:
                p, b = min(hit, key=lambda h: h[1].q_value)
                found = f"pattern {p.motif.consensus()} ({p.n_seqlets} seqlets), q={b.q_value:.2g}"
            else:
                held = [on_motif(p.seqlets, sites, k, motif.width) for p in patterns]
                if max(held, default=0) == 0:
                    found = "none of its seqlets is in a pattern"
                else:
                    p = patterns[int(np.argmax(held))]
                    b = best_of[p.motif.id]
                    found = (
                        f"not a best hit; {max(held)} of its seqlets in pattern "
                        f"{p.motif.consensus()} ({p.n_seqlets}), best hit {b.target_name} "
                        f"q={b.q_value:.2g}"
                    )
            print(
                f"  {motif.name:>6} ({motif.width:>2} columns): {int((sites[:, 1] == k).sum()):>4} "
                f"sites, {int(mine.sum()):>4} seqlets on them (median sum {rel:.2f} x all); "
                f"{found}"
            )


if __name__ == "__main__":
    main()
