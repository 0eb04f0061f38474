"""Language-model scores of mutations (biodl.interpret.lm_scores) on hand-made contract models
whose answers are known exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from biodl.data.alphabet import ALPHABETS
from biodl.data.mutations import VariantSet
from biodl.errors import ConfigError, DataError
from biodl.interpret.lm_scores import (
    masked_marginals,
    pll_scores,
    score_variants,
    sequence_log_likelihoods,
    wild_type_marginals,
)

DNA = ALPHABETS["dna"]
MASK = DNA.n_codes  # 16: one past the last code


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


class SiteTable(nn.Module):
    """Site-independent: the logits at position t are row t of a table, whatever the input."""

    alphabet_name = "dna"
    mask_code = MASK

    def __init__(self, table: np.ndarray, objective: str = "masked") -> None:
        super().__init__()
        self.table = nn.Parameter(torch.tensor(table))
        self.objective = objective

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.table[: codes.shape[1]].expand(codes.shape[0], -1, -1)


class Pairwise(nn.Module):
    """Masked model: logits at t = S[x_t] + C[x_(t xor 1)] (sites paired 0-1, 2-3, ...).

    S is what the site sees of its own letter (zero when masked), C the partner's pull.
    """

    alphabet_name = "dna"
    mask_code = MASK
    objective = "masked"

    def __init__(self, s: np.ndarray, c: np.ndarray) -> None:
        super().__init__()
        self.s = nn.Parameter(torch.tensor(s))
        self.c = nn.Parameter(torch.tensor(c))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        partner = codes[:, torch.arange(codes.shape[1]) ^ 1]
        return self.s[codes] + self.c[partner]


class Markov(nn.Module):
    """Causal first-order Markov chain: logits at t = C[x_(t-1)], position 0 from row 0."""

    alphabet_name = "dna"
    objective = "causal"

    def __init__(self, c: np.ndarray) -> None:
        super().__init__()
        self.c = nn.Parameter(torch.tensor(c))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        previous = torch.nn.functional.pad(codes[:, :-1], (1, 0))
        return self.c[previous]


def _codes(seq: str) -> np.ndarray:
    return DNA.lut[np.frombuffer(seq.encode(), dtype=np.uint8)].astype(int)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _variants() -> VariantSet:
    return VariantSet.from_mutations(
        ["ACGTAC", "GGCA"],
        ["A1C", "A1C:G3T", "WT", "C6A", "G2A", "G1T:C3A", "G2C"],
        wild_type_index=[0, 0, 0, 0, 1, 1, 1],
        alphabet="dna",
    )


def test_site_independent_scores_all_equal_table_difference(rng: np.random.Generator) -> None:
    table = rng.normal(size=(6, 4))
    logp = _log_softmax(table)
    variants = _variants()
    expected = np.zeros(len(variants))
    for k in range(len(variants)):
        for m in variants.mutations(k):
            j = m.position - 1
            expected[k] += logp[j, "ACGT".index(m.mutant)] - logp[j, "ACGT".index(m.wild_type)]
    for objective in ("masked", "causal"):
        model = SiteTable(table, objective)
        methods = ["wt-marginals", "pll"] + (["masked-marginals"] if objective == "masked" else [])
        for method in methods:
            got = score_variants(model, variants, method)  # type: ignore[arg-type]
            np.testing.assert_allclose(got.scores, expected, atol=1e-12)


def test_pass_counts_and_batch_invariance(rng: np.random.Generator) -> None:
    model = SiteTable(rng.normal(size=(6, 4)))
    variants = _variants()
    wt = wild_type_marginals(model, variants)
    assert (wt.forward_passes, wt.model_calls) == (2, 2)  # two lengths: one call each
    # mutated positions: ACGTAC at 1, 3, 6; GGCA at 1, 2, 3 -> 6 masked passes, not 7 mutants
    mm = masked_marginals(model, variants, batch_size=2)
    assert (mm.forward_passes, mm.model_calls) == (6, 4)
    one = masked_marginals(model, variants, batch_size=1)
    assert one.model_calls == 6
    np.testing.assert_allclose(one.scores, mm.scores, atol=1e-12)
    pll = pll_scores(model, variants)
    assert pll.forward_passes == 6 + 4 + 4 * 6 + 3 * 4  # every wild type and variant, per site
    causal = pll_scores(SiteTable(rng.normal(size=(6, 4)), "causal"), variants)
    assert causal.forward_passes == 2 + 7


def test_masked_and_wild_type_marginals_differ_on_a_pairwise_model(
    rng: np.random.Generator,
) -> None:
    s = np.zeros((MASK + 1, 4))
    s[1:5] = 3.0 * np.eye(4)  # seeing its own letter makes it likely
    c = np.zeros((MASK + 1, 4))
    c[1:5] = rng.normal(size=(4, 4))
    model = Pairwise(s, c)
    wt = "ACGT"
    variants = VariantSet.from_mutations(wt, ["A1G", "C2T", "A1G:C2T"], alphabet="dna")
    x = _codes(wt)
    partner = x[[1, 0, 3, 2]]
    unmasked = _log_softmax(s[x] + c[partner])
    masked = _log_softmax(c[partner])
    g, t, a, cc = 2, 3, 0, 1  # letter indices of G, T, A, C
    want_wt = [unmasked[0, g] - unmasked[0, a], unmasked[1, t] - unmasked[1, cc]]
    want_mm = [masked[0, g] - masked[0, a], masked[1, t] - masked[1, cc]]
    got_wt = wild_type_marginals(model, variants).scores
    got_mm = masked_marginals(model, variants).scores
    np.testing.assert_allclose(got_wt, [*want_wt, sum(want_wt)], atol=1e-12)
    np.testing.assert_allclose(got_mm, [*want_mm, sum(want_mm)], atol=1e-12)
    assert not np.allclose(got_wt, got_mm)
    # pseudo-log-likelihood: every site masked in turn sees only its partner
    for seq in (wt, "GCGT"):
        y = _codes(seq)
        want = _log_softmax(c[y[[1, 0, 3, 2]]])[np.arange(4), y - 1].sum()
        got = sequence_log_likelihoods(model, [seq]).values[0]
        assert got == pytest.approx(want, abs=1e-12)


def test_causal_exact_log_likelihood_and_prefix_marginals(rng: np.random.Generator) -> None:
    c = rng.normal(size=(MASK, 4))
    model = Markov(c)
    logp = _log_softmax(c)

    def ll(seq: str) -> float:
        y = _codes(seq)
        prev = np.r_[0, y[:-1]]
        return float(logp[prev, y - 1].sum())

    assert sequence_log_likelihoods(model, ["ACGT", "TTGA"]).values == pytest.approx(
        [ll("ACGT"), ll("TTGA")], abs=1e-12
    )
    variants = VariantSet.from_mutations("ACGT", ["C2A"], alphabet="dna")
    # wild-type marginal: the letter at 2 given the wild-type prefix A; ignores position 3
    wt = wild_type_marginals(model, variants).scores[0]
    assert wt == pytest.approx(logp[1, 0] - logp[1, 1], abs=1e-12)
    # pll of a causal model: the exact ratio, including the changed context of position 3
    assert pll_scores(model, variants).scores[0] == pytest.approx(ll("AAGT") - ll("ACGT"))


def test_contract_errors(rng: np.random.Generator) -> None:
    variants = _variants()
    with pytest.raises(ConfigError, match=r"masked-marginals needs a masked language model"):
        masked_marginals(Markov(rng.normal(size=(MASK, 4))), variants)
    protein = SiteTable(rng.normal(size=(6, 4)))
    protein.alphabet_name = "protein"
    with pytest.raises(ConfigError, match=r"reads 'protein' sequences but the variants are dna"):
        wild_type_marginals(protein, variants)
    wide = SiteTable(rng.normal(size=(6, 5)))
    with pytest.raises(ConfigError, match=r"logits of shape \(1, 6, 5\) .* \(batch, length, 4\)"):
        wild_type_marginals(wide, variants)
    with pytest.raises(ConfigError, match=r"'exact' is not a scoring method"):
        score_variants(wide, variants, "exact")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"batch_size: expected a positive number, got 0"):
        wild_type_marginals(wide, variants, batch_size=0)
    with pytest.raises(DataError, match=r"sequence 2: position 3 holds 'N', not a plain dna"):
        sequence_log_likelihoods(SiteTable(rng.normal(size=(6, 4))), ["ACGT", "ACNT"])


def test_model_left_in_training_mode_is_restored(rng: np.random.Generator) -> None:
    model = SiteTable(rng.normal(size=(6, 4)))
    model.train()
    wild_type_marginals(model, _variants())
    assert model.training
