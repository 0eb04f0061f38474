"""Task inference and label encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biodl.data.targets import TargetEncoding, infer_targets
from biodl.errors import ConfigError, DataError


@pytest.mark.parametrize(
    ("values", "task", "classes"),
    [
        (["b", "a", "b", "a"], "binary", ["a", "b"]),
        (["b", "a", "b"], "binary", ["b", "a"]),
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
    with pytest.raises(DataError, match=r"class 'c' \(1 of 2 rows\) was not in the training data"):
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


def _binary(values: list[str], **kw) -> TargetEncoding:
    return infer_targets(pd.DataFrame({"label": values}), **kw)


@pytest.mark.parametrize(
    ("values", "positive", "why"),
    [
        (["a_rare"] * 1 + ["b_common"] * 9, "a_rare", "minority, 10.0 %"),
        (["b_rare"] * 1 + ["a_common"] * 9, "b_rare", "minority, 10.0 %"),
        (["case"] * 9 + ["other"] * 1, "case", "named as a positive class, 90.0 %"),
        (["Disease"] * 9 + ["zzz"] * 1, "Disease", "named as a positive class, 90.0 %"),
        (
            ["1"] * 9 + ["0"] * 1,
            "1",
            "'0' is named as a negative class; 1 is 90.0 % of training labels",
        ),
        (["True"] * 9 + ["False"] * 1, "True", "named as a positive class, 90.0 %"),
        (
            ["-1"] * 1 + ["1"] * 9,
            "1",
            "'-1' is named as a negative class; 1 is 90.0 % of training labels",
        ),
        (["1"] * 9 + ["2"] * 1, "2", "minority, 10.0 %"),
        (["binder"] * 9 + ["nonbinder"] * 1, "binder", "'nonbinder' is named as a negative"),
        (["zeta"] * 9 + ["Non_zeta"] * 1, "zeta", "'Non_zeta' is named as a negative"),
        (["tumour"] * 1 + ["healthy"] * 9, "tumour", "named as a positive class, 10.0 %"),
        (["b", "a"] * 5, "b", "classes equally frequent: the second in sorted order, 50.0 %"),
    ],
)
def test_the_positive_class_is_chosen_by_name_then_frequency(values, positive, why):
    enc = _binary(values)
    assert enc.task == "binary" and enc.positive == positive and enc.classes[1] == positive
    assert enc.positive_reason.startswith(why)
    assert enc.encode(pd.DataFrame({"label": [positive]})).tolist() == [1]


def test_a_given_positive_class_wins_and_is_stated():
    enc = _binary(["case"] * 9 + ["control"], positive_class="control")
    assert enc.classes == ["case", "control"]
    assert enc.positive_text() == (
        "positive class: control (set with --positive-class, 10.0 % of training labels)"
    )
    swapped = enc.with_positive("case")
    assert swapped.classes == ["control", "case"]
    assert swapped.positive_reason == "set with --positive-class"


def test_a_positive_class_that_is_not_a_class_is_refused():
    with pytest.raises(
        ConfigError,
        match=r"--positive-class pre_mirna: not a class of the training labels "
        r"\(classes: a_rare, b_common\); pass one of those",
    ):
        _binary(["b_common", "a_rare"], positive_class="pre_mirna")
    with pytest.raises(ConfigError, match=r"only binary tasks .* is multiclass \(classes: x, y, z"):
        _binary(["x", "y", "z"], positive_class="x")
    with pytest.raises(ConfigError, match=r"only binary tasks .* this task is regression"):
        infer_targets(pd.DataFrame({"t": [0.5, 1.5, 2.25]}), positive_class="x")


def test_encodings_saved_before_the_positive_class_load_with_the_old_meaning():
    old = {
        "task": "binary",
        "label_columns": ["label"],
        "classes": ["b", "a"],
        "mean": [],
        "std": [],
    }
    enc = TargetEncoding.from_dict(old)
    assert enc.positive == "a" and enc.positive_text() == "positive class: a"
    assert infer_targets(pd.DataFrame({"label": ["x", "y", "z"]})).positive_text() == ""
