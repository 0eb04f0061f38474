"""``biodl generate`` end to end on real data: the checks of issue 15 through the command.

Two parts, each through :func:`biodl.generate` (read, held-out split before fitting, fit,
samples in the input's format, checks beside the classical samplers):

- **Golub expression** (``../shared/data/expression/golub_all_aml``, the training file only:
  38 samples x 7,129 probes, written as a samples x probes CSV): the VAE and the GAN with
  their defaults, unconditional, 20 % of the samples held out (seed 0), 200 samples each.
  The check: both beat the independent-marginals sampler on correlation distance and
  detection AUROC (lower is better for both).
- **scikit-learn's 8x8 digits** as an image ``.npz`` (pixels 0..16 stored as uint8 0..255),
  split as ``benchmarks/bench_generate_digits.py`` splits them (60 / 20 / 20, stratified,
  seed 0; that script tunes the GAN's defaults with ``fit_gan`` directly, this one runs
  them through the command): the conditional GAN (``--condition label``) fitted on the
  training part, judged against the test part (``--test``), as many samples per class as
  the training part has on average. The checks: TSTR >= 0.8 x TRTR, detection AUROC below
  the independent-marginals sampler's, no exact copies.

It prints the numbers and CPU seconds (``time.process_time``) of each run. Run from the
repository root::

    python benchmarks/bench_generate.py [--parts golub digits] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import biodl

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CHECKED = ("correlation_distance", "detection_auroc", "dcr_ratio", "exact_copies")


def golub_csv(folder: Path) -> Path:
    """The Golub training file as samples x probes (the 'call' columns dropped)."""
    table = pd.read_csv(DATA / "expression/golub_all_aml/data_set_ALL_AML_train.csv")
    table = table.set_index("Gene Accession Number")
    samples = [c for c in table.columns if c.strip().isdigit()]
    frame = table[samples].T.astype(np.float64)
    frame.index = [f"patient_{s.strip()}" for s in samples]
    frame.index.name = "id"
    path = folder / "golub_train.csv"
    frame.to_csv(path)
    return path


def digits_npz(folder: Path) -> tuple[Path, Path]:
    """Training and test parts of the digits (bench_generate_digits.split) as image .npz."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_generate_digits import split

    parts = split(0)
    paths = []
    for name in ("train", "test"):
        x, y = parts[name]
        pixels = np.round(x.reshape(-1, 8, 8) * 255 / 16).astype(np.uint8)
        path = folder / f"digits_{name}.npz"
        np.savez(path, train_images=pixels, train_labels=y.astype(np.int64))
        paths.append(path)
    return paths[0], paths[1]


def training(run: Path) -> dict[str, object]:
    """The ``training`` facts of a generate run's metrics.json."""
    return dict(json.loads((run / "metrics.json").read_text())["training"])


def row(name: str, table: pd.DataFrame, keys: tuple[str, ...]) -> str:
    values = [f"{float(table.loc[name, k]):.3f}" if k in table.columns else "-" for k in keys]
    return f"| {name} | " + " | ".join(values) + " |"


def golub(folder: Path) -> None:
    data = golub_csv(folder)
    print("Golub (38 training samples x 7,129 probes; 20 % held out, seed 0; 200 samples)")
    keys = CHECKED
    for model in ("vae", "gan"):
        start = time.process_time()
        result = biodl.generate(data, model=model, n=200, seed=0, out=folder / f"golub_{model}")
        cpu = time.process_time() - start
        table = result.table
        assert table is not None
        print(f"\n{model}: {cpu:.0f} CPU s; {result.verdict}")
        print("training:", training(folder / f"golub_{model}"))
        print("| sampler | " + " | ".join(keys) + " |")
        print("| --- |" + " ---: |" * len(keys))
        for name in table.index:
            print(row(str(name), table, keys))


def digits(folder: Path) -> None:
    train, test = digits_npz(folder)
    keys = ("tstr", "trtr", "tstr_trtr_ratio", "detection_auroc", "exact_copies", "dcr_ratio")
    start = time.process_time()
    result = biodl.generate(
        train,
        model="gan",
        condition="label",
        n_per_class=108,
        test=test,
        seed=0,
        out=folder / "digits_gan",
    )
    cpu = time.process_time() - start
    table = result.table
    assert table is not None
    print(f"\ndigits, conditional GAN: {cpu:.0f} CPU s; {result.verdict}")
    print("training:", training(folder / "digits_gan"))
    print("| sampler | " + " | ".join(keys) + " |")
    print("| --- |" + " ---: |" * len(keys))
    for name in table.index:
        print(row(str(name), table, keys))
    feature_spaces(train, test, result)


def feature_spaces(train: Path, test: Path, result: object) -> None:
    """Do pixels rank the samplers as a small network's embedding does?

    The embedding: the hidden layer (64 ReLU units) of an MLP classifier trained on the real
    training digits. The same samples are judged in both spaces.
    """
    from scipy.stats import spearmanr
    from sklearn.neural_network import MLPClassifier

    from biodl.evaluation.samplers import Samples
    from biodl.evaluation.synthetic import compare_samplers
    from biodl.pipeline.generate_data import read_real

    real, held = read_real(train, condition="label"), read_real(test, condition="label")
    flat = real.X.reshape(len(real), -1)
    net = MLPClassifier(hidden_layer_sizes=(64,), max_iter=500, random_state=0)
    net.fit(flat, real.labels)

    def embed(x: np.ndarray) -> np.ndarray:
        return np.maximum(0.0, x.reshape(len(x), -1) @ net.coefs_[0] + net.intercepts_[0])

    given = {"gan": Samples(result.samples, result.labels)}  # type: ignore[attr-defined]
    spaces = {
        "pixels": compare_samplers(
            real.X, held.X, given, y_train=real.labels, y_holdout=held.labels, seed=0
        ).table,
        "network": compare_samplers(
            real.X, held.X, given, y_train=real.labels, y_holdout=held.labels, seed=0, embed=embed
        ).table,
    }
    print("\nfeature space of the checks: pixels vs a network embedding (same samples)")
    keys = ("detection_auroc", "mmd2", "precision", "recall")
    print("| sampler | " + " | ".join(f"{k} ({s})" for k in keys for s in spaces) + " |")
    print("| --- |" + " ---: |" * (len(keys) * len(spaces)))
    for name in spaces["pixels"].index:
        cells = [f"{float(spaces[s].loc[name, k]):.3f}" for k in keys for s in spaces]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for key in keys:
        rho = spearmanr(spaces["pixels"][key], spaces["network"][key]).statistic
        print(f"rank correlation of {key} between the two spaces: {rho:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", nargs="+", default=["golub", "digits"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.parts:
            {"golub": golub, "digits": digits}[part](Path(tmp))


if __name__ == "__main__":
    main()
