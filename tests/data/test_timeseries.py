"""Reading regular time series: UCR text, CSV with id/label, npz; bad input errors."""

from __future__ import annotations

import numpy as np
import pytest

from biodl.data.timeseries import TimeSeriesSet, read_timeseries
from biodl.errors import DataError


def test_ucr_whitespace_old_format_labels_and_nan_padding(tmp_path):
    path = tmp_path / "toy_TRAIN.txt"
    path.write_text("  1.0000000e+00  0.1  0.2  0.3\n -1.0000000e+00  0.5  0.4  NaN\n")
    ts = read_timeseries(path)
    assert ts.values.shape == (2, 1, 3) and ts.values.dtype == np.float32
    assert ts.lengths.tolist() == [3, 2]
    assert ts.labels is not None and ts.labels["label"].tolist() == ["1", "-1"]
    assert ts.values[1, 0, 2] == 0.0  # padding is zero
    assert ts.mask.tolist() == [[True, True, True], [True, True, False]]


@pytest.mark.parametrize("sep", [",", "\t"])
def test_ucr_comma_and_tab(tmp_path, sep):
    path = tmp_path / "toy.tsv"
    path.write_text(sep.join(["a", "1", "2"]) + "\n" + sep.join(["b", "3", "4"]) + "\n")
    ts = read_timeseries(path)
    np.testing.assert_array_equal(ts.values[:, 0], [[1, 2], [3, 4]])
    assert ts.labels["label"].tolist() == ["a", "b"]


def test_csv_with_header_id_and_label(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("id,t1,t2,t3,outcome\np1,1,2,3,0.5\np2,4,5,,1.5\n")
    ts = read_timeseries(path)
    assert ts.ids == ["p1", "p2"]
    assert ts.lengths.tolist() == [3, 2]
    assert ts.labels["outcome"].tolist() == [0.5, 1.5]  # numeric labels stay numeric


def test_csv_rows_shorter_than_the_header_are_padded(tmp_path):
    # Missing trailing cells read as None and escaped as TypeError (found by fuzzing); they
    # shorten the series as empty trailing cells do.
    path = tmp_path / "short.csv"
    path.write_text("id,label,t1,t2,t3\na,0,1,2,3\nb,1,4,5\nc,0,1\n")
    ts = read_timeseries(path)
    assert ts.lengths.tolist() == [3, 2, 1]
    assert ts.labels["label"].tolist() == [0, 1, 0]
    path.write_text("id,label,t1,t2,t3\na,0,1,2,3\nb\n")
    with pytest.raises(DataError, match=r"short\.csv: line 3 is empty \(no values"):
        read_timeseries(path)


def test_byte_order_mark_and_labels_without_values(tmp_path):
    # A BOM was read as part of the first label, and lines of labels alone escaped as
    # ValueError from numpy (found by fuzzing).
    path = tmp_path / "toy_TRAIN.txt"
    path.write_bytes(b"\xef\xbb\xbf1 0.1 0.2\n2 0.3 0.4\n")
    assert read_timeseries(path).labels["label"].tolist() == ["1", "2"]
    path.write_text("1\n2\n")
    with pytest.raises(DataError, match=r"toy_TRAIN\.txt: line 1 is empty \(no values; 2 such"):
        read_timeseries(path)


def test_npz_parts_and_channels(tmp_path):
    path = tmp_path / "data.npz"
    x = np.random.default_rng(0).normal(size=(4, 3, 7)).astype(np.float32)
    np.savez(path, x_train=x, y_train=np.array([0, 1, 0, 1]), x_test=x[:2], y_test=[1, 0])
    train = read_timeseries(path, part="train")
    assert train.channels == 3 and train.length == 7 and len(train) == 4
    np.testing.assert_array_equal(train.values, x)
    assert read_timeseries(path, part="test").labels["label"].tolist() == [1, 0]


def test_subset_keeps_everything_in_order():
    ts = TimeSeriesSet.from_array(np.arange(12.0).reshape(3, 4), labels=["a", "b", "c"])
    sub = ts.subset(np.array([2, 0]))
    assert sub.ids == ["2", "0"] and sub.labels["label"].tolist() == ["c", "a"]
    np.testing.assert_array_equal(sub.values[:, 0, 0], [8, 0])


def test_non_numeric_value_names_line_and_column(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1 0.1 0.2\n2 0.3 oops\n")
    with pytest.raises(DataError, match=r"bad.txt line 2: column 3: 'oops' is not a number"):
        read_timeseries(path)


def test_non_numeric_csv_cell_names_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,label,t1,t2\na,0,1,x\n")
    with pytest.raises(DataError, match=r"line 2 column 't2': 'x' is not a number"):
        read_timeseries(path)


def test_empty_series_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("1 0.1 0.2\n2 NaN NaN\n")
    with pytest.raises(DataError, match="line 2 is empty"):
        read_timeseries(path)


def test_nan_inside_a_series_is_an_error(tmp_path):
    path = tmp_path / "hole.txt"
    path.write_text("1 0.1 NaN 0.2\n")
    with pytest.raises(DataError, match="missing value .NaN. at time point 2"):
        read_timeseries(path)


def test_empty_file_missing_file_and_missing_label_column(tmp_path):
    (tmp_path / "e.txt").write_text("\n")
    with pytest.raises(DataError, match="the file is empty"):
        read_timeseries(tmp_path / "e.txt")
    with pytest.raises(DataError, match="no such file"):
        read_timeseries(tmp_path / "nope.txt")
    (tmp_path / "n.csv").write_text("id,t1,t2\na,1,2\n")
    with pytest.raises(DataError, match="no label column found"):
        read_timeseries(tmp_path / "n.csv")
    with pytest.raises(DataError, match="no column 'grp'"):
        read_timeseries(tmp_path / "n.csv", label_columns=["grp"])


def test_npz_errors(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, values=np.zeros((2, 3)))
    with pytest.raises(DataError, match="no array named X"):
        read_timeseries(path)
    np.savez(path, X=np.zeros((2, 3)))
    with pytest.raises(DataError, match="no labels array y"):
        read_timeseries(path)
    np.savez(path, X=np.zeros((2, 3)), y=[1, 2, 3])
    with pytest.raises(DataError, match="3 labels for 2 series"):
        read_timeseries(path)
    np.savez(path, X=np.zeros((2, 2, 2, 2)), y=[1, 2])
    with pytest.raises(DataError, match="expected an array of shape"):
        read_timeseries(path)


def test_duplicate_ids_and_bad_lengths():
    with pytest.raises(DataError, match="id 'a' occurs twice"):
        TimeSeriesSet.from_array(np.zeros((2, 3)), ids=["a", "a"])
    with pytest.raises(DataError, match="lengths must hold 2 values"):
        TimeSeriesSet.from_array(np.zeros((2, 3)), lengths=[1, 9])


def test_npz_arrays_of_other_shapes_and_types(tmp_path):
    # Fuzzing found 3-D labels (ValueError from pandas) and text lengths escaping.
    path = tmp_path / "d.npz"
    np.savez(path, X=np.zeros((2, 3)), y=np.zeros((2, 1, 2)))
    with pytest.raises(DataError, match=r"d\.npz array 'X': expected labels of shape \(n,\)"):
        read_timeseries(path)
    np.savez(path, X=np.zeros((2, 3)), y=np.zeros(()))
    with pytest.raises(DataError, match=r"expected labels of shape .* got shape \(\)"):
        read_timeseries(path)
    for lengths in (np.array(["a", "b"]), np.array([-1, 2])):
        np.savez(path, X=np.zeros((2, 3)), y=[0, 1], lengths=lengths)
        with pytest.raises(DataError, match=r"lengths must hold 2 values .*none negative"):
            read_timeseries(path)
