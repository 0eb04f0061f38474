"""The shared parts every report page is built from: the page shell, a verdict box, warnings,
facts, figures with captions and alt text, text sections and the reproducibility block.

Each command's page (:mod:`~biodl.report.html` for ``train``, :mod:`~biodl.report.crossval`,
:mod:`~biodl.report.tuning`, :mod:`~biodl.report.embedding`, :mod:`~biodl.report.inspection`
and ``explain``) picks the parts that apply to it and passes their HTML to :func:`page`. Tables
are in :mod:`biodl.report.tables`.

A page is one self-contained file: inline CSS, figures as data URIs, at most a few lines of
inline script (sorting tables), and a Content-Security-Policy that forbids every request, so a
browser opening it fetches nothing.

Examples
--------
>>> html = page("Toy", [verdict_box("All good."), section_html("Notes", "One.\\n\\nTwo.")])
>>> html.startswith("<!DOCTYPE html>") and "<p>Two.</p>" in html
True
"""

from __future__ import annotations

import base64
import html
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CSP",
    "CSS",
    "DISPLAY_DPI",
    "SORT_SCRIPT",
    "Figure",
    "esc",
    "facts_html",
    "figure_html",
    "figures_html",
    "image_html",
    "page",
    "reproducibility_html",
    "section_html",
    "verdict_box",
    "warnings_box",
]

#: Pixels per inch a figure is shown at; PNGs saved at a higher DPI are shown at this size, so
#: they stay sharp when zoomed or on high-density screens.
DISPLAY_DPI = 120

_IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

#: Forbids every request: images come from data URIs, style and script are inline.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

CSS = """
:root { --ink: #1b1f24; --muted: #59636e; --line: #d5dbe1; --accent: #0072b2;
        --warn-bg: #fff4e0; --warn-line: #e69f00; --good-bg: #eef6fb; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; font-size: 16px; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.1em; overflow-wrap: anywhere; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em;
     border-bottom: 1px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 1em; overflow-wrap: anywhere; }
.verdict { font-size: 1.15em; font-weight: 600; background: var(--good-bg);
           border-left: 5px solid var(--accent); padding: 12px 16px; margin: 1em 0; }
.warnings { background: var(--warn-bg); border-left: 5px solid var(--warn-line);
            padding: 8px 16px; margin: 1em 0; }
.warnings h2 { border: 0; margin: 0.3em 0; font-size: 1.1em; }
.warnings ul { margin: 0.3em 0 0.6em; padding-left: 1.2em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.95em; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
td { overflow-wrap: break-word; }
thead th { border-bottom: 2px solid var(--ink); }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; text-align: right;
         overflow-wrap: normal; }
th.num, table.headline th + th { text-align: right; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th::after { content: "\\00a0\\2195"; color: var(--muted);
                                 font-size: 0.8em; }
table.sortable thead th[aria-sort="ascending"]::after { content: "\\00a0\\2191"; }
table.sortable thead th[aria-sort="descending"]::after { content: "\\00a0\\2193"; }
table.facts th { width: 32%; font-weight: 600; color: var(--muted); }
table.facts td { overflow-wrap: anywhere; }
.how { color: var(--muted); font-size: 0.95em; }
figure { margin: 1.2em 0 1.8em; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.92em; margin-top: 0.4em; }
.missing { color: #a33; font-style: italic; }
details { margin: 0.6em 0; }
summary { cursor: pointer; font-weight: 600; }
h3.env { font-size: 1em; margin: 1em 0 0.3em; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 10px 12px;
      overflow-x: auto; font-size: 0.85em; white-space: pre-wrap;
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
footer { color: var(--muted); font-size: 0.85em; margin-top: 3em; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { page-break-after: avoid; break-after: avoid; }
  .verdict, .warnings { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .verdict, .warnings, table, tr { page-break-inside: avoid; break-inside: avoid; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary::marker { content: ""; }
  figure img { max-height: 22cm; width: auto; }
  pre { white-space: pre-wrap; overflow: visible; }
  .scroll { overflow: visible; }
}
"""

#: Sorts a ``table.sortable`` by the clicked column: numbers by their raw value (``data-v``),
#: text alphabetically, empty cells last; a second click reverses. No network, no library.
SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.tabIndex = 0;
    function key(row) {
      var td = row.cells[col];
      if (!td) { return null; }
      var v = td.getAttribute("data-v");
      if (v !== null) { return parseFloat(v); }
      return td.classList.contains("num") ? null : td.textContent;
    }
    function sort() {
      var up = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) { return (x === null) - (y === null); }
        var c = typeof x === "number" && typeof y === "number" ? x - y
          : String(x).localeCompare(String(y), undefined, {numeric: true});
        return up ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
});
"""


def esc(text: object) -> str:
    """``text`` as HTML-escaped text (quotes included)."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Figure:
    """An image file to embed in a report (PNG or JPEG).

    Parameters
    ----------
    title : str
        Short heading shown above the caption.
    path : Path
        Image file; it is read and embedded, so the report does not depend on it later. A
        missing or unreadable file is reported in the page instead of failing the report.
    caption : str, default ""
        One or two plain sentences saying what the figure shows and how to read it.
    alt : str, default ""
        Text read out in place of the image; empty: the title and the caption.
    """

    title: str
    path: Path
    caption: str = ""
    alt: str = ""


def page(
    title: str,
    body: Sequence[str],
    *,
    subtitle: str = "",
    extra_css: str = "",
    footer: str = "Generated by biodl.",
) -> str:
    """A complete HTML document: header, the body parts in order, footer.

    Parameters
    ----------
    title : str
        ``<title>`` and the ``<h1>``.
    body : sequence of str
        HTML parts (from the other helpers of this module and :mod:`biodl.report.tables`).
    subtitle : str, default ""
        Shown under the title.
    extra_css : str, default ""
        Appended to :data:`CSS`.
    footer : str, default "Generated by biodl."
        First words of the footer.

    Returns
    -------
    str
        The page; the sorting script is included only when a table is sortable.
    """
    content = "\n".join(body)
    script = f"<script>{SORT_SCRIPT}</script>" if 'class="sortable"' in content else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}{extra_css}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="subtitle">{esc(subtitle)}</p>' if subtitle else "",
        "</header>",
        content,
        f"<footer>{esc(footer)} This file is self-contained: it needs no network connection "
        "and no other files.</footer>",
        "</main>",
        script,
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def verdict_box(text: str) -> str:
    """The one-sentence answer at the top of a page."""
    return f'<p class="verdict">{esc(text)}</p>' if text else ""


def warnings_box(warnings: Sequence[str], heading: str = "Warnings") -> str:
    """A highlighted list of warnings; empty when there are none."""
    if not warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return f'<section class="warnings"><h2>{esc(heading)}</h2><ul>{items}</ul></section>'


def facts_html(pairs: Sequence[tuple[str, str]] | Mapping[str, str], heading: str = "") -> str:
    """A two-column table of ``(name, value)`` facts, under ``heading`` when given."""
    items = list(pairs.items() if isinstance(pairs, Mapping) else pairs)
    if not items:
        return ""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in items)
    head = f"<h2>{esc(heading)}</h2>" if heading else ""
    return f'{head}<table class="facts"><tbody>{rows}</tbody></table>'


def section_html(heading: str, text: str) -> str:
    """A section of plain text; blank lines separate paragraphs."""
    paragraphs = "".join(f"<p>{esc(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    return f"<h2>{esc(heading)}</h2>{paragraphs}"


def _png_size(data: bytes) -> tuple[int, int, float | None]:
    """Width, height and DPI (from the pHYs chunk, None when absent) of a PNG."""
    width, height = struct.unpack(">II", data[16:24])
    at = data.find(b"pHYs", 33)
    dpi = None
    if at > 0:
        x, _, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
        dpi = x * 0.0254 if unit == 1 and x else None
    return width, height, dpi


def image_html(data: bytes, mime: str, alt: str) -> str:
    """An ``<img>`` with ``data`` as a data URI; a high-DPI PNG is shown at :data:`DISPLAY_DPI`."""
    size = ""
    if mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 24:
        width, height, dpi = _png_size(data)
        if dpi is not None and dpi > DISPLAY_DPI * 1.05:
            scale = DISPLAY_DPI / dpi
            size = f' width="{round(width * scale)}" height="{round(height * scale)}"'
        else:
            size = f' width="{width}" height="{height}"'
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:{mime};base64,{encoded}"{size} alt="{esc(alt)}">'


def figure_html(fig: Figure) -> str:
    """A ``<figure>``: the embedded image (or a note when the file is missing) and its caption."""
    path = Path(fig.path)
    mime = _IMAGE_TYPES.get(path.suffix.lower())
    caption = f"<figcaption><strong>{esc(fig.title)}.</strong> {esc(fig.caption)}</figcaption>"
    try:
        data = path.read_bytes() if mime else b""
    except OSError:
        data = b""
    if not data or mime is None:
        reason = "is not a PNG or JPEG file" if mime is None else "could not be read"
        note = f'<p class="missing">Figure file {esc(path.name)} {reason}.</p>'
        return f"<figure>{note}{caption}</figure>"
    alt = fig.alt or (f"{fig.title}. {fig.caption}" if fig.caption else fig.title)
    return f"<figure>{image_html(data, mime, alt)}{caption}</figure>"


def figures_html(figures: Sequence[Figure], heading: str = "Figures") -> str:
    """The figures in order under one heading; empty without figures."""
    if not figures:
        return ""
    return f"<h2>{esc(heading)}</h2>" + "".join(figure_html(f) for f in figures)


def reproducibility_html(config_yaml: str, environment: Mapping[str, str]) -> str:
    """The resolved configuration (collapsed) and the environment (shown open)."""
    if not config_yaml and not environment:
        return ""
    out = ["<h2>Reproducibility</h2>"]
    if config_yaml:
        out.append(
            "<details><summary>Resolved configuration (YAML)</summary>"
            f"<pre>{esc(config_yaml)}</pre></details>"
        )
    if environment:
        # Shown open: versions and seed are what a reader needs to reproduce the run, and a
        # collapsed block would be missing from a printed copy.
        out.append('<h3 class="env">Environment (versions, seed, device)</h3>')
        out.append(facts_html(environment))
    return "".join(out)
