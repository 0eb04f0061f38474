"""One small seeded report of each kind (train, cv, tune, embed, inspect, explain, generate,
score, language model, generate from a language model, forecast, the comparison of two train
runs and that of a train run beside a cv run), built once
per session and shared by the page tests (stray text, HTML5 parsing, the browser check)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

#: The report file of each command's page, relative to its output folder.
PAGE_FILES = {
    "train": "report.html",
    "cv": "report.html",
    "tune": "report.html",
    "embed": "report.html",
    "inspect": "inspection.html",
    "explain": "report.html",
    "compare": "compare/comparison.html",
    "generate": "report.html",
    "score": "score/report.html",
    "language-model": "lm/report.html",
    "generate-lm": "generate_lm/report.html",
    "forecast": "forecast/report.html",
    "compare-cv": "compare_cv/comparison.html",
}

_TINY = {"epochs": 1, "n_bootstrap": 20, "seed": 0, "progress": False}
_NET = {"model_params": {"channels": 8, "n_layers": 1}}


@pytest.fixture(scope="session")
def report_pages(tmp_path_factory: pytest.TempPathFactory, motif_fasta: Path) -> dict[str, Path]:
    """Kind -> path of its rendered page, each from a seconds-long seeded run."""
    from biodl import api
    from biodl.data.lineage import simulate_lineage, write_lineage_fasta
    from biodl.data.simulate import simulate_counts

    root = tmp_path_factory.mktemp("pages")
    pages: dict[str, Path] = {}
    api.train(motif_fasta, out=root / "train", **_TINY, **_NET)
    pages["train"] = root / "train" / PAGE_FILES["train"]
    api.train(motif_fasta, out=root / "runs" / "wider", **_TINY, model_params={"channels": 12})
    api.compare_runs([root / "train", root / "runs"], out=root / PAGE_FILES["compare"])
    pages["compare"] = root / PAGE_FILES["compare"]
    api.cross_validate(motif_fasta, folds=3, out=root / "cv", **_TINY, **_NET)
    pages["cv"] = root / "cv" / PAGE_FILES["cv"]
    space = root / "space.yaml"
    space.write_text("train.lr: {low: 1.0e-3, high: 1.0e-2, log: true}\n")
    api.tune(
        motif_fasta, out=root / "tune", search="random", trials=3, space=space, **_TINY, **_NET
    )
    pages["tune"] = root / "tune" / PAGE_FILES["tune"]
    sim = simulate_counts(60, 30, n_types=3, markers=6, fold=3.0, depth=800, seed=0)
    ids = [f"c{i}" for i in range(60)]
    counts = pd.DataFrame(sim.counts, columns=[f"g{j}" for j in range(30)])
    counts.insert(0, "id", ids)
    counts.to_csv(root / "counts.csv", index=False)
    meta = pd.DataFrame({"id": ids, "cell_type": sim.cell_type})
    meta.to_csv(root / "meta.csv", index=False)
    api.embed(
        root / "counts.csv",
        methods="pca",
        dims=3,
        color_by="cell_type",
        metadata=root / "meta.csv",
        log1p="true",
        out=root / "embed",
        seed=0,
    )
    pages["embed"] = root / "embed" / PAGE_FILES["embed"]
    pages["inspect"] = root / PAGE_FILES["inspect"]
    api.inspect(motif_fasta, out=pages["inspect"])
    api.explain(root / "train", motif_fasta, out=root / "explain", show_examples=2, progress=False)
    pages["explain"] = root / "explain" / PAGE_FILES["explain"]
    api.generate(
        root / "counts.csv", model="vae", n=40, epochs=5, out=root / "generate", progress=False
    )
    pages["generate"] = root / "generate" / PAGE_FILES["generate"]
    api.train(
        motif_fasta,
        task="language-model",
        model="gru",
        model_params={"hidden_size": 8},
        context=16,
        epochs=1,
        out=root / "lm",
        progress=False,
    )
    wt = motif_fasta.read_text().splitlines()[1].strip().upper()
    rng = np.random.default_rng(0)
    rows = [f"{wt[i]}{i + 1}{b}" for i in range(12) for b in "ACGT" if b != wt[i]]
    variants = pd.DataFrame({"mutant": rows, "fitness": rng.normal(size=len(rows))})
    variants.to_csv(root / "variants.csv", index=False)
    api.score(root / "lm", root / "variants.csv", wild_type=wt, n_bootstrap=50, out=root / "score")
    pages["score"] = root / PAGE_FILES["score"]
    pages["language-model"] = root / PAGE_FILES["language-model"]
    api.generate(root / "lm", n=5, length=30, seed=0, out=root / "generate_lm", progress=False)
    pages["generate-lm"] = root / PAGE_FILES["generate-lm"]
    lineage = simulate_lineage(seasons=12, length=30, samples=10, population=100, seed=3)
    fasta = write_lineage_fasta(lineage, root / "lineage.fa")
    api.train(fasta, task="forecast", epochs=3, n_bootstrap=30, out=root / "forecast")
    pages["forecast"] = root / PAGE_FILES["forecast"]
    api.compare_runs([root / "train", root / "cv"], out=root / PAGE_FILES["compare-cv"])
    pages["compare-cv"] = root / PAGE_FILES["compare-cv"]
    return pages
