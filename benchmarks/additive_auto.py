"""What the CNN's ``additive="auto"`` decides, on training parts only, and what it costs.

For each set, the rule (:func:`biodl.kinds.sequence_additive.choose_additive`) runs on the
training part(s) the default network is trained on, as ``defaults_search.py`` splits them
(the promoters and gb1-one: each of the 5 inner folds' training part; the others: biodl's
default split's training part; ``promoters-cv10``: each fold's training part of
``realdata.py``'s 10-fold ``biodl cv`` of all 106 promoters), and on the planted-motif cases
of the tests: ``motif-anywhere`` (the estimator test of ``tests/test_estimators.py``, GATAAG
anywhere in 40-mers, 200 sequences, the estimator's own split, rule seeds 0-2) and ``demo``
(``tests/test_behaviour_kept.py``'s sequence run: the demo FASTA, 300 x 100 bp), and
``old-run-fixture`` (the run that ``tests/test_old_runs.py`` retrains: 80 bp, motifs
anywhere, 140 training sequences). Printed
per training part: the decision, the linear models' pooled out-of-fold scores (the k-mer
spectrum with and without the position-wise one-hot) and the rule's CPU seconds. No validation
or test part is read by the rule. ``--ignore-size`` lifts the 1,000-sequence limit, to see
what the comparison alone would say on the larger sets. Run from
the repository root::

    PYTHONPATH=src .venv/bin/python benchmarks/additive_auto.py promoters motif-anywhere
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("BIODL_QUIET", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import defaults_search as search


def _estimator_part(seed: int) -> tuple[Any, Any]:
    """The config and prepared data ``SequenceClassifier.fit`` builds in the estimator test."""
    from biodl.estimators import SequenceClassifier
    from biodl.estimators.base import label_table, prepare_arrays
    from test_estimators import SMALL, motif_data

    x, y = motif_data(240)
    clf = SequenceClassifier(model_params=SMALL, epochs=15, lr=0.01, seed=seed)
    cfg = clf._config()
    part = clf._read(x[:200])
    labels = label_table(y[:200], len(part), clf.noun)
    return cfg, prepare_arrays(cfg, part, labels, task=clf._task, valid_size=clf.valid_size)


def _cv_parts(train: str, folds: int) -> list[tuple[str, Any, Any]]:
    """(label, cfg, prepared) of each fold's training part as ``biodl cv`` builds them."""
    from dataclasses import replace

    from biodl.config import build_config
    from biodl.kinds import prepare_run_data
    from biodl.pipeline.cv import fold_data
    from biodl.pipeline.folds import cv_folds

    cfg = build_config(train=train, seed=0)
    full = prepare_run_data(replace(cfg, data=replace(cfg.data, test_size=0.0, valid_size=0.0)))
    out = []
    for fold in cv_folds(full, cfg.data, n_folds=folds, repeats=1, seed=0):
        out.append((f"fold {fold.fold}", cfg, fold_data(full, fold.train, fold.test, cfg)))
    return out


def _parts(name: str, tmp: Path) -> list[tuple[str, Any, Any]]:
    """(label, cfg, prepared) of every training part the rule decides on for ``name``."""
    from dataclasses import replace

    from biodl.config import build_config, load_config
    from biodl.data.demo import write_demo_fasta
    from biodl.kinds import prepare_run_data

    if name == "motif-anywhere":
        return [(f"seed {s}", *_estimator_part(s)) for s in (0, 1, 2)]
    if name == "promoters-cv10":  # realdata.py's protocol: biodl cv, 10 folds of all 106
        return _cv_parts(search.DATASETS["promoters"](tmp)["train"], 10)
    if name == "old-run-fixture":  # tests/test_old_runs.py retrains it: motifs anywhere
        fixture = Path(__file__).resolve().parents[1] / "tests/fixtures/run_schema2"
        cfg = load_config(fixture / "sequence" / "config.yaml")
        cfg = replace(cfg, data=replace(cfg.data, train=str(fixture / "motifs.fa")))
        return [("seed 0", cfg, prepare_run_data(cfg))]
    if name == "demo":
        cfg = build_config(train=str(write_demo_fasta(tmp / "demo.fa", n=300, length=100)), seed=0)
        return [("seed 0", cfg, prepare_run_data(cfg))]
    files = search.DATASETS[name](tmp)
    splits = (
        search._folds(files, tmp, search.INNER_CV[name]) if name in search.INNER_CV else [files]
    )
    out = []
    for i, split in enumerate(splits):
        cfg = search._config(split, search.CANDIDATES["default"])
        out.append((f"fold {i}" if len(splits) > 1 else "split", cfg, prepare_run_data(cfg)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [*search.DATASETS, "promoters-cv10", "motif-anywhere", "demo", "old-run-fixture"]
    parser.add_argument("sets", nargs="+", choices=names)
    parser.add_argument("--ignore-size", action="store_true", help="lift the 1,000-row limit")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import torch

    from biodl.kinds import sequence_additive
    from biodl.kinds.sequence import SEQUENCE

    torch.set_num_threads(1)
    if args.ignore_size:
        sequence_additive.MAX_ROWS = 10**9
    for name in args.sets:
        with tempfile.TemporaryDirectory() as tmp:
            for label, cfg, prepared in _parts(name, Path(tmp)):
                choice = SEQUENCE.additive_auto(cfg, prepared)
                n = len(prepared.part("train"))
                print(
                    f"{name:15} {label:8} n_train {n:5}  {'ON ' if choice.on else 'off'}  "
                    f"{choice.reason}  ({choice.seconds:.1f} CPU s)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
