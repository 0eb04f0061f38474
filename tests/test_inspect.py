"""`biodl inspect` and `biodl.inspect` end to end, for every kind: kind resolved as training
does, the kind's readers and options, text / HTML / JSON outputs, one-line errors."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import biodl
from biodl.cli import app
from biodl.config import DataConfig
from biodl.errors import ConfigError, DataError
from biodl.pipeline.inspect import inspect_data

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def expression_files(folder: Path, rng: np.random.Generator) -> list[object]:
    X = rng.poisson(10.0, size=(30, 12))
    table = pd.DataFrame(X, columns=[f"g{j}" for j in range(12)])
    table.insert(0, "sample", [f"s{i}" for i in range(30)])
    table.iloc[29, 1:] = table.iloc[3, 1:]  # an identical sample
    table.to_csv(folder / "expr.csv", index=False)
    meta = pd.DataFrame({"sample": table["sample"], "cell": ["T", "B", "NK"] * 10})
    meta.to_csv(folder / "meta.csv", index=False)
    return [folder / "expr.csv", "--labels", folder / "meta.csv", "--label-column", "cell"]


def timeseries_files(folder: Path, rng: np.random.Generator) -> list[object]:
    rows = [
        " ".join([str(1 + i % 2), *(f"{v:.4f}" for v in rng.normal(size=20))]) for i in range(24)
    ]
    (folder / "toy_TRAIN.txt").write_text("\n".join(rows) + "\n")
    (folder / "toy_TEST.txt").write_text("\n".join(rows[:3]) + "\n")  # three copies
    return [folder / "toy_TRAIN.txt", "--test", folder / "toy_TEST.txt"]


def records_files(folder: Path, rng: np.random.Generator) -> list[object]:
    from biodl.data.synthetic_icu import write_icu_records

    root = write_icu_records(folder / "icu", n_records=12, seed=0)
    return [root / "records", "--window", "24h"]


def image_files(folder: Path, rng: np.random.Generator) -> list[object]:
    for k in range(8):
        path = folder / "imgs" / ("a" if k < 5 else "b") / f"{k}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray((rng.random((12, 12)) * 255).astype(np.uint8)).save(path)
    return [folder / "imgs"]


def sequence_files(folder: Path, rng: np.random.Generator) -> list[object]:
    seqs = ["".join(row) for row in rng.choice(list("ACGT"), size=(20, 30))]
    table = pd.DataFrame({"id": [f"q{i}" for i in range(20)], "sequence": seqs})
    table["label"] = ["x", "y"] * 10
    table.to_csv(folder / "seqs.csv", index=False)
    return [folder / "seqs.csv"]


KINDS = {
    "sequence": (sequence_files, "sequences"),
    "expression": (expression_files, "samples"),
    "timeseries": (timeseries_files, "series"),
    "records": (records_files, "records"),
    "image": (image_files, "images"),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_writes_text_html_and_json(
    kind: str, tmp_path: Path, rng: np.random.Generator
) -> None:
    make, items = KINDS[kind]
    args = make(tmp_path, rng)
    html, js = tmp_path / "inspect.html", tmp_path / "inspect.json"
    result = run("inspect", *args, "--out", html, "--json", js)
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert data["kind"] == kind and data["items"] == items
    assert data["findings"] and all(
        {"severity", "message", "fix", "code"} <= set(f) for f in data["findings"]
    )
    assert "tables" not in data and "figures" not in data
    for finding in data["findings"]:
        assert f"{finding['severity']}: {finding['message']} Fix: {finding['fix']}" in result.stdout
    page = html.read_text()
    assert f"{kind} data · " in page and "<h2>Parts</h2>" in page
    assert not re.search(r"https?://", page) and "<script" not in page
    for png in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page):
        assert base64.b64decode(png).startswith(b"\x89PNG")
    assert page.count("data:image/png;base64,") >= 1


def test_planted_problems_reach_the_outputs(tmp_path: Path, rng: np.random.Generator) -> None:
    js = tmp_path / "e.json"
    assert run("inspect", *expression_files(tmp_path, rng), "--json", js).exit_code == 0
    data = json.loads(js.read_text())
    assert data["parts"][0]["duplicate_samples"] == 1 and data["task"] == "multiclass"
    ts = tmp_path / "t.json"
    assert run("inspect", *timeseries_files(tmp_path, rng), "--json", ts).exit_code == 0
    overlap = json.loads(ts.read_text())["overlaps"][0]
    assert (overlap["identical"], overlap["examples"]) == (3, ["0", "1", "2"])


def test_the_kind_is_resolved_as_training_does(tmp_path: Path, rng: np.random.Generator) -> None:
    args = expression_files(tmp_path, rng)
    auto = biodl.inspect(args[0], labels=args[2], label_columns=["cell"])
    assert auto.kind == "expression"
    with pytest.raises(DataError, match="not a PROTEIN letter"):  # --kind wins, as in training
        biodl.inspect(args[0], kind="sequence", sequence_column="g1", alphabet="protein")
    records = inspect_data(DataConfig(train=str(records_files(tmp_path, rng)[0])))
    assert records.kind == "records" and records.task == "binary"  # Outcomes.txt beside


def test_kind_options_are_passed_to_the_readers(tmp_path: Path, rng: np.random.Generator) -> None:
    args = image_files(tmp_path, rng)
    result = biodl.inspect(args[0], size=6, channels=3, fit="crop")
    part = result.parts[0]
    assert (part.size, part.channels, part.fit) == (6, 3, "crop")
    icu = records_files(tmp_path, rng)[0]
    window = biodl.inspect(icu, window="12h", statics=[])
    assert window.parts[0].window_hours == 12 and window.parts[0].static_missing == {}


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = run("inspect", tmp_path / "nothing.csv")
    assert missing.exit_code == 2
    assert missing.stderr.strip().count("\n") == 0 and "no such file" in missing.stderr
    unknown = run("inspect", tmp_path, "--kind", "spectra")  # graph is a kind now
    assert unknown.exit_code == 2 and unknown.stderr.count("\n") == 1
    assert "kind" in unknown.stderr
    log = run("inspect", tmp_path, "--log1p", "maybe")
    assert log.exit_code == 2 and "--log1p maybe: expected auto, true or false" in log.stderr
    with pytest.raises(ConfigError, match="inspect takes data options only; got epochs"):
        biodl.inspect(tmp_path, epochs=3)
    with pytest.raises(ConfigError, match="no data given"):
        inspect_data(DataConfig())
