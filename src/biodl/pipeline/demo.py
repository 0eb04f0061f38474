"""``biodl demo``: train on embedded data with a known answer, without any download.

``kind='sequence'``: 2,000 DNA sequences of 100 bp ('enhancer' = a GATA motif followed by an
E-box), generated deterministically and written beside the run as ``<out>-motifs.fa``; the
baseline panel works on k-mers. ``kind='image'``: scikit-learn's 8x8 handwritten digits, written
beside the run as ``<out>-digits.npz`` with a stratified 70/10/20 split; the baseline panel works
on the pixels. Either way a CNN is trained (see ``biodl.options.DEMO_EPOCHS``).

Examples
--------
>>> # result = run_demo("sequence", out="runs/demo", epochs=2)
>>> # result.config.data.train
>>> # 'runs/demo-motifs.fa'
"""

from __future__ import annotations

import os
from pathlib import Path

from biodl.config import RunConfig
from biodl.data.demo import write_demo_fasta, write_digits_npz
from biodl.errors import ConfigError
from biodl.options import DEMO_EPOCHS, OPTION_HELP
from biodl.pipeline.train import TrainResult, run_training


def write_demo_data(kind: str, out: str | os.PathLike[str]) -> Path:
    """Write the demo data of ``kind`` beside the run directory ``out``; return its path.

    Raises
    ------
    ConfigError
        For a kind that has no demo (nothing is written).
    """
    if kind not in OPTION_HELP["demo"]:
        raise ConfigError(
            f"--kind {kind}: unknown demo; choose one of {', '.join(OPTION_HELP['demo'])}"
        )
    out = Path(out)
    if kind == "image":
        return write_digits_npz(out.parent / f"{out.name}-digits.npz")
    return write_demo_fasta(out.parent / f"{out.name}-motifs.fa")


def run_demo(
    kind: str = "sequence",
    *,
    out: str | os.PathLike[str] = "runs/demo",
    epochs: int | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> TrainResult:
    """Write the demo data of ``kind`` and train a CNN and the baseline on it.

    Parameters
    ----------
    kind : {'sequence', 'image'}, default 'sequence'
    out : path, default 'runs/demo'
        The run directory; the data is written beside it.
    epochs : int, optional
        Maximum epochs; default :data:`biodl.options.DEMO_EPOCHS` of the kind.
    overwrite, progress
        As for :func:`biodl.api.train`.

    Returns
    -------
    TrainResult
        ``config.data.train`` is the path of the demo data.
    """
    data = write_demo_data(kind, out)
    cfg = RunConfig.from_dict(
        {
            "data": {"train": os.fspath(data)},
            "model": {"name": "cnn"},
            "train": {"epochs": DEMO_EPOCHS[kind] if epochs is None else epochs},
        },
        source="demo",
    )
    return run_training(cfg, out=out, overwrite=overwrite, progress=progress)
