"""A new kind of data plugs in at one place: a toy kind defined here, registered, and run through
train, cv, tune, predict, evaluate and inspect with the public API, with no change to ``src/``.
A variant declares an option of its own (``toy_kind_options.py``): added by its one registry
line before the config is made, the option reaches ``--help``, the options page, the config,
its checks and the kind (in a fresh interpreter, as a plug-in would be loaded).

The toy kind reads ``.vec`` files: one item per line, ``id label v1 ... vD`` (fixed-length
numeric vectors). It brings its own reader, model table, search space, input preprocessing
(z-scores fitted on the training part), batches, baseline features and inspection; everything
else (splits, targets, training, baselines, metrics, report, run directory, folds, tuning) is
biodl's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import biodl
from biodl.data.checks.result import Finding, Inspection, LabelSummary
from biodl.data.dataset import TensorBatch
from biodl.data.prepared import RawData
from biodl.errors import ConfigError, DataError
from biodl.evaluation.search_space import SHARED, ParamSpec, categorical
from biodl.kinds import register_kind, unregister_kind
from biodl.models.dense import DenseMLP, build_dense
from biodl.options import KindEntry, add_kind, options_of

DIMENSIONS = 6


@dataclass
class Vectors:
    """One part: ids, an ``(n, DIMENSIONS)`` float32 matrix, the file it came from."""

    ids: list[str]
    X: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, index: np.ndarray) -> Vectors:
        return Vectors([self.ids[i] for i in index], self.X[index], self.source)


def read_vec(path: str) -> tuple[Vectors, pd.DataFrame]:
    rows = [line.split() for line in Path(path).read_text().splitlines() if line.strip()]
    bad = next((i for i, row in enumerate(rows) if len(row) != DIMENSIONS + 2), None)
    if bad is not None:
        raise DataError(f"{path} line {bad + 1}: expected id, label and {DIMENSIONS} numbers")
    X = np.array([[float(v) for v in row[2:]] for row in rows], dtype=np.float32)
    labels = pd.DataFrame({"label": [row[1] for row in rows]})
    return Vectors([row[0] for row in rows], X, path), labels


@dataclass
class Batches:
    """Whole batches of standardised vectors (``data[indices] -> TensorBatch``)."""

    part: Vectors
    y: np.ndarray | None
    mean: np.ndarray
    std: np.ndarray

    def __len__(self) -> int:
        return len(self.part)

    def __getitem__(self, index: np.ndarray) -> TensorBatch:
        x = torch.from_numpy((self.part.X[index] - self.mean) / self.std)
        y = None if self.y is None else torch.as_tensor(self.y[index])
        return TensorBatch((x,), y)


class Network(nn.Module):
    """What is trained and saved: ``.model`` holds the weights."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


@dataclass
class Raw:
    """Baseline features: the vectors as they are."""

    description: str = "the raw vectors"

    def __call__(self, part: Vectors) -> np.ndarray:
        return part.X


@dataclass
class Summary:
    """One part in the inspection."""

    name: str
    source: str
    n: int
    label_columns: list[str]
    labels: list[LabelSummary]

    def lines(self) -> list[str]:
        return [f"{self.name}: {self.n} vectors ({self.source})"]

    def rows(self) -> list[tuple[str, str]]:
        return [("Vectors", str(self.n))]


class VectorsKind:
    """Fixed-length numeric vectors in ``.vec`` files."""

    name = "vectors"
    models: ClassVar[dict[str, type[nn.Module]]] = {"mlp": DenseMLP}
    spaces: ClassVar[dict[str, dict[str, ParamSpec]]] = {
        "mlp": {**SHARED, "model.width": categorical(8, 16)}
    }
    splits = ("stratified", "random")

    def detect(self, path: Path) -> bool:
        return Path(path).suffix == ".vec"

    def read_run(self, cfg: Any) -> RawData:
        parts, labels = {}, {}
        for name, path in (("train", cfg.data.train), ("valid", cfg.data.valid)):
            if path:
                parts[name], labels[name] = read_vec(path)
        return RawData(parts, labels, files=[cfg.data.train], label_source=cfg.data.train)

    def default_model(self, prepared: Any) -> str:
        return "mlp"

    def fit_inputs(self, cfg: Any, prepared: Any, model: str, params: dict) -> dict:
        X = prepared.part("train").X
        return {"mean": X.mean(0).tolist(), "std": (X.std(0) + 1e-6).tolist()}

    def build_network(self, model: str, params: dict, inputs: dict, n_outputs: int) -> nn.Module:
        return Network(build_dense(in_features=DIMENSIONS, n_outputs=n_outputs, **params))

    def dataset(self, part: Vectors, y: Any, inputs: dict, *, training: bool, seed: int) -> Any:
        mean, std = (np.asarray(inputs[k], dtype=np.float32) for k in ("mean", "std"))
        return Batches(part, y, mean, std)

    def baseline_features(self, cfg: Any, prepared: Any) -> Raw:
        return Raw()

    def extra_baselines(self, cfg: Any, prepared: Any) -> list:
        return []

    def read(self, path: str, inputs: dict, data: Any, *, require_labels: bool) -> tuple:
        return read_vec(path)

    def describe(self, prepared: Any) -> dict:
        return {"dimensions": DIMENSIONS}

    def inspect(self, data: Any) -> Inspection:
        part, _ = read_vec(data.train)
        first: dict[bytes, str] = {}
        repeated = [i for i, row in zip(part.ids, part.X, strict=True)
                    if first.setdefault(row.tobytes(), i) != i]  # fmt: skip
        findings = [
            Finding("warning", f"{len(repeated)} vectors repeat an earlier one.", "Remove them.")
        ] if repeated else []  # fmt: skip
        summary = Summary("train", data.train, len(part), ["label"], [])
        return Inspection("binary", [summary], [], findings, item="vector", items="vectors")


class ScaledVectorsKind(VectorsKind):
    """The toy kind with an option of its own, ``--vector-scaling`` (``toy_kind_options.py``)."""

    def fit_inputs(self, cfg: Any, prepared: Any, model: str, params: dict) -> dict:
        from toy_kind_options import VectorOptions

        scaling = options_of(VectorOptions, cfg.data).vector_scaling
        if scaling == "zscore":
            return {**super().fit_inputs(cfg, prepared, model, params), "scaling": scaling}
        return {"mean": [0.0] * DIMENSIONS, "std": [1.0] * DIMENSIONS, "scaling": scaling}


#: What a plug-in loader does: the one registry line, then biodl. Prints what the test checks.
PLUGIN = """
import json, sys
sys.path.insert(0, {tests!r})
from biodl.options import KindEntry, add_kind
add_kind("vectors", KindEntry(
    "test_toy_kind:SCALED", "fixed-length numeric vectors (.vec)", "toy_kind_options:VectorOptions"
))
import biodl
from typer.testing import CliRunner
from biodl.cli import app
from biodl.cli.reference import options_reference
from biodl.errors import ConfigError
shown = CliRunner().invoke(app, ["train", "--help"], terminal_width=240).output
biodl.train({path!r}, out={out!r}, vector_scaling="none", epochs=2, n_bootstrap=10,
            progress=False, threads=1)
try:
    biodl.train({path!r}, vector_scaling="unit")
    refused = ""
except ConfigError as err:
    refused = str(err)
print(json.dumps({{"help": shown, "page": options_reference(), "refused": refused}}))
"""


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """Two classes of vectors whose mean differs along the first two dimensions; row 0 twice."""
    rng = np.random.default_rng(0)
    y = np.arange(160) % 2
    X = rng.normal(size=(160, DIMENSIONS)) + np.outer(y, [1.5, 1.5, 0, 0, 0, 0])
    lines = [f"v{i} {'ab'[y[i]]} " + " ".join(f"{v:.4f}" for v in X[i]) for i in range(160)]
    path = tmp_path / "toy.vec"
    path.write_text("\n".join([*lines, lines[0].replace("v0", "v0b", 1)]) + "\n")
    return path


@pytest.fixture(autouse=True)
def registered():
    register_kind(VectorsKind(), help="fixed-length numeric vectors (.vec), a test's toy kind")
    yield
    unregister_kind("vectors")


FAST = {"epochs": 5, "n_bootstrap": 20, "progress": False, "threads": 1}


def test_train_predict_evaluate_on_a_new_kind(toy: Path, tmp_path: Path) -> None:
    result = biodl.train(toy, out=tmp_path / "run", **FAST)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["data"]["kind"] == "vectors" and metrics["data"]["dimensions"] == DIMENSIONS
    assert metrics["model"]["test"]["auroc"] > 0.75  # the planted mean shift is learned
    assert metrics["baseline"]["features"] == "the raw vectors"
    assert (tmp_path / "run" / "report.html").exists()
    assert result.metrics["comparison"]["verdict"] in result.summary()
    table = biodl.predict(tmp_path / "run", toy)
    assert len(table) == 161 and set(table["predicted"]) <= {"a", "b"}
    scores = biodl.evaluate(tmp_path / "run", toy, n_bootstrap=20)
    assert scores["n"] == 161 and scores["metrics"]["auroc"] > 0.75


def test_cv_and_tune_on_a_new_kind(toy: Path, tmp_path: Path) -> None:
    cv = biodl.cross_validate(toy, folds=3, out=tmp_path / "cv", **FAST)
    assert cv.metrics["data"]["kind"] == "vectors"
    assert len(cv.folds) == 6  # 3 folds x (network, baseline)
    tuned = biodl.tune(
        toy, out=tmp_path / "tune", trials=2, search="random", epochs=2, progress=False
    )
    assert {"model.width", "train.lr"} <= set(tuned.best_params)  # the kind's own space


def test_inspect_and_split_refusal_on_a_new_kind(toy: Path, tmp_path: Path) -> None:
    found = biodl.inspect(toy, out=tmp_path / "inspection.html")
    assert found.kind == "vectors" and "1 vectors repeat an earlier one." in found.summary()
    assert (tmp_path / "inspection.html").exists()
    with pytest.raises(Exception, match="--split group: not available for vectors data; this "):
        biodl.train(toy, split="group", group_column="g", **FAST)


def test_registered_kinds_cannot_shadow(toy: Path) -> None:
    with pytest.raises(Exception, match="kind 'vectors' exists already"):
        register_kind(VectorsKind(), help="again")


SCALED = ScaledVectorsKind()


def test_a_kind_declares_its_own_options(toy: Path, tmp_path: Path) -> None:
    run = tmp_path / "scaled"
    script = PLUGIN.format(tests=str(Path(__file__).parent), path=str(toy), out=str(run))
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "COLUMNS": "240"},  # one help line per option
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "--vector-scaling" in seen["help"] and "Vectors" in seen["help"]
    assert "subtract the training mean" in seen["help"]
    assert "`--vector-scaling`" in seen["page"]  # docs/options.md would list it
    assert "data.vector_scaling: expected one of zscore, none, got 'unit'" in seen["refused"]
    assert "vector_scaling: none" in (run / "config.yaml").read_text()
    inputs = json.loads((run / "model" / "model.json").read_text())["inputs"]
    assert inputs["scaling"] == "none" and inputs["mean"] == [0.0] * DIMENSIONS  # the kind read it


def test_options_of_a_kind_come_before_the_config_is_made() -> None:
    entry = KindEntry("test_toy_kind:SCALED", "late", "toy_kind_options:VectorOptions")
    with pytest.raises(ConfigError, match="must be added before biodl.config is imported"):
        add_kind("late_vectors", entry)
