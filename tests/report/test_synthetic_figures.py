"""Figures comparing synthetic with real data: each draws a PNG, bad input is named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biodl.errors import DataError
from biodl.evaluation.samplers import GaussianCopula
from biodl.evaluation.synthetic import evaluate_synthetic
from biodl.report.synthetic_figures import (
    discriminator_accuracy,
    pick_per_class,
    sample_grid,
    synthetic_report_figures,
)

PNG = b"\x89PNG"


def test_report_figures_for_tables(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal(np.zeros(4), 0.6 * np.ones((4, 4)) + 0.4 * np.eye(4), size=160)
    synth = GaussianCopula().fit(X[:100]).sample(80).X
    q = evaluate_synthetic(X[:100], X[100:], synth, feature_names=list("abcd"))
    history = pd.DataFrame(
        {"epoch": [1, 2, 3], "d_acc_real": [0.9, 0.7, 0.55], "d_acc_fake": [0.95, 0.6, 0.5]}
    )
    figures = synthetic_report_figures(q, X[:100], X[100:], synth, tmp_path, history=history)
    names = sorted(f.path.name for f in figures)
    assert names == [
        "discriminator_accuracy.png",
        "synthetic_correlations.png",
        "synthetic_features.png",
        "synthetic_pca.png",
    ]
    for f in figures:
        assert f.path.read_bytes()[:4] == PNG and f.title and f.caption


def test_report_figures_for_images_include_a_grid(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.random((40, 1, 6, 6))
    q = evaluate_synthetic(images[:20], images[20:30], images[30:])
    figures = synthetic_report_figures(
        q, images[:20], images[20:30], images[30:], tmp_path, labels=np.arange(10)
    )
    assert figures[0].path.name == "synthetic_samples.png"
    assert len(figures) == 4  # no history: no discriminator plot


def test_sample_grid_shapes(tmp_path):
    rng = np.random.default_rng(2)
    assert sample_grid(rng.random((5, 8, 8)) * 255, tmp_path / "g.png").exists()  # (n, h, w)
    assert sample_grid(rng.normal(size=(12, 3, 8, 8)), tmp_path / "rgb.png").exists()
    with pytest.raises(DataError, match=r"expected images of shape \(n, c, h, w\)"):
        sample_grid(rng.random((5, 2, 8, 8)), tmp_path / "bad.png")


def test_sample_grid_shows_every_class():
    labels = np.repeat(np.arange(10), 8)
    picked = pick_per_class(labels, 64)
    assert len(picked) == 64 and set(labels[picked]) == set(range(10))


def test_discriminator_accuracy_needs_its_columns(tmp_path):
    with pytest.raises(DataError, match=r"lacks columns \['d_acc_fake'\]"):
        discriminator_accuracy(
            pd.DataFrame({"epoch": [1], "d_acc_real": [0.5]}), tmp_path / "d.png"
        )
