"""Fuzzed sequence readers: FASTA, gzipped FASTA, a folder of class FASTA files, CSV/TSV tables.

Each case draws a valid file, mutates it (:func:`fuzz_inputs.mutated`) and reads it as
``biodl train`` and ``biodl inspect`` do; only one-line biodl errors naming the file may
escape.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fuzz_inputs import examples, maybe_gzipped, mutated, read_as_user, run_case, write
from hypothesis import given
from hypothesis import strategies as st


@st.composite
def fasta_text(draw: st.DrawFn) -> bytes:
    """40-80 labelled DNA (or protein) records, wrapped at a drawn width."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n = draw(st.integers(40, 80))
    width = draw(st.sampled_from([10, 60, 1000]))
    letters = draw(st.sampled_from(["ACGT", "ACGTN", "ACDEFGHIKLMNPQRSTVWY"]))
    out = []
    for i in range(n):
        seq = "".join(rng.choice(list(letters), int(rng.integers(1, 90))))
        wrapped = "\n".join(seq[k : k + width] for k in range(0, len(seq), width))
        out.append(f">s{i} label={'ab'[i % 2]}\n{wrapped}\n")
    return "".join(out).encode()


@st.composite
def sequence_table(draw: st.DrawFn, sep: str = ",") -> bytes:
    """An id, sequence and label table of 40-80 rows."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n = draw(st.integers(40, 80))
    rows = [sep.join(["id", "sequence", "label"])]
    for i in range(n):
        seq = "".join(rng.choice(list("ACGT"), int(rng.integers(1, 60))))
        rows.append(sep.join([f"s{i}", seq, str(i % 2)]))
    return ("\n".join(rows) + "\n").encode()


@examples(60)
@given(data=fasta_text().flatmap(mutated))
def test_fasta(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("fasta", write(tmp / "seqs.fa", data)))


@examples(40)
@given(data=fasta_text().flatmap(mutated).flatmap(maybe_gzipped))
def test_fasta_gz(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("fasta.gz", write(tmp / "seqs.fa.gz", data)))


@examples(25)
@given(first=fasta_text().flatmap(mutated), second=fasta_text())
def test_fasta_class_folder(first: bytes, second: bytes) -> None:
    def body(tmp: Path) -> None:
        folder = tmp / "classes"
        write(folder / "enhancer.fa", first)
        write(folder / "other.fa", second.replace(b" label=", b" x="))
        read_as_user("fasta folder", folder)

    run_case(body)


@examples(40)
@given(data=sequence_table().flatmap(mutated))
def test_sequence_csv(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("sequence csv", write(tmp / "seqs.csv", data)))


@examples(30)
@given(data=sequence_table(sep="\t").flatmap(mutated))
def test_sequence_tsv(data: bytes) -> None:
    run_case(lambda tmp: read_as_user("sequence tsv", write(tmp / "seqs.tsv", data)))
