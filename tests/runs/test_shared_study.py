"""``biodl tune --storage URL``: one Optuna study shared by several processes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import biodl

TUNE_TINY = ["--epochs", "2", "--set", "model.channels=4", "--set", "model.n_layers=1"]
TUNE_TINY += ["--search", "random", "-q"]


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    path = tmp_path_factory.mktemp("space") / "space.yaml"
    path.write_text("train.lr: {low: 1.0e-3, high: 1.0e-2, log: true}\n")
    return path


def table(out):
    return pd.read_csv(out / "trials.csv")


@pytest.mark.slow
def test_two_processes_share_one_study(cli, motif_fasta, space, tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    outs = [tmp_path / "a", tmp_path / "b"]
    processes = [
        cli.start("tune", motif_fasta, "--out", out, "--storage", url, "--space", space,
                  "--trials", n, *TUNE_TINY)
        for out, n in zip(outs, (2, 3), strict=True)
    ]  # fmt: skip
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    records = [json.loads((out / "tune.json").read_text()) for out in outs]
    assert [r["process_trials"] for r in records] == [2, 3]
    for out, record in zip(outs, records, strict=True):
        trials = table(out)
        assert len(trials) == 5 and record["n_trials"] == 5  # the sum of the --trials
        assert trials["number"].is_unique
        assert not trials["params_train.lr"].duplicated().any()  # no trial ran twice
        assert record["study_name"].startswith("biodl-tune-") and record["storage"] == url
    # Both reports name the best trial of the union, whichever process ran it.
    assert records[0]["best_trial"] == records[1]["best_trial"]
    assert records[0]["best_value"] == records[1]["best_value"]
    values = table(outs[0]).query("state == 'COMPLETE'")["value"]
    assert records[0]["best_value"] == pytest.approx(values.min())
    for out in outs:
        assert "after 5 trials" in (out / "report.html").read_text()


def test_resume_counts_this_process_trials_only(motif_fasta, space, tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    options = dict(storage=url, space=space, search="random", epochs=1, progress=False)
    options.update(overrides=["model.channels=4", "model.n_layers=1"])
    biodl.tune(motif_fasta, out=tmp_path / "a", trials=1, **options)
    biodl.tune(motif_fasta, out=tmp_path / "b", trials=1, **options)
    result = biodl.tune(motif_fasta, out=tmp_path / "a", trials=2, resume=True, **options)
    record = json.loads((tmp_path / "a" / "tune.json").read_text())
    assert len(result.trials) == 3 and record["process_trials"] == 2
    # Resumed against another study than its own: refused before anything runs.
    elsewhere = {**options, "storage": f"sqlite:///{tmp_path / 'other.db'}"}
    with pytest.raises(biodl.ConfigError, match="part of the shared study at sqlite:///"):
        biodl.tune(motif_fasta, out=tmp_path / "a", trials=3, resume=True, **elsewhere)
    local = {k: v for k, v in options.items() if k != "storage"}
    with pytest.raises(biodl.ConfigError, match="resume it with --storage sqlite:///"):
        biodl.tune(motif_fasta, out=tmp_path / "a", trials=3, resume=True, **local)
    with pytest.raises(biodl.ConfigError, match="not 'renamed'; resume it with --study-name"):
        biodl.tune(
            motif_fasta, out=tmp_path / "a", trials=3, resume=True, study_name="renamed", **options
        )
    assert json.loads((tmp_path / "a" / "tune.json").read_text()) == record  # untouched
    # The same data with another search space is another search: refused, not mixed.
    other = tmp_path / "other.yaml"
    other.write_text("train.lr: {low: 1.0e-4, high: 1.0e-3, log: true}\n")
    name = record["study_name"]
    with pytest.raises(biodl.ConfigError, match=f"study {name}: its space is"):
        biodl.tune(motif_fasta, out=tmp_path / "c", trials=1, **{**options, "space": other})
    changed = tmp_path / "changed.fa"
    changed.write_text(motif_fasta.read_text().replace("A", "C", 1))
    with pytest.raises(biodl.ConfigError, match="its input_sha256 is"):
        biodl.tune(changed, out=tmp_path / "d", trials=1, study_name=name, **options)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("study.db", "expected a database URL, sqlite:///PATH.db"),
        ("sqlite:////no/such/folder/s.db", "the folder /no/such/folder does not exist"),
        ("postgresql://me:secret@127.0.0.1:9/biodl", "cannot open the database"),
    ],
)
def test_bad_storage_is_one_line_exit_2(cli, motif_fasta, tmp_path, url, expected):
    result = cli.run("tune", motif_fasta, "--out", tmp_path / "t", "--storage", url, *TUNE_TINY)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "secret" not in result.stderr
    assert not (tmp_path / "t").exists()


def test_study_name_needs_storage(motif_fasta, tmp_path):
    with pytest.raises(biodl.ConfigError, match="--study-name: applies to a shared study only"):
        biodl.tune(motif_fasta, out=tmp_path / "t", study_name="x")
