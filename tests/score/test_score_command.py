"""biodl score RUN VARIANTS: a tiny language model trained on a tiny Potts family scores its
mutants beside the PSSM (CLI round trip, the written folder), and bad input gives one line,
exit 2, nothing written."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.data.mutations import VariantSet
from biodl.data.potts import random_potts, sample_potts
from biodl.errors import ConfigError, DataError
from biodl.pipeline.score import parse_methods, score_verdict

LENGTH = 10


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """A DNA Potts family (strong sparse couplings), a causal LM run on it, and a variants table
    of every single mutant of the wild type with its true energy change as the measurement."""
    root = tmp_path_factory.mktemp("score")
    model = random_potts(LENGTH, alphabet="dna", coupling_scale=1.5, n_pairs=LENGTH, seed=0)
    train = sample_potts(model, 600, seed=0).sequences
    fasta = root / "family.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(train)))
    wt = train[int(np.argmax(model.energies(train)))]
    singles = [f"{wt[i]}{i + 1}{b}" for i in range(LENGTH) for b in "ACGT" if b != wt[i]]
    variants = VariantSet.from_mutations(wt, singles, alphabet="dna")
    table = pd.DataFrame(
        {"mutant": singles, "wild_type": wt, "fitness": model.delta_energy(variants)}
    )
    table.to_csv(root / "variants.csv", index=False)
    run = root / "lm"
    biodl.train(
        fasta,
        task="language-model",
        model="gru",
        model_params={"hidden_size": 32},
        context=LENGTH,
        epochs=15,
        lr=0.01,
        seed=0,
        out=run,
        progress=False,
    )
    return {"root": root, "run": run, "variants": root / "variants.csv", "wt": wt}


def test_cli_round_trip_writes_scores_report_and_verdict(family, tmp_path):
    out = tmp_path / "scored"
    result = CliRunner().invoke(
        app,
        ["score", str(family["run"]), str(family["variants"]), "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["line", "mutations", "wt-marginals", "pll", "pssm", "measured"]
    assert len(scores) == 3 * LENGTH and scores["line"].tolist()[:2] == [2, 3]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["methods"] == ["wt-marginals", "pll"] and metrics["main_method"] == "pll"
    assert metrics["forward_passes"]["wt-marginals"] == 1  # one pass per wild type
    assert (
        metrics["pssm_training_sequences"]
        == json.loads((family["run"] / "metrics.json").read_text())["sequences"]["train"]
    )
    # the causal LM's log-likelihood ratios follow the true energy changes
    corr = metrics["correlations"]
    assert corr["pll"]["spearman"] > 0.6
    assert corr["pll"]["low"] <= corr["pll"]["spearman"] <= corr["pll"]["high"]
    assert set(metrics["comparisons"]) == {"wt-marginals", "pll"}
    assert metrics["verdict"].startswith("The language model's scores (pll)")
    assert metrics["verdict"] in result.output
    page = (out / "report.html").read_text()
    assert "Mutation scores" in page and "Language model minus PSSM" in page
    assert "How to read the scores" in page and "scores_vs_measured" not in page  # embedded
    assert (out / "config.yaml").is_file()


def test_api_without_measurements_and_one_method(family):
    table = pd.read_csv(family["variants"]).drop(columns="fitness")
    path = family["root"] / "plain.csv"
    table.to_csv(path, index=False)
    result = biodl.score(family["run"], path, method="wt-marginals")
    assert result.verdict is None and result.out is None
    assert list(result.scores.columns) == ["line", "mutations", "wt-marginals", "pssm"]
    assert "correlations" not in result.metrics
    # a causal model's wt-marginals of the last position is the exact log-ratio (nothing
    # follows it), so equals pll there; elsewhere pll also sees the letters after the site
    both = biodl.score(family["run"], path, method="pll,wt-marginals").scores
    last = both["mutations"].str.match(rf"^[ACGT]{LENGTH}[ACGT]$")
    assert last.sum() == 3
    assert np.allclose(both.loc[last, "pll"], both.loc[last, "wt-marginals"], atol=1e-6)
    assert not np.allclose(both.loc[~last, "pll"], both.loc[~last, "wt-marginals"], atol=1e-3)


def _invoke(args):
    return CliRunner().invoke(app, ["score", *map(str, args)])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("mutant,wild_type\nA1C,{wt}\n{bad},{wt}\n", "line 3"),
        ("mutant,wild_type\nZ1C,{wt}\n", "line 2"),
        ("mutant,wild_type\nA1C,{wt}\n{first}1J,{wt}\n", "not a plain dna letter|'J'"),
    ],
    ids=["wild-type letter differs", "unknown wild-type letter", "unknown mutant letter"],
)
def test_bad_variants_exit_2_with_one_line(family, tmp_path, rows, message):
    wt = family["wt"]
    wrong = next(c for c in "ACGT" if c != wt[4])
    text = rows.format(wt=wt, bad=f"{wrong}5{wt[4]}", first=wt[0])
    text = text.replace("A1C", f"{wt[0]}1{'C' if wt[0] != 'C' else 'G'}")
    (tmp_path / "v.csv").write_text(text)
    out = tmp_path / "out"
    result = _invoke([family["run"], tmp_path / "v.csv", "--out", out])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Error: " in lines[0], result.output
    assert re.search(message, lines[0]), lines[0]
    assert not out.exists()


def test_wild_type_mismatch_names_row_and_position(family, tmp_path):
    wt = family["wt"]
    wrong = next(c for c in "ACGT" if c != wt[4])
    (tmp_path / "v.csv").write_text(f"mutant,wild_type\n{wrong}5{wt[4]}:{wt[0]}1{wt[0]},{wt}\n")
    result = _invoke([family["run"], tmp_path / "v.csv"])
    assert result.exit_code == 2
    assert "line 2" in result.output and "position 5" in result.output


def test_a_run_that_is_not_a_language_model_exits_2(family, tmp_path, motif_fasta):
    run = tmp_path / "clf"
    biodl.train(
        motif_fasta,
        out=run,
        epochs=1,
        n_bootstrap=10,
        progress=False,
        model_params={"channels": 4, "n_layers": 1},
    )
    result = _invoke([run, family["variants"], "--out", tmp_path / "out"])
    assert result.exit_code == 2
    assert "not a language-model run" in result.output and len(result.output.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    result = _invoke([tmp_path, family["variants"]])
    assert result.exit_code == 2 and "not a biodl run directory" in result.output


def test_methods_are_checked_against_the_objective(family):
    with pytest.raises(ConfigError, match="needs a masked language model"):
        parse_methods("masked-marginals", "causal")
    with pytest.raises(ConfigError, match="not a scoring method"):
        parse_methods("esm", "masked")
    assert parse_methods(None, "masked") == ["wt-marginals", "masked-marginals", "pll"]
    result = _invoke([family["run"], family["variants"], "--method", "masked-marginals"])
    assert result.exit_code == 2 and "--method masked-marginals" in result.output
    with pytest.raises(ConfigError, match="unknown option 'colour'"):
        biodl.score(family["run"], family["variants"], colour="red")


def test_verdict_words_the_interval():
    assert "correlate better" in score_verdict("pll", 0.6, 0.4, 0.1, 0.3)
    assert "correlate worse" in score_verdict("pll", 0.2, 0.4, -0.3, -0.1)
    assert "not correlate clearly" in score_verdict("pll", 0.5, 0.4, -0.1, 0.3)
    with pytest.raises(DataError):
        biodl.score("/nonexistent/run", "x.csv")


def test_reference_fasta_named_measured_column_and_csv_on_stdout(family, tmp_path):
    wt = family["wt"]
    (tmp_path / "ref.fa").write_text(f">wt1\n{wt}\n")
    table = pd.read_csv(family["variants"]).drop(columns="wild_type")
    table = table.rename(columns={"fitness": "activity_log"}).head(6)
    table.to_csv(tmp_path / "v.csv", index=False)
    args = [family["run"], tmp_path / "v.csv", "--reference", tmp_path / "ref.fa"]
    result = _invoke([*args, "--measured", "activity_log", "--method", "pll", "--n-bootstrap", 50])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert "6 variants scored by pll and the PSSM" in lines[0]
    assert lines[1] == "line,mutations,pll,pssm,measured" and len(lines) == 1 + 1 + 6
    result = _invoke([*args, "--measured", "fitness"])
    assert result.exit_code == 2 and "no column 'fitness'" in result.output


def test_unreadable_training_file_stops_before_anything_is_left(family, tmp_path):
    import shutil

    run = tmp_path / "moved"
    shutil.copytree(family["run"], run)
    config = (run / "config.yaml").read_text()
    (run / "config.yaml").write_text(config.replace(str(family["root"] / "family.fa"), "gone.fa"))
    out = tmp_path / "out"
    result = _invoke([run, family["variants"], "--out", out])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "the PSSM baseline is fitted on the run's training sequences (gone.fa)" in result.output
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
