"""Benchmark: pretrain a language model on nRC ncRNA sequences, fine-tune with 10 % of labels.

Issue 16's check: pretraining on the ncRNA training sequences, then fine-tuning family
classification (13 families) with only 10 % of the training labels, against the same model
trained from scratch on the same 10 %.

Data (``sequences/nrc_ncrna_families``, SOURCE.txt): ``dataset_Rfam_6320_13classes`` is the
training file, ``dataset_Rfam_validated_2600_13classes`` the test file (200 per family; 347
of its records also occur in the training file, as published).

1. **Pretraining** (``biodl.train(..., task="language-model")``): every training sequence,
   unlabelled; 10 % of them (seeded) are the validation part on which the epoch is chosen
   (early stopping); the test file's sequences only give the reported test perplexity.
2. **Labels**: 10 % of the training records of each family (seeded, stratified) keep their
   label; the rest are not used by the classifiers.
3. **Fine-tuning vs scratch** (``biodl.train(labelled, test=TEST, init_from=LM_RUN,
   freeze="none", compare_scratch=True)``): the classifier of the language model's name and
   hyperparameters, body from the language model, trained on the labelled 10 % (its own
   validation part drawn from them chooses the epoch); ``--compare-scratch`` trains the same
   model from random weights on the same split. Both are scored on the 2,600 test records:
   accuracy, macro-F1, and the paired bootstrap difference of the primary metric (balanced
   accuracy; the test file is balanced, so it equals accuracy there) with its 95 % CI.

CPU seconds (``time.process_time``) of each step are printed. Run from the repository root::

    .venv/bin/python benchmarks/lm_finetune.py [--model gru] [--lm-epochs 10] [--epochs 30]
        [--fraction 0.1] [--seed 0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
NRC = "sequences/nrc_ncrna_families"


def _fasta(path: Path) -> list[tuple[str, str, str]]:
    """(id, sequence, family) of each record; the family is the header's last word."""
    records: list[tuple[str, str, str]] = []
    header, seq = None, []
    with gzip.open(path, "rt") as handle:
        for line in handle.read().replace("\r", "").splitlines():
            if line.startswith(">"):
                if header is not None:
                    records.append((header.split()[0], "".join(seq), header.split()[-1]))
                header, seq = line[1:].strip(), []
            elif line.strip():
                seq.append(line.strip())
    if header is not None:
        records.append((header.split()[0], "".join(seq), header.split()[-1]))
    return records


def _write(path: Path, rows: list[tuple[str, str, dict[str, str]]]) -> Path:
    with open(path, "w") as handle:
        for name, seq, keys in rows:
            words = " ".join(f"{k}={v}" for k, v in keys.items())
            handle.write(f">{name} {words}\n{seq}\n")
    return path


def labelled_subset(families: list[str], fraction: float, seed: int) -> np.ndarray:
    """Indices of ``fraction`` of the records of each family (at least 2), seeded, sorted."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(families)
    keep = []
    for family in sorted(set(families)):
        rows = np.flatnonzero(labels == family)
        n = max(2, round(fraction * len(rows)))
        keep.extend(rng.choice(rows, n, replace=False).tolist())
    return np.sort(np.array(keep))


def main() -> None:
    import biodl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gru", help="language model = classifier body")
    parser.add_argument("--params", nargs="*", default=[], help="KEY=VALUE of the model")
    parser.add_argument("--context", type=int, default=None)
    parser.add_argument("--lm-epochs", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None, help="classifier epochs (max)")
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--freeze", default="none", choices=["none", "body"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the runs in this folder")
    args = parser.parse_args()
    base = DATA / NRC
    train = _fasta(base / "dataset_Rfam_6320_13classes.fasta.gz")
    test = _fasta(base / "dataset_Rfam_validated_2600_13classes.fasta.gz")
    rng = np.random.default_rng(args.seed)
    valid = set(rng.choice(len(train), len(train) // 10, replace=False).tolist())
    labelled = labelled_subset([r[2] for r in train], args.fraction, args.seed + 1)
    common: dict[str, object] = {"model": args.model, "seed": args.seed}
    if args.params:
        import yaml

        common["model_params"] = {
            k: yaml.safe_load(v) for k, v in (p.split("=", 1) for p in args.params)
        }
    if args.threads:
        common["threads"] = args.threads
    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    lm_rows = [
        (f"tr{i}", s, {"split": "valid" if i in valid else "train"})
        for i, (_, s, _f) in enumerate(train)
    ]
    lm_rows += [(f"te{i}", s, {"split": "test"}) for i, (_, s, _f) in enumerate(test)]
    lm_file = _write(folder / "nrc_unlabelled.fa", lm_rows)
    options = {**common, "task": "language-model", "split_column": "split"}
    if args.lm_epochs is not None:
        options["epochs"] = args.lm_epochs
    if args.context is not None:
        options["context"] = args.context
    started = time.process_time()
    lm = biodl.train(lm_file, out=folder / "lm", overwrite=True, **options)
    lm_cpu = time.process_time() - started
    m = lm.metrics
    print(
        f"pretraining: {m['model']} ({m['objective']}, context {m['context']}) on "
        f"{m['sequences']['train']} sequences, valid {m['sequences']['valid']}: "
        f"{m['training']['epochs_run']} epochs (kept {m['training']['best_epoch']}), "
        f"{lm_cpu:.0f} s CPU; test perplexity {m['network']['test_perplexity']:.3f} vs Markov "
        f"order {m['markov']['order']} {m['markov']['test_perplexity']:.3f}",
        flush=True,
    )
    cls_file = _write(
        folder / "nrc_labelled.fa",
        [(train[i][0], train[i][1], {"family": train[i][2]}) for i in labelled],
    )
    test_file = _write(
        folder / "nrc_test.fa", [(f"te{i}", s, {"family": f}) for i, (_, s, f) in enumerate(test)]
    )
    options = {
        **common,
        "test": str(test_file),
        "init_from": str(folder / "lm"),
        "freeze": args.freeze,
        "compare_scratch": True,
    }
    options.pop("model")  # the language model's name and hyperparameters
    options.pop("model_params", None)
    if args.epochs is not None:
        options["epochs"] = args.epochs
    started = time.process_time()
    result = biodl.train(cls_file, out=folder / "finetune", overwrite=True, **options)
    cls_cpu = time.process_time() - started
    metrics = json.loads((folder / "finetune" / "metrics.json").read_text())
    tuned, scratch = metrics["model"], metrics["scratch"]
    comparison = scratch["comparison"]
    print(
        f"labelled: {len(labelled)} of {len(train)} training records ({args.fraction:.0%} per "
        f"family); fine-tuned and scratch trained in {cls_cpu:.0f} s CPU together "
        f"(epochs {metrics['training']['epochs_run']} / {scratch['training']['epochs_run']})",
        flush=True,
    )
    for name, entry in (("fine-tuned", tuned), ("scratch", scratch)):
        t, ci = entry["test"], entry["test_ci"]
        print(
            f"  {name:10s} test accuracy {t['accuracy']:.3f} [{ci['accuracy'][0]:.3f}, "
            f"{ci['accuracy'][1]:.3f}], macro-F1 {t['f1']:.3f} [{ci['f1'][0]:.3f}, "
            f"{ci['f1'][1]:.3f}]"
        )
    low, high = comparison["ci"]
    print(
        f"  difference ({comparison['metric']}, fine-tuned - scratch) "
        f"{comparison['difference']:+.3f} [{low:+.3f}, {high:+.3f}], p = "
        f"{comparison['p_value']:.3g}\n  {comparison['verdict']}\n  {result.summary()}"
    )


if __name__ == "__main__":
    main()
