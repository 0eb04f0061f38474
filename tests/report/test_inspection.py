"""Tests of the inspection page: findings shown, escaped, self-contained, written atomically."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biodl.data.checks.result import Inspection
from biodl.data.checks.sequence import inspect_sequences
from biodl.data.sequence import SequenceSet
from biodl.report.figures import file_mode
from biodl.report.inspection import render_inspection, write_inspection

EVIL = "<script>alert('x')</script>"


@pytest.fixture
def inspection(rng: np.random.Generator) -> Inspection:
    seqs = ["".join(row) for row in rng.choice(list("ACGT"), size=(120, 40))]
    ids = [f"s{i}" for i in range(120)]
    ids[100] = EVIL  # a test record, leaked into train below
    labels = ["a"] * 90 + ["b"] * 10 + ["a"] * 10 + ["b"] * 10
    train = SequenceSet.from_strings(
        [*seqs[:100], seqs[100]],
        ids=[*ids[:100], "copy"],
        labels=pd.DataFrame({"label": [*labels[:100], "a"]}),
        source="train.fa",
    )
    test = SequenceSet.from_strings(
        seqs[100:], ids=ids[100:], labels=pd.DataFrame({"label": labels[100:]}), source="test.fa"
    )
    return inspect_sequences({"train": train, "test": test})


def test_page_shows_findings_and_fixes(inspection: Inspection) -> None:
    page = render_inspection(inspection, title="Toy inspection")
    assert "<title>Toy inspection</title>" in page
    assert {"leakage", "imbalance", "small_data"} <= {f.code for f in inspection.findings}
    for finding in inspection.findings:
        assert _text(finding.message) in page
        assert _text(finding.fix) in page
    assert "Fix:" in page and "Identical sequences across parts" in page


def test_page_is_escaped(inspection: Inspection) -> None:
    page = render_inspection(inspection, title=f"Title {EVIL}")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_page_is_self_contained(inspection: Inspection) -> None:
    page = render_inspection(inspection, title="Toy")
    assert not re.search(r"https?://", page)
    assert "<link" not in page and 'src="http' not in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    # A length histogram per part and one class-balance chart.
    assert len(images) == 3
    for data in images:
        png = base64.b64decode(data)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"http" not in png and b"Software" not in png


def test_regression_and_unlabelled_pages(rng: np.random.Generator) -> None:
    seqs = ["".join(row) for row in rng.choice(list("ACGT"), size=(30, 20))]
    y = pd.DataFrame({"expression": rng.lognormal(size=30)})
    result = inspect_sequences({"train": SequenceSet.from_strings(seqs, labels=y)})
    page = render_inspection(result, title="Regression")
    assert "Skewness" in page and page.count("data:image/png;base64,") == 1
    bare = inspect_sequences({"x.fa": SequenceSet.from_strings(seqs)})
    page = render_inspection(bare, title="Unlabelled")
    assert "task: unlabelled" in page and "<h2>Labels</h2>" not in page


def test_write_inspection_is_atomic(inspection: Inspection, tmp_path: Path) -> None:
    target = tmp_path / "out" / "inspection.html"
    assert write_inspection(inspection, target, title="Toy") == target
    assert target.read_text(encoding="utf-8") == render_inspection(inspection, title="Toy")
    assert target.stat().st_mode & 0o777 == file_mode()
    assert [p.name for p in target.parent.iterdir()] == ["inspection.html"]


def test_failed_write_leaves_old_file(
    inspection: Inspection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "inspection.html"
    target.write_text("old", encoding="utf-8")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("biodl.report.inspection.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_inspection(inspection, target, title="Toy")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["inspection.html"]


def _text(plain: str) -> str:
    import html

    return html.escape(plain, quote=True)


def test_any_kind_renders_its_tables_and_figures_escaped() -> None:
    from biodl.data.checks.result import Bars, Histogram, Lines, LineSeries, Table
    from biodl.data.checks.timeseries import inspect_timeseries
    from biodl.data.timeseries import TimeSeriesSet

    x = np.tile(np.linspace(0, 1, 12), (8, 1))
    x[:, 0] = np.arange(8)
    result = inspect_timeseries({"train": TimeSeriesSet.from_array(x, labels=["a", "b"] * 4)})
    result.tables.append(Table(EVIL, ["Cell", EVIL], [[EVIL, "1"]], note=EVIL))
    result.figures = [
        Histogram("H", "a histogram", "t", "x", "y", [0.0, 1.0, 2.0], [3, 4], 1.0, EVIL),
        Bars("B", "bars", "t", "y", ["p", "q"], {"train": [0.5, 0.2]}, {"train": ["5", "2"]}),
        Lines("L", "lines", "t", "x", "y", [0.0, 1.0], [LineSeries("m", [1, 2], [0, 1], [2, 3])]),
    ]
    page = render_inspection(result, title="Series")
    assert "timeseries data · 1 part" in page and "<h2>Channels</h2>" in page
    assert "<script" not in page and page.count("&lt;script&gt;") >= 4
    # Three figure specs and one class-balance chart.
    assert page.count("data:image/png;base64,") == 4
    for heading in ("H.", "B.", "L.", "Class balance of label."):
        assert f"<strong>{heading}</strong>" in page
