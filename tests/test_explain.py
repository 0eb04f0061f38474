"""biodl explain on the demo (planted motifs): attributions find the motifs, variants that break
a motif matter more, ISM and integrated gradients agree, and bad input fails cleanly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from biodl.cli import app
from biodl.data.demo import MOTIF_A, MOTIF_B
from biodl.errors import ConfigError, DataError

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, Path]:
    """A CNN trained on 800 demo sequences of 80 bp (test AUROC about 0.95)."""
    from biodl.config import RunConfig
    from biodl.data.demo import write_demo_fasta
    from biodl.pipeline.train import run_training

    folder = tmp_path_factory.mktemp("explain")
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


def _motif_positions(seq: str) -> set[int]:
    where: set[int] = set()
    for motif in (MOTIF_A, MOTIF_B):
        start = seq.find(motif)
        while start >= 0:
            where.update(range(start, start + len(motif)))
            start = seq.find(motif, start + 1)
    return where


@pytest.fixture(scope="module")
def explained(demo_run, tmp_path_factory):
    from biodl import api

    run, fasta = demo_run
    out = tmp_path_factory.mktemp("out") / "explain"
    return api.explain(run, fasta, out=out, show_examples=4, progress=False), fasta


def test_attributions_peak_on_the_planted_motifs(explained):
    from biodl.data.sequence import read_sequences

    result, fasta = explained
    seqs = read_sequences(fasta)
    section = result.section
    values = section.attributions.values.sum(axis=1)  # (n, length): at each own letter
    top = np.argsort(-section.attributions.outputs)[:50]
    hits = []
    for i in top:
        motif = _motif_positions(seqs.sequence(int(i)))
        peak = int(np.argmax(values[i]))
        hits.append(peak in motif)
    assert np.mean(hits) >= 0.9
    written = sorted(p.name for p in result.out.iterdir())
    assert {"attributions.npz", "attributions.csv", "report.html", "explain.json"} <= set(written)
    arrays = np.load(result.out / "attributions.npz")
    assert arrays["attributions"].shape == (len(seqs), 4, 80)
    assert arrays["delta"].shape == (len(seqs),)
    assert np.median(np.abs(arrays["delta"])) < 0.1
    assert "Explanation" in (result.out / "report.html").read_text()


def test_ism_and_integrated_gradients_agree_in_sign_where_it_matters(explained):
    result, _ = explained
    section = result.section
    ism = section.arrays["shown_ism_effects"]  # (m, 4, L) of the drawn sequences
    onehot = section.attributions.inputs[section.shown]
    ig = section.attributions.values[section.shown].sum(axis=1)
    ism_own = -(ism.sum(axis=1) / 3)  # minus the mean effect of replacing each own letter
    agree = []
    for k in range(len(section.shown)):
        important = np.argsort(-np.abs(ig[k]))[:10]
        agree += list(np.sign(ig[k][important]) == np.sign(ism_own[k][important]))
    assert onehot.shape[1] == 4
    assert np.mean(agree) >= 0.8


def test_variants_breaking_a_motif_matter_more(demo_run, tmp_path):
    from biodl import api
    from biodl.data.sequence import read_sequences

    run, fasta = demo_run
    seqs = read_sequences(fasta)
    labels = seqs.labels["label"].tolist()
    rng = np.random.default_rng(0)
    rows, inside = ["id,sequence,position,ref,alt"], []
    for i in [j for j in range(len(seqs)) if labels[j] == "enhancer"][:60]:
        s = seqs.sequence(i)
        motif = sorted(_motif_positions(s))
        near = {p + d for p in motif for d in range(-3, 4)}
        outside = [p for p in range(len(s)) if p not in near]
        for pos, is_in in ((int(rng.choice(motif)), True), (int(rng.choice(outside)), False)):
            alt = "ACGT"[("ACGT".index(s[pos]) + 2) % 4]
            rows.append(f"v{len(rows)},{s},{pos + 1},{s[pos]},{alt}")
            inside.append(is_in)
    table = tmp_path / "variants.csv"
    table.write_text("\n".join(rows) + "\n")
    result = api.explain(run, out=tmp_path / "out", variants=table, progress=False)
    effects = result.variants
    assert list(effects.columns[:4]) == ["id", "position", "ref", "alt"]
    auroc = roc_auc_score(inside, np.abs(effects["log_odds_ratio"]))
    assert auroc >= 0.9
    assert (tmp_path / "out" / "variants.csv").is_file()
    assert (tmp_path / "out" / "plots" / "variants.png").is_file()


def test_cli_explain_writes_and_refuses_bad_input(demo_run, tmp_path):
    run, fasta = demo_run
    ok = runner.invoke(
        app,
        [
            "explain",
            str(run),
            str(fasta),
            "--out",
            str(tmp_path / "cli"),
            "--attribution",
            "input_x_gradient",
            "--ids",
            "seq00001,seq00002",
            "-q",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "cli" / "plots" / "logos.png").is_file()

    def refused(args: list[str], match: str, out: Path) -> None:
        result = runner.invoke(app, ["explain", *args, "--out", str(out), "-q"])
        assert result.exit_code == 2, result.output
        assert match in result.output
        assert not out.exists()

    empty = tmp_path / "empty_run"
    empty.mkdir()
    refused([str(empty), str(fasta)], "not a biodl run directory", tmp_path / "a")
    protein = tmp_path / "protein.fa"
    protein.write_text(">p1\nMKWVTFISLLFLFSSAYSRGVFRR\n")
    refused([str(run), str(protein)], "protein.fa", tmp_path / "b")
    table = tmp_path / "expr.csv"
    genes = [f"g{j}" for j in range(40)]
    lines = [",".join(["sample", *genes])]
    lines += [",".join([f"s{i}", *(f"{(i * j) % 7}.5" for j in range(40))]) for i in range(30)]
    table.write_text("\n".join(lines) + "\n")
    refused([str(run), str(table)], "looks like expression data", tmp_path / "c")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,sequence,position,ref,alt\nv1,ACGTACGT,2,G,T\n")
    refused([str(run), "--variants", str(wrong)], "ref 'G' does not match", tmp_path / "d")
    far = tmp_path / "far.csv"
    far.write_text("id,sequence,position,ref,alt\nv1,ACGTACGT,20,G,T\n")
    refused([str(run), "--variants", str(far)], "outside the sequence", tmp_path / "e")
    refused([str(run), str(fasta), "--ids", "nope"], "no example with id nope", tmp_path / "f")
    refused(
        [str(run), str(fasta), "--attribution", "occlusion"],
        "occlusion zeroes patches of images; this run is sequence data. Use "
        "integrated_gradients, shap, saliency or input_x_gradient (or ism)",  # ism: sequences
        tmp_path / "g",
    )


def test_api_errors_name_the_problem(demo_run, tmp_path):
    from biodl import api

    run, fasta = demo_run
    with pytest.raises(ConfigError, match="nothing to explain"):
        api.explain(run, out=tmp_path / "x")
    with pytest.raises(DataError, match="not a biodl run directory"):
        api.explain(tmp_path, fasta, out=tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_train_explain_adds_the_section_to_the_run_report(motif_fasta, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "train",
            str(motif_fasta),
            "--out",
            str(out),
            "--epochs",
            "2",
            "--baseline",
            "fast",
            "--bootstrap",
            "10",
            "--explain",
            "--attribution",
            "saliency",
            "--show-examples",
            "2",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    report = (out / "report.html").read_text()
    assert "Explanation" in report and "Attributions (saliency)" in report
    arrays = np.load(out / "explain" / "attributions.npz")
    assert arrays["attributions"].shape[1:] == (4, 80)


def test_cli_explain_scores_vcf_variants_on_a_reference(demo_run, tmp_path):
    run, fasta = demo_run
    from biodl.data.sequence import read_sequences

    demo = read_sequences(fasta, require_labels=False)
    chrom = "".join(demo.sequence(i) for i in range(3))  # 240 letters
    genome = tmp_path / "genome.fa"
    genome.write_text(f">chr7\n{chrom}\n")
    swap = {"A": "C", "C": "G", "G": "T", "T": "A"}
    rows = [f"chr7\t{p}\tv{p}\t{chrom[p - 1]}\t{swap[chrom[p - 1]]}" for p in (5, 120, 239)]
    vcf = tmp_path / "calls.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n" + "\n".join(rows) + "\n")
    out = tmp_path / "vcf"
    args = ["explain", str(run), "--variants", str(vcf), "--reference", str(genome)]
    ok = runner.invoke(app, [*args, "--variant-window", "80", "--out", str(out), "-q"])
    assert ok.exit_code == 0, ok.output
    effects = pd.read_csv(out / "variants.csv")
    assert effects["id"].tolist() == ["v5", "v120", "v239"]
    assert effects["chrom"].tolist() == ["chr7"] * 3 and effects["pos"].tolist() == [5, 120, 239]
    assert effects["position"].tolist() == [5, 41, 79]  # within each 80-letter window
    np.testing.assert_allclose(effects["difference"], effects["pred_alt"] - effects["pred_ref"])

    def refused(extra: list[str], match: str, folder: Path) -> None:
        result = runner.invoke(app, ["explain", str(run), *extra, "--out", str(folder), "-q"])
        assert result.exit_code == 2, result.output
        assert match in result.output
        assert not folder.exists()

    wrong = tmp_path / "wrong.vcf"
    ref = chrom[119]
    other = swap[ref]
    wrong.write_text(f"chr7\t120\trsBad\t{other}\t{ref}\n")
    refused(
        ["--variants", str(wrong), "--reference", str(genome), "--variant-window", "80"],
        f"(variant rsBad): REF '{other}' does not match the reference, which has '{ref}'",
        tmp_path / "a",
    )
    refused(["--variants", str(vcf)], "a VCF needs the reference genome", tmp_path / "b")

    # the same variants as a table of id, chrom, pos, ref, alt on the same reference
    table = tmp_path / "calls.csv"
    lines = [f"v{p},chr7,{p},{chrom[p - 1]},{swap[chrom[p - 1]]}" for p in (5, 120, 239)]
    table.write_text("id,chrom,pos,ref,alt\n" + "\n".join(lines) + "\n")
    csv_out = tmp_path / "csv"
    args = ["explain", str(run), "--variants", str(table), "--reference", str(genome)]
    ok = runner.invoke(app, [*args, "--variant-window", "80", "--out", str(csv_out), "-q"])
    assert ok.exit_code == 0, ok.output
    pd.testing.assert_frame_equal(pd.read_csv(csv_out / "variants.csv"), effects)
    refused(["--variants", str(table)], "no column sequence, position", tmp_path / "c")
    missing = ["--variants", str(tmp_path / "nothere.csv"), "--reference", str(genome)]
    refused(missing, "nothere.csv: no such variants file", tmp_path / "d")
    seqs = tmp_path / "own.csv"  # a table with its own sequences does not take --reference
    seqs.write_text("id,sequence,position,ref,alt\nv1,ACGTACGT,2,C,G\n")
    refused(["--variants", str(seqs), "--reference", str(genome)], "leave --reference out",
            tmp_path / "e")  # fmt: skip


def test_api_explain_refuses_options_that_are_not_explanation_options(demo_run, tmp_path):
    from biodl import api

    run, fasta = demo_run
    with pytest.raises(ConfigError, match="explain\\(\\) got 'lr': not an explanation option"):
        api.explain(run, fasta, out=tmp_path / "x", lr=0.1)
    with pytest.raises(ConfigError, match="'explain', 'model': not an explanation option"):
        api.explain(run, fasta, out=tmp_path / "y", model="cnn", explain=True)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
