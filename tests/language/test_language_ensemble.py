"""biodl train --task language-model --ensemble N: N networks from consecutive seeds, read as
one language model whose letter probabilities are the members' average (perplexity, scoring,
sampling), saved and loaded as one run; refused as the body of --init-from."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.data.mutations import VariantSet
from biodl.data.potts import random_potts, sample_potts
from biodl.errors import ConfigError
from biodl.interpret.lm_scores import score_variants
from biodl.models.language import LanguageEnsemble, LanguageModel
from biodl.pipeline.language import load_language_model

LENGTH = 12


def test_ensemble_logits_are_the_log_of_the_mean_letter_probabilities():
    torch.manual_seed(0)
    members = [
        LanguageModel(model="gru", alphabet_name="dna", params={"hidden_size": 8}) for _ in range(3)
    ]
    ensemble = LanguageEnsemble(members).eval()
    codes = torch.randint(1, 5, (4, 9))
    with torch.no_grad():
        mean = torch.stack([m.eval()(codes).softmax(-1) for m in members]).mean(0)
        out = ensemble(codes)
    assert out.shape == (4, 9, 4)
    torch.testing.assert_close(out.exp(), mean)
    assert (ensemble.objective, ensemble.alphabet_name, ensemble.mask_code) == ("causal", "dna", 16)
    other = LanguageModel(model="gru", alphabet_name="dna", params={"hidden_size": 16})
    with pytest.raises(ValueError, match="must be alike"):
        LanguageEnsemble([members[0], other])


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """A DNA Potts family, its wild type's single mutants, and an ensemble run of 3 GRUs."""
    root = tmp_path_factory.mktemp("lmens")
    potts = random_potts(LENGTH, alphabet="dna", coupling_scale=1.5, n_pairs=LENGTH, seed=1)
    train = sample_potts(potts, 400, seed=1).sequences
    fasta = root / "family.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(train)))
    wt = train[int(np.argmax(potts.energies(train)))]
    singles = [f"{wt[i]}{i + 1}{b}" for i in range(LENGTH) for b in "ACGT" if b != wt[i]]
    pd.DataFrame({"mutant": singles, "wild_type": wt}).to_csv(root / "variants.csv", index=False)
    run = root / "lm"
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(fasta),
            "--task",
            "language-model",
            "--model",
            "gru",
            "--set",
            "model.hidden_size=16",
            "--context",
            str(LENGTH),
            "--epochs",
            "4",
            "--lr",
            "0.01",
            "--ensemble",
            "3",
            "--out",
            str(run),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    return {"root": root, "run": run, "wt": wt, "singles": singles, "train": train}


def test_ensemble_run_records_its_members_and_loads_back_as_one_model(family):
    run = family["run"]
    metrics = json.loads((run / "metrics.json").read_text())
    ensemble = metrics["training"]["ensemble"]
    assert ensemble["members"] == 3 and ensemble["seeds"] == [0, 1, 2]
    assert len(ensemble["epochs_run"]) == 3
    assert json.loads((run / "model" / "model.json").read_text())["ensemble"] == 3
    assert "an ensemble of 3 networks (seeds 0, 1, 2" in (run / "report.html").read_text()
    lm = load_language_model(run)
    assert isinstance(lm.model, LanguageEnsemble) and len(lm.model.members) == 3
    first, second = (dict(m.named_parameters()) for m in lm.model.members[:2])
    assert not torch.equal(first["network.letters.weight"], second["network.letters.weight"])


def test_ensemble_perplexity_is_at_most_the_members_mean(family):
    """Per letter, -log(mean p) <= mean(-log p): the mixture never does worse than its average
    member (Jensen); a combination of logits instead of probabilities would not promise it."""
    lm = load_language_model(family["run"])
    alphabet = lm.alphabet
    codes = torch.as_tensor(
        np.stack([alphabet.lut[np.frombuffer(s.encode(), np.uint8)] for s in family["train"]])
    ).long()

    def nll(model: torch.nn.Module) -> float:
        with torch.no_grad():
            logp = model(codes).log_softmax(-1)
        return float(-logp.gather(-1, (codes - 1).unsqueeze(-1)).mean())

    members = [nll(m) for m in lm.model.members]
    assert nll(lm.model) <= float(np.mean(members)) + 1e-6
    assert nll(lm.model) < max(members)


def test_score_and_generate_read_the_ensemble(family, tmp_path):
    lm = load_language_model(family["run"])
    variants = VariantSet.from_mutations(family["wt"], family["singles"], alphabet="dna")
    pll = score_variants(lm.model, variants, "pll").scores
    each = np.mean([score_variants(m, variants, "pll").scores for m in lm.model.members], axis=0)
    assert np.corrcoef(pll, each)[0, 1] > 0.9  # close to the members' mean, not equal to it
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(family["run"]),
            str(family["root"] / "variants.csv"),
            "--out",
            str(tmp_path / "scored"),
        ],
    )
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "scored" / "scores.csv")
    np.testing.assert_allclose(scores["pll"], pll, rtol=1e-5, atol=1e-6)
    out = tmp_path / "gen"
    result = CliRunner().invoke(
        app, ["generate", str(family["run"]), "--n", "5", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output


def test_init_from_an_ensemble_run_is_refused(family, tmp_path):
    labelled = tmp_path / "l.fa"
    labelled.write_text(
        "".join(f">s{i} family={'ab'[i % 2]}\n{family['train'][i]}\n" for i in range(40))
    )
    with pytest.raises(ConfigError, match="an ensemble of 3 language models has no single body"):
        biodl.train(labelled, init_from=str(family["run"]), epochs=1, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
