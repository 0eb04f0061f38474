"""Tests of the diagnostic figures (ROC, PR, confusion matrix, predicted vs true): each writes a
real PNG, edge cases draw a note, not a crash."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure as MplFigure

from biodl._io import file_mode
from biodl.errors import DataError
from biodl.report import diagnostics
from biodl.report.diagnostics import (
    CurveSet,
    confusion_matrix,
    one_vs_rest_curves,
    pr_curves,
    predicted_vs_true,
    roc_curves,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, expected: Path) -> None:
    assert path == expected
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert b"http" not in data
    assert len(data) > 1000
    assert path.stat().st_mode & 0o777 == file_mode()  # not mkstemp's private 0o600
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def binary_data(rng: np.random.Generator, n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + rng.random(n) * 0.65, 0, 1)
    return y, score


# -- ROC / PR ---------------------------------------------------------------------------------


def test_roc_and_pr_overlay_model_and_baseline(tmp_path: Path, rng: np.random.Generator) -> None:
    y, score = binary_data(rng)
    base = rng.random(len(y))
    curves = [CurveSet("CNN (AUROC 0.9)", y, score), CurveSet("LR", y, base, dashed=True)]
    assert_png(roc_curves(curves, tmp_path / "roc.png"), tmp_path / "roc.png")
    assert_png(pr_curves(curves, tmp_path / "pr.png", show_area=True), tmp_path / "pr.png")


def test_curves_with_a_single_class_are_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts: list[str] = []
    real_save = diagnostics.save_png

    def spy(fig: MplFigure, path: Path) -> Path:
        ax = fig.axes[0]
        texts.extend(t.get_text() for t in ax.texts)
        texts.extend(str(line.get_label()) for line in ax.get_lines())
        return real_save(fig, path)

    monkeypatch.setattr(diagnostics, "save_png", spy)
    y = np.zeros(20, dtype=int)
    good_y = np.array([0, 1] * 10)
    curves = [
        CurveSet("only-negatives", y, np.linspace(0, 1, 20)),
        CurveSet("fine", good_y, np.linspace(0, 1, 20)),
    ]
    assert_png(roc_curves(curves, tmp_path / "roc.png"), tmp_path / "roc.png")
    assert any("skipped only-negatives" in t for t in texts)
    assert "fine" in texts and "only-negatives" not in texts
    texts.clear()
    assert_png(pr_curves(curves[:1], tmp_path / "pr.png"), tmp_path / "pr.png")
    assert any("skipped only-negatives" in t for t in texts)


def test_roc_area_label_matches_sklearn(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels: list[str] = []
    real_save = diagnostics.save_png

    def spy(fig: MplFigure, path: Path) -> Path:
        labels.extend(str(line.get_label()) for line in fig.axes[0].get_lines())
        return real_save(fig, path)

    monkeypatch.setattr(diagnostics, "save_png", spy)
    y, score = binary_data(rng)
    roc_curves([CurveSet("m", y, score)], tmp_path / "roc.png", show_area=True)
    pr_curves([CurveSet("m", y, score)], tmp_path / "pr.png", show_area=True)
    assert f"m (AUROC {roc_auc_score(y, score):.3f})" in labels
    assert f"m (AP {average_precision_score(y, score):.3f})" in labels
    assert f"prevalence {np.mean(y):.3f} (random guess)" in labels


def test_curve_length_mismatch_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="same length, got 3 and 2"):
        roc_curves([CurveSet("m", np.array([0, 1, 1]), np.array([0.1, 0.2]))], tmp_path / "r.png")


def test_one_vs_rest_curves(tmp_path: Path, rng: np.random.Generator) -> None:
    y = rng.integers(0, 3, 60)
    scores = rng.dirichlet(np.ones(3), 60)
    curves = one_vs_rest_curves("CNN", y, scores, ["a", "b", "c"])
    assert [c.label for c in curves] == ["CNN: a", "CNN: b", "CNN: c"]
    np.testing.assert_array_equal(curves[1].y, (y == 1).astype(int))
    np.testing.assert_array_equal(curves[2].score, scores[:, 2])
    out = tmp_path / "ovr.png"
    assert_png(roc_curves(curves, out), out)


def test_one_vs_rest_caps_at_ten_most_frequent_classes() -> None:
    # Class k appears k + 1 times, so the ten most frequent are classes 2..11.
    y = np.repeat(np.arange(12), np.arange(1, 13))
    scores = np.full((len(y), 12), 1 / 12)
    curves = one_vs_rest_curves("m", y, scores, [f"c{k}" for k in range(12)], dashed=True)
    assert [c.label for c in curves] == [f"m: c{k}" for k in range(2, 12)]
    assert all(c.dashed for c in curves)


def test_one_vs_rest_errors() -> None:
    with pytest.raises(DataError, match=r"expected shape \(4, 3\)"):
        one_vs_rest_curves("m", np.zeros(4, int), np.zeros((4, 2)), ["a", "b", "c"])
    with pytest.raises(DataError, match=r"class indices in 0..1"):
        one_vs_rest_curves("m", np.array([0, 1, 2]), np.zeros((3, 2)), ["a", "b"])


# -- confusion matrix -------------------------------------------------------------------------


def test_confusion_matrix(tmp_path: Path, rng: np.random.Generator) -> None:
    y = rng.integers(0, 4, 100)
    pred = np.where(rng.random(100) < 0.7, y, rng.integers(0, 4, 100))
    out = tmp_path / "cm.png"
    assert_png(confusion_matrix(y, pred, ["A", "B", "C", "D"], out, title="Test"), out)


def test_confusion_matrix_counts_match_sklearn(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.metrics import confusion_matrix as sk_confusion

    texts: list[str] = []
    real_save = diagnostics.save_png

    def spy(fig: MplFigure, path: Path) -> Path:
        texts.extend(t.get_text() for t in fig.axes[0].texts)
        return real_save(fig, path)

    monkeypatch.setattr(diagnostics, "save_png", spy)
    y = rng.integers(0, 3, 50)
    pred = rng.integers(0, 3, 50)
    confusion_matrix(y, pred, ["a", "b", "c"], tmp_path / "cm.png")
    expected = sk_confusion(y, pred, labels=[0, 1, 2])
    assert [t.split("\n")[0] for t in texts] == [str(v) for v in expected.ravel()]


def test_confusion_matrix_many_classes_not_annotated(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: list[int] = []
    real_save = diagnostics.save_png

    def spy(fig: MplFigure, path: Path) -> Path:
        counts.append(len(fig.axes[0].texts))
        return real_save(fig, path)

    monkeypatch.setattr(diagnostics, "save_png", spy)
    y = rng.integers(0, 25, 200)
    out = tmp_path / "cm25.png"
    assert_png(confusion_matrix(y, y, [f"class {k}" for k in range(25)], out), out)
    assert counts == [0]


def test_confusion_matrix_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="same length"):
        confusion_matrix(np.array([0, 1]), np.array([0]), ["a", "b"], tmp_path / "c.png")
    with pytest.raises(DataError, match=r"predictions: expected class indices in 0..1"):
        confusion_matrix(np.array([0, 1]), np.array([0, 5]), ["a", "b"], tmp_path / "c.png")


# -- regression -------------------------------------------------------------------------------


def test_predicted_vs_true_with_baseline(tmp_path: Path, rng: np.random.Generator) -> None:
    y = rng.normal(size=(60, 1))
    pred = y[:, 0] + rng.normal(scale=0.3, size=60)
    base = np.full(60, y.mean())  # constant baseline: correlations are undefined, not a crash
    out = tmp_path / "pvt.png"
    assert_png(predicted_vs_true(y, pred, out, title="Expression", baseline_pred=base), out)


def test_predicted_vs_true_legend_correlations(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scipy.stats import pearsonr, spearmanr

    labels: list[str] = []
    real_save = diagnostics.save_png

    def spy(fig: MplFigure, path: Path) -> Path:
        legend = fig.axes[0].get_legend()
        assert legend is not None
        labels.extend(t.get_text() for t in legend.get_texts())
        return real_save(fig, path)

    monkeypatch.setattr(diagnostics, "save_png", spy)
    y = rng.normal(size=40)
    pred = y**3 + rng.normal(scale=0.2, size=40)
    predicted_vs_true(y, pred, tmp_path / "p.png", model_name="MLP")
    r, rho = pearsonr(y, pred)[0], spearmanr(y, pred)[0]
    assert f"MLP (Pearson r {r:.3f}, Spearman ρ {rho:.3f})" in labels


def test_predicted_vs_true_rejects_many_targets(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"expected a 1-D array of shape \(n,\), got shape \(3, 2\)"
    ):
        predicted_vs_true(np.zeros((3, 2)), np.zeros(3), tmp_path / "p.png")
