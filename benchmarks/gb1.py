"""GB1 deep mutational scans: the default deep regressor vs the additive one-hot ridge (issue 16).

Two shared datasets, each on its own published split, test Spearman reported:

- **MAVE-NN GB1** (``../shared/data/protein/mavenn_gb1_dms/gb1_data.csv.gz``, Olson et al.
  2014: 530,737 double mutants of a 55-residue domain; column ``set`` = training / validation /
  test). biodl reads the file as distributed (``--sequence-column x --label-column y --split
  predefined --split-column set``). To keep a run within ~10 CPU minutes on 2 shared cores,
  the deep model and the panel see a seeded uniform subsample of the 477,854 training rows
  (``--train-rows``, default 20,000; written with the validation and test rows, all kept, to
  a CSV in the work folder); ``--train-rows 0`` trains on the file as distributed. The
  additive one-hot ridge is *also* fitted on all training rows (it is cheap), to show what the
  subsample costs the additive model, and with a monotone (isotonic) link fitted on the training
  rows: the additive model with global epistasis (``--additive``, :func:`additive_models`).
- **FLIP GB1** (``../shared/data/protein/flip_gb1/splits.zip``, Wu et al. 2016: 8,733
  combinations of 4 sites of a 265-residue sequence): the CSV of each split is taken from the
  archive and its ``set`` (train / test) and ``validation`` (True / False) columns are folded
  into one column ``part`` = train / valid / test (FLIP's own validation rows), written to the
  work folder.

Each run is ``biodl.train(..., task="regression")`` with every other option at its default:
the default deep model (CNN) from scratch and the baseline panel (ridge, random forest,
gradient boosting on the k-mer spectrum + position-wise one-hot, and the additive one-hot
ridge), the best on validation becoming the verdict's baseline. Printed: test Spearman of the
network, of the additive one-hot ridge and of every panel model, and CPU seconds
(``resource.getrusage``, this process and its children).

**Fine-tuned from a protein language model** (``--pretrain flip-ss`` or ``--init-from
LM_RUN``): ``--pretrain flip-ss`` first trains the default language model
(``task="language-model"``, every option at its default) on the FLIP secondary-structure
proteins (``protein/flip_secondary_structure``: 9,712 natural proteins to train, 1,080 to
choose the epoch, 364 scored for perplexity only; one of those 364, PDB 6o41-O, is a protein G
B1 domain; of the training ones, two share a single 10-mer each with FLIP's 265-residue GB1
sequence). Each GB1 set then trains ``init_from=LM_RUN, freeze="none",
compare_scratch=True``: the language model's network (a GRU by default) fine-tuned as the
regressor, and the same network from random weights on the same split; both test Spearman
and their paired bootstrap difference are recorded. ``--pretrain own`` instead trains the
language model on each set's own training and validation sequences, unlabelled
(:func:`own_fasta`); ``--lm-model cnn`` pretrains another network than the default. Run from
the repository root::

    python benchmarks/gb1.py WORK [--sets mavenn two_vs_rest low_vs_high] [--train-rows N]
        [--additive] [--device cuda] [--pretrain flip-ss|own | --init-from LM_RUN]
        [--lm-model M]

Results: ``benchmarks/RESULTS.md``, section "GB1 deep mutational scans".
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "protein"
FLIP_SPLITS = ("one_vs_rest", "two_vs_rest", "three_vs_rest", "low_vs_high", "sampled")


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def prepare_mavenn(data: Path, work: Path, train_rows: int, seed: int = 0) -> dict[str, Any]:
    """The file to train on and its options (module notes); ``train_rows`` 0: as distributed."""
    path = data / "mavenn_gb1_dms" / "gb1_data.csv.gz"
    options = {
        "sequence_column": "x",
        "label_columns": ["y"],
        "split": "predefined",
        "split_column": "set",
    }
    if not train_rows:
        return {"train": str(path), "options": options, "note": "all 477,854 training rows"}
    table = pd.read_csv(path, usecols=["set", "y", "x"])
    train = np.flatnonzero(table["set"].to_numpy() == "training")
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(train, min(train_rows, len(train)), replace=False))
    rows = np.sort(np.concatenate([keep, np.flatnonzero(table["set"].to_numpy() != "training")]))
    out = work / f"gb1_dms_train{train_rows}.csv"
    table.iloc[rows].to_csv(out, index=False)
    note = f"a seeded uniform {len(keep):,} of the {len(train):,} training rows"
    return {"train": str(out), "options": options, "note": note}


def prepare_flip(data: Path, work: Path, split: str) -> dict[str, Any]:
    """FLIP's CSV of ``split`` with one ``part`` column (module notes)."""
    with zipfile.ZipFile(data / "flip_gb1" / "splits.zip") as archive:
        table = pd.read_csv(io.BytesIO(archive.read(f"splits/{split}.csv")))
    valid = table["validation"].astype(str).str.lower() == "true"
    table["part"] = np.where(table["set"] == "test", "test", np.where(valid, "valid", "train"))
    out = work / f"flip_gb1_{split}.csv"
    table[["sequence", "target", "part"]].to_csv(out, index=False)
    counts = table["part"].value_counts()
    return {
        "train": str(out),
        "options": {
            "sequence_column": "sequence",
            "label_columns": ["target"],
            "split": "predefined",
            "split_column": "part",
        },
        "note": f"FLIP's split: train {counts.get('train', 0):,}, validation "
        f"{counts.get('valid', 0):,}, test {counts.get('test', 0):,}",
    }


def flip_ss_fasta(work: Path) -> Path:
    """The FLIP secondary-structure proteins, unlabelled, on their own parts (module notes).

    ``language_models.flip``: 9,712 training proteins, 1,080 validation (the epoch), 364 test
    (only the reported perplexity); no GB1 variant is among them.
    """
    from language_models import flip

    return flip(work, None, 0)


def own_fasta(spec: dict[str, Any], out: Path, seed: int = 0) -> Path:
    """A GB1 set's training and validation sequences, unlabelled; its test rows left out.

    The language model's parts: the set's validation rows validate (choose the epoch), a seeded
    tenth of its training rows is the language model's test part (its perplexity only; the
    language model needs one), the other training rows train.
    """
    options = spec["options"]
    columns = [options["sequence_column"], options["split_column"]]
    table = pd.read_csv(spec["train"], usecols=columns)
    parts = table[options["split_column"]].map(
        {"train": "train", "training": "train", "valid": "valid", "validation": "valid"}
    )
    train = np.flatnonzero(parts.to_numpy() == "train")
    rng = np.random.default_rng(seed)
    parts.iloc[rng.choice(train, max(1, len(train) // 10), replace=False)] = "test"
    with open(out, "w") as handle:
        for i, (seq, part) in enumerate(zip(table[columns[0]], parts, strict=True)):
            if isinstance(part, str):
                handle.write(f">r{i} split={part}\n{seq}\n")
    return out


def pretrain(
    fasta: Path, run: Path, threads: int, device: str = "cpu", model: str | None = None
) -> dict[str, Any]:
    """The default language model on ``fasta`` (``split=`` parts); its facts and CPU seconds."""
    import biodl

    options: dict[str, Any] = {} if model is None else {"model": model}

    cpu, wall = cpu_seconds(), time.perf_counter()
    result = biodl.train(
        fasta,
        out=run,
        overwrite=True,
        progress=False,
        task="language-model",
        split_column="split",
        seed=0,
        threads=threads,
        device=device,
        **options,
    )
    m = result.metrics
    return {
        "run": str(run),
        "data": fasta.name,
        "model": m["model"],
        "context": m["context"],
        "sequences": m["sequences"],
        "epochs": [m["training"]["epochs_run"], m["training"]["best_epoch"]],
        "valid_perplexity": m["network"].get("valid_perplexity"),
        "test_perplexity": m["network"].get("test_perplexity"),
        "markov_test_perplexity": m["markov"].get("test_perplexity"),
        "cpu_seconds": round(cpu_seconds() - cpu, 1),
        "wall_seconds": round(time.perf_counter() - wall, 1),
    }


def run_biodl(
    spec: dict[str, Any],
    run: Path,
    threads: int,
    device: str = "cpu",
    init_from: Path | None = None,
) -> dict[str, Any]:
    """Train with the defaults; the test Spearman of the network and of every panel model.

    ``init_from`` (a language-model run): the network is that run's model fine-tuned
    (``freeze="none"``) and the same model from scratch is trained beside it
    (``compare_scratch``); both are reported with their paired difference.
    """
    import biodl

    transfer: dict[str, Any] = {}
    if init_from is not None:
        transfer = {"init_from": str(init_from), "freeze": "none", "compare_scratch": True}
    cpu, wall = cpu_seconds(), time.perf_counter()
    biodl.train(
        spec["train"],
        out=run,
        overwrite=True,
        progress=False,
        task="regression",
        seed=0,
        threads=threads,
        device=device,
        **spec["options"],
        **transfer,
    )
    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    results = biodl.load_results(run)
    final = results.final_split
    model = results.model.splits[final]
    out: dict[str, Any] = {
        "note": spec["note"],
        "sizes": dict(results.data.sizes),
        "final_split": final,
        "deep": {
            "spearman": model.value("spearman"),
            "ci": model.ci().get("spearman"),
            "r2": model.value("r2"),
        },
        "baseline": results.baseline.name,
        "baseline_spearman": results.baseline.splits[final].value("spearman"),
        "verdict": results.comparison.verdict,
        "epochs": [results.training.epochs_run, results.training.best_epoch],
        "cpu_seconds": round(cpu, 1),
        "wall_seconds": round(wall, 1),
        "training_device": results.training.device,
        "training_seconds": results.training.seconds,
    }
    scratch = results.scratch
    if scratch is not None:
        c = scratch.comparison
        out["model"] = results.model.name
        out["scratch"] = {
            "spearman": scratch.metrics.value("spearman"),
            "ci": scratch.metrics.ci().get("spearman"),
            "r2": scratch.metrics.value("r2"),
            "epochs": [scratch.training.epochs_run, scratch.training.best_epoch],
            "difference": [c.difference, c.low, c.high],
            "p_value": c.p_value,
        }
    panel = results.baseline_panel
    if panel is not None:
        out["panel"] = {
            m.key: {"name": m.name, "spearman": m.final.get("spearman"), "n_fit": m.n_fit}
            for m in panel.members
        }
    for extra in results.extra_baselines:
        out.setdefault("panel", {})[extra.name] = {
            "name": extra.name,
            "spearman": extra.metrics.value("spearman"),
        }
    return out


def additive_models(data: Path, train_rows: int, seed: int = 0) -> dict[str, Any]:
    """The additive one-hot ridge on MAVE-NN GB1, alone and with a global-epistasis link.

    Fitted on the same seeded ``train_rows`` training rows as the deep run (0: all 477,854),
    scored on all test rows. "+ monotone link": an isotonic regression of ``y`` on the ridge's
    training predictions (the additive model with a nonlinear, monotone map to the measured
    scale, as in MAVE-NN's global-epistasis models). Spearman cannot change under such a map;
    R2 can, so a network whose R2 beats the linked additive model captures specific
    (pairwise) epistasis, not only the nonlinearity of the measurement.
    """
    from scipy.stats import spearmanr
    from sklearn.isotonic import IsotonicRegression
    from sklearn.metrics import r2_score

    from biodl.data.sequence import read_sequences
    from biodl.kinds.sequence import OnehotRidge

    cpu = cpu_seconds()
    path = data / "mavenn_gb1_dms" / "gb1_data.csv.gz"
    parts = pd.read_csv(path, usecols=["set"])["set"].to_numpy()
    seqs = read_sequences(str(path), sequence_column="x", label_columns=["y"], alphabet="protein")
    assert seqs.labels is not None
    y = seqs.labels["y"].to_numpy(dtype=np.float64)
    train, test = np.flatnonzero(parts == "training"), np.flatnonzero(parts == "test")
    if train_rows:
        rng = np.random.default_rng(seed)  # the rows prepare_mavenn keeps
        train = np.sort(rng.choice(train, min(train_rows, len(train)), replace=False))
    model = OnehotRidge(55).fit(seqs.subset(train), y[train, None])
    fitted = model.predict_scores(seqs.subset(train))[:, 0]
    scores = model.predict_scores(seqs.subset(test))[:, 0]
    link = IsotonicRegression(out_of_bounds="clip").fit(fitted, y[train])
    linked = link.predict(scores)
    return {
        "n_train": len(train),
        "spearman": float(spearmanr(y[test], scores).statistic),
        "r2": float(r2_score(y[test], scores)),
        "linked_spearman": float(spearmanr(y[test], linked).statistic),
        "linked_r2": float(r2_score(y[test], linked)),
        "cpu_seconds": round(cpu_seconds() - cpu, 1),
    }


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def table(found: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| set | training rows | test rows | deep CNN | additive one-hot ridge | "
        "panel's best on validation (test) | CPU s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in found.items():
        if "deep" not in r:
            continue
        ridge = r.get("panel", {}).get("onehot_ridge", {}).get("spearman")
        lines.append(
            f"| {name} | {r['sizes'].get('train', 0):,} | {r['sizes'].get(r['final_split'], 0):,}"
            f" | {_num(r['deep']['spearman'])} | {_num(ridge)} | {r['baseline']} "
            f"{_num(r['baseline_spearman'])} | {r['cpu_seconds']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path, help="folder for derived files, runs and results")
    parser.add_argument("--sets", nargs="*", default=["mavenn", "two_vs_rest", "low_vs_high"])
    parser.add_argument("--train-rows", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--device", default="cpu", help="where the network trains (cpu, cuda)")
    parser.add_argument(
        "--additive",
        action="store_true",
        help="MAVE-NN: the additive ridge with and without a monotone link, on --train-rows "
        "and on all training rows",
    )
    parser.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="a language-model run: fine-tune it on each set (freeze none) beside the same "
        "model from scratch, instead of the default CNN",
    )
    parser.add_argument(
        "--pretrain",
        choices=["flip-ss", "own"],
        default=None,
        help="first train the default language model, then fine-tune it as --init-from does: "
        "flip-ss: on the FLIP secondary-structure proteins (WORK/lm_flip_ss, once); own: on "
        "each set's training and validation sequences, unlabelled (WORK/lm_own_SET)",
    )
    parser.add_argument(
        "--lm-model",
        default=None,
        help="--pretrain: the language model's network (default: its default)",
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results_path = args.work / "gb1_results.json"
    found = json.loads(results_path.read_text()) if results_path.exists() else {}
    suffix = f"_{args.lm_model}" if args.lm_model else ""

    def lm_run(fasta: Path, run: Path) -> Path:
        key = f"language model {run.name}"
        found[key] = pretrain(fasta, run, args.threads, args.device, args.lm_model)
        print(key, json.dumps(found[key], indent=1), flush=True)
        results_path.write_text(json.dumps(found, indent=1))
        return run

    if args.pretrain == "flip-ss":
        args.init_from = lm_run(flip_ss_fasta(args.work), args.work / f"lm_flip_ss{suffix}")
    for name in args.sets:
        if name == "mavenn":
            spec = prepare_mavenn(args.data, args.work, args.train_rows)
            key = f"mavenn_gb1_dms (train {args.train_rows or 'all'})"
        elif name in FLIP_SPLITS:
            spec = prepare_flip(args.data, args.work, name)
            key = f"flip_gb1 {name}"
        else:
            parser.error(f"unknown set {name!r}: mavenn or one of {', '.join(FLIP_SPLITS)}")
        if args.pretrain == "own":
            fasta = own_fasta(spec, args.work / f"own_{name}.fa")
            args.init_from = lm_run(fasta, args.work / f"lm_own_{name}{suffix}")
        if args.init_from is not None:
            key += f" from {args.init_from.name}"
        run = args.work / "runs" / (name if name != "mavenn" else f"mavenn_{args.train_rows}")
        if args.init_from is not None:
            run = run.with_name(f"{run.name}_from_{args.init_from.name}")
        found[key] = run_biodl(spec, run, args.threads, args.device, args.init_from)
        print(key, json.dumps(found[key], indent=1), flush=True)
        results_path.write_text(json.dumps(found, indent=1))
    if args.additive:
        for rows in (args.train_rows, 0):
            key = f"mavenn additive ridge (train {rows or 'all'})"
            found[key] = additive_models(args.data, rows)
            print(key, found[key], flush=True)
            results_path.write_text(json.dumps(found, indent=1))
    print(table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
