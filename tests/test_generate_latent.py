"""Count VAEs draw latent codes from a mixture fitted to the training cells' codes, with each
gene's mean calibrated (biodl.pipeline.generate_latent): planted cell types are sampled in
their proportions and not between them; the N(0, 1) prior does both worse on the same model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biodl.pipeline.generate_data import RealData
from biodl.pipeline.generate_latent import LatentMixture, fit_latent_mixture, sample_latent
from biodl.pipeline.generate_models import Generative, fit_generative


def _two_types(n: int = 300, genes: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Counts of two cell types (about 63 / 37 %), each with 10 markers up 8-fold."""
    rng = np.random.default_rng(0)
    first = rng.random(n) < 0.7
    mean = np.full((n, genes), 4.0)
    mean[first, :10] *= 8
    mean[~first, 10:20] *= 8
    return rng.negative_binomial(5, 5 / (5 + mean)).astype(np.float64), first


def _marker_score(X: np.ndarray) -> np.ndarray:
    """log of type 1's marker counts over type 2's: > 0 for type 1; every real cell |s| > 1.3."""
    return np.log1p(X[:, :10].sum(axis=1)) - np.log1p(X[:, 10:20].sum(axis=1))


def test_count_vae_samples_cell_types_in_proportion_and_not_between_them() -> None:
    X, first = _two_types()
    assert np.abs(_marker_score(X)).min() > 1.0  # the planted types are well apart
    real = RealData("expression", X, [f"c{i}" for i in range(len(X))], None, "x.csv", "csv",
                    features=[f"g{j}" for j in range(X.shape[1])], counts=True)  # fmt: skip
    fitted = fit_generative("vae", real, options={"epochs": 100}, seed=0)
    assert {"latent_mixture", "gene_scale"} <= set(fitted.spec)
    prior_spec = {k: v for k, v in fitted.spec.items() if k not in ("latent_mixture", "gene_scale")}
    prior = Generative("vae", fitted.network, prior_spec)

    def between(S: np.ndarray) -> float:
        return float((np.abs(_marker_score(S)) < 1.0).mean())

    def gene_error(S: np.ndarray) -> float:  # largest |log ratio| of a gene's mean to training
        return float(np.abs(np.log((S.mean(axis=0) + 0.1) / (X.mean(axis=0) + 0.1))).max())

    mixed, plain = fitted.sample(2000, None, seed=1), prior.sample(2000, None, seed=1)
    assert abs(float((_marker_score(mixed) > 0).mean()) - first.mean()) < 0.04
    assert between(mixed) < 0.05  # measured 0.024 (real cells: 0)
    assert between(plain) > 0.2  # the prior decodes its gaps: measured 0.42
    assert gene_error(mixed) < 0.1  # measured 0.058
    assert gene_error(plain) > 0.15  # measured 0.28


def test_conditional_mixtures_are_per_class() -> None:
    rng = np.random.default_rng(0)
    codes = np.r_[rng.normal(-4, 0.2, size=(100, 2)), rng.normal(4, 0.2, size=(120, 2))]
    groups = np.r_[np.zeros(100, dtype=int), np.ones(120, dtype=int)]
    mixture = fit_latent_mixture(codes, groups, seed=0)
    assert len(mixture.weights) == 2
    assert len(mixture.weights[0]) == 2  # 100 rows // 50
    z = sample_latent(mixture, 400, np.repeat([1, 0], 200), np.random.default_rng(0))
    assert (z[:200] > 2).all() and (z[200:] < -2).all()
    assert LatentMixture.from_json(json.loads(json.dumps(mixture.to_json()))) == mixture


def test_count_vae_runs_sample_again_the_same_from_their_saved_mixture(tmp_path: Path) -> None:
    from biodl.pipeline.generate import run_generate

    X, _ = _two_types(120, 20)
    frame = pd.DataFrame(X.astype(np.int64), columns=[f"g{j}" for j in range(20)])
    frame.insert(0, "id", [f"c{i}" for i in range(len(X))])
    frame.to_csv(tmp_path / "counts.csv", index=False)
    first = run_generate(tmp_path / "counts.csv", model="vae", n=40, epochs=5, seed=0,
                         out=tmp_path / "gen", progress=False)  # fmt: skip
    spec = json.loads((tmp_path / "gen" / "model" / "model.json").read_text())
    assert len(spec["gene_scale"]) == 20 and spec["latent_mixture"]["weights"]
    again = run_generate(tmp_path / "gen", n=40, seed=0, out=tmp_path / "again")
    np.testing.assert_array_equal(again.samples, first.samples)


@pytest.mark.parametrize("rows", [3, 49])
def test_few_rows_get_one_component(rows: int) -> None:
    codes = np.random.default_rng(0).normal(size=(rows, 3))
    assert len(fit_latent_mixture(codes, None).weights[0]) == 1


def test_a_class_of_one_training_code_keeps_the_prior() -> None:
    codes = np.r_[np.random.default_rng(0).normal(5, 0.1, size=(60, 3)), [[9.0, 9.0, 9.0]]]
    mixture = fit_latent_mixture(codes, np.r_[np.zeros(60, dtype=int), [1]], seed=0)
    assert mixture.means[1] == [[0.0, 0.0, 0.0]] and mixture.covariances[1] == [np.eye(3).tolist()]
    z = sample_latent(mixture, 4000, np.ones(4000, dtype=int), np.random.default_rng(0))
    np.testing.assert_allclose([z.mean(), z.std()], [0.0, 1.0], atol=0.03)
