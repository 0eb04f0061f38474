"""Commands that train: ``train``, ``cv`` and ``tune``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from biodl.cli._app import (
    BASELINE,
    DATA,
    HARDWARE,
    MODEL,
    OUTPUT,
    TRAINING,
    _batch_size,
    _choices,
    _fail,
    _run,
    app,
)

EXPRESSION = "Expression"  # help panel of the expression-data options
RECORDS = "Irregular records"
IMAGES = "Images"
TRANSFER = "Transfer learning"


@app.command()
def train(
    train: Annotated[
        Path | None,
        typer.Argument(
            help="Training data: FASTA/FASTA.gz, CSV/TSV, or a folder with one FASTA per class. May come from --config.",
            show_default=False,
            metavar="TRAIN",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Run directory to write.", rich_help_panel=OUTPUT),
    ] = None,
    valid: Annotated[
        Path | None,
        typer.Option(
            help="Separate validation file (else split from TRAIN).", rich_help_panel=DATA
        ),
    ] = None,
    test: Annotated[
        Path | None,
        typer.Option(help="Separate test file (else split from TRAIN).", rich_help_panel=DATA),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            help="Labels table (CSV/TSV) keyed by sequence id, for FASTA input.",
            rich_help_panel=DATA,
        ),
    ] = None,
    sequence_column: Annotated[
        str | None,
        typer.Option(
            help="Sequence column of a CSV/TSV (detected if not given).", rich_help_panel=DATA
        ),
    ] = None,
    label_column: Annotated[
        list[str] | None,
        typer.Option(
            help="Label column; repeat for multilabel / multi-target (detected if not given).",
            rich_help_panel=DATA,
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(help="Id column of a CSV/TSV or labels table.", rich_help_panel=DATA),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help=_choices("kind"), show_default="auto", rich_help_panel=DATA),
    ] = None,
    alphabet: Annotated[
        str | None,
        typer.Option(
            help="auto, dna, rna or protein. N and IUPAC codes are accepted for DNA/RNA, X for protein.",
            rich_help_panel=DATA,
        ),
    ] = None,
    length: Annotated[
        int | None,
        typer.Option(
            help="Crop (centre) / pad every sequence to this length. Default: pad per batch with a mask.",
            rich_help_panel=DATA,
        ),
    ] = None,
    task: Annotated[
        str | None, typer.Option(help=_choices("task"), show_default="auto", rich_help_panel=DATA)
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(help=_choices("split"), show_default="stratified", rich_help_panel=DATA),
    ] = None,
    group_column: Annotated[
        str | None,
        typer.Option(
            help="Column (or FASTA header key) with the group of each sequence (patient, species, ...) for --split group.",
            rich_help_panel=DATA,
        ),
    ] = None,
    split_column: Annotated[
        str | None,
        typer.Option(
            help="Column with train / valid / test for each sequence, for --split predefined.",
            rich_help_panel=DATA,
        ),
    ] = None,
    similarity_threshold: Annotated[
        float | None,
        typer.Option(
            help="k-mer Jaccard similarity above which sequences count as near-identical, for --split similarity and the leakage check (0.5 ~ 95% identity, 0.25 ~ 90% for 200 bp DNA).",
            show_default="0.5",
            rich_help_panel=DATA,
        ),
    ] = None,
    test_size: Annotated[
        float | None,
        typer.Option(
            help="Fraction held out for testing when no --test file is given.",
            show_default="0.2",
            rich_help_panel=DATA,
        ),
    ] = None,
    valid_size: Annotated[
        float | None,
        typer.Option(
            help="Fraction held out for validation / early stopping when no --valid file is given.",
            show_default="0.1",
            rich_help_panel=DATA,
        ),
    ] = None,
    genes_as_rows: Annotated[
        bool | None,
        typer.Option(
            "--genes-as-rows/--samples-as-rows",
            help="Expression table with genes as rows and samples as columns (default: samples as rows, first column = sample ids).",
            show_default=False,
            rich_help_panel=EXPRESSION,
        ),
    ] = None,
    layer: Annotated[
        str | None,
        typer.Option(
            help="Expression .h5ad: read this layer instead of X.", rich_help_panel=EXPRESSION
        ),
    ] = None,
    raw: Annotated[
        bool | None,
        typer.Option(
            "--raw/--no-raw",
            help="Expression .h5ad: read .raw instead of X.",
            show_default=False,
            rich_help_panel=EXPRESSION,
        ),
    ] = None,
    normalize: Annotated[
        bool | None,
        typer.Option(
            "--normalize/--no-normalize",
            help="Library-size normalisation to 10,000 per sample (default: on for raw counts).",
            show_default=False,
            rich_help_panel=EXPRESSION,
        ),
    ] = None,
    log1p: Annotated[
        str | None,
        typer.Option(help=_choices("log1p"), show_default="auto", rich_help_panel=EXPRESSION),
    ] = None,
    scale: Annotated[
        bool | None,
        typer.Option(
            "--scale/--no-scale",
            help="z-score each gene with the training mean and sd.",
            show_default=True,
            rich_help_panel=EXPRESSION,
        ),
    ] = None,
    hvg: Annotated[
        int | None,
        typer.Option(
            help="Keep at most the N most variable training genes; 0 = all genes.",
            show_default="2000",
            rich_help_panel=EXPRESSION,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Network: cnn (default), rnn, lstm, gru, cnn-lstm, transformer, mlp. See `biodl models`.",
            rich_help_panel=MODEL,
        ),
    ] = None,
    dropout: Annotated[
        float | None,
        typer.Option(
            help="Dropout rate of the model (shortcut for --set model.dropout=...).",
            rich_help_panel=MODEL,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override any option: model.channels=128, train.lr=0.01 (repeatable).",
            rich_help_panel=MODEL,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="YAML config, e.g. an earlier run's config.yaml.", rich_help_panel=MODEL),
    ] = None,
    loss: Annotated[
        str | None,
        typer.Option(help=_choices("loss"), show_default="auto", rich_help_panel=TRAINING),
    ] = None,
    class_weights: Annotated[
        str | None,
        typer.Option(help=_choices("class_weights"), show_default="none", rich_help_panel=TRAINING),
    ] = None,
    sampling: Annotated[
        str | None,
        typer.Option(help=_choices("sampling"), show_default="shuffle", rich_help_panel=TRAINING),
    ] = None,
    optimizer: Annotated[
        str | None,
        typer.Option(help=_choices("optimizer"), show_default="adam", rich_help_panel=TRAINING),
    ] = None,
    lr: Annotated[
        float | None,
        typer.Option(help="Learning rate.", show_default="0.001", rich_help_panel=TRAINING),
    ] = None,
    momentum: Annotated[
        float | None,
        typer.Option(
            help="Momentum for sgd and rmsprop.", show_default="0.9", rich_help_panel=TRAINING
        ),
    ] = None,
    nesterov: Annotated[
        bool | None,
        typer.Option(
            "--nesterov/--no-nesterov",
            help="Nesterov momentum for sgd.",
            show_default=False,
            rich_help_panel=TRAINING,
        ),
    ] = None,
    weight_decay: Annotated[
        float | None,
        typer.Option(help="Optimiser weight decay.", show_default="0", rich_help_panel=TRAINING),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help=_choices("scheduler"), show_default="none", rich_help_panel=TRAINING),
    ] = None,
    batch_size: Annotated[
        str | None,
        typer.Option(
            help="1 = stochastic, N = mini-batch, 'full' = full batch.",
            show_default="64",
            rich_help_panel=TRAINING,
        ),
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            help="Maximum epochs (default: about 1,000 optimiser steps, 30 to 200 epochs).",
            show_default="auto",
            rich_help_panel=TRAINING,
        ),
    ] = None,
    patience: Annotated[
        int | None,
        typer.Option(
            help="Early stopping: epochs without improvement on the validation set; 0 = off.",
            show_default="5",
            rich_help_panel=TRAINING,
        ),
    ] = None,
    monitor: Annotated[
        str | None,
        typer.Option(
            help="Validation quantity for early stopping: loss or a metric (auroc, accuracy, r2, ...).",
            show_default="loss",
            rich_help_panel=TRAINING,
        ),
    ] = None,
    l1: Annotated[
        float | None,
        typer.Option(help="L1 penalty on weights.", show_default="0", rich_help_panel=TRAINING),
    ] = None,
    l2: Annotated[
        float | None,
        typer.Option(help="L2 penalty on weights.", show_default="0", rich_help_panel=TRAINING),
    ] = None,
    grad_clip: Annotated[
        float | None,
        typer.Option(
            help="Clip the gradient norm; 0 = off.", show_default="0", rich_help_panel=TRAINING
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Seed for splits, initialisation, shuffling, bootstrap.",
            show_default="0",
            rich_help_panel=TRAINING,
        ),
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(
            help="Repeat training with this many seeds (seed, seed+1, ...) on the same split and "
            "report mean ± sd.",
            show_default="1",
            rich_help_panel=TRAINING,
        ),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option(help=_choices("device"), show_default="auto", rich_help_panel=HARDWARE),
    ] = None,
    precision: Annotated[
        str | None,
        typer.Option(
            help="32-true, 16-mixed, bf16-mixed, 64-true.",
            show_default="32-true",
            rich_help_panel=HARDWARE,
        ),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            help="Lightning strategy, e.g. ddp for several GPUs.",
            show_default="auto",
            rich_help_panel=HARDWARE,
        ),
    ] = None,
    devices: Annotated[
        str | None,
        typer.Option(
            help="Number of devices or 'auto'.", show_default="auto", rich_help_panel=HARDWARE
        ),
    ] = None,
    num_nodes: Annotated[
        int | None,
        typer.Option(help="Number of nodes.", show_default="1", rich_help_panel=HARDWARE),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(help="CPU threads for torch; 0 = torch's default.", rich_help_panel=HARDWARE),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(help=_choices("baseline"), show_default="logistic", rich_help_panel=BASELINE),
    ] = None,
    kmer: Annotated[
        int | None,
        typer.Option(
            help="k-mer size of the baseline (default from alphabet and length).",
            rich_help_panel=BASELINE,
        ),
    ] = None,
    positional: Annotated[
        bool | None,
        typer.Option(
            "--positional/--no-positional",
            help="Position-wise one-hot baseline features (default: on for fixed-length data).",
            show_default=False,
            rich_help_panel=BASELINE,
        ),
    ] = None,
    bootstrap: Annotated[
        int | None,
        typer.Option(
            help="Bootstrap resamples for confidence intervals.",
            show_default="1000",
            rich_help_panel=BASELINE,
        ),
    ] = None,
    threshold: Annotated[
        str | None,
        typer.Option(
            help="Binary tasks, decision threshold: " + _choices("threshold"),
            show_default="auto",
            rich_help_panel=BASELINE,
        ),
    ] = None,
    # -- irregular records (kind 'records') --
    bin_: Annotated[
        str | None,
        typer.Option(
            "--bin",
            help="Time-grid step, e.g. 1h, 30min.",
            show_default="1h",
            rich_help_panel=RECORDS,
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option(
            help="Only the first hours of each record, e.g. 48h, 2d.",
            show_default="48h",
            rich_help_panel=RECORDS,
        ),
    ] = None,
    forward_fill: Annotated[
        bool | None,
        typer.Option(
            "--forward-fill/--no-forward-fill",
            help="Carry the last observed value into unobserved bins.",
            show_default="no",
            rich_help_panel=RECORDS,
        ),
    ] = None,
    time_unit: Annotated[
        str | None,
        typer.Option(help=_choices("time_unit"), show_default="auto", rich_help_panel=RECORDS),
    ] = None,
    statics: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated static descriptors read at time zero (default: detected; "
            "'none' for none).",
            rich_help_panel=RECORDS,
        ),
    ] = None,
    # -- images (kind 'image'; see docs/images.md) --
    size: Annotated[
        int | None,
        typer.Option(
            help="Bring every image to SIZE x SIZE pixels (see --fit).",
            show_default="median shorter side; npz: its side",
            rich_help_panel=IMAGES,
        ),
    ] = None,
    channels: Annotated[
        int | None,
        typer.Option(
            help="1 = greyscale (RGB by luminance), 3 = RGB (grey repeated); default: as read.",
            rich_help_panel=IMAGES,
        ),
    ] = None,
    fit: Annotated[
        str | None,
        typer.Option(help=_choices("fit"), show_default="resize", rich_help_panel=IMAGES),
    ] = None,
    augment: Annotated[
        str | None,
        typer.Option(
            help="Training augmentation, comma-separated: " + _choices("augment"),
            show_default="none",
            rich_help_panel=IMAGES,
        ),
    ] = None,
    image_column: Annotated[
        str | None,
        typer.Option(
            help="Column of image paths in a CSV of images (detected if not given).",
            rich_help_panel=IMAGES,
        ),
    ] = None,
    init_from: Annotated[
        str | None,
        typer.Option(
            help="Start from pretrained weights: an earlier run directory (its model is reused "
            "unless --model is given), a .safetensors file or a PyTorch state dict (loaded with "
            "weights_only=True). See docs/transfer.md for the key mapping.",
            metavar="RUN_DIR_OR_WEIGHTS",
            rich_help_panel=TRANSFER,
        ),
    ] = None,
    freeze: Annotated[
        str | None,
        typer.Option(help=_choices("freeze"), show_default="none", rich_help_panel=TRANSFER),
    ] = None,
    body_lr_factor: Annotated[
        float | None,
        typer.Option(
            help="Fine-tuning: the body learns at lr x this factor (e.g. 0.1); the head at lr.",
            show_default="1",
            rich_help_panel=TRANSFER,
        ),
    ] = None,
    unfreeze_after: Annotated[
        int | None,
        typer.Option(
            help="Gradual unfreezing: train only the head for this many epochs, then the body too.",
            show_default="0",
            rich_help_panel=TRANSFER,
        ),
    ] = None,
    compare_scratch: Annotated[
        bool | None,
        typer.Option(
            "--compare-scratch/--no-compare-scratch",
            help="Also train the same model from scratch on the same split; the report compares "
            "the two.",
            show_default=False,
            rich_help_panel=TRANSFER,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing run directory.", rich_help_panel=OUTPUT)
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar or summary.", rich_help_panel=OUTPUT),
    ] = False,
) -> None:
    """Train a deep model and a classical baseline on the same split; write a run directory.

    Example: biodl train splice.csv --out runs/splice --model cnn --epochs 20
    """
    options: dict[str, Any] = {
        "valid": valid,
        "test": test,
        "labels": labels,
        "sequence_column": sequence_column,
        "label_columns": label_column or None,
        "id_column": id_column,
        "kind": kind,
        "alphabet": alphabet,
        "length": length,
        "task": task,
        "split": split,
        "group_column": group_column,
        "split_column": split_column,
        "similarity_threshold": similarity_threshold,
        "test_size": test_size,
        "valid_size": valid_size,
        "genes_as_rows": genes_as_rows,
        "layer": layer,
        "use_raw": raw,
        "normalize": normalize,
        "log1p": _log1p(log1p),
        "scale": scale,
        "hvg": hvg,
        "model": model,
        "dropout": dropout,
        "loss": loss,
        "class_weights": class_weights,
        "sampling": sampling,
        "optimizer": optimizer,
        "lr": lr,
        "momentum": momentum,
        "nesterov": nesterov,
        "weight_decay": weight_decay,
        "scheduler": scheduler,
        "batch_size": _batch_size(batch_size),
        "epochs": epochs,
        "patience": patience,
        "monitor": monitor,
        "l1": l1,
        "l2": l2,
        "grad_clip": grad_clip,
        "seed": seed,
        "seeds": seeds,
        "device": device,
        "precision": precision,
        "strategy": strategy,
        "devices": devices,
        "num_nodes": num_nodes,
        "threads": threads,
        "baseline": baseline,
        "kmer": kmer,
        "positional": positional,
        "bin": bin_,
        "window": window,
        "forward_fill": forward_fill,
        "time_unit": time_unit,
        "statics": _statics(statics),
        "n_bootstrap": bootstrap,
        "threshold": threshold,
        # images
        "size": size,
        "channels": channels,
        "fit": fit,
        "augment": augment,
        "image_column": image_column,
        # transfer learning
        "init_from": init_from,
        "freeze": freeze,
        "body_lr_factor": body_lr_factor,
        "unfreeze_after": unfreeze_after,
        "compare_scratch": compare_scratch,
    }
    if out is None:
        _fail("--out is required: the folder to write the run into (e.g. --out runs/my-run)")
    _run(lambda: _train(train, out, config, set_ or [], overwrite, quiet, options))


def _log1p(value: str | None) -> str | bool | None:
    """``--log1p auto|true|false`` as the config value ('auto', True or False)."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    if text == "auto":
        return "auto"
    _fail(f"--log1p {value}: expected auto, true or false")
    return None


def _train(
    train: Path | None,
    out: Path,
    config: Path | None,
    overrides: list[str],
    overwrite: bool,
    quiet: bool,
    options: dict[str, Any],
) -> None:
    from biodl import api

    for key in ("valid", "test", "labels"):
        if options[key] is not None:
            options[key] = os.fspath(options[key])
    result = api.train(
        train,
        out=out,
        config=config,
        overrides=overrides,
        overwrite=overwrite,
        progress=False if quiet else None,
        **options,
    )
    if not quiet:
        typer.echo(result.summary())
        typer.echo(f"\nRun written to {result.run_dir} (open {result.run_dir}/report.html)")


def _statics(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [] if text.strip().lower() == "none" else [s.strip() for s in text.split(",") if s]


@app.command()
def cv(
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Labelled sequences (FASTA, CSV/TSV, folder). May come from --config.",
            show_default=False,
            metavar="DATA",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Run directory to write.")] = None,
    folds: Annotated[int, typer.Option(help="Number of folds.")] = 5,
    repeats: Annotated[
        int, typer.Option(help="Repeat the k folds with reshuffling (repeated k-fold).")
    ] = 1,
    seeds: Annotated[
        int | None,
        typer.Option(
            help="Repeat the whole cross-validation with seeds seed..seed+N-1 (new folds and "
            "initialisation each); report over all folds x seeds.",
            show_default="1",
        ),
    ] = None,
    tune: Annotated[
        bool,
        typer.Option(
            "--tune",
            help="Nested CV: tune the network inside each fold on its training part only.",
        ),
    ] = False,
    search: Annotated[
        str, typer.Option(help="With --tune: grid, random or bayes (TPE).")
    ] = "random",
    trials: Annotated[int, typer.Option(help="With --tune: trials per outer fold.")] = 10,
    split: Annotated[
        str | None,
        typer.Option(
            help="How folds are made: stratified, random, group (--group-column) or similarity.",
            show_default="stratified",
        ),
    ] = None,
    group_column: Annotated[
        str | None, typer.Option(help="Column with the group of each sequence, for --split group.")
    ] = None,
    similarity_threshold: Annotated[
        float | None,
        typer.Option(
            help="For --split similarity: k-mer Jaccard above which sequences stay in one fold.",
            show_default="0.5",
        ),
    ] = None,
    valid_size: Annotated[
        float | None,
        typer.Option(
            help="Part of each fold's training data used for early stopping.", show_default="0.1"
        ),
    ] = None,
    labels: Annotated[
        Path | None, typer.Option(help="Labels table keyed by id, for FASTA input.")
    ] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column of a CSV/TSV.")
    ] = None,
    label_column: Annotated[
        list[str] | None, typer.Option(help="Label column(s) (detected if not given).")
    ] = None,
    id_column: Annotated[str | None, typer.Option(help="Id column of a CSV/TSV.")] = None,
    alphabet: Annotated[str | None, typer.Option(help="auto, dna, rna or protein.")] = None,
    length: Annotated[
        int | None, typer.Option(help="Crop/pad every sequence to this length.")
    ] = None,
    task: Annotated[
        str | None, typer.Option(help="auto, binary, multiclass, multilabel or regression.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Network (see `biodl models`).", show_default="cnn"),
    ] = None,
    epochs: Annotated[
        int | None, typer.Option(help="Maximum epochs per fold.", show_default="auto")
    ] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.", show_default="0.001")] = None,
    batch_size: Annotated[
        str | None, typer.Option(help="1, N or 'full'.", show_default="64")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed of folds, initialisation and shuffling.", show_default="0"),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads for torch; 0 = torch's default.")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help=_choices("baseline"), show_default="logistic")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Any other option: train.optimizer=sgd, model.channels=128 (repeatable)."
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="YAML config, e.g. a run's config.yaml.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run directory.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Cross-validate the deep model and the baseline on identical folds; compare them fold by fold.

    Writes per-fold metrics, mean ± sd, and a paired comparison (corrected resampled t-test and
    Wilcoxon signed-rank test) ending in one sentence: does deep learning beat the baseline here.
    With --tune the network is tuned inside each fold (nested cross-validation), so its score
    is an unbiased estimate of the tuned model.
    Example: biodl cv splice.csv --folds 5 --out runs/splice-cv
    """
    if out is None:
        _fail("--out is required: the folder to write the cross-validation into")
    options: dict[str, Any] = {
        "split": split,
        "group_column": group_column,
        "similarity_threshold": similarity_threshold,
        "valid_size": valid_size,
        "labels": os.fspath(labels) if labels else None,
        "sequence_column": sequence_column,
        "label_columns": label_column or None,
        "id_column": id_column,
        "alphabet": alphabet,
        "length": length,
        "task": task,
        "model": model,
        "epochs": epochs,
        "lr": lr,
        "batch_size": _batch_size(batch_size),
        "seed": seed,
        "seeds": seeds,
        "threads": threads,
        "baseline": baseline,
    }

    def work() -> None:
        from biodl import api

        result = api.cross_validate(
            data,
            folds=folds,
            repeats=repeats,
            tune=tune,
            search=search,
            trials=trials,
            out=out,
            config=config,
            overwrite=overwrite,
            progress=False if quiet else None,
            overrides=set_ or [],
            **options,
        )
        if not quiet:
            typer.echo(result.summary())
            typer.echo(
                f"\nCross-validation written to {result.run_dir} (open {result.run_dir}/report.html)"
            )

    _run(work)


@app.command()
def tune(
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Labelled sequences (FASTA, CSV/TSV, folder). May come from --config.",
            show_default=False,
            metavar="DATA",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder to write the study into.")
    ] = None,
    search: Annotated[str, typer.Option(help="grid, random or bayes (TPE).")] = "bayes",
    trials: Annotated[
        int, typer.Option(help="Total number of trials (resumed ones included).")
    ] = 20,
    space: Annotated[
        Path | None,
        typer.Option(
            help="YAML search space: {train.lr: {low: 1e-4, high: 1e-2, log: true}, model.channels: {choices: [32, 64]}}; default: the model's built-in space."
        ),
    ] = None,
    cv: Annotated[
        int,
        typer.Option(
            help="0 = score the validation split; K = mean over K folds of the training part."
        ),
    ] = 0,
    resume: Annotated[
        bool, typer.Option(help="Continue the study in --out (same input files).")
    ] = False,
    jobs: Annotated[int, typer.Option(help="Parallel worker processes sharing the study.")] = 1,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Network (see `biodl models`).", show_default="cnn"),
    ] = None,
    epochs: Annotated[
        int | None, typer.Option(help="Maximum epochs per trial.", show_default="auto")
    ] = None,
    monitor: Annotated[
        str | None,
        typer.Option(
            help="Validation score to optimise: loss or a metric (auroc, r2, ...).",
            show_default="loss",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the split and the sampler.", show_default="0")
    ] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column of a CSV/TSV.")
    ] = None,
    label_column: Annotated[
        list[str] | None, typer.Option(help="Label column(s) (detected if not given).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Any other base option: train.patience=3, model.channels=16 (repeatable)."
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="YAML base config, e.g. a run's config.yaml.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Start afresh in an existing study folder.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Search hyperparameters (grid, random or Bayesian) scored on validation data only.

    Writes study.db (resume a killed search with --resume), trials.csv, best_config.yaml
    (run it with biodl train --config), tune.json, plots and report.html.
    Example: biodl tune splice.csv --search random --trials 50 --epochs 10 --out runs/tune
    """
    if out is None:
        _fail("--out is required: the folder to write the study into")
    options: dict[str, Any] = {
        "sequence_column": sequence_column,
        "label_columns": label_column or None,
        "model": model,
        "epochs": epochs,
        "monitor": monitor,
        "seed": seed,
    }

    def work() -> None:
        from biodl import api

        result = api.tune(
            data,
            out=out,
            search=search,
            trials=trials,
            space=space,
            cv=cv,
            resume=resume,
            jobs=jobs,
            config=config,
            overwrite=overwrite,
            progress=False if quiet else None,
            overrides=set_ or [],
            **options,
        )
        if not quiet:
            typer.echo(result.summary())
            typer.echo(
                f"\nStudy written to {result.out} (best config: {result.out}/best_config.yaml)"
            )

    _run(work)
