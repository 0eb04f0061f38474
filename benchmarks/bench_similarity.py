"""Benchmark: near-identical sequence detection on 100,000 random 200 bp DNA sequences.

Builds a deterministic synthetic set in memory: 95,000 random sequences plus 5,000 planted
near-duplicates (copies of random originals with 0, 1 or 5 point mutations), then times, in
one run:

- ``similar_groups`` on all 100,000 sequences, end to end (target: under 60 s);
- ``near_duplicates`` of 20,000 query sequences against 80,000 reference sequences;

and prints seconds and planted vs found counts. At the default threshold 0.5 (~95% identity)
exact and 1-mutation copies are all found; of 5-mutation copies (true Jaccard ~0.69) about one in
a thousand or two is estimated just below 0.5 by the 64-bin sketch and missed. Unrelated random
sequences should never be joined.

Run it from the repository root (about 15 s on 2 cores, ~1 GB of memory)::

    .venv/bin/python benchmarks/bench_similarity.py [--records 100000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from biodl.data.alphabet import ALPHABETS
from biodl.data.sequence import SequenceSet
from biodl.data.similarity import near_duplicates, similar_groups

LENGTH = 200
PLANTED = 0.05
MUTATIONS = (0, 1, 5)


def build(n: int, seed: int = 0) -> tuple[SequenceSet, np.ndarray, np.ndarray]:
    """``n`` sequences, 5% of them near-copies; the original and mutations of each copy.

    Returns
    -------
    seqs : SequenceSet
        ``n`` records of ``LENGTH`` bp, in shuffled order.
    source : (n,) int64
        For a planted copy, the row of its original; -1 otherwise.
    level : (n,) int64
        For a planted copy, its number of mutations; -1 otherwise.
    """
    rng = np.random.default_rng(seed)
    n_copies = int(n * PLANTED)
    n_orig = n - n_copies
    rows = rng.integers(1, 5, size=(n, LENGTH), dtype=np.uint8)
    picked = rng.choice(n_orig, size=n_copies, replace=False)
    rows[n_orig:] = rows[picked]
    level = np.full(n, -1, dtype=np.int64)
    for j, m in enumerate(MUTATIONS):
        block = np.arange(n_orig + j, n, len(MUTATIONS))
        level[block] = m
        for _ in range(m):  # m substitutions each (positions may coincide, rarely)
            pos = rng.integers(0, LENGTH, size=len(block))
            shift = rng.integers(1, 4, size=len(block)).astype(np.uint8)
            rows[block, pos] = (rows[block, pos] - 1 + shift) % 4 + 1
    order = rng.permutation(n)
    source = np.full(n, -1, dtype=np.int64)
    source[n_orig:] = picked
    inverse = np.argsort(order)
    source = np.where(source[order] >= 0, inverse[np.maximum(source[order], 0)], -1)
    ids = np.array([f"s{i}" for i in range(n)], dtype=object)
    codes = rows[order].reshape(-1)
    seqs = SequenceSet(ids, codes, np.arange(n + 1) * LENGTH, ALPHABETS["dna"])
    return seqs, source, level[order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    seqs, source, level = build(args.records)
    copies = np.flatnonzero(source >= 0)

    start = time.perf_counter()
    labels = similar_groups(seqs)
    groups_s = time.perf_counter() - start
    together = labels[copies] == labels[source[copies]]
    joined = int(together.sum())
    # any other joins are false positives: the number of clusters should be n - planted
    extra = (len(seqs) - len(np.unique(labels))) - joined

    n_query = len(seqs) // 5
    query, reference = seqs.subset(np.arange(n_query)), seqs.subset(np.arange(n_query, len(seqs)))
    # a query row is leaked when it is a copy of a reference row or a reference row copies it
    leaked = np.zeros(len(seqs), dtype=bool)
    exact = np.zeros(len(seqs), dtype=bool)
    forward = copies[(copies < n_query) & (source[copies] >= n_query)]
    backward = copies[(copies >= n_query) & (source[copies] < n_query)]
    leaked[forward] = leaked[source[backward]] = True
    exact[forward[level[forward] == 0]] = exact[source[backward[level[backward] == 0]]] = True
    start = time.perf_counter()
    found = near_duplicates(reference, query)
    near_s = time.perf_counter() - start

    print(
        f"{len(seqs):,} random DNA sequences of {LENGTH} bp, {len(copies):,} planted copies "
        f"with {'/'.join(map(str, MUTATIONS))} point mutations"
    )
    print(f"{'step':<44}{'seconds':>9}{'planted':>10}{'found':>10}")
    print(
        f"{'similar_groups (copies joined to original)':<44}{groups_s:>9.1f}"
        f"{len(copies):>10,}{joined:>10,}"
    )
    for m in MUTATIONS:
        at = level[copies] == m
        print(
            f"{f'  with {m} mutation(s)':<44}{'':>9}{int(at.sum()):>10,}"
            f"{int(together[at].sum()):>10,}"
        )
    print(f"{'  unrelated pairs joined':<44}{'':>9}{0:>10,}{extra:>10,}")
    print(
        f"{f'near_duplicates {n_query:,} vs {len(reference):,} (near)':<44}{near_s:>9.1f}"
        f"{int(leaked[:n_query].sum()):>10,}{found.near:>10,}"
    )
    print(f"{'  of which exact':<44}{'':>9}{int(exact[:n_query].sum()):>10,}{found.exact:>10,}")
    print(f"total {groups_s + near_s:.1f} s (target for similar_groups: under 60 s)")


if __name__ == "__main__":
    main()
