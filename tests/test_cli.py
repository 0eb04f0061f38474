"""The `biodl` command line, end to end on small data: every train option, predict, evaluate.

Runs use a tiny CNN and 3 epochs; they check behaviour (files, metrics, options reaching the
run), not accuracy, except where a planted signal must be learned.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from biodl.cli import app
from biodl.evaluation.results import RunResults
from biodl.pipeline.train import format_summary

runner = CliRunner()

# Small, fast settings for end-to-end runs: a tiny CNN, few epochs, few bootstrap resamples.
FAST = [
    "--epochs",
    "3",
    "--bootstrap",
    "50",
    "--quiet",
    "--set",
    "model.channels=8",
    "--set",
    "model.n_layers=1",
]


def biodl(*args: str | Path) -> object:
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: str | Path):
    result = biodl(*args)
    assert result.exit_code == 0, result.output
    return result


def config_of(run: Path) -> dict:
    return yaml.safe_load((run / "config.yaml").read_text())


def test_help_lists_every_command():
    result = ok("--help")
    for command in ("train", "predict", "evaluate", "models", "demo"):
        assert command in result.output


def test_help_does_not_import_torch():
    code = (
        "import sys; from biodl.cli import app; assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_train_fasta_with_header_labels_writes_the_run(tmp_path, motif_fasta):
    import torch

    run = tmp_path / "run"
    torch.set_num_threads(2)  # by default, training runs on one thread whatever torch had
    result = biodl("train", motif_fasta, "--out", run, *FAST)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    assert threads == 1
    assert result.exit_code == 0, result.output
    for name in (
        "config.yaml",
        "metrics.json",
        "predictions.csv",
        "history.csv",
        "report.html",
        "environment.json",
        "model/weights.safetensors",
        "model/model.json",
        "plots/learning_curves.png",
        "plots/roc.png",
        "plots/pr.png",
        "plots/calibration.png",
        "plots/confusion_matrix.png",
    ):
        assert (run / name).is_file(), name
    metrics = json.loads((run / "metrics.json").read_text())
    labels = pd.read_csv(run / "predictions.csv").query("split == 'test'")["true"].astype(str)
    positive = str(metrics["data"]["classes"][1])
    assert metrics["prevalence"]["value"] == pytest.approx((labels == positive).mean())
    assert "auprc (prev" in format_summary(RunResults.from_json(metrics))
    assert "AUPRC (prevalence" in (run / "report.html").read_text()
    for who in ("model", "baseline"):
        for split in ("test", "valid"):
            assert set(metrics[who][split]) == {
                "accuracy",
                "balanced_accuracy",
                "auroc",
                "auprc",
                "f1",
                "mcc",
            }
    assert metrics["comparison"]["verdict"].endswith(".")
    predictions = pd.read_csv(run / "predictions.csv")
    assert list(predictions.columns) == [
        "id",
        "split",
        "true",
        "predicted",
        "prob_background",
        "prob_enhancer",
    ]
    assert len(predictions) == 240
    assert sorted(predictions["split"].unique()) == ["test", "train", "valid"]
    env = json.loads((run / "environment.json").read_text())
    assert str(motif_fasta) in env["input_sha256"]
    assert env["threads"] == 1
    html = (run / "report.html").read_text()
    assert "data:image/png;base64" in html and "https://" not in html
    assert not list(tmp_path.glob(".run.partial-*"))


def test_config_reproduces_the_run(tmp_path, motif_fasta):
    first, second = tmp_path / "a", tmp_path / "b"
    ok("train", motif_fasta, "--out", first, *FAST, "--seed", "3")
    ok("train", "--config", first / "config.yaml", "--out", second, "--quiet")
    a = json.loads((first / "metrics.json").read_text())
    b = json.loads((second / "metrics.json").read_text())
    assert a["model"]["test"] == b["model"]["test"]
    assert a["baseline"]["test"] == b["baseline"]["test"]


def test_csv_multilabel_and_training_options(tmp_path, motif_csv):
    run = tmp_path / "ml"
    ok(
        "train",
        motif_csv,
        "--out",
        run,
        *FAST,
        "--sequence-column",
        "sequence",
        "--id-column",
        "id",
        "--label-column",
        "has_gata",
        "--label-column",
        "is_enhancer",
        "--optimizer",
        "sgd",
        "--lr",
        "0.05",
        "--momentum",
        "0.8",
        "--nesterov",
        "--weight-decay",
        "0.001",
        "--scheduler",
        "cosine",
        "--batch-size",
        "full",
        "--l1",
        "1e-5",
        "--l2",
        "1e-4",
        "--grad-clip",
        "1.0",
        "--patience",
        "0",
        "--dropout",
        "0.3",
        "--class-weights",
        "balanced",
        "--threads",
        "1",
        "--device",
        "cpu",
        "--precision",
        "32-true",
        "--strategy",
        "auto",
        "--devices",
        "1",
        "--num-nodes",
        "1",
    )
    cfg = config_of(run)
    assert cfg["train"]["optimizer"] == "sgd" and cfg["train"]["nesterov"] is True
    assert cfg["train"]["batch_size"] == "full" and cfg["model"]["params"]["dropout"] == 0.3
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["task"] == "multilabel"
    assert metrics["training"]["epochs_run"] == 3
    predictions = pd.read_csv(run / "predictions.csv")
    assert {"true_has_gata", "predicted_has_gata", "prob_is_enhancer"} <= set(predictions.columns)


def test_fasta_with_labels_table_separate_test_file_and_stochastic_batches(tmp_path, motif_fasta):
    from biodl.data.sequence import read_sequences

    seqs = read_sequences(motif_fasta)
    train_fa, test_fa, table = tmp_path / "train.fa", tmp_path / "test.fa", tmp_path / "labels.csv"
    lines = [f">{seqs.ids[i]}\n{seqs.sequence(i)}\n" for i in range(len(seqs))]
    train_fa.write_text("".join(lines[:200]))
    test_fa.write_text("".join(lines[200:]))
    pd.DataFrame({"id": seqs.ids, "class": seqs.labels["label"]}).to_csv(table, index=False)
    run = tmp_path / "run"
    ok(
        "train",
        train_fa,
        "--test",
        test_fa,
        "--labels",
        table,
        "--out",
        run,
        *FAST,
        "--batch-size",
        "1",
        "--epochs",
        "1",
        "--valid-size",
        "0.1",
        "--loss",
        "cross_entropy",
        "--monitor",
        "auroc",
        "--optimizer",
        "rmsprop",
    )
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["n_test"] == 40 and metrics["data"]["n_valid"] == 20
    model = json.loads((run / "model" / "model.json").read_text())
    assert model["loss"] == "cross_entropy" and model["n_outputs"] == 2


def test_class_folder_input_with_valid_folder(tmp_path, motif_fasta):
    from biodl.data.sequence import read_sequences

    seqs = read_sequences(motif_fasta)
    for split, rows in (("train", range(0, 200)), ("valid", range(200, 240))):
        for label in ("enhancer", "background"):
            folder = tmp_path / split
            folder.mkdir(exist_ok=True)
            keep = [i for i in rows if seqs.labels["label"][i] == label]
            (folder / f"{label}.fa").write_text(
                "".join(f">{seqs.ids[i]}\n{seqs.sequence(i)}\n" for i in keep)
            )
    run = tmp_path / "run"
    ok(
        "train",
        tmp_path / "train",
        "--valid",
        tmp_path / "valid",
        "--out",
        run,
        *FAST,
        "--test-size",
        "0.25",
        "--split",
        "random",
        "--task",
        "binary",
        "--alphabet",
        "dna",
    )
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["n_valid"] == 40 and metrics["data"]["n_test"] == 50
    assert "random split" in metrics["data"]["split"]


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "cnn-lstm", "transformer", "mlp"])
def test_every_model_trains_from_the_cli(tmp_path, motif_fasta, model):
    run = tmp_path / model
    ok(
        "train",
        motif_fasta,
        "--out",
        run,
        "--model",
        model,
        "--epochs",
        "1",
        "--bootstrap",
        "20",
        "--quiet",
        "--baseline",
        "random_forest",
        "--kmer",
        "3",
        "--no-positional",
    )
    assert config_of(run)["model"]["name"] == model
    assert (
        json.loads((run / "metrics.json").read_text())["baseline"]["features"]
        == "1- to 3-mer frequencies"  # --kmer 3: the spectrum k = 1..3 (one k with fast)
    )


def test_mlp_on_onehot_gets_a_length_and_variable_lengths_work(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    lines = []
    for i in range(120):
        n = int(rng.integers(30, 60))
        s = "".join(rng.choice(list("ACGT"), n))
        label = "pos" if i % 2 else "neg"
        if label == "pos":
            s = s[:10] + "GGGGCCCC" + s[18:]
        lines.append(f">s{i} label={label}\n{s}\n")
    data = tmp_path / "var.fa"
    data.write_text("".join(lines))
    ok("train", data, "--out", tmp_path / "cnn", *FAST)
    model = json.loads((tmp_path / "cnn" / "model" / "model.json").read_text())
    assert model["inputs"]["length"] is None
    assert (
        json.loads((tmp_path / "cnn" / "model" / "model.json").read_text())["inputs"]["length"]
        is None
    )
    ok(
        "train",
        data,
        "--out",
        tmp_path / "mlp",
        "--model",
        "mlp",
        "--set",
        "model.features=onehot",
        "--epochs",
        "2",
        "--quiet",
        "--bootstrap",
        "20",
    )
    model = json.loads((tmp_path / "mlp" / "model" / "model.json").read_text())
    assert model["inputs"]["length"] == 59
    assert (
        json.loads((tmp_path / "mlp" / "model" / "model.json").read_text())["inputs"]["length"]
        == 59
    )
    ok("train", data, "--out", tmp_path / "crop", "--length", "40", *FAST)
    assert config_of(tmp_path / "crop")["data"]["length"] == 40


def test_regression_from_csv(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), 30)) for _ in range(150)]
    target = [s.count("W") + 0.1 * rng.normal() for s in seqs]
    path = tmp_path / "prot.csv"
    pd.DataFrame({"sequence": seqs, "target": target}).to_csv(path, index=False)
    run = tmp_path / "reg"
    ok("train", path, "--out", run, *FAST, "--loss", "huber")
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["task"] == "regression" and metrics["data"]["alphabet"] == "protein"
    assert set(metrics["model"]["test"]) == {"rmse", "mae", "r2", "pearson", "spearman"}
    assert (run / "plots" / "predicted_vs_true.png").is_file()
    assert metrics["baseline"]["test"]["spearman"] > 0.5


def test_predict_and_evaluate(tmp_path, motif_fasta, motif_csv):
    run = tmp_path / "run"
    ok("train", motif_fasta, "--out", run, *FAST)
    out = tmp_path / "pred.csv"
    ok("predict", run, motif_fasta, "--out", out)
    table = pd.read_csv(out)
    assert list(table.columns) == ["id", "true", "predicted", "prob_background", "prob_enhancer"]
    stored = pd.read_csv(run / "predictions.csv").set_index("id").loc[table["id"]]
    assert (table["prob_enhancer"].to_numpy() - stored["prob_enhancer"].to_numpy()).max() < 1e-5
    printed = ok("predict", run, motif_csv, "--batch-size", "7")
    assert printed.stdout.startswith("id,true,predicted")
    result = ok("evaluate", run, motif_fasta, "--out", tmp_path / "m.json", "--bootstrap", "30")
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 240 and 0 <= metrics["metrics"]["auroc"] <= 1
    assert json.loads((tmp_path / "m.json").read_text()) == metrics


def test_models_lists_parameters():
    result = ok("models")
    assert "cnn:" in result.output and "channels = 64" in result.output
    assert "transformer:" in result.output
    assert ok("models", "lstm").output.count(":") >= 2


def test_models_of_every_kind_and_their_own_parameters():
    everything = ok("models").output
    for kind in ("sequence", "expression", "timeseries", "records", "image"):
        assert f"== {kind} (--kind {kind}) ==" in everything
    expression = ok("models", "--kind", "expression").output
    assert "hidden_sizes" in expression and "== image" not in expression
    assert "delta_scale = 24.0" in ok("models", "grud").output
    mlp = ok("models", "mlp").output
    assert "mlp [sequence]" in mlp and "mlp [expression]" in mlp and "mlp [image]" in mlp
    for args, message in [(["nope"], "unknown model 'nope'"), (["--kind", "x"], "--kind x")]:
        result = CliRunner().invoke(app, ["models", *args])
        assert result.exit_code == 2 and message in result.output


def test_demo_runs(tmp_path):
    ok("demo", "--out", tmp_path / "demo", "--epochs", "1", "--quiet")
    assert (tmp_path / "demo" / "report.html").is_file()
    assert (tmp_path / "demo-motifs.fa").is_file()


# ---- bad input: one line, exit 2, nothing half-written -----------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "cnnn"], "unknown model 'cnnn'; valid models: cnn"),
        (["--set", "model.chanels=3"], "model 'cnn' has no parameter 'chanels'"),
        (["--optimizer", "adamm"], "expected one of sgd, rmsprop, adam, adamw, adagrad, adadelta"),
        (["--loss", "mse"], "--loss mse does not fit a binary task"),
        (["--monitor", "rmse"], "--monitor rmse: not a metric of a binary task"),
        (["--batch-size", "half"], "--batch-size half: expected a whole number"),
        (["--set", "lr=1"], "expected section.key=value"),
        (["--label-column", "nope"], "nope"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path, motif_fasta, args, message):
    run = tmp_path / "bad"
    result = biodl("train", motif_fasta, "--out", run, "--quiet", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not run.exists() and not list(tmp_path.glob(".bad.partial-*"))


def test_missing_file_and_debug_traceback(tmp_path):
    result = biodl("train", tmp_path / "nope.fa", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "nope.fa" in result.stderr
    debug = biodl("--debug", "train", tmp_path / "nope.fa", "--out", tmp_path / "r")
    assert debug.exit_code != 0 and debug.exception is not None


def test_existing_run_needs_overwrite(tmp_path, motif_fasta):
    run = tmp_path / "run"
    ok("train", motif_fasta, "--out", run, *FAST)
    result = biodl("train", motif_fasta, "--out", run, *FAST)
    assert result.exit_code == 2 and "--overwrite" in result.stderr
    ok("train", motif_fasta, "--out", run, *FAST, "--overwrite", "--seed", "2")
    assert config_of(run)["train"]["seed"] == 2


def test_out_is_required(motif_fasta):
    result = biodl("train", motif_fasta)
    assert result.exit_code == 2 and "--out is required" in result.stderr


def test_leakage_is_reported(tmp_path, motif_fasta):
    run = tmp_path / "leak"
    result = biodl("train", motif_fasta, "--test", motif_fasta, "--out", run, *FAST[:-4])
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["data"]["leakage"]["identical_train_test"] > 0
    assert "identical to a training sequence" in (run / "report.html").read_text()


def test_predict_on_a_folder_that_is_not_a_run(tmp_path, motif_fasta):
    result = biodl("predict", tmp_path, motif_fasta)
    assert result.exit_code == 2 and "not a biodl run directory" in result.stderr


def test_evaluate_needs_labels(tmp_path, motif_fasta):
    run = tmp_path / "run"
    ok("train", motif_fasta, "--out", run, *FAST)
    unlabelled = tmp_path / "u.fa"
    unlabelled.write_text(">a\nACGTACGTACGTACGTACGT\n>b\nACGTACGTACGTAAAAACGT\n")
    result = biodl("evaluate", run, unlabelled)
    assert result.exit_code == 2 and "label" in result.stderr


@pytest.mark.slow
def test_ddp_spawn_on_two_cpu_processes(tmp_path, motif_fasta):
    """The Lightning strategy options reach the trainer; history comes back from the workers."""
    run = tmp_path / "ddp"
    ok(
        "train",
        motif_fasta,
        "--out",
        run,
        *FAST,
        "--strategy",
        "ddp_spawn",
        "--devices",
        "2",
        "--device",
        "cpu",
        "--epochs",
        "2",
    )
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["training"]["device"] == "cpu x2"
    assert metrics["training"]["epochs_run"] == 2
    assert len(pd.read_csv(run / "history.csv")) == 2


def test_progress_bar_and_other_precision(tmp_path, motif_fasta):
    import biodl

    result = biodl.train(
        motif_fasta,
        out=tmp_path / "p",
        epochs=1,
        progress=True,
        precision="64-true",
        model_params={"channels": 8, "n_layers": 1},
        n_bootstrap=20,
    )
    assert result.metrics["training"]["epochs_run"] == 1


def test_overwrite_never_replaces_a_folder_that_is_not_a_run(tmp_path, motif_fasta):
    precious = tmp_path / "mydata"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = biodl("train", motif_fasta, "--out", precious, *FAST, "--overwrite")
    assert result.exit_code == 2 and "not a biodl run directory" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me"


def test_interrupted_training_exits_130_and_writes_nothing(tmp_path, motif_fasta, monkeypatch):
    from biodl.training.task import SupervisedTask

    def interrupt(self, batch, batch_idx):
        raise KeyboardInterrupt

    monkeypatch.setattr(SupervisedTask, "training_step", interrupt)
    run = tmp_path / "run"
    result = biodl("train", motif_fasta, "--out", run, *FAST)
    assert result.exit_code == 130
    assert "interrupted; nothing was written" in result.stderr
    assert not run.exists() and not list(tmp_path.glob(".run.partial-*"))


def test_small_test_set_is_warned_about(tmp_path, motif_fasta):
    run = tmp_path / "run"
    result = biodl("train", motif_fasta, "--out", run, *FAST)
    assert result.exit_code == 0, result.output
    assert "only 48 test examples" in result.stderr
    assert "only 48 test examples" in (run / "report.html").read_text()
    said = json.loads((run / "metrics.json").read_text())["warnings"]  # as the docs say
    assert any(w.startswith("only 48 test examples") for w in said), said
    assert RunResults.from_json(json.loads((run / "metrics.json").read_text())).warnings == said


def test_the_fits_warnings_are_kept_with_the_datas(tmp_path, motif_fasta):
    """'only 24 validation examples: ... the last weights are kept' reached the terminal but
    neither metrics.json nor the report, which the docs say keep biodl's warnings."""
    import biodl as api
    from biodl.errors import DataWarning

    run = tmp_path / "run"
    quick = {"epochs": 1, "baseline": "fast", "n_bootstrap": 20, "threads": 1}
    with pytest.warns(DataWarning, match="only 24 validation examples"):
        api.train(motif_fasta, out=run, progress=False, seed=0, **quick)
    said = json.loads((run / "metrics.json").read_text())["warnings"]
    assert said[0].startswith("only 48 test examples"), said  # the data's first, then the fit's
    assert said[-1] == (
        "only 24 validation examples: too few to choose the best epoch or stop early on, so "
        "all 1 epochs run and the last weights are kept; use --epochs to set the training length"
    )
    assert len(said) == len(set(said))  # each once
    assert "only 24 validation examples" in (run / "report.html").read_text()


def test_a_model_predicting_one_class_is_warned_about():
    from types import SimpleNamespace

    import numpy as np

    from biodl.errors import DataWarning
    from biodl.pipeline.run_metrics import check_collapsed

    prepared = SimpleNamespace(
        targets=SimpleNamespace(task="binary", classes=["neg", "pos"]), warnings=[]
    )
    prepared.add_warning = lambda message, category: prepared.warnings.append(message)
    scores = {"test": np.tile([0.2, 0.8], (30, 1))}
    with pytest.warns(DataWarning, match="predicts class 'pos' for every test example"):
        check_collapsed(prepared, scores)
    assert len(prepared.warnings) == 1
    scores["test"][0] = [0.9, 0.1]
    check_collapsed(prepared, scores)
    assert len(prepared.warnings) == 1


def test_predict_ignores_label_values_the_model_never_saw(tmp_path, motif_fasta):
    run = tmp_path / "run"
    ok("train", motif_fasta, "--out", run, *FAST)
    other = tmp_path / "other.fa"
    other.write_text(">x label=silencer\nACGTACGTGATAAGACGTCACGTGACGT\n")
    ok("predict", run, other, "--out", tmp_path / "p.csv")
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table.columns) == ["id", "predicted", "prob_background", "prob_enhancer"]
    # a letter the run's DNA model cannot read: predict has no --alphabet to suggest
    other.write_text(">x\nACGTACGTJACG\n")
    result = biodl("predict", run, other)
    assert result.exit_code == 2 and "--alphabet protein if" not in result.stderr
    assert result.stderr.startswith(
        f"DataError: {other} line 2: sequence contains 'J', which is not a DNA letter "
        "(allowed: ACGTN and IUPAC codes). The run's model reads DNA: replace or remove"
    ), result.stderr


def test_predict_and_evaluate_options_for_other_layouts(tmp_path, motif_csv):
    run = tmp_path / "run"
    ok("train", motif_csv, "--out", run, *FAST, "--label-column", "label")
    table = pd.read_csv(motif_csv).rename(
        columns={"sequence": "dna_seq", "id": "name_", "label": "kind"}
    )
    other = tmp_path / "renamed.csv"
    table[["name_", "dna_seq", "kind"]].to_csv(other, index=False)
    out = tmp_path / "p.csv"
    ok(
        "predict",
        run,
        other,
        "--sequence-column",
        "dna_seq",
        "--id-column",
        "name_",
        "--device",
        "cpu",
        "--out",
        out,
    )
    assert pd.read_csv(out)["id"].tolist() == table["name_"].tolist()
    result = ok(
        "evaluate",
        run,
        other,
        "--sequence-column",
        "dna_seq",
        "--label-column",
        "kind",
        "--seed",
        "1",
        "--device",
        "cpu",
        "--bootstrap",
        "20",
    )
    assert json.loads(result.stdout)["n"] == 240
    fasta, labels = tmp_path / "u.fa", tmp_path / "labels.tsv"
    fasta.write_text(
        "".join(f">{i}\n{s}\n" for i, s in zip(table["name_"], table["dna_seq"], strict=True))
    )
    table[["name_", "kind"]].rename(columns={"name_": "id", "kind": "label"}).to_csv(
        labels, sep="\t", index=False
    )
    result = ok("evaluate", run, fasta, "--labels", labels, "--bootstrap", "20")
    assert json.loads(result.stdout)["n"] == 240
    # a class the run never saw is named in the labels table, where it is (nRC's scaRNA)
    table.loc[:9, "kind"] = "silencer"
    new = tmp_path / "new_class.csv"
    table[["name_", "kind"]].rename(columns={"name_": "id", "kind": "label"}).to_csv(
        new, index=False
    )
    result = biodl("evaluate", run, fasta, "--labels", new, "--bootstrap", "20")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"DataError: {new} column 'label': class 'silencer' (10 of 240 rows) was not in the "
        "training data (known classes: background, enhancer); remove those rows or retrain"
    ), result.stderr


def test_version_and_demo_overwrite(tmp_path):
    assert ok("--version").output.strip() == "biodl 0.1.0"
    ok("demo", "--out", tmp_path / "demo", "--epochs", "1", "--quiet")
    ok("demo", "--out", tmp_path / "demo", "--epochs", "1", "--quiet", "--overwrite")


def test_seeds_report_mean_and_sd(tmp_path, motif_fasta):
    run = tmp_path / "seeds"
    result = ok(
        "train",
        motif_fasta,
        "--out",
        run,
        "--epochs",
        "2",
        "--bootstrap",
        "20",
        "--set",
        "model.channels=8",
        "--set",
        "model.n_layers=1",
        "--seeds",
        "3",
        "--seed",
        "5",
        "--baseline",
        "random_forest",
    )
    seeds = json.loads((run / "metrics.json").read_text())["seeds"]
    assert seeds["seeds"] == [5, 6, 7] and seeds["split"] == "test"
    accuracy = seeds["model"]["accuracy"]
    assert len(accuracy["values"]) == 3
    assert accuracy["mean"] == pytest.approx(sum(accuracy["values"]) / 3)
    assert accuracy["sd"] == pytest.approx(float(pd.Series(accuracy["values"]).std()))
    assert len(seeds["baseline"]["auroc"]["values"]) == 3
    assert "over 3 seeds" in result.stdout
    assert "Variation over seeds" in (run / "report.html").read_text()


def test_cv_warns_once_when_the_network_predicts_one_class_in_its_folds(motif_fasta, monkeypatch):
    """E. coli promoters at --epochs 3: every fold's CNN said '-' for all; cv said nothing."""
    import numpy as np

    import biodl
    from biodl.errors import DataWarning
    from biodl.pipeline import cv

    calls = []

    def one_class_in_two_folds(trained, part):
        scores = np.tile([0.3, 0.7], (len(part), 1))
        calls.append(len(part))
        if len(calls) == 2:  # the second fold separates the first example
            scores[0] = [0.9, 0.1]
        return scores

    monkeypatch.setattr(cv, "predict_trained", one_class_in_two_folds)
    quick = {"epochs": 1, "n_bootstrap": 20, "seed": 0, "progress": False, "threads": 1}
    with pytest.warns(DataWarning) as caught:
        biodl.cross_validate(motif_fasta, folds=3, baseline="fast", **quick)
    said = [str(w.message) for w in caught if "predicts one class" in str(w.message)]
    assert said == [
        "the network predicts one class for every held-out example in 2 of 3 folds "
        "(fold 1: 'enhancer', fold 3: 'enhancer'): it has not learned to separate the classes; "
        "train longer (--epochs), change --lr, or use --class-weights balanced for imbalanced "
        "classes"
    ]
