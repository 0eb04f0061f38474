"""VCF + reference FASTA -> the checked variants table; bad rows are one line naming the variant."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from biodl.errors import DataError
from biodl.interpret.vcf import is_vcf, read_vcf, vcf_variants

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
CHR1 = "ACGTTGCAAC" * 3  # 30 letters
CHR2 = "GGGGACCCCT"


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    path = tmp_path / "genome.fa"
    path.write_text(f">chr1 first\n{CHR1[:15]}\n{CHR1[15:]}\n>chr2\n{CHR2.lower()}\n")
    return path


def _vcf(tmp_path: Path, rows: list[str], name: str = "v.vcf") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_windows_are_centred_and_shifted_inwards_at_the_ends(tmp_path, reference):
    vcf = _vcf(
        tmp_path,
        [
            "chr1\t15\trs1\tT\tG\t.\tPASS\t.",  # the middle: window 10..19 (1-based)
            "chr1\t2\t.\tC\tT,A\t.\t.\t.",  # near the start: two alts, one variant each
            "chr2\t9\trs3\tC\tA\t.\t.\t.",  # chromosome shorter than a long window
        ],
    )
    table = vcf_variants(vcf, reference, "ACGT", window=10)
    assert table["id"].tolist() == ["rs1", "chr1:2:T", "chr1:2:A", "rs3"]
    first = table.iloc[0]
    assert first["sequence"] == CHR1[9:19] and first["position"] == 6
    assert first["sequence"][first["position"] - 1] == "T"
    assert table.iloc[1]["sequence"] == CHR1[:10] and table.iloc[1]["position"] == 2
    assert table.iloc[3]["sequence"] == CHR2 and table.iloc[3]["position"] == 9
    assert table["chrom"].tolist() == ["chr1", "chr1", "chr1", "chr2"]
    long = vcf_variants(vcf, reference, "ACGT", window=25)
    assert {len(s) for s in long["sequence"][:3]} == {25}


def test_a_gzipped_vcf_reads_the_same(tmp_path, reference):
    plain = _vcf(tmp_path, ["chr1\t15\trs1\tA\tG"])
    packed = tmp_path / "v.vcf.gz"
    with gzip.open(packed, "wt") as handle:
        handle.write(plain.read_text())
    assert is_vcf(packed) and is_vcf(plain) and not is_vcf(tmp_path / "v.csv")
    assert read_vcf(packed).equals(read_vcf(plain))


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (
            "chr1\t15\trs9\tG\tT",
            r"line 3 \(variant rs9\): REF 'G' does not match the reference, "
            r"which has 'T' at chr1:15",
        ),
        ("chrX\t15\trs9\tA\tT", r"variant rs9\): chromosome 'chrX' is not in"),
        ("chr2\t11\trs9\tA\tT", r"variant rs9\): position chr2:11 is outside"),
        ("chr1\t15\trs9\tAC\tA", r"variant rs9\): AC>A is not a single-letter change"),
        ("chr1\t15\trs9\tA\t<DEL>", r"is not a single-letter change"),
        ("chr1\tx\trs9\tA\tT", r"POS 'x' is not a whole number"),
        ("chr1 15 rs9 A T", r"line 3: 1 tab-separated columns"),
    ],
)
def test_bad_rows_are_one_line_naming_the_variant(tmp_path, reference, row, match):
    vcf = _vcf(tmp_path, [row])
    with pytest.raises(DataError, match=match) as caught:
        vcf_variants(vcf, reference, "ACGT", window=10)
    assert "\n" not in str(caught.value)


def test_an_alt_outside_the_alphabet_and_an_empty_vcf_are_refused(tmp_path, reference):
    with pytest.raises(DataError, match="alt 'N' is not one letter of ACGT"):
        vcf_variants(_vcf(tmp_path, ["chr1\t15\trs1\tT\tN"]), reference, "ACGT", window=10)
    with pytest.raises(DataError, match="no variants"):
        read_vcf(_vcf(tmp_path, [], name="empty.vcf"))
    with pytest.raises(DataError, match="no such VCF file"):
        read_vcf(tmp_path / "missing.vcf")


def test_a_table_of_chrom_and_pos_reads_like_the_vcf(tmp_path, reference):
    from biodl.interpret.vcf import located_table_variants

    vcf = _vcf(tmp_path, ["chr1\t15\trs1\tT\tG", "chr2\t9\trs3\tC\tA"])
    table = tmp_path / "v.csv"
    table.write_text("id,chrom,pos,ref,alt\nrs1,chr1,15,T,G\nrs3,chr2,9,c,a\n")
    tsv = tmp_path / "v.tsv"
    tsv.write_text("id\tchrom\tposition\tref\talt\nrs1\tchr1\t15\tT\tG\nrs3\tchr2\t9\tC\tA\n")
    expected = vcf_variants(vcf, reference, "ACGT", window=10)
    for path in (table, tsv):
        got = located_table_variants(path, reference, "ACGT", window=10)
        assert got.equals(expected)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("id,chrom,ref,alt\nv,chr1,T,G\n", "no column pos; a variants table read on --reference"),
        ("id,chrom,pos,ref,alt\nv1,chr1,x,T,G\n", r"line 2 \(variant v1\): pos 'x' is not"),
        ("id,chrom,pos,ref,alt\nv1,chr1,15,TT,G\n", "TT>G is not a single-letter change"),
        (
            "id,chrom,pos,ref,alt\nv1,chr1,15,T,G\nv2,chr1,16,A,G\n",
            r"v\.csv line 3 \(variant v2\): REF 'A' does not match the reference, which has 'G'",
        ),
        ("id,chrom,pos,ref,alt\nv1,chrX,15,T,G\n", "chromosome 'chrX' is not in"),
    ],
)
def test_bad_rows_of_a_chrom_and_pos_table_name_the_variant(tmp_path, reference, text, match):
    from biodl.interpret.vcf import located_table_variants

    path = tmp_path / "v.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        located_table_variants(path, reference, "ACGT", window=10)


def test_a_chrom_and_pos_table_that_is_missing_empty_or_unreadable(tmp_path, reference):
    from biodl.interpret.vcf import located_table_variants

    def refused(path, match):
        with pytest.raises(DataError, match=match):
            located_table_variants(path, reference, "ACGT", window=10)

    refused(tmp_path / "nothere.csv", r"nothere\.csv: no such variants file")
    empty = tmp_path / "empty.csv"
    empty.write_text("id,chrom,pos,ref,alt\n")
    refused(empty, r"empty\.csv: no variants \(the table has a header and no rows\)")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"id,chrom\n\xff\xfe\x00\x81,\x90\n")
    refused(binary, r"bin\.csv: not a readable CSV/TSV table")
