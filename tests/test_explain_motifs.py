"""biodl explain's motifs on the demo (planted GATAAG and CACGTG): found from the first-layer
filters and from the attributions, matched to the planted PWMs, written, drawn; bad motif files
fail cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.demo import MOTIF_A, MOTIF_B
from biodl.errors import DataError
from biodl.interpret.motif_files import read_motifs, write_meme
from biodl.interpret.motifs import Motif

runner = CliRunner()
TINY = Path(__file__).parent / "interpret" / "data" / "tiny.meme"
PLANTED = {"planted_gata": MOTIF_A, "planted_ebox": MOTIF_B}


def _pwm(letters: str) -> np.ndarray:
    return np.eye(4)[["ACGT".index(c) for c in letters]] * 0.96 + 0.01


def _reverse_complement(letters: str) -> str:
    return letters[::-1].translate(str.maketrans("ACGT", "TGCA"))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, Path]:
    """A CNN trained on 800 demo sequences of 80 bp (as tests/test_explain.py trains it)."""
    from biodl.config import RunConfig
    from biodl.data.demo import write_demo_fasta
    from biodl.pipeline.train import run_training

    folder = tmp_path_factory.mktemp("explain_motifs")
    fasta = write_demo_fasta(folder / "motifs.fa", n=800, length=80, seed=3)
    cfg = RunConfig.from_dict(
        {
            "data": {"train": str(fasta)},
            "model": {"name": "cnn"},
            "train": {"epochs": 12, "seed": 0},
            "baseline": {"name": "fast"},
            "evaluate": {"n_bootstrap": 20},
        }
    )
    run_training(cfg, out=folder / "run", progress=False)
    return folder / "run", fasta


@pytest.fixture(scope="module")
def planted_database(tmp_path_factory) -> Path:
    """The two planted PWMs and four unrelated decoys (AP-1, ETS, FOX, CCAAT-like)."""
    decoys = [m for m in read_motifs(TINY) if m.id in ("T3", "T4", "T5", "T6")]
    planted = [Motif(name, _pwm(letters), name=name) for name, letters in PLANTED.items()]
    return write_meme(planted + decoys, tmp_path_factory.mktemp("db") / "planted.meme")


@pytest.fixture(scope="module")
def explained(demo_run, planted_database, tmp_path_factory):
    from biodl import api

    run, fasta = demo_run
    out = tmp_path_factory.mktemp("out") / "explain"
    return api.explain(
        run, fasta, out=out, show_examples=2, motifs=str(planted_database), progress=False
    )


@pytest.mark.parametrize("source", ["attributions", "filter"])
@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_motif_is_recovered_and_matched_as_top_hit(explained, source, name):
    table = explained.motifs.table
    letters = PLANTED[name]
    found = table[(table["source"] == source) & (table["best_match"] == name)]
    assert (found["q_value"] < 0.05).any(), table.sort_values("q_value").head(10)
    hits = found[found["q_value"] < 0.05]
    # the motif itself reads the planted letters (on either strand)
    assert any(letters in c or _reverse_complement(letters) in c for c in hits["consensus"]), hits
    assert (hits["mean_effect"] > 0).all() and (hits["n_sequences"] > 0).all()


def test_motif_files_logos_and_report(explained):
    out = explained.out
    table = pd.read_csv(out / "motifs.csv")
    assert list(table.columns) == [
        "motif",
        "source",
        "consensus",
        "width",
        "n_sequences",
        "n_sites",
        "mean_effect",
        "best_match",
        "best_match_name",
        "p_value",
        "q_value",
    ]
    written = read_motifs(out / "motifs.meme")
    assert sorted(m.id for m in written) == sorted(table["motif"])
    matches = pd.read_csv(out / "motif_matches.csv")
    assert set(matches["query"]) == set(table["motif"])
    for png in ("motifs_attributions.png", "motifs_filters.png"):
        assert (out / "plots" / png).read_bytes()[:4] == b"\x89PNG"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "First-layer filter motifs" in report and "planted_ebox" in report
    assert " activate on all 800 explained sequences (sites:" in report
    assert "of 6 motifs of planted.meme" in report or "6 motifs of planted.meme" in report


def test_without_a_database_motifs_are_found_but_not_matched(demo_run, tmp_path):
    from biodl import api

    run, fasta = demo_run
    result = api.explain(run, fasta, out=tmp_path / "out", show_examples=1, progress=False)
    table = result.motifs.table
    assert set(table["source"]) == {"attributions", "filter"}
    assert table["q_value"].isna().all() and (table["best_match"] == "").all()
    assert any(MOTIF_B in c for c in table.loc[table["source"] == "attributions", "consensus"])
    assert (result.out / "motifs.meme").is_file()
    assert not (result.out / "motif_matches.csv").exists()
    assert "unmatched" in (result.out / "report.html").read_text(encoding="utf-8")


def test_cli_reads_jaspar_and_refuses_a_file_that_is_not_meme_or_jaspar(demo_run, tmp_path):
    run, fasta = demo_run
    bad = tmp_path / "motifs.csv"
    bad.write_text("id,sequence\nm1,GATAAG\n")
    got = runner.invoke(
        app,
        ["explain", str(run), str(fasta), "--out", str(tmp_path / "x"), "--motifs", str(bad)],
    )
    assert got.exit_code == 2
    assert "not a MEME or JASPAR motif file" in got.output
    assert len(got.output.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists() and list(tmp_path.iterdir()) == [bad]

    jaspar = tmp_path / "planted.jaspar"
    blocks = []
    for name, letters in PLANTED.items():
        counts = (np.eye(4)[["ACGT".index(c) for c in letters]] * 100).astype(int)
        rows = "\n".join(
            f"{a} [ {' '.join(map(str, counts[:, j]))} ]" for j, a in enumerate("ACGT")
        )
        blocks.append(f">{name} {name}\n{rows}\n")
    jaspar.write_text("".join(blocks))
    args = ["--out", str(tmp_path / "y"), "--motifs", str(jaspar), "--show-examples", "1", "-q"]
    got = runner.invoke(app, ["explain", str(run), str(fasta), *args])
    assert got.exit_code == 0, got.output
    table = pd.read_csv(tmp_path / "y" / "motifs.csv")
    assert set(table["best_match"].dropna()) <= set(PLANTED)
    assert (table["q_value"] < 0.05).any()


def test_motif_database_is_refused_for_a_run_that_is_not_dna_or_rna(tmp_path):
    from biodl.pipeline.explain_motifs import read_database

    path = write_meme([Motif("m", _pwm("GATAAG"))], tmp_path / "m.meme")
    with pytest.raises(DataError, match="DNA/RNA sequence runs; this run is on expression"):
        read_database(path, {"kind": "expression", "inputs": {}})
    with pytest.raises(DataError, match="DNA/RNA sequence runs; this run is on sequence data"):
        read_database(path, {"kind": "sequence", "inputs": {"alphabet": "protein"}})
    rna = read_database(path, {"kind": "sequence", "inputs": {"alphabet": "rna"}})
    assert rna[0].alphabet == "ACGT"


@pytest.mark.parametrize("batch_norm", [False, True])
def test_filter_activations_are_the_first_block_before_pooling(batch_norm):
    import torch

    from biodl.interpret.filters import first_layer_activations
    from biodl.models.cnn import CNN
    from biodl.pipeline.explain_motifs import filter_activations

    torch.manual_seed(0)
    model = CNN(
        in_channels=4, n_outputs=2, channels=8, n_layers=2, kernel_size=5, batch_norm=batch_norm
    ).eval()
    if batch_norm:  # running statistics that are not the identity
        norm = model.blocks[0].norm
        norm.running_mean.uniform_(-0.5, 0.5)
        norm.running_var.uniform_(0.5, 2.0)
    rng = np.random.default_rng(0)
    onehot = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (6, 30))]  # (N, L, A)
    found = filter_activations(model, np.ascontiguousarray(onehot.transpose(0, 2, 1)))
    assert found is not None
    values, conv, padding = found
    assert padding == 2 and values.shape == (6, 8, 30)
    expected = first_layer_activations(
        onehot, conv.weight.detach().numpy(), conv.bias.detach().numpy(), padding=2
    )
    if batch_norm:
        norm = model.blocks[0].norm
        scale = (norm.weight / torch.sqrt(norm.running_var + norm.eps)).detach().numpy()
        shift = norm.bias.detach().numpy() - norm.running_mean.numpy() * scale
        expected = expected * scale[None, :, None] + shift[None, :, None]
    np.testing.assert_allclose(values, np.maximum(expected, 0), atol=1e-5)


def test_train_explain_adds_motifs_and_checks_the_file_before_training(
    motif_fasta, planted_database, tmp_path
):
    base = ["train", str(motif_fasta), "--epochs", "2", "--baseline", "fast", "-q"]
    base += ["--bootstrap", "10", "--show-examples", "1"]
    bad = tmp_path / "motifs.csv"
    bad.write_text("id,sequence\nm1,GATAAG\n")
    got = runner.invoke(
        app, [*base, "--out", str(tmp_path / "x"), "--explain", "--motifs", str(bad)]
    )
    assert got.exit_code == 2 and "not a MEME or JASPAR motif file" in got.output
    assert "epoch" not in got.output.lower() and not (tmp_path / "x").exists()
    got = runner.invoke(app, [*base, "--out", str(tmp_path / "y"), "--motifs", str(bad)])
    assert got.exit_code == 2 and "add --explain" in got.output

    out = tmp_path / "run"
    args = ["--out", str(out), "--explain", "--motifs", str(planted_database)]
    got = runner.invoke(app, [*base, *args])
    assert got.exit_code == 0, got.output
    table = pd.read_csv(out / "explain" / "motifs.csv")
    assert set(table["source"]) <= {"attributions", "filter"} and len(table)
    assert read_motifs(out / "explain" / "motifs.meme")
    assert (out / "explain" / "motif_matches.csv").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Matched against 6 motifs of planted.meme" in report


def test_cli_matches_against_jaspar_core_vertebrates_from_the_extra(demo_run, tmp_path):
    pytest.importorskip("pyjaspar", reason="the jaspar extra is not installed")
    run, fasta = demo_run
    args = ["--out", str(tmp_path / "j"), "--motifs", "jaspar", "--show-examples", "1", "-q"]
    got = runner.invoke(app, ["explain", str(run), str(fasta), *args])
    assert got.exit_code == 0, got.output
    table = pd.read_csv(tmp_path / "j" / "motifs.csv")
    matched = table.dropna(subset=["best_match"])
    assert len(matched) and (matched["q_value"] < 0.05).any()
    assert "JASPAR" in (tmp_path / "j" / "report.html").read_text(encoding="utf-8")


def test_cli_names_the_jaspar_extra_when_it_is_missing(demo_run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyjaspar", None)  # import fails as if not installed
    run, fasta = demo_run
    got = runner.invoke(
        app, ["explain", str(run), str(fasta), "--out", str(tmp_path / "x"), "--motifs", "jaspar"]
    )
    assert got.exit_code == 2
    assert "pip install 'biodl[jaspar]'" in got.output
    assert len(got.output.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
