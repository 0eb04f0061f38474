"""The Potts-model family (biodl.data.potts): exact energies and a sampler that follows them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from biodl.data.mutations import VariantSet
from biodl.data.potts import PottsModel, random_potts, sample_potts
from biodl.errors import ConfigError, DataError


def _brute_energy(model: PottsModel, s: np.ndarray) -> float:
    e = sum(model.fields[i, s[i]] for i in range(model.length))
    for i, j in itertools.combinations(range(model.length), 2):
        e += model.couplings[i, j, s[i], s[j]]
    return float(e)


def test_energy_and_delta_energy_are_exact() -> None:
    model = random_potts(5, alphabet="dna", coupling_scale=1.0, seed=1)  # dense couplings
    j = model.couplings
    assert np.allclose(j, j.transpose(1, 0, 3, 2)) and not j[np.arange(5), np.arange(5)].any()
    states = np.random.default_rng(0).integers(0, 4, size=(7, 5))
    want = [_brute_energy(model, s) for s in states]
    np.testing.assert_allclose(model.energy(states), want, atol=1e-12)
    wt = model.decode(states[:1])[0]
    variants = VariantSet.from_mutations(wt, ["WT", f"{wt[0]}1A:{wt[3]}4C"], alphabet="dna")
    mutant = model.encode([variants.sequence(1)])[0]
    np.testing.assert_allclose(
        model.delta_energy(variants),
        [0.0, _brute_energy(model, mutant) - _brute_energy(model, states[0])],
        atol=1e-12,
    )


def test_sampler_matches_exact_distribution_of_a_small_model() -> None:
    model = random_potts(3, alphabet="dna", coupling_scale=1.0, seed=2)
    every = np.array(list(itertools.product(range(4), repeat=3)))
    weights = np.exp(model.energy(every))
    exact = weights / weights.sum()
    sample = sample_potts(model, 20_000, n_chains=200, burn_in=20, thin=2, seed=0)
    codes = sample.states @ np.array([16, 4, 1])
    freq = np.bincount(codes, minlength=64) / len(codes)
    assert 0.5 * np.abs(freq - exact).sum() < 0.03  # total variation


def test_zero_couplings_single_site_frequencies_follow_the_fields() -> None:
    model = random_potts(6, alphabet="dna", field_scale=1.5, seed=3)
    assert not model.couplings.any()
    sample = sample_potts(model, 8000, n_chains=400, burn_in=5, thin=1, seed=1)
    probs = np.exp(model.fields) / np.exp(model.fields).sum(axis=1, keepdims=True)
    freq = np.stack([np.bincount(sample.states[:, i], minlength=4) for i in range(6)]) / 8000
    np.testing.assert_allclose(freq, probs, atol=0.025)


def test_strong_couplings_make_pairs_covary() -> None:
    q = 4
    fields = np.zeros((4, q))
    couplings = np.zeros((4, 4, q, q))
    couplings[0, 1] = couplings[1, 0] = 3.0 * np.eye(q)  # sites 1 and 2 like equal letters
    model = PottsModel(fields, couplings, random_potts(2, alphabet="dna").alphabet)
    s = sample_potts(model, 4000, n_chains=200, burn_in=20, thin=2, seed=0).states
    same_coupled = float((s[:, 0] == s[:, 1]).mean())
    same_free = float((s[:, 2] == s[:, 3]).mean())
    exact = q * np.exp(3.0) / (q * np.exp(3.0) + q * (q - 1))
    assert same_coupled == pytest.approx(exact, abs=0.03)
    assert same_free == pytest.approx(1 / q, abs=0.03)


def test_sampling_is_seeded_and_sparse_pairs_counted() -> None:
    model = random_potts(10, alphabet="dna", n_pairs=4, coupling_scale=2.0, seed=0)
    blocks = np.abs(model.couplings).sum(axis=(2, 3))
    assert int((blocks > 0).sum()) == 8  # 4 pairs, stored both ways
    a = sample_potts(model, 30, burn_in=5, thin=1, seed=7).sequences
    assert a == sample_potts(model, 30, burn_in=5, thin=1, seed=7).sequences
    assert a != sample_potts(model, 30, burn_in=5, thin=1, seed=8).sequences


def test_errors() -> None:
    with pytest.raises(ConfigError, match=r"n_pairs: expected 0 to 3 pairs for 3 positions"):
        random_potts(3, n_pairs=4)
    with pytest.raises(ConfigError, match=r"length: expected at least 2 positions, got 1"):
        random_potts(1)
    model = random_potts(3, alphabet="dna")
    with pytest.raises(ConfigError, match=r"expected n >= 1, .* got n=0"):
        sample_potts(model, 0)
    with pytest.raises(DataError, match=r"sequence 1: expected 3 plain dna letters"):
        model.energies(["ACGT"])
    with pytest.raises(DataError, match=r"the variants are protein and the Potts model dna"):
        model.delta_energy(VariantSet.from_mutations("ACG", ["A1C"]))
