"""Sequence logos: PNG and SVG bytes for motifs and attributions, letter heights right."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.errors import DataError
from biodl.interpret.motifs import Motif, information_content
from biodl.report._plot import new_figure
from biodl.report.logos import (
    attribution_logo,
    draw_logo,
    motif_heights,
    motif_logo,
    motif_logos,
)


def test_motif_heights_stack_to_information_content() -> None:
    rng = np.random.default_rng(0)
    motif = Motif("m", rng.dirichlet(np.ones(4), size=7))
    np.testing.assert_allclose(
        motif_heights(motif).sum(axis=1), information_content(motif.probabilities)
    )


def test_logos_render_as_png_and_svg() -> None:
    motif = Motif("MA0000.1", np.eye(4)[[0, 1, 2, 3, 0]] * 0.9 + 0.025, name="test")
    assert motif_logo(motif).startswith(b"\x89PNG")
    svg = motif_logo(motif, fmt="svg").decode()
    assert "<svg" in svg and "MA0000.1 test" in svg
    attr = np.random.default_rng(1).normal(size=(20, 4))
    onehot = np.eye(4)[np.arange(20) % 4]
    assert attribution_logo(attr, onehot, start=101, title="seq 3").startswith(b"\x89PNG")
    assert b"<svg" in attribution_logo(attr, fmt="svg")


def test_signed_heights_set_the_axis_limits() -> None:
    fig = new_figure(4, 2)
    ax = fig.add_subplot()
    heights = np.array([[1.0, 0, 0, -0.5], [0, 2.0, 0, 0]])
    draw_logo(ax, heights)
    low, high = ax.get_ylim()
    assert low == pytest.approx(-0.525) and high == pytest.approx(2.1)
    assert len(ax.patches) == 3  # zero heights draw nothing


def test_bad_logo_input_is_an_error() -> None:
    with pytest.raises(DataError, match=r"logo heights must be \(width, 4\)"):
        attribution_logo(np.zeros((5, 3)))
    with pytest.raises(DataError, match="must have one shape"):
        attribution_logo(np.zeros((5, 4)), np.zeros((6, 4)))
    with pytest.raises(DataError, match="logo format must be 'png' or 'svg'"):
        motif_logo(Motif("m", np.full((3, 4), 0.25)), fmt="pdf")  # type: ignore[arg-type]


def test_motif_logos_draws_a_grid_and_needs_one_title_per_motif(tmp_path):
    motifs = [Motif(f"m{i}", np.eye(4)[[i % 4, 2, 3, 1, 0]]) for i in range(3)]
    path = motif_logos(motifs, ["a", "b", "c"], tmp_path / "grid.png", columns=2)
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(DataError, match="3 motifs but 2 titles"):
        motif_logos(motifs, ["a", "b"], tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()
