"""Each kind of report opened in headless Chromium: every image loads, nothing is wider than a
1,280-pixel window, and the page requests nothing from the network.

Skipped where no ``chromium`` (or ``chromium-browser``, ``google-chrome``) is on the PATH.
The page is copied with a small script added at the top of ``<head>``: a Content-Security-
Policy of its own that blocks any request and reports it, and a check run on ``load`` that
writes its findings into the DOM, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

BROWSER = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="needs chromium (headless)")

WIDTH = 1280

_PROBE = """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;
 style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<script>
window.__blocked = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__blocked.push(e.blockedURI + " (" + e.violatedDirective + ")");
});
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var box = el.getBoundingClientRect();
    var clipped = el.closest(".scroll, pre, details:not([open])");
    if (!clipped && box.width > 0 && box.right > window.innerWidth + 1) {
      wide.push(el.tagName + "." + el.className + " right=" + Math.round(box.right));
    }
  });
  var report = {
    width: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    images: images.length,
    broken: images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
      .map(function (i) { return i.alt.slice(0, 60); }),
    unlabelled: images.filter(function (i) { return !i.alt; }).length,
    wide: wide.slice(0, 5),
    resources: performance.getEntriesByType("resource").map(function (r) { return r.name; }),
    blocked: window.__blocked
  };
  var out = document.createElement("pre");
  out.id = "biodl-probe";
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
});
</script>"""


def probe(page: Path, tmp_path: Path) -> dict[str, object]:
    """Open a copy of ``page`` with the probe in headless Chromium; return its findings."""
    html = page.read_text(encoding="utf-8")
    copy = tmp_path / f"probe-{page.parent.name}-{page.name}"
    copy.write_text(html.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
    done = subprocess.run(
        [
            str(BROWSER),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--window-size={WIDTH},900",
            "--virtual-time-budget=3000",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="biodl-probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no probe output; stderr: {done.stderr[-1500:]}"
    text = found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    return dict(json.loads(text.replace("&amp;", "&")))


@pytest.mark.parametrize(
    "kind",
    [
        "train",
        "cv",
        "tune",
        "embed",
        "inspect",
        "explain",
        "compare",
        "compare-cv",
        "generate",
        "score",
        "language-model",
        "generate-lm",
        "forecast",
    ],
)
def test_page_in_a_browser(report_pages: dict[str, Path], kind: str, tmp_path: Path) -> None:
    found = probe(report_pages[kind], tmp_path)
    assert found["width"] == WIDTH
    assert found["images"], f"{kind}: no image on the page"
    assert found["broken"] == [], f"{kind}: images that did not load: {found['broken']}"
    assert found["unlabelled"] == 0, f"{kind}: images without alt text"
    assert found["scrollWidth"] <= WIDTH, f"{kind}: page {found['scrollWidth']} px wide"
    assert found["wide"] == [], f"{kind}: wider than the window: {found['wide']}"
    assert found["blocked"] == [] and found["resources"] == [], (
        f"{kind}: requests {found['blocked']} {found['resources']}"
    )
