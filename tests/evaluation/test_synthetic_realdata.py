"""The synthetic-data checks on real expression data: Golub's training file (38 samples x
7,129 probes), 25 rows to fit the samplers and 13 held out. Copying is flagged; a sampler that
never saw which rows were members reveals none (the reason the feature space avoids a PCA
fitted on 25 rows, see biodl.evaluation.synthetic_space)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from biodl.evaluation.synthetic import compare_samplers


@pytest.mark.realdata
def test_golub_samplers_side_by_side(shared_data):
    folder = shared_data / "expression" / "golub_all_aml"
    raw = pd.read_csv(folder / "data_set_ALL_AML_train.csv")
    samples = [c for c in raw.columns if c.strip().isdigit()]
    X = raw[samples].to_numpy(float).T
    cancer = pd.read_csv(folder / "actual.csv").set_index("patient")["cancer"]
    y = cancer.loc[[int(s) for s in samples]].to_numpy()
    Xtr, Xho, ytr, yho = train_test_split(X, y, test_size=13, stratify=y, random_state=0)
    table = compare_samplers(Xtr, Xho, y_train=ytr, y_holdout=yho, seed=0).table
    print(table.T.round(3))
    copy, ind = table.loc["copy_training"], table.loc["independent_marginals"]
    assert copy["exact_copy_fraction"] == 1.0 and copy["dcr_ratio"] == 0.0
    assert copy["membership_auroc"] > 0.95
    assert (table.loc[["independent_marginals", "gaussian_copula"], "exact_copies"] == 0).all()
    assert 0.3 < ind["membership_auroc"] < 0.7 and ind["dcr_ratio"] > 0.9
    assert ind["detection_auroc"] > copy["detection_auroc"]
    assert np.isfinite(table.to_numpy(dtype=float)).all()
