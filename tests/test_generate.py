"""``biodl generate``: run directory round trip, every output format read back by biodl's own
readers, conditional counts, the samplers table, and bad input (one line, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from biodl.cli import app
from biodl.errors import ConfigError, DataError
from biodl.pipeline.generate import run_generate

FAST = {"epochs": 2, "seed": 0, "progress": False}


def _table(path: Path, n: int = 60, *, counts: bool = False, classes: int = 2) -> Path:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(n, 2))
    values = z @ rng.normal(size=(2, 6)) + 0.3 * rng.normal(size=(n, 6))
    if counts:
        values = rng.poisson(np.exp(1 + values / 3))
    frame = pd.DataFrame(values, columns=[f"g{i}" for i in range(6)])
    frame.insert(0, "cell", np.array(["A", "B", "C"][:classes])[np.arange(n) % classes])
    frame.insert(0, "id", [f"s{i}" for i in range(n)])
    frame.to_csv(path, index=False)
    return path


def test_round_trip_through_the_run_directory(tmp_path: Path) -> None:
    from biodl.data.expression import read_expression

    data = _table(tmp_path / "tab.csv")
    result = run_generate(data, model="vae", n=30, condition="cell", out=tmp_path / "gen", **FAST)
    run = tmp_path / "gen"
    for name in ("samples.csv", "metrics.json", "history.csv", "config.yaml", "report.html"):
        assert (run / name).is_file(), name
    assert (run / "model" / "weights.safetensors").is_file()
    assert result.samples.shape == (30, 6)
    first = run_generate(run, n=7, seed=3, out=tmp_path / "again1")
    second = run_generate(run, n=7, seed=3, out=tmp_path / "again2")
    other = run_generate(run, n=7, seed=4, out=tmp_path / "again3")
    with pytest.warns(Warning):  # the label column is read as metadata
        back = read_expression(str(tmp_path / "again1" / "samples.csv"))
    assert back.X.shape == (7, 6) and back.ids[0] == "syn_1"
    assert set(back.obs["cell"]) <= {"A", "B"}
    assert np.array_equal(first.samples, second.samples)
    assert not np.array_equal(first.samples, other.samples)
    # drawing again with the run's seed and n gives the run's own samples
    same = run_generate(run, n=30, seed=0, out=tmp_path / "again4")
    np.testing.assert_allclose(same.samples, result.samples, rtol=1e-6)
    # options of fitting mean nothing to a saved run: refused, not ignored
    with pytest.raises(ConfigError, match=r"--epochs applies to fitting .* saved run"):
        run_generate(run, n=7, epochs=5, out=tmp_path / "again5")
    assert not (tmp_path / "again5").exists()


def test_metrics_hold_the_samplers_table(tmp_path: Path) -> None:
    data = _table(tmp_path / "tab.csv")
    run_generate(data, model="vae", n=20, out=tmp_path / "gen", **FAST)
    metrics = json.loads((tmp_path / "gen" / "metrics.json").read_text())
    assert set(metrics["samplers"]) == {
        "vae",
        "independent_marginals",
        "gaussian_copula",
        "copy_training",
    }
    copy = metrics["samplers"]["copy_training"]
    assert copy["exact_copy_fraction"] == pytest.approx(1.0)
    assert copy["dcr_ratio"] < 0.1
    assert metrics["rows"]["train"] + metrics["rows"]["holdout"] == 60
    assert "detection_auroc" in metrics["metrics"]
    assert "detection AUROC" in metrics["verdict"]


@pytest.mark.parametrize(
    ("gan", "said"),
    [
        # a 3-epoch GAN on promoters (newcomer walk): detectable, a hair better on correlations
        (
            (1.0, 0.297),
            "worse than independent marginals on detection AUROC (1.00 vs 0.66), better only on "
            "correlation distance (0.297 vs 0.310)",
        ),
        (
            (0.6, 0.2),
            "better than independent marginals on detection AUROC (0.60 vs 0.66) and "
            "correlation distance (0.200 vs 0.310)",
        ),
        ((0.9, 0.4), "no better than independent marginals on detection or correlations"),
    ],
)
def test_the_verdict_says_where_the_checks_against_marginals_disagree(
    gan: tuple[float, float], said: str
) -> None:
    from biodl.pipeline.generate_eval import verdict

    columns = ["detection_auroc", "correlation_distance"]
    table = pd.DataFrame(
        [gan, (0.66, 0.31)], index=["gan", "independent_marginals"], columns=columns
    )
    words = verdict(dict(zip(columns, gan, strict=True)), table)
    assert words.endswith("; " + said)


def test_conditional_counts_per_class(tmp_path: Path) -> None:
    data = _table(tmp_path / "tab.csv", classes=3)
    result = run_generate(
        data, model="vae", n_per_class=4, condition="cell", out=tmp_path / "gen", **FAST
    )
    frame = pd.read_csv(tmp_path / "gen" / "samples.csv")
    assert frame["cell"].value_counts().to_dict() == {"A": 4, "B": 4, "C": 4}
    assert "tstr" in result.metrics


@pytest.mark.parametrize("model", ["vae", "gan"])
def test_conditional_counts_keep_each_class_s_total_counts(tmp_path: Path, model: str) -> None:
    rng = np.random.default_rng(1)
    depth = np.where(np.arange(80) % 2 == 0, 40.0, 400.0)  # class A shallow, B deep
    counts = rng.poisson(depth[:, None] * np.full(8, 1 / 8))
    frame = pd.DataFrame(counts, columns=[f"g{i}" for i in range(8)])
    frame.insert(0, "cell", np.where(np.arange(80) % 2 == 0, "A", "B"))
    frame.insert(0, "id", [f"c{i}" for i in range(80)])
    frame.to_csv(tmp_path / "deep.csv", index=False)
    result = run_generate(
        tmp_path / "deep.csv", model=model, n_per_class=30, condition="cell",
        out=tmp_path / "gen", **FAST,
    )  # fmt: skip
    samples = pd.read_csv(tmp_path / "gen" / "samples.csv")
    totals = samples.filter(like="g").sum(axis=1).groupby(samples["cell"]).mean()
    assert totals["B"] > 4 * totals["A"], totals  # drawn from each class's own rows
    assert result.samples.shape == (60, 8)


def test_counts_are_whole_numbers_and_h5ad_in_gives_h5ad_out(tmp_path: Path) -> None:
    import anndata

    from biodl.data.expression import read_expression

    frame = pd.read_csv(_table(tmp_path / "c.csv", counts=True))
    adata = anndata.AnnData(
        X=frame.filter(like="g").to_numpy(np.float32),
        obs=pd.DataFrame({"cell": frame["cell"].to_numpy()}, index=frame["id"].to_numpy()),
    )
    adata.write_h5ad(tmp_path / "c.h5ad")
    result = run_generate(tmp_path / "c.h5ad", model="vae", n=9, out=tmp_path / "gen", **FAST)
    back = read_expression(str(tmp_path / "gen" / "samples.h5ad"))
    assert back.X.shape == (9, 6)
    assert np.array_equal(result.samples, np.round(result.samples))
    assert (result.samples >= 0).all()


def test_images_are_written_as_npz_and_a_png_grid(tmp_path: Path) -> None:
    from biodl.data.images import read_image_npz

    rng = np.random.default_rng(0)
    labels = np.arange(48) % 2
    images = (rng.random((48, 8, 8)) * 60 + labels[:, None, None] * 150).astype(np.uint8)
    np.savez(tmp_path / "digits.npz", train_images=images, train_labels=labels)
    result = run_generate(
        tmp_path / "digits.npz",
        model="vae",
        n_per_class=5,
        condition="label",
        out=tmp_path / "gen",
        **FAST,
    )
    parts = read_image_npz(tmp_path / "gen" / "samples.npz")
    train = parts["train"]
    assert train is not None and len(train) == 10 and train.size == 8
    assert train.labels is not None
    assert train.labels["label"].value_counts().to_dict() == {"0": 5, "1": 5}
    assert (tmp_path / "gen" / "samples.png").stat().st_size > 0
    assert result.samples.shape == (10, 1, 8, 8)


@pytest.mark.parametrize(
    "given, loss", [(None, "wasserstein-gp"), ("nonsaturating", "nonsaturating")]
)
def test_image_gans_default_to_the_wasserstein_loss(tmp_path: Path, given, loss) -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(48) % 2
    images = (rng.random((48, 8, 8)) * 60 + labels[:, None, None] * 150).astype(np.uint8)
    np.savez(tmp_path / "digits.npz", train_images=images, train_labels=labels)
    run_generate(
        tmp_path / "digits.npz", model="gan", n=6, gan_loss=given, out=tmp_path / "gen", **FAST
    )
    training = json.loads((tmp_path / "gen" / "metrics.json").read_text())["training"]
    assert training["loss"] == loss


def test_sequences_are_written_as_fasta(tmp_path: Path) -> None:
    from biodl.data.sequence import read_sequences

    rng = np.random.default_rng(0)
    lines = []
    for i in range(40):
        seq = "".join(rng.choice(list("ACGT"), 14))
        lines += [f">r{i} kind={'x' if i % 2 else 'y'}", seq]
    (tmp_path / "s.fa").write_text("\n".join(lines) + "\n")
    run_generate(
        tmp_path / "s.fa",
        model="gan",
        n=12,
        condition="kind",
        length=10,
        out=tmp_path / "gen",
        **FAST,
    )
    back = read_sequences(tmp_path / "gen" / "samples.fa", label_columns=["kind"])
    assert len(back.ids) == 12
    assert set(np.diff(back.offsets)) == {10}
    assert back.labels is not None and set(back.labels["kind"]) <= {"x", "y"}


def test_vae_is_refused_for_sequences(tmp_path: Path) -> None:
    (tmp_path / "s.fa").write_text("".join(f">r{i}\nACGTACGTAC\n" for i in range(30)))
    with pytest.raises(ConfigError, match="sequences are made by the GAN"):
        run_generate(tmp_path / "s.fa", model="vae", out=tmp_path / "gen", **FAST)
    assert not (tmp_path / "gen").exists()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"n": 0}, ConfigError, r"--n 0: expected a positive number"),
        ({"n_per_class": -1}, ConfigError, r"--n-per-class -1: expected a positive"),
        ({"model": "diffusion"}, ConfigError, r"--model 'diffusion': expected one of vae, gan"),
        ({"condition": "nope"}, DataError, r"--condition 'nope' is not a column"),
        ({"holdout": 1.5}, ConfigError, r"--holdout 1.5: expected a fraction"),
    ],
)
def test_bad_options(tmp_path: Path, options: dict, error: type, match: str) -> None:
    data = _table(tmp_path / "tab.csv")
    with pytest.raises(error, match=match):
        run_generate(data, out=tmp_path / "gen", **{**FAST, **options})
    assert not (tmp_path / "gen").exists()


def test_condition_with_one_class_and_too_few_rows(tmp_path: Path) -> None:
    data = _table(tmp_path / "one.csv", classes=1)
    with pytest.raises(DataError, match="has one class"):
        run_generate(data, condition="cell", out=tmp_path / "gen", **FAST)
    small = _table(tmp_path / "small.csv", n=9)
    with pytest.raises(DataError, match="7 training rows after the held-out part; a vae needs"):
        run_generate(small, out=tmp_path / "gen", **FAST)


def test_a_run_that_is_not_generative_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "trained"
    (run / "model").mkdir(parents=True)
    (run / "model" / "model.json").write_text('{"kind": "expression", "model": "mlp"}')
    (run / "metrics.json").write_text("{}")
    with pytest.raises(DataError, match="not one of `biodl generate`"):
        run_generate(run, n=5, out=tmp_path / "gen")
    result = CliRunner().invoke(
        app, ["generate", str(run), "--n", "5", "--out", str(tmp_path / "g")]
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "not one of `biodl generate`" in lines[0]


def test_cli_writes_samples(tmp_path: Path) -> None:
    data = _table(tmp_path / "tab.csv")
    out = tmp_path / "gen"
    result = CliRunner().invoke(
        app,
        ["generate", str(data), "--n", "8", "--epochs", "2", "--out", str(out), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out / "samples.csv")) == 8
    bad = CliRunner().invoke(app, ["generate", str(data), "--n", "0", "--out", str(out)])
    assert bad.exit_code == 2 and "--n 0" in bad.output


def _counts_csv(path: Path) -> Path:
    from biodl.data.simulate import simulate_counts

    sim = simulate_counts(160, 40, n_types=3, markers=8, seed=1)
    frame = pd.DataFrame(np.asarray(sim.counts, dtype=np.int64))
    frame.columns = [f"g{j}" for j in range(40)]
    frame.insert(0, "id", [f"c{i}" for i in range(160)])
    frame.to_csv(path, index=False)
    return path


def test_count_gans_draw_counts_with_the_cells_own_noise(tmp_path: Path) -> None:
    data = _counts_csv(tmp_path / "counts.csv")
    real = pd.read_csv(data, index_col=0).to_numpy(np.float64)
    result = run_generate(data, model="gan", n=150, out=tmp_path / "gen", **FAST)
    spec = json.loads((tmp_path / "gen" / "model" / "model.json").read_text())
    assert spec["class"] == "CountGenerator"
    samples = result.samples
    assert np.array_equal(samples, np.round(samples)) and (samples >= 0).all()
    # negative-binomial draws at the training library sizes: the total counts vary from cell
    # to cell as the real ones do, and as many counts are zero
    spread = samples.sum(axis=1).std() / real.sum(axis=1).std()
    assert 0.6 < spread < 1.6
    assert abs((samples == 0).mean() - (real == 0).mean()) < 0.08
    again = run_generate(tmp_path / "gen", n=150, seed=0, out=tmp_path / "again")
    np.testing.assert_array_equal(again.samples, samples)


def test_count_gans_can_give_log1p_values_directly(tmp_path: Path) -> None:
    data = _counts_csv(tmp_path / "counts.csv")
    result = run_generate(data, model="gan", n=20, gan_counts="log1p", out=tmp_path / "gen", **FAST)
    spec = json.loads((tmp_path / "gen" / "model" / "model.json").read_text())
    assert spec["class"] == "MLPGenerator"
    assert np.array_equal(result.samples, np.round(result.samples))
    with pytest.raises(ConfigError, match=r"--gan-counts 'poisson': expected one of draw, log1p"):
        run_generate(data, model="gan", gan_counts="poisson", out=tmp_path / "x", **FAST)


@pytest.mark.parametrize(
    ("option", "flag"),
    [
        ({"gan_loss": "wasserstein-gp"}, "--gan-loss"),
        ({"gan_counts": "draw"}, "--gan-counts"),
        ({"d_steps": 2}, "--d-steps"),
        ({"stop_when_fooled": 0.5}, "--stop-when-fooled"),
    ],
)
def test_gan_options_are_refused_with_a_vae(tmp_path: Path, option: dict, flag: str) -> None:
    data = _counts_csv(tmp_path / "counts.csv")
    with pytest.raises(ConfigError, match=rf"{flag} applies to --model gan, not vae"):
        run_generate(data, model="vae", out=tmp_path / "gen", **option, **FAST)
    assert not (tmp_path / "gen").exists()


def test_gan_counts_is_refused_on_values_that_are_not_counts(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.normal(size=(60, 5)), columns=[f"g{i}" for i in range(5)])
    table.index = [f"s{i}" for i in range(60)]
    table.to_csv(tmp_path / "values.csv")
    with pytest.raises(ConfigError, match=r"--gan-counts applies to a table of counts; .*values"):
        run_generate(
            tmp_path / "values.csv", model="gan", gan_counts="log1p", out=tmp_path / "gen", **FAST
        )
    assert not (tmp_path / "gen").exists()
