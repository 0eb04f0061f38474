"""Helpers shared by the motif tests: the tiny database and sampled planted instances."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from biodl.interpret.motifs import Motif

TINY = Path(__file__).parent / "data" / "tiny.meme"
JASPAR_MEME = (
    Path("motifs")
    / "jaspar2024_core_vertebrates"
    / "JASPAR2024_CORE_vertebrates_non-redundant.meme"
)
#: Well-known, distinct JASPAR 2024 CORE vertebrate motifs (Koo & Eddy 2019 used a similar set).
PLANTED_NAMES = (
    "CTCF",
    "GATA1",
    "SPI1",
    "CEBPB",
    "FOXA1",
    "HNF4A",
    "NFYA",
    "SOX2",
    "YY1",
    "TEAD1",
    "REST",
    "ELK1",
)


def by_name(motifs: list[Motif], names: tuple[str, ...]) -> list[Motif]:
    """The motifs called ``names`` (case-insensitive), in that order."""
    index = {m.name.upper(): m for m in motifs}
    return [index[n] for n in names]


def sampled_counts(motif: Motif, n: int, rng: np.random.Generator) -> np.ndarray:
    """Letter counts of ``n`` instances sampled from ``motif``: a (width, 4) PFM."""
    draws = rng.random((n, motif.width, 1)) > np.cumsum(motif.probabilities, axis=1)[None]
    letters = np.minimum(draws.sum(axis=2), 3)
    return np.stack([(letters == a).sum(axis=0) for a in range(4)], axis=1).astype(float)
