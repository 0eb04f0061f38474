"""Time-series inspection: each finding from a planted problem, counts and examples exact."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data.checks.result import Inspection, Lines
from biodl.data.checks.timeseries import inspect_timeseries
from biodl.data.timeseries import TimeSeriesSet, read_timeseries
from biodl.errors import DataError


def codes(inspection: Inspection) -> set[str]:
    return {f.code for f in inspection.findings}


def finding(inspection: Inspection, code: str):
    return next(f for f in inspection.findings if f.code == code)


def waves(rng: np.random.Generator, n: int, length: int = 30, channels: int = 1) -> np.ndarray:
    t = np.linspace(0, 6, length)
    phase = rng.uniform(0, 3, size=(n, channels, 1))
    return np.sin(t + phase) + 0.1 * rng.normal(size=(n, channels, length))


def series(values: np.ndarray, labels: list[str] | None = None, **kwargs) -> TimeSeriesSet:
    return TimeSeriesSet.from_array(values, labels=labels, **kwargs)


def test_clean_parts_have_no_warning_but_the_size(rng: np.random.Generator) -> None:
    labels = ["a", "b"] * 20
    train = series(waves(rng, 40), labels)
    test = series(waves(rng, 20), labels[:20], ids=[f"t{i}" for i in range(20)])
    result = inspect_timeseries({"train": train, "test": test})
    assert result.kind == "timeseries" and result.task == "binary"
    part = result.parts[0]
    assert (part.n, part.channels, part.length_min, part.length_max) == (40, 1, 30, 30)
    assert part.channel_mean[0] == pytest.approx(float(train.values.mean()), abs=1e-6)
    assert {f.code for f in result.warnings} == {"small_data"}
    assert result.overlaps[0].identical == 0


def test_nan_inside_series_is_kept_by_the_lenient_reader(tmp_path) -> None:
    path = tmp_path / "toy_TRAIN.txt"
    rows = ["1 " + " ".join(["0.5"] * 12), "-1 0.1 NaN 0.3 " + " ".join(["1"] * 9)]
    rows += ["1 " + " ".join(["2", "3"] * 5) + " NaN NaN"]  # trailing NaN: a shorter series
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match="missing value"):
        read_timeseries(path)
    data = read_timeseries(path, strict=False)
    result = inspect_timeseries({"train": data})
    part = result.parts[0]
    assert (part.nonfinite, part.nonfinite_series, part.nonfinite_examples) == (1, 1, ["1"])
    assert (part.length_min, part.length_max, part.shorter_series) == (10, 12, 1)
    assert "Training refuses them" in finding(result, "nonfinite").fix
    assert "variable_lengths" in codes(result)
    assert part.flat_series == 1 and part.flat_examples == ["0"]  # 0.5 at every time point


def test_duplicates_leakage_and_repeated_ids(rng: np.random.Generator) -> None:
    x = waves(rng, 30)
    x[25] = x[3]
    ids = [f"s{i}" for i in range(30)]
    ids[29] = "s28"
    with pytest.raises(DataError, match="id 's28' occurs twice"):
        series(x, ids=ids)
    train = series(x, ["a", "b"] * 15, ids=ids, strict=False)
    y = waves(rng, 10)
    y[[0, 7]] = x[[10, 12]]
    y[4] = x[11] + np.float32(1e-6)  # close but not equal: not a copy
    test = series(y, ["a", "b"] * 5, ids=[f"t{i}" for i in range(10)])
    result = inspect_timeseries({"train": train, "test": test})
    part = result.parts[0]
    assert (part.duplicate_series, part.duplicate_examples, part.duplicate_ids) == (1, ["s25"], 1)
    (overlap,) = result.overlaps
    assert (overlap.identical, overlap.examples, overlap.matches) == (
        2,
        ["t0", "t7"],
        ["s10", "s12"],
    )
    assert (
        "2 of 10 test series are identical to a train series" in finding(result, "leakage").message
    )
    assert {"duplicates", "duplicate_ids"} <= codes(result)


def test_lengths_channels_and_levels_that_differ(rng: np.random.Generator) -> None:
    train = series(waves(rng, 20), ["a", "b"] * 10)
    longer = series(waves(rng, 10, length=60), ["a", "b"] * 5)
    assert "lengths_differ" in codes(inspect_timeseries({"train": train, "test": longer}))
    shifted = series(waves(rng, 10) + 5.0, ["a", "b"] * 5)
    level = finding(inspect_timeseries({"train": train, "test": shifted}), "level_shift")
    assert "1 of 1 channels" in level.message
    two = series(waves(rng, 10, channels=2), ["a", "b"] * 5)
    result = inspect_timeseries({"train": train, "test": two})
    assert "channels_differ" in codes(result) and "level_shift" not in codes(result)


def test_mean_series_figure_has_a_line_per_class(rng: np.random.Generator) -> None:
    x = waves(rng, 30, channels=2)
    result = inspect_timeseries({"train": series(x, ["a"] * 20 + ["b"] * 10)})
    lines = [f for f in result.figures if isinstance(f, Lines)]
    assert len(lines) == 1 and [line.name for line in lines[0].lines] == [
        "class a (20)",
        "class b (10)",
    ]
    np.testing.assert_allclose(lines[0].lines[0].y, x[:20, 0].mean(axis=0), rtol=1e-5)
    assert [t.heading for t in result.tables] == ["Channels"] and len(result.tables[0].rows) == 2
    bare = inspect_timeseries({"x": series(x)})
    assert bare.task is None and bare.figures[0].lines[0].name == "all series (30)"  # type: ignore[union-attr]
