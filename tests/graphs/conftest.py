from __future__ import annotations

from pathlib import Path

import pytest
from graph_data import planted_graphs, write_tu


@pytest.fixture
def tu_folder(tmp_path: Path) -> Path:
    """160 planted graphs in a TU folder (class 1: a node coded 1 next to one coded 2)."""
    return write_tu(tmp_path / "toy", *planted_graphs())
