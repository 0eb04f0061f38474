"""The CNN's ``additive="auto"`` (the default): decided on the training part, on where the
positions add to the k-mer spectrum (an aligned signal), off where a motif sits anywhere; the
run records the value chosen; explicit values and ``--init-from`` keep their meaning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from biodl.config import build_config
from biodl.data.alphabet import ALPHABETS
from biodl.data.sequence import SequenceSet
from biodl.errors import ConfigError
from biodl.kinds import prepare_run_data
from biodl.kinds.sequence_additive import MAX_ROWS, choose_additive
from biodl.pipeline.fitting import fit_model

LETTERS = np.array(list("ACGT"))
FAST = {"epochs": 1, "seed": 0, "threads": 1}
SMALL = ["model.channels=8", "model.n_layers=1"]


def aligned(n: int = 200, length: int = 30, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Label 1 where a weighted sum of the letters at each position is above its median: a
    signal of where each letter sits, which letter frequencies cannot see."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(length, 4))
    codes = rng.integers(0, 4, size=(n, length))
    score = weights[np.arange(length), codes].sum(axis=1)
    return ["".join(LETTERS[c]) for c in codes], (score > np.median(score)).astype(np.int64)


def anywhere(n: int = 200, length: int = 40, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """GATAAG at a random position of every second sequence (the estimator test's data)."""
    rng = np.random.default_rng(seed)
    seqs, y = [], []
    for i in range(n):
        s = list(rng.choice(list("ACGT"), length))
        if i % 2:
            p = int(rng.integers(0, length - 6))
            s[p : p + 6] = "GATAAG"
        seqs.append("".join(s))
        y.append(i % 2)
    return seqs, np.array(y)


def _set(seqs: list[str]) -> SequenceSet:
    dna = ALPHABETS["dna"]
    codes = dna.lut[np.frombuffer("".join(seqs).encode(), dtype=np.uint8)].copy()
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])])
    return SequenceSet(
        np.array([f"s{i}" for i in range(len(seqs))], dtype=object), codes, offsets, dna
    )


def _csv(path: Path, seqs: list[str], y: np.ndarray) -> Path:
    pd.DataFrame({"sequence": seqs, "label": y}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_for_an_aligned_signal_off_for_a_motif_anywhere(seed: int) -> None:
    seqs, y = aligned(seed=seed)
    on = choose_additive(_set(seqs), y, "binary", length=30, seed=seed)
    assert on.on and on.metric == "auroc"
    assert on.positional is not None and on.kmers is not None
    assert on.positional > on.kmers + 0.1  # the spectrum alone is near chance here
    seqs, y = anywhere(seed=seed)
    off = choose_additive(_set(seqs), y, "binary", length=40, seed=seed)
    assert not off.on and off.kmers is not None and off.positional is not None
    assert off.kmers > 0.8 and off.positional < off.kmers
    assert "spectrum" in off.reason and off.seconds >= 0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_off_where_no_linear_model_beats_chance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    seqs, _ = aligned(n=150, seed=seed)
    labels = rng.permutation(np.arange(150) % 2)  # no signal: the comparison alone is noise
    # (on in 21 of 40 such seeds by the comparison alone, in 0 of 40 with the 99% interval)
    choice = choose_additive(_set(seqs), labels, "binary", length=30, seed=seed)
    assert not choice.on and "chance 0.500" in choice.reason


def test_regression_targets_use_ridge_and_spearman() -> None:
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(20, 4))
    codes = rng.integers(0, 4, size=(150, 20))
    y = weights[np.arange(20), codes].sum(axis=1)[:, None] + 0.3 * rng.normal(size=(150, 1))
    y[3, 0] = np.nan  # a missing target is left out, not fatal
    choice = choose_additive(_set(["".join(LETTERS[c]) for c in codes]), y, "regression", length=20)
    assert choice.on and choice.metric == "spearman"


def test_off_without_a_fixed_length_or_from_the_size_limit() -> None:
    seqs, y = aligned(n=20)
    assert choose_additive(_set(seqs), y, "binary", length=None).reason == (
        "sequences of different lengths"
    )
    many, labels = aligned(n=MAX_ROWS, length=10)
    big = choose_additive(_set(many), labels, "binary", length=10)
    assert not big.on and big.reason.startswith(f"{MAX_ROWS:,} training sequences")
    few = choose_additive(_set(seqs[:6]), np.array([0, 0, 0, 0, 0, 1]), "binary", length=30)
    assert not few.on and "too few" in few.reason


def test_the_run_records_the_value_chosen_on_its_training_part(tmp_path: Path) -> None:
    path = _csv(tmp_path / "aligned.csv", *aligned())
    cfg = build_config(train=str(path), overrides=SMALL, **FAST)
    prepared = prepare_run_data(cfg)
    trained, _ = fit_model(cfg, prepared, progress=False)
    assert trained.info["params"]["additive"] is True
    assert trained.network.model.linear is not None
    decided = trained.info["additive_auto"]
    assert decided["on"] and decided["positional"] > decided["kmers"]
    # the same decision from the training part alone
    again = choose_additive(
        prepared.part("train"), prepared.y["train"], "binary", length=30, seed=0
    )
    assert again.to_json()["positional"] == decided["positional"]

    path = _csv(tmp_path / "anywhere.csv", *anywhere())
    cfg = build_config(train=str(path), overrides=SMALL, **FAST)
    trained, _ = fit_model(cfg, prepare_run_data(cfg), progress=False)
    assert trained.info["params"]["additive"] is False
    assert trained.network.model.linear is None and not trained.info["additive_auto"]["on"]


@pytest.mark.parametrize("value", [True, False])
def test_an_explicit_value_is_kept_and_runs_no_rule(tmp_path: Path, value: bool) -> None:
    seqs, y = anywhere() if value else aligned()
    path = _csv(tmp_path / "data.csv", seqs, y)
    overrides = [*SMALL, f"model.additive={str(value).lower()}"]
    cfg = build_config(train=str(path), overrides=overrides, **FAST)
    trained, _ = fit_model(cfg, prepare_run_data(cfg), progress=False)
    assert trained.info["params"]["additive"] is value and "additive_auto" not in trained.info
    assert (trained.network.model.linear is not None) is value


def test_a_penalty_needs_the_term_on_for_certain(tmp_path: Path) -> None:
    path = _csv(tmp_path / "aligned.csv", *aligned())
    cfg = build_config(train=str(path), overrides=[*SMALL, "model.additive_penalty=0.2"], **FAST)
    with pytest.raises(ConfigError, match="additive_penalty=0.2 with model.additive=auto"):
        fit_model(cfg, prepare_run_data(cfg), progress=False)


def test_init_from_turns_auto_off_and_leaves_the_source_term_behind(tmp_path: Path) -> None:
    import biodl

    path = _csv(tmp_path / "aligned.csv", *aligned())
    options = {**FAST, "n_bootstrap": 20, "progress": False, "baseline": "fast"}
    source = biodl.train(path, out=tmp_path / "source", overrides=SMALL, **options)
    assert source.config.model.params["additive"] is True  # recorded as chosen
    assert "additive: true" in (tmp_path / "source" / "config.yaml").read_text()
    cfg = build_config(train=str(path), init_from=str(tmp_path / "source"), **FAST)
    trained, _ = fit_model(cfg, prepare_run_data(cfg), progress=False)
    assert trained.info["params"]["additive"] is False and "additive_auto" not in trained.info
    transfer = trained.info["transfer"]
    assert sorted(transfer["unexpected"]) == ["linear.bias", "linear.weight"]  # its term
    assert transfer["head"] == "loaded" and not transfer["missing"]


def test_cv_decides_in_each_fold_and_says_so_in_folds_csv(tmp_path: Path) -> None:
    import biodl

    path = _csv(tmp_path / "aligned.csv", *aligned())
    result = biodl.cross_validate(
        path, folds=2, overrides=SMALL, progress=False, baseline="fast", **FAST
    )
    model = result.folds[result.folds["who"] == "model"]
    assert model["additive"].tolist() == [True, True]
    assert (result.folds[result.folds["who"] == "baseline"]["additive"] == "").all()
    assert "additive" not in result.results.model.metrics  # not taken for a metric


def test_an_ensemble_decides_once_and_saves_and_loads_as_one_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--ensemble N: the members share the first seed's decision. A rule run per member
    (seeds 0, 1, ...) could differ between them on a borderline set (seen: 3 of 30 noisy
    aligned sets of 150 sequences), and members with and without the term cannot be saved
    and loaded as one model."""
    from biodl.kinds.sequence import SequenceKind
    from biodl.kinds.sequence_additive import AdditiveChoice
    from biodl.runs import load_model, save_model

    seeds: list[int] = []

    def by_seed(self: SequenceKind, cfg: Any, prepared: Any) -> AdditiveChoice:
        seeds.append(cfg.train.seed)
        return AdditiveChoice(cfg.train.seed % 2 == 0, f"seed {cfg.train.seed}")

    monkeypatch.setattr(SequenceKind, "additive_auto", by_seed)
    path = _csv(tmp_path / "aligned.csv", *aligned(n=60))
    cfg = build_config(train=str(path), overrides=SMALL, ensemble=2, **FAST)
    trained, _ = fit_model(cfg, prepare_run_data(cfg), progress=False)
    assert seeds == [0]  # decided once, with the first member's seed
    assert trained.info["params"]["additive"] is True
    assert trained.info["additive_auto"]["reason"] == "seed 0"
    members = trained.network.model.members
    assert [m.linear is not None for m in members] == [True, True]
    save_model(tmp_path / "model", trained.network.model, trained.info)
    loaded = load_model(tmp_path)
    assert [m.linear is not None for m in loaded.network.model.members] == [True, True]


def test_multiclass_chance_counts_the_classes_present_and_the_reason_its_folds() -> None:
    """Balanced accuracy averages the recall of the classes in the training part: with a
    fourth class absent there (a cv fold) chance is 1/3, not 1/4; a class of two sequences
    allows two stratified folds, and the reason says two."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(30, 4, 3))
    codes = rng.integers(0, 4, size=(200, 30))
    y = weights[np.arange(30), codes].sum(axis=1).argmax(axis=1)
    seqs = _set(["".join(LETTERS[c]) for c in codes])
    choice = choose_additive(seqs, y, "multiclass", length=30, n_classes=4)
    assert choice.metric == "balanced_accuracy" and "chance 0.333" in choice.reason
    assert choice.reason.startswith("5-fold CV")
    rare = np.where(np.arange(200) < 2, 3, y)  # class 3: two sequences
    choice = choose_additive(seqs, rare, "multiclass", length=30, n_classes=4)
    assert choice.reason.startswith("2-fold CV") and "chance 0.250" in choice.reason


def test_a_value_of_another_kind_is_refused_naming_every_choice(tmp_path: Path) -> None:
    path = _csv(tmp_path / "aligned.csv", *aligned(n=40))
    cfg = build_config(train=str(path), overrides=[*SMALL, "model.additive=1"], **FAST)
    with pytest.raises(ConfigError, match="'additive' must be one of true, false, auto; got 1"):
        fit_model(cfg, prepare_run_data(cfg), progress=False)
