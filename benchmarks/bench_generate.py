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

- **Simulated counts** (:func:`simulated_csv`: cell types, continuous gene programmes,
  library sizes): the VAE and the GAN, 20 % of the cells held out, the same check as Golub.

``--sim-seed S`` simulates the counts with another seed (0 is the check's; 1 and 2 chose the
count GAN's defaults); ``--sim-cells N`` simulates N cells instead of 1,000 (a larger
yardstick: N / 5 held out and as many samples); ``--gan-counts draw|log1p`` picks the count
GAN's generator.
``--golub-test`` fits Golub's whole training file and judges on the independent file (34
samples) instead of 8 held-out rows; ``--part valid`` judges the digits on the validation
part (the part the GAN's defaults are chosen on). ``--gan-loss``, ``--d-steps``,
``--epochs``, ``--selection``, ``--disc KEY=VALUE`` and ``--batch-stats`` try candidate
defaults (see :func:`candidate`).

It prints the numbers and CPU seconds (``time.process_time``) of each run. Run from the
repository root::

    python benchmarks/bench_generate.py [--parts golub simulated digits] [--threads 1]
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


def golub_csv(folder: Path, part: str = "train", probes: pd.Index | None = None) -> Path:
    """A Golub file (``train`` or ``independent``) as samples x probes ('call' columns dropped).

    ``probes`` orders the columns (the training file's order for the independent file).
    """
    table = pd.read_csv(DATA / f"expression/golub_all_aml/data_set_ALL_AML_{part}.csv")
    table = table.set_index("Gene Accession Number")
    samples = [c for c in table.columns if c.strip().isdigit()]
    frame = table[samples].T.astype(np.float64)
    if probes is not None:
        frame = frame[probes]
    frame.index = [f"patient_{s.strip()}" for s in samples]
    frame.index.name = "id"
    path = folder / f"golub_{part}.csv"
    frame.to_csv(path)
    return path


def simulated_csv(folder: Path, seed: int = 0, cells: int = 1000) -> Path:
    """Negative-binomial counts with planted cell types (:func:`simulate_counts`) as a CSV.

    ``cells`` (default 1,000) cells x 500 genes, 5 types each over-expressing 20 marker genes
    4-fold (the markers of a type rise and fall together), 4 continuous programmes of 30 genes
    each whose activity varies from cell to cell (standard deviation 2-fold) within every
    type, and library sizes varying log-normally (a common factor of every gene): correlation that
    independent marginals lose.
    """
    from biodl.data.simulate import simulate_counts

    sim = simulate_counts(n_cells=cells, n_genes=500, programmes=4, seed=seed)
    frame = pd.DataFrame(
        np.asarray(sim.counts, dtype=np.int64),
        index=[f"cell_{i}" for i in range(1, cells + 1)],
        columns=[f"gene_{j}" for j in range(1, 501)],
    )
    frame.index.name = "id"
    path = folder / "simulated_counts.csv"
    frame.to_csv(path)
    return path


def digits_npz(folder: Path, part: str = "test") -> tuple[Path, Path]:
    """Training and ``part`` (valid or test) of the digits (bench_generate_digits.split), .npz."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_generate_digits import split

    parts = split(0)
    paths = []
    for name in ("train", part):
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


def expression(
    folder: Path,
    name: str,
    data: Path,
    test: Path | None,
    models: list[str],
    extra: dict,
    n: int = 200,
) -> None:
    """The VAE and the GAN on one expression file, unconditional, ``n`` samples each."""
    keys = CHECKED
    for model in models:
        start = time.process_time()
        out = folder / f"{name}_{model}"
        given = extra if model == "gan" else {}
        result = biodl.generate(data, model=model, n=n, seed=0, test=test, out=out, **given)
        cpu = time.process_time() - start
        table = result.table
        assert table is not None
        print(f"\n{name}, {model}: {cpu:.0f} CPU s; {result.verdict}")
        print("training:", training(out))
        print("| sampler | " + " | ".join(keys) + " |")
        print("| --- |" + " ---: |" * len(keys))
        for sampler in table.index:
            print(row(str(sampler), table, keys), flush=True)


def golub(folder: Path, args: argparse.Namespace, extra: dict) -> None:
    """Golub: the training file alone (20 % held out) or judged on the independent file."""
    data = golub_csv(folder)
    test = None
    if args.golub_test:
        probes = pd.read_csv(data, index_col=0, nrows=0).columns
        test = golub_csv(folder, "independent", probes)
        print("Golub (38 training samples x 7,129 probes, all fitted; judged on the 34 of the")
        print("independent file; 200 samples)")
    else:
        print("Golub (38 training samples x 7,129 probes; 20 % held out, seed 0; 200 samples)")
    expression(folder, "golub", data, test, args.models, extra)


def simulated(folder: Path, args: argparse.Namespace, extra: dict) -> None:
    """Simulated counts (:func:`simulated_csv`), 20 % of the cells held out (seed 0)."""
    cells, n = args.sim_cells, max(200, args.sim_cells // 5)
    print(f"simulated counts (seed {args.sim_seed}; {cells:,} cells x 500 genes, 5 types, ")
    print(f"4 programmes; 20 % held out; {n} samples)")
    data = simulated_csv(folder, seed=args.sim_seed, cells=cells)
    expression(folder, "simulated", data, None, args.models, extra, n=n)


def digits(folder: Path, args: argparse.Namespace, extra: dict) -> None:
    train, test = digits_npz(folder, args.part)
    print(f"\ndigits: judged on the {args.part} part")
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
        **extra,
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
    if args.feature_spaces:
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


def candidate(selection: str | None, disc: list[str], batch_stats: bool = False) -> None:
    """Try a candidate default: the GAN's checkpoint criterion, its discriminators' options.

    Replaces the names that ``biodl.generate`` looks up when it fits (validation runs only;
    the defaults chosen are then written into biodl itself).
    """
    import functools

    import biodl.models.gan_image as gan_image
    import biodl.models.gan_mlp as gan_mlp
    import biodl.pipeline.generate_eval as generate_eval

    if batch_stats:  # generators sample with batch statistics in their batch norm
        import biodl.models.gan as gan

        gan.GANGenerator.eval = lambda self: self  # type: ignore[method-assign,assignment]
    if selection is not None:
        chosen = functools.partial(generate_eval.selection_quality, criterion=selection)
        generate_eval.selection_quality = chosen  # type: ignore[assignment]
    if disc:
        given = {k: json.loads(v) for k, v in (item.split("=", 1) for item in disc)}
        gan_image.ImageDiscriminator = functools.partial(  # type: ignore[misc]
            gan_image.ImageDiscriminator, **given
        )
        gan_mlp.MLPDiscriminator = functools.partial(  # type: ignore[misc]
            gan_mlp.MLPDiscriminator, **given
        )
    print(f"candidate: selection {selection or 'default'}, discriminator {disc or 'default'}")
    print(f"candidate: generators sample with batch statistics: {batch_stats}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", nargs="+", default=["golub", "simulated", "digits"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", nargs="+", default=["vae", "gan"], help="expression parts")
    parser.add_argument("--golub-test", action="store_true", help="judge on the independent file")
    parser.add_argument("--part", choices=["valid", "test"], default="test", help="digits")
    parser.add_argument("--feature-spaces", action="store_true", help="digits: pixels vs network")
    parser.add_argument("--epochs", type=int, default=None, help="GAN epochs (default: its own)")
    parser.add_argument("--gan-loss", default=None)
    parser.add_argument("--gan-counts", choices=["draw", "log1p"], default=None)
    parser.add_argument(
        "--sim-seed", type=int, default=0, help="simulator seed (0: the check; others: choices)"
    )
    parser.add_argument(
        "--sim-cells",
        type=int,
        default=1000,
        help="simulated cells (1,000: the check; 20 %% held out, as many samples, at least 200)",
    )
    parser.add_argument("--d-steps", type=int, default=None)
    parser.add_argument(
        "--selection", choices=["mmd", "nn"], default=None, help="GAN checkpoint criterion"
    )
    parser.add_argument(
        "--disc", nargs="*", default=[], help="discriminator options KEY=VALUE (candidates)"
    )
    parser.add_argument(
        "--batch-stats", action="store_true", help="sample with batch statistics (candidate)"
    )
    args = parser.parse_args()
    candidate(args.selection, args.disc, args.batch_stats)
    torch.set_num_threads(args.threads)
    extra = {
        key: value
        for key, value in (
            ("epochs", args.epochs),
            ("gan_loss", args.gan_loss),
            ("gan_counts", args.gan_counts),
        )
        if value is not None
    }
    if args.d_steps is not None:
        extra["d_steps"] = args.d_steps
    parts = {"golub": golub, "simulated": simulated, "digits": digits}
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.parts:
            parts[part](Path(tmp), args, extra)


if __name__ == "__main__":
    main()
