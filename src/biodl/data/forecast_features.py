"""What a forecast sees of each season, and what it must predict of the next.

From a :class:`~biodl.data.seasons.SeasonedLineage` this module computes, for every season
``s`` and site ``i``, the letter frequencies of the season's sequences, the consensus (most
common letter; ties to the letter seen first in the alphabet) and, from seasons ``<= s``
only, the features of a forecast:

site features (:data:`SITE_FEATURES`)
    frequency of the consensus letter now and one season before; frequency of the most common
    other letter now and one season before; Shannon entropy now (divided by ``log A``); mean
    entropy over past seasons; how often the consensus changed in past season pairs; seasons
    since it last changed (capped at 10, divided by 10); whether it changed last season;
    immune-memory proxy of the consensus letter (an exponential average of its past
    frequencies, decay :data:`MEMORY`).
letter features (:data:`LETTER_FEATURES`, one set per letter)
    the letter's frequency now, one season before, and its exponential average.

The targets of the pair ``s -> s + 1``: whether the consensus at the site changes, and the new
consensus letter. A season without sequences takes the profile of the season before it.

Examples
--------
>>> import numpy as np
>>> from biodl.data.seasons import SeasonedLineage
>>> rows = np.frombuffer(b"AAAC" b"AAAC" b"AACC" b"ACCC", dtype=np.uint8).reshape(4, 4)
>>> lineage = SeasonedLineage(["a", "b", "c", "d"], rows, np.array([0, 0, 1, 2]),
...                           ["1", "2", "3"], "toy")
>>> data = forecast_data(lineage)
>>> data.change.astype(int).tolist()
[[0, 0, 1, 0], [0, 1, 0, 0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biodl.data.seasons import SeasonedLineage

__all__ = ["LETTER_FEATURES", "MEMORY", "SITE_FEATURES", "ForecastData", "forecast_data"]

SITE_FEATURES = (
    "consensus_frequency",
    "consensus_frequency_before",
    "runner_up_frequency",
    "runner_up_frequency_before",
    "entropy",
    "past_entropy",
    "past_change_rate",
    "seasons_since_change",
    "changed_last_season",
    "consensus_memory",
)
LETTER_FEATURES = ("frequency", "frequency_before", "memory")
#: Decay of the exponential average of past letter frequencies (the immune-memory proxy).
MEMORY = 0.5


@dataclass(frozen=True)
class ForecastData:
    """Per-season features and next-season targets of a lineage.

    Attributes
    ----------
    letters : str
        The ``A`` letters of the alignment (channel order).
    frequencies : (S, L, A) float
        Letter frequencies per season and site.
    consensus : (S, L) int
        Consensus letter (index into ``letters``).
    site : (S, L, len(SITE_FEATURES)) float32
        Site features of each season, from that season and earlier ones only.
    letter : (S, L, A, len(LETTER_FEATURES)) float32
        Letter features of each season.
    change : (S - 1, L) bool
        Whether the consensus changes from season ``s`` to ``s + 1``.
    new_letter : (S - 1, L) int
        The consensus of season ``s + 1``.
    counts : (S,) int
        Sequences in each season.
    """

    letters: str
    frequencies: np.ndarray
    consensus: np.ndarray
    site: np.ndarray
    letter: np.ndarray
    change: np.ndarray
    new_letter: np.ndarray
    counts: np.ndarray

    @property
    def n_seasons(self) -> int:
        return int(self.frequencies.shape[0])

    def site_frequency(self) -> np.ndarray:
        """``(S, L)`` baseline: how often the site changed in the season pairs so far."""
        return self.site[..., SITE_FEATURES.index("past_change_rate")].astype(np.float64)

    def site_entropy(self) -> np.ndarray:
        """``(S, L)`` baseline: mean entropy of the site over the seasons so far."""
        return self.site[..., SITE_FEATURES.index("past_entropy")].astype(np.float64)


def _profiles(lineage: SeasonedLineage, codes: np.ndarray, n_letters: int) -> np.ndarray:
    S, L = lineage.n_seasons, lineage.length
    freq = np.zeros((S, L, n_letters))
    for s in range(S):
        rows = codes[lineage.seasons == s]
        if len(rows) == 0:
            freq[s] = freq[s - 1]  # season 0 always has sequences (it is the earliest)
            continue
        for a in range(n_letters):
            freq[s, :, a] = (rows == a).mean(axis=0)
    return freq


def _entropy(freq: np.ndarray) -> np.ndarray:
    safe = np.where(freq > 0, freq, 1.0)
    value = -(freq * np.log(safe)).sum(axis=-1)
    return value / max(np.log(freq.shape[-1]), 1e-12)


def forecast_data(lineage: SeasonedLineage) -> ForecastData:
    """Frequencies, consensus, features and targets of every season of ``lineage``."""
    alphabet, codes = np.unique(lineage.letters, return_inverse=True)
    codes = codes.reshape(lineage.letters.shape)
    A = len(alphabet)
    freq = _profiles(lineage, codes, A)
    S, L = freq.shape[:2]
    consensus = np.argmax(freq, axis=2)
    change = consensus[1:] != consensus[:-1]
    memory = np.zeros_like(freq)
    for s in range(S):
        memory[s] = freq[s] if s == 0 else MEMORY * memory[s - 1] + (1 - MEMORY) * freq[s]
    before = np.concatenate([freq[:1], freq[:-1]])
    entropy = _entropy(freq)
    past_entropy = np.cumsum(entropy, axis=0) / np.arange(1, S + 1)[:, None]
    changed_by = np.concatenate([np.zeros((1, L)), np.cumsum(change, axis=0)])
    past_rate = changed_by / np.maximum(np.arange(S), 1)[:, None]
    since = np.zeros((S, L))
    last = np.zeros((S, L))
    for s in range(1, S):
        last[s] = change[s - 1]
        since[s] = np.where(change[s - 1], 0, since[s - 1] + 1)
    rows, cols = np.indices((S, L))
    cons_now = freq[rows, cols, consensus]
    cons_before = before[rows, cols, consensus]
    others = freq.copy()
    others[rows, cols, consensus] = -1.0
    runner = np.argmax(others, axis=2)
    site = np.stack(
        [
            cons_now,
            cons_before,
            np.clip(freq[rows, cols, runner], 0, None) if A > 1 else np.zeros((S, L)),
            np.clip(before[rows, cols, runner], 0, None) if A > 1 else np.zeros((S, L)),
            entropy,
            past_entropy,
            past_rate,
            np.minimum(since, 10) / 10,
            last,
            memory[rows, cols, consensus],
        ],
        axis=-1,
    )
    letter = np.stack([freq, before, memory], axis=-1)
    return ForecastData(
        letters=bytes(alphabet.astype(np.uint8)).decode("ascii"),
        frequencies=freq,
        consensus=consensus,
        site=site.astype(np.float32),
        letter=letter.astype(np.float32),
        change=change,
        new_letter=consensus[1:],
        counts=np.bincount(lineage.seasons, minlength=S),
    )
