"""Tests of SequenceSet and read_sequences."""

from __future__ import annotations

import gzip
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biodl.data import fasta as fasta_module
from biodl.data import sequence as sequence_module
from biodl.data.alphabet import ALPHABETS
from biodl.data.sequence import SequenceSet, read_sequences
from biodl.errors import ConfigError, DataError, DataWarning


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def fasta_text(
    seqs: dict[str, str], width: int = 60, descriptions: dict[str, str] | None = None
) -> str:
    lines = []
    for name, seq in seqs.items():
        desc = (descriptions or {}).get(name)
        lines.append(f">{name} {desc}" if desc else f">{name}")
        lines.extend(seq[i : i + width] for i in range(0, len(seq), width))
    return "\n".join(lines) + "\n"


def random_seqs(
    rng: np.random.Generator, n: int, lo: int, hi: int, letters: str = "ACGT"
) -> dict[str, str]:
    return {
        f"s{i}": "".join(rng.choice(list(letters), size=int(rng.integers(lo, hi))))
        for i in range(n)
    }


def as_strings(seqs: SequenceSet) -> list[str]:
    return [seqs.sequence(i) for i in range(len(seqs))]


# --------------------------------------------------------------------------- FASTA


def test_fasta_multiline_lowercase_and_header_labels(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.fa",
        "\n>seq1 label=enhancer score=1.5\nACGTacgt\nNN\n>seq2 label=other score=2\nGG\nC\n",
    )
    seqs = read_sequences(path)
    assert list(seqs.ids) == ["seq1", "seq2"]
    assert as_strings(seqs) == ["ACGTACGTNN", "GGC"]
    assert seqs.offsets.dtype == np.int64 and seqs.codes.dtype == np.uint8
    np.testing.assert_array_equal(seqs.offsets, [0, 10, 13])
    np.testing.assert_array_equal(seqs.lengths, [10, 3])
    assert seqs.alphabet.name == "dna"
    assert seqs.labels is not None
    assert seqs.labels["label"].tolist() == ["enhancer", "other"]
    assert seqs.source == str(path)
    multi = read_sequences(path, label_columns=["label", "score"])
    assert multi.labels is not None
    assert multi.labels["score"].dtype == np.float64
    assert multi.labels["score"].tolist() == [1.5, 2.0]


def test_fasta_flip_style_headers_pick_target(tmp_path: Path) -> None:
    text = ">Sequence0 TARGET=1.0 SET=train VALIDATION=False\nMKVL\n"
    text += ">Sequence1 TARGET=-0.5 SET=test VALIDATION=True\nMKIL\n"
    seqs = read_sequences(write(tmp_path / "flip.fasta", text))
    assert seqs.alphabet.name == "protein"
    assert seqs.labels is not None and list(seqs.labels.columns) == ["TARGET"]
    assert seqs.labels["TARGET"].dtype == np.float64
    assert seqs.labels["TARGET"].tolist() == [1.0, -0.5]


@pytest.mark.parametrize("chunk", [3, 7, 64, 1000])
def test_fasta_chunking_matches_whole_file(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    seqs = random_seqs(rng, 40, 1, 300, "ACGTN")
    descriptions = {name: f"label={i % 3}" for i, name in enumerate(seqs)}
    path = write(tmp_path / "r.fa", fasta_text(seqs, width=37, descriptions=descriptions))
    monkeypatch.setattr(fasta_module, "CHUNK_BYTES", chunk)
    got = read_sequences(path)
    assert list(got.ids) == list(seqs)
    assert as_strings(got) == list(seqs.values())
    assert got.labels is not None
    assert got.labels["label"].tolist() == [float(i % 3) for i in range(40)]


def test_fasta_crlf_blank_lines_spaces_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "w.fa"
    path.write_bytes(b">a x=1\r\nAC GT\r\n\r\nTT\r\n>b x=2\r\nG\tA")
    seqs = read_sequences(path)
    assert list(seqs.ids) == ["a", "b"]
    assert as_strings(seqs) == ["ACGTTT", "GA"]
    assert seqs.labels is not None and seqs.labels["x"].tolist() == [1.0, 2.0]


def test_fasta_gzip_and_content_sniffing(tmp_path: Path) -> None:
    text = fasta_text({"a": "ACGU", "b": "UUGA"}, descriptions={"a": "c=x", "b": "c=y"})
    with gzip.open(tmp_path / "r.fa.gz", "wb") as handle:
        handle.write(text.encode())
    zipped = read_sequences(tmp_path / "r.fa.gz")
    assert zipped.alphabet.name == "rna"
    assert as_strings(zipped) == ["ACGU", "UUGA"]
    sniffed = read_sequences(write(tmp_path / "r.txt", text))
    assert as_strings(sniffed) == ["ACGU", "UUGA"]
    assert sniffed.labels is not None and sniffed.labels["c"].tolist() == ["x", "y"]


def test_fasta_without_labels(tmp_path: Path) -> None:
    path = write(tmp_path / "u.fa", fasta_text({"a": "ACGT", "b": "GG"}))
    seqs = read_sequences(path, require_labels=False)
    assert seqs.labels is None
    with pytest.raises(DataError, match=r"u\.fa: no labels found.*--labels"):
        read_sequences(path)


def test_fasta_alphabet_option(tmp_path: Path) -> None:
    path = write(tmp_path / "p.fa", fasta_text({"a": "ACGT", "b": "GGTA"}))
    seqs = read_sequences(path, alphabet="protein", require_labels=False)
    assert seqs.alphabet is ALPHABETS["protein"]
    assert as_strings(seqs) == ["ACGT", "GGTA"]
    with pytest.raises(ConfigError, match="alphabet: expected one of"):
        read_sequences(path, alphabet="amino")  # type: ignore[arg-type]


def test_fasta_with_labels_table(tmp_path: Path) -> None:
    path = write(tmp_path / "t.fa", fasta_text({"a": "ACGT", "b": "GG", "c": "TTA"}))
    write(tmp_path / "labels.tsv", "seq_id\tclass\tvalue\nc\tneg\t3\na\tpos\t1\nb\tneg\t2\n")
    seqs = read_sequences(path, labels=tmp_path / "labels.tsv")
    assert seqs.labels is not None
    assert seqs.labels["class"].tolist() == ["pos", "neg", "neg"]
    both = read_sequences(path, labels=tmp_path / "labels.tsv", label_columns=["class", "value"])
    assert both.labels is not None and both.labels["value"].tolist() == [1.0, 2.0, 3.0]
    frame = pd.DataFrame({"name": ["b", "a", "c"], "y": [0.5, 1.5, 2.5]})
    from_frame = read_sequences(path, labels=frame)
    assert from_frame.labels is not None and from_frame.labels["y"].tolist() == [1.5, 0.5, 2.5]


def test_labels_table_missing_and_extra_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "t.fa", fasta_text({"a": "ACGT", "b": "GG", "c": "T", "d": "A"}))
    short = pd.DataFrame({"id": ["a", "b"], "label": ["x", "y"]})
    with pytest.raises(
        DataError, match=r"2 sequence ids of .*t\.fa have no label \(e\.g\. 'c', 'd'\)"
    ):
        read_sequences(path, labels=short)
    extra = pd.DataFrame({"id": list("abcdez"), "label": list("xyxyxy")})
    with pytest.raises(DataError, match=r"2 ids are not in .*t\.fa \(e\.g\. 'e', 'z'\).*ignore"):
        read_sequences(path, labels=extra)
    seqs = read_sequences(path, labels=extra, extra_labels="ignore")
    assert seqs.labels is not None and seqs.labels["label"].tolist() == list("xyxy")


# --------------------------------------------------------------------------- tables


def test_csv_with_header_padded_fields(tmp_path: Path) -> None:
    text = "label,instance_name,sequence\n"
    text += "EI,    A-1,   ACGTACGTAC\nN ,\tA-2,  ggggccccAA \nIE,  A-3, ACGTNNRRAC\n"
    seqs = read_sequences(write(tmp_path / "s.csv", text))
    assert list(seqs.ids) == ["A-1", "A-2", "A-3"]
    assert as_strings(seqs) == ["ACGTACGTAC", "GGGGCCCCAA", "ACGTNNRRAC"]
    assert seqs.labels is not None and seqs.labels["label"].tolist() == ["EI", "N", "IE"]


def test_headerless_csv(tmp_path: Path) -> None:
    text = (
        "+,S10,\t\ttactagcaatacgcttgcg\n-,AMPC,\t\ttgctatcctgacagttgtc\n"
        "+,ARAI,\t\tgattacagattacagatta\n"
    )
    seqs = read_sequences(write(tmp_path / "promoters.data", text))
    assert list(seqs.ids) == ["S10", "AMPC", "ARAI"]
    assert seqs.sequence(0) == "TACTAGCAATACGCTTGCG"
    assert seqs.labels is not None and list(seqs.labels.columns) == ["column_1"]
    assert seqs.labels["column_1"].tolist() == ["+", "-", "+"]


def test_table_numeric_targets_generated_ids_and_semicolons(tmp_path: Path) -> None:
    text = "sequence;target;set\nMKVLAAGIV;1.5;train\nMKVLAAGIL;-2;train\nMKVIAAGIV;0;test\n"
    seqs = read_sequences(write(tmp_path / "p.data", text))
    assert list(seqs.ids) == ["1", "2", "3"]
    assert seqs.alphabet.name == "protein"
    assert seqs.labels is not None and seqs.labels["target"].dtype == np.float64
    assert seqs.labels["target"].tolist() == [1.5, -2.0, 0.0]


def test_table_sequence_column_found_by_content_and_gzip_tsv(tmp_path: Path) -> None:
    text = "gene\tstuff\tkind\ng1\tACGTACGTAAAC\tx\ng2\tTTTTACGTAAAC\ty\n"
    with gzip.open(tmp_path / "t.tsv.gz", "wb") as handle:
        handle.write(text.encode())
    seqs = read_sequences(tmp_path / "t.tsv.gz", label_columns=["kind"])
    assert list(seqs.ids) == ["g1", "g2"]
    assert as_strings(seqs) == ["ACGTACGTAAAC", "TTTTACGTAAAC"]
    assert seqs.labels is not None and seqs.labels["kind"].tolist() == ["x", "y"]


def test_table_without_labels_and_duplicate_named_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "u.csv", "id,seq\na,ACGT\nb,GGCC\n")
    seqs = read_sequences(path, require_labels=False)
    assert seqs.labels is None
    dup = write(tmp_path / "d.csv", "name,seq,label\na,ACGT,x\na,ACGT,x\nb,GG,y\n")
    # as for FASTA headers: the lines named, and the note kept for inspect and the report
    # (UCI splice.csv: the count alone, no line; inspect said nothing of it)
    said = r"d\.csv: 1 ids repeat an earlier id \(e\.g\. 'a' at line 2 and line 3, renamed 'a#2'\)"
    with pytest.warns(DataWarning, match=said):
        renamed = read_sequences(dup)
    assert list(renamed.ids) == ["a", "a#2", "b"]
    assert len(renamed.notes) == 1 and "at line 2 and line 3" in renamed.notes[0]
    with pytest.raises(DataError, match=r"d\.csv: id 'a' occurs twice \(lines 2 and 3\)"):
        read_sequences(dup, id_column="name")


# --------------------------------------------------------------------------- folders


def test_folder_of_class_files(tmp_path: Path) -> None:
    folder = tmp_path / "train"
    folder.mkdir()
    write(folder / "enhancer.fa", fasta_text({"e1": "ACGT", "e2": "GGA"}))
    with gzip.open(folder / "non_enhancer.fa.gz", "wb") as handle:
        handle.write(fasta_text({"n1": "TTT"}).encode())
    write(folder / ".hidden.fa", ">h\nACGT\n")
    write(folder / "README.md", "notes")
    seqs = read_sequences(folder)
    assert list(seqs.ids) == ["e1", "e2", "n1"]
    assert as_strings(seqs) == ["ACGT", "GGA", "TTT"]
    assert seqs.labels is not None
    assert seqs.labels["label"].tolist() == ["enhancer", "enhancer", "non_enhancer"]


def test_folder_errors(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    write(folder / "only.fa", ">a\nACGT\n")
    write(folder / "other.txt", "x")
    with pytest.raises(
        DataError, match=r"one: expected a folder with one FASTA file per class.*found 1"
    ):
        read_sequences(folder)
    write(folder / "two.fa", ">a\nACGT\n>b\nGG\n>a\nTT\n")
    pattern = (
        r"one: 2 ids repeat an earlier id \(e\.g\. 'a' at .*only\.fa line 1 and .*two\.fa "
        r"line 1, renamed 'a#2', 'a' at .*only\.fa line 1 and .*two\.fa line 5, renamed 'a#3'\)"
    )
    with pytest.warns(DataWarning, match=pattern):
        seqs = read_sequences(folder)
    assert list(seqs.ids) == ["a", "a#2", "b", "a#3"]
    assert seqs.labels is not None and seqs.labels["label"].tolist() == ["only"] + ["two"] * 3
    assert len(seqs.notes) == 1 and re.search(pattern, seqs.notes[0])
    assert seqs.subset(np.array([0, 1])).notes == []


# --------------------------------------------------------------------------- SequenceSet


def toy_set() -> SequenceSet:
    dna = ALPHABETS["dna"]
    seqs = ["ACGTAC", "GG", "TTTTTTTTA", "C"]
    codes = dna.lut[np.frombuffer("".join(seqs).encode(), dtype=np.uint8)].copy()
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in seqs]))).astype(np.int64)
    labels = pd.DataFrame({"label": ["a", "b", "c", "d"]})
    return SequenceSet(np.array(["w", "x", "y", "z"], dtype=object), codes, offsets, dna, labels)


def naive_padded(strings: list[str], length: int) -> np.ndarray:
    dna = ALPHABETS["dna"]
    out = np.zeros((len(strings), length), dtype=np.uint8)
    for i, s in enumerate(strings):
        if len(s) > length:
            start = (len(s) - length) // 2
            s = s[start : start + length]
        out[i, : len(s)] = [dna.symbols.index(c) + 1 for c in s]
    return out


def test_subset_repacks_and_reindexes_labels() -> None:
    seqs = toy_set()
    sub = seqs.subset(np.array([2, 0]))
    assert len(sub) == 2 and list(sub.ids) == ["y", "w"]
    assert as_strings(sub) == ["TTTTTTTTA", "ACGTAC"]
    np.testing.assert_array_equal(sub.offsets, [0, 9, 15])
    assert sub.labels is not None and sub.labels["label"].tolist() == ["c", "a"]
    assert list(sub.labels.index) == [0, 1]
    masked = seqs.subset(np.array([False, True, False, True]))
    assert as_strings(masked) == ["GG", "C"]


@pytest.mark.parametrize("length", [None, 1, 4, 5, 12])
def test_padded_matches_naive(length: int | None) -> None:
    seqs = toy_set()
    strings = as_strings(seqs)
    width = max(map(len, strings)) if length is None else length
    np.testing.assert_array_equal(seqs.padded(length=length), naive_padded(strings, width))
    index = np.array([3, 1, 2])
    np.testing.assert_array_equal(
        seqs.padded(index, length=length),
        naive_padded([strings[i] for i in index], width if length else 9),
    )


def test_padded_equal_lengths_fast_path(rng: np.random.Generator) -> None:
    strings = list(random_seqs(rng, 5, 10, 11).values())
    dna = ALPHABETS["dna"]
    codes = dna.lut[np.frombuffer("".join(strings).encode(), dtype=np.uint8)].copy()
    offsets = np.arange(6, dtype=np.int64) * 10
    seqs = SequenceSet(np.array(list("abcde"), dtype=object), codes, offsets, dna)
    for length in (None, 4, 7, 13):
        width = 10 if length is None else length
        np.testing.assert_array_equal(seqs.padded(length=length), naive_padded(strings, width))


def test_gather_in_blocks(monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator) -> None:
    monkeypatch.setattr(sequence_module, "_GATHER_BLOCK", 5)
    seqs = toy_set()
    index = rng.permutation(4)
    sub = seqs.subset(index)
    assert as_strings(sub) == [as_strings(seqs)[i] for i in index]
    np.testing.assert_array_equal(seqs.padded(length=7), naive_padded(as_strings(seqs), 7))


# --------------------------------------------------------------------------- from_strings


def test_from_strings_round_trip_and_lower_case() -> None:
    strings = ["ACGTacgt", "ggn", "T", "acgtacgtACGTrY"]
    seqs = SequenceSet.from_strings(strings)
    assert as_strings(seqs) == [s.upper() for s in strings]
    assert list(seqs.ids) == ["0", "1", "2", "3"]
    assert seqs.alphabet is ALPHABETS["dna"] and seqs.labels is None
    assert seqs.source == "sequences"
    assert seqs.codes.dtype == np.uint8 and seqs.offsets.dtype == np.int64
    np.testing.assert_array_equal(seqs.offsets, [0, 8, 11, 12, 26])
    assert seqs.codes.flags.writeable
    lower = SequenceSet.from_strings([s.lower() for s in strings])
    np.testing.assert_array_equal(lower.codes, seqs.codes)


def test_from_strings_numpy_array_ids_labels_and_alphabet() -> None:
    labels = pd.DataFrame({"y": [1.5, 2.5]}, index=[10, 11])
    seqs = SequenceSet.from_strings(
        np.array(["ACGU", "uuga"]), ids=np.array(["a", "b"]), labels=labels, source="mine"
    )
    assert seqs.alphabet.name == "rna" and list(seqs.ids) == ["a", "b"]
    assert as_strings(seqs) == ["ACGU", "UUGA"]
    assert seqs.labels is not None and list(seqs.labels.index) == [0, 1]
    assert seqs.labels["y"].tolist() == [1.5, 2.5] and seqs.source == "mine"
    protein = SequenceSet.from_strings(["ACGT", "GGTA"], alphabet="protein")
    assert protein.alphabet is ALPHABETS["protein"]
    assert SequenceSet.from_strings(["MKVLAAGIV"]).alphabet.name == "protein"
    with pytest.raises(ConfigError, match="alphabet: expected one of"):
        SequenceSet.from_strings(["ACGT"], alphabet="amino")


def test_from_strings_equals_read_sequences(tmp_path: Path, rng: np.random.Generator) -> None:
    seqs = random_seqs(rng, 30, 1, 200, "ACGTNacgtn")
    path = write(tmp_path / "r.fa", fasta_text(seqs, width=37))
    read = read_sequences(path, require_labels=False)
    built = SequenceSet.from_strings(list(seqs.values()), ids=list(seqs))
    np.testing.assert_array_equal(built.codes, read.codes)
    np.testing.assert_array_equal(built.offsets, read.offsets)
    assert list(built.ids) == list(read.ids) and built.alphabet is read.alphabet


def test_from_strings_errors() -> None:
    good = ["ACGT"] * 12
    with pytest.raises(
        DataError,
        match=r"^sequences item 12: sequence contains 'J', which is not a DNA letter "
        r"\(allowed: ACGTN and IUPAC codes\)\. Use --alphabet protein if these are amino acids\.$",
    ):
        SequenceSet.from_strings([*good, "ACJT"])
    with pytest.raises(DataError, match=r"^sequences item 1: sequence contains 'é'"):
        SequenceSet.from_strings(["ACGT", "ACéT"], alphabet="dna")
    with pytest.raises(DataError, match=r"^seqs item 0: sequence contains ' '"):
        SequenceSet.from_strings(["AC GT"], source="seqs")
    with pytest.raises(DataError, match=r"^sequences item 2: the sequence is empty"):
        SequenceSet.from_strings(["ACGT", "GG", ""])
    with pytest.raises(DataError, match=r"^sequences item 1: expected a str, got int \(5\)"):
        SequenceSet.from_strings(["ACGT", 5])  # type: ignore[list-item]
    with pytest.raises(DataError, match=r"^sequences item 0: expected a str, got bytes"):
        SequenceSet.from_strings(np.array([b"ACGT"]))
    with pytest.raises(DataError, match=r"^sequences: expected a list of strings, got a single"):
        SequenceSet.from_strings("ACGT")
    with pytest.raises(DataError, match=r"^sequences: expected a 1-d array of str"):
        SequenceSet.from_strings(np.array([["ACGT"]]))
    with pytest.raises(DataError, match=r"^sequences: expected at least one sequence"):
        SequenceSet.from_strings([])


def test_from_strings_id_and_label_errors() -> None:
    with pytest.raises(DataError, match=r"^sequences: id 'a' occurs twice \(items 0 and 2\)"):
        SequenceSet.from_strings(["AC", "GT", "TT"], ids=["a", "b", "a"])
    with pytest.raises(DataError, match=r"^sequences: expected 2 ids \(one per sequence\), got 1"):
        SequenceSet.from_strings(["AC", "GT"], ids=["a"])
    with pytest.raises(DataError, match=r"^ids item 1: expected a str, got int"):
        SequenceSet.from_strings(["AC", "GT"], ids=["a", 2])  # type: ignore[list-item]
    with pytest.raises(DataError, match=r"^sequences: expected 2 label rows.*got 1"):
        SequenceSet.from_strings(["AC", "GT"], labels=pd.DataFrame({"y": [1]}))
    with pytest.raises(DataError, match=r"^sequences: expected labels as a pandas DataFrame"):
        SequenceSet.from_strings(["AC", "GT"], labels=[1, 2])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- errors


def test_error_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.fa: No such file"):
        read_sequences(tmp_path / "nope.fa")


def test_error_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"e\.fa: the file is empty"):
        read_sequences(write(tmp_path / "e.fa", "\n  \n"))


def test_error_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"id,seq\x00\x01\x02")
    with pytest.raises(DataError, match=r"b\.csv: this is a binary file"):
        read_sequences(path)
    path.write_bytes(b"id,seq\n\xff\xfe\xfa,ACGT\n")
    with pytest.raises(DataError, match=r"b\.csv: this is not a UTF-8 text file"):
        read_sequences(path)


def test_error_zip_archive_names_its_members(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "splits.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("splits/a.csv", "sequence,target\nACGT,1\n")
        archive.writestr("splits/.DS_Store", "x")
        archive.writestr("splits/b.fasta", ">a\nACGT\n")
    with pytest.raises(
        DataError,
        match=r"splits\.zip: this is a zip archive holding splits/a\.csv, splits/b\.fasta; "
        r".*'unzip splits\.zip splits/a\.csv'",
    ):
        read_sequences(path)


def test_error_corrupt_and_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(fasta_text({f"s{i}": "ACGT" * 50 for i in range(200)}).encode())
    truncated = tmp_path / "t.fa.gz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"t\.fa\.gz: the gzip data is corrupt or truncated"):
        read_sequences(truncated, require_labels=False)
    corrupt = tmp_path / "c.fa.gz"
    corrupt.write_bytes(data[:20] + b"garbage" * 30 + data[-8:])
    with pytest.raises(DataError, match=r"c\.fa\.gz: the gzip data is corrupt or truncated"):
        read_sequences(corrupt, require_labels=False)


def test_error_fasta_without_header(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"h\.fa line 2: expected a FASTA header line"):
        read_sequences(write(tmp_path / "h.fa", "\nACGT\n>a\nACGT\n"))


def test_error_control_character_in_fasta(tmp_path: Path) -> None:
    # A control character is neither a letter nor the whitespace between letters (fuzzing
    # found a lone 0x1f, and a form feed in a sequence, escaping as IndexError).
    with pytest.raises(DataError, match=r"c\.fa line 1: expected a FASTA header line"):
        read_sequences(write(tmp_path / "c.fa", "\x1f"), require_labels=False)
    with pytest.raises(DataError, match=r"f\.fa line 3: sequence contains '\\x0c'"):
        read_sequences(write(tmp_path / "f.fa", ">a\nACGT\nAC\x0cGT\n"), require_labels=False)


def test_error_empty_record(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"x\.fa line 3: record 'b' has an empty sequence"):
        read_sequences(write(tmp_path / "x.fa", ">a\nACGT\n>b\n>c\nGG\n"), require_labels=False)


def test_error_header_without_name(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"x\.fa line 3: the header has no name"):
        read_sequences(write(tmp_path / "x.fa", ">a\nACGT\n>\nGG\n"), require_labels=False)


def test_repeated_fasta_ids_renamed_unless_labels_are_joined_by_id(tmp_path: Path) -> None:
    text = ">a\nACGT\n>b\nGG\n>a desc\nTT\n>a#2\nCC\n>a\nAA\n"
    path = write(tmp_path / "d.fa", text)
    pattern = (
        r"d\.fa: 2 ids repeat an earlier id \(e\.g\. 'a' at line 1 and line 5, renamed 'a#3', "
        r"'a' at line 1 and line 9, renamed 'a#4'\); repeats were renamed 'id#2'"
    )
    with pytest.warns(DataWarning, match=pattern):
        seqs = read_sequences(path, require_labels=False)
    # 'a#2' is taken by a record of its own, so the repeats of 'a' skip it.
    assert list(seqs.ids) == ["a", "b", "a#3", "a#2", "a#4"]
    assert as_strings(seqs) == ["ACGT", "GG", "TT", "CC", "AA"]
    assert len(seqs.notes) == 1 and re.search(pattern, seqs.notes[0])
    headers = write(tmp_path / "h.fa", ">a label=x\nACGT\n>a label=y\nGG\n")
    with pytest.warns(DataWarning, match=r"h\.fa: 1 ids repeat an earlier id"):
        labelled = read_sequences(headers)
    assert list(labelled.ids) == ["a", "a#2"]
    assert labelled.labels is not None and labelled.labels["label"].tolist() == ["x", "y"]
    # Labels joined by id: a repeated id is ambiguous, so it is refused naming both lines.
    table = write(tmp_path / "labels.csv", "id,label\na,x\nb,y\na#2,x\n")
    with pytest.raises(DataError, match=r"d\.fa: id 'a' occurs twice \(lines 1 and 5\)"):
        read_sequences(path, labels=table)


def test_unique_fasta_ids_have_no_notes(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seqs = read_sequences(write(tmp_path / "u.fa", ">a\nACGT\n>b\nGG\n"), require_labels=False)
    assert seqs.notes == []


def test_error_bad_letter_fasta_and_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ">a\nACGT\nACGT\n>b\nACGT\nACJT\n"
    path = write(tmp_path / "bad.fa", text)
    pattern = (
        r"bad\.fa line 6: sequence contains 'J', which is not a DNA letter.*--alphabet protein"
    )
    with pytest.raises(DataError, match=pattern):
        read_sequences(path, alphabet="dna", require_labels=False)
    monkeypatch.setattr(fasta_module, "CHUNK_BYTES", 4)
    with pytest.raises(DataError, match=pattern):
        read_sequences(path, alphabet="dna", require_labels=False)
    csv_path = write(tmp_path / "bad.csv", "id,sequence,label\na,ACGT,x\nb,AC-T,y\n")
    with pytest.raises(DataError, match=r"bad\.csv line 3: sequence contains '-'"):
        read_sequences(csv_path)


def test_error_missing_named_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "id,sequence,label\na,ACGT,x\n")
    with pytest.raises(DataError, match=r"no sequence column 'seqs'.*'id', 'sequence', 'label'"):
        read_sequences(path, sequence_column="seqs")
    with pytest.raises(DataError, match=r"no label column 'kind'.*--label-column"):
        read_sequences(path, label_columns=["kind"])
    with pytest.raises(DataError, match=r"no id column 'key'.*--id-column"):
        read_sequences(path, id_column="key")
    unlabelled = read_sequences(path, label_columns=["kind"], require_labels=False)
    assert unlabelled.labels is None


def test_error_ambiguous_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "sequence,p,q\nACGT,1,2\nGGCC,3,4\n")
    with pytest.raises(DataError, match=r"which column holds the labels.*--label-column"):
        read_sequences(path)
    two = write(tmp_path / "b.csv", "x,z,y\nACGTACGTAC,TTGGACGTAC,1\nACGGACGTAC,TTGGAAGTAC,2\n")
    with pytest.raises(DataError, match=r"which column holds the sequences.*--sequence-column"):
        read_sequences(two)


def test_error_empty_label(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "id,sequence,label\na,ACGT,x\nb,GGCC,\n")
    with pytest.raises(DataError, match=r"l\.csv line 3 column 'label': the label of 'b' is empty"):
        read_sequences(path)
    fasta = write(tmp_path / "l.fa", ">a label=x\nACGT\n>b other=1\nGG\n")
    with pytest.raises(DataError, match=r"l\.fa line 3 column 'label': the label of 'b' is empty"):
        read_sequences(fasta)


# --------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_datasets(shared_data: Path, tmp_path: Path) -> None:
    with pytest.warns(DataWarning, match="ids repeat"):
        splice = read_sequences(shared_data / "sequences/uci_splice/splice.csv")
    assert len(splice) == 3190 and set(splice.lengths) == {60}
    assert splice.alphabet.name == "dna"
    assert splice.ids[0] == "ATRINS-DONOR-521"
    assert splice.labels is not None
    assert splice.labels["label"].value_counts().to_dict() == {"N": 1655, "IE": 768, "EI": 767}

    promoters = read_sequences(shared_data / "sequences/uci_ecoli_promoters/promoters.data")
    assert len(promoters) == 106 and set(promoters.lengths) == {57}
    assert promoters.ids[0] == "S10" and promoters.sequence(0).startswith("TACTAGCA")
    assert promoters.labels is not None
    assert set(promoters.labels["column_1"]) == {"+", "-"}

    with zipfile.ZipFile(shared_data / "protein/flip_gb1/splits.zip") as archive:
        archive.extract("splits/sampled.csv", tmp_path)
        archive.extract("splits/sampled.fasta", tmp_path)
    table = read_sequences(tmp_path / "splits/sampled.csv")
    fasta = read_sequences(tmp_path / "splits/sampled.fasta")
    assert table.alphabet.name == fasta.alphabet.name == "protein"
    assert table.labels is not None and list(table.labels.columns) == ["target"]
    assert fasta.labels is not None and list(fasta.labels.columns) == ["TARGET"]
    assert len(table) == len(fasta) > 1000
    np.testing.assert_array_equal(table.codes, fasta.codes)
    np.testing.assert_allclose(table.labels["target"], fasta.labels["TARGET"])
