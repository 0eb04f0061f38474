"""The worst-predicted molecules of a run, drawn by RDKit as one grid for the report.

:func:`worst_molecules` ranks the molecules of one part by their error: the absolute error
for regression (the largest over targets), one minus the score of the true class for
classification. :func:`molecule_report_figures` draws the worst ones (at most
:data:`N_WORST`) with their id, true value and prediction under each drawing.

Examples
--------
>>> import numpy as np
>>> worst_molecules(np.array([1.0, 2.0, 3.0]), np.array([[1.1], [0.0], [3.0]]), "regression")
[1, 0, 2]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["N_WORST", "molecule_report_figures", "worst_molecules"]

#: Molecules drawn in the grid.
N_WORST = 12


def worst_molecules(y: np.ndarray, scores: np.ndarray, task: str) -> list[int]:
    """Positions of the molecules, worst prediction first (see the module docstring)."""
    if task == "regression":
        truth = y.reshape(len(y), -1)
        error = np.nanmax(np.abs(scores.reshape(len(y), -1) - truth), axis=1)
    elif task == "multilabel":
        error = np.nanmax(np.abs(scores - y), axis=1)
    else:
        error = 1.0 - scores[np.arange(len(y)), y.astype(np.int64)]
    return [int(i) for i in np.argsort(-error, kind="stable")]


def _legend(i: int, ids: list[str], y: np.ndarray, scores: np.ndarray, task: str,
            classes: list[str]) -> str:  # fmt: skip
    if task == "regression":
        truth = np.atleast_1d(y[i])[0]
        said = "missing" if np.isnan(truth) else f"{truth:.3g}"
        return f"{ids[i]}: true {said}, predicted {np.atleast_1d(scores[i])[0]:.3g}"
    if task == "multilabel":
        return f"{ids[i]}: largest error {np.nanmax(np.abs(scores[i] - y[i])):.2f}"
    true = int(y[i])
    return f"{ids[i]}: true {classes[true]}, p = {scores[i, true]:.2f}"


def molecule_report_figures(
    part: Any,
    y: np.ndarray,
    scores: np.ndarray,
    task: str,
    classes: list[str],
    plots: Path,
    *,
    split: str,
) -> list[Any]:
    """A grid of the ``N_WORST`` worst-predicted molecules of ``part`` (its ``smiles``), as a
    :class:`biodl.report.html.Figure` written to ``plots``; none when ``part`` has no SMILES."""
    from rdkit import Chem
    from rdkit.Chem import Draw

    from biodl.report.html import Figure

    if getattr(part, "smiles", None) is None or not len(y):
        return []
    order = worst_molecules(y, scores, task)[:N_WORST]
    mols = [Chem.MolFromSmiles(part.smiles[i]) for i in order]
    legends = [_legend(i, list(part.ids), y, scores, task, classes) for i in order]
    image = Draw.MolsToGridImage(mols, molsPerRow=4, subImgSize=(260, 220), legends=legends)
    plots.mkdir(parents=True, exist_ok=True)
    path = plots / f"worst_molecules_{split}.png"
    image.save(str(path))
    what = "absolute error" if task == "regression" else "score of the true class"
    return [
        Figure(
            f"Worst-predicted molecules ({split})",
            path,
            f"The {len(order)} {split} molecules with the largest errors ({what}), worst first, "
            "drawn by RDKit; under each: its id, the true value and the prediction.",
        )
    ]
