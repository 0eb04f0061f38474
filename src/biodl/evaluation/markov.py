"""The classical baseline of a language model: a k-th order Markov chain over letters.

``P(a | h)`` for the ``k`` letters ``h`` before ``a`` is smoothed by **Witten-Bell
interpolation** down to order 0 and then to the uniform distribution::

    P_j(a | h_j) = (c(h_j, a) + T(h_j) * P_{j-1}(a | h_{j-1})) / (c(h_j) + T(h_j))

where ``c`` are training counts, ``T(h_j)`` the number of distinct letters seen after ``h_j``
and ``h_{j-1}`` the last ``j - 1`` letters of ``h_j``; a context never seen keeps the lower
order's value, so no letter has probability zero and the model needs no tuning constant.

Letters are read in the same windows as the network's (:func:`biodl.data.windows`-style
``(n_windows, context)`` arrays of alphabet codes, 0 = padding): a context never reaches
before the start of its window, so the Markov model sees what the network sees. Only plain
letters (codes ``1 .. n_letters``) are predicted and counted; a context with an ambiguity
code (``N``, ``X``) is shortened to the plain letters after it. So the perplexity per letter
here has the network's denominator. The order ``k`` is chosen on the validation windows
(:func:`fit_markov_on_valid`).

Examples
--------
>>> import numpy as np
>>> train = np.tile(np.array([[1, 2, 3, 4]]), (5, 3))  # ACGTACGTACGT...
>>> model = MarkovModel(order=1, n_letters=4).fit(train)
>>> round(model.perplexity(train), 2) < 1.5
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from biodl.errors import ConfigError

__all__ = ["MarkovModel", "MarkovSelection", "fit_markov_on_valid", "plain_letters"]


def plain_letters(windows: np.ndarray, n_letters: int) -> np.ndarray:
    """Letter index ``0 .. n_letters - 1`` of each position; ``-1`` for padding and ambiguity
    codes.

    Examples
    --------
    >>> plain_letters(np.array([[1, 4, 5, 0]]), 4).tolist()
    [[0, 3, -1, -1]]
    """
    codes = np.asarray(windows, dtype=np.int64)
    return np.where((codes >= 1) & (codes <= n_letters), codes - 1, -1)


def _context_keys(letters: np.ndarray, order: int, n_letters: int) -> list[np.ndarray]:
    """Per order ``j = 1 .. order``: the integer key of the ``j`` letters before each position
    (``-1`` where the window starts less than ``j`` letters before or a letter is not plain)."""
    keys: list[np.ndarray] = []
    current = np.zeros(letters.shape, dtype=np.int64)
    valid = np.ones(letters.shape, dtype=bool)
    for j in range(1, order + 1):
        before = np.full(letters.shape, -1, dtype=np.int64)
        before[:, j:] = letters[:, :-j]
        valid = valid & (before >= 0)
        current = current * n_letters + np.maximum(before, 0)
        keys.append(np.where(valid, current, -1))
    return keys


@dataclass
class MarkovModel:
    """A k-th order Markov chain with Witten-Bell interpolated smoothing.

    Parameters
    ----------
    order : int
        ``k``: letters of context (0 = letter frequencies).
    n_letters : int
        Alphabet size (plain letters).

    Attributes
    ----------
    tables : list of (keys, counts)
        Per order ``j = 0 .. k``: sorted context keys and their ``(n_contexts, n_letters)``
        letter counts (order 0: one context, key 0).
    """

    order: int
    n_letters: int
    tables: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)

    def fit(self, windows: np.ndarray) -> MarkovModel:
        """Count letters after each context in the training windows; returns ``self``."""
        if self.order < 0:
            raise ConfigError(f"Markov order {self.order}: expected 0 or more")
        letters = plain_letters(windows, self.n_letters)
        target = letters >= 0
        self.tables = [(np.zeros(1, dtype=np.int64), self._counts(letters[target]))]
        for keys in _context_keys(letters, self.order, self.n_letters):
            use = target & (keys >= 0)
            pair = keys[use] * self.n_letters + letters[use]
            unique, counts = np.unique(pair, return_counts=True)
            contexts, where = np.unique(unique // self.n_letters, return_inverse=True)
            table = np.zeros((len(contexts), self.n_letters), dtype=np.float64)
            np.add.at(table, (where, unique % self.n_letters), counts)
            self.tables.append((contexts, table))
        return self

    def _counts(self, letters: np.ndarray) -> np.ndarray:
        return np.bincount(letters, minlength=self.n_letters).astype(np.float64)[None, :]

    def probabilities(self, keys: list[np.ndarray]) -> np.ndarray:
        """``(n, n_letters)`` probabilities for contexts given as keys per order (``-1``: that
        order is unavailable, so the lower one is used)."""
        n = len(keys[0]) if keys else 1
        p = np.full((n, self.n_letters), 1.0 / self.n_letters)
        for j, (contexts, table) in enumerate(self.tables):
            if j == 0:
                rows = np.zeros(n, dtype=np.int64)
                found = np.ones(n, dtype=bool)
            else:
                key = keys[j - 1]
                rows = np.searchsorted(contexts, key).clip(max=max(len(contexts) - 1, 0))
                found = (key >= 0) & (len(contexts) > 0)
                if len(contexts):
                    found &= contexts[rows] == key
            if not found.any():
                continue
            counts = table[rows[found]]
            seen = (counts > 0).sum(axis=1, keepdims=True)
            total = counts.sum(axis=1, keepdims=True)
            p[found] = (counts + seen * p[found]) / (total + seen)
        return p

    def letter_log_probs(self, windows: np.ndarray) -> np.ndarray:
        """Natural log-probability of every plain letter in ``windows``, ``(n_windows,
        context)``; ``0`` at padding and ambiguity codes (not counted)."""
        letters = plain_letters(windows, self.n_letters)
        keys = [k.ravel() for k in _context_keys(letters, self.order, self.n_letters)]
        flat = letters.ravel()
        out = np.zeros(flat.shape, dtype=np.float64)
        use = flat >= 0
        p = self.probabilities([k[use] for k in keys] if keys else [np.zeros(int(use.sum()))])
        out[use] = np.log(p[np.arange(len(p)), flat[use]])
        return out.reshape(letters.shape)

    def log_likelihood(self, windows: np.ndarray) -> np.ndarray:
        """Log-likelihood (nats) of each window: the sum over its plain letters."""
        return self.letter_log_probs(windows).sum(axis=1)

    def perplexity(self, windows: np.ndarray) -> float:
        """Perplexity per plain letter: ``exp(-mean log p)`` over the letters counted."""
        n = int((plain_letters(windows, self.n_letters) >= 0).sum())
        if n == 0:
            return float("nan")
        return math.exp(-float(self.letter_log_probs(windows).sum()) / n)

    def sample(self, n: int, length: int, *, seed: int = 0) -> np.ndarray:
        """``n`` sequences of ``length`` letters as alphabet codes ``(n, length)``, seeded."""
        rng = np.random.default_rng(seed)
        letters = np.zeros((n, length), dtype=np.int64)
        for t in range(length):
            keys = []
            for j in range(1, self.order + 1):
                if t < j:
                    keys.append(np.full(n, -1, dtype=np.int64))
                    continue
                key = np.zeros(n, dtype=np.int64)
                for i in range(j, 0, -1):
                    key = key * self.n_letters + letters[:, t - i]
                keys.append(key)
            p = self.probabilities(keys if keys else [np.zeros(n, dtype=np.int64)])
            cumulative = p.cumsum(axis=1)
            draw = rng.random((n, 1)) * cumulative[:, -1:]
            letters[:, t] = (cumulative < draw).sum(axis=1).clip(max=self.n_letters - 1)
        return letters + 1

    def save(self, path: str | Path) -> None:
        """Write the counts to an ``.npz`` file (no pickle)."""
        arrays: dict[str, np.ndarray] = {"meta": np.array([self.order, self.n_letters])}
        for j, (contexts, table) in enumerate(self.tables):
            arrays[f"contexts_{j}"] = contexts
            arrays[f"counts_{j}"] = table
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> MarkovModel:
        """Read a model written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            order, n_letters = (int(v) for v in data["meta"])
            tables = [(data[f"contexts_{j}"], data[f"counts_{j}"]) for j in range(order + 1)]
        return cls(order=order, n_letters=n_letters, tables=tables)


@dataclass
class MarkovSelection:
    """The Markov model of the order best on validation, and every order's perplexity.

    Attributes
    ----------
    model : MarkovModel
    valid_perplexity : dict of int to float
        Validation perplexity per letter of each order tried.
    """

    model: MarkovModel
    valid_perplexity: dict[int, float]


def fit_markov_on_valid(
    train: np.ndarray, valid: np.ndarray, n_letters: int, *, max_order: int | None = None
) -> MarkovSelection:
    """Fit orders ``0 .. max_order`` on ``train``; keep the one with the lowest validation
    perplexity (ties: the lower order).

    Parameters
    ----------
    train, valid : (n_windows, context) int arrays
        Alphabet codes, 0 = padding.
    n_letters : int
    max_order : int, optional
        Default: 8 for 4 letters, 3 for 20 (at most 65,536 contexts: ``n_letters**k``),
        never more than the window length - 1.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> seqs = np.tile(np.array([1, 1, 2, 3]), (40, 10))
    >>> fit_markov_on_valid(seqs[:30], seqs[30:], 4).model.order >= 2
    True
    """
    if max_order is None:
        max_order = max(1, math.floor(math.log(65536) / math.log(max(n_letters, 2))))
    max_order = max(0, min(max_order, train.shape[1] - 1))
    scores: dict[int, float] = {}
    best: MarkovModel | None = None
    for k in range(max_order + 1):
        model = MarkovModel(order=k, n_letters=n_letters).fit(train)
        scores[k] = model.perplexity(valid) if len(valid) else float("nan")
        if best is None or scores[k] < scores[best.order]:
            best = model
    assert best is not None
    return MarkovSelection(best, scores)
