"""Tests of the HTML report: self-contained, escaped, atomic."""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path

import numpy as np
import pytest

from biodl.report.figures import CurveSet, file_mode, roc_curves
from biodl.report.html import (
    Figure,
    Interval,
    ReportContent,
    SummaryRow,
    render_report,
    write_report,
)

EVIL = "<script>alert('x')</script>"


@pytest.fixture
def roc_png(tmp_path: Path) -> Path:
    y = np.array([0, 0, 1, 1, 0, 1])
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    return roc_curves([CurveSet("CNN", y, score)], tmp_path / "roc.png")


def make_report(figure_path: Path, **changes: object) -> ReportContent:
    report = ReportContent(
        title="Splice sites",
        subtitle="biodl 0.1.0 · 2026-11-22 14:03 · run dir runs/demo",
        verdict="The CNN beat the k-mer baseline: AUROC 0.95 vs 0.90.",
        summary_rows=[
            SummaryRow("AUROC", Interval(0.95, 0.93, 0.97), Interval(0.90, 0.87, 0.92)),
            SummaryRow("RMSE", Interval(1.5, 1.2, 1.8), Interval(1.1, 0.9, 1.3)),
        ],
        model_name="CNN",
        baseline_name="Logistic regression on 4-mers",
        data_facts=[("Training file", "splice.fa"), ("Alphabet", "DNA")],
        warnings=["12 test sequences also occur in the training set."],
        figures=[Figure("ROC curve", figure_path, "Higher and further left is better.")],
        config_yaml="model:\n  name: cnn\n",
        environment={"python": "3.11", "seed": "0"},
        sections=[("Interpretation", "First paragraph.\n\nSecond paragraph.")],
    )
    for name, value in changes.items():
        setattr(report, name, value)
    return report


def test_render_contains_verdict_table_and_facts(roc_png: Path) -> None:
    page = render_report(make_report(roc_png))
    assert page.startswith("<!DOCTYPE html>")
    assert '<p class="verdict">The CNN beat the k-mer baseline: AUROC 0.95 vs 0.90.</p>' in page
    assert "<th>CNN (95% CI)</th>" in page
    assert "<th>Logistic regression on 4-mers (95% CI)</th>" in page
    assert "<th>Training file</th><td>splice.fa</td>" in page
    assert "12 test sequences also occur" in page
    assert "<p>First paragraph.</p>" in page and "<p>Second paragraph.</p>" in page
    assert (
        "<details><summary>Resolved configuration (YAML)</summary><pre>model:\n  name: cnn" in page
    )
    assert "<th>seed</th><td>0</td>" in page
    assert "How to read this report" in page and "bootstrap" in page


def test_better_value_is_bold_in_the_right_direction(roc_png: Path) -> None:
    page = render_report(make_report(roc_png))
    # AUROC: higher wins, the model; RMSE: lower wins, the baseline.
    assert '<td class="num"><strong>0.950 [0.930, 0.970]</strong></td>' in page
    assert '<td class="num">0.900 [0.870, 0.920]</td>' in page
    assert '<td class="num">1.50 [1.20, 1.80]</td>' in page
    assert '<td class="num"><strong>1.10 [0.90, 1.30]</strong></td>' in page


def test_explicit_direction_nan_and_ties(roc_png: Path) -> None:
    rows = [
        SummaryRow("Odd score", Interval(2.0, 1.0, 3.0), Interval(1.0), higher_is_better=False),
        SummaryRow("MCC", Interval(math.nan), Interval(0.4)),
        SummaryRow("F1", Interval(0.5), Interval(0.5)),
    ]
    page = render_report(make_report(roc_png, summary_rows=rows))
    assert '<td class="num">2.00 [1.00, 3.00]</td><td class="num"><strong>1.00</strong>' in page
    assert '<td class="num">—</td><td class="num">0.400</td>' in page
    assert '<td class="num">0.500</td><td class="num">0.500</td>' in page


def test_user_strings_are_escaped(roc_png: Path) -> None:
    report = make_report(
        roc_png,
        title=EVIL,
        subtitle=EVIL,
        verdict=EVIL,
        model_name=EVIL,
        baseline_name=EVIL,
        summary_rows=[SummaryRow(EVIL, Interval(1.0), Interval(0.0))],
        data_facts=[(EVIL, EVIL)],
        warnings=[EVIL],
        figures=[Figure(EVIL, roc_png, EVIL)],
        config_yaml=EVIL,
        environment={EVIL: EVIL},
        sections=[(EVIL, EVIL)],
    )
    page = render_report(report)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") >= 15


def test_page_is_self_contained(roc_png: Path) -> None:
    page = render_report(make_report(roc_png))
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "@import" not in page
    match = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert base64.b64decode(match.group(1)) == roc_png.read_bytes()


def test_missing_or_unsupported_figure_is_noted(tmp_path: Path) -> None:
    svg = tmp_path / "plot.svg"
    svg.write_text("<svg/>")
    figures = [Figure("Gone", tmp_path / "gone.png"), Figure("Vector", svg)]
    page = render_report(make_report(tmp_path / "gone.png", figures=figures))
    assert "Figure file gone.png could not be read." in page
    assert "Figure file plot.svg is not a PNG or JPEG file." in page
    assert "<img" not in page


def test_minimal_report_renders(tmp_path: Path) -> None:
    page = render_report(ReportContent(title="T", verdict="No baseline was run."))
    assert "No baseline was run." in page
    assert "No metrics were computed." in page
    assert "Warnings" not in page and "Reproducibility" not in page and "<figure" not in page


def test_write_report_is_atomic_and_complete(tmp_path: Path, roc_png: Path) -> None:
    out = tmp_path / "run" / "report.html"
    report = make_report(roc_png)
    assert write_report(report, out) == out
    assert out.read_text(encoding="utf-8") == render_report(report)
    assert out.stat().st_mode & 0o777 == file_mode()
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]


def test_write_report_keeps_old_file_on_failure(
    tmp_path: Path, roc_png: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import biodl.report.html as html_module

    out = tmp_path / "report.html"
    out.write_text("old")

    def fail_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(html_module.os, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        write_report(make_report(roc_png), out)
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "roc.png"]
