"""The Python API takes ``pathlib.Path`` wherever an option names a file."""

from __future__ import annotations

from pathlib import Path

import pytest

import biodl


@pytest.mark.parametrize("command", ["cross_validate", "tune"])
def test_file_options_may_be_paths(command, motif_fasta, tmp_path, monkeypatch):
    import biodl.pipeline.cv as cv
    import biodl.pipeline.tune as tune

    seen = {}
    monkeypatch.setattr(cv, "run_cv", lambda cfg, **kw: seen.setdefault("cfg", cfg))
    monkeypatch.setattr(tune, "run_tune", lambda cfg, **kw: seen.setdefault("cfg", cfg))
    run = tmp_path / "run"
    getattr(biodl, command)(
        Path(motif_fasta), test=Path(motif_fasta), init_from=run, out=tmp_path / "out"
    )
    assert seen["cfg"].data.train == seen["cfg"].data.test == str(motif_fasta)
    assert seen["cfg"].train.init_from == str(run)
