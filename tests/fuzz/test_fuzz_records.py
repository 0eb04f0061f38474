"""Fuzzed records readers: a folder of per-record files, a long-format table, outcome tables.

A small synthetic cohort is written once; each case mutates one record file, the outcomes
table or the long table built from the same observations, and reads the records as
``biodl train`` and ``biodl inspect`` do.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from fuzz_inputs import examples, mutated, read_as_user, run_case, write
from hypothesis import given
from hypothesis import strategies as st

N_RECORDS = 40


@cache
def cohort() -> tuple[dict[str, bytes], bytes]:
    """The record files (name -> bytes) and the outcomes table of a 40-record cohort."""
    from biodl.data.synthetic_icu import write_icu_records

    with tempfile.TemporaryDirectory() as folder:
        root = write_icu_records(
            folder, n_records=N_RECORDS, seed=0, hours=12.0, max_per_variable=3, prevalence=0.4
        )
        files = {p.name: p.read_bytes() for p in sorted((root / "records").glob("*.txt"))}
        return files, (root / "Outcomes.txt").read_bytes()


@cache
def long_table() -> bytes:
    """The cohort as one RecordID,Time,Parameter,Value table."""
    files, _ = cohort()
    rows = ["RecordID,Time,Parameter,Value"]
    for name, data in files.items():
        rows += [f"{name[:-4]},{line}" for line in data.decode().splitlines()[1:] if line]
    return ("\n".join(rows) + "\n").encode()


def _write_folder(tmp: Path, damaged: str | None, data: bytes | None, outcomes: bytes) -> Path:
    files, _ = cohort()
    folder = tmp / "records"
    for name, content in files.items():
        write(folder / name, data if name == damaged and data is not None else content)
    write(tmp / "Outcomes.txt", outcomes)
    return folder


@examples(40)
@given(
    damaged=st.sampled_from(sorted(cohort()[0])),
    data=st.data(),
)
def test_record_folder(damaged: str, data: st.DataObject) -> None:
    content = data.draw(mutated(cohort()[0][damaged]))
    run_case(
        lambda tmp: read_as_user(
            "record folder",
            _write_folder(tmp, damaged, content, cohort()[1]),
            also=(Path("Outcomes.txt"),),
            kind="records",
        )
    )


@examples(30)
@given(outcomes=st.builds(lambda: cohort()[1]).flatmap(mutated))
def test_outcomes_table(outcomes: bytes) -> None:
    run_case(
        lambda tmp: read_as_user(
            "outcomes table",
            _write_folder(tmp, None, None, outcomes),
            also=(Path("Outcomes.txt"),),
            kind="records",
        )
    )


@examples(40)
@given(table=st.builds(long_table).flatmap(mutated))
def test_long_table(table: bytes) -> None:
    def body(tmp: Path) -> None:
        write(tmp / "Outcomes.txt", cohort()[1])
        read_as_user(
            "long records table",
            write(tmp / "events.csv", table),
            also=(Path("Outcomes.txt"),),
            kind="records",
        )

    run_case(body)
