"""Look at expression matrices before training: :func:`inspect_expression`.

Per part: samples and genes, dense or sparse, the value scale (raw counts, unlogged
intensities, log values; :func:`~biodl.data.preprocess.value_scale`) and what training will do
with it, non-finite values, sample totals (library sizes), genes of zero variance, repeated
sample and gene ids, genes missing from a later part. Across parts: identical samples
(leakage), scales that differ, and the shared label checks.

Matrices are read with ``strict=False`` (:func:`~biodl.data.expression.read_expression`) so
NaN and repeated ids become findings here instead of reading errors. Dense matrices are
scanned in blocks of rows and sparse ones stay sparse, so memory stays near the size of the
matrix. Two samples are identical when every gene has the same value (a 16-byte digest per
sample row, over the genes every part has).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from biodl.data.expression import ExpressionSet
>>> X = np.array([[1, 2, 3], [1, 2, 3], [0, 5, 1]], dtype="float32")
>>> obs = pd.DataFrame({"cell": ["a", "b", "a"]}, index=["s1", "s2", "s3"])
>>> data = ExpressionSet(X, ["s1", "s2", "s3"], ["g1", "g2", "g3"], obs, "toy.csv")
>>> result = inspect_expression({"train": data})
>>> result.parts[0].duplicate_samples, result.parts[0].value_scale
(1, 'counts')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from biodl.data.checks.common import (
    N_EXAMPLES,
    check_parts,
    check_task,
    digest,
    duplicate_id_count,
    find_overlaps,
    label_lines,
    label_summaries,
    pair_findings,
    part_label_findings,
    repeat_findings,
    repeats,
    resolve_task,
    small_data_finding,
    sort_findings,
)
from biodl.data.checks.expression_values import MatrixStats, matrix_stats, scale_findings
from biodl.data.checks.result import (
    Finding,
    Histogram,
    Inspection,
    LabelSummary,
    count_with_examples,
    float_histogram,
    format_number,
    percent,
)
from biodl.data.expression import ExpressionSet, zero_variance_genes
from biodl.data.preprocess import Log1pOption, value_scale
from biodl.errors import DataError

__all__ = ["ExpressionPart", "inspect_expression"]

_BLOCK_VALUES = 1 << 24  # values made dense and hashed at a time (64 MB of float32)


@dataclass
class ExpressionPart:
    """Summary of one part of an expression matrix.

    Parameters
    ----------
    name, source : str
        Part name and the file it was read from.
    n : int
        Samples.
    genes : int
        Genes (columns).
    sparse : bool
        Stored as a sparse matrix.
    density : float
        Fraction of non-zero values.
    value_scale : {"counts", "intensities", "log", "other"}
        See :func:`biodl.data.preprocess.value_scale`.
    minimum, mean, maximum : float
        Of the finite values (implicit zeros of a sparse matrix included).
    negative : int
        Negative values.
    nonfinite : int
        NaN or infinite values.
    nonfinite_samples : int
        Samples holding at least one.
    nonfinite_examples : list of str
        Up to 5 ``"sample/gene"`` of them.
    total_min, total_median, total_max : float
        Of each sample's sum over the genes (library size for counts), finite values only.
    total_edges, total_counts : list
        Histogram of the sample totals.
    zero_variance : int
        Genes whose values are all equal in this part.
    zero_variance_examples : list of str
    duplicate_genes : int
        Gene ids that occur earlier.
    duplicate_gene_examples : list of str
    missing_genes : int
        Genes of the first part absent from this part (0 for the first part).
    missing_gene_examples : list of str
    extra_genes : int
        Genes of this part absent from the first part.
    label_columns : list of str
    labels : list of LabelSummary
    duplicate_samples : int
        Samples whose values repeat an earlier sample of this part exactly.
    duplicate_examples : list of str
    duplicate_ids : int
        Sample ids that occur earlier in this part.
    """

    name: str
    source: str
    n: int
    genes: int
    sparse: bool
    density: float
    value_scale: str
    minimum: float
    mean: float
    maximum: float
    negative: int
    nonfinite: int
    nonfinite_samples: int
    nonfinite_examples: list[str]
    total_min: float
    total_median: float
    total_max: float
    total_edges: list[float]
    total_counts: list[int]
    zero_variance: int
    zero_variance_examples: list[str]
    duplicate_genes: int
    duplicate_gene_examples: list[str]
    missing_genes: int
    missing_gene_examples: list[str]
    extra_genes: int
    label_columns: list[str]
    labels: list[LabelSummary]
    duplicate_samples: int
    duplicate_examples: list[str]
    duplicate_ids: int

    def lines(self) -> list[str]:
        """Plain-text summary: size, scale, values, genes, labels, repeats."""
        source = f" ({self.source})" if self.source and self.source != self.name else ""
        storage = f"sparse, {self.density:.1%} non-zero" if self.sparse else "dense"
        lines = [
            f"{self.name}{source}: {self.n} samples x {self.genes} genes ({storage}), values "
            f"look like {self.value_scale} (min {format_number(self.minimum)}, mean "
            f"{format_number(self.mean)}, max {format_number(self.maximum)})",
            f"  sample totals: {format_number(self.total_min)}–{format_number(self.total_max)} "
            f"(median {format_number(self.total_median)}); {self.nonfinite} non-finite values; "
            f"{self.zero_variance} zero-variance genes",
        ]
        lines += label_lines(self.labels)
        lines.append(
            f"  duplicates: {self.duplicate_samples} repeated samples, {self.duplicate_ids} "
            f"repeated sample ids, {self.duplicate_genes} repeated gene ids"
        )
        return lines

    def rows(self) -> list[tuple[str, str]]:
        """Cells of this part's column in the HTML parts table."""
        return [
            ("Samples", str(self.n)),
            ("Genes", str(self.genes)),
            ("Storage", f"sparse ({percent(self.density)} non-zero)" if self.sparse else "dense"),
            ("Values look like", self.value_scale),
            (
                "Value min / mean / max",
                " / ".join(format_number(v) for v in (self.minimum, self.mean, self.maximum)),
            ),
            ("Negative values", str(self.negative)),
            (
                "NaN or infinite values",
                count_with_examples(self.nonfinite, self.nonfinite_examples),
            ),
            (
                "Sample total min / median / max",
                " / ".join(
                    format_number(v) for v in (self.total_min, self.total_median, self.total_max)
                ),
            ),
            (
                "Zero-variance genes",
                count_with_examples(self.zero_variance, self.zero_variance_examples),
            ),
            (
                "Genes missing (vs first part)",
                count_with_examples(self.missing_genes, self.missing_gene_examples),
            ),
            (
                "Repeated samples",
                count_with_examples(self.duplicate_samples, self.duplicate_examples),
            ),
            ("Repeated sample ids", str(self.duplicate_ids)),
            (
                "Repeated gene ids",
                count_with_examples(self.duplicate_genes, self.duplicate_gene_examples),
            ),
        ]


def inspect_expression(
    parts: Mapping[str, ExpressionSet],
    *,
    label_columns: Sequence[str] = (),
    task: str = "auto",
    log1p: Log1pOption = "auto",
    normalize: bool | None = None,
) -> Inspection:
    """Summarise expression matrices before training and list what to fix.

    Parameters
    ----------
    parts : mapping of str to ExpressionSet
        Named parts in order (the first is the training part), read with ``strict=False``.
    label_columns : sequence of str, default ()
        Metadata (``obs``) columns holding the labels. Empty: the only metadata column when
        there is exactly one, else none (a note lists the columns).
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}, default "auto"
    log1p, normalize
        The preprocessing options training would use (``--log1p``, ``--normalize``), to judge
        whether the value scale fits them.

    Returns
    -------
    Inspection
        Part summaries (:class:`ExpressionPart`), identical samples across parts, findings;
        figures of sample totals and of the values.

    Raises
    ------
    ConfigError
        For an unknown ``task``.
    DataError
        For no parts, a part that is not an ExpressionSet, or a named label column that a part
        does not have.
    """
    check_task(task)
    check_parts(parts, ExpressionSet, "Read it with biodl.data.expression.read_expression")
    columns, note = _label_columns(parts, list(label_columns))
    frames = {name: data.obs[columns] if columns else None for name, data in parts.items()}
    resolved = resolve_task(list(frames.values()), task)
    first = next(iter(parts.values()))
    common = _common_genes(parts)
    stats = {name: matrix_stats(data.X) for name, data in parts.items()}
    summaries = [
        _summarise(name, data, first, stats[name], frames[name], resolved)
        for name, data in parts.items()
    ]
    overlaps = find_overlaps(
        {name: (data.ids, _row_hashes(data, common)) for name, data in parts.items()}
    )
    findings = small_data_finding(
        sum(p.n for p in summaries), "sample", "samples", "the baseline on the same genes"
    )
    findings += note
    for k, part in enumerate(summaries):
        findings += _part_findings(part, first=k == 0)
    findings += scale_findings(summaries, log1p=log1p, normalize=normalize)
    findings += pair_findings(summaries, overlaps, item="sample", items="samples")
    return Inspection(
        resolved,
        summaries,
        overlaps,
        sort_findings(findings),
        kind="expression",
        item="sample",
        items="samples",
        identity="Two samples are identical when every gene has the same value (compared on "
        f"the {len(common)} genes every part has).",
        figures=[*(_total_figure(p) for p in summaries), *_value_figures(summaries, stats)],
    )


# --------------------------------------------------------------------------- one part


def _label_columns(
    parts: Mapping[str, ExpressionSet], given: list[str]
) -> tuple[list[str], list[Finding]]:
    first_name, first = next(iter(parts.items()))
    if given:
        for data in parts.values():
            missing = [c for c in given if c not in data.obs.columns]
            if missing:
                names = ", ".join(f"'{c}'" for c in data.obs.columns) or "none"
                raise DataError(
                    f"{data.source}: no metadata column '{missing[0]}' (columns: {names}). Name "
                    "one of those with --label-column, or give a metadata table with --labels."
                )
        return given, []
    found = [str(c) for c in first.obs.columns]
    if len(found) == 1 and all(found[0] in d.obs.columns for d in parts.values()):
        return found, []
    if not found:
        return [], []
    shown = ", ".join(f"'{c}'" for c in found[:10]) + (", ..." if len(found) > 10 else "")
    return [], [
        Finding(
            "info",
            f"{first_name}: {len(found)} metadata columns ({shown}); none was taken as the "
            "label, so labels were not checked.",
            "Name the label column with --label-column to check class balance and labels.",
            "label_column",
        )
    ]


def _common_genes(parts: Mapping[str, ExpressionSet]) -> list[str]:
    """Genes of the first part that every part has, in the first part's order."""
    first = next(iter(parts.values()))
    shared = set(first.genes)
    for data in parts.values():
        shared &= set(data.genes)
    return [g for g in dict.fromkeys(first.genes) if g in shared]


def _summarise(
    name: str,
    data: ExpressionSet,
    first: ExpressionSet,
    stats: MatrixStats,
    labels: pd.DataFrame | None,
    task: str | None,
) -> ExpressionPart:
    repeated, examples = repeats(_row_hashes(data, None), data.ids)
    constant = zero_variance_genes(data.X)
    gene_index = pd.Index(data.genes)
    repeated_genes = gene_index[gene_index.duplicated()].unique()
    own = set(data.genes)
    missing = [g for g in dict.fromkeys(first.genes) if g not in own] if data is not first else []
    extra = len(own - set(first.genes))
    edges, counts = float_histogram(stats.totals) if len(stats.totals) else ([], [])
    return ExpressionPart(
        name=name,
        source=data.source,
        n=len(data),
        genes=data.n_genes,
        sparse=data.is_sparse,
        density=stats.density,
        value_scale=value_scale(data.X),
        minimum=stats.minimum,
        mean=stats.mean,
        maximum=stats.maximum,
        negative=stats.negative,
        nonfinite=stats.nonfinite,
        nonfinite_samples=len(stats.nonfinite_rows),
        nonfinite_examples=[
            f"{data.ids[r]}/{data.genes[c]}" for r, c in stats.nonfinite_cells[:N_EXAMPLES]
        ],
        total_min=_total(stats.totals.min() if len(stats.totals) else np.nan),
        total_median=_total(np.median(stats.totals) if len(stats.totals) else np.nan),
        total_max=_total(stats.totals.max() if len(stats.totals) else np.nan),
        total_edges=edges,
        total_counts=counts,
        zero_variance=int(constant.sum()),
        zero_variance_examples=[data.genes[i] for i in np.flatnonzero(constant)[:N_EXAMPLES]],
        duplicate_genes=len(repeated_genes),
        duplicate_gene_examples=[str(g) for g in repeated_genes[:N_EXAMPLES]],
        missing_genes=len(missing),
        missing_gene_examples=missing[:N_EXAMPLES],
        extra_genes=extra,
        label_columns=[] if labels is None else [str(c) for c in labels.columns],
        labels=label_summaries(labels, task),  # type: ignore[arg-type]
        duplicate_samples=repeated,
        duplicate_examples=examples,
        duplicate_ids=duplicate_id_count(data.ids),
    )


def _total(x: float) -> float:
    """A sample total, rounded to a whole number from 10,000 on (so it prints as 4460844,
    not 4.461e+06)."""
    if not np.isfinite(x) or abs(x) < 1e4:
        return float(x)
    return float(round(x))


def _row_hashes(data: ExpressionSet, genes: list[str] | None) -> list[bytes]:
    """A digest of each sample's values, over ``genes`` (None: all of the part's genes)."""
    X = data.X
    if genes is not None and genes != list(data.genes):
        X = X[:, _first_of(pd.Index(data.genes), genes)]
    # Dense float32 rows whatever the storage, so a sparse and a dense copy hash alike;
    # a block holds at most _BLOCK_VALUES values.
    rows = max(1, _BLOCK_VALUES // max(X.shape[1], 1))
    out: list[bytes] = []
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        dense = block.toarray() if isinstance(block, sp.spmatrix) else block
        dense = np.ascontiguousarray(dense, dtype=np.float32)
        out += [digest(row.data) for row in dense]
    return out


def _first_of(index: pd.Index, genes: list[str]) -> np.ndarray:
    """Positions of the first occurrence of each of ``genes`` in ``index``."""
    first = ~index.duplicated()
    positions = np.flatnonzero(first)
    found: np.ndarray = positions[index[first].get_indexer(pd.Index(genes))]
    return found


# --------------------------------------------------------------------------- findings


def _part_findings(part: ExpressionPart, *, first: bool) -> list[Finding]:
    name = part.name
    out = repeat_findings(
        name,
        part.n,
        part.duplicate_samples,
        part.duplicate_examples,
        part.duplicate_ids,
        item="sample",
        items="samples",
    )
    if part.nonfinite:
        out.append(
            Finding(
                "warning",
                f"{name}: {part.nonfinite} values are NaN or infinite, in "
                f"{part.nonfinite_samples} of {part.n} samples (e.g. "
                f"{', '.join(part.nonfinite_examples)}).",
                "Training refuses non-finite values: impute them (0 for counts, the gene's "
                "median otherwise) or drop the genes or samples that hold them.",
                "nonfinite",
            )
        )
    if part.duplicate_genes:
        out.append(
            Finding(
                "warning",
                f"{name}: {part.duplicate_genes} gene ids occur more than once (e.g. "
                f"{', '.join(part.duplicate_gene_examples)}).",
                "Make gene ids unique (average the repeated rows or keep one); training "
                "refuses repeated gene ids.",
                "duplicate_genes",
            )
        )
    if part.missing_genes:
        out.append(
            Finding(
                "warning",
                f"{name}: {part.missing_genes} genes of the first part are missing (e.g. "
                f"{', '.join(part.missing_gene_examples)}).",
                "Use data measured on the same genes (check --genes-as-rows and the gene id "
                "column); a model cannot be applied to samples without its genes.",
                "missing_genes",
            )
        )
    if part.extra_genes:
        out.append(
            Finding(
                "info",
                f"{name}: {part.extra_genes} genes are not in the first part; they are ignored.",
                "Nothing to do unless you expected the same genes in every part.",
                "extra_genes",
            )
        )
    if first and part.zero_variance:
        out.append(
            Finding(
                "info",
                f"{name}: {part.zero_variance} of {part.genes} genes have zero variance (e.g. "
                f"{', '.join(part.zero_variance_examples)}); they carry no information.",
                "Filter them out, or use --hvg N to keep the N most variable genes (the "
                "default keeps 2000).",
                "zero_variance",
            )
        )
    return out + part_label_findings(name, part.labels)


# --------------------------------------------------------------------------- presentation


def _total_figure(part: ExpressionPart) -> Histogram:
    return Histogram(
        heading=f"Sample totals in {part.name}",
        caption="Each sample's sum over all genes (the library size for raw counts). Totals "
        "spread over orders of magnitude call for library-size normalisation (--normalize); "
        "a group of low totals can mean failed samples.",
        title=f"{part.name}: {part.n} samples",
        xlabel="Sum over genes",
        ylabel="Samples",
        edges=part.total_edges,
        counts=part.total_counts,
        marker=part.total_median,
        marker_label=f"median {format_number(part.total_median)}",
    )


def _value_figures(parts: list[ExpressionPart], stats: dict[str, MatrixStats]) -> list[Histogram]:
    out = []
    for part in parts:
        probe = stats[part.name].probe
        if not len(probe):
            continue
        unlogged = part.value_scale in ("counts", "intensities")
        edges, counts = float_histogram(np.log1p(np.maximum(probe, 0.0)) if unlogged else probe)
        what = "stored (non-zero) values" if part.sparse else "values"
        out.append(
            Histogram(
                heading=f"Values in {part.name}",
                caption=f"Distribution of the {what} as read (an even sample of {len(probe):,})"
                + (
                    ", on a log1p scale (negative values as 0) as they look like unlogged "
                    f"{part.value_scale}."
                    if unlogged
                    else "."
                ),
                title=f"{part.name}: values look like {part.value_scale}",
                xlabel="log1p(value)" if unlogged else "Value",
                ylabel="Values",
                edges=edges,
                counts=counts,
            )
        )
    return out
