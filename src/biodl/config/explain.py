"""The explain section of a run config: how ``biodl explain`` and ``train --explain`` attribute.

Each field is declared once with :func:`biodl.options.option`; the options of ``biodl
explain`` and ``biodl train --explain ...`` are generated from these declarations.

Examples
--------
>>> ExplainConfig().method
'integrated_gradients'
"""

from __future__ import annotations

from dataclasses import dataclass

from biodl.options import EXPLAIN, AttributionOption, choices, document, option

#: The commands that offer the explanation options.
EXPLAINING = ("train", "explain")


@document
@dataclass
class ExplainConfig:
    """How a trained model's predictions are attributed to its input (docs/explain.md)."""

    enabled: bool = option(
        False,
        help="Add an 'Explanation' section to the run's report: attributions of the final "
        "split's examples (the same as `biodl explain RUN DATA`), with the arrays in explain/.",
        panel=EXPLAIN,
        keyword="explain",
        flags=("--explain/--no-explain",),
        commands=("train",),
    )
    method: AttributionOption = option(
        "integrated_gradients",
        help="Attribution method: " + choices("attribution"),
        panel=EXPLAIN,
        keyword="attribution",
        commands=EXPLAINING,
    )
    steps: int = option(
        50,
        help="Integrated gradients and shap: points along each path from the reference to the "
        "input (more = smaller convergence delta, slower).",
        panel=EXPLAIN,
        keyword="ig_steps",
        commands=EXPLAINING,
    )
    references: int = option(
        10,
        help="shap: references per example (dinucleotide shuffles of a sequence, other "
        "examples for other kinds).",
        panel=EXPLAIN,
        keyword="shap_references",
        commands=EXPLAINING,
    )
    show: int = option(
        6,
        help="Examples drawn (logos, heatmaps, overlays) when --ids is not given: the "
        "top-scoring ones (images: misclassified first).",
        panel=EXPLAIN,
        keyword="show_examples",
        commands=EXPLAINING,
    )
    batch_size: int = option(
        64,
        help="Examples attributed per batch (memory grows with it, times --ig-steps for the "
        "path methods, in passes of at most 256 rows).",
        panel=EXPLAIN,
        keyword="explain_batch_size",
        commands=EXPLAINING,
    )
    motifs: str | None = option(
        None,
        help="DNA/RNA runs: a motif database (MEME or JASPAR file, e.g. JASPAR CORE) to match "
        "the first-layer filter motifs and the motifs discovered from the attributions against "
        "(Tomtom-like p and q values); the word 'jaspar' reads JASPAR 2024 CORE vertebrates from "
        "the jaspar extra (pip install 'biodl[jaspar]'). Without it the motifs are still found, "
        "drawn and written to motifs.meme, just not matched (train: with --explain).",
        panel=EXPLAIN,
        keyword="motifs",
        commands=EXPLAINING,
        metavar="FILE",
    )
