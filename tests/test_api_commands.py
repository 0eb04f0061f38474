"""The public API behind each command: predict/evaluate pipeline, demo, embed, describe_models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from biodl import api
from biodl.errors import ConfigError, DataError
from biodl.pipeline.predict import evaluate_run, predict_run, read_for_run
from biodl.runs import load_model


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, motif_fasta) -> Path:
    out = tmp_path_factory.mktemp("api") / "run"
    api.train(
        motif_fasta,
        out=out,
        epochs=1,
        n_bootstrap=20,
        model_params={"channels": 8, "n_layers": 1},
        progress=False,
    )
    return out


def test_predict_through_the_api_is_the_pipeline(run_dir, motif_fasta, tmp_path):
    table = api.predict(run_dir, motif_fasta, out=tmp_path / "p.csv", batch_size=64)
    direct = predict_run(run_dir, motif_fasta, batch_size=64)
    pd.testing.assert_frame_equal(table, direct)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "p.csv"), table, check_dtype=False)


def test_evaluate_writes_what_it_returns(run_dir, motif_fasta, tmp_path):
    result = evaluate_run(run_dir, motif_fasta, out=tmp_path / "m.json", n_bootstrap=20, level=0.9)
    assert result["ci_level"] == 0.9 and result["n"] == 240
    assert json.loads((tmp_path / "m.json").read_text()) == result
    assert api.evaluate(run_dir, motif_fasta, n_bootstrap=20, level=0.9) == result


def test_read_for_run_maps_renamed_label_columns_and_refuses_bad_options(run_dir, motif_csv):
    saved = load_model(run_dir)
    read = read_for_run(saved, motif_csv, {"label_columns": ["is_enhancer"]}, require_labels=True)
    assert list(read.labels.columns) == saved.info["targets"]["label_columns"]
    assert len(read.part) == 240
    with pytest.raises(DataError, match=r"trained on 1 label column\(s\) .* got 2"):
        read_for_run(saved, motif_csv, {"label_columns": ["a", "b"]}, require_labels=False)
    with pytest.raises(ConfigError, match="unknown read option"):
        predict_run(run_dir, motif_csv, read_options={"colour": "red"})


def test_demo_refuses_an_unknown_kind_before_writing(tmp_path):
    with pytest.raises(ConfigError, match="--kind video: unknown demo; choose one of sequence"):
        api.demo("video", out=tmp_path / "demo")
    assert not list(tmp_path.iterdir())


def test_describe_models():
    mlp = api.describe_models("mlp")
    assert {d.kind for d in mlp} >= {"sequence", "expression", "image"}
    assert all(d.name == "mlp" and d.summary and d.parameters for d in mlp)
    everything = api.describe_models()
    assert everything[0].kind == "sequence"
    assert {d.kind for d in api.describe_models(kind="records")} == {"records"}
    with pytest.raises(ConfigError, match="--kind plants: expected one of"):
        api.describe_models(kind="plants")
    with pytest.raises(ConfigError, match="unknown model 'nope'"):
        api.describe_models("nope")


def test_embed_through_the_api(tmp_path):
    from biodl.data.simulate import simulate_counts

    sim = simulate_counts(60, 30, n_types=3, markers=6, fold=3.0, depth=800, seed=0)
    ids = [f"c{i}" for i in range(60)]
    table = pd.DataFrame(sim.counts, columns=[f"g{j}" for j in range(30)])
    table.insert(0, "id", ids)
    table.to_csv(tmp_path / "counts.csv", index=False)
    pd.DataFrame({"id": ids, "cell_type": sim.cell_type}).to_csv(tmp_path / "m.csv", index=False)
    result = api.embed(
        tmp_path / "counts.csv",
        methods="pca",
        color_by="cell_type",
        metadata=tmp_path / "m.csv",
        log1p="true",
        out=tmp_path / "out",
    )
    assert set(result.table["method"]) == {"pca"}
    assert result.best == {"cell_type": "pca"}
    assert (tmp_path / "out" / "coordinates" / "pca.csv").is_file()
    with pytest.raises(ConfigError, match="--log1p maybe: expected auto, true or false"):
        api.embed(tmp_path / "counts.csv", methods="pca", log1p="maybe")


def test_new_api_names_are_exported_lazily():
    code = (
        "import sys\n"
        "from biodl import describe_models, embed\n"
        "import biodl.api\n"
        "assert embed is biodl.api.embed and describe_models is biodl.api.describe_models\n"
        "assert 'torch' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
