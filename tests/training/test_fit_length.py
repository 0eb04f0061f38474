"""How long training runs: 'auto' epochs and too-small validation parts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from biodl.config import TrainConfig
from biodl.data.dataset import TensorBatch
from biodl.errors import DataWarning
from biodl.training.fit import AUTO_MAX_STEPS, MIN_VALID_FOR_STOPPING, epochs_for, fit_network


class Rows(torch.utils.data.Dataset):
    """A whole-batch dataset over a feature matrix."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = torch.as_tensor(x, dtype=torch.float32)
        self.y = torch.as_tensor(y, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: np.ndarray) -> TensorBatch:
        index = torch.as_tensor(index)
        return TensorBatch((self.x[index],), self.y[index])


def _rows(rng: np.random.Generator, n: int) -> Rows:
    y = rng.integers(0, 2, n)
    return Rows(rng.normal(size=(n, 4)) + y[:, None], y)


@pytest.mark.parametrize(
    ("n_train", "batch_size", "expected"),
    [(10, 64, 200), (100, 64, 200), (1000, 64, 63), (5000, 64, 30), (500, "full", 200)],
)
def test_auto_epochs_give_about_1000_steps_within_30_to_200(n_train, batch_size, expected):
    assert epochs_for(TrainConfig(batch_size=batch_size), n_train) == expected


@pytest.mark.parametrize(
    ("n_train", "batch_size", "expected"),
    # 44,000 rows are 688 steps an epoch (30 epochs reach 20,000 steps only at the 30th);
    # 45,000 are 704 (29 epochs reach them)
    [(44_000, 64, 30), (45_000, 64, 29), (100_000, 64, 13), (477_854, 64, 3), (10**7, 64, 1)],
)
def test_auto_epochs_of_very_large_data_stop_near_the_step_cap(n_train, batch_size, expected):
    cfg = TrainConfig(batch_size=batch_size)
    assert epochs_for(cfg, n_train) == expected
    steps_per_epoch = -(-n_train // batch_size)
    if expected < 30:  # the floor gave way: the fewest epochs reaching AUTO_MAX_STEPS
        assert (expected - 1) * steps_per_epoch < AUTO_MAX_STEPS <= expected * steps_per_epoch


def test_an_explicit_epoch_count_is_kept():
    assert epochs_for(TrainConfig(epochs=7), 100_000) == 7


def test_a_tiny_validation_part_neither_stops_nor_picks_an_epoch(rng):
    cfg = TrainConfig(epochs=6, patience=1, lr=0.5, batch_size=16)  # lr 0.5: a noisy valid loss
    valid = _rows(rng, MIN_VALID_FOR_STOPPING - 20)
    with pytest.warns(DataWarning, match="only 10 validation examples: too few"):
        fit = fit_network(
            nn.Linear(4, 2), _rows(rng, 64), valid, task="multiclass", loss="cross_entropy", cfg=cfg
        )
    assert fit.epochs_run == 6 and not fit.stopped_early
    assert fit.best_epoch == 6 and not fit.chosen_on_valid  # the last weights, whatever
    assert "valid_loss" in fit.history  # still measured and plotted


def test_a_validation_part_of_30_is_used_for_stopping(rng):
    cfg = TrainConfig(epochs=3, patience=1, batch_size=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        fit = fit_network(
            nn.Linear(4, 2),
            _rows(rng, 64),
            _rows(rng, MIN_VALID_FOR_STOPPING),
            task="multiclass",
            loss="cross_entropy",
            cfg=cfg,
        )
    assert 1 <= fit.best_epoch <= fit.epochs_run <= 3 and fit.chosen_on_valid


def test_the_report_says_why_the_last_epoch_was_kept():
    from dataclasses import replace

    from biodl.evaluation.results import ModelMetrics, TrainingFacts
    from biodl.report.build import training_text

    base = {"epochs_run": 200, "best_epoch": 200, "stopped_early": False, "seconds": 1.0}
    training = TrainingFacts(**base, baseline_seconds=0.1, device="cpu")
    baseline = ModelMetrics("logistic regression")
    assert "more epochs (--epochs) could help" in training_text(training, baseline)
    training = replace(training, epoch_chosen_on_valid=False)
    text = training_text(training, baseline)
    assert "no validation part of 30 or more examples" in text and "could help" not in text


@pytest.mark.parametrize("min_steps", [0, 300])
def test_min_steps_holds_early_stopping_on_a_small_training_set(rng, min_steps):
    """64 rows in batches of 16 are 4 steps an epoch: 300 steps need 75 epochs first."""
    cfg = TrainConfig(epochs=200, patience=1, min_steps=min_steps, lr=0.5, batch_size=16)
    fit = fit_network(
        nn.Linear(4, 2),
        _rows(rng, 64),
        _rows(rng, 40),
        task="binary",
        loss="cross_entropy",
        cfg=cfg,
    )
    assert fit.chosen_on_valid and fit.history["valid_auroc"].max() > 0.75  # planted shift
    if min_steps:
        assert fit.epochs_run >= 75
    else:
        assert fit.epochs_run < 75 and fit.stopped_early


def test_one_cycle_learns_the_planted_classes(rng):
    cfg = TrainConfig(epochs=20, optimizer="adamw", scheduler="onecycle", lr=0.05, batch_size=16)
    fit = fit_network(
        nn.Linear(4, 2),
        _rows(rng, 64),
        _rows(rng, 40),
        task="binary",
        loss="cross_entropy",
        cfg=cfg,
    )
    rates = fit.history["lr"].to_numpy()
    assert rates.argmax() not in (0, len(rates) - 1) and rates[-1] < rates[0]  # up, then down
    assert fit.history["valid_auroc"].iloc[-1] > 0.75
