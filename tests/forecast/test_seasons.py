"""Reading dated, aligned sequences into seasons, and refusing what cannot be read."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from biodl.data.seasons import parse_season, read_lineage
from biodl.errors import ConfigError, DataError


def write(tmp_path, text, name="l.fa"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_dates_and_seasons_in_fasta_headers(tmp_path):
    path = write(
        tmp_path,
        ">A/Perth/16/2009 date=2009-08-04\nACDE\n>b season=2011 x=1\nACDF\n"
        ">c date=2009-01\nacdg\n>d date=2012\nACD-\n",
    )
    lineage = read_lineage(path)
    assert lineage.ids == ["A/Perth/16/2009", "b", "c", "d"]
    assert lineage.seasons.tolist() == [0, 2, 0, 3]
    assert lineage.season_labels == ["2009", "2010", "2011", "2012"]
    assert bytes(lineage.letters[2]).decode() == "ACDG"


def test_half_year_seasons():
    assert parse_season("2009-06-30", "date", 6) + 1 == parse_season("2009-07-01", "date", 6)
    assert parse_season("2009-12-31", "date", 12) == parse_season("2009-01-01", "date", 12)


def test_table_with_date_column_and_gzip(tmp_path):
    text = "name,date,sequence\nx,2001-05-01,ACG\ny,2003-01-01,ACT\n"
    path = tmp_path / "l.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    lineage = read_lineage(path)
    assert lineage.ids == ["x", "y"] and lineage.season_labels == ["2001", "2002", "2003"]
    assert lineage.seasons.tolist() == [0, 2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (">a date=2009-13-01\nAC\n", r"line 1: record 'a': date='2009-13-01' cannot be read"),
        (">a date=2009-08-04\nAC\n>b date=04/08/2009\nAC\n", "record 'b': date='04/08/2009'"),
        (">a date=2009-02-30\nAC\n", "record 'a': date='2009-02-30' cannot be read"),
        (">a season=winter\nAC\n", "record 'a': season='winter' cannot be read"),
        (">a\nAC\n", "record 'a' has no date; write date=YYYY-MM-DD"),
        (
            ">a date=2009\nACGT\n>b date=2010\nACG\n",
            r"line 3: record 'b' has 3 letters but 'a' has 4; .* must be aligned",
        ),
        (">a date=2009\nAC1T\n", "holds a character other than letters"),
    ],
)
def test_bad_records_are_named(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_lineage(write(tmp_path, text))


def test_fewer_seasons_than_needed(tmp_path):
    path = write(tmp_path, ">a date=2009\nAC\n>b date=2010\nAG\n")
    with pytest.raises(DataError, match=r"span 2 season\(s\); at least 7 are needed"):
        read_lineage(path, min_seasons=7)


def test_table_without_date_column(tmp_path):
    path = write(tmp_path, "id,sequence\na,AC\n", "l.csv")
    with pytest.raises(DataError, match="needs a sequence column .* and a date or season column"):
        read_lineage(path)


def test_season_length_must_divide_a_year(tmp_path):
    with pytest.raises(ConfigError, match="--season-length 5"):
        read_lineage(write(tmp_path, ">a date=2009\nAC\n"), season_length=5)


def test_gap_season_takes_the_profile_before(tmp_path):
    from biodl.data.forecast_features import forecast_data

    path = write(tmp_path, ">a date=2001\nAC\n>b date=2003\nGC\n")
    data = forecast_data(read_lineage(path))
    assert data.counts.tolist() == [1, 0, 1]
    assert np.array_equal(data.frequencies[1], data.frequencies[0])
    assert data.change[:, 0].tolist() == [False, True]
