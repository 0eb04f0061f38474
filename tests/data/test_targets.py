"""Task inference and label encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biodl.data.targets import TargetEncoding, infer_targets
from biodl.errors import DataError


@pytest.mark.parametrize(
    ("values", "task", "classes"),
    [
        (["b", "a", "b"], "binary", ["a", "b"]),
        (["+", "-", "+"], "binary", ["-", "+"]),
        (["yes", "no"], "binary", ["no", "yes"]),
        (["enhancer", "non_enhancer"], "binary", ["non_enhancer", "enhancer"]),
        ([1.0, -1.0, 1.0], "binary", ["-1", "1"]),
        (["EI", "IE", "N", "N"], "multiclass", ["EI", "IE", "N"]),
        ([0.0, 1.0, 2.0, 2.0], "multiclass", ["0", "1", "2"]),
    ],
)
def test_classification_inferred(values, task, classes):
    enc = infer_targets(pd.DataFrame({"label": values}))
    assert enc.task == task
    assert enc.classes == classes


def test_regression_inferred_and_standardisation():
    enc = infer_targets(pd.DataFrame({"target": [0.5, 1.25, 3.0, 2.0]}))
    assert enc.task == "regression"
    y = enc.encode(pd.DataFrame({"target": [0.5, 1.25]}))
    assert y.shape == (2, 1) and y.dtype == np.float64
    assert enc.mean == [pytest.approx(1.6875)]


def test_multilabel_inferred():
    labels = pd.DataFrame({"a": [0.0, 1.0, 1.0], "b": ["yes", "no", "yes"]})
    enc = infer_targets(labels)
    assert enc.task == "multilabel"
    assert enc.encode(labels).tolist() == [[0, 1], [1, 0], [1, 1]]


def test_encode_round_trip_through_dict():
    enc = infer_targets(pd.DataFrame({"label": ["x", "y", "z"]}))
    again = TargetEncoding.from_dict(enc.to_dict())
    assert again.encode(pd.DataFrame({"label": ["z", "x"]})).tolist() == [2, 0]


def test_one_class_is_an_error():
    with pytest.raises(DataError, match=r"only one class present \('a'\)"):
        infer_targets(pd.DataFrame({"label": ["a", "a"]}), source="x.csv")


def test_unseen_class_is_named():
    enc = infer_targets(pd.DataFrame({"label": ["a", "b"]}))
    with pytest.raises(DataError, match=r"class 'c' was not in the training data"):
        enc.encode(pd.DataFrame({"label": ["a", "c"]}))


def test_binary_forced_on_three_classes():
    with pytest.raises(DataError, match="--task binary needs two classes, found 3"):
        infer_targets(pd.DataFrame({"label": ["a", "b", "c"]}), "binary")


def test_regression_target_not_numeric():
    with pytest.raises(DataError, match=r"column 'y' row 2: regression targets must be finite"):
        infer_targets(pd.DataFrame({"y": ["1.0", "high"]}), "regression")


def test_multilabel_bad_value():
    with pytest.raises(DataError, match=r"multilabel values must be 0/1"):
        infer_targets(pd.DataFrame({"a": [0, 1], "b": ["x", "y"]}), "multilabel")
