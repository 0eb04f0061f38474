"""A seeded lineage simulator: sequences evolving season by season, sampled with dates.

The lineage is a population of aligned sequences (protein or nucleotide) under Wright-Fisher
reproduction with mutation and selection. Fitness has three parts:

* **site fields** ``h[i, a]``: how well letter ``a`` suits site ``i`` (Gaussian, scale
  ``field_scale``); most sites keep their best letter;
* **pairwise couplings** ``J[i, j, a, b]`` between sites at most ``coupling_range`` apart
  (chosen with probability ``coupling_density``; Gaussian, scale ``coupling_scale``): the
  epistasis, so a change at one site changes which letter is best at its partners;
* **immune pressure** at the epitope sites (a fraction ``epitope_fraction`` of the sites): a
  memory ``M[i, a]`` of how common each letter was in past seasons (``M <- memory * M +
  (1 - memory) * frequency`` after each season) costs ``immunity * M[i, a]``, so a letter
  that has been common for long becomes unfit and the site changes, as in influenza
  haemagglutinin.

Each season runs ``generations`` generations; then ``samples`` sequences are drawn from the
population, each with a date in that season's year. :func:`write_lineage_fasta` writes them
as ``>name date=YYYY-MM-DD`` records, which ``biodl train FILE --task forecast`` reads.

Examples
--------
>>> lineage = simulate_lineage(seasons=4, length=12, samples=5, seed=1)
>>> len(lineage.sequences), len(lineage.sequences[0]), lineage.dates[0][:4]
(20, 12, '2000')
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from biodl._io import atomic_write_text
from biodl.errors import ConfigError

__all__ = ["LETTERS", "Lineage", "simulate_lineage", "write_lineage_fasta"]

#: The letters each alphabet of the simulator uses.
LETTERS: dict[str, str] = {"protein": "ACDEFGHIKLMNPQRSTVWY", "dna": "ACGT"}


@dataclass(frozen=True)
class Lineage:
    """A simulated lineage.

    Attributes
    ----------
    names : list of str
        One per sampled sequence, ``"sim/<season>/<k>"``.
    sequences : list of str
        The sampled sequences, all of length ``length``.
    dates : list of str
        ``YYYY-MM-DD`` of each sample.
    seasons : (n,) int
        0-based season of each sample.
    epitope : (length,) bool
        The sites under immune pressure.
    consensus : list of str
        The population's most common letter at every site, at the end of each season (the
        truth the samples estimate).
    """

    names: list[str]
    sequences: list[str]
    dates: list[str]
    seasons: np.ndarray
    epitope: np.ndarray
    consensus: list[str]


def _check(name: str, value: float, low: float, high: float | None = None) -> None:
    if not (value >= low and (high is None or value <= high)):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ConfigError(f"simulate_lineage: {name}={value} is out of range; expected {bound}")


def _couplings(
    rng: np.random.Generator, length: int, n_letters: int, reach: int, density: float, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(i, j)`` with ``0 < j - i <= reach`` kept with probability ``density``, and a
    ``(pairs, A, A)`` table of couplings for them."""
    first, second = [], []
    for i in range(length):
        for j in range(i + 1, min(length, i + reach + 1)):
            if rng.random() < density:
                first.append(i)
                second.append(j)
    table = rng.normal(0.0, scale, size=(len(first), n_letters, n_letters))
    return np.array(first, dtype=np.int64), np.array(second, dtype=np.int64), table


def _frequencies(population: np.ndarray, n_letters: int) -> np.ndarray:
    """``(length, A)`` letter frequencies of a ``(N, length)`` population."""
    counts = np.zeros((population.shape[1], n_letters))
    for a in range(n_letters):
        counts[:, a] = (population == a).sum(axis=0)
    return counts / len(population)


def simulate_lineage(
    *,
    seasons: int = 40,
    length: int = 100,
    alphabet: Literal["protein", "dna"] = "protein",
    population: int = 300,
    generations: int = 8,
    samples: int = 40,
    mutation_rate: float = 0.002,
    field_scale: float = 0.3,
    coupling_scale: float = 0.3,
    coupling_range: int = 3,
    coupling_density: float = 0.5,
    epitope_fraction: float = 0.3,
    immunity: float = 1.5,
    memory: float = 0.7,
    burn_in: int = 5,
    start_year: int = 2000,
    seed: int = 0,
) -> Lineage:
    """Simulate a lineage and sample it each season.

    Parameters
    ----------
    seasons : int, default 40
        Seasons sampled (after ``burn_in`` unsampled ones).
    length : int, default 100
        Sites of the aligned sequences.
    alphabet : {'protein', 'dna'}, default 'protein'
    population : int, default 300
        Sequences in the population (constant).
    generations : int, default 8
        Wright-Fisher generations per season.
    samples : int, default 40
        Sequences sampled at the end of each season.
    mutation_rate : float, default 0.002
        Probability that a site mutates (to a uniformly chosen other letter) per generation.
    field_scale : float, default 0.3
        Standard deviation of the site fields.
    coupling_scale : float, default 0.3
        Standard deviation of the pairwise couplings (0: no epistasis).
    coupling_range : int, default 3
        Coupled sites are at most this far apart along the sequence.
    coupling_density : float, default 0.5
        Probability that a pair within ``coupling_range`` is coupled.
    epitope_fraction : float, default 0.3
        Fraction of sites under immune pressure.
    immunity : float, default 1.5
        Fitness cost of a letter that has been at frequency 1 for a long time at an epitope
        site (0: no immune pressure, so sites rarely change).
    memory : float, default 0.7
        How much of the immune memory is kept from one season to the next.
    burn_in : int, default 5
        Seasons simulated before the first sampled one.
    start_year : int, default 2000
        Year of the first sampled season.
    seed : int, default 0
        The same seed gives the same lineage.

    Returns
    -------
    Lineage

    Raises
    ------
    ConfigError
        A parameter out of range.
    """
    if alphabet not in LETTERS:
        raise ConfigError(f"simulate_lineage: alphabet={alphabet!r}; expected protein or dna")
    counts = {"seasons": seasons, "length": length, "population": population}
    for name, count in {**counts, "generations": generations, "samples": samples}.items():
        _check(name, count, 1)
    for name, value in (
        ("mutation_rate", mutation_rate),
        ("epitope_fraction", epitope_fraction),
        ("memory", memory),
        ("coupling_density", coupling_density),
    ):
        _check(name, value, 0.0, 1.0)
    for name, count in (("burn_in", burn_in), ("coupling_range", coupling_range)):
        _check(name, count, 0)
    letters = LETTERS[alphabet]
    n_letters = len(letters)
    rng = np.random.default_rng(seed)
    fields = rng.normal(0.0, field_scale, size=(length, n_letters))
    first, second, table = _couplings(
        rng, length, n_letters, coupling_range, coupling_density, coupling_scale
    )
    epitope = np.zeros(length, dtype=bool)
    epitope[rng.choice(length, size=round(epitope_fraction * length), replace=False)] = True
    immune = np.zeros((length, n_letters))
    sites = np.arange(length)
    pop = np.tile(np.argmax(fields, axis=1), (population, 1))

    def fitness(x: np.ndarray) -> np.ndarray:
        value = fields[sites, x].sum(axis=1)
        if len(first):
            value += table[np.arange(len(first)), x[:, first], x[:, second]].sum(axis=1)
        value -= immunity * (immune[sites, x] * epitope).sum(axis=1)
        return np.asarray(value)

    names: list[str] = []
    sequences: list[str] = []
    dates: list[str] = []
    season_of: list[int] = []
    consensus: list[str] = []
    for season in range(-burn_in, seasons):
        for _ in range(generations):
            f = fitness(pop)
            weights = np.exp(f - f.max())
            parents = rng.choice(population, size=population, p=weights / weights.sum())
            pop = pop[parents]
            hit = rng.random(pop.shape) < mutation_rate
            shift = rng.integers(1, n_letters, size=int(hit.sum()))
            pop[hit] = (pop[hit] + shift) % n_letters
        freq = _frequencies(pop, n_letters)
        immune = memory * immune + (1.0 - memory) * freq
        if season < 0:
            continue
        consensus.append("".join(letters[a] for a in np.argmax(freq, axis=1)))
        year = start_year + season
        days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
        picks = rng.choice(population, size=samples, replace=False)
        offsets = np.sort(rng.integers(0, days, size=samples))
        for k, (row, offset) in enumerate(zip(picks, offsets, strict=True)):
            names.append(f"sim/{season + 1}/{k + 1}")
            sequences.append("".join(letters[a] for a in pop[row]))
            dates.append((dt.date(year, 1, 1) + dt.timedelta(days=int(offset))).isoformat())
            season_of.append(season)
    return Lineage(
        names=names,
        sequences=sequences,
        dates=dates,
        seasons=np.array(season_of, dtype=np.int64),
        epitope=epitope,
        consensus=consensus,
    )


def write_lineage_fasta(lineage: Lineage, path: str | os.PathLike[str]) -> Path:
    """Write the samples as FASTA, one ``>name date=YYYY-MM-DD`` record each (atomically).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "lineage.fa"
    >>> _ = write_lineage_fasta(simulate_lineage(seasons=2, length=8, samples=2), out)
    >>> out.read_text().splitlines()[0].split()[1][:10]
    'date=2000-'
    """
    lines = []
    for name, date, sequence in zip(lineage.names, lineage.dates, lineage.sequences, strict=True):
        lines.append(f">{name} date={date}\n{sequence}\n")
    atomic_write_text(path, "".join(lines))
    return Path(path)
