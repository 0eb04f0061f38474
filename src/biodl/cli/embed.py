"""``biodl embed``: parse the options and call :func:`biodl.api.embed`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from biodl.cli.app import app, fail, run

EXPRESSION, METHODS, OUTPUT = "Expression data", "Methods", "Output"


@app.command()
def embed(
    data: Annotated[
        Path, typer.Argument(help="Expression matrix: CSV/TSV (samples x genes) or .h5ad.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder to write.", rich_help_panel=OUTPUT)
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: pca, nmf, lda, tsne, umap, ae, dae, vae.",
            rich_help_panel=METHODS,
            show_default="pca,tsne,vae; umap instead of tsne from 20,000 samples",
        ),
    ] = None,
    dims: Annotated[
        int, typer.Option(help="Dimensions of every embedding.", rich_help_panel=METHODS)
    ] = 2,
    color_by: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated metadata columns to colour the plots by and to score.",
            rich_help_panel=METHODS,
        ),
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option(
            help="Class column for LDA (default: the first --color-by column).",
            rich_help_panel=METHODS,
        ),
    ] = None,
    holdout: Annotated[
        float,
        typer.Option(
            help="Fraction of samples held out to measure reconstruction error (none below 20 samples).",
            rich_help_panel=METHODS,
        ),
    ] = 0.2,
    perplexity: Annotated[
        float | None,
        typer.Option(
            help="t-SNE perplexity.", show_default="min(30, (n-1)/3)", rich_help_panel=METHODS
        ),
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            help="Training epochs of ae, dae, vae.",
            show_default="from the sample count",
            rich_help_panel=METHODS,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.", rich_help_panel=METHODS)] = 0,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            "--metadata",
            help="Sample metadata CSV/TSV (first column = sample ids).",
            rich_help_panel=EXPRESSION,
        ),
    ] = None,
    genes_as_rows: Annotated[
        bool,
        typer.Option(
            "--genes-as-rows/--samples-as-rows",
            help="Table with genes as rows and samples as columns.",
            rich_help_panel=EXPRESSION,
        ),
    ] = False,
    layer: Annotated[
        str | None,
        typer.Option(help=".h5ad: read this layer instead of X.", rich_help_panel=EXPRESSION),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw/--no-raw", help=".h5ad: read .raw instead of X.", rich_help_panel=EXPRESSION
        ),
    ] = False,
    normalize: Annotated[
        bool | None,
        typer.Option(
            "--normalize/--no-normalize",
            help="Library-size normalisation to 10,000 per sample.",
            show_default="on for raw counts",
            rich_help_panel=EXPRESSION,
        ),
    ] = None,
    log1p: Annotated[
        str,
        typer.Option(
            help="log(1 + x): auto (for counts or intensities), true or false.",
            rich_help_panel=EXPRESSION,
        ),
    ] = "auto",
    scale: Annotated[
        bool,
        typer.Option("--scale/--no-scale", help="z-score each gene.", rich_help_panel=EXPRESSION),
    ] = False,
    hvg: Annotated[
        int | None, typer.Option(help="Keep the N most variable genes.", rich_help_panel=EXPRESSION)
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing output folder.", rich_help_panel=OUTPUT
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No progress lines (default: shown when stderr is a terminal).",
            rich_help_panel=OUTPUT,
        ),
    ] = False,
) -> None:
    """Compute several embeddings and compare how well each keeps the metadata labels.

    Example: biodl embed cells.h5ad --methods pca,umap,vae --color-by cell_type --out embed/
    """
    if out is None:
        fail("--out is required: the folder to write the embeddings into (e.g. --out embed/)")

    def work() -> None:
        from biodl import api

        result = api.embed(
            data,
            methods=methods,
            dims=dims,
            color_by=color_by or (),
            label_column=label_column,
            genes_as_rows=genes_as_rows,
            layer=layer,
            use_raw=raw,
            metadata=labels,
            normalize=normalize,
            log1p=log1p,
            scale=scale,
            hvg=hvg,
            holdout=holdout,
            perplexity=perplexity,
            epochs=epochs,
            seed=seed,
            out=out,
            overwrite=overwrite,
            progress=False if quiet else None,
        )
        typer.echo(result.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        for label, method in result.best.items():
            typer.echo(f"best for {label}: {method}")
        typer.echo(f"written to {result.out}", err=True)

    run(work)
