"""UCR ECG200 with its own train/test split: default model over 3 seeds, with both baselines.

Published accuracies on the default split (aeon reference results, column 0; see
docs/timeseries.md): HC2 0.86, InceptionTime 0.91, WEASEL-2.0 0.89, FreshPRINCE 0.88;
1-NN Euclidean 0.88 (UCR archive).
"""

from __future__ import annotations

import json

import pytest
import torch

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.slow,
]


def test_ecg200_default_model_three_seeds(shared_data, tmp_path):
    from typer.testing import CliRunner

    from biodl.cli import app

    torch.set_num_threads(1)
    folder = shared_data / "timeseries" / "ucr_ecg200"
    run = tmp_path / "ecg200"
    args = [
        "train",
        folder / "ECG200_TRAIN.txt",
        "--test",
        folder / "ECG200_TEST.txt",
        "--seeds",
        "3",
        "--out",
        run,
        "--bootstrap",
        "200",
    ]
    # Default settings: 90 training series leave 10 for validation, too few to early-stop on
    # (0.69 when it did), so the 'auto' 200 epochs run in full (0.857: 0.85 / 0.86 / 0.86).
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["n_test"] == 100
    assert metrics["seeds"]["model"]["accuracy"]["mean"] >= 0.85
    text = json.dumps(metrics)
    assert "summary statistics" in text and "1-NN" in text
