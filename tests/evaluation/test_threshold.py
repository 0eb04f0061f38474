"""Validation-chosen thresholds against a brute-force search; the calibration figure."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, f1_score

from biodl.evaluation.threshold import choose_threshold
from biodl.report.diagnostics import CurveSet, calibration_curve


@pytest.mark.parametrize(
    ("rule", "metric"), [("balanced_accuracy", balanced_accuracy_score), ("f1", f1_score)]
)
def test_threshold_maximises_the_rule_like_brute_force(rng, rule, metric):
    y = (rng.random(300) < 0.15).astype(int)
    p = np.clip(0.15 + 0.3 * y + rng.normal(0, 0.2, 300), 0, 1).round(2)
    chosen = choose_threshold(y, p, rule=rule)
    best = max(metric(y, (p >= t).astype(int)) for t in np.unique(p))
    assert chosen.value == pytest.approx(best)
    assert metric(y, (p >= chosen.threshold).astype(int)) == pytest.approx(best)
    assert chosen.threshold < 0.5  # a rare outcome: far below 0.5


def test_single_class_keeps_one_half():
    assert choose_threshold(np.zeros(5), np.linspace(0, 1, 5)).threshold == 0.5


def test_calibration_figure_is_written(tmp_path, rng):
    y = (rng.random(200) < 0.2).astype(int)
    p = np.clip(0.2 + 0.4 * y + rng.normal(0, 0.1, 200), 0, 1)
    path = calibration_curve(
        [CurveSet("GRU-D", y, p), CurveSet("GB", y, p, dashed=True)], tmp_path / "cal.png"
    )
    assert path.stat().st_size > 1000
