"""Figures of generated against real sequences (from :func:`compare_sequences`).

One function per plot, each writing one PNG atomically and returning its path; colours as in
:mod:`biodl.report.synthetic_figures` (held-out real = blue, generated = vermillion, training =
grey):

- :func:`kmer_spectra_figure`: one panel per k, each k-mer's frequency in the training set
  (x) against its frequency in the generated and held-out sets (y); points on the diagonal mean
  the same spectrum;
- :func:`length_figure`: the length distributions;
- :func:`nn_identity_figure`: histograms of each sequence's nearest-neighbour identity to the
  training sequences, with the near-copy threshold marked.

:func:`sequence_sample_figures` draws the three into a run's ``plots/`` folder and returns them
captioned for the report.

Examples
--------
>>> from biodl.evaluation.sequence_samples import compare_sequences
>>> checks = compare_sequences(["ACGTAC", "ACGTTT"], ["ACGTAC", "AAGTTT"], ["ACCTTT"])
>>> nn_identity_figure(checks, "nn.png")  # doctest: +SKIP
PosixPath('nn.png')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from biodl.report._plot import PALETTE, integer_axis, new_figure, save_png

if TYPE_CHECKING:
    from biodl.evaluation.sequence_samples import SequenceSampleChecks
    from biodl.report.html import Figure as ReportFigure

__all__ = [
    "kmer_spectra_figure",
    "length_figure",
    "nn_identity_figure",
    "sequence_sample_figures",
]

REAL, GENERATED, TRAIN = PALETTE[0], PALETTE[1], "#888888"


def _sets(checks: SequenceSampleChecks) -> list[tuple[str, str, str]]:
    """(key, label, colour) of the sets compared with the training set."""
    out = [("generated", "generated", GENERATED)]
    if checks.real is not None:
        out.append(("real", "held-out real", REAL))
    return out


def kmer_spectra_figure(
    checks: SequenceSampleChecks,
    path: str | os.PathLike[str],
    *,
    title: str = "k-mer frequencies: training against generated and held-out real",
) -> Path:
    """One panel per k: each k-mer's training frequency (x) and its frequency in each set (y)."""
    ks = checks.ks
    fig = new_figure(3.6 * len(ks) + 0.4, 3.8)
    axes = fig.subplots(1, len(ks), squeeze=False)[0]
    for ax, k in zip(axes, ks, strict=True):
        train = checks.spectra["training"][k]
        every = np.concatenate([train, *(checks.spectra[s][k] for s, _, _ in _sets(checks))])
        lo, hi = float(every.min()), float(every.max())
        pad = 0.05 * (hi - lo) if hi > lo else 0.05 * max(hi, 1e-3)
        lo, hi = max(lo - pad, 0.0), hi + pad
        ax.plot([lo, hi], [lo, hi], color=TRAIN, linewidth=1, linestyle="--", zorder=0)
        for key, label, colour in _sets(checks):
            js = getattr(checks, key).js_distance[k]
            ax.scatter(
                train,
                checks.spectra[key][k],
                s=14 if k == 1 else 6,
                alpha=0.75,
                color=colour,
                marker="^" if key == "generated" else "o",
                label=f"{label} (JS {js:.3f})",
            )
        if k == 1:
            for j, letter in enumerate(checks.letters):
                ax.annotate(letter, (train[j], train[j]), fontsize=7, color="#444444")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel(f"{k}-mer frequency, training")
        ax.set_ylabel(f"{k}-mer frequency in the set")
        ax.set_title(f"k = {k}", fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(title, fontsize=11)
    return save_png(fig, path)


def length_figure(
    checks: SequenceSampleChecks,
    path: str | os.PathLike[str],
    *,
    title: str = "Sequence lengths",
) -> Path:
    """Length histograms (share of each set) of the training, held-out and generated sets."""
    fig = new_figure(6.0, 3.6)
    ax = fig.subplots()
    every = np.concatenate(list(checks.lengths.values()))
    lo, hi = int(every.min()), int(every.max())
    width = max(1, int(np.ceil((hi - lo + 1) / 40)))
    bins = np.arange(lo, hi + width + 1, width) - 0.5
    sets = [("training", "training", TRAIN), *_sets(checks)]
    for key, label, colour in sets:
        values = checks.lengths[key]
        weights = np.full(len(values), 1.0 / len(values))
        extra = ""
        if key != "training":
            extra = f" (KS {getattr(checks, key).length_ks:.2f})"
        ax.hist(
            values,
            bins=bins.tolist(),
            weights=weights,
            histtype="step" if key != "training" else "stepfilled",
            alpha=1.0 if key != "training" else 0.35,
            linewidth=1.6,
            color=colour,
            label=label + extra,
        )
    integer_axis(ax.xaxis)
    ax.set_xlabel("length (letters)")
    ax.set_ylabel("share of the set")
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8)
    return save_png(fig, path)


def nn_identity_figure(
    checks: SequenceSampleChecks,
    path: str | os.PathLike[str],
    *,
    title: str = "Identity to the nearest training sequence",
) -> Path:
    """Histograms of nearest-neighbour identity; the near-copy threshold as a dashed line."""
    fig = new_figure(6.0, 3.6)
    ax = fig.subplots()
    bins = np.linspace(0.0, 1.0, 41)
    bins[-1] = 1.0 + 1e-9  # identity 1 (copies) in the last bin
    for key, label, colour in _sets(checks):
        part = getattr(checks, key)
        values = part.nn_identity
        ax.hist(
            values,
            bins=bins.tolist(),
            weights=np.full(len(values), 1.0 / len(values)),
            histtype="step",
            linewidth=1.6,
            color=colour,
            label=f"{label}: {part.identical_fraction:.0%} copies, "
            f"{part.near_fraction:.0%} >= {checks.near:.0%}",
        )
    ax.axvline(checks.near, color="#444444", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1.0)
    ax.set_xlabel("identity to the nearest training sequence")
    ax.set_ylabel("share of the set")
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, loc="upper left")
    return save_png(fig, path)


def sequence_sample_figures(checks: SequenceSampleChecks, plots: Path) -> list[ReportFigure]:
    """Draw the three figures into ``plots`` and caption them for the report."""
    from biodl.report.html import Figure as ReportFigure

    plots.mkdir(parents=True, exist_ok=True)
    return [
        ReportFigure(
            "k-mer spectra, training against generated and held-out real",
            kmer_spectra_figure(checks, plots / "sequence_kmer_spectra.png"),
            "Each point is one k-mer: its frequency among the training sequences (x) and "
            "among the generated (triangles) or held-out real sequences (circles). Points on "
            "the dashed diagonal mean the same spectrum; JS = Jensen-Shannon distance (0 = "
            "same, 1 = disjoint). Held-out real sequences show how close two real samples are.",
        ),
        ReportFigure(
            "Sequence lengths",
            length_figure(checks, plots / "sequence_lengths.png"),
            "Share of each set at each length; KS = Kolmogorov-Smirnov statistic against the "
            "training lengths (0 = same distribution, 1 = disjoint).",
        ),
        ReportFigure(
            "Identity to the nearest training sequence",
            nn_identity_figure(checks, plots / "sequence_nn_identity.png"),
            "For each sequence, the highest identity to any training sequence (exact for equal "
            "lengths, best ungapped placement otherwise). Generated sequences piled at 1 are "
            "memorised copies; compare with the held-out real sequences.",
        ),
    ]
