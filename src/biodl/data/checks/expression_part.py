"""The summary of one part of an expression matrix (:class:`ExpressionPart`) and its findings.

Within a part: non-finite values, repeated gene ids, genes missing from or added to a later
part, genes of zero variance. Across parts: whether the value scale of each part
(:func:`~biodl.data.preprocess.value_scale`) fits the preprocessing training would apply
(``--log1p``, ``--normalize``) and the first part, and sample totals that spread widely.
The summaries are made by :func:`biodl.data.checks.expression.inspect_expression`.

Examples
--------
>>> TOTAL_SPREAD
10.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from biodl.data.checks.part import KindTerms, PartBase, slashed, span
from biodl.data.checks.result import (
    Finding,
    LabelSummary,
    count_with_examples,
    format_number,
    percent,
)
from biodl.data.expression import ExpressionSet
from biodl.data.preprocess import TARGET_SUM, Log1pOption

__all__ = ["SAMPLES", "TOTAL_SPREAD", "ExpressionPart", "part_findings", "scale_findings"]

SAMPLES = KindTerms(
    "expression",
    "sample",
    "samples",
    baseline="the baseline on the same genes",
    data=ExpressionSet,
    reader="Read it with biodl.data.expression.read_expression",
)

TOTAL_SPREAD = 10.0  # largest / smallest sample total above which the spread is reported


@dataclass
class ExpressionPart(PartBase):
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

    terms: ClassVar[KindTerms] = SAMPLES
    id_word: ClassVar[str] = "sample ids"

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

    def headline(self) -> str:
        """Size, storage, value scale."""
        storage = f"sparse, {self.density:.1%} non-zero" if self.sparse else "dense"
        return (
            f"{self.n} samples x {self.genes} genes ({storage}), values look like "
            f"{self.value_scale} (min {format_number(self.minimum)}, mean "
            f"{format_number(self.mean)}, max {format_number(self.maximum)})"
        )

    def details(self) -> list[str]:
        """Sample totals, non-finite values, zero-variance genes."""
        return [
            f"  sample totals: {span(self.total_min, self.total_max, self.total_median)}; "
            f"{self.nonfinite} non-finite values; {self.zero_variance} zero-variance genes"
        ]

    def kind_rows(self) -> list[tuple[str, str]]:
        """Genes, storage, values, sample totals, genes of zero variance or missing."""
        return [
            ("Genes", str(self.genes)),
            ("Storage", f"sparse ({percent(self.density)} non-zero)" if self.sparse else "dense"),
            ("Values look like", self.value_scale),
            ("Value min / mean / max", slashed(self.minimum, self.mean, self.maximum)),
            ("Negative values", str(self.negative)),
            (
                "NaN or infinite values",
                count_with_examples(self.nonfinite, self.nonfinite_examples),
            ),
            (
                "Sample total min / median / max",
                slashed(self.total_min, self.total_median, self.total_max),
            ),
            (
                "Zero-variance genes",
                count_with_examples(self.zero_variance, self.zero_variance_examples),
            ),
            (
                "Genes missing (vs first part)",
                count_with_examples(self.missing_genes, self.missing_gene_examples),
            ),
        ]

    def more_repeats(self) -> list[tuple[str, int, list[str]]]:
        """Repeated gene ids."""
        return [("gene ids", self.duplicate_genes, self.duplicate_gene_examples)]


def part_findings(part: ExpressionPart, first: bool) -> list[Finding]:
    """Non-finite values, repeated, missing and extra genes; zero variance (first part)."""
    name = part.name
    out: list[Finding] = []
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
    return out


def scale_findings(
    parts: Sequence[ExpressionPart],
    *,
    log1p: Log1pOption = "auto",
    normalize: bool | None = None,
) -> list[Finding]:
    """Findings on the value scale: what training does with it, and where it does not fit.

    Parameters
    ----------
    parts : sequence of ExpressionPart
        The part summaries, the first being the training part.
    log1p, normalize
        ``--log1p`` and ``--normalize`` as training would get them.
    """
    first = parts[0]
    kind, top = first.value_scale, format_number(first.maximum)
    unlogged = kind in ("counts", "intensities")
    logs = unlogged if log1p == "auto" else bool(log1p)
    normalises = kind == "counts" if normalize is None else bool(normalize)
    out: list[Finding] = []
    if unlogged and not logs:
        out.append(
            Finding(
                "warning",
                f"{first.name}: values look like unlogged {kind} (max {top}) but --log1p false "
                "keeps them as they are.",
                "Use --log1p auto (the default) so training logs them; networks and the "
                "baseline expect log-scale values.",
                "scale",
            )
        )
    elif kind == "log" and logs:
        out.append(
            Finding(
                "warning",
                f"{first.name}: values look log-transformed already (max {top}) but --log1p "
                "true logs them again.",
                "Pass --log1p auto (or false).",
                "scale",
            )
        )
    elif unlogged:
        steps = (
            f"normalises each sample to a total of {TARGET_SUM:,.0f} and applies log1p "
            "(--normalize and --log1p auto)"
            if normalises
            else "applies log1p (--log1p auto)"
        )
        negatives = (
            f", after setting the {first.negative} negative values to 0" if first.negative else ""
        )
        out.append(
            Finding(
                "info",
                f"{first.name}: values look like unlogged {kind} (max {top}); training "
                f"{steps}{negatives}.",
                "Nothing to do for raw values; if they were normalised or logged already, pass "
                + ("--no-normalize or --log1p false." if normalises else "--log1p false."),
                "scale",
            )
        )
    if (
        kind == "counts"
        and first.total_min > 0
        and first.total_max / first.total_min > TOTAL_SPREAD
    ):
        out.append(
            Finding(
                "info",
                f"{first.name}: sample totals range from {format_number(first.total_min)} to "
                f"{format_number(first.total_max)} "
                f"({first.total_max / first.total_min:.0f}-fold).",
                "Library-size normalisation (--normalize, on by default for counts) evens this "
                "out; look at the smallest samples for failed libraries.",
                "library_size",
            )
        )
    for part in parts[1:]:
        if part.value_scale != kind:
            out.append(
                Finding(
                    "warning",
                    f"{part.name} values look like {part.value_scale} but {first.name} values "
                    f"look like {kind}.",
                    "Give every part on the same scale (all raw or all log values); the "
                    f"preprocessing fitted on {first.name} is applied unchanged to the others.",
                    "scale_differs",
                )
            )
    return out
