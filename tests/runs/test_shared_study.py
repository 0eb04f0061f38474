"""``biodl tune --storage URL``: one Optuna study shared by several processes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from postgres_server import postgres_url, server_programs

import biodl
from biodl.evaluation.metrics import METRIC_DIRECTION

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
    two_processes_share_one_study(
        cli, motif_fasta, space, tmp_path, f"sqlite:///{tmp_path / 'shared.db'}"
    )


@pytest.mark.slow
def test_two_processes_share_one_postgresql_study(cli, motif_fasta, space, tmp_path):
    """The storage for several machines, with a real server (started here, on a socket)."""
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")
    if server_programs() is None:
        pytest.skip("no PostgreSQL server programs (initdb, pg_ctl) on this machine")
    with postgres_url() as url:
        two_processes_share_one_study(cli, motif_fasta, space, tmp_path, url)


def two_processes_share_one_study(cli, motif_fasta, space, tmp_path, url):
    """Two ``biodl tune`` processes started together: 5 distinct trials, one best of both."""
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
    best = values.max() if METRIC_DIRECTION.get(records[0]["monitor"]) == "max" else values.min()
    assert records[0]["best_value"] == pytest.approx(best)
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


def _signature(space: str) -> dict:
    from biodl.pipeline.study_place import search_signature

    return search_signature("0" * 64, "random", {"train.lr": space}, 0, "val_loss")


def test_a_joining_process_never_writes_the_search(tmp_path):
    """The race: B loads the study A just created, before A recorded its search."""
    import threading

    import optuna

    from biodl.pipeline.study_place import SIGNATURE_ATTR, create_or_join

    url = f"sqlite:///{tmp_path / 'shared.db'}"

    def create(load_if_exists: bool):
        return optuna.create_study(study_name="s", storage=url, load_if_exists=load_if_exists)

    first = create(False)  # process A created the study and has not recorded its search yet
    later = threading.Timer(0.5, first.set_user_attr, (SIGNATURE_ATTR, _signature("a")))
    later.start()
    try:
        with pytest.raises(biodl.ConfigError, match="study s: its space is .* must run the same"):
            create_or_join(create, _signature("b"), wait=30, poll=0.05)
    finally:
        later.join()
    assert first.user_attrs[SIGNATURE_ATTR] == _signature("a")  # A's record, not overwritten
    assert create_or_join(create, _signature("a"), wait=1).study_name == "s"  # the same search
    # The creator records its search; a study that never records one is refused after the wait.
    created = create_or_join(
        lambda load: optuna.create_study(study_name="t", storage=url, load_if_exists=load),
        _signature("c"),
    )
    assert created.user_attrs[SIGNATURE_ATTR] == _signature("c")
    optuna.create_study(study_name="u", storage=url)
    with pytest.raises(biodl.ConfigError, match="study u: it records no biodl search"):
        create_or_join(
            lambda load: optuna.create_study(study_name="u", storage=url, load_if_exists=load),
            _signature("c"),
            wait=0.2,
            poll=0.05,
        )


@pytest.mark.slow
def test_two_processes_with_different_searches_never_both_run(cli, motif_fasta, tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    spaces = []
    for name, low in (("a", "1.0e-3"), ("b", "1.0e-4")):
        spaces.append(tmp_path / f"{name}.yaml")
        spaces[-1].write_text(f"train.lr: {{low: {low}, high: 1.0e-2, log: true}}\n")
    processes = [
        cli.start("tune", motif_fasta, "--out", tmp_path / f"out{i}", "--storage", url,
                  "--space", space, "--trials", 1, "--study-name", "race", *TUNE_TINY)
        for i, space in enumerate(spaces)
    ]  # fmt: skip
    errs = [process.communicate(timeout=600)[1] for process in processes]
    codes = [process.returncode for process in processes]
    assert sorted(codes) == [0, 2], errs
    refused = errs[codes.index(2)]
    lines = [x for x in refused.splitlines() if x.strip() and not x.startswith("warning: ")]
    assert len(lines) == 1 and "study race: its space is" in lines[0], refused
    import optuna

    study = optuna.load_study(study_name="race", storage=url)
    assert len(study.trials) == 1  # only the search that created the study ran
