"""Benchmark: the default language model against the best Markov model on real sequences.

Two sets, each with its own split (test parts are only scored, never used to choose):

- FLIP secondary structure (``protein/flip_secondary_structure/splits.zip``): the amino-acid
  sequences of ``splits/sequences.fasta``, parts from ``splits/sampled.fasta`` (``SET=test``
  -> test; ``SET=train VALIDATION=True`` -> validation; the other training rows -> train);
- nRC ncRNA families (``sequences/nrc_ncrna_families``): ``dataset_Rfam_6320_13classes``
  for training (10 % drawn for validation, seeded) and ``dataset_Rfam_validated_2600_13classes``
  as the test part.

Each set is written to a temporary FASTA with a ``split=`` header key and trained with
``biodl.train(..., task="language-model")`` (the defaults unless options say otherwise); the
script prints the test perplexity per letter of the network and of the Markov model chosen on
validation, with their bootstrap intervals and the training time. Run from the repository
root::

    .venv/bin/python benchmarks/language_models.py [--sets nrc flip] [--epochs N]
        [--max-train N] [--model transformer] [--lr 1e-3]
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

os.environ.setdefault("BIODL_QUIET", "1")
warnings.filterwarnings("ignore")

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")


def _fasta(text: str) -> list[tuple[str, str]]:
    records: list[tuple[str, str]] = []
    name: str | None = None
    seq: list[str] = []
    for line in text.splitlines():
        if line.startswith(">"):
            if name is not None:
                records.append((name, "".join(seq)))
            name, seq = line[1:].strip(), []
        elif line.strip():
            seq.append(line.strip())
    if name is not None:
        records.append((name, "".join(seq)))
    return records


def flip(folder: Path, max_train: int | None, seed: int) -> Path:
    """The FLIP secondary-structure proteins with a split= key per header."""
    with zipfile.ZipFile(DATA / "protein/flip_secondary_structure/splits.zip") as z:
        seqs = _fasta(z.read("splits/sequences.fasta").decode())
        labels = _fasta(z.read("splits/sampled.fasta").decode())
    part = {}
    for header, _ in labels:
        words = header.split()
        keys = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        name = "test" if keys.get("SET") == "test" else "train"
        if name == "train" and keys.get("VALIDATION") == "True":
            name = "valid"
        part[words[0]] = name
    return _write(
        folder / "flip.fa",
        [(h.split()[0], s, part[h.split()[0]]) for h, s in seqs],
        max_train,
        seed,
    )


def nrc(folder: Path, max_train: int | None, seed: int) -> Path:
    """nRC: the 6,320 training sequences (10 % to validation) and the 2,600 test ones."""
    base = DATA / "sequences/nrc_ncrna_families"
    with gzip.open(base / "dataset_Rfam_6320_13classes.fasta.gz", "rt") as handle:
        train = _fasta(handle.read())
    with gzip.open(base / "dataset_Rfam_validated_2600_13classes.fasta.gz", "rt") as handle:
        test = _fasta(handle.read())
    rng = np.random.default_rng(seed)
    valid = set(rng.choice(len(train), len(train) // 10, replace=False).tolist())
    rows = [(f"tr{i}", s, "valid" if i in valid else "train") for i, (_, s) in enumerate(train)]
    rows += [(f"te{i}", s, "test") for i, (_, s) in enumerate(test)]
    return _write(folder / "nrc.fa", rows, max_train, seed)


def _write(path: Path, rows: list[tuple[str, str, str]], max_train: int | None, seed: int) -> Path:
    if max_train is not None:
        train = [i for i, r in enumerate(rows) if r[2] == "train"]
        keep = set(np.random.default_rng(seed).permutation(train)[:max_train].tolist())
        rows = [r for i, r in enumerate(rows) if r[2] != "train" or i in keep]
    with open(path, "w") as handle:
        for name, seq, part in rows:
            handle.write(f">{name} split={part}\n{seq}\n")
    return path


def main() -> None:
    import biodl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["nrc", "flip"])
    parser.add_argument("--epochs", default="auto")
    parser.add_argument("--max-train", type=int, default=None)
    parser.add_argument("--model", default="auto")
    parser.add_argument("--context", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            path = {"nrc": nrc, "flip": flip}[name](Path(tmp), args.max_train, args.seed)
            options = {"task": "language-model", "split_column": "split", "seed": args.seed}
            if args.epochs != "auto":
                options["epochs"] = int(args.epochs)
            if args.model != "auto":
                options["model"] = args.model
            if args.context is not None:
                options["context"] = args.context
            if args.lr is not None:
                options["lr"] = args.lr
            started = time.process_time()
            result = biodl.train(path, out=Path(tmp) / f"run-{name}", **options)
            cpu = time.process_time() - started
            m = result.metrics
            net, mk = m["network"], m["markov"]
            print(
                f"{name}: {m['model']} context {m['context']}, {m['sequences']} sequences, "
                f"{m['training']['epochs_run']} epochs ({m['training']['seconds']:.0f} s wall, "
                f"{cpu:.0f} s CPU)\n"
                f"  network test perplexity {net['test_perplexity']:.3f} "
                f"[{net['test_perplexity_ci'][0]:.3f}, {net['test_perplexity_ci'][1]:.3f}], "
                f"valid {net['valid_perplexity']:.3f}\n"
                f"  Markov order {mk['order']} test perplexity {mk['test_perplexity']:.3f} "
                f"[{mk['test_perplexity_ci'][0]:.3f}, {mk['test_perplexity_ci'][1]:.3f}], "
                f"valid {mk['valid_perplexity']:.3f}\n  {m['verdict']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
