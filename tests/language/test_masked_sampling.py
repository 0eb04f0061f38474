"""Drawing from a masked language model (``biodl generate MASKED_RUN``): iterative unmasking
and Gibbs sweeps; a planted motif reproduced far more often than by the Markov sampler; the
command, its options and their bad values."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.errors import ConfigError, DataError
from biodl.pipeline.generate_lm import markov_sequences
from biodl.pipeline.language import load_language_model
from biodl.pipeline.masked_sampling import sample_masked_sequences

MOTIF = "GATTACA"
START = 8  # the motif fills positions 8..14 of every 20-letter training sequence
LENGTH = 20


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """200 random DNA sequences of 20 letters with GATTACA at positions 9-15 (1-based)."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("planted") / "planted.fa"
    with open(path, "w") as handle:
        for i in range(200):
            letters = list(rng.choice(list("ACGT"), LENGTH))
            letters[START : START + len(MOTIF)] = MOTIF
            handle.write(f">s{i}\n{''.join(letters)}\n")
    return path


@pytest.fixture(scope="module")
def masked_run(planted, tmp_path_factory):
    """A small masked transformer (it knows positions) trained on the planted family."""
    out = tmp_path_factory.mktemp("runs") / "mlm"
    biodl.train(
        planted,
        task="language-model",
        objective="masked",
        model="transformer",
        context=LENGTH,
        epochs=10,
        lr=0.01,
        batch_size=16,
        overrides=[
            "model.d_model=32",
            "model.n_layers=1",
            "model.n_heads=2",
            "model.dim_feedforward=32",
        ],
        out=out,
        progress=False,
    )
    return out


def _hits(sequences: list[str]) -> float:
    return float(np.mean([s[START : START + len(MOTIF)] == MOTIF for s in sequences]))


def test_planted_motif_is_drawn_far_more_often_than_by_the_markov_sampler(masked_run):
    lm = load_language_model(masked_run)
    n = 200
    confident = sample_masked_sequences(
        lm.model, [LENGTH] * n, context=lm.context, order="confident", seed=1
    )
    shuffled = sample_masked_sequences(
        lm.model, [LENGTH] * n, context=lm.context, order="random", seed=1
    )
    assert lm.markov is not None
    markov = markov_sequences(lm.markov, lm.alphabet, np.full(n, LENGTH), lm.context, seed=2)
    # independent letters would give GATTACA there in 4**-7 = 0.006 % of samples
    assert _hits(markov) <= 0.02
    assert _hits(confident.sequences) >= 0.3
    assert _hits(shuffled.sequences) >= 0.05
    assert all(set(s) <= set("ACGT") and len(s) == LENGTH for s in confident.sequences)
    # one pass over the window per hidden letter
    assert confident.passes_per_sequence == LENGTH and confident.window_passes == n * LENGTH


def test_gibbs_sweeps_cost_one_pass_per_letter_and_keep_the_prefix(masked_run):
    lm = load_language_model(masked_run)
    draw = sample_masked_sequences(
        lm.model, [12, 30, 5], context=lm.context, prefix="TTAC", gibbs_sweeps=2, per_step=3
    )
    assert [len(s) for s in draw.sequences] == [12, 30, 5]
    assert all(s.startswith("TTAC") and set(s) <= set("ACGT") for s in draw.sequences)
    # windows of 20: (12), (20, 10), (5) hold 8, 16 + 10, 1 hidden letters; unmasked 3 a
    # pass: 3 + 6 + 4 + 1 passes, then 2 sweeps of one pass per hidden letter
    assert draw.window_passes == (3 + 6 + 4 + 1) + 2 * (8 + 16 + 10 + 1)
    assert draw.model_calls == 6 + 2 * 20  # batched: 6 unmasking steps; a sweep: 20 positions


def test_same_seed_same_sequences(masked_run):
    lm = load_language_model(masked_run)
    draw = [
        sample_masked_sequences(lm.model, [LENGTH] * 6, seed=s, gibbs_sweeps=1, batch_size=b)
        for s, b in ((3, 256), (3, 4), (4, 256))
    ]
    assert draw[0].sequences == draw[1].sequences != draw[2].sequences


def test_top_k_one_draws_the_most_likely_letter():
    class Fixed(torch.nn.Module):
        objective, alphabet_name, mask_code = "masked", "dna", 16

        def forward(self, codes):
            return torch.tensor([0.1, 0.2, 0.3, 0.0]).expand(*codes.shape, 4)

    draw = sample_masked_sequences(Fixed(), [7, 3], top_k=1, temperature=5.0, seed=0)
    assert draw.sequences == ["GGGGGGG", "GGG"]


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"order": "left"}, ConfigError, "--unmask-order left: expected one of confident, random"),
        ({"per_step": 0}, ConfigError, "--unmask-per-step 0: expected 1 or more"),
        ({"gibbs_sweeps": -1}, ConfigError, "--gibbs-sweeps -1: expected 0 or more"),
        ({"temperature": 0.0}, ConfigError, "--temperature 0.0"),
        ({"prefix": "ACN"}, DataError, "--prefix ACN: expected plain letters"),
        ({"prefix": "ACGTACGT"}, ConfigError, "the prefix's 8"),
    ],
)
def test_bad_sampler_options(masked_run, options, error, match):
    lm = load_language_model(masked_run)
    with pytest.raises(error, match=match):
        sample_masked_sequences(lm.model, [6, 6], **options)


def test_generate_from_a_masked_run_writes_and_compares(masked_run, tmp_path):
    out = tmp_path / "gen"
    result = CliRunner().invoke(
        app,
        [
            *("generate", str(masked_run), "--n", "10", "--prefix", "ac", "--seed", "5"),
            *("--unmask-order", "random", "--unmask-per-step", "2", "--gibbs-sweeps", "1"),
            *("--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    seqs = [s for s in (out / "samples.fa").read_text().split() if not s.startswith(">")]
    assert len(seqs) == 10 and all(s.startswith("AC") and len(s) == LENGTH for s in seqs)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["objective"] == "masked" and "held-out real" in metrics["verdict"]
    # 18 hidden letters: 9 unmasking passes, then one sweep of 18
    assert metrics["passes_per_sequence"] == 9 + 18
    assert "Masked sampler" in (out / "report.html").read_text()
    config = (out / "config.yaml").read_text()
    assert "unmask_order: random" in config and "gibbs_sweeps: 1" in config
    same = {"unmask_order": "random", "unmask_per_step": 2, "gibbs_sweeps": 1}
    again = biodl.generate(masked_run, n=10, prefix="AC", seed=5, out=tmp_path / "b", **same)
    assert list(again.samples) == seqs
    default = biodl.generate(masked_run, n=10, prefix="AC", seed=5, out=tmp_path / "c")
    assert list(default.samples) != seqs
    assert (
        default.metrics is not None
        and "unmask_order: confident" in (tmp_path / "c" / "config.yaml").read_text()
    )


def test_masked_options_are_refused_with_a_causal_run_or_bad_values(masked_run, tmp_path):
    causal = tmp_path / "lm"
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">s{i}\nACGTTGCAACGT\n" for i in range(20)))
    biodl.train(fasta, task="language-model", context=12, epochs=1, out=causal, progress=False)
    runner = CliRunner()
    for run, flags, message in [
        (causal, ["--gibbs-sweeps", "2"], "--gibbs-sweeps applies to a masked language model"),
        (masked_run, ["--unmask-per-step", "0"], "--unmask-per-step 0: expected 1 or more"),
        (masked_run, ["--gibbs-sweeps", "-1"], "--gibbs-sweeps -1: expected 0 or more"),
        (fasta, ["--unmask-order", "random"], "--unmask-order applies to drawing from a"),
    ]:
        out = tmp_path / "gen"
        result = runner.invoke(app, ["generate", str(run), "--out", str(out), *flags])
        assert result.exit_code == 2, result.output
        assert message in result.output and len(result.output.strip().splitlines()) == 1
        assert not out.exists()
