"""A synthetic protein (or DNA/RNA) family drawn from a Potts model with known parameters.

The Potts model over sequences ``s`` of ``L`` letters (states ``0..q-1``, the alphabet's plain
letters) has fields ``h_i(a)`` and couplings ``J_ij(a, b)``; its **energy** is

``E(s) = sum_i h_i(s_i) + sum_{i<j} J_ij(s_i, s_j)``

with ``p(s) ∝ exp(E(s))``: higher energy = more probable (the sign of EVmutation's statistical
energy, so a good mutation scorer's log-likelihood ratio correlates *positively* with
``delta_energy``). Couplings are stored as ``(L, L, q, q)`` with ``J[i, j, a, b] ==
J[j, i, b, a]`` and ``J[i, i] == 0``.

Sampling is Gibbs sampling: ``n_chains`` chains start from uniformly random sequences; one
*sweep* redraws every position once, in order, from its exact conditional
``p(s_i = a | rest) ∝ exp(h_i(a) + sum_{j != i} J_ij(a, s_j))``. The first ``burn_in`` sweeps
are discarded, then a sample is kept every ``thin`` sweeps from each chain. With zero
couplings the conditional is the marginal, so every kept sample is an exact independent draw.

Examples
--------
>>> model = random_potts(8, alphabet="dna", n_pairs=3, coupling_scale=1.0, seed=0)
>>> family = sample_potts(model, 50, seed=0)
>>> len(family.sequences), len(family.sequences[0])
(50, 8)
>>> bool(np.allclose(model.energy(family.states), model.energies(family.sequences)))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from biodl.data.alphabet import ALPHABETS, Alphabet, AlphabetName
from biodl.data.mutations import VariantSet
from biodl.errors import ConfigError, DataError

__all__ = ["PottsModel", "PottsSample", "random_potts", "sample_potts"]

_CHUNK_CELLS = 4_000_000  # (sequence, i, j) cells per chunk of an energy computation


@dataclass(frozen=True)
class PottsModel:
    """Fields and couplings of a Potts model (see the module notes for the energy).

    Parameters
    ----------
    fields : (L, q) float64
        ``h_i(a)``.
    couplings : (L, L, q, q) float64
        ``J_ij(a, b)``, symmetric (``J[i, j, a, b] == J[j, i, b, a]``), zero on ``i == j``.
    alphabet : Alphabet
        State ``a`` is the letter ``alphabet.letters[a]`` (``q = alphabet.n_channels``).
    """

    fields: np.ndarray
    couplings: np.ndarray
    alphabet: Alphabet

    @property
    def length(self) -> int:
        """Number of positions ``L``."""
        return int(self.fields.shape[0])

    @property
    def n_states(self) -> int:
        """Number of letters ``q``."""
        return int(self.fields.shape[1])

    def encode(self, sequences: Sequence[str]) -> np.ndarray:
        """``(n, L)`` states of sequences of plain letters of length ``L``."""
        table = np.full(256, -1, dtype=np.int64)
        for a, letter in enumerate(self.alphabet.letters):
            table[ord(letter)] = table[ord(letter.lower())] = a
        out = np.empty((len(sequences), self.length), dtype=np.int64)
        for k, s in enumerate(sequences):
            row = table[np.frombuffer(s.encode("ascii"), dtype=np.uint8)]
            if len(row) != self.length or (row < 0).any():
                raise DataError(
                    f"sequence {k + 1}: expected {self.length} plain {self.alphabet.name} "
                    f"letters ({self.alphabet.letters}), got {s[:60]!r}."
                )
            out[k] = row
        return out

    def decode(self, states: np.ndarray) -> list[str]:
        """The sequences of ``(n, L)`` states."""
        letters = np.frombuffer(self.alphabet.letters.encode("ascii"), dtype=np.uint8)
        return [letters[row].tobytes().decode("ascii") for row in np.asarray(states)]

    def energy(self, states: np.ndarray) -> np.ndarray:
        """``(n,)`` exact energy ``E(s)`` of ``(n, L)`` states."""
        states = np.asarray(states, dtype=np.int64)
        length, q = self.length, self.n_states
        flat = self.couplings.transpose(0, 2, 1, 3).reshape(length * q, length * q)
        index = np.arange(length) * q + states
        out = self.fields[np.arange(length), states].sum(axis=1)
        step = max(1, _CHUNK_CELLS // (length * length))
        for start in range(0, len(states), step):
            idx = index[start : start + step]
            out[start : start + step] += 0.5 * flat[idx[:, :, None], idx[:, None, :]].sum((1, 2))
        return out

    def energies(self, sequences: Sequence[str]) -> np.ndarray:
        """``(n,)`` exact energy of sequences given as strings."""
        return self.energy(self.encode(sequences))

    def delta_energy(self, variants: VariantSet) -> np.ndarray:
        """``(n,)`` exact ``E(mutant) - E(wild type)`` of every variant (any number of sites).

        Raises
        ------
        DataError
            Variants of another alphabet or length.
        """
        if variants.alphabet.name != self.alphabet.name:
            raise DataError(
                f"the variants are {variants.alphabet.name} and the Potts model "
                f"{self.alphabet.name}."
            )
        wild = self.encode(list(variants.wild_types))
        mutant = wild[variants.wild_type_index]
        rows = variants.site_variant()
        mutant[rows, variants.sites] = variants.mutant_letters
        return self.energy(mutant) - self.energy(wild)[variants.wild_type_index]


@dataclass(frozen=True)
class PottsSample:
    """Sequences drawn from a Potts model.

    Parameters
    ----------
    states : (n, L) int64
    sequences : list of str
    """

    states: np.ndarray
    sequences: list[str]


def random_potts(
    length: int,
    *,
    alphabet: AlphabetName | Alphabet = "protein",
    field_scale: float = 1.0,
    coupling_scale: float = 0.0,
    n_pairs: int | None = None,
    seed: int = 0,
) -> PottsModel:
    """A seeded random Potts model.

    Parameters
    ----------
    length : int
        Number of positions ``L`` (>= 2).
    alphabet : {"dna", "rna", "protein"} or Alphabet, default "protein"
        ``q`` = its number of plain letters (4 or 20).
    field_scale : float, default 1.0
        Fields are ``N(0, field_scale²)``.
    coupling_scale : float, default 0.0
        Couplings of a coupled pair are ``q x q`` draws of ``N(0, coupling_scale²)``; 0 gives
        an independent-sites model.
    n_pairs : int, optional
        Sparse couplings: this many distinct position pairs, chosen at random, are coupled (the
        "few strong contacts" of a folded protein). Default: every pair (dense couplings; then
        keep ``coupling_scale`` small, about ``1 / sqrt(L)``).
    seed : int, default 0

    Raises
    ------
    ConfigError
        ``length < 2``, a negative scale, or more pairs than ``L (L - 1) / 2``.
    """
    abc = ALPHABETS[alphabet] if isinstance(alphabet, str) else alphabet
    all_pairs = length * (length - 1) // 2
    if length < 2:
        raise ConfigError(f"length: expected at least 2 positions, got {length}.")
    if field_scale < 0 or coupling_scale < 0:
        raise ConfigError("field_scale and coupling_scale: expected numbers >= 0.")
    if n_pairs is not None and not 0 <= n_pairs <= all_pairs:
        raise ConfigError(
            f"n_pairs: expected 0 to {all_pairs} pairs for {length} positions, got {n_pairs}."
        )
    rng = np.random.default_rng(seed)
    q = abc.n_channels
    fields = rng.normal(0.0, field_scale, size=(length, q))
    couplings = np.zeros((length, length, q, q))
    i_all, j_all = np.triu_indices(length, k=1)
    chosen = np.arange(all_pairs) if n_pairs is None else rng.choice(all_pairs, n_pairs, False)
    for p in np.sort(chosen):
        i, j = int(i_all[p]), int(j_all[p])
        block = rng.normal(0.0, coupling_scale, size=(q, q))
        couplings[i, j], couplings[j, i] = block, block.T
    return PottsModel(fields=fields, couplings=couplings, alphabet=abc)


def sample_potts(
    model: PottsModel,
    n: int,
    *,
    n_chains: int = 100,
    burn_in: int = 200,
    thin: int = 10,
    seed: int = 0,
) -> PottsSample:
    """Draw ``n`` sequences by Gibbs sampling (see the module notes).

    Parameters
    ----------
    model : PottsModel
    n : int
        Number of sequences (>= 1).
    n_chains : int, default 100
        Chains run side by side (vectorised); each gives ``ceil(n / n_chains)`` samples, the
        last ones dropped to make ``n``. Fewer chains than ``n`` means correlated neighbours
        within a chain.
    burn_in : int, default 200
        Sweeps discarded at the start of each chain.
    thin : int, default 10
        Sweeps between two kept samples of a chain.
    seed : int, default 0
        The same seed gives the same sequences.

    Returns
    -------
    PottsSample
        Sequences in chain-interleaved order (sample 1 of every chain, then sample 2, ...).

    Raises
    ------
    ConfigError
        A count out of range.
    """
    if n < 1 or n_chains < 1 or burn_in < 0 or thin < 1:
        raise ConfigError(
            f"sample_potts: expected n >= 1, n_chains >= 1, burn_in >= 0 and thin >= 1; got "
            f"n={n}, n_chains={n_chains}, burn_in={burn_in}, thin={thin}."
        )
    rng = np.random.default_rng(seed)
    chains = min(n_chains, n)
    length, q = model.length, model.n_states
    # couplings seen from site i: pull[i, j, b, a] = J_ij(a, b), gathered by the state b at j
    pull = model.couplings.transpose(0, 1, 3, 2)
    states = rng.integers(0, q, size=(chains, length))
    sites = np.arange(length)
    kept: list[np.ndarray] = []
    per_chain = -(-n // chains)
    sweeps = burn_in + thin * per_chain
    for sweep in range(1, sweeps + 1):
        for i in range(length):
            logits = model.fields[i] + pull[i, sites, states].sum(axis=1)
            logits -= logits.max(axis=1, keepdims=True)
            cdf = np.cumsum(np.exp(logits), axis=1)
            u = rng.random(chains) * cdf[:, -1]
            states[:, i] = np.minimum((cdf < u[:, None]).sum(axis=1), q - 1)
        if sweep > burn_in and (sweep - burn_in) % thin == 0:
            kept.append(states.copy())
    out = np.stack(kept, axis=0).reshape(-1, length)[:n]
    return PottsSample(states=out, sequences=model.decode(out))
