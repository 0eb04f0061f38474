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

import numpy as np
import pandas as pd

from biodl.data.checks.assemble import assemble, check_arguments
from biodl.data.checks.common import N_EXAMPLES, find_overlaps
from biodl.data.checks.expression_part import (
    SAMPLES,
    ExpressionPart,
    part_findings,
    scale_findings,
)
from biodl.data.checks.expression_values import (
    MatrixStats,
    common_genes,
    matrix_stats,
    row_hashes,
)
from biodl.data.checks.labels import resolve_task
from biodl.data.checks.part import part_histogram
from biodl.data.checks.result import (
    Finding,
    Histogram,
    Inspection,
    float_histogram,
)
from biodl.data.expression import ExpressionSet, zero_variance_genes
from biodl.data.preprocess import Log1pOption, value_scale
from biodl.data.targets import TaskName
from biodl.errors import DataError

__all__ = ["inspect_expression"]


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
    check_arguments(SAMPLES, parts, task)
    columns, note = _label_columns(parts, list(label_columns))
    frames = {name: data.obs[columns] if columns else None for name, data in parts.items()}
    resolved = resolve_task(list(frames.values()), task)
    first = next(iter(parts.values()))
    common = common_genes(parts)
    stats = {name: matrix_stats(data.X) for name, data in parts.items()}
    summaries = [
        _summarise(name, data, first, stats[name], frames[name], resolved)
        for name, data in parts.items()
    ]
    overlaps = find_overlaps(
        {name: (data.ids, row_hashes(data, common)) for name, data in parts.items()}
    )
    return assemble(
        SAMPLES,
        resolved,
        summaries,
        overlaps,
        identity="Two samples are identical when every gene has the same value (compared on "
        f"the {len(common)} genes every part has).",
        part_findings=part_findings,
        before=note,
        after=scale_findings(summaries, log1p=log1p, normalize=normalize),
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


def _summarise(
    name: str,
    data: ExpressionSet,
    first: ExpressionSet,
    stats: MatrixStats,
    labels: pd.DataFrame | None,
    task: TaskName | None,
) -> ExpressionPart:
    constant = zero_variance_genes(data.X)
    gene_index = pd.Index(data.genes)
    repeated_genes = gene_index[gene_index.duplicated()].unique()
    own = set(data.genes)
    missing = [g for g in dict.fromkeys(first.genes) if g not in own] if data is not first else []
    extra = len(own - set(first.genes))
    edges, counts = float_histogram(stats.totals) if len(stats.totals) else ([], [])
    return ExpressionPart.build(
        name,
        data,
        row_hashes(data, None),
        labels,
        task,
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
    )


def _total(x: float) -> float:
    """A sample total, rounded to a whole number from 10,000 on (so it prints as 4460844,
    not 4.461e+06)."""
    if not np.isfinite(x) or abs(x) < 1e4:
        return float(x)
    return float(round(x))


# --------------------------------------------------------------------------- presentation


def _total_figure(part: ExpressionPart) -> Histogram:
    return part_histogram(
        part,
        "Sample totals",
        caption="Each sample's sum over all genes (the library size for raw counts). Totals "
        "spread over orders of magnitude call for library-size normalisation (--normalize); "
        "a group of low totals can mean failed samples.",
        xlabel="Sum over genes",
        unit="samples",
        edges=part.total_edges,
        counts=part.total_counts,
        marker=part.total_median,
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
