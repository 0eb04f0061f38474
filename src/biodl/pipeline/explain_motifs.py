"""The motif part of ``biodl explain`` for DNA/RNA runs: filter and attribution motifs, matched.

:func:`motif_section` turns what an explanation computed into motifs (docs/explain.md,
"Motifs"):

* **filter motifs**: the first ``Conv1d`` of the network is run on the explained sequences
  and each filter's activations (after its batch normalisation and non-linearity, before
  pooling) give a position frequency matrix from the sub-sequences that activate it most
  (:func:`biodl.interpret.filters.filter_motifs`), trimmed of uninformative ends;
* **attribution motifs**: seqlets of the attributions clustered and aligned into motifs
  (:func:`biodl.interpret.discovery.discover_motifs`, TF-MoDISco style);
* with a motif database (``--motifs``, MEME or JASPAR; :func:`read_database`), each motif's
  best match by :func:`biodl.interpret.tomtom.match_motifs` (p and q values).

Every motif gets how many sequences carry it and its mean effect: the mean summed attribution
at the observed letters over its sites (seqlets for discovered motifs; the windows activating
a filter above half its largest activation for filters). The motifs are written to
``motifs.meme`` and the table to ``motifs.csv``; both kinds are drawn as logos.

Examples
--------
>>> # found = motif_section(saved.network, saved.info, section, Path("plots"))
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl.errors import DataError
from biodl.interpret.discovery import DiscoveredMotif
from biodl.interpret.filters import FilterMotif
from biodl.interpret.motif_files import database_label
from biodl.interpret.motifs import Motif
from biodl.pipeline.fitting import model_inputs
from biodl.report.html import Figure, Table

__all__ = [
    "FILTER_THRESHOLD",
    "MAX_ACTIVATIONS",
    "MotifSection",
    "check_motif_option",
    "filter_activations",
    "has_motifs",
    "motif_section",
    "read_database",
    "train_motifs",
    "write_motif_files",
]

#: A filter's site: a window whose activation exceeds this fraction of the filter's largest.
FILTER_THRESHOLD = 0.5
#: Largest number of first-layer activation values kept at once (sequences x filters x
#: positions); past it, evenly spaced sequences are used for the filter motifs.
MAX_ACTIVATIONS = 20_000_000
#: Logos drawn per figure.
MAX_LOGOS = 12
#: Trimming of filter motifs before matching and drawing (bits).
TRIM_BITS = 0.3


@dataclass
class MotifSection:
    """What :func:`motif_section` found.

    Attributes
    ----------
    motifs : list of Motif
        Discovered motifs, then filter motifs (trimmed), as in ``motifs.meme``.
    table : DataFrame
        One row per motif: motif, source, consensus, width, n_sequences, n_sites,
        mean_effect, best_match, best_match_name, p_value, q_value (empty without a database).
    matches : DataFrame or None
        The matcher's top hits of every motif (``MatchTable.to_frame()``), with a database.
    discovered : list of DiscoveredMotif
        The attribution motifs with their seqlets, sequences and contribution matrices.
    filters : list of FilterMotif
        Every first-layer filter's motif (untrimmed, with its counts).
    figures, tables, text
        For the report.
    """

    motifs: list[Motif]
    table: pd.DataFrame
    matches: pd.DataFrame | None = None
    discovered: list[DiscoveredMotif] = field(default_factory=list)
    filters: list[FilterMotif] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    text: list[tuple[str, str]] = field(default_factory=list)


def has_motifs(info: dict[str, Any]) -> bool:
    """Whether a run's inputs are DNA or RNA sequences (the runs that get motifs)."""
    return info.get("kind") == "sequence" and model_inputs(info).get("alphabet") in ("dna", "rna")


def read_database(path: str | os.PathLike[str], info: dict[str, Any]) -> list[Motif]:
    """Read a MEME or JASPAR motif file for a run, before anything is written.

    RNA motifs (``ACGU``) are read as DNA so that they match either kind of run.

    Raises
    ------
    DataError
        A file that is not MEME/JASPAR (one line naming it), a protein motif file, or a run
        that is not on DNA/RNA sequences.
    """
    from biodl.interpret.motif_files import read_motifs

    if not has_motifs(info):
        raise DataError(
            f"--motifs {path}: motifs are matched for DNA/RNA sequence runs; this run is on "
            f"{info.get('kind')} data ({model_inputs(info).get('alphabet', 'no alphabet')})"
        )
    motifs = read_motifs(path)
    if not motifs:
        raise DataError(f"{path}: the motif file holds no motif")
    out = []
    for m in motifs:
        if m.alphabet not in ("ACGT", "ACGU"):
            raise DataError(
                f"{path}: motif {m.id} is over the alphabet {m.alphabet}; --motifs takes DNA "
                "or RNA motifs"
            )
        out.append(replace(m, alphabet="ACGT"))
    return out


def _first_block(model: Any) -> tuple[Any, Any, int] | None:
    """The first Conv1d, the module whose output is its activation, and its left padding."""
    import torch.nn as nn

    conv = next((m for m in model.modules() if isinstance(m, nn.Conv1d)), None)
    if conv is None or conv.dilation[0] != 1 or conv.groups != 1:
        return None
    parent = next((m for m in model.modules() if getattr(m, "conv", None) is conv), None)
    own = conv.padding if isinstance(conv.padding, tuple) else None
    if own is None:  # 'same' / 'valid'
        own = ((conv.kernel_size[0] - 1) // 2,) if conv.padding == "same" else (0,)
    pad = int(own[0])
    if parent is not None and isinstance(getattr(parent, "act", None), nn.Module):
        return conv, parent.act, pad + int(getattr(parent, "pad", (0,))[0])
    return conv, None, pad


def filter_activations(
    model: Any, onehot: np.ndarray, *, batch_size: int = 256
) -> tuple[np.ndarray, Any, int] | None:
    """The first layer's activations ``(N, F, L')`` of one-hot sequences ``(N, A, L)``.

    The output of the activation module of the first convolution's block (after batch
    normalisation, before pooling) where the network has one (biodl's CNN blocks), else the
    rectified convolution. Positions whose centre is padding (all-zero input) are zeroed.

    Returns
    -------
    (activations, conv, padding) or None
        None when the network has no plain first ``Conv1d`` (recurrent or transformer models,
        dilated or grouped first layers).
    """
    import torch

    found = _first_block(model)
    if found is None:
        return None
    conv, act, padding = found
    if conv.in_channels != onehot.shape[1]:
        return None
    captured: list[torch.Tensor] = []
    hook = (act or conv).register_forward_hook(
        lambda _m, _i, out: captured.append(out.detach().float().cpu())
    )
    chunks = []
    device = next(model.parameters()).device
    try:
        with torch.no_grad():
            for lo in range(0, len(onehot), batch_size):
                captured.clear()
                model(torch.from_numpy(onehot[lo : lo + batch_size]).float().to(device))
                out = captured[0] if act is not None else torch.relu(captured[0])
                chunks.append(out.numpy())
    finally:
        hook.remove()
    values = np.concatenate(chunks)
    if values.shape[2] == onehot.shape[2]:  # same length: zero where the input is padding
        values = values * (onehot.sum(axis=1) > 0)[:, None, :]
    return values, conv, padding


def _site_effects(
    contribution: np.ndarray,
    activations: np.ndarray,
    *,
    width: int,
    stride: int,
    padding: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per filter: the mean summed contribution over its sites' windows, and the site count."""
    n, length = contribution.shape
    cumulative = np.concatenate([np.zeros((n, 1)), np.cumsum(contribution, axis=1)], axis=1)
    effects = np.full(activations.shape[1], np.nan)
    sites = np.zeros(activations.shape[1], dtype=np.int64)
    for f in range(activations.shape[1]):
        values = activations[:, f, :]
        peak = float(values.max()) if values.size else 0.0
        if peak <= 0:
            continue
        seq, pos = np.nonzero(values > FILTER_THRESHOLD * peak)
        lo = np.clip(pos * stride - padding, 0, length)
        hi = np.clip(pos * stride - padding + width, 0, length)
        effects[f] = float(np.mean(cumulative[seq, hi] - cumulative[seq, lo]))
        sites[f] = len(seq)
    return effects, sites


def _filter_rows(
    network: Any, onehot: np.ndarray, contribution: np.ndarray, alphabet: str
) -> tuple[list[FilterMotif], list[Motif], list[dict[str, Any]], str]:
    """Every filter's motif, the trimmed motifs of those with sites and their table rows, and a
    sentence saying what was used."""
    from biodl.interpret.filters import filter_motifs

    model = getattr(network, "model", network)
    model.eval()
    first = _first_block(model)
    if first is None:
        return [], [], [], "The network has no plain first convolution: no filter motifs."
    conv = first[0]
    per_row = conv.out_channels * onehot.shape[2]
    keep = min(len(onehot), max(1, MAX_ACTIVATIONS // max(per_row, 1)))
    rows = np.unique(np.linspace(0, len(onehot) - 1, keep).round().astype(np.int64))
    found = filter_activations(model, onehot[rows])
    if found is None:
        return [], [], [], "The first convolution does not read the one-hot letters: no filters."
    values, conv, padding = found
    width, stride = int(conv.kernel_size[0]), int(conv.stride[0])
    x = np.ascontiguousarray(np.swapaxes(onehot[rows], 1, 2))
    filters = filter_motifs(
        x,
        values,
        width=width,
        stride=stride,
        padding=padding,
        threshold=FILTER_THRESHOLD,
        alphabet=alphabet,
    )
    effects, _ = _site_effects(
        contribution[rows], values, width=width, stride=stride, padding=padding
    )
    motifs, table = [], []
    for fm in filters:
        if fm.n_sites == 0:
            continue
        motif = fm.motif.trimmed(TRIM_BITS)
        motifs.append(motif)
        table.append(
            {
                "motif": motif.id,
                "source": "filter",
                "consensus": motif.consensus(),
                "width": motif.width,
                "n_sequences": fm.n_sequences,
                "n_sites": fm.n_sites,
                "mean_effect": float(effects[fm.filter]),
            }
        )
    used = (
        f"all {len(onehot)} explained sequences"
        if len(rows) == len(onehot)
        else f"{len(rows)} evenly spaced of the {len(onehot)} explained sequences"
    )
    text = (
        f"First-layer filters: {len(filters)} filters of width {width}; {len(motifs)} activate "
        f"on {used} (sites: windows above {FILTER_THRESHOLD:g} x the filter's "
        f"largest activation), trimmed to the positions of at least {TRIM_BITS:g} bits."
    )
    return filters, motifs, table, text


def _discovered_rows(
    attributions: np.ndarray, onehot: np.ndarray, alphabet: str
) -> tuple[list[DiscoveredMotif], list[dict[str, Any]], str]:
    from biodl.interpret.discovery import discover_motifs

    attr = np.ascontiguousarray(np.swapaxes(attributions, 1, 2))
    x = np.ascontiguousarray(np.swapaxes(onehot, 1, 2))
    try:
        found = discover_motifs(attr, x, alphabet=alphabet)
    except DataError as error:  # e.g. sequences shorter than a seqlet
        return [], [], f"No motifs were discovered from the attributions: {error}"
    table = [
        {
            "motif": d.motif.id,
            "source": "attributions",
            "consensus": d.motif.consensus(),
            "width": d.motif.width,
            "n_sequences": len(d.sequences),
            "n_sites": d.n_seqlets,
            "mean_effect": float(d.mean_effect),
        }
        for d in found
    ]
    text = (
        f"Motifs discovered from the attributions (seqlets clustered and aligned, TF-MoDISco "
        f"style): {sum(d.sign > 0 for d in found)} raising the output, "
        f"{sum(d.sign < 0 for d in found)} lowering it."
    )
    return found, table, text


def motif_section(
    network: Any,
    info: dict[str, Any],
    section: Any,
    folder: Path,
    *,
    database: list[Motif] | None = None,
    database_name: str = "",
) -> MotifSection:
    """Filter and attribution motifs of an explained DNA/RNA part, matched to ``database``.

    Parameters
    ----------
    network : nn.Module
        The run's network wrapper.
    info : dict
        The run's ``model.json``.
    section : ExplainSection
        :func:`biodl.pipeline.attributions.explain_part`'s result (attributions and one-hot
        inputs ``(n, A, L)``).
    folder : Path
        Where the logo PNGs go.
    database : list of Motif, optional
        From :func:`read_database`.
    database_name : str
        The database file's name in the report.
    """
    from biodl.interpret.tomtom import match_motifs
    from biodl.pipeline.explain_figures import sequence_letters

    alphabet = sequence_letters(info)
    onehot = np.asarray(section.attributions.inputs, dtype=np.float32)
    attributions = np.asarray(section.attributions.values, dtype=np.float32)
    contribution = (attributions * onehot).sum(axis=1)  # at the observed letters, (n, L)
    discovered, rows, said = _discovered_rows(attributions, onehot, alphabet)
    every_filter, filters, filter_rows, filter_said = _filter_rows(
        network, onehot, contribution, alphabet
    )
    found = [d.motif for d in discovered]
    motifs = found + filters
    table = pd.DataFrame(
        rows + filter_rows,
        columns=[
            "motif",
            "source",
            "consensus",
            "width",
            "n_sequences",
            "n_sites",
            "mean_effect",
        ],
    )
    for column in ("best_match", "best_match_name"):
        table[column] = ""
    table["p_value"] = np.nan
    table["q_value"] = np.nan
    result = MotifSection(motifs, table, discovered=discovered, filters=every_filter)
    if database is not None and motifs:
        as_dna = [replace(m, alphabet="ACGT") for m in motifs]
        matched = match_motifs(as_dna, database)
        best = {m.query: m for m in matched.best()}
        for i, name in enumerate(table["motif"]):
            hit = best.get(name)
            if hit is not None:
                table.loc[i, ["best_match", "best_match_name"]] = [hit.target, hit.target_name]
                table.loc[i, ["p_value", "q_value"]] = [hit.p_value, hit.q_value]
        result.matches = matched.to_frame()
    result.text.append(("Motifs", _text(said, filter_said, table, database, database_name)))
    result.tables.append(_report_table(table, database is not None))
    result.figures += _figures(found, filters, table, folder)
    return result


def _text(
    said: str,
    filter_said: str,
    table: pd.DataFrame,
    database: list[Motif] | None,
    name: str,
) -> str:
    parts = [said, filter_said]
    if database is None:
        parts.append(
            "No motif database was given (--motifs FILE, MEME or JASPAR): the motifs are in "
            "motifs.meme and motifs.csv, unmatched."
        )
    else:
        hits = table[table["q_value"] < 0.05]
        parts.append(
            f"Matched against {len(database)} motifs of {name or 'the database'} (Tomtom-like, "
            f"Pearson column scores): {len(hits)} of {len(table)} motifs have a match with "
            "q < 0.05."
        )
    return "\n\n".join(parts)


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    """Discovered motifs first, then filters; each by q value, then by |mean effect|."""
    key = table.assign(
        _src=(table["source"] != "attributions").astype(int),
        _q=table["q_value"].fillna(2.0),
        _e=-table["mean_effect"].abs().fillna(0.0),
    )
    return key.sort_values(["_src", "_q", "_e"], kind="stable").drop(columns=["_src", "_q", "_e"])


def _report_table(table: pd.DataFrame, matched: bool) -> Table:
    columns = ["motif", "source", "consensus", "sequences", "mean effect"]
    if matched:
        columns += ["best match", "q value"]
    rows = []
    for r in _ordered(table).head(40).to_dict("records"):
        row: list[Any] = [
            str(r["motif"]),
            str(r["source"]),
            str(r["consensus"]),
            int(r["n_sequences"]),
            float(r["mean_effect"]),
        ]
        if matched:
            label = f"{r['best_match']} {r['best_match_name']}".strip() or "-"
            q = float(r["q_value"])
            row += [label, None if np.isnan(q) else q]
        rows.append(row)
    caption = (
        "Sequences: how many explained sequences carry the motif (a seqlet, or a window "
        "activating the filter). Mean effect: the mean summed attribution at the observed "
        "letters over its sites, in units of the explained output. motifs.csv lists all."
    )
    return Table("Motifs", columns, rows, caption)


def _figures(
    found: list[Motif], filters: list[Motif], table: pd.DataFrame, folder: Path
) -> list[Figure]:
    from biodl.report.logos import motif_logos

    by_id = {str(r["motif"]): r for r in table.to_dict("records")}

    def title(m: Motif) -> str:
        r = by_id[m.id]
        text = f"{m.id}: {r['n_sequences']} seqs, effect {float(r['mean_effect']):.2g}"
        if r["best_match"]:
            target = str(r["best_match_name"] or r["best_match"])
            text += f"\n{target} (q={float(r['q_value']):.1g})"
        return text

    figures = []
    order = list(_ordered(table)["motif"])
    for motifs, file, heading, caption in (
        (
            found,
            "motifs_attributions.png",
            "Motifs discovered from the attributions",
            "Seqlets (windows of large attribution) clustered and aligned; letter height = "
            "probability x information (bits).",
        ),
        (
            filters,
            "motifs_filters.png",
            "First-layer filter motifs",
            "Letters of the sub-sequences that activate each filter most (the filters with "
            "the best matches, else the largest mean effects).",
        ),
    ):
        if not motifs:
            continue
        chosen = sorted(motifs, key=lambda m: order.index(m.id))[:MAX_LOGOS]
        path = motif_logos(chosen, [title(m) for m in chosen], folder / file)
        figures.append(Figure(heading, path, caption))
    return figures


def write_motif_files(writer: Any, found: MotifSection, *, prefix: str = "") -> None:
    """``motifs.meme`` (every motif), ``motifs.csv`` (the table) and, with a database,
    ``motif_matches.csv`` (each motif's top hits) into a run writer's folder (under
    ``prefix``, e.g. ``"explain/"``)."""
    from biodl.interpret.motif_files import write_meme

    if found.motifs:
        write_meme(found.motifs, writer.file(prefix + "motifs.meme"))
    writer.write_csv(prefix + "motifs.csv", _ordered(found.table))
    if found.matches is not None:
        writer.write_csv(prefix + "motif_matches.csv", found.matches)


def check_motif_option(cfg: Any) -> None:
    """``train``: refuse ``--motifs`` without ``--explain`` and read the file before training,
    so that a file that is not MEME/JASPAR fails at once (one line).

    Raises
    ------
    ConfigError, DataError
    """
    from biodl.errors import ConfigError
    from biodl.interpret.motif_files import read_motifs

    if cfg.motifs is None:
        return
    if not cfg.enabled:
        raise ConfigError(
            f"--motifs {cfg.motifs}: motifs are matched in the explanation; add --explain"
        )
    read_motifs(cfg.motifs)


def train_motifs(writer: Any, section: Any, network: Any, info: dict[str, Any], cfg: Any) -> None:
    """``train --explain`` on DNA/RNA data: the motif section added to ``section`` (figures,
    tables, text) with its files in ``explain/`` of the run directory."""
    if not has_motifs(info):
        if cfg.motifs is not None:
            read_database(cfg.motifs, info)  # says why motifs do not apply
        return
    database = read_database(cfg.motifs, info) if cfg.motifs else None
    found = motif_section(
        network,
        info,
        section,
        writer.path / "plots",
        database=database,
        database_name=database_label(cfg.motifs) if cfg.motifs else "",
    )
    write_motif_files(writer, found, prefix="explain/")
    section.figures += found.figures
    section.tables += found.tables
    section.text += found.text
