"""Using a language-model run: ``biodl generate LM_RUN`` (FASTA, the report against real
sequences, bad input) and ``biodl train --init-from LM_RUN`` (the body's weights, the run
reported as a transfer run, --compare-scratch)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file
from torch import nn
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.errors import ConfigError, DataError
from biodl.pipeline.generate_lm import language_model_lengths, markov_sequences
from biodl.pipeline.language import load_language_model, sample_sequences

FAST = ["--model", "gru", "--set", "model.hidden_size=16", "--context", "24", "--quiet"]


def _read_fasta(path):
    ids, seqs = [], []
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            ids.append(line[1:])
            seqs.append("")
        else:
            seqs[-1] += line
    return ids, seqs


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """Two DNA families: a repeat of ACGGT and AT-rich random sequences, 40 each."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("lmuse") / "families.fa"
    with open(path, "w") as handle:
        for i in range(80):
            length = int(rng.integers(20, 50))
            if i % 2:
                start = int(rng.integers(0, 5))
                seq = ("ACGGT" * 20)[start : start + length]
                family = "repeat"
            else:
                seq = "".join(rng.choice(list("ACGT"), length, p=[0.4, 0.1, 0.1, 0.4]))
                family = "at_rich"
            handle.write(f">s{i} family={family}\n{seq}\n")
    return path


def _lm(data, out, *extra):
    result = CliRunner().invoke(
        app,
        ["train", str(data), "--task", "language-model", "--out", str(out), *FAST, *extra],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def lm_run(labelled, tmp_path_factory):
    return _lm(labelled, tmp_path_factory.mktemp("runs") / "lm", "--epochs", "3", "--lr", "0.01")


@pytest.fixture(scope="module")
def masked_run(labelled, tmp_path_factory):
    return _lm(
        labelled, tmp_path_factory.mktemp("runs") / "mlm", "--epochs", "1", "--objective", "masked"
    )


def test_generate_writes_fasta_and_the_report(lm_run, tmp_path):
    out = tmp_path / "gen"
    result = CliRunner().invoke(
        app,
        [
            *("generate", str(lm_run), "--n", "12", "--temperature", "0.8", "--top-k", "3"),
            *("--prefix", "acg", "--seed", "4", "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    ids, seqs = _read_fasta(out / "samples.fa")
    assert ids == [f"syn_{i}" for i in range(1, 13)]
    assert all(s.startswith("ACG") and set(s) <= set("ACGT") for s in seqs)
    # lengths are drawn from the training sequences' lengths (20..49 letters)
    assert all(20 <= len(s) < 50 for s in seqs)
    table = pd.read_csv(out / "samplers.csv")
    assert list(table["set"]) == [
        "language model",
        "Markov order " + str(load_language_model(lm_run).markov.order),
        "held-out real",
    ]
    assert {"js_k3", "nn_identity_mean", "identical_fraction"} <= set(table.columns)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "language-model" and metrics["rows"]["samples"] == 12
    assert "held-out real" in metrics["verdict"]
    assert len(_read_fasta(out / "markov_samples.fa")[1]) == 12
    html = (out / "report.html").read_text()
    assert "Sequences drawn from a language model" in html and "Markov order" in html
    assert "<td>n</td>" in html.replace(" ", "") or ">n<" in html
    assert ">12.0<" not in html  # counts are shown as integers
    assert (out / "plots" / "sequence_kmer_spectra.png").exists()


def test_generate_is_seeded_and_takes_a_fixed_length(lm_run, tmp_path):
    first = biodl.generate(lm_run, n=5, length=33, seed=2, out=tmp_path / "a")
    again = biodl.generate(lm_run, n=5, length=33, seed=2, out=tmp_path / "b")
    other = biodl.generate(lm_run, n=5, length=33, seed=3, out=tmp_path / "c")
    assert list(first.samples) == list(again.samples) != list(other.samples)
    assert all(len(s) == 33 for s in first.samples)
    assert first.metrics["length_ks"] > 0.5  # every sample 33 letters, training 20..49


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--prefix", "ACGZ"], "letter 'Z' at position 4 is not a plain letter"),
        (["--temperature", "0"], "--temperature 0.0: expected a number above 0"),
        (["--temperature", "-1"], "--temperature -1.0: expected a number above 0"),
        (["--top-k", "0"], "--top-k 0: expected 1 or more"),
    ],
)
def test_generate_bad_input_is_one_line_exit_2(lm_run, tmp_path, flags, message):
    out = tmp_path / "gen"
    result = CliRunner().invoke(app, ["generate", str(lm_run), "--out", str(out), *flags])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_generate_draws_from_a_masked_run_and_refuses_drawing_options_on_data(
    masked_run, labelled, tmp_path
):
    # a masked run is drawn by iterative unmasking (tests/language/test_masked_sampling.py)
    result = biodl.generate(masked_run, n=3, length=30, out=tmp_path / "m")
    assert [len(s) for s in result.samples] == [30, 30, 30]
    with pytest.raises(ConfigError, match="--temperature applies to drawing from a language"):
        biodl.generate(labelled, temperature=0.8, out=tmp_path / "d")
    assert not (tmp_path / "d").exists()


class _Recorder(nn.Module):
    """Causal contract model that records the input widths it is called with."""

    objective = "causal"
    alphabet_name = "dna"

    def __init__(self) -> None:
        super().__init__()
        self.widths: list[int] = []

    def forward(self, codes):
        self.widths.append(codes.shape[1])
        logits = torch.full((*codes.shape, 4), -9.0)
        logits[..., 2] = 9.0  # always G
        return logits


def test_sampling_restarts_at_each_window_of_the_context():
    model = _Recorder()
    out = sample_sequences(model, 2, length=10, prefix="A", context=4, seed=0)
    assert out == ["AGGGGGGGGG"] * 2
    assert model.widths == [2, 3, 4, 1, 2, 3, 4, 1, 2]  # t = 1..9 from the window start


def test_lengths_and_markov_samples_follow_the_windows(lm_run):
    lm = load_language_model(lm_run)
    lengths = language_model_lengths(6, np.array([5, 40]), None, prefix=7, seed=0)
    assert set(lengths) <= {7, 40}
    seqs = markov_sequences(lm.markov, lm.alphabet, np.array([3, 30, 50]), lm.context, seed=1)
    assert [len(s) for s in seqs] == [3, 30, 50] and set("".join(seqs)) <= set("ACGT")
    with pytest.raises(DataError, match="give --length"):
        language_model_lengths(3, None, None, prefix=0, seed=0)


def test_init_from_lm_run_loads_the_body_and_keeps_it_frozen(lm_run, labelled, tmp_path):
    out = tmp_path / "cls"
    biodl.train(labelled, init_from=str(lm_run), freeze="body", epochs=2, out=out)
    info = json.loads((out / "model" / "model.json").read_text())
    assert info["model"] == "gru" and info["params"]["hidden_size"] == 16  # from the LM run
    transfer = json.loads((out / "metrics.json").read_text())["transfer"]
    assert transfer["head"] == "reinitialised" and "language model" in transfer["head_reason"]
    assert sorted(transfer["unexpected"]) == ["letters.bias", "letters.weight"]
    lm = load_file(str(lm_run / "model" / "weights.safetensors"))
    cls = load_file(str(out / "model" / "weights.safetensors"))
    body = [k for k in lm if k.startswith("network.") and not k.startswith("network.letters")]
    assert body and len(transfer["loaded"]) == len(body)
    for key in body:  # frozen body: still the language model's weights after training
        mine = [k for k in cls if k.endswith(key[len("network.") :])]
        assert len(mine) == 1 and torch.equal(cls[mine[0]], lm[key]), key


def test_init_from_lm_run_cli_round_trip_with_compare_scratch(lm_run, labelled, tmp_path):
    out = tmp_path / "ft"
    result = CliRunner().invoke(
        app,
        [
            *("train", str(labelled), "--init-from", str(lm_run), "--freeze", "none"),
            *("--compare-scratch", "--epochs", "2", "--out", str(out), "--quiet"),
        ],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["transfer"]["source_model"] == "gru" and metrics["scratch"] is not None
    html = (out / "report.html").read_text()
    assert "Transfer learning" in html and "from random weights on the same split" in html
    assert "language model" in html


def test_init_from_lm_run_makes_a_regressor_beside_the_same_model_from_scratch(
    lm_run, labelled, tmp_path
):
    """A regression task (the GB1 benchmark's use): the body loads, the head is one output."""
    _, seqs = _read_fasta(labelled)
    table = tmp_path / "gc.csv"
    gc = [sum(c in "GC" for c in s) / len(s) for s in seqs]
    pd.DataFrame({"sequence": seqs, "gc": gc}).to_csv(table, index=False)
    out = tmp_path / "reg"
    biodl.train(
        table,
        task="regression",
        label_columns=["gc"],
        init_from=str(lm_run),
        freeze="none",
        compare_scratch=True,
        epochs=2,
        out=out,
        progress=False,
    )
    info = json.loads((out / "model" / "model.json").read_text())
    assert info["model"] == "gru" and info["n_outputs"] == 1 and info["loss"] == "mse"
    metrics = json.loads((out / "metrics.json").read_text())
    lm = load_file(str(lm_run / "model" / "weights.safetensors"))
    body = [k for k in lm if k.startswith("network.") and not k.startswith("network.letters")]
    assert body and len(metrics["transfer"]["loaded"]) == len(body)
    assert metrics["transfer"]["missing"] == [] and metrics["transfer"]["mismatched"] == []
    comparison = metrics["scratch"]["comparison"]
    assert comparison["metric"] == "spearman"
    assert comparison["difference"] == pytest.approx(
        comparison["transferred"] - comparison["scratch"]
    )


def test_init_from_lm_run_of_another_alphabet_is_refused(lm_run, tmp_path):
    protein = tmp_path / "p.fa"
    protein.write_text(
        "".join(f">p{i} family={'ab'[i % 2]}\nMKWVTFISLLFLFSSAYS\n" for i in range(30))
    )
    with pytest.raises(ConfigError, match="a language model of dna sequences, but this data"):
        biodl.train(protein, init_from=str(lm_run), epochs=1, out=tmp_path / "x")


def test_generate_without_the_runs_data_writes_samples_and_says_why(lm_run, tmp_path):
    import shutil

    import yaml

    moved = tmp_path / "lm"
    shutil.copytree(lm_run, moved)
    cfg = yaml.safe_load((moved / "config.yaml").read_text())
    cfg["data"]["train"] = str(tmp_path / "gone.fa")
    (moved / "config.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(DataError, match="give --length"):
        biodl.generate(moved, n=3, out=tmp_path / "a")
    with pytest.warns(UserWarning, match="could not be read again"):
        result = biodl.generate(moved, n=3, length=12, out=tmp_path / "b")
    assert [len(s) for s in result.samples] == [12, 12, 12] and result.table is None
    assert (tmp_path / "b" / "samples.fa").exists()
    assert not (tmp_path / "b" / "report.html").exists()
