"""Tests of the data inspection: planted leakage and duplicates, findings, summaries."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from biodl.data.checks.result import Inspection, format_number
from biodl.data.checks.sequence import inspect_sequences
from biodl.data.sequence import SequenceSet
from biodl.errors import ConfigError, DataError


def random_dna(rng: np.random.Generator, n: int, length: int = 100) -> list[str]:
    letters = rng.choice(list("ACGT"), size=(n, length))
    return ["".join(row) for row in letters]


def labelled(seqs: list[str], ids: list[str], labels: list[object], name: str) -> SequenceSet:
    return SequenceSet.from_strings(
        seqs, ids=ids, labels=pd.DataFrame({"label": labels}), source=f"{name}.fa"
    )


def codes(inspection: Inspection) -> set[str]:
    return {f.code for f in inspection.findings}


@pytest.fixture
def leaky(rng: np.random.Generator) -> tuple[Inspection, list[str]]:
    """200 random 100 bp sequences split 160/40; 8 test sequences (20%) copied into train."""
    seqs = random_dna(rng, 200)
    ids = [f"s{i}" for i in range(200)]
    labels = ["pos", "neg"] * 100
    leaked = sorted(rng.choice(np.arange(160, 200), size=8, replace=False).tolist())
    train = labelled(
        seqs[:160] + [seqs[i] for i in leaked],
        ids[:160] + [f"copy_of_{ids[i]}" for i in leaked],
        labels[:160] + [labels[i] for i in leaked],
        "train",
    )
    test = labelled(seqs[160:], ids[160:], labels[160:], "test")
    return inspect_sequences({"train": train, "test": test}), [ids[i] for i in leaked]


def test_planted_leakage_is_counted_exactly(leaky: tuple[Inspection, list[str]]) -> None:
    inspection, leaked = leaky
    (overlap,) = inspection.overlaps
    assert (overlap.first, overlap.second, overlap.second_n) == ("train", "test", 40)
    assert overlap.identical == 8
    assert overlap.examples == leaked[:5]
    assert overlap.matches == [f"copy_of_{i}" for i in leaked[:5]]
    assert overlap.shared_ids == 0
    leakage = [f for f in inspection.findings if f.code == "leakage"]
    assert len(leakage) == 1 and leakage[0].severity == "warning"
    assert "8 of 40 test" in leakage[0].message
    assert "Remove them" in leakage[0].fix
    # The copies are distinct within train: no within-part duplicates.
    assert [p.duplicate_sequences for p in inspection.parts] == [0, 0]


def test_overlap_finds_every_leaked_id(rng: np.random.Generator) -> None:
    seqs = random_dna(rng, 50, 30)
    first = SequenceSet.from_strings(seqs[:40] + seqs[40:43], ids=[f"a{i}" for i in range(43)])
    second = SequenceSet.from_strings(seqs[40:], ids=[f"b{i}" for i in range(10)])
    (overlap,) = inspect_sequences({"first": first, "second": second}).overlaps
    assert overlap.identical == 3
    assert overlap.examples == ["b0", "b1", "b2"]
    assert overlap.matches == ["a40", "a41", "a42"]


def test_duplicates_within_a_part_are_counted_exactly(rng: np.random.Generator) -> None:
    base = random_dna(rng, 20, 50)
    # seq 0 three times (2 repeats), seq 1 twice (1 repeat): 3 records repeat an earlier one.
    seqs = [*base, base[0], base[1], base[0]]
    ids = [f"r{i}" for i in range(len(seqs))]
    inspection = inspect_sequences({"train": SequenceSet.from_strings(seqs, ids=ids)})
    part = inspection.parts[0]
    assert part.duplicate_sequences == 3
    assert part.duplicate_examples == ["r20", "r21", "r22"]
    assert part.duplicate_ids == 0
    assert "duplicates" in codes(inspection)


def test_duplicate_ids_are_counted() -> None:
    seqs = SequenceSet.from_strings(["ACGT", "GGCC", "TTAA"])
    seqs.ids = np.array(["a", "a", "a"], dtype=object)  # readers forbid this; built by hand
    inspection = inspect_sequences({"x": seqs})
    assert inspection.parts[0].duplicate_ids == 2
    assert "duplicate_ids" in codes(inspection)


def test_identical_sequences_in_other_alphabets_are_not_compared() -> None:
    dna = SequenceSet.from_strings(["ACGT"], alphabet="dna")
    protein = SequenceSet.from_strings(["ACGT"], alphabet="protein")
    inspection = inspect_sequences({"dna": dna, "protein": protein})
    assert not inspection.overlaps[0].compared
    assert inspection.overlaps[0].identical == 0
    assert "alphabet_mismatch" in codes(inspection)


@pytest.mark.parametrize(("minority", "expected"), [(20, True), (100, False)])
def test_imbalance_finding(rng: np.random.Generator, minority: int, expected: bool) -> None:
    labels = ["rare"] * minority + ["common"] * (200 - minority)
    train = labelled(random_dna(rng, 200), [f"s{i}" for i in range(200)], labels, "train")
    inspection = inspect_sequences({"train": train})
    counts = inspection.parts[0].labels[0].class_counts
    assert counts == {"common": 200 - minority, "rare": minority}
    assert inspection.task == "binary"
    assert ("imbalance" in codes(inspection)) is expected
    if expected:
        finding = next(f for f in inspection.findings if f.code == "imbalance")
        assert "'rare' is 10.0%" in finding.message
        assert "--class-weights balanced" in finding.fix
        assert "balanced accuracy" in finding.fix and "AUPRC" in finding.fix
    assert "small_data" not in codes(inspection)


def test_small_data_and_few_examples(rng: np.random.Generator) -> None:
    labels = ["a"] * 45 + ["b"] * 5
    train = labelled(random_dna(rng, 50), [f"s{i}" for i in range(50)], labels, "train")
    inspection = inspect_sequences({"train": train})
    assert {"small_data", "few_examples", "imbalance"} <= codes(inspection)
    few = next(f for f in inspection.findings if f.code == "few_examples")
    assert "'b' (5)" in few.message


def test_id_like_labels(rng: np.random.Generator) -> None:
    ids = [f"s{i}" for i in range(30)]
    train = labelled(random_dna(rng, 30), ids, [f"gene{i}" for i in range(30)], "train")
    inspection = inspect_sequences({"train": train})
    assert "id_like_labels" in codes(inspection)
    assert "few_examples" not in codes(inspection)


def test_single_class_missing_and_unseen_classes(rng: np.random.Generator) -> None:
    train = labelled(random_dna(rng, 12), [f"t{i}" for i in range(12)], ["a"] * 12, "train")
    test_labels = ["a", "b", None, ""]
    test = labelled(random_dna(rng, 4), [f"u{i}" for i in range(4)], test_labels, "test")
    inspection = inspect_sequences({"train": train, "test": test}, task="binary")
    label = inspection.parts[1].labels[0]
    assert (label.n, label.missing, label.class_counts) == (2, 2, {"a": 1, "b": 1})
    assert {"single_class", "missing_labels", "unseen_classes"} <= codes(inspection)


def test_regression_summary_matches_numpy(rng: np.random.Generator) -> None:
    y = rng.normal(3.0, 2.0, size=120)
    train = labelled(random_dna(rng, 120), [f"s{i}" for i in range(120)], list(y), "train")
    inspection = inspect_sequences({"train": train})
    assert inspection.task == "regression"
    label = inspection.parts[0].labels[0]
    assert label.kind == "values" and label.n == 120 and label.missing == 0
    assert label.minimum == pytest.approx(np.min(y))
    assert label.median == pytest.approx(np.median(y))
    assert label.maximum == pytest.approx(np.max(y))
    assert label.mean == pytest.approx(np.mean(y))
    assert label.sd == pytest.approx(np.std(y, ddof=1))
    centred = y - y.mean()
    assert label.skewness == pytest.approx(np.mean(centred**3) / np.mean(centred**2) ** 1.5)
    assert "skewed_target" not in codes(inspection)


def test_regression_missing_values_and_skew(rng: np.random.Generator) -> None:
    counts = np.round(rng.lognormal(2.0, 2.0, size=300))
    values: list[object] = [*counts[:-2].tolist(), np.nan, "n/a"]
    train = labelled(random_dna(rng, 300), [f"s{i}" for i in range(300)], values, "train")
    inspection = inspect_sequences({"train": train}, task="regression")
    label = inspection.parts[0].labels[0]
    assert (label.n, label.missing) == (298, 2)
    assert label.median == pytest.approx(np.median(counts[:-2]))
    finding = next(f for f in inspection.findings if f.code == "skewed_target")
    assert "log1p" in finding.fix
    assert "missing_labels" in codes(inspection)


def test_lengths_composition_and_ambiguity() -> None:
    seqs = SequenceSet.from_strings(["ACGT" * 5, "GGCC" * 5, "NNNN" + "A" * 56])
    inspection = inspect_sequences({"all": seqs})
    part = inspection.parts[0]
    assert (part.length_min, part.length_median, part.length_max) == (20, 20, 60)
    assert sum(part.length_counts) == 3
    assert part.composition["N"] == pytest.approx(4 / 100)
    assert part.ambiguous_fraction == pytest.approx(0.04)
    assert set(part.composition) == {"A", "C", "G", "T", "N"}
    gc_letters = 5 * 2 + 20  # GC in ACGT*5, all of GGCC*5
    assert part.gc_content == pytest.approx(gc_letters / 96)
    assert "variable_lengths" in codes(inspection)
    assert "ambiguous_letters" not in codes(inspection)
    assert inspection.task is None and part.labels == []

    mostly_n = inspect_sequences({"all": SequenceSet.from_strings(["ACGTNNNNNN"] * 3)})
    assert "ambiguous_letters" in codes(mostly_n)
    assert "variable_lengths" not in codes(mostly_n)


def test_the_length_suggested_for_every_part_is_the_training_parts() -> None:
    """A test part of long sequences: its line suggests the training part's --length, not
    one computed on the test part (newcomer walk, ``biodl inspect`` with --test)."""
    train = SequenceSet.from_strings(["ACGT" * 5] * 19 + ["ACGT" * 30])  # p95 ~ 20
    test = SequenceSet.from_strings(["ACGT" * 10] * 19 + ["ACGT" * 100])  # p95 ~ 40
    found = inspect_sequences({"train": train, "test": test})
    p95 = {p.name: p.length_p95 for p in found.parts}
    assert p95["test"] > p95["train"] + 10
    fixes = {f.message.split(":")[0]: f.fix for f in found.findings if f.code == "variable_lengths"}
    assert set(fixes) == {"train", "test"}
    for fix in fixes.values():
        assert f"--length {format_number(p95['train'])} (95% of train " in fix


def test_protein_has_no_gc_content() -> None:
    part = inspect_sequences({"p": SequenceSet.from_strings(["MKVLX", "MKW"])}).parts[0]
    assert part.alphabet == "protein" and part.gc_content is None
    assert part.ambiguous_fraction == pytest.approx(1 / 8)


def test_to_dict_is_json_ready(leaky: tuple[Inspection, list[str]]) -> None:
    inspection, _ = leaky
    raw = json.loads(json.dumps(inspection.to_dict(), allow_nan=False))
    assert raw["overlaps"][0]["identical"] == 8
    assert raw["parts"][0]["labels"][0]["minimum"] is None  # NaN for classes
    assert {"severity", "message", "fix", "code"} <= set(raw["findings"][0])


def test_summary_text(leaky: tuple[Inspection, list[str]]) -> None:
    inspection, leaked = leaky
    text = inspection.summary()
    assert text.startswith("train (train.fa): 168 DNA sequences, length 100–100")
    assert "test vs train: 8 of 40 test sequences identical" in text
    assert f"e.g. {leaked[0]}" in text
    assert "warning: Leakage: 8 of 40" in text and "Fix: Remove them" in text
    clean = inspect_sequences({"a": SequenceSet.from_strings(["ACGT"] * 1)})
    assert "warning: Only 1 sequence in" in clean.summary()


def test_findings_list_warnings_first(leaky: tuple[Inspection, list[str]]) -> None:
    inspection, _ = leaky
    severities = [f.severity for f in inspection.findings]
    assert severities == sorted(severities, key=lambda s: s != "warning")
    assert inspection.warnings == [f for f in inspection.findings if f.severity == "warning"]


def test_bad_task_and_empty_parts_raise() -> None:
    seqs = SequenceSet.from_strings(["ACGT"])
    with pytest.raises(ConfigError, match="task: expected one of auto, binary"):
        inspect_sequences({"a": seqs}, task="clustering")
    with pytest.raises(DataError, match="expected at least one part"):
        inspect_sequences({})
    with pytest.raises(DataError, match="expected a SequenceSet, got list"):
        inspect_sequences({"a": ["ACGT"]})  # type: ignore[dict-item]
