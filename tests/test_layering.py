"""The package's dependencies point one way, with no import cycle and no private name imported
from another module (DESIGN.md rule 16; docs/architecture.md draws the layers).

The checker is run on the package, and on small planted packages to show that it fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "biodl"

#: Layers, lowest first: a module may import its own layer and the layers before it.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "biodl.errors",
        "biodl.options",
        "biodl.config",
        "biodl._io",
        "biodl.run_log",
        "biodl.run_lock",
    ),
    ("biodl.data",),
    ("biodl.models",),
    ("biodl.evaluation",),  # metrics are computed while training (validation, early stopping)
    ("biodl.training",),
    ("biodl.interpret",),
    ("biodl.report",),
    ("biodl.kinds",),
    ("biodl.runs", "biodl.runs_partial"),
    ("biodl.pipeline",),
    ("biodl.estimators",),
    ("biodl.api",),
    ("biodl.cli", "biodl.__main__"),
)


def layer_of(module: str) -> int | None:
    """Index of the layer holding ``module`` (None for the package itself, the lazy facade).

    A kind's option declarations (``biodl.kinds.<kind>_options``) are in the lowest layer with
    :mod:`biodl.options`, whose helpers alone they import: the config is made from them.
    """
    if module.startswith("biodl.kinds.") and module.endswith("_options"):
        return 0
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str, int]]:
    """``(target module, imported name, line)`` of every import of the package in ``path``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((full if full in known else base, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(alias.name, "", node.lineno) for alias in node.names]
    root = next(iter(known)).split(".")[0]
    return [(t, n, line) for t, n, line in out if t == root or t.startswith(root + ".")]


def violations(root: Path) -> list[str]:
    """Upward imports, private names imported across modules, and import cycles under ``root``.

    Parameters
    ----------
    root : Path
        The package folder (its name is the top-level package).
    """
    known = _modules(root)
    problems, edges = [], {}
    for name, path in sorted(known.items()):
        for target, imported, line in _imports(name, path, known):
            if target == name:
                continue
            where = f"{path.relative_to(root.parent)}:{line}"
            if imported.startswith("_") and not imported.startswith("__"):
                problems.append(f"{where}: private name {target}.{imported} imported")
            low, high = layer_of(name), layer_of(target)
            if low is not None and high is not None and high > low:
                problems.append(f"{where}: {name} (layer {low}) imports {target} (layer {high})")
            if not (target.startswith(name + ".") or name.startswith(target + ".")):
                edges.setdefault(name, set()).add(target)
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in _cycles(edges)]
    return problems


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative enough)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_biodl_layers_point_one_way() -> None:
    assert violations(PACKAGE) == []


def test_every_subpackage_has_a_layer() -> None:
    top = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir() if p.suffix in ("", ".py")}
    top -= {"__init__", "__pycache__", "py.typed"}
    assert all(layer_of(f"biodl.{name}") is not None for name in top), sorted(
        name for name in top if layer_of(f"biodl.{name}") is None
    )


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "biodl"
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    return root


def test_the_checker_fails_on_planted_violations(tmp_path: Path) -> None:
    root = _plant(
        tmp_path,
        {
            "data/reader.py": "from biodl.report.html import render\n",  # upward
            "report/html.py": "def render(): ...\ndef _esc(): ...\n",
            "report/figures.py": "from biodl.report.html import _esc\n",  # private
            "pipeline/a.py": "from biodl.pipeline import b\n",  # cycle a <-> b
            "pipeline/b.py": "def f():\n    from biodl.pipeline.a import g\n",
        },
    )
    found = violations(root)
    assert any(
        "biodl.data.reader (layer 1) imports biodl.report.html (layer 6)" in p for p in found
    )
    assert any("private name biodl.report.html._esc imported" in p for p in found)
    assert "import cycle: biodl.pipeline.a -> biodl.pipeline.b" in found
    assert len(found) == 3


def test_the_checker_accepts_a_clean_package(tmp_path: Path) -> None:
    root = _plant(
        tmp_path,
        {
            "data/reader.py": "from biodl.errors import DataError\n",
            "report/html.py": "from biodl.data.reader import DataError\n",
        },
    )
    assert violations(root) == []
