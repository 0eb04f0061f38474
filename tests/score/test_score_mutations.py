"""Mutation strings, variant sets and the variants-table reader (biodl.data.mutations*)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from biodl.data.mutations import (
    Mutation,
    VariantSet,
    format_mutations,
    mutations_between,
    parse_mutations,
)
from biodl.data.mutations_table import consensus, read_variants_table
from biodl.errors import DataError

GB1 = Path(__file__).resolve().parents[2].parent / "shared/data/protein/mavenn_gb1_dms"
GB1_WT = "QYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE"


def test_parse_forms_and_separators() -> None:
    expected = (Mutation("A", 24, "G"), Mutation("T", 30, "K"))
    for text in ("A24G:T30K", "a24g,t30k", "A24G; T30K", " A24G  T30K "):
        assert parse_mutations(text) == expected
    for text in ("WT", "wt", "", "_wt", "-"):
        assert parse_mutations(text) == ()
    assert format_mutations(expected) == "A24G:T30K"
    assert format_mutations(()) == "WT"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("A24", r"row 3: 'A24' in 'A24' is not a mutation; expected a wild-type letter"),
        ("24G", r"'24G' .* is not a mutation"),
        ("A24G|T30K", r"'A24G\|T30K' .* is not a mutation"),
        ("A0G", r"has position 0; positions count from 1"),
        ("A24G:A24C", r"position 24 is mutated twice in 'A24G:A24C'"),
    ],
)
def test_parse_errors(text: str, match: str) -> None:
    with pytest.raises(DataError, match=match):
        parse_mutations(text, where="v.csv row 3")


def test_variant_set_applies_and_flattens() -> None:
    variants = VariantSet.from_mutations(
        ["MACDC", "MKK"], ["A2G", "A2G:D4K", "WT", "K3A"], wild_type_index=[0, 0, 0, 1]
    )
    assert variants.sequences() == ["MGCDC", "MGCKC", "MACDC", "MKA"]
    assert variants.n_mutations().tolist() == [1, 2, 0, 1]
    assert variants.sites.tolist() == [1, 1, 3, 2]
    assert variants.labels() == ["A2G", "A2G:D4K", "WT", "K3A"]
    assert variants.site_variant().tolist() == [0, 1, 1, 3]


@pytest.mark.parametrize(
    ("mutation", "match"),
    [
        ("C2G", r"v.csv line 7: C2G expects 'C' at position 2 but the wild type has 'A' there"),
        ("A9G", r"v.csv line 7: A9G is at position 9, beyond the wild type \(5 letters\)"),
        ("A2B", r"v.csv line 7: A2B uses 'B', which is not a plain protein letter"),
    ],
)
def test_variant_set_checks(mutation: str, match: str) -> None:
    with pytest.raises(DataError, match=match):
        VariantSet.from_mutations("MACDC", ["WT", mutation], source="v.csv", lines=[6, 7])


def test_from_sequences_matches_from_mutations() -> None:
    wt = "MACDC"
    seqs = ["MGCDC", "MGCKC", "MACDC"]
    a = VariantSet.from_sequences(wt, seqs)
    b = VariantSet.from_mutations(wt, ["A2G", "A2G:D4K", "WT"])
    for name in ("offsets", "sites", "wild_letters", "mutant_letters"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist()
    assert [str(m) for m in mutations_between(wt, "MGCKC")] == ["A2G", "D4K"]
    with pytest.raises(DataError, match=r"s.csv line 3: the variant has 4 letters and the wild"):
        VariantSet.from_sequences(wt, ["MACDC", "MACD"], source="s.csv", first_line=2)
    with pytest.raises(DataError, match=r"s.csv line 2: position 2 holds 'B', not a plain"):
        VariantSet.from_sequences(wt, ["MBCDC"], source="s.csv", first_line=2)


def test_table_with_wild_type_column(tmp_path: Path) -> None:
    path = tmp_path / "v.tsv"
    path.write_text("mutant\twt\tfitness\tsplit\nA2G\tMACD\t0.5\ttrain\nK1A\tKKK\t\ttest\n")
    table = read_variants_table(path)
    assert table.variants.sequences() == ["MGCD", "AKK"]
    assert table.variants.wild_types == ("MACD", "KKK")
    assert table.measured is not None and np.isnan(table.measured[1])
    assert table.split is not None and table.split.tolist() == ["train", "test"]
    assert table.lines.tolist() == [2, 3]


def test_table_with_reference_fasta(tmp_path: Path) -> None:
    (tmp_path / "ref.fa").write_text(">p1\nMACD\n>p2\nKKKK\n")
    path = tmp_path / "v.csv"
    path.write_text("reference,mutation,activity\np2,K4R,1\np1,A2G:C3K,2\n")
    table = read_variants_table(path, reference=tmp_path / "ref.fa")
    assert table.variants.sequences() == ["KKKR", "MGKD"]
    assert table.measured_column == "activity"
    path.write_text("reference,mutation\np3,K4R\n")
    with pytest.raises(DataError, match=r"v.csv line 2 column 'reference': 'p3' is not an entry"):
        read_variants_table(path, reference=tmp_path / "ref.fa")
    path.write_text("mutation\nK4R\n")
    with pytest.raises(DataError, match=r"has 2 entries and no column names them"):
        read_variants_table(path, reference=tmp_path / "ref.fa")


@pytest.mark.parametrize(
    ("text", "options", "match"),
    [
        ("mutant,wt\nA2G,MACD\nC2G,MACD\n", {}, r"v.csv line 3: C2G expects 'C' at position 2"),
        ("mutant,wt,y\nA2G,MACD,high\n", {}, r"v.csv line 2 column 'y': 'high' is not a number"),
        ("mutant\nA2G\n", {}, r"v.csv: no wild type: add a wild-type column"),
        ("name,y\na,1\n", {}, r"v.csv: no mutation column .* and no variant-sequence column"),
        ("mutant,wt\nA2G,MACD\n", {"measured_column": "f"}, r"no column 'f' \(given as measur"),
        ("mutant,wt\n", {}, r"v.csv: no variants"),
    ],
)
def test_table_errors(tmp_path: Path, text: str, options: dict[str, str], match: str) -> None:
    path = tmp_path / "v.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        read_variants_table(path, **options)  # type: ignore[arg-type]


def test_table_of_variant_sequences_uses_consensus(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("x,y\nAACDEF,1\nMGCDEF,2\nMAKDEF,3\n")
    table = read_variants_table(path)
    assert table.variants.wild_types == ("MACDEF",)
    assert table.variants.labels() == ["M1A", "A2G", "C3K"]
    assert "consensus" in table.notes[0]
    assert read_variants_table(path, wild_type="AACDEF").variants.labels()[0] == "WT"
    assert consensus(["MAC", "MGC", "MAK"]) == "MAC"


@pytest.mark.realdata
def test_gb1_dms_file_reads_as_is() -> None:
    path = GB1 / "gb1_data.csv.gz"
    if not path.is_file():
        pytest.skip(f"GB1 data not found at {path}")
    table = read_variants_table(path)
    variants = table.variants
    assert len(variants) == 530_737 and variants.wild_types == (GB1_WT,)
    assert (variants.n_mutations() == 2).all()
    assert table.measured_column == "y" and table.split is not None
    sets, counts = np.unique(table.split.astype(str), return_counts=True)
    assert dict(zip(sets.tolist(), counts.tolist(), strict=True)) == {
        "training": 477_854,
        "validation": 26_519,
        "test": 26_364,
    }


def test_proteingym_layout_recovers_the_wild_type(tmp_path: Path) -> None:
    path = tmp_path / "pg.csv"
    path.write_text(
        "mutant,mutated_sequence,DMS_score\nA2G,MGCD,0.1\nA2G:C3K,MGKD,0.2\nM1L,LACD,1\n"
    )
    table = read_variants_table(path)
    assert table.variants.wild_types == ("MACD",)
    assert table.measured_column == "DMS_score" and "undone" in table.notes[0]
    path.write_text("mutant,mutated_sequence\nA2G,MACD\n")
    with pytest.raises(DataError, match=r"pg.csv line 2 column 'mutant': A2G says the variant has"):
        read_variants_table(path)


def test_wild_type_letters_checked() -> None:
    with pytest.raises(DataError, match=r"v: wild type 2 \(ACJ\) contains 'J', which is not a dna"):
        VariantSet.from_mutations(["ACG", "ACJ"], ["A1C"], alphabet="dna", source="v")
