"""Dinucleotide-preserving shuffles of integer-coded sequences (Altschul & Erickson 1985).

A shuffle keeps the first letter, the last letter and the count of every pair of neighbouring
letters, so a shuffled sequence has the composition of the original but not its motifs: the
reference that :func:`biodl.interpret.attribution.expected_gradients` compares a sequence
with. The shuffled sequence is a random Eulerian path through the graph whose edges are the
sequence's letter pairs; the last edge out of every letter is drawn first as a random tree
towards the final letter (Wilson's loop-erased random walk), which makes every such path
equally likely.

Examples
--------
>>> import numpy as np
>>> codes = np.array([1, 2, 3, 4, 1, 1, 2, 4, 3, 3])
>>> out = dinucleotide_shuffle(codes, np.random.default_rng(0))
>>> bool(out[0] == codes[0]), bool(out[-1] == codes[-1]), sorted(out) == sorted(codes)
(True, True, True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["dinucleotide_shuffle", "dinucleotide_shuffles"]


def dinucleotide_shuffle(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One shuffle of ``codes`` (1-D integer array) keeping every neighbouring pair's count."""
    codes = np.asarray(codes)
    if len(codes) < 3:
        return codes.copy()
    edges: dict[int, list[int]] = {}
    for a, b in zip(codes[:-1].tolist(), codes[1:].tolist(), strict=True):
        edges.setdefault(a, []).append(b)
    last = int(codes[-1])
    # the last edge leaving each letter: a random spanning tree directed to `last`
    in_tree = {last}
    chosen: dict[int, int] = {}
    for start in edges:
        u = start
        while u not in in_tree:
            chosen[u] = int(rng.integers(len(edges[u])))
            u = edges[u][chosen[u]]
        u = start
        while u not in in_tree:
            in_tree.add(u)
            u = edges[u][chosen[u]]
    order: dict[int, list[int]] = {}
    for letter, out in edges.items():
        if letter in chosen:
            final = out[chosen[letter]]
            rest = out[: chosen[letter]] + out[chosen[letter] + 1 :]
            order[letter] = [rest[i] for i in rng.permutation(len(rest))] + [final]
        else:
            order[letter] = [out[i] for i in rng.permutation(len(out))]
    result = np.empty_like(codes)
    result[0] = codes[0]
    position = dict.fromkeys(order, 0)
    current = int(codes[0])
    for i in range(1, len(codes)):
        nxt = order[current][position[current]]
        position[current] += 1
        result[i] = nxt
        current = nxt
    return result


def dinucleotide_shuffles(
    codes: np.ndarray, lengths: np.ndarray, n: int, *, seed: int = 0
) -> np.ndarray:
    """``n`` shuffles of every row of a padded code matrix.

    Parameters
    ----------
    codes : (batch, length) int
        Rows padded on the right (the padding is kept in place).
    lengths : (batch,) int
        Letters of each row.
    n : int
        Shuffles per row.
    seed : int, default 0

    Returns
    -------
    (n, batch, length) int
    """
    rng = np.random.default_rng(seed)
    out = np.repeat(codes[None], n, axis=0)
    for j in range(n):
        for i, size in enumerate(lengths.tolist()):
            out[j, i, :size] = dinucleotide_shuffle(codes[i, :size], rng)
    return out
