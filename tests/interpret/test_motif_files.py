"""Motif files: MEME and JASPAR read, MEME written back, anything else a one-line DataError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from biodl.errors import DataError
from biodl.interpret.motif_files import read_jaspar, read_meme, read_motifs, write_meme
from biodl.interpret.motifs import Motif, motif_from_counts

TINY = Path(__file__).parent / "data" / "tiny.meme"
JASPAR_DIR = Path("motifs") / "jaspar2024_core_vertebrates"

JASPAR_TEXT = """>MA0004.1\tArnt
A  [ 4 19  0  0  0  0 ]
C  [16  0 20  0  0  0 ]
G  [ 0  1  0 20  0 20 ]
T  [ 0  0  0  0 20  0 ]
>X1 bare rows
1 2
3 4
5 6
7 8
"""


def test_tiny_meme_is_read() -> None:
    motifs = read_motifs(TINY)
    assert [m.id for m in motifs] == ["T1", "T2", "T3", "T4", "T5", "T6"]
    assert motifs[0].name == "gataish" and motifs[0].consensus() == "AGATAAGCA"
    assert motifs[0].nsites == 100
    np.testing.assert_allclose(motifs[2].probabilities.sum(axis=1), 1.0)


def test_jaspar_counts_are_read(tmp_path: Path) -> None:
    path = tmp_path / "m.jaspar"
    path.write_text(JASPAR_TEXT)
    arnt, bare = read_motifs(path)
    assert (arnt.id, arnt.name, arnt.consensus(), arnt.nsites) == ("MA0004.1", "Arnt", "CACGTG", 20)
    np.testing.assert_allclose(arnt.probabilities[0], [0.2, 0.8, 0, 0])
    np.testing.assert_allclose(bare.probabilities[0], np.array([1, 3, 5, 7]) / 16)
    assert read_jaspar(path)[0].id == "MA0004.1"


def test_meme_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    motifs = [Motif(f"m{i}", rng.dirichlet(np.ones(4), size=6 + i), name=f"n{i}") for i in range(3)]
    again = read_meme(write_meme(motifs, tmp_path / "out.meme"))
    assert [(m.id, m.name) for m in again] == [(m.id, m.name) for m in motifs]
    for a, b in zip(motifs, again, strict=True):
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)


def test_protein_meme_round_trip(tmp_path: Path) -> None:
    alphabet = "ACDEFGHIKLMNPQRSTVWY"
    motif = motif_from_counts(np.eye(20)[[0, 5, 9]] * 10, "p1", alphabet=alphabet, pseudocount=1)
    (again,) = read_motifs(write_meme([motif], tmp_path / "p.meme"))
    assert again.alphabet == alphabet and again.consensus() == "AGL"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,sequence\ns1,ACGT\n", r"m\.txt line 1: not a MEME or JASPAR motif file"),
        ("", r"m\.txt: the motif file is empty"),
        ("MEME version 4\n\nALPHABET= ACGT\n", r"m\.txt: MEME file without any MOTIF block"),
        (
            "MEME version 4\nMOTIF a\nletter-probability matrix: alength= 4 w= 2\n"
            "0.25 0.25 0.25 0.25\n0.5 0.5 0.0\n",
            r"m\.txt line 5: MOTIF a row has 3 values, expected 4",
        ),
        (
            "MEME version 4\nMOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.9 0.9 0 0\n",
            r"m\.txt line 4: MOTIF a row sums to 1.800",
        ),
        (
            "MEME version 4\nMOTIF a\nletter-probability matrix: alength= 4 w= 1\nx y z w\n",
            r"m\.txt line 4: expected 4 probabilities, found 'x y z w'",
        ),
        ("MEME version 4\nMOTIF a b\n\n", r"m\.txt line 2: MOTIF a has no 'letter-probability"),
        (">MA1 x\nA [1 2]\nC [1 2]\nG [1 2]\n", r"m\.txt line 4: JASPAR motif MA1 has 3 rows"),
        (">MA1 x\nA [1 2]\nC [1 2]\nT [1 2]\nG [1 2]\n", r"m\.txt line 4: .* expected the G row"),
        (">MA1 x\nA [1 2]\nC [1 q]\nG [1 2]\nT [1 2]\n", r"m\.txt line 3: expected numbers"),
    ],
)
def test_bad_motif_files_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_motifs(path)


def test_binary_and_missing_files_are_data_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(DataError, match=r"m\.bin line 1: not a text file"):
        read_motifs(path)
    with pytest.raises(DataError, match=r"nothere\.meme: cannot read the motif file"):
        read_motifs(tmp_path / "nothere.meme")


def test_motif_ids_with_spaces_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"motif id 'a b' must be non-empty without spaces"):
        write_meme([Motif("a b", np.full((2, 4), 0.25))], tmp_path / "x.meme")


@pytest.mark.realdata
def test_shared_jaspar_meme_and_counts_agree(shared_data: Path) -> None:
    folder = shared_data / JASPAR_DIR
    meme = read_motifs(folder / "JASPAR2024_CORE_vertebrates_non-redundant.meme")
    counts = read_motifs(folder / "JASPAR2024_CORE_vertebrates_non-redundant_counts.jaspar")
    assert len(meme) == len(counts) == 879
    assert (meme[0].id, meme[0].name) == ("MA0002.3", "Runx1")
    assert meme[0].url == "https://jaspar.elixir.no/matrix/MA0002.3/"
    for a, b in zip(meme, counts, strict=True):
        assert (a.id, a.name) == (b.id, b.name)
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-5)


def test_meme_without_alphabet_line_is_dna_or_protein_by_alength(tmp_path: Path) -> None:
    rows = "\n".join(" ".join(["0.05"] * 20) for _ in range(3))
    path = tmp_path / "p.meme"
    path.write_text(
        f"MEME version 4\n\nMOTIF p1\nletter-probability matrix: alength= 20 w= 3\n{rows}\n"
    )
    (motif,) = read_motifs(path)
    assert motif.alphabet == "ACDEFGHIKLMNPQRSTVWY" and motif.width == 3
    path.write_text(
        "MEME version 4\n\nMOTIF d1\nletter-probability matrix: alength= 4 w= 1\n1 0 0 0\n"
    )
    assert read_motifs(path)[0].alphabet == "ACGT"


@pytest.mark.realdata
def test_jaspar_keyword_reads_the_extra_equal_to_the_shared_counts_file(shared_data: Path) -> None:
    pytest.importorskip("pyjaspar", reason="the jaspar extra is not installed")
    counts = read_motifs(
        shared_data / JASPAR_DIR / "JASPAR2024_CORE_vertebrates_non-redundant_counts.jaspar"
    )
    extra = {m.id: m for m in read_motifs("jaspar")}
    assert len(extra) == len(counts) == 879
    for m in counts:
        assert extra[m.id].name == m.name and extra[m.id].nsites == m.nsites
        np.testing.assert_array_equal(extra[m.id].probabilities, m.probabilities)


def test_a_file_named_jaspar_is_read_as_a_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("jaspar").write_text(JASPAR_TEXT)
    assert [m.id for m in read_motifs("jaspar")] == [m.id for m in read_jaspar("jaspar")]
