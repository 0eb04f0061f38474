"""AntiCP 2.0: default-network candidates compared by 5-fold CV on the TRAIN split (issue 12).

The shared-data table (``realdata.py``) trains the default network on each AntiCP 2.0
dataset's train split and reports on its test split. This script chooses among candidate
settings WITHOUT the test split, with the paper's own protocol: 5-fold stratified
cross-validation of the train split (``biodl cv``'s folds and ``fold_data``: each fold's
training part minus an inner validation part for early stopping, then the held-out fifth).
Every (dataset, candidate, fold seed, fold) appends one JSON line to ``--results`` with

- ``cv_auroc`` / ``cv_accuracy``: on the fold's held-out fifth of the train split (the
  selection score: 5-fold CV over the whole train split),
- ``valid_auroc`` / ``valid_accuracy``: on the fold's inner validation part (what early
  stopping saw), and the CPU seconds of the fold (``time.process_time``).

The test split is never read. A second call skips what is there; ``--table`` prints mean
scores per dataset and candidate::

    nice python benchmarks/peptide_defaults.py --datasets main,alternate --seeds 1
    python benchmarks/peptide_defaults.py --table
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared/data/protein/anticancer_peptides/anticp2.csv"
RESULTS = Path(__file__).resolve().parent / "peptide_defaults_results.jsonl"
N_FOLDS = 5

#: name -> (model parameters, training options). ``cnn_default`` is the CNN's default as it
#: was measured here, early stopping on the validation loss; ``--monitor auto`` (the default
#: since) watches AUROC on these binary sets, i.e. ``monitor_auroc``. Rows of candidates
#: without a ``monitor`` that were measured before that change (those of fold seed 1 in the
#: first RESULTS.md section) watched the loss; ``patience10``, ``lr3e-4``, ``batch32``,
#: ``onecycle``, ``cosine``, ``kernel5`` and everything below ``mlp_kmer2`` first ran after it,
#: so they watch AUROC like ``monitor_auroc``.
CANDIDATES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "cnn_default": ({"composition": "none"}, {"monitor": "loss"}),
    "letters": ({"composition": "letters"}, {}),
    "letters+pairs": ({"composition": "letters+pairs"}, {}),
    "n_layers1": ({"composition": "none", "n_layers": 1}, {}),
    "n_layers2": ({"composition": "none", "n_layers": 2}, {}),
    "no_local_pool": ({"composition": "none", "pool_size": 1}, {}),
    "kernel5": ({"composition": "none", "kernel_size": 5}, {}),
    "channels128": ({"composition": "none", "channels": 128}, {}),
    "dropout0.5": ({"composition": "none", "dropout": 0.5}, {}),
    "adamw_wd0.01": ({"composition": "none"}, {"optimizer": "adamw", "weight_decay": 0.01}),
    "onecycle": ({"composition": "none"}, {"scheduler": "onecycle"}),
    "cosine": ({"composition": "none"}, {"scheduler": "cosine"}),
    "ensemble5": ({"composition": "none"}, {"ensemble": 5}),
    "letters+pairs_n_layers2": ({"composition": "letters+pairs", "n_layers": 2}, {}),
    "letters+pairs_dropout0.5": ({"composition": "letters+pairs", "dropout": 0.5}, {}),
    "letters+pairs_ensemble5": ({"composition": "letters+pairs"}, {"ensemble": 5}),
    "monitor_auroc": ({"composition": "none"}, {"monitor": "auroc"}),
    "patience10": ({"composition": "none"}, {"patience": 10}),
    "lr3e-4": ({"composition": "none"}, {"lr": 3e-4}),
    "channels32_n_layers1": ({"composition": "none", "channels": 32, "n_layers": 1}, {}),
    "batch32": ({"composition": "none"}, {"batch_size": 32}),
    "mlp_kmer1": ({"features": "kmer", "k": 1}, {"model": "mlp"}),
    "mlp_kmer2": ({"features": "kmer", "k": 2}, {"model": "mlp"}),
    # biodl's default as it is now (cnn, --monitor auto); compare with monitor_auroc
    "default": ({}, {}),
    # recurrent and attention models on the variable-length batches (--monitor auto, i.e. AUROC)
    "gru": ({}, {"model": "gru"}),
    "gru_h32": ({"hidden_size": 32}, {"model": "gru"}),
    "gru_mean": ({"readout": "mean"}, {"model": "gru"}),
    "lstm": ({}, {"model": "lstm"}),
    "transformer": ({}, {"model": "transformer"}),
    "transformer_small": (
        {"d_model": 32, "n_layers": 1, "dim_feedforward": 64, "embed_kernel": 3},
        {"model": "transformer"},
    ),
    # CNN variants and a 3-seed ensemble watching AUROC (what --monitor auto resolves to here;
    # the CNN rows above without a monitor were measured when the default watched the loss)
    "n_layers1_auroc": ({"composition": "none", "n_layers": 1}, {"monitor": "auroc"}),
    "ensemble3_auroc": ({"composition": "none"}, {"ensemble": 3, "monitor": "auroc"}),
    "letters_auroc": ({"composition": "letters"}, {"monitor": "auroc"}),
    # parallel convolutions of widths 3, 5, 7 and 9 (measured here only: register_models)
    "multikernel": ({}, {"model": "multikernel-cnn"}),
    "cnn-lstm": ({}, {"model": "cnn-lstm"}),
    # label smoothing of the binary targets (measured here only: see SCRIPT_OPTIONS)
    "label_smoothing0.1": ({"composition": "none"}, {"label_smoothing": 0.1}),
    # the whole cosine decay over --epochs auto, no early stopping (the last weights are kept)
    "cosine_patience0": ({"composition": "none"}, {"scheduler": "cosine", "patience": 0}),
}


#: Training options measured by this script alone (not biodl options): ``label_smoothing``
#: trains on targets ``y * (1 - eps) + eps / 2`` by wrapping the binary BCE loss of
#: ``biodl.training.fit`` for the duration of the candidate's folds.
SCRIPT_OPTIONS = ("label_smoothing",)


class _SmoothedLoss:
    """A binary BCE loss whose targets are moved ``eps / 2`` towards 0.5."""

    def __init__(self, inner: Any, eps: float) -> None:
        self.inner = inner
        self.eps = eps

    def __call__(self, out: Any, y: Any) -> Any:
        return self.inner(out, y.to(out.dtype) * (1 - self.eps) + self.eps / 2)


@contextlib.contextmanager
def script_options(options: dict[str, Any]) -> Iterator[None]:
    """Apply the :data:`SCRIPT_OPTIONS` of one candidate while its folds train."""
    import biodl.training.fit as fit

    eps = options.get("label_smoothing")
    if eps is None:
        yield
        return
    original = fit.make_loss

    def make_loss(loss: str, task: str, weights: Any = None, *, masked: bool = False) -> Any:
        if (loss, task, masked) != ("bce", "binary", False):
            raise ValueError("label_smoothing is measured on binary BCE only")
        return _SmoothedLoss(original(loss, task, weights, masked=masked), eps)

    fit.make_loss = make_loss
    try:
        yield
    finally:
        fit.make_loss = original


def register_models() -> None:
    """Add ``multikernel-cnn`` to biodl's sequence models for this process (a candidate
    measured here, not a biodl model)."""
    import torch
    from torch import Tensor, nn

    from biodl.kinds.sequence import SEQUENCE_MODELS
    from biodl.models import MODELS
    from biodl.models._layers import MaskedConvBlock, SequenceModel, full_mask, global_pool

    class MultiKernelCNN(SequenceModel):
        """One layer of parallel convolutions (widths 3, 5, 7, 9), global max + mean pooling.

        Parameters
        ----------
        in_channels : int
            Channels of the one-hot input.
        n_outputs : int
            Width of the output.
        length : int or None, default None
            Unused (any length).
        channels : int, default 64
            Filters per width.
        dropout : float, default 0.2
            Dropout after the convolutions and before the head.
        """

        def __init__(
            self,
            *,
            in_channels: int,
            n_outputs: int,
            length: int | None = None,
            channels: int = 64,
            dropout: float = 0.2,
        ) -> None:
            super().__init__()
            self.branches = nn.ModuleList(
                MaskedConvBlock(in_channels, channels, k, pooling="none", dropout=dropout)
                for k in (3, 5, 7, 9)
            )
            self.n_features = 2 * channels * len(self.branches)
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(self.n_features, n_outputs)

        def features(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
            mask = full_mask(x) if mask is None else mask
            pooled = []
            for branch in self.branches:
                h, m = branch(x, mask)
                pooled.append(global_pool(h, m, "maxavg"))
            return torch.cat(pooled, dim=1)

    MODELS["multikernel-cnn"] = MultiKernelCNN
    SEQUENCE_MODELS["multikernel-cnn"] = MultiKernelCNN


def train_csv(dataset: str, folder: Path, data: Path = DATA) -> Path:
    """The train split of one AntiCP 2.0 dataset as ``sequence,label`` (test rows dropped)."""
    import pandas as pd

    table = pd.read_csv(data)
    rows = table[(table["dataset"] == dataset) & (table["split"] == "train")]
    path = folder / f"anticp2_{dataset}_train.csv"
    rows[["sequence", "label"]].to_csv(path, index=False)
    return path


def config(name: str, seed: int, train: Path) -> Any:
    """The run config of one candidate, as ``biodl cv`` builds it."""
    from biodl.config import build_config

    params, options = CANDIDATES[name]
    options = {k: v for k, v in options.items() if k not in SCRIPT_OPTIONS}
    overrides = [f"model.{k}={v}" for k, v in params.items()]
    return build_config(
        None,
        overrides=overrides,
        train=str(train),
        seed=seed,
        threads=1,
        checkpoint_every=0,
        **options,
    )


def run_candidate(name: str, dataset: str, seed: int, train: Path) -> list[dict[str, Any]]:
    """Every fold of one candidate on one dataset's train split."""
    import warnings
    from dataclasses import replace

    from biodl.evaluation.metrics import compute_metrics
    from biodl.evaluation.threshold import choose_threshold
    from biodl.kinds import prepare_run_data
    from biodl.pipeline.cv import fold_data
    from biodl.pipeline.fitting import fit_model, predict_trained
    from biodl.pipeline.folds import cv_folds

    warnings.simplefilter("ignore")
    cfg = config(name, seed, train)
    full = prepare_run_data(replace(cfg, data=replace(cfg.data, test_size=0.0, valid_size=0.0)))
    folds = cv_folds(full, cfg.data, n_folds=N_FOLDS, seed=seed)
    rows = []
    for index, fold in enumerate(folds):
        started = time.process_time()
        part = fold_data(full, fold.train, fold.test, cfg)
        with script_options(CANDIDATES[name][1]):
            trained, _ = fit_model(cfg, part, progress=False)
        row: dict[str, Any] = {"dataset": dataset, "candidate": name, "seed": seed}
        row["fold"] = index + 1
        scores, ys = {}, {}
        for split, key in (("valid", "valid"), ("test", "cv")):
            y = part.y.get(split)
            if y is None:  # no inner validation part without early stopping (--patience 0)
                continue
            ys[split] = y
            scores[split] = predict_trained(trained, part.parts[split])
            metrics = compute_metrics(full.targets.task, y, scores[split])
            row[f"{key}_auroc"] = metrics["auroc"]
            row[f"{key}_accuracy"] = metrics["accuracy"]
            row[f"n_{key}"] = len(y)
        if "valid" in scores:
            # accuracy at the threshold maximising balanced accuracy on the inner validation part
            cut = choose_threshold(ys["valid"], scores["valid"][:, 1]).threshold
            row["cv_accuracy_valid_threshold"] = float(
                np.mean((scores["test"][:, 1] >= cut) == ys["test"].astype(bool))
            )
        row["cpu_s"] = time.process_time() - started
        rows.append(row)
    return rows


#: Classical fits on the same folds (scikit-learn, features made here from the letters).
CLASSICAL = (
    "extra_trees_aac",
    "extra_trees_dpc",
    "random_forest_aac",
    "gradient_boosting_aac",
    "gradient_boosting_aac+dpc",
)


def composition_table(sequences: list[str], pairs: bool) -> np.ndarray:
    """Amino-acid (and dipeptide) composition of each sequence, as AntiCP 2.0 computes it."""
    letters = "ACDEFGHIKLMNPQRSTVWY"
    index = {a: i for i, a in enumerate(letters)}
    out = np.zeros((len(sequences), 20 + (400 if pairs else 0)))
    for row, seq in enumerate(sequences):
        codes = [index[a] for a in seq if a in index]
        for c in codes:
            out[row, c] += 1.0 / max(len(codes), 1)
        if pairs:
            for a, b in itertools.pairwise(codes):
                out[row, 20 + 20 * a + b] += 1.0 / max(len(codes) - 1, 1)
    return out if pairs else out[:, :20]


def run_classical(name: str, dataset: str, seed: int, train: Path) -> list[dict[str, Any]]:
    """One classical fit per fold on the same folds as the networks (the fold's whole
    training part, inner validation included), scored on the held-out fifth."""
    from dataclasses import replace

    from sklearn.ensemble import (
        ExtraTreesClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.metrics import accuracy_score, roc_auc_score

    from biodl.kinds import prepare_run_data
    from biodl.pipeline.folds import cv_folds

    cfg = config("cnn_default", seed, train)
    full = prepare_run_data(replace(cfg, data=replace(cfg.data, test_size=0.0, valid_size=0.0)))
    part = full.part("train")
    sequences = [part.sequence(i) for i in range(len(part))]
    x = composition_table(sequences, pairs=name.endswith("dpc"))
    if name.endswith("aac"):
        x = x[:, :20]
    y = full.y["train"]
    assert y is not None
    rows = []
    for index, fold in enumerate(cv_folds(full, cfg.data, n_folds=N_FOLDS, seed=seed)):
        started = time.process_time()
        if name.startswith("extra_trees"):
            model: Any = ExtraTreesClassifier(n_estimators=500, random_state=seed, n_jobs=1)
        elif name.startswith("random_forest"):
            model = RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=1)
        else:
            model = HistGradientBoostingClassifier(random_state=seed)
        model.fit(x[fold.train], y[fold.train])
        score = model.predict_proba(x[fold.test])[:, 1]
        rows.append(
            {
                "dataset": dataset,
                "candidate": name,
                "seed": seed,
                "fold": index + 1,
                "cv_auroc": float(roc_auc_score(y[fold.test], score)),
                "cv_accuracy": float(accuracy_score(y[fold.test], score >= 0.5)),
                "n_cv": len(fold.test),
                "cpu_s": time.process_time() - started,
            }
        )
    return rows


def done(results: Path) -> set[tuple[str, str, int]]:
    if not results.is_file():
        return set()
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return {(r["dataset"], r["candidate"], r["seed"]) for r in rows}


def table(results: Path) -> str:
    """Mean 5-fold CV AUROC / accuracy (train split) per dataset, fold seed and candidate, best
    first."""
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["seed"], row["candidate"]), []).append(row)
    lines = [
        "| dataset | fold seed | candidate | CV AUROC | CV accuracy | CV accuracy, threshold "
        "on inner valid | inner-valid AUROC | CPU s / fold |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def mean_sd(values: list[float]) -> str:
        if all(math.isnan(v) for v in values):
            return "–"
        sd = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan
        return f"{np.mean(values):.3f} ± {sd:.3f}"

    order = sorted(groups, key=lambda k: (k[0], k[1], -np.mean([r["cv_auroc"] for r in groups[k]])))
    for key in order:
        part = groups[key]
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {mean_sd([r['cv_auroc'] for r in part])} | "
            f"{mean_sd([r['cv_accuracy'] for r in part])} | "
            f"{mean_sd([r.get('cv_accuracy_valid_threshold', math.nan) for r in part])} | "
            f"{mean_sd([r.get('valid_auroc', math.nan) for r in part])} | "
            f"{np.mean([r['cpu_s'] for r in part]):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="main,alternate")
    parser.add_argument("--seeds", default="1", help="fold seeds, e.g. 1,2")
    parser.add_argument("--candidates", default="", help="comma-separated names (default all)")
    parser.add_argument("--data", type=Path, default=DATA, help="anticp2.csv")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    if args.table:
        print(table(args.results))
        return
    register_models()
    names = [n for n in args.candidates.split(",") if n] or list(CANDIDATES)
    have = done(args.results)
    with tempfile.TemporaryDirectory() as folder:
        for dataset in args.datasets.split(","):
            train = train_csv(dataset, Path(folder), args.data)
            for seed in (int(s) for s in args.seeds.split(",")):
                for name in names:
                    if (dataset, name, seed) in have:
                        continue
                    run = run_classical if name in CLASSICAL else run_candidate
                    rows = run(name, dataset, seed, train)
                    with args.results.open("a") as out:
                        for row in rows:
                            out.write(json.dumps(row) + "\n")
                    mean = np.mean([r["cv_auroc"] for r in rows])
                    print(f"{dataset} {name} seed {seed}: CV AUROC {mean:.3f}", flush=True)


if __name__ == "__main__":
    main()
