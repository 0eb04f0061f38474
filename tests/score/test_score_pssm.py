"""The site-independent PSSM baseline (biodl.evaluation.pssm)."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data.mutations import VariantSet
from biodl.errors import ConfigError, DataError
from biodl.evaluation.pssm import fit_pssm


def test_counts_pseudocounts_and_llr() -> None:
    pssm = fit_pssm(["ACGT", "ACGA", "ACTT", "NCGT"], alphabet="dna", pseudocount=0.5)
    assert pssm.counts[0].tolist() == [3.25, 0.25, 0.25, 0.25]  # N counts a quarter each
    p3 = (np.array([0, 0, 3, 1]) + 0.5) / (4 + 0.5 * 4)
    np.testing.assert_allclose(np.exp(pssm.log_probs[2]), p3)
    np.testing.assert_allclose(np.exp(pssm.log_probs).sum(axis=1), 1.0)
    variants = VariantSet.from_mutations("ACGT", ["G3T", "G3T:T4A", "WT"], alphabet="dna")
    p4 = (np.array([1, 0, 0, 3]) + 0.5) / 6
    want = np.log(p3[3] / p3[2])
    np.testing.assert_allclose(
        pssm.llr(variants), [want, want + np.log(p4[0] / p4[3]), 0.0], atol=1e-12
    )


def test_unequal_lengths() -> None:
    with pytest.raises(DataError, match=r"sequence 2 has 3 letters and sequence 1 has 4; a PSSM"):
        fit_pssm(["ACGT", "ACG"], alphabet="dna")
    pssm = fit_pssm(["ACGT", "ACG"], alphabet="dna", lengths="start", pseudocount=1.0)
    assert pssm.counts[3].tolist() == [0, 0, 0, 1]
    np.testing.assert_allclose(np.exp(pssm.log_probs[3]), [0.2, 0.2, 0.2, 0.4])


def test_errors() -> None:
    pssm = fit_pssm(["ACG", "ACG"], alphabet="dna")
    with pytest.raises(DataError, match=r"variant 2 \(T4A\) mutates position 4, beyond the 3"):
        pssm.llr(VariantSet.from_mutations("ACGT", ["G3T", "T4A"], alphabet="dna"))
    with pytest.raises(DataError, match=r"the variants are protein and the PSSM dna"):
        pssm.llr(VariantSet.from_mutations("ACG", ["A1C"]))
    with pytest.raises(DataError, match=r"sequence 1 contains 'J', which is not a dna letter"):
        fit_pssm(["ACJ"], alphabet="dna")
    with pytest.raises(ConfigError, match=r"pseudocount: expected a number >= 0, got -1"):
        fit_pssm(["ACG"], alphabet="dna", pseudocount=-1)
    with pytest.raises(DataError, match=r"no training sequences"):
        fit_pssm([], alphabet="dna")


def test_spearman_interval_and_paired_comparison() -> None:
    from scipy.stats import spearmanr

    from biodl.evaluation.score_correlation import compare_spearman, spearman_interval

    rng = np.random.default_rng(0)
    measured = rng.normal(size=200)
    good = measured + rng.normal(0, 0.5, 200)
    poor = measured + rng.normal(0, 3.0, 200)
    measured[5] = np.nan
    result = spearman_interval(good, measured, n_boot=200)
    keep = np.isfinite(measured)
    want = spearmanr(good[keep], measured[keep]).statistic
    assert (result.n, result.n_dropped) == (199, 1)
    assert result.estimate.value == pytest.approx(want)
    assert result.estimate.low < want < result.estimate.high
    cmp = compare_spearman(good, poor, measured, n_boot=200)
    assert cmp.metric == "spearman" and cmp.low > 0
    with pytest.raises(DataError, match=r"only 2 variants have a finite measured value"):
        spearman_interval(np.ones(4), np.array([1.0, 2.0, np.nan, np.nan]))
    with pytest.raises(DataError, match=r"scores of shape \(3,\) for measured values of shape"):
        spearman_interval(np.ones(3), np.ones(4))
