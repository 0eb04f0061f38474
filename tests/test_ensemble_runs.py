"""``--ensemble N``: N seeds trained on one split, predictions averaged, kept in the run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import biodl
from biodl.errors import ConfigError
from biodl.models.ensemble import Ensemble

SMALL = {"channels": 8, "n_layers": 1}


@pytest.fixture(scope="module")
def gc_csv(tmp_path_factory):
    """300 DNA sequences of 40 bp: 'gc_rich' ones draw G/C with probability 0.6, others 0.3."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    rich, poor = [0.2, 0.3, 0.3, 0.2], [0.35, 0.15, 0.15, 0.35]
    seqs = ["".join(rng.choice(list("ACGT"), 40, p=rich if c else poor)) for c in y]
    path = tmp_path_factory.mktemp("gc") / "gc.csv"
    labels = np.where(y == 1, "gc_rich", "at_rich")
    pd.DataFrame({"sequence": seqs, "label": labels}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory, gc_csv):
    out = tmp_path_factory.mktemp("ens") / "run"
    result = biodl.train(gc_csv, out=out, epochs=4, ensemble=3, model_params=SMALL, n_bootstrap=20)
    return result, out


def test_the_ensemble_learns_a_planted_signal_and_says_what_it_is(ensemble_run):
    result, _ = ensemble_run
    assert result.metrics["model"]["test"]["auroc"] > 0.8  # GC content; chance 0.5
    facts = result.results.training.ensemble
    assert facts.members == 3 and facts.seeds == [0, 1, 2] and facts.combine == "sigmoid"
    assert len(facts.epochs_run) == 3 and len(facts.seconds) == 3
    assert "ensemble of 3 networks (seeds 0, 1, 2)" in result.summary()


def test_the_ensemble_round_trips_through_the_run_directory(ensemble_run, gc_csv):
    result, out = ensemble_run
    saved = biodl.load_run(out)
    assert isinstance(saved.model, Ensemble) and len(saved.model.members) == 3
    assert saved.info["ensemble"]["members"] == 3
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["ensemble"]["seeds"] == [0, 1, 2]
    assert biodl.load_results(out).training.ensemble == result.results.training.ensemble
    assert "ensemble of 3 networks" in (out / "report.html").read_text()
    table = biodl.predict(out, gc_csv)
    kept = result.predictions.set_index("id")
    score = [c for c in table.columns if c.startswith("prob_")][-1]
    np.testing.assert_allclose(
        table.set_index("id").loc[kept.index, score], kept[score], rtol=1e-5, atol=1e-6
    )


def test_the_members_start_from_different_seeds(ensemble_run):
    import torch

    result, _ = ensemble_run
    members = result.model.network.model.members
    first = [p.detach() for p in members[0].parameters()]
    for other in members[1:]:
        assert any(
            not torch.equal(a, b.detach()) for a, b in zip(first, other.parameters(), strict=True)
        )


def test_cross_validation_trains_an_ensemble_per_fold(tmp_path, gc_csv):
    result = biodl.cross_validate(
        gc_csv, folds=2, epochs=2, ensemble=2, model_params=SMALL, out=tmp_path / "cv"
    )
    assert result.results.ensemble == 2
    assert "ensemble of 2 networks" in result.results.comparison.verdict
    assert biodl.load_results(tmp_path / "cv").ensemble == 2


def test_bad_ensembles_are_refused(gc_csv, ensemble_run):
    with pytest.raises(ConfigError, match="--ensemble 0: expected a number of members, 1 or more"):
        biodl.train(gc_csv, epochs=1, ensemble=0, model_params=SMALL, n_bootstrap=20)
    with pytest.raises(ConfigError, match="--ensemble 2 with --init-from: an ensemble is trained"):
        biodl.train(gc_csv, epochs=1, ensemble=2, init_from=str(ensemble_run[1]), n_bootstrap=20)


def test_the_option_is_on_train_and_cv():
    from biodl.cli.app import app

    for command in ("train", "cv"):
        text = CliRunner().invoke(app, [command, "--help"], terminal_width=200).output
        assert "--ensemble" in text
