"""Size of each kind of report on the shared datasets (docs/run-directory.md, "Report sizes").

Runs, on ``../shared/data`` (training parts only): a default ``biodl train`` on UCI splice
(the run whose report must stay under 2 MB), then small runs of cv, tune, embed, inspect and
explain, and prints each page's size and how much of it is images. Nothing is asserted.

Usage: ``.venv/bin/python benchmarks/report_sizes.py [OUT]`` (default ``benchmarks/out/sizes``);
about 20 minutes on 2 cores, most of it explaining all 3,190 sequences.
"""

from __future__ import annotations

import re
import sys
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


def main(out: Path) -> None:
    from biodl import api

    splice = DATA / "sequences" / "uci_splice" / "splice.csv"
    golub = DATA / "expression" / "golub_all_aml"
    small = {"epochs": 3, "n_bootstrap": 200, "seed": 0, "progress": False}
    steps = {
        "train (default, UCI splice)": lambda: api.train(
            splice, out=out / "train", seed=0, progress=False, overwrite=True
        ),
        "cv (5 folds, 3 epochs, UCI splice)": lambda: api.cross_validate(
            splice, folds=5, out=out / "cv", overwrite=True, **small
        ),
        "tune (12 random trials, 3 epochs, UCI splice)": lambda: api.tune(
            splice, out=out / "tune", search="random", trials=12, overwrite=True, **small
        ),
        "embed (PCA and VAE at 10 dims, Golub)": lambda: api.embed(
            golub / "data_set_ALL_AML_train.csv",
            genes_as_rows=True,
            metadata=golub / "actual.csv",
            methods="pca,vae",
            dims=10,
            color_by="cancer",
            out=out / "embed",
            overwrite=True,
        ),
        "inspect (UCI splice)": lambda: api.inspect(splice, out=out / "inspection.html"),
        "explain (the train run, UCI splice)": lambda: api.explain(
            out / "train", splice, out=out / "explain", overwrite=True, progress=False
        ),
    }
    pages = {
        "train (default, UCI splice)": out / "train" / "report.html",
        "cv (5 folds, 3 epochs, UCI splice)": out / "cv" / "report.html",
        "tune (12 random trials, 3 epochs, UCI splice)": out / "tune" / "report.html",
        "embed (PCA and VAE at 10 dims, Golub)": out / "embed" / "report.html",
        "inspect (UCI splice)": out / "inspection.html",
        "explain (the train run, UCI splice)": out / "explain" / "report.html",
    }
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        print(f"{name:48s} {size(pages[name])}  [{time.perf_counter() - start:.0f} s]", flush=True)


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("benchmarks/out/sizes"))
