"""The Markov baseline: the order chosen on validation, smoothing, the network's denominator."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.errors import ConfigError
from biodl.evaluation.markov import MarkovModel, fit_markov_on_valid, plain_letters
from biodl.training.language import windows_of


def order_two_chain(n: int, length: int, seed: int) -> np.ndarray:
    """Letters 1..4: the next letter is (a + b) mod 4 of the two before, 10 % noise."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, length), dtype=np.int64)
    out[:, :2] = rng.integers(0, 4, (n, 2))
    for t in range(2, length):
        rule = (out[:, t - 1] + out[:, t - 2]) % 4
        noise = rng.random(n) < 0.1
        out[:, t] = np.where(noise, rng.integers(0, 4, n), rule)
    return out + 1


def test_order_two_chain_gets_order_two():
    train, valid = order_two_chain(300, 60, 0), order_two_chain(100, 60, 1)
    chosen = fit_markov_on_valid(train, valid, 4, max_order=5)
    assert chosen.model.order == 2
    assert chosen.valid_perplexity[2] < 0.5 * min(chosen.valid_perplexity[k] for k in (0, 1))
    # near the chain's own perplexity: 0.925 / 0.025 mixture -> about 1.5 per letter
    assert 1.3 < chosen.valid_perplexity[2] < 1.7


def test_every_letter_has_a_probability_and_they_sum_to_one():
    model = MarkovModel(order=3, n_letters=4).fit(np.array([[1, 1, 1, 1, 1, 1]]))
    keys = [np.array([0, 5]), np.array([0, 7]), np.array([0, -1])]  # seen and unseen contexts
    p = model.probabilities(keys)
    assert np.allclose(p.sum(axis=1), 1.0) and (p > 0).all()
    assert p[0, 0] > 0.9  # after AAA comes A


def test_padding_and_ambiguity_codes_are_not_counted():
    windows = windows_of([np.array([1, 2, 5, 3, 4]), np.array([2])], 3)
    assert windows.tolist() == [[1, 2, 5], [3, 4, 0], [2, 0, 0]]
    assert (plain_letters(windows, 4) >= 0).sum() == 5
    model = MarkovModel(order=1, n_letters=4).fit(windows)
    logp = model.letter_log_probs(windows)
    assert logp[0, 2] == 0 and logp[1, 2] == 0 and (logp[windows.nonzero()] <= 0).all()
    assert np.isclose(model.perplexity(windows), np.exp(-logp.sum() / 5))


def test_save_load_and_sample(tmp_path):
    train = order_two_chain(50, 40, 0)
    model = MarkovModel(order=2, n_letters=4).fit(train)
    model.save(tmp_path / "m.npz")
    back = MarkovModel.load(tmp_path / "m.npz")
    assert np.allclose(back.log_likelihood(train), model.log_likelihood(train))
    drawn = model.sample(200, 30, seed=1)
    assert drawn.shape == (200, 30) and set(np.unique(drawn)) <= {1, 2, 3, 4}
    assert np.array_equal(drawn, model.sample(200, 30, seed=1))
    rule = (drawn[:, 1:-1] - 1 + drawn[:, :-2] - 1) % 4 + 1 == drawn[:, 2:]
    assert rule.mean() > 0.8  # the samples follow the chain
    with pytest.raises(ConfigError, match="Markov order -1"):
        MarkovModel(order=-1, n_letters=4).fit(train)
