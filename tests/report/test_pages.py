"""Each command's page says only what applies to it, shows its numbers in the one format and
its tables as tables, and parses as HTML5 without errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

#: Sentences (or headings) that belong to one kind of page: each must appear on its own page
#: and on no other.
OWN_TEXT = {
    "train": [
        "Every deep model in biodl is trained beside a classical baseline",
        "confidence interval obtained by bootstrap",
        "Results on the test set",
    ],
    "cv": ["corrected resampled t-test", "cross-validation folds", "per fold"],
    "tune": ["Pruned trials were stopped early", "Optimisation history", "complete trials"],
    "embed": ["Silhouette (-1..1)", "kNN accuracy", "Comparison of the methods"],
    "inspect": ["<h2>Parts</h2>", "Class balance of"],
    "explain": ["Explanation of", "Attributions ("],
    "compare": ["Options that differ", "Validation AUROC per epoch", "Comparison of 2 runs"],
    "generate": ["Checks against held-out real rows", "the model beside the classical samplers"],
    "score": ["How to read the scores", "Language model minus PSSM"],
    "language-model": ["Markov models tried", "Validation perplexity per epoch"],
    "generate-lm": [
        "Sequences drawn from a language model",
        "Generated sequences against the training sequences",
    ],
    "forecast": ["Lineage forecast: which sites change next season", "The forecast beside the"],
}

#: Text that no page of these runs should show.
NOWHERE = ["No metrics were computed", "name=value", "deep-vs-baseline"]


class _Text(HTMLParser):
    """Visible text of a page, without style, script, attribute values and ``<pre>`` (the
    resolved configuration keeps its exact values)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("style", "script", "pre")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script", "pre")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


@pytest.mark.parametrize("kind", list(OWN_TEXT))
def test_each_page_says_only_what_applies_to_it(report_pages: dict[str, Path], kind: str) -> None:
    page = report_pages[kind].read_text(encoding="utf-8")
    for text in OWN_TEXT[kind]:
        assert text in page, f"{kind} page lacks its own text {text!r}"
    for other, texts in OWN_TEXT.items():
        if other != kind:
            for text in texts:
                assert text not in page, f"{kind} page shows {other}'s text {text!r}"
    for text in NOWHERE:
        assert text not in page, f"{kind} page shows {text!r}"


@pytest.mark.parametrize("kind", list(OWN_TEXT))
def test_numbers_are_short_and_tables_are_tables(report_pages: dict[str, Path], kind: str) -> None:
    page = report_pages[kind].read_text(encoding="utf-8")
    text = visible_text(page)
    long_numbers = re.findall(r"\d\.\d{7,}", text)
    assert not long_numbers, f"{kind}: long numbers {long_numbers[:3]}"
    # 'name=value, name=value' lines were how tables used to be printed
    assert not re.search(r"\w=[-\d.]+, \w+=", text), kind
    # ± with more decimals after it than before it ('0.994 ± 0.000653')
    for mean, sd in re.findall(r"(\d+\.\d+) ± (\d+\.\d+)", text):
        assert len(sd.split(".")[1]) == len(mean.split(".")[1]), (kind, mean, sd)


def test_long_tables_sort_and_write_csv(report_pages: dict[str, Path]) -> None:
    cv = report_pages["cv"].read_text(encoding="utf-8")
    assert '<table class="sortable">' in cv and "<script>" in cv
    assert "tables/per_fold.csv" in cv
    folds = (report_pages["cv"].parent / "tables" / "per_fold.csv").read_text().splitlines()
    assert folds[0].startswith("Fold,") and len(folds) == 1 + 3
    tune = report_pages["tune"].read_text(encoding="utf-8")
    assert '<table class="sortable">' in tune and "Trial</th>" in tune
    assert "Parameter importances need at least 10 complete trials; this search has" in tune
    embed = report_pages["embed"].read_text(encoding="utf-8")
    assert "drawn through a 2-D UMAP of the embedding" in embed or "principal" in embed
    assert "First two dimensions" in embed


@pytest.mark.parametrize("kind", [*OWN_TEXT, "compare-cv"])
def test_pages_parse_as_html5_without_errors(report_pages: dict[str, Path], kind: str) -> None:
    html5lib = pytest.importorskip("html5lib")
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(report_pages[kind].read_text(encoding="utf-8"))
    assert not parser.errors


def test_compare_page_of_train_and_cv_runs_ranks_them_apart(report_pages: dict[str, Path]) -> None:
    page = visible_text(report_pages["compare-cv"].read_text(encoding="utf-8"))
    assert "Among the runs scored on the held-out test part: Best run: train" in page
    assert "Among the cross-validation runs (mean ± sd over folds): Best run: cv" in page
    assert "Per fold" in page and "the groups are not ranked against each other" in page
    for text in NOWHERE:
        assert text not in page
