"""Commands that use data or trained runs: ``predict``, ``evaluate``, ``inspect``, ``models``, ``demo``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from biodl.cli._app import (
    _choices,
    _fail,
    _run,
    app,
)
from biodl.cli.experiments import _train


@app.command()
def predict(
    run: Annotated[Path, typer.Argument(help="Run directory of a trained model.")],
    data: Annotated[Path, typer.Argument(help="Sequences to predict (FASTA, CSV/TSV, folder).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="CSV to write.", show_default="print to stdout"),
    ] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column, if it differs from training.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="Id column, if it differs from training.")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Sequences per batch.")] = 512,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
) -> None:
    """Predict labels or values for new sequences with a trained run.

    Example: biodl predict runs/splice new.fa --out predictions.csv
    """

    def work() -> None:
        from biodl import api

        table = api.predict(
            run,
            data,
            out=out,
            batch_size=batch_size,
            device=device,
            sequence_column=sequence_column,
            id_column=id_column,
        )
        if out is None:
            typer.echo(table.to_csv(index=False), nl=False)
        else:
            typer.echo(f"{len(table)} predictions written to {out}", err=True)

    _run(work)


@app.command()
def evaluate(
    run: Annotated[Path, typer.Argument(help="Run directory of a trained model.")],
    data: Annotated[Path, typer.Argument(help="Labelled sequences (same formats as train).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the metrics JSON here.")
    ] = None,
    label_column: Annotated[
        list[str] | None, typer.Option(help="Label column(s), if they differ from training.")
    ] = None,
    labels: Annotated[
        Path | None, typer.Option(help="Labels table keyed by id, for FASTA input.")
    ] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column, if it differs from training.")
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for confidence intervals.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = "cpu",
) -> None:
    """Metrics of a trained run on labelled data, as JSON on stdout (and in --out).

    Example: biodl evaluate runs/splice held_out.csv --out held_out_metrics.json
    """

    def work() -> None:
        from biodl import api
        from biodl._io import to_json

        result = api.evaluate(
            run,
            data,
            out=out,
            n_bootstrap=bootstrap,
            seed=seed,
            device=device,
            label_columns=label_column,
            labels=os.fspath(labels) if labels else None,
            sequence_column=sequence_column,
        )
        typer.echo(to_json(result), nl=False)

    _run(work)


@app.command()
def inspect(
    data: Annotated[
        Path,
        typer.Argument(
            help="Training data of any kind (sequences, expression, time series, records, "
            "images); labels optional."
        ),
    ],
    valid: Annotated[
        Path | None, typer.Option(help="A validation file to compare with DATA.")
    ] = None,
    test: Annotated[
        Path | None, typer.Option(help="A test file to compare with DATA (and --valid).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the inspection as a self-contained HTML page."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the inspection as JSON.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help=_choices("kind"), show_default="auto")] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            help="Labels table keyed by id: for FASTA, expression samples (metadata) or "
            "records (outcomes)."
        ),
    ] = None,
    label_column: Annotated[
        list[str] | None, typer.Option(help="Label column(s) (detected if not given).")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="Id column of a CSV/TSV or labels table.")
    ] = None,
    task: Annotated[str | None, typer.Option(help=_choices("task"), show_default="auto")] = None,
    sequence_column: Annotated[
        str | None, typer.Option(help="Sequence column of a CSV/TSV.", rich_help_panel="Sequences")
    ] = None,
    alphabet: Annotated[
        str | None,
        typer.Option(
            help="auto, dna, rna or protein.", show_default="auto", rich_help_panel="Sequences"
        ),
    ] = None,
    genes_as_rows: Annotated[
        bool | None,
        typer.Option(
            "--genes-as-rows/--samples-as-rows",
            help="Expression table with genes as rows and samples as columns.",
            show_default=False,
            rich_help_panel="Expression",
        ),
    ] = None,
    layer: Annotated[
        str | None,
        typer.Option(help="Expression .h5ad: read this layer.", rich_help_panel="Expression"),
    ] = None,
    raw: Annotated[
        bool | None,
        typer.Option(
            "--raw/--no-raw",
            help="Expression .h5ad: read .raw instead of X.",
            show_default=False,
            rich_help_panel="Expression",
        ),
    ] = None,
    log1p: Annotated[
        str | None,
        typer.Option(
            help="The --log1p training will use (auto, true, false): the value scale is "
            "checked against it.",
            show_default="auto",
            rich_help_panel="Expression",
        ),
    ] = None,
    normalize: Annotated[
        bool | None,
        typer.Option(
            "--normalize/--no-normalize",
            help="The --normalize training will use (default: on for raw counts).",
            rich_help_panel="Expression",
        ),
    ] = None,
    time_column: Annotated[
        str | None, typer.Option(help="Records table: time column.", rich_help_panel="Records")
    ] = None,
    variable_column: Annotated[
        str | None,
        typer.Option(help="Records table: variable column.", rich_help_panel="Records"),
    ] = None,
    value_column: Annotated[
        str | None, typer.Option(help="Records table: value column.", rich_help_panel="Records")
    ] = None,
    time_unit: Annotated[
        str | None,
        typer.Option(help=_choices("time_unit"), show_default="auto", rich_help_panel="Records"),
    ] = None,
    statics: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated static descriptors read at time zero (default: detected; "
            "'none' for none).",
            rich_help_panel="Records",
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option(
            help="The --window training will use, e.g. 48h: stay lengths are compared with it.",
            show_default="48h",
            rich_help_panel="Records",
        ),
    ] = None,
    size: Annotated[
        int | None,
        typer.Option(help="Bring every image to SIZE x SIZE pixels.", rich_help_panel="Images"),
    ] = None,
    channels: Annotated[
        int | None,
        typer.Option(help="1 = greyscale, 3 = RGB; default: as read.", rich_help_panel="Images"),
    ] = None,
    fit: Annotated[
        str | None,
        typer.Option(help=_choices("fit"), show_default="resize", rich_help_panel="Images"),
    ] = None,
    image_column: Annotated[
        str | None,
        typer.Option(help="Column of image paths in a CSV of images.", rich_help_panel="Images"),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A config.yaml whose data section to use.")
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Any other data option: data.static_missing=-1 (repeatable)."),
    ] = None,
) -> None:
    """Check data of any kind before training: balance, sizes, duplicates, leakage between files.

    Prints a summary with a suggested fix for each problem found.
    The kind and the reading options are those of biodl train; see docs/inspect.md.
    Example: biodl inspect train.csv --test test.csv --out inspection.html
    """

    def work() -> None:
        from biodl import api

        switch = {"auto": "auto", "true": True, "false": False}
        if log1p is not None and log1p.lower() not in switch:
            _fail(f"--log1p {log1p}: expected auto, true or false")
        names = None
        if statics is not None:
            names = (
                []
                if statics.strip().lower() == "none"
                else [s.strip() for s in statics.split(",") if s.strip()]
            )
        result = api.inspect(
            data,
            valid=valid,
            test=test,
            out=out,
            json_out=json_out,
            kind=kind,
            task=task,
            labels=labels,
            label_columns=label_column,
            sequence_column=sequence_column,
            id_column=id_column,
            alphabet=alphabet,
            config=config,
            overrides=overrides,
            genes_as_rows=genes_as_rows,
            layer=layer,
            use_raw=raw,
            log1p=None if log1p is None else switch[log1p.lower()],
            normalize=normalize,
            time_column=time_column,
            variable_column=variable_column,
            value_column=value_column,
            time_unit=time_unit,
            statics=names,
            window=window,
            size=size,
            channels=channels,
            fit=fit,
            image_column=image_column,
        )
        typer.echo(result.summary())
        if out is not None:
            typer.echo(f"\nInspection written to {out}", err=True)

    _run(work)


@app.command()
def models(
    name: Annotated[str | None, typer.Argument(help="Show one model's parameters in full.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="Only the models of this kind of data: sequence, expression, timeseries, "
            "records or image."
        ),
    ] = None,
) -> None:
    """List the models of each kind of data and their hyperparameters with defaults.

    Set a hyperparameter with --set model.NAME=VALUE, e.g. biodl train cells.h5ad --model mlp
    --set model.hidden_sizes=[256,64]. Example: biodl models --kind image.
    """

    def work() -> None:
        from biodl.errors import ConfigError
        from biodl.kinds import MODALITIES, get_modality, model_parameters
        from biodl.models.registry import summary

        kinds = [kind] if kind else list(reversed(MODALITIES))  # sequence first
        if kind is not None and kind not in MODALITIES:
            raise ConfigError(f"--kind {kind}: expected one of {', '.join(MODALITIES)}")
        shown = 0
        for data_kind in kinds:
            names = [n for n in get_modality(data_kind).models if name in (None, n)]
            if names and not name:
                typer.echo(f"== {data_kind} (--kind {data_kind}) ==\n")
            for model_name in names:
                shown += 1
                where = f" [{data_kind}]" if name else ""
                model_cls = get_modality(data_kind).models[model_name]
                typer.echo(f"{model_name}{where}: {summary(model_cls)}")
                for p in model_parameters(data_kind, model_name):
                    typer.echo(f"    {p.name} = {p.default!r}  ({p.annotation}) {p.description}")
                typer.echo("")
        if name is not None and not shown:
            raise ConfigError(f"unknown model '{name}'; `biodl models` lists every model")

    _run(work)


#: ``biodl demo --kind``: the embedded data sets, their default epochs and their description.
DEMOS = {
    "sequence": (20, "2,000 DNA sequences of 100 bp with planted motifs (demo-motifs.fa)"),
    "image": (
        10,
        "scikit-learn's 1,797 handwritten digits, 8x8 pixels, 10 classes (demo-digits.npz)",
    ),
}


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory to write.")] = Path(
        "runs/demo"
    ),
    kind: Annotated[
        str,
        typer.Option(
            help="Which embedded data: " + "; ".join(f"{k}: {v[1]}" for k, v in DEMOS.items()),
        ),
    ] = "sequence",
    epochs: Annotated[
        int | None,
        typer.Option(
            help="Maximum epochs.",
            show_default=", ".join(f"{v[0]} ({k})" for k, v in DEMOS.items()),
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run directory.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Train a CNN and a classical baseline on embedded data with a known answer; write a report.

    --kind sequence (default): 2,000 DNA sequences of 100 bp ('enhancer' = a GATA motif followed
    by an E-box), generated deterministically and written beside the run as <out>-motifs.fa;
    the baseline counts k-mers. --kind image: scikit-learn's 8x8 handwritten digits (no
    download), written beside the run as <out>-digits.npz with a stratified 70/10/20 split;
    the baseline is logistic regression on the pixels.
    """
    if kind not in DEMOS:
        _fail(f"--kind {kind}: unknown demo; choose one of {', '.join(DEMOS)}")

    def work() -> None:
        from biodl.data.demo import write_demo_fasta, write_digits_npz

        if kind == "image":
            data = write_digits_npz(out.parent / f"{out.name}-digits.npz")
        else:
            data = write_demo_fasta(out.parent / f"{out.name}-motifs.fa")
        if not quiet:
            typer.echo(f"Demo data: {data} ({DEMOS[kind][1].split(' (')[0]})", err=True)
        _train(
            data,
            out,
            None,
            [],
            overwrite,
            quiet,
            {
                "valid": None,
                "test": None,
                "labels": None,
                "model": "cnn",
                "epochs": DEMOS[kind][0] if epochs is None else epochs,
            },
        )

    _run(work)
