"""``biodl explain``: parse the options and call :func:`biodl.api.explain`.

Besides its own options it offers the config options declared for ``explain`` (the
attribution method, integration steps, references, examples drawn, batch size), generated
from their one declaration as ``train``'s are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from biodl.cli.app import app, fail, run
from biodl.cli.options import config_options, with_config_options

OPTIONS = config_options("explain")
EXPLAIN, OUTPUT = "Explanation", "Output"


def explain(
    run_dir: Annotated[
        Path, typer.Argument(help="Run directory of a trained model.", metavar="RUN")
    ],
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Examples to explain, in the run's kind and format (labels optional).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder to write.", rich_help_panel=OUTPUT),
    ] = None,
    variants: Annotated[
        Path | None,
        typer.Option(
            help="Sequence runs: CSV/TSV of variants with columns id, sequence, position "
            "(1-based), ref, alt; or, with --reference, a VCF or a CSV/TSV with columns id, "
            "chrom, pos (1-based on the chromosome), ref, alt; writes variants.csv "
            "(predictions of both alleles, difference, log-odds ratio) and logos of both "
            "alleles.",
            rich_help_panel=EXPLAIN,
        ),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            help="With a VCF given to --variants (.vcf, .vcf.gz; CHROM POS ID REF ALT, "
            "single-letter changes) or a table of id, chrom, pos, ref, alt: the reference "
            "genome FASTA the variants are placed on.",
            rich_help_panel=EXPLAIN,
            show_default=False,
        ),
    ] = None,
    variant_window: Annotated[
        int | None,
        typer.Option(
            help="With --reference: letters scored around each variant (default: the run's input "
            "length; needed for runs that read sequences of any length).",
            rich_help_panel=EXPLAIN,
            show_default=False,
        ),
    ] = None,
    ids: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated ids of the examples to draw (default: the top-scoring ones).",
            rich_help_panel=EXPLAIN,
        ),
    ] = None,
    variant_flank: Annotated[
        int,
        typer.Option(
            help="Variant logos: letters shown on each side of the changed position.",
            rich_help_panel=EXPLAIN,
        ),
    ] = 15,
    device: Annotated[str, typer.Option(help="cpu or cuda.", rich_help_panel=OUTPUT)] = "cpu",
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing output folder.", rich_help_panel=OUTPUT
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar.", rich_help_panel=OUTPUT),
    ] = False,
    **declared: Any,
) -> None:
    """Attributions, figures and a report of what a trained run looks at; variant effects.

    Example: biodl explain runs/demo runs/demo-motifs.fa --out explain/ --attribution shap
    """
    if out is None:
        fail("--out is required: the folder to write the explanation into (e.g. --out explain/)")

    def work() -> None:
        from biodl import api

        given = {o.keyword: o.value(declared.get(o.keyword)) for o in OPTIONS}
        result = api.explain(
            run_dir,
            data,
            out=out,
            variants=variants,
            ids=[i.strip() for i in ids.split(",") if i.strip()] if ids else None,
            flank=variant_flank,
            reference=reference,
            variant_window=variant_window,
            device=device,
            overwrite=overwrite,
            progress=False if quiet else None,
            **{k: v for k, v in given.items() if v is not None},
        )
        if result.section is not None:
            typer.echo(f"{len(result.section.ids)} examples explained", err=True)
        if result.variants is not None:
            typer.echo(f"{len(result.variants)} variants scored", err=True)
        typer.echo(f"written to {result.out}", err=True)

    run(work)


app.command("explain")(with_config_options(explain, OPTIONS))
