"""Several label columns with empty cells (Tox21-style): missing labels, not errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biodl.data.targets import infer_targets, missing_labels_text
from biodl.errors import DataError

NAN = np.nan


def test_multilabel_empty_cells_are_missing_not_zero():
    labels = pd.DataFrame({"a": [0.0, 1.0, NAN, 1.0], "b": ["1", "", "0", "1"]})
    enc = infer_targets(labels)
    assert enc.task == "multilabel"
    y = enc.encode(labels)
    assert y.dtype == np.float64
    assert np.array_equal(y, [[0, 1], [1, NAN], [NAN, 0], [1, 1]], equal_nan=True)


def test_fully_labelled_multilabel_stays_int64():
    labels = pd.DataFrame({"a": [0.0, 1.0, 1.0], "b": [1.0, 0.0, 1.0]})
    y = infer_targets(labels).encode(labels)
    assert y.dtype == np.int64 and y.tolist() == [[0, 1], [1, 0], [1, 1]]


def test_multi_target_regression_missing_is_nan_and_scaled_on_observed():
    labels = pd.DataFrame({"u": [1.0, NAN, 3.0, 5.0], "v": [2.0, 4.0, NAN, 6.0]})
    enc = infer_targets(labels)
    assert enc.task == "regression"
    y = enc.encode(labels)
    assert np.isnan(y[1, 0]) and np.isnan(y[2, 1]) and y[0, 0] == 1.0
    assert enc.mean == [pytest.approx(3.0), pytest.approx(4.0)]
    assert enc.std[0] == pytest.approx(np.std([1.0, 3.0, 5.0]))


def test_single_column_empty_labels_still_refused():
    with pytest.raises(DataError, match=r"column 'y' row 2: regression targets must be finite"):
        infer_targets(pd.DataFrame({"y": [1.5, NAN, 2.5]}), "regression")


def test_all_missing_column_is_refused():
    labels = pd.DataFrame({"a": [0.0, 1.0, 1.0], "b": [NAN, NAN, NAN]})
    with pytest.raises(DataError, match=r"t.csv column 'b': every label is empty"):
        infer_targets(labels, source="t.csv")


def test_row_without_any_label_is_refused():
    labels = pd.DataFrame({"a": [0.0, 1.0, NAN, 1.0], "b": [1.0, 0.0, NAN, 0.0]})
    with pytest.raises(DataError, match=r"t.csv row 3: every label column is empty \(1 such row"):
        infer_targets(labels, source="t.csv")


def test_bad_value_beside_missing_is_still_named():
    labels = pd.DataFrame({"a": ["0", "", "x"], "b": ["1", "0", "1"]})
    with pytest.raises(DataError, match=r"column 'a' row 3: multilabel values must be 0/1"):
        infer_targets(labels, "multilabel")


def test_missing_counts_sentence():
    y = {"train": np.array([[0, NAN], [1, 1], [NAN, 0]]), "test": np.array([[1, 0], [0, 1]])}
    text = missing_labels_text(["a", "b"], y)
    assert text is not None
    assert "a 1 of 3" in text and "b 1 of 3" in text and "test" not in text
    assert missing_labels_text(["a", "b"], {"train": np.array([[0, 1], [1, 0]])}) is None


def test_scaling_a_part_where_a_target_has_no_value_stays_finite():
    labels = pd.DataFrame({"u": [1.0, 2.0, 3.0, NAN], "v": [NAN, NAN, NAN, 4.0]})
    enc = infer_targets(labels.iloc[[0, 1, 3]]).scaled_to(np.array([[1.0, NAN], [2.0, NAN]]))
    assert enc.mean == [1.5, 0.0] and enc.std == [0.5, 1.0]
