"""docs/options.md is written from the option declarations, so it says what --help says."""

from __future__ import annotations

from pathlib import Path

from biodl.cli.reference import options_reference
from biodl.config import DataConfig

PAGE = Path(__file__).resolve().parents[1] / "docs" / "options.md"


def test_docs_options_is_the_page_the_declarations_write() -> None:
    assert PAGE.read_text(encoding="utf-8") == options_reference(), (
        "docs/options.md is out of date: python -m biodl.cli.reference > docs/options.md"
    )


def test_every_offered_option_has_a_row() -> None:
    page = options_reference()
    for name in ("data.kind", "data.split_column", "train.lr", "evaluate.threshold", "model.name"):
        assert f"`{name}`" in page
    assert "`data.train`" not in page  # the positional argument, not an option
    assert DataConfig.__doc__ and "kind" in DataConfig.__doc__
