"""Time grid: values, mask and delta against a hand-computed example; train-only normalisation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from biodl.data.records import RecordSet, read_records
from biodl.data.timegrid import (
    LengthBuckets,
    check_variables,
    fit_grid,
    grid_batch,
    parse_hours,
)
from biodl.errors import ConfigError, DataError


def records_of(rows: dict[str, list[tuple[float, str, float]]], statics=None) -> RecordSet:
    """A RecordSet built by hand: {id: [(hours, variable, value), ...]} (rows sorted by time)."""
    names = sorted({v for obs in rows.values() for _, v, _ in obs})
    time, var, value, counts = [], [], [], []
    for obs in rows.values():
        counts.append(len(obs))
        for t, v, x in obs:
            time.append(t)
            var.append(names.index(v))
            value.append(x)
    n = len(rows)
    return RecordSet(
        ids=list(rows),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        time=np.asarray(time, np.float32),
        variable=np.asarray(var, np.int16),
        value=np.asarray(value, np.float32),
        variables=tuple(names),
        statics=np.zeros((n, 0), np.float32) if statics is None else np.asarray(statics, "f4"),
        static_names=() if statics is None else ("age",),
    )


def test_grid_mask_and_delta_match_a_hand_computed_example():
    # Record "a": hr at 0.5 h and 0.7 h (same bin: mean 4), at 2.2 h; lactate at 1.5 h.
    # Record "b" ends at 4.5 h, so the grid (1 h bins, 6 h window) is 5 bins long.
    records = records_of(
        {
            "a": [(0.5, "hr", 2.0), (0.7, "hr", 6.0), (1.5, "lactate", 1.0), (2.2, "hr", 8.0)],
            "b": [(4.5, "lactate", 3.0), (7.0, "hr", 1.0)],  # 7 h lies outside the window
        }
    )
    spec = fit_grid(records, bin_hours=1.0, window_hours=6.0)
    spec = replace(spec, mean=[0.0, 0.0], std=[1.0, 1.0], low=[-99.0, -99.0], high=[99.0, 99.0])
    batch = grid_batch(records, np.array([0, 1]), spec)
    assert batch.lengths.tolist() == [3, 5] and batch.values.shape == (2, 5, 2)
    hr, lac = 0, 1
    np.testing.assert_array_equal(batch.values[0, :, hr], [4, 0, 8, 0, 0])
    np.testing.assert_array_equal(batch.mask[0, :, hr], [1, 0, 1, 0, 0])
    np.testing.assert_array_equal(batch.mask[0, :, lac], [0, 1, 0, 0, 0])
    # delta_t = s_t - s_{t-1} (+ delta_{t-1} when unobserved at t-1); delta_0 = 0.
    np.testing.assert_array_equal(batch.delta[0, :, hr], [0, 1, 2, 1, 2])
    np.testing.assert_array_equal(batch.delta[0, :, lac], [0, 1, 1, 2, 3])
    np.testing.assert_array_equal(batch.delta[1, :, lac], [0, 1, 2, 3, 4])
    assert batch.mask[1, :, hr].sum() == 0  # the 7 h observation is cut by the window
    ffill = replace(spec, forward_fill=True)
    np.testing.assert_array_equal(
        grid_batch(records, np.array([0]), ffill).values[0, :, hr], [4, 4, 8]
    )


def test_normalisation_is_fitted_on_the_training_records_only():
    train = records_of({"a": [(0.0, "hr", 60.0), (1.0, "hr", 80.0)], "b": [(5.0, "hr", 70.0)]})
    spec = fit_grid(train, bin_hours=1.0, window_hours=6.0)
    assert spec.mean[0] == pytest.approx(70.0, abs=0.2)
    test = records_of({"c": [(0.0, "hr", 1000.0)]})
    batch = grid_batch(test, np.array([0]), spec)
    high = (spec.high[0] - spec.mean[0]) / spec.std[0]
    assert batch.values[0, 0, 0] == pytest.approx(high)  # clipped to the training range


def test_statics_are_standardised_with_missing_indicators():
    train = records_of({"a": [(1.0, "hr", 1.0)], "b": [(3.0, "hr", 2.0)]}, statics=[[40], [np.nan]])
    spec = fit_grid(train, bin_hours=1.0, window_hours=3.0)
    batch = grid_batch(train, np.array([0, 1]), spec)
    np.testing.assert_array_equal(batch.statics, [[0.0, 0.0], [0.0, 1.0]])


def test_window_and_variable_errors():
    records = records_of({"a": [(1.0, "hr", 1.0)], "b": [(10.0, "hr", 2.0)]})
    with pytest.raises(DataError, match=r"--window 48h is longer than every record .* 10.0 h"):
        fit_grid(records, window_hours=48.0)
    with pytest.raises(DataError, match="longer than --window"):
        fit_grid(records, bin_hours=12.0, window_hours=6.0)
    spec = fit_grid(records, window_hours=8.0)
    other = records_of({"c": [(1.0, "sofa", 3.0)]})
    with pytest.raises(DataError, match="variable\\(s\\) sofa never occur in the training"):
        check_variables(other, spec)


def test_parse_hours():
    assert [parse_hours(x) for x in ("1h", "30min", "2d", "48", 0.25)] == [1, 0.5, 48, 48, 0.25]
    with pytest.raises(ConfigError, match="'soon' is not a duration"):
        parse_hours("soon")
    with pytest.raises(ConfigError, match="must be positive"):
        parse_hours("0h")


def test_length_buckets_cover_every_record_and_group_lengths():
    lengths = np.random.default_rng(0).integers(1, 49, size=1000)
    sampler = LengthBuckets(lengths, 50, seed=0)
    batches = list(sampler)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 10  # random batches would span ~45 steps
    assert [b.tolist() for b in LengthBuckets(lengths, 50, seed=0)] == [b.tolist() for b in batches]
    weights = np.where(lengths > 40, 10.0, 1.0)
    drawn = np.concatenate(list(LengthBuckets(lengths, 50, seed=0, weights=weights)))
    assert (lengths[drawn] > 40).mean() > 0.5


def test_grid_from_files_stays_small(tmp_path: Path):
    from biodl.data.synthetic_icu import write_icu_records

    records = read_records(write_icu_records(tmp_path, n_records=20) / "records")
    spec = fit_grid(records)
    batch = grid_batch(records, np.arange(5), spec)
    assert batch.values.shape[1] <= spec.n_steps == 48
    assert np.isfinite(batch.values).all() and batch.delta.min() >= 0
