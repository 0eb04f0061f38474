"""What an explanation draws for each kind of data (used by :mod:`biodl.pipeline.attributions`).

* sequences: logos of the attributions of the drawn sequences (the height of each letter is its
  attribution; integrated gradients from an all-zero input and input x gradient are non-zero
  only at the sequence's own letter), and logos of in-silico mutagenesis of the same sequences;
* regular series and records: one heatmap of variable x time step per drawn example, and a
  ranking of the variables by mean absolute attribution, with the baseline's ranking beside it
  (its summed absolute coefficients or importances over each variable's summary features,
  :mod:`biodl.pipeline.baseline_importance`), their Spearman correlation and top-k overlap;
* expression: the genes with the largest mean attribution per explained class, as bars and a
  table beside the baseline's coefficients or importances (and the overlap of the two top sets);
* images: overlays of the absolute attribution on the drawn images;
* graphs: per-node attributions, molecules drawn with their atom attributions, a ranking of
  atom environments or node labels (:mod:`biodl.pipeline.explain_graphs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from biodl.config import ExplainConfig
from biodl.pipeline.fitting import model_inputs
from biodl.report.html import Figure, Table

__all__ = ["TOP_GENES", "TOP_VARIABLES", "draw", "sequence_letters", "top_k"]

#: Genes listed per class in the expression table.
TOP_GENES = 20
#: Largest top-k of the variable rank agreement (series and records; :func:`top_k`).
TOP_VARIABLES = 10


def sequence_letters(info: dict[str, Any]) -> str:
    """The one-hot channel letters of a sequence run (``ACGT``, ``ACGU`` or amino acids)."""
    from biodl.data.alphabet import ALPHABETS

    return ALPHABETS[model_inputs(info)["alphabet"]].letters


def draw(
    section: Any,
    network: Any,
    info: dict[str, Any],
    part: Any,
    cfg: ExplainConfig,
    folder: Path,
    baseline_importance: pd.Series | None,
) -> None:
    """Add the kind's figures, tables and text to ``section`` (files go into ``folder``)."""
    kind = info["kind"]
    if kind == "sequence":
        _sequences(section, network, info, cfg, folder)
    elif kind in ("timeseries", "records"):
        _series(section, info, folder, baseline_importance)
    elif kind == "expression":
        _expression(section, info, folder, baseline_importance)
    elif kind == "image":
        _images(section, folder)
    elif kind == "graph":
        from biodl.pipeline.explain_graphs import graph_section

        graph_section(section, info, part, cfg, folder)


def _titles(section: Any, rows: np.ndarray) -> list[str]:
    names = section.target_names
    return [
        f"{section.ids[i]}: {names[section.target[i]]} {section.attributions.outputs[i]:.2f}"
        for i in rows
    ]


def _sequences(
    section: Any, network: Any, info: dict[str, Any], cfg: ExplainConfig, folder: Path
) -> None:
    import torch

    from biodl.interpret.inputs import explainable
    from biodl.interpret.mutagenesis import ism_attribution
    from biodl.report.explain import attribution_logos

    found, rows = section.attributions, section.shown
    letters = sequence_letters(info)
    onehot = found.inputs[rows]
    shown = found.values[rows] * (onehot > 0) if cfg.method == "saliency" else found.values[rows]
    path = attribution_logos(shown, letters, _titles(section, rows), folder / "logos.png")
    section.figures.append(
        Figure(
            f"Attributions ({cfg.method})",
            path,
            "Each letter's height is its attribution to the explained output (above the line: "
            "it raises the output; below: it lowers it). Motifs the network uses stand out "
            "as runs of tall letters.",
        )
    )
    if cfg.method == "ism":
        return
    x = torch.from_numpy(onehot)
    codes = (x.argmax(dim=1) + 1) * (x.sum(dim=1) > 0)  # code i + 1 is letter i; 0 padding
    ex = explainable(
        network,
        (codes,),
        loss=info["loss"],
        task=info["targets"]["task"],
    )
    target = torch.from_numpy(section.target[rows])
    effects = ex.mutagenesis(target.to(ex.x.device))
    importance = ism_attribution(effects, x.to(ex.x.device)).cpu().numpy()
    section.arrays["shown_ism_effects"] = effects.cpu().numpy()
    path = attribution_logos(
        importance, letters, _titles(section, rows), folder / "ism_logos.png", ylabel="ISM"
    )
    section.figures.append(
        Figure(
            "In-silico mutagenesis",
            path,
            "The same sequences, each letter's height minus the mean change of the explained "
            "output when it is replaced by another letter: exact effects of single changes, "
            "to check the attributions above against (they should agree in sign where large).",
        )
    )


def _series(section: Any, info: dict[str, Any], folder: Path, baseline: pd.Series | None) -> None:
    from biodl.report.explain import attribution_heatmaps

    found, rows = section.attributions, section.shown
    values = found.values
    inputs = model_inputs(info)
    if info["kind"] == "records":  # (n, time, variables) -> (n, variables, time)
        grid = inputs.get("grid", {})
        names = list(grid.get("variables", []))
        values = np.swapaxes(values, 1, 2)
    else:
        names = [str(c) for c in inputs.get("channels", [])] or []
    if len(names) != values.shape[1]:
        names = [f"channel {j + 1}" for j in range(values.shape[1])]
    path = attribution_heatmaps(
        values[rows], _titles(section, rows), folder / "heatmaps.png", rows=names
    )
    section.figures.append(
        Figure(
            "Attributions per variable and time step",
            path,
            "Red raises the explained output, blue lowers it; white has no effect.",
        )
    )
    importance = np.abs(values).mean(axis=(0, 2))
    order = np.argsort(-importance)
    ranking = pd.DataFrame({"variable": [names[j] for j in order], "importance": importance[order]})
    section.arrays["variable_importance"] = importance
    title = "Variables ranked by mean absolute attribution"
    columns = ["rank", "variable", "mean |attribution|"]
    ranked: list[list[Any]] = [
        [k + 1, str(r.variable), float(cast(float, r.importance))]
        for k, r in enumerate(ranking.head(20).itertuples())
    ]
    if baseline is None or not any(n in baseline.index for n in names):
        section.tables.append(
            Table(title, columns, ranked, csv="variable_ranking.csv", sortable=False)
        )
        return
    agreement = _series_baseline(section, names, importance, baseline, ranked, folder)
    section.tables.append(
        Table(
            title,
            [*columns, str(baseline.name or "baseline"), "baseline rank"],
            ranked,
            agreement,
            csv="variable_ranking.csv",
            sortable=False,
        )
    )


def top_k(n_variables: int) -> int:
    """The top-k of the rank agreement: a quarter of the variables, 1 to :data:`TOP_VARIABLES`."""
    return max(1, min(TOP_VARIABLES, n_variables // 4))


def _series_baseline(
    section: Any,
    names: list[str],
    importance: np.ndarray,
    baseline: pd.Series,
    rows: list[list[Any]],
    folder: Path,
) -> str:
    """The baseline's value and rank beside each ranked variable and the two rankings drawn
    side by side; returns the sentence on their agreement (Spearman, top-k overlap)."""
    from biodl.pipeline.baseline_importance import rank_agreement
    from biodl.report.explain import ranking_bars

    mine = baseline.reindex(names).astype(float)  # statics and unknown names left out
    network = pd.Series(importance, index=names)
    k = top_k(len(names))
    rho, shared = rank_agreement(network, mine.dropna(), k)
    rank = mine.abs().rank(ascending=False, method="first")
    for row in rows:
        value = float(mine.get(str(row[1]), np.nan))
        known = bool(np.isfinite(value))
        row += [value if known else None, int(rank[str(row[1])]) if known else None]
    section.arrays["baseline_variable_importance"] = mine.to_numpy()
    section.arrays["variable_rank_spearman"] = np.array(rho)
    section.arrays["top_variables_overlap"] = np.array(shared)
    first = mine.abs().idxmax() if mine.notna().any() else "-"
    agreement = (
        f"Spearman's rank correlation of the network's and the baseline's rankings over the "
        f"{int(mine.notna().sum())} variables: {rho:.2f}; {shared} of the network's top {k} "
        f"variables are among the baseline's top {k}. The network ranks "
        f"{names[int(np.argmax(importance))]} first, the baseline {first}."
    )
    section.text.append(
        (
            "Variable ranking beside the baseline",
            f"Beside the network's ranking, the baseline's ({baseline.name}; static "
            f"descriptors, which the attributions do not cover, left out). {agreement}",
        )
    )
    path = ranking_bars(
        {
            "network: mean |attribution|": (names, importance),
            "baseline: " + str(baseline.name).split(":")[0]: (names, mine.fillna(0).to_numpy()),
        },
        folder / "variable_ranking.png",
        shared_top=k,
    )
    section.figures.append(
        Figure(
            "Variable ranking: network and baseline",
            path,
            f"Left, the variables ranked by the network's mean |attribution|; right, by the "
            f"baseline's {baseline.name}. Variables in the top {k} of both are in vermillion.",
        )
    )
    return agreement


def _expression(
    section: Any, info: dict[str, Any], folder: Path, baseline: pd.Series | None
) -> None:
    from biodl.report.explain import gene_bars

    found = section.attributions
    prep = model_inputs(info).get("preprocessing", {})
    genes = list(prep.get("genes_out") or [])
    if len(genes) != found.values.shape[1]:
        genes = [f"gene {j + 1}" for j in range(found.values.shape[1])]
    per_class: dict[str, tuple[list[str], np.ndarray]] = {}
    means = []
    for name, members in _class_groups(section, info):
        mean = found.values[members].mean(axis=0)
        per_class[name] = (genes, mean)
        means.append(mean)
    section.arrays["class_mean_attributions"] = np.stack(means)
    path = gene_bars(per_class, folder / "genes.png", top=15)
    section.figures.append(
        Figure(
            "Gene attributions per class",
            path,
            "Mean attribution of each gene over the examples explained for each class "
            "(orange raises the class's output, blue lowers it).",
        )
    )
    # mean |attribution| over the examples: signed means cancel between the classes
    overall = np.abs(found.values).mean(axis=0)
    order = np.argsort(-overall)[:TOP_GENES]
    columns = ["gene", "mean |attribution|"]
    if baseline is None:
        rows: list[list[Any]] = [[genes[j], float(overall[j])] for j in order]
        section.tables.append(Table("Top genes", columns, rows, "", csv="top_genes.csv"))
        return
    columns.append(str(baseline.name or "baseline coefficient/importance"))
    base_rank = baseline.abs().rank(ascending=False, method="first")
    columns.append("baseline rank")
    rows = []
    for j in order:
        value = baseline.get(genes[j])
        rank = base_rank.get(genes[j])
        rows.append(
            [
                genes[j],
                float(overall[j]),
                None if value is None else float(value),
                None if rank is None else int(rank),
            ]
        )
    base_top = set(baseline.abs().sort_values(ascending=False).index[:TOP_GENES])
    shared = len(base_top & {genes[j] for j in order})
    caption = (
        f"{shared} of the network's top {len(order)} genes are among the baseline's top "
        f"{min(TOP_GENES, len(baseline))} (by |{baseline.name or 'value'}|)."
    )
    section.arrays["baseline_importance"] = np.array(
        [float(baseline.get(g, np.nan)) for g in genes]
    )
    section.arrays["top_genes_overlap"] = np.array(shared)
    section.tables.append(Table("Top genes", columns, rows, caption, csv="top_genes.csv"))


def _class_groups(section: Any, info: dict[str, Any]) -> list[tuple[str, np.ndarray]]:
    """Examples grouped for the per-class means: by the explained class (multiclass), by the
    predicted class for a binary task (the log-odds is explained for every example, and its
    attributions have opposite signs in the two classes), else all together."""
    targets = info["targets"]
    if targets["task"] == "binary":
        classes = [str(c) for c in targets.get("classes", ["0", "1"])]
        positive = section.attributions.outputs > 0
        name = section.target_names[0]
        groups = [(f"predicted {classes[1]} ({name})", positive)]
        groups.append((f"predicted {classes[0]} ({name})", ~positive))
        return [(label, rows) for label, rows in groups if rows.any()]
    return [(section.target_names[t], section.target == t) for t in np.unique(section.target)]


def _images(section: Any, folder: Path) -> None:
    from biodl.report.explain import image_overlays

    found, rows = section.attributions, section.shown
    maps = np.abs(found.values[rows]).max(axis=1)
    images = np.clip(found.inputs[rows], 0, 1)
    path = image_overlays(images, maps, _titles(section, rows), folder / "overlays.png")
    section.figures.append(
        Figure(
            "Attribution overlays",
            path,
            "Each image beside its absolute attribution (bright = large).",
        )
    )
