"""The baseline's values per feature, saved with a run and ranked per input variable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from biodl.errors import DataError
from biodl.evaluation.baselines import fit_baseline
from biodl.evaluation.importance import feature_importance
from biodl.kinds.records import SummaryStatistics
from biodl.kinds.timeseries import SummaryStatistics as SeriesStatistics
from biodl.pipeline.baseline_importance import (
    BASELINE_IMPORTANCE_FILE,
    importance_table,
    rank_agreement,
    read_importance,
    variable_importance,
)


@dataclass
class _Fitted:
    """What importance_table reads of a FittedBaseline."""

    features: Any
    model: Any
    members: dict[str, Any] = field(default_factory=dict)

    def importance(self) -> Any:
        return feature_importance(self.model)


def _records_features() -> SummaryStatistics:
    return SummaryStatistics(
        24.0, ("HR", "MAP"), np.zeros(0), np.zeros(0), description="", static_names=("Age",)
    )


def test_records_columns_name_each_variable_and_static() -> None:
    names = _records_features().column_names()
    assert len(names) == 2 * 7 + 2
    assert names[:2] == [("HR_mean", "HR"), ("HR_min", "HR")]
    assert names[7] == ("MAP_mean", "MAP")
    assert names[-2:] == [("Age", "Age (static)"), ("Age_missing", "Age (static)")]
    series = SeriesStatistics(np.zeros(14)).column_names()
    assert series[0] == ("channel 1_mean", "channel 1") and series[-1][1] == "channel 2"


def test_planted_variable_ranks_first_in_the_table(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 16))
    y = (X[:, 9] + X[:, 10] > 0).astype(int)  # MAP_min and MAP_max carry the class
    fitted = _Fitted(_records_features(), fit_baseline("logistic", X, y, "binary"))
    table = importance_table(fitted)
    assert table is not None and len(table) == 16
    ranked = variable_importance(table)
    assert ranked is not None and ranked.idxmax() == "MAP"
    assert ranked.name == (
        "logistic regression: sum of |coefficient| over the variable's 7 summary features"
    )
    assert ranked["MAP"] == pytest.approx(table["value"][7:14].abs().sum())
    table.to_csv(tmp_path / BASELINE_IMPORTANCE_FILE, index=False)
    again = read_importance(tmp_path)
    assert again is not None
    np.testing.assert_allclose(again["value"], table["value"], rtol=1e-12)
    assert read_importance(tmp_path / "missing") is None  # an older run: no file


def test_one_feature_per_variable_keeps_the_signed_value() -> None:
    table = pd.DataFrame(
        {"feature": ["g1", "g2"], "variable": ["g1", "g2"], "value": [-2.0, 1.0],
         "what": "coefficient", "model": "logistic regression"}
    )  # fmt: skip
    ranked = variable_importance(table)
    assert ranked is not None and ranked.to_dict() == {"g1": -2.0, "g2": 1.0}
    assert ranked.name == "logistic regression coefficient"
    assert variable_importance(None) is None


def test_no_table_without_named_columns_or_values() -> None:
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)

    class Unnamed:
        description = "k-mers"

    assert importance_table(_Fitted(Unnamed(), fit_baseline("logistic", X, y, "binary"))) is None
    wrong = SeriesStatistics(np.zeros(7 * 2))  # 14 columns named, 3 fitted
    assert importance_table(_Fitted(wrong, fit_baseline("logistic", X, y, "binary"))) is None
    assert importance_table(None) is None


def test_rank_agreement() -> None:
    network = pd.Series([5.0, 4.0, 3.0, 2.0, 1.0], index=list("abcde"))
    same = pd.Series([-50.0, 40.0, 30.0, -20.0, 10.0], index=list("abcde"))
    assert rank_agreement(network, same, 2) == (pytest.approx(1.0), 2)
    reverse = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=list("abcde"))
    rho, shared = rank_agreement(network, reverse, 2)
    assert rho == pytest.approx(-1.0) and shared == 0
    rho, shared = rank_agreement(network, pd.Series([1.0], index=["a"]), 1)
    assert np.isnan(rho) and shared == 1


def test_a_file_without_the_columns_is_refused(tmp_path) -> None:
    (tmp_path / BASELINE_IMPORTANCE_FILE).write_text("gene,coef\nG1,0.5\n")
    with pytest.raises(DataError, match=r"baseline_importance.csv: no column feature, variable"):
        read_importance(tmp_path)
