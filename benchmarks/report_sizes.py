"""Size of each kind of report on the shared datasets (docs/run-directory.md, "Sizes on the
shared datasets").

Runs, on ``../shared/data`` (training parts only): a default ``biodl train`` on UCI splice
(the run whose report must stay under 2 MB), then small runs of cv, tune, embed, inspect and
explain; a small language model on 800 nRC ncRNA sequences, sequences generated from it and
single mutants of one of those sequences scored with it; a forecast on a simulated lineage
(no shared dataset has dated sequences); and the comparison page of the train run beside the
cv run. Prints each page's size and how much of it is images. Nothing is asserted.

Usage: ``.venv/bin/python benchmarks/report_sizes.py [OUT] [--only NAMES]`` (default OUT
``benchmarks/out/sizes``; NAMES a comma-separated list of the step keys ``train, cv, tune,
embed, inspect, explain, lm, generate, score, forecast, compare``). All of it takes about 20
minutes on 2 cores, most of it explaining all 3,190 sequences; ``--only
lm,generate,score,forecast,compare`` a few minutes (``compare`` reads the train and cv runs
of an earlier run of the script in OUT; ``generate`` and ``score`` the lm run).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")


def size(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    images = sum(len(m) for m in re.findall(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", text))
    n = text.count("<img")
    return f"{len(text.encode()) / 1e6:6.2f} MB ({n} figures, {images / 1e6:.2f} MB of them)"


def lm_sequences(out: Path, n: int = 800) -> Path:
    """A FASTA of ``n`` sequences drawn (seed 0) from the nRC training set, for the LM step."""
    import gzip
    import random

    fasta = DATA / "sequences" / "nrc_ncrna_families" / "dataset_Rfam_6320_13classes.fasta.gz"
    records: list[tuple[str, str]] = []
    with gzip.open(fasta, "rt") as handle:
        for line in handle:
            if line.startswith(">"):
                records.append((line.rstrip(), ""))
            elif records:
                records[-1] = (records[-1][0], records[-1][1] + line.strip())
    chosen = random.Random(0).sample(records, n)
    path = out / "nrc_800.fa"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name}\n{seq}\n" for name, seq in chosen))
    return path


def variants_table(sequences: Path, out: Path) -> Path:
    """Every single mutant of the first 40 positions of the first ACGT-only sequence (120 rows)."""
    lines = sequences.read_text().splitlines()
    wild = next(seq for seq in lines[1::2] if len(seq) >= 40 and set(seq) <= set("ACGT"))
    rows = ["mutant,wild_type"]
    for i, letter in enumerate(wild[:40], start=1):
        rows += [f"{letter}{i}{other},{wild}" for other in "ACGT" if other != letter]
    path = out / "variants.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def lineage_fasta(out: Path) -> Path:
    """A lineage from the shipped simulator (seed 0, its defaults): 40 seasons of 40 samples."""
    from biodl.data.lineage import simulate_lineage, write_lineage_fasta

    return write_lineage_fasta(simulate_lineage(seed=0), out / "lineage.fa")


def main(out: Path, only: set[str] | None = None) -> None:
    from biodl import api

    splice = DATA / "sequences" / "uci_splice" / "splice.csv"
    golub = DATA / "expression" / "golub_all_aml"
    small = {"epochs": 3, "n_bootstrap": 200, "seed": 0, "progress": False}
    steps = {
        "train": (
            "train (default, UCI splice)",
            out / "train" / "report.html",
            lambda: api.train(splice, out=out / "train", seed=0, progress=False, overwrite=True),
        ),
        "cv": (
            "cv (5 folds, 3 epochs, UCI splice)",
            out / "cv" / "report.html",
            lambda: api.cross_validate(splice, folds=5, out=out / "cv", overwrite=True, **small),
        ),
        "tune": (
            "tune (12 random trials, 3 epochs, UCI splice)",
            out / "tune" / "report.html",
            lambda: api.tune(
                splice, out=out / "tune", search="random", trials=12, overwrite=True, **small
            ),
        ),
        "embed": (
            "embed (PCA and VAE at 10 dims, Golub)",
            out / "embed" / "report.html",
            lambda: api.embed(
                golub / "data_set_ALL_AML_train.csv",
                genes_as_rows=True,
                metadata=golub / "actual.csv",
                methods="pca,vae",
                dims=10,
                color_by="cancer",
                out=out / "embed",
                overwrite=True,
            ),
        ),
        "inspect": (
            "inspect (UCI splice)",
            out / "inspection.html",
            lambda: api.inspect(splice, out=out / "inspection.html"),
        ),
        "explain": (
            "explain (the train run, UCI splice)",
            out / "explain" / "report.html",
            lambda: api.explain(
                out / "train", splice, out=out / "explain", overwrite=True, progress=False
            ),
        ),
        "lm": (
            "language model (800 nRC sequences, 5 epochs)",
            out / "lm" / "report.html",
            lambda: api.train(
                lm_sequences(out),
                task="language-model",
                epochs=5,
                seed=0,
                out=out / "lm",
                progress=False,
                overwrite=True,
            ),
        ),
        "generate": (
            "generate (50 sequences from the lm run)",
            out / "generate" / "report.html",
            lambda: api.generate(out / "lm", n=50, seed=0, out=out / "generate", overwrite=True),
        ),
        "score": (
            "score (120 single mutants, the lm run)",
            out / "score" / "report.html",
            lambda: api.score(
                out / "lm",
                variants_table(out / "nrc_800.fa", out),
                out=out / "score",
                overwrite=True,
            ),
        ),
        "forecast": (
            "forecast (simulated lineage, 5 epochs)",
            out / "forecast" / "report.html",
            lambda: api.train(
                lineage_fasta(out),
                task="forecast",
                epochs=5,
                seed=0,
                out=out / "forecast",
                progress=False,
                overwrite=True,
            ),
        ),
        "compare": (
            "compare (the train run beside the cv run)",
            out / "compare.html",
            lambda: api.compare_runs([out / "train", out / "cv"], out=out / "compare.html"),
        ),
    }
    unknown = sorted((only or set()) - set(steps))
    if unknown:
        raise SystemExit(f"--only: unknown step(s) {', '.join(unknown)}; known: {', '.join(steps)}")
    for key, (name, page, step) in steps.items():
        if only is not None and key not in only:
            continue
        start = time.perf_counter()
        step()
        print(f"{name:48s} {size(page)}  [{time.perf_counter() - start:.0f} s]", flush=True)


if __name__ == "__main__":
    import argparse
    import warnings

    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="benchmarks/out/sizes", type=Path)
    parser.add_argument("--only", help="comma-separated step keys to run (default: all)")
    args = parser.parse_args()
    chosen = {name.strip() for name in args.only.split(",")} if args.only else None
    main(args.out, chosen)
