"""``biodl embed``: compute several embeddings of an expression matrix and compare them.

Reads the data (CSV/TSV or ``.h5ad``), fits the preprocessing on the training samples, runs
every requested method (:mod:`biodl.pipeline.reduce`), scores each embedding
(:mod:`biodl.evaluation.embedding`) and, given ``out``, writes atomically::

    OUT/
      coordinates/<method>.csv    id, <method>1 .. <method>D
      embedding.h5ad              .h5ad input only: a copy with obsm["X_<method>"]
      comparison.csv              one row per method (see comparison_table)
      metrics.json                the same, the best method per label, the options
      config.yaml                 the options
      plots/embedding_<column>.png
      report.html

Examples
--------
>>> from biodl.pipeline.embed import run_embed  # doctest: +SKIP
>>> result = run_embed("cells.h5ad", methods=["pca", "vae"], color_by=["cell_type"],
...                    out="embed_out")  # doctest: +SKIP
>>> result.best["cell_type"]  # doctest: +SKIP
'vae'
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from biodl.errors import ConfigError, DataError, DataWarning
from biodl.evaluation.embedding import EmbeddingScores, comparison_table, score_embedding
from biodl.pipeline.reduce import EMBED_METHODS, ReduceInputs, check_method, reduce
from biodl.runs import run_directory

__all__ = ["DEFAULT_METHODS", "LARGE_DEFAULT_METHODS", "LARGE_SAMPLES", "EmbedResult", "run_embed"]

DEFAULT_METHODS = ("pca", "tsne", "vae")
# From this many samples on, the default uses UMAP instead of t-SNE: on 100,000 simulated cells
# t-SNE took 624 s and UMAP 91 s, with kNN accuracy 0.44 vs 0.39 (benchmarks/RESULTS.md).
LARGE_SAMPLES = 20_000
LARGE_DEFAULT_METHODS = ("pca", "umap", "vae")
MIN_HOLDOUT_SAMPLES = 20  # below this every sample is used for fitting


@dataclass
class EmbedResult:
    """What ``biodl embed`` computed.

    Attributes
    ----------
    ids : list of str
        Sample ids, in row order.
    coordinates : dict of str to (n_samples, dims) ndarray
        One embedding per method.
    table : DataFrame
        The comparison table (one row per method).
    scores : list of EmbeddingScores
    best : dict of str to str
        Per scored label, the method that keeps it best (kNN accuracy, then silhouette).
    notes : dict of str to str
        How each method was computed.
    warnings : list of str
    out : Path or None
        The output folder, when one was written.
    """

    ids: list[str]
    coordinates: dict[str, np.ndarray]
    table: pd.DataFrame
    scores: list[EmbeddingScores]
    best: dict[str, str]
    notes: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    out: Path | None = None


def _parse_methods(methods: Sequence[str] | str) -> list[str]:
    names = (
        [m.strip().lower() for m in methods.split(",")]
        if isinstance(methods, str)
        else [m.strip().lower() for m in methods]
    )
    names = [m for m in dict.fromkeys(names) if m]
    unknown = [m for m in names if m not in EMBED_METHODS]
    if unknown or not names:
        raise ConfigError(
            f"--methods: unknown method(s) {', '.join(unknown) or '(none given)'}; choose from "
            f"{', '.join(EMBED_METHODS)}"
        )
    return names


def _split(n: int, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if not 0.0 <= holdout < 1.0:
        raise ConfigError(f"--holdout {holdout}: expected a fraction in [0, 1)")
    if holdout == 0 or n < MIN_HOLDOUT_SAMPLES:
        return np.arange(n), np.arange(0)
    order = np.random.default_rng(seed).permutation(n)
    k = max(1, round(n * holdout))
    return np.sort(order[k:]), np.sort(order[:k])


def _check_columns(obs: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [c for c in columns if c not in obs.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in obs.columns) or "none"
        raise DataError(
            f"{source}: no metadata column {', '.join(repr(c) for c in missing)} "
            f"(columns: {names}); name one of those with --color-by, or give a metadata table "
            "with --labels"
        )


def run_embed(
    data: str | os.PathLike[str],
    *,
    methods: Sequence[str] | str | None = None,
    dims: int = 2,
    color_by: Sequence[str] = (),
    label_column: str | None = None,
    genes_as_rows: bool = False,
    layer: str | None = None,
    use_raw: bool = False,
    metadata: str | None = None,
    normalize: bool | None = None,
    log1p: str | bool = "auto",
    scale: bool = False,
    hvg: int | None = None,
    holdout: float = 0.2,
    perplexity: float | None = None,
    epochs: int | None = None,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> EmbedResult:
    """Embed ``data`` with each method, score and compare the embeddings, optionally write them.

    Parameters
    ----------
    data : path
        Expression matrix: CSV/TSV (samples x genes; ``genes_as_rows`` for the transpose) or
        ``.h5ad``.
    methods : sequence of str or comma-separated str, optional
        From :data:`biodl.pipeline.reduce.EMBED_METHODS`. Default :data:`DEFAULT_METHODS`
        (pca, tsne, vae), or :data:`LARGE_DEFAULT_METHODS` (umap instead of tsne) from
        :data:`LARGE_SAMPLES` samples on.
    dims : int, default 2
    color_by : sequence of str
        Metadata columns to colour the plots by and to score (categorical ones).
    label_column : str, optional
        The class column for LDA; default the first ``color_by`` column.
    genes_as_rows, layer, use_raw, metadata
        Reading options of :func:`biodl.data.expression.read_expression`.
    normalize, log1p, scale, hvg
        Preprocessing (:class:`biodl.data.preprocess.PreprocessOptions`), fitted on the
        training samples; ``normalize=None`` turns normalisation on for raw counts.
    holdout : float, default 0.2
        Fraction of samples held out of fitting, on which the reconstruction error is measured
        (none below 20 samples). Every sample is embedded.
    perplexity : float, optional
        t-SNE perplexity; default ``min(30, (n - 1) / 3)``.
    epochs : int, optional
        Epochs of the AE/DAE/VAE; default chosen from the number of samples.
    seed : int, default 0
    out : path, optional
        Folder to write (atomically); nothing is written without it.
    overwrite : bool, default False
    progress : bool, optional
        One line on stderr as each method starts and ends, and the training progress bar of
        the neural methods; default only when stderr is a terminal.

    Returns
    -------
    EmbedResult

    Raises
    ------
    ConfigError, DataError, MissingDependencyError
        Bad options or data, before anything is fitted or written.
    """
    from biodl.data.expression import (
        COUNT_LAYERS,
        check_label_column,
        h5ad_counts,
        read_anndata,
        read_expression,
        read_metadata_table,
        unmatched_metadata,
    )
    from biodl.data.preprocess import (
        PreprocessOptions,
        check_scale,
        fit_preprocessing,
        value_scale,
    )

    names = _parse_methods(methods) if methods is not None else []
    color_by = [c for c in dict.fromkeys(color_by) if c]
    # an .h5ad is read once: its matrix, counts kept beside X and the copy written back
    adata = read_anndata(Path(data)) if Path(data).suffix.lower() == ".h5ad" else None
    meta_table = read_metadata_table(metadata) if metadata is not None else None  # read once
    expr = read_expression(
        str(data),
        genes_as_rows=genes_as_rows,
        layer=layer,
        use_raw=use_raw,
        metadata=meta_table,
        adata=adata,
    )
    if methods is None:
        names = list(LARGE_DEFAULT_METHODS if len(expr) >= LARGE_SAMPLES else DEFAULT_METHODS)
    _check_columns(expr.obs, [*color_by, *([label_column] if label_column else [])], expr.source)
    label = None
    lda_column = label_column or (color_by[0] if color_by else None)
    if "lda" in names and lda_column is not None:
        label = check_label_column(expr, lda_column).astype(str).to_numpy()
    train, heldout = _split(len(expr), holdout, seed)
    if normalize is None:
        normalize = value_scale(expr.X[train]) == "counts"
    options = PreprocessOptions(normalize=normalize, log1p=log1p, scale=scale, hvg=hvg)  # type: ignore[arg-type]
    prep = fit_preprocessing(expr.X[train], expr.genes, options)
    notes_warn = check_scale(expr.X, source=expr.source, log1p=prep.log1p)
    if meta_table is not None and (
        unmatched := unmatched_metadata(meta_table, expr.ids, expr.source)
    ):
        notes_warn.append(unmatched)
    X = prep.transform(expr.X)
    counts = library = counts_source = None
    if "vae" in names and value_scale(expr.X) == "counts":
        counts = expr.X[:, prep.columns] if len(prep.columns) != expr.n_genes else expr.X
        library = np.asarray(expr.X.sum(axis=1), dtype=np.float64).reshape(-1)
    elif "vae" in names and adata is not None and not (layer or use_raw):
        # X normalised, counts kept beside it (layers['counts'], .raw): the VAE models those
        found = h5ad_counts(adata, [expr.genes[i] for i in prep.columns])
        if found is not None:
            counts, library, counts_source = found
        else:
            notes_warn.append(
                f"{expr.source}: no raw counts beside X (layer {', '.join(COUNT_LAYERS)} or "
                ".raw), so the VAE models the normalised values (Gaussian); on single-cell data "
                "that keeps cell types far worse than a VAE on counts (docs/embeddings.md): "
                "add the counts as a 'counts' layer if you have them"
            )
    inputs = ReduceInputs(
        X,
        counts=counts,
        library=library,
        normalize=prep.normalize,
        log1p=prep.log1p,
        mean=prep.mean,
        std=prep.std,
        train=train,
        heldout=heldout,
        label=label,
        seed=seed,
        epochs=epochs,
        perplexity=perplexity,
        progress=sys.stderr.isatty() if progress is None else progress,
        counts_source=counts_source,
    )
    for name in names:  # every refusal before any fitting or writing
        check_method(name, inputs, dims)
    for message in notes_warn:
        warnings.warn(message, DataWarning, stacklevel=2)
    with run_directory(out, overwrite=overwrite) as writer:
        reductions = [
            _reduce(name, inputs, dims, f"{i}/{len(names)}") for i, name in enumerate(names, 1)
        ]
        labels = {c: expr.obs[c].to_numpy() for c in color_by}
        if lda_column and lda_column not in labels:
            labels[lda_column] = expr.obs[lda_column].to_numpy()
        scores = [
            score_embedding(
                X,
                r.coordinates,
                labels,
                method=r.method,
                fit_seconds=r.fit_seconds,
                reconstruction=r.reconstruction_error,
                seed=seed,
            )
            for r in reductions
        ]
        from biodl.report.embedding import best_methods

        table = comparison_table(scores)
        scored = list(scores[0].labels) if scores else []
        result = EmbedResult(
            ids=list(expr.ids),
            coordinates={r.method: r.coordinates for r in reductions},
            table=table,
            scores=scores,
            best=best_methods(table, scored),
            notes={r.method: r.note for r in reductions},
            warnings=list(notes_warn),
        )
        if writer is not None:
            settings = {
                "data": str(data),
                "methods": names,
                "dims": dims,
                "color_by": color_by,
                "label_column": lda_column,
                "genes_as_rows": genes_as_rows,
                "layer": layer,
                "use_raw": use_raw,
                "metadata": metadata,
                "preprocessing": {
                    "normalize": prep.normalize,
                    "log1p": prep.log1p,
                    "scale": prep.scale,
                    "genes_in": len(prep.genes_in),
                    "genes_out": len(prep.genes_out),
                },
                "holdout": holdout,
                "perplexity": perplexity,
                "epochs": epochs,
                "seed": seed,
            }
            _write(writer, result, expr, settings, scored, len(train), len(heldout), adata)
    if writer is not None:
        result.out = writer.out
    return result


def _reduce(name: str, inputs: ReduceInputs, dims: int, step: str) -> Any:
    """:func:`biodl.pipeline.reduce.reduce`, with a line on stderr before and after when asked."""
    if inputs.progress:
        print(f"[{step}] {name}: {EMBED_METHODS[name]} ...", file=sys.stderr, flush=True)
    result = reduce(name, inputs, dims)
    if inputs.progress:
        print(f"[{step}] {name}: fitted in {result.fit_seconds:.1f} s", file=sys.stderr, flush=True)
    return result


def _write(
    writer: Any,
    result: EmbedResult,
    expr: Any,
    settings: dict[str, Any],
    scored: list[str],
    n_train: int,
    n_heldout: int,
    adata: Any = None,
) -> None:
    import yaml

    from biodl.report.embedding import embedding_panels, write_embed_report

    for method, coords in result.coordinates.items():
        frame = pd.DataFrame(coords, columns=[f"{method}{i + 1}" for i in range(coords.shape[1])])
        frame.insert(0, "id", result.ids)
        writer.write_csv(f"coordinates/{method}.csv", frame)
    writer.write_csv("comparison.csv", result.table)
    writer.write_json(
        "metrics.json",
        {
            "comparison": result.table.to_dict(orient="records"),
            "best": result.best,
            "notes": result.notes,
            "samples": {"total": len(result.ids), "fit": n_train, "heldout": n_heldout},
        },
    )
    config_yaml = yaml.safe_dump(settings, sort_keys=False)
    writer.write_text("config.yaml", config_yaml)
    if adata is not None:
        _write_h5ad(writer, result, adata)
    figures, raw_figures = [], []
    columns = settings["color_by"] or [""]
    wide = any(c.shape[1] > 2 for c in result.coordinates.values())
    for column in columns:
        values = expr.obs[column].to_numpy() if column else None
        png = writer.file(f"plots/embedding_{column or 'samples'}.png")
        embedding_panels(result.coordinates, values, png, column=column, seed=settings["seed"])
        figures.append((column, png))
        if wide:
            png = writer.file(f"plots/embedding_{column or 'samples'}_first_two.png")
            embedding_panels(
                result.coordinates,
                values,
                png,
                column=column,
                seed=settings["seed"],
                view="first_two",
            )
            raw_figures.append((column, png))
    facts = [
        ("Data", str(settings["data"])),
        ("Samples x genes", f"{len(result.ids)} x {expr.n_genes}"),
        ("Genes used", str(result_genes(settings))),
        ("Fitted on / held out", f"{n_train} / {n_heldout} samples"),
        ("Dimensions", str(settings["dims"])),
        ("Sparse input", "yes" if sp.issparse(expr.X) else "no"),
    ]
    write_embed_report(
        writer.file("report.html"),
        table=result.table,
        labels=scored,
        figures=figures,
        data_facts=facts,
        notes=result.notes,
        warnings=result.warnings,
        config_yaml=config_yaml,
        subtitle=f"biodl embed · {settings['data']}",
        raw_figures=raw_figures,
        n_samples=len(result.ids),
    )


def result_genes(settings: dict[str, Any]) -> int:
    """Genes the methods were given (after --hvg)."""
    return int(settings["preprocessing"]["genes_out"])


def _write_h5ad(writer: Any, result: EmbedResult, adata: Any) -> None:
    """``embedding.h5ad``: the input AnnData (as read once) with one ``obsm`` per method."""
    position = pd.Index(adata.obs_names.astype(str)).get_indexer(pd.Index(result.ids))
    for method, coords in result.coordinates.items():
        full = np.full((adata.n_obs, coords.shape[1]), np.nan)
        full[position] = coords
        adata.obsm[f"X_{method}"] = full
    adata.write_h5ad(writer.file("embedding.h5ad"))
