"""Fuzzed time-series readers: UCR/UEA text, CSV with a header, and ``.npz`` archives."""

from __future__ import annotations

import numpy as np
from fuzz_inputs import examples, mutated, read_as_user, run_case, write
from hypothesis import given
from hypothesis import strategies as st
from npz_strategies import npz_archive


def _series(seed: int, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, length)).round(4), np.arange(n) % 2


@st.composite
def ucr_text(draw: st.DrawFn) -> bytes:
    """40-70 series of 12-30 points, label first; space, tab or comma separated."""
    x, y = _series(
        draw(st.integers(0, 2**16)), draw(st.integers(40, 70)), draw(st.integers(12, 30))
    )
    sep = draw(st.sampled_from([" ", "\t", ","]))
    rows = [sep.join([str(label), *map(str, row)]) for row, label in zip(x, y, strict=True)]
    return ("\n".join(rows) + "\n").encode()


@st.composite
def series_csv(draw: st.DrawFn) -> bytes:
    """An id, label and 12-30 value columns table with a header."""
    x, y = _series(
        draw(st.integers(0, 2**16)), draw(st.integers(40, 70)), draw(st.integers(12, 30))
    )
    rows = [",".join(["id", "label", *(f"t{j}" for j in range(x.shape[1]))])]
    rows += [",".join([f"s{i}", str(y[i]), *map(str, x[i])]) for i in range(len(x))]
    return ("\n".join(rows) + "\n").encode()


@st.composite
def series_npz(draw: st.DrawFn) -> bytes:
    x, y = _series(draw(st.integers(0, 2**16)), draw(st.integers(40, 70)), 16)
    valid = {"X": x.astype(np.float32)[:, None, :], "y": y}
    return draw(npz_archive(valid, ("X", "y", "ids", "lengths", "x_train", "y_valid")))


@examples(50)
@given(data=ucr_text().flatmap(mutated))
def test_ucr_text(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("ucr text", write(tmp / "toy_TRAIN.txt", data)))


@examples(35)
@given(data=series_csv().flatmap(mutated))
def test_timeseries_csv(data: bytes) -> None:
    run_case(
        lambda tmp: read_as_user(
            "timeseries csv", write(tmp / "series.csv", data), kind="timeseries"
        )
    )


@examples(50)
@given(data=series_npz())
def test_timeseries_npz(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("timeseries npz", write(tmp / "series.npz", data)))
