"""Random DNA with motifs planted in it (Koo & Eddy 2019 style), and its ideal attributions.

Each sequence gets between ``instances[0]`` and ``instances[1]`` sites; each site is a motif
drawn at random from the given set, sampled letter by letter from its probabilities, put on
either strand at a random position where it overlaps no other site. Labels say which motifs a
sequence carries (a multi-label task). The ideal attributions are the planted motif's log-odds
at its sites (hypothetical contributions) and zero elsewhere: what a perfect model's
attributions would look like, to test motif discovery apart from any model.

Examples
--------
>>> import numpy as np
>>> from biodl.interpret.motifs import Motif
>>> m = Motif("m", np.eye(4)[[2, 0, 3, 0]])
>>> data = plant_motifs([m], n=3, length=20, seed=0)
>>> data.onehot.shape, data.labels.tolist()
((3, 20, 4), [[1], [1], [1]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from biodl.errors import DataError
from biodl.interpret.motifs import DNA, Motif, one_hot

__all__ = ["PlantedSequences", "ideal_attributions", "plant_motifs"]


@dataclass(frozen=True, eq=False)
class PlantedSequences:
    """Sequences with planted motifs and where they were planted.

    Attributes
    ----------
    sequences : list of str
    onehot : (N, L, 4) float32 array
    labels : (N, M) int array
        1 where sequence n carries motif m.
    sites : (n_sites, 4) int array
        ``(sequence, motif, start, strand)``, strand 1 or -1 (reverse complement planted).
    motifs : list of Motif
    """

    sequences: list[str]
    onehot: np.ndarray
    labels: np.ndarray
    sites: np.ndarray
    motifs: list[Motif]


def plant_motifs(
    motifs: Sequence[Motif],
    *,
    n: int = 1000,
    length: int = 200,
    instances: tuple[int, int] = (1, 5),
    seed: int = 0,
) -> PlantedSequences:
    """Plant sampled motif instances in uniform random DNA (module docstring).

    Parameters
    ----------
    motifs : sequence of Motif
        DNA motifs no longer than ``length``.
    n : int, default 1000
    length : int, default 200
    instances : (int, int), default (1, 5)
        Fewest and most sites per sequence (fewer are planted when no room is left).
    seed : int, default 0

    Returns
    -------
    PlantedSequences
    """
    if not motifs or any(m.alphabet != DNA or m.width > length for m in motifs):
        raise DataError(f"give DNA motifs no longer than the sequence length {length}")
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(DNA.encode(), dtype=np.uint8)
    codes = rng.integers(0, 4, size=(n, length))
    labels = np.zeros((n, len(motifs)), dtype=int)
    sites = []
    for i in range(n):
        free = np.ones(length, dtype=bool)
        for _ in range(int(rng.integers(instances[0], instances[1] + 1))):
            k = int(rng.integers(len(motifs)))
            motif = motifs[k]
            strand = 1 if rng.random() < 0.5 else -1
            probs = motif.probabilities if strand == 1 else motif.reverse_complement().probabilities
            w = motif.width
            taken = np.convolve((~free).astype(int), np.ones(w, dtype=int), mode="valid")
            starts = np.flatnonzero(taken == 0)
            if not len(starts):
                continue
            s = int(starts[int(rng.integers(len(starts)))])
            draws = rng.random(w)[:, None] > np.cumsum(probs, axis=1)
            codes[i, s : s + w] = np.minimum(draws.sum(axis=1), 3)
            free[s : s + w] = False
            labels[i, k] = 1
            sites.append((i, k, s, strand))
    sequences = [row.tobytes().decode() for row in letters[codes]]
    return PlantedSequences(
        sequences=sequences,
        onehot=one_hot(sequences),
        labels=labels,
        sites=np.asarray(sites, dtype=int).reshape(-1, 4),
        motifs=list(motifs),
    )


def ideal_attributions(planted: PlantedSequences, *, pseudocount: float = 0.01) -> np.ndarray:
    """Hypothetical contributions of a perfect model: each site's log-odds, zero elsewhere.

    Parameters
    ----------
    planted : PlantedSequences
    pseudocount : float, default 0.01
        Of :meth:`Motif.log_odds`.

    Returns
    -------
    (N, L, 4) float array
        Multiply by ``planted.onehot`` for the actual contributions.
    """
    attr = np.zeros(planted.onehot.shape)
    for i, k, s, strand in planted.sites:
        motif = planted.motifs[k]
        if strand == -1:
            motif = motif.reverse_complement()
        attr[i, s : s + motif.width] = motif.log_odds(pseudocount=pseudocount)
    return attr
