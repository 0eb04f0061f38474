"""Image report figures."""

from __future__ import annotations

import numpy as np

from biodl.report.images import misclassified_grid, saliency_overlays


def test_misclassified_grid_shows_only_errors() -> None:
    x = np.random.default_rng(0).random((6, 3, 8, 8))
    fig = misclassified_grid(
        x, np.array([0, 1, 1, 0, 1, 0]), np.array([0, 0, 1, 1, 1, 0]), ["a", "b"]
    )
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["b → a", "a → b"]
    empty = misclassified_grid(x, np.zeros(6, int), np.zeros(6, int), ["a", "b"])
    assert len(empty.axes) == 1


def test_saliency_overlays_pairs_images_and_maps() -> None:
    fig = saliency_overlays(np.random.rand(3, 1, 8, 8), np.random.rand(3, 8, 8), ["x", "y", "z"])
    assert len(fig.axes) == 6
