"""Tests of the shared report figures (learning curves, model vs baseline, saving, re-exports)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure as MplFigure

from biodl.errors import DataError
from biodl.report import figures
from biodl.report.figures import (
    ComparisonRow,
    CurveSet,
    Interval,
    learning_curves,
    metric_comparison,
    roc_curves,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, expected: Path) -> None:
    assert path == expected
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert b"http" not in data
    assert len(data) > 1000
    assert path.stat().st_mode & 0o777 == figures.file_mode()  # not mkstemp's private 0o600
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# -- learning curves --------------------------------------------------------------------------


def test_learning_curves_with_metrics_and_best(tmp_path: Path) -> None:
    history = pd.DataFrame(
        {
            "epoch": [1, 2, 3, 4],
            "train_loss": [0.9, 0.6, 0.5, 0.45],
            "valid_loss": [1.0, 0.7, 0.65, 0.7],
            "valid_auroc": [0.6, 0.75, 0.8, 0.79],
            "best": [False, False, True, False],
        }
    )
    out = tmp_path / "plots" / "learning.png"
    assert_png(learning_curves(history, out), out)


def test_learning_curves_without_valid_columns(tmp_path: Path) -> None:
    history = pd.DataFrame({"epoch": [0, 1, 2], "train_loss": [1.0, np.nan, 0.5]})
    out = tmp_path / "learning.png"
    assert_png(learning_curves(history, out), out)


def test_learning_curves_draws_two_panels_only_with_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = []
    real_save = figures.save_png

    def spy(fig: MplFigure, path: Path) -> Path:
        saved.append(len([ax for ax in fig.axes if ax.axison]))
        return real_save(fig, path)

    monkeypatch.setattr(figures, "save_png", spy)
    base = {"epoch": [1, 2], "train_loss": [1.0, 0.5]}
    learning_curves(pd.DataFrame(base), tmp_path / "a.png")
    learning_curves(pd.DataFrame({**base, "valid_mcc": [0.1, 0.2]}), tmp_path / "b.png")
    assert saved == [1, 2]


def test_learning_curves_needs_epoch(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="expected a column 'epoch'"):
        learning_curves(pd.DataFrame({"train_loss": [1.0]}), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


# -- model vs baseline ------------------------------------------------------------------------


def test_metric_comparison(tmp_path: Path) -> None:
    rows = [
        ComparisonRow("AUROC", Interval(0.91, 0.88, 0.94), Interval(0.85, 0.81, 0.88)),
        ComparisonRow("AUPRC", Interval(0.7, 0.6, 0.8), Interval(0.65, math.nan, math.nan)),
        ComparisonRow("MCC", Interval(0.5, 0.4, 0.6), Interval(math.nan)),
        ComparisonRow("Accuracy", Interval(0.9, 0.88, 0.92), Interval(0.86, 0.83, 0.89)),
        ComparisonRow("F1", Interval(0.8, 0.75, 0.85), Interval(0.78, 0.72, 0.83)),
    ]
    out = tmp_path / "cmp.png"
    assert_png(metric_comparison(rows, out, model_name="CNN", baseline_name="LR"), out)


def test_metric_comparison_without_rows(tmp_path: Path) -> None:
    out = tmp_path / "empty.png"
    assert_png(metric_comparison([], out), out)


def test_save_is_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    def boom(self: Figure, *args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    target = tmp_path / "roc.png"
    target.write_bytes(b"old")
    monkeypatch.setattr(Figure, "savefig", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        roc_curves([CurveSet("m", np.array([0, 1]), np.array([0.2, 0.8]))], target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roc.png"]


def test_diagnostic_figures_are_reexported() -> None:
    from biodl.report import diagnostics

    for name in diagnostics.__all__:
        assert getattr(figures, name) is getattr(diagnostics, name)
        assert name in figures.__all__
