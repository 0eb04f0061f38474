"""``biodl explain``: attributions, figures, a report and variant effects of a trained run.

:func:`explain_run` loads the run's model, reads ``data`` as the run expects (its kind, its
alphabet, its fitted preprocessing), attributes every example (:mod:`biodl.pipeline.
attributions`) and, with ``variants``, scores both alleles of each variant. Everything is
written into a hidden folder beside ``out`` and renamed into place at the end
(:func:`biodl.runs.run_directory`), so a failed explanation leaves nothing half-written; the
command's warnings go to ``out/log.txt``.

Layout of ``out`` (docs/explain.md)::

    attributions.npz     attributions (n, ...), inputs (n, ...), outputs (n,), target (n,),
                         ids (n,), delta (n,) for integrated gradients / shap,
                         ism_effects (n, letters, length) for ism
    attributions.csv     per example: id, explained output, value, delta, peak
    variants.csv         with --variants: per variant ref/alt predictions and effects
    motifs.meme, motifs.csv, motif_matches.csv
                         DNA/RNA data: filter and attribution motifs (biodl.pipeline.
                         explain_motifs), matched with --motifs
    plots/*.png
    report.html
    explain.json         options and summary numbers

Examples
--------
>>> # result = explain_run("runs/demo", "runs/demo-motifs.fa", out="explain/")
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biodl import __version__
from biodl.config import ExplainConfig
from biodl.data.targets import TargetEncoding
from biodl.errors import DataError
from biodl.interpret.motif_files import database_label
from biodl.kinds import get_kind
from biodl.options import KINDS
from biodl.pipeline.attributions import ExplainSection, explain_part, write_arrays
from biodl.pipeline.baseline_importance import read_importance, variable_importance
from biodl.pipeline.explain_motifs import (
    MotifSection,
    has_motifs,
    motif_section,
    read_database,
    write_motif_files,
)
from biodl.pipeline.predict import read_for_run, run_scores
from biodl.report.html import Figure, ReportContent, Table, write_report
from biodl.runs import load_model, run_directory

__all__ = ["ExplainResult", "check_data_kind", "explain_run", "variant_effects"]

PathLike = str | os.PathLike[str]


@dataclass
class ExplainResult:
    """What :func:`explain_run` returns.

    Attributes
    ----------
    out : Path
        The folder written.
    section : ExplainSection or None
        Attributions of ``data`` (None with only ``variants``).
    variants : DataFrame or None
        Per variant: id, position, ref, alt, pred_ref, pred_alt, difference, log_odds_ratio.
    motifs : MotifSection or None
        DNA/RNA data: filter and attribution motifs, their table and database matches.
    """

    out: Path | None
    section: ExplainSection | None = None
    variants: pd.DataFrame | None = None
    figures: list[Figure] = field(default_factory=list)
    motifs: MotifSection | None = None


def check_data_kind(run_kind: str, data: PathLike) -> None:
    """Refuse ``data`` that another kind claims (e.g. an expression matrix for a sequence run).

    Raises
    ------
    DataError
        Naming the file, the kind it looks like and the run's kind.
    """
    path = Path(data)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; check the DATA path")
    for name in KINDS:
        if name == "sequence":
            break  # the fallback kind: every other kind was asked first
        if name == run_kind:
            return
        try:
            claimed = get_kind(name).detect(path)
        except Exception:  # a detector that cannot read the file does not claim it
            claimed = False
        if claimed:
            raise DataError(
                f"{path}: looks like {name} data, but the run was trained on {run_kind} data; "
                f"pass {run_kind} data in the format the run was trained on"
            )


def _read_variant_file(
    info: dict[str, Any], variants: PathLike, reference: PathLike | None, window: int | None
) -> pd.DataFrame:
    """The checked variants table of a CSV/TSV with sequences, or of a VCF or a CSV/TSV of
    ``id, chrom, pos, ref, alt`` on ``reference`` (each sequence ``window`` letters around its
    variant: by default the run's input length)."""
    from biodl.errors import ConfigError
    from biodl.interpret.variants import read_variants
    from biodl.interpret.vcf import is_vcf, located_table_variants, vcf_variants
    from biodl.pipeline.explain_figures import sequence_letters

    letters = sequence_letters(info)
    if not Path(variants).is_file():
        raise DataError(f"{variants}: no such variants file; check the path given to --variants")
    vcf = is_vcf(variants)
    located = vcf or (reference is not None and _without_sequences(variants))
    if not located:
        if reference is not None:
            raise ConfigError(
                f"--reference is read only with a VCF or a table of id, chrom, pos, ref, alt; "
                f"{variants} is a variants table with its own sequences (leave --reference out)"
            )
        return read_variants(variants, letters)
    if reference is None:
        raise ConfigError(
            f"--variants {variants}: a VCF needs the reference genome it was called on; give "
            "--reference genome.fa"
        )
    inputs = info.get("inputs", info)
    length = window or inputs.get("length")
    if not length:
        raise ConfigError(
            "this run reads sequences of any length: give --variant-window N, the letters "
            "scored around each variant on the reference"
        )
    read = vcf_variants if vcf else located_table_variants
    return read(variants, reference, letters, window=int(length), alphabet=str(inputs["alphabet"]))


def _without_sequences(path: PathLike) -> bool:
    """True for a readable CSV/TSV whose header has no ``sequence`` column (its variants are
    then placed on ``--reference`` by chromosome and position)."""
    from biodl.interpret.variants import table_separator

    try:
        header = pd.read_csv(path, sep=table_separator(path), dtype=str, nrows=0)
    except (OSError, ValueError, UnicodeDecodeError):
        return False  # the table reader names the problem
    return "sequence" not in header.columns


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def variant_effects(
    saved: Any, table: pd.DataFrame, *, batch_size: int = 512, device: str = "cpu"
) -> tuple[pd.DataFrame, Any, Any]:
    """Predictions for both alleles of checked variants and their difference.

    Returns
    -------
    (DataFrame, SequenceSet, SequenceSet)
        The effects table, the reference and the alternative sequences.
    """
    from biodl.data.sequence import SequenceSet
    from biodl.interpret.variants import alleles

    inputs = saved.info.get("inputs", saved.info)
    refs, alts = alleles(table)
    ids = table["id"].astype(str).tolist()
    ref_set = SequenceSet.from_strings(refs, ids=ids, alphabet=inputs["alphabet"])
    alt_set = SequenceSet.from_strings(alts, ids=ids, alphabet=inputs["alphabet"])
    s_ref = run_scores(saved, ref_set, batch_size=batch_size, device=device)
    s_alt = run_scores(saved, alt_set, batch_size=batch_size, device=device)
    targets = saved.info["targets"]
    task = targets["task"]
    column = 1 if task == "binary" else 0
    if task == "multiclass":  # the class predicted for the reference allele
        column_of = np.argmax(s_ref, axis=1)
        names = [str(targets["classes"][c]) for c in column_of]
    else:
        column_of = np.full(len(table), column)
        names = [
            str(TargetEncoding.from_dict(targets).positive)
            if task == "binary"
            else str(targets["label_columns"][0])
        ] * len(table)
    rows = np.arange(len(table))
    p_ref, p_alt = s_ref[rows, column_of], s_alt[rows, column_of]
    located = ["chrom", "pos"] if "chrom" in table.columns else []  # from a VCF
    out = table.loc[:, ["id", *located, "position", "ref", "alt"]].copy()
    out["output"] = names
    out["pred_ref"] = p_ref
    out["pred_alt"] = p_alt
    out["difference"] = p_alt - p_ref
    out["log_odds_ratio"] = _logit(p_alt) - _logit(p_ref) if task != "regression" else np.nan
    return out, ref_set, alt_set


def explain_run(
    run: PathLike,
    data: PathLike | None = None,
    *,
    out: PathLike,
    variants: PathLike | None = None,
    ids: list[str] | None = None,
    flank: int = 15,
    reference: PathLike | None = None,
    window: int | None = None,
    options: ExplainConfig | None = None,
    device: str = "cpu",
    progress: bool = False,
    overwrite: bool = False,
    read_options: dict[str, Any] | None = None,
) -> ExplainResult:
    """Explain the model of ``run`` on ``data`` and/or ``variants``; see :func:`biodl.api.explain`.

    Raises
    ------
    DataError
        A run without a model, data of another kind or alphabet, ids not in the data, a
        variant out of range or with a wrong ref letter.
    ConfigError
        When neither data nor variants is given, or ``out`` exists.
    """
    from biodl.errors import ConfigError

    cfg = options or ExplainConfig()
    if data is None and variants is None:
        raise ConfigError("nothing to explain: give DATA, --variants, or both")
    saved = load_model(run)  # a run without a model fails here, before anything is written
    kind = saved.info["kind"]
    table = None
    if variants is not None:
        if kind != "sequence":
            raise DataError(
                f"--variants {variants}: variant effects need a sequence run; "
                f"{run} was trained on {kind} data"
            )
        table = _read_variant_file(saved.info, variants, reference, window)
    database = read_database(cfg.motifs, saved.info) if cfg.motifs else None  # MOTIF SECTION
    read = None
    importance = None
    if data is not None:
        check_data_kind(kind, data)
        read = read_for_run(saved, data, read_options, require_labels=False)
        # the baseline's values saved by train (absent in older runs: no baseline column)
        importance = variable_importance(read_importance(run))
    result = ExplainResult(out=None)
    with run_directory(out, overwrite=overwrite) as writer:
        assert writer is not None
        folder = writer.path / "plots"
        folder.mkdir(parents=True, exist_ok=True)
        tables: list[Table] = []
        text: list[tuple[str, str]] = []
        if read is not None:
            section = explain_part(
                saved.network,
                saved.info,
                read.part,
                cfg,
                folder,
                ids=ids,
                source=os.fspath(data),  # type: ignore[arg-type]
                progress=progress,
                baseline_importance=importance,
            )
            result.section = section
            result.figures += section.figures
            tables += section.tables
            text += section.text
            # MOTIF SECTION: motifs from the first-layer filters and from these attributions
            # (biodl.pipeline.explain_motifs), for DNA/RNA runs.
            if has_motifs(saved.info):
                found = motif_section(
                    saved.network,
                    saved.info,
                    section,
                    folder,
                    database=database,
                    database_name=database_label(cfg.motifs) if cfg.motifs else "",
                )
                write_motif_files(writer, found)
                result.motifs = found
                result.figures += found.figures
                tables += found.tables
                text += found.text
        if table is not None:
            effects, ref_set, alt_set = variant_effects(saved, table, device=device)
            result.variants = effects
            result.figures += _variant_logos(saved, effects, ref_set, alt_set, cfg, flank, folder)
            text.append(("Variant effects", _variant_text(effects)))
            tables.append(_variant_table(effects))
        _write(writer, result, tables, text, run, data, variants, cfg)
    result.out = writer.out
    result.figures = [
        dataclasses.replace(f, path=writer.out / "plots" / Path(f.path).name)
        for f in result.figures
    ]
    return result


def _variant_logos(
    saved: Any,
    effects: pd.DataFrame,
    ref_set: Any,
    alt_set: Any,
    cfg: ExplainConfig,
    flank: int,
    folder: Path,
) -> list[Figure]:
    """Attribution logos of both alleles around the site, the largest effects first."""
    from biodl.pipeline.attributions import explained_targets
    from biodl.pipeline.explain_figures import sequence_letters
    from biodl.report.explain import attribution_logos

    method = cfg.method if cfg.method != "ism" else "integrated_gradients"
    order = np.argsort(-np.abs(effects["log_odds_ratio"].fillna(effects["difference"]).to_numpy()))
    rows = order[: cfg.show]
    from biodl.interpret.inputs import explain_batches

    kind = get_kind("sequence")
    inputs = saved.info.get("inputs", saved.info)
    panels, titles, starts = [], [], []
    for part in (ref_set, alt_set):
        scores = run_scores(saved, part.subset(rows), batch_size=512, device="cpu")
        target = explained_targets(saved.info, scores)
        found = explain_batches(
            saved.network,
            kind.dataset(part.subset(rows), None, inputs, training=False, seed=0),
            np.arange(len(rows)),
            target,
            method=method,
            loss=saved.info["loss"],
            task=saved.info["targets"]["task"],
            steps=cfg.steps,
            references=cfg.references,
            batch_size=cfg.batch_size,
        )
        panels.append(found.values)
    values, letters = [], sequence_letters(saved.info)
    for k, r in enumerate(rows):
        pos = int(effects["position"].iloc[r])
        lo = max(0, pos - 1 - flank)
        hi = min(panels[0].shape[2], pos + flank)
        for allele, panel in zip(("ref", "alt"), panels, strict=True):
            window = np.zeros((panel.shape[1], 2 * flank + 1), dtype=np.float32)
            window[:, : hi - lo] = panel[k][:, lo:hi]
            values.append(window)
            letter = effects[allele].iloc[r]
            titles.append(
                f"{effects['id'].iloc[r]} {allele} {letter} at {pos}: "
                f"prediction {effects['pred_' + allele].iloc[r]:.3f}"
            )
            starts.append(lo + 1)
    path = attribution_logos(
        np.stack(values), letters, titles, folder / "variants.png", starts=starts
    )
    return [
        Figure(
            f"Variant alleles ({method})",
            path,
            f"Attributions of the reference and the alternative allele, {flank} letters on "
            "each side of the changed position, for the variants with the largest effects.",
        )
    ]


def _variant_text(effects: pd.DataFrame) -> str:
    shown = min(len(effects), _VARIANTS_SHOWN)
    return (
        f"{len(effects)} variants scored; the table 'Variant effects' lists the {shown} with the "
        "largest changes of the prediction."
    )


#: Variants listed in the report's table (all are in variants.csv).
_VARIANTS_SHOWN = 20


def _variant_table(effects: pd.DataFrame) -> Table:
    top = effects.reindex(effects["difference"].abs().sort_values(ascending=False).index)
    columns = ["pred_ref", "pred_alt", "difference", "log_odds_ratio"]
    rows: list[list[Any]] = [
        [str(r["id"]), f"{r['ref']}{r['position']}{r['alt']}", *(float(r[c]) for c in columns)]
        for r in top.head(_VARIANTS_SHOWN).to_dict("records")
    ]
    return Table(
        "Variant effects",
        ["Variant", "Change", "Prediction (ref)", "Prediction (alt)", "Difference",
         "Log-odds ratio"],
        rows,
        "The variants with the largest changes of the prediction (alternative minus "
        "reference); all variants are in variants.csv.",
        sortable=True,
    )  # fmt: skip


def _write(
    writer: Any,
    result: ExplainResult,
    tables: list[Table],
    text: list[tuple[str, str]],
    run: PathLike,
    data: PathLike | None,
    variants: PathLike | None,
    cfg: ExplainConfig,
) -> None:
    summary: dict[str, Any] = {
        "biodl": __version__,
        "run": os.fspath(run),
        "data": os.fspath(data) if data is not None else None,
        "variants": os.fspath(variants) if variants is not None else None,
        "options": dataclasses.asdict(cfg),
    }
    section = result.section
    if section is not None:
        write_arrays(writer.file("attributions.npz"), section.arrays)
        writer.write_csv("attributions.csv", section.summary)
        summary["n"] = len(section.ids)
        if section.attributions.delta is not None:
            summary["median_abs_delta"] = float(np.median(np.abs(section.attributions.delta)))
    if result.variants is not None:
        writer.write_csv("variants.csv", result.variants)
        summary["n_variants"] = len(result.variants)
    writer.write_json("explain.json", summary)
    content = ReportContent(
        title=f"Explanation of {Path(run).name}",
        verdict=text[0][1].split("\n\n")[0] if text else "",
        figures=result.figures,
        tables=tables,
        sections=text,
        results_heading="",
    )
    write_report(content, writer.file("report.html"))
