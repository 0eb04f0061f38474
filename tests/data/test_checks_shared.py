"""The steps every kind's inspection shares, used by a toy kind written here: fixed-length
numeric vectors need only their part fields, their hashes and their own findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from biodl.data.checks.assemble import assemble, check_arguments
from biodl.data.checks.common import digest, find_overlaps
from biodl.data.checks.labels import resolve_task
from biodl.data.checks.part import KindTerms, PartBase, part_histogram, slashed, span
from biodl.data.checks.result import Finding, Inspection, LabelSummary, format_number
from biodl.data.targets import TaskName
from biodl.errors import ConfigError, DataError


@dataclass
class Vectors:
    """The toy kind's data: one row per item."""

    values: np.ndarray
    ids: list[str]
    labels: pd.DataFrame | None = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.values)


VECTORS = KindTerms(
    "vector",
    "vector",
    "vectors",
    baseline="the linear baseline",
    data=Vectors,
    reader="Build it with Vectors(values, ids)",
)


@dataclass
class VectorPart(PartBase):
    terms: ClassVar[KindTerms] = VECTORS

    name: str
    source: str
    n: int
    width: int
    zeros: int
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_vectors: int
    duplicate_examples: list[str]
    duplicate_ids: int

    def headline(self) -> str:
        return f"{self.n} vectors of width {self.width}, {self.zeros} all-zero"

    def kind_rows(self) -> list[tuple[str, str]]:
        return [("Width", str(self.width)), ("All-zero vectors", str(self.zeros))]


def zero_findings(part: VectorPart, first: bool) -> list[Finding]:
    if not part.zeros:
        return []
    where = "the first part" if first else "a later part"
    return [Finding("info", f"{part.name}: {part.zeros} all-zero vectors ({where}).", "Drop them.")]


def inspect_vectors(parts: Mapping[str, Vectors], *, task: str = "auto") -> Inspection:
    """The whole toy kind: what it computes itself, then the shared steps."""
    check_arguments(VECTORS, parts, task)
    resolved = resolve_task([p.labels for p in parts.values()], task)
    hashes = {
        name: [digest(np.ascontiguousarray(row)) for row in p.values] for name, p in parts.items()
    }
    summaries = [summarise(name, p, hashes[name], resolved) for name, p in parts.items()]
    overlaps = find_overlaps({name: (p.ids, hashes[name]) for name, p in parts.items()})
    return assemble(
        VECTORS,
        resolved,
        summaries,
        overlaps,
        identity="Two vectors are identical when every value is.",
        part_findings=zero_findings,
        after=[Finding("info", "Compared the widths.", "Nothing to do.", "widths")],
    )


def summarise(name: str, p: Vectors, hashes: list[bytes], task: TaskName | None) -> VectorPart:
    return VectorPart.build(
        name,
        p,
        hashes,
        p.labels,
        task,
        width=p.values.shape[1],
        zeros=int((p.values == 0).all(axis=1).sum()),
    )


def toy(rng: np.random.Generator) -> Inspection:
    x = rng.normal(size=(30, 4))
    x[5] = x[2]  # a repeat within train
    x[7] = 0.0
    train = Vectors(x, [f"a{i}" for i in range(30)], pd.DataFrame({"y": ["p"] * 25 + ["q"] * 5}))
    test_x = np.vstack([x[:2], rng.normal(size=(8, 4))])  # two vectors leak into test
    test_x[9] = 0.0  # all zero, like train's a7: a third identical vector
    ids = ["a0", *[f"b{i}" for i in range(1, 10)]]  # and one id is shared
    test = Vectors(test_x, ids, pd.DataFrame({"y": ["p", "q", "r"] * 3 + ["p"]}), "test.npy")
    return inspect_vectors({"train": train, "test": test})


def test_a_toy_kind_gets_every_shared_step(rng: np.random.Generator) -> None:
    result = toy(rng)
    assert (result.kind, result.item, result.items, result.task) == (
        "vector",
        "vector",
        "vectors",
        "binary",
    )
    train = result.parts[0]
    assert (train.duplicate_vectors, train.duplicate_examples, train.repeated) == (1, ["a5"], 1)
    assert (train.label_columns, train.labels[0].class_counts) == (["y"], {"p": 25, "q": 5})
    assert result.overlaps[0].identical == 3 and result.overlaps[0].shared_ids == 1
    codes = [f.code for f in result.findings]
    # Warnings first; each group in the shared order: size, per part (repeats, the kind's,
    # labels), the kind's across parts, leakage, label consistency.
    assert codes == [
        "small_data",
        "duplicates",
        "imbalance",
        "few_examples",
        "few_examples",
        "leakage",
        "unseen_classes",
        "",
        "",
        "widths",
        "shared_ids",
    ]
    assert result.findings[0].message.startswith("Only 40 vectors in all parts together")
    assert "the linear baseline" in result.findings[0].fix
    summary = result.summary()
    assert "info: train: 1 all-zero vectors (the first part)." in summary
    assert "info: test: 1 all-zero vectors (a later part)." in summary


def test_text_lines_and_rows_come_from_the_shared_part(rng: np.random.Generator) -> None:
    result = toy(rng)
    train, test = result.parts
    assert train.lines()[0] == "train: 30 vectors of width 4, 1 all-zero"
    assert train.lines()[-1] == "  duplicates: 1 repeated vectors, 0 repeated ids"
    assert test.lines()[0] == "test (test.npy): 10 vectors of width 4, 1 all-zero"
    assert train.rows() == [
        ("Vectors", "30"),
        ("Width", "4"),
        ("All-zero vectors", "1"),
        ("Repeated vectors", "1 (e.g. a5)"),
        ("Repeated ids", "0"),
    ]
    assert "test vs train: 3 of 10 test vectors identical to a train vector" in result.summary()


def test_arguments_are_checked_with_the_kind_reader() -> None:
    with pytest.raises(ConfigError, match="task: expected one of auto, binary"):
        inspect_vectors({"train": Vectors(np.zeros((2, 2)), ["a", "b"])}, task="ranking")
    with pytest.raises(DataError, match="expected at least one part"):
        inspect_vectors({})
    with pytest.raises(DataError, match="expected a Vectors, got list. Build it with Vectors"):
        inspect_vectors({"train": [1, 2]})  # type: ignore[dict-item]


def test_parts_that_cannot_be_compared_keep_their_shared_ids() -> None:
    items = {"a": (["x", "y"], [b"1", b"2"]), "b": (["y", "z"], [b"2", b"3"])}
    compared, refused = (
        find_overlaps(items)[0],
        find_overlaps(items, why_not=lambda a, b: f"{a} and {b} differ")[0],
    )
    assert (compared.identical, compared.shared_ids, compared.compared) == (1, 1, True)
    assert (refused.identical, refused.shared_ids, refused.compared) == (0, 1, False)
    assert (refused.reason, refused.second_n, refused.examples) == ("a and b differ", 2, [])


def test_formatting_helpers() -> None:
    assert span(1, 10, 4.5) == "1–10 (median 4.5)"
    assert span(0.25, 48, 12, "h") == "0.25–48 h (median 12 h)"
    assert slashed(1, float("nan"), 123456.0) == f"1 / n/a / {format_number(123456.0)}"

    @dataclass
    class Named:
        name: str
        n: int

    figure = part_histogram(
        Named("train", 3),
        "Widths",
        caption="c",
        xlabel="x",
        unit="items",
        edges=[0.0, 1.0],
        counts=[3],
        marker=2.5,
    )
    assert (figure.heading, figure.title, figure.ylabel) == (
        "Widths in train",
        "train: 3 items",
        "Items",
    )
    assert figure.marker_label == "median 2.5"
