"""Benchmark: every shared dataset with biodl's defaults and its published protocol.

For each dataset of ``../shared/data`` that biodl reads (see ``_realdata_sets.py``, one
function per dataset), this script

1. runs ``biodl.train`` (a published train/test split) or ``biodl.cross_validate`` (where the
   dataset's ``SOURCE.txt`` describes cross-validation) with every default, through the public
   API, in a child process with a time limit, and reads the run's typed results back with
   ``biodl.load_results``: the deep model's scores with 95% intervals, the baseline biodl chose
   (its name read from the results), the verdict sentence and the seconds;
2. fits a scikit-learn random forest and histogram gradient boosting on the same split with
   features built independently of biodl (``_realdata_classical.py``), in a second child
   process with the same limit;
3. writes one Markdown table (``docs/benchmarks.md``) with the published numbers beside.

Each dataset's files, run directory and logs go under ``--work`` (``benchmarks/out/``,
ignored by git). Each stage's summary goes to ``--results`` (``benchmarks/realdata_results/``,
kept in git), stamped with the commit it ran on, when it finished and the load average; the
table is rebuilt from every dataset found there, so ``--only NAME`` reruns one row and the
others keep their recorded numbers (each row's notes say which commit and date they are from).
Datasets run one at a time.

Run from the repository root::

    .venv/bin/python benchmarks/realdata.py --list
    .venv/bin/python benchmarks/realdata.py [--only NAME ...] [--limit 1800] [--out FILE.md]
    .venv/bin/python benchmarks/realdata.py --table-only
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from _realdata_classical import LOWER_IS_BETTER
from _realdata_sets import DATASETS, UNSUPPORTED, Protocol

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_WORK = REPO / "benchmarks" / "out"
DEFAULT_RESULTS = REPO / "benchmarks" / "realdata_results"
DEFAULT_OUT = REPO / "docs" / "benchmarks.md"
#: Seconds one stage (the biodl run, or the independent fits) of one dataset may take.
DEFAULT_LIMIT = 1800
STAGES = ("biodl", "classical")


# --------------------------------------------------------------------------- child stages


def _estimate(split: Any, metric: str) -> dict[str, float | None] | None:
    found = split.estimates.get(metric) if split is not None else None
    return None if found is None else {"value": found.value, "low": found.low, "high": found.high}


def _label_scores(labels: Any, classes: list[str]) -> np.ndarray:
    """Predicted class names as one-hot rows, so label metrics can reuse ``compute``."""
    index = {c: i for i, c in enumerate(classes)}
    out = np.zeros((len(labels), len(classes)))
    out[np.arange(len(labels)), [index[str(v)] for v in labels]] = 1.0
    return out


def _subset_metrics(p: Protocol, run: Path, classes: list[str]) -> dict[str, Any]:
    """Deep model and baseline on the protocol's test subset, from the run's prediction files."""
    import pandas as pd

    from _realdata_classical import with_interval

    assert p.subset is not None
    subset = p.subset()
    out: dict[str, Any] = {"label": subset.label, "note": subset.note}
    for who, file in (("deep", "predictions.csv"), ("baseline", "baseline_predictions.csv")):
        table = pd.read_csv(run / file, dtype={"id": str, "true": str, "predicted": str})
        table = table[(table["split"] == "test") & table["id"].isin(subset.ids)]
        y = np.array([classes.index(str(v)) for v in table["true"]])
        scores = _label_scores(table["predicted"], classes)
        out["n"] = len(table)
        out[who] = {m: with_interval(m, y, scores) for m in p.metrics if m != "auroc"}
    return out


def _known_sections() -> set[str]:
    return {
        "schema_version", "task", "primary_metric", "ci_level", "n_bootstrap", "model",
        "baseline", "data", "threshold", "prevalence", "comparison", "extra_baselines",
        "seeds", "transfer", "scratch", "training",
    }  # fmt: skip


def summarise_run(results: Any, p: Protocol, run: Path) -> dict[str, Any]:
    """The numbers the table needs from a ``biodl train`` run's typed results."""
    final = results.final_split
    metrics = list(dict.fromkeys([results.primary_metric, *p.metrics]))
    model, baseline = results.model.splits.get(final), results.baseline.splits.get(final)
    training = results.training
    raw = results.to_json()
    out: dict[str, Any] = {
        "mode": "split",
        "final_split": final,
        "task": results.task,
        "primary": results.primary_metric,
        "metrics": metrics,
        "sizes": dict(results.data.sizes),
        "split_note": results.data.split,
        "leakage": dict(results.data.leakage),
        "model_name": results.model.name,
        "baseline_name": results.baseline.name,
        "baseline_features": results.baseline.features,
        "deep": {m: _estimate(model, m) for m in metrics},
        "baseline": {m: _estimate(baseline, m) for m in metrics},
        "extra_baselines": [
            {
                "name": e.name,
                "seconds": e.seconds,
                "metrics": {m: _estimate(e.metrics, m) for m in metrics},
            }
            for e in results.extra_baselines
        ],
        "verdict": results.comparison.verdict,
        "comparison": results.comparison.to_json(),
        "seconds": {"deep": training.seconds, "baseline": training.baseline_seconds},
        "epochs": {
            "run": training.epochs_run,
            "best": training.best_epoch,
            "stopped_early": training.stopped_early,
            "chosen_on_valid": training.epoch_chosen_on_valid,
        },
        "threshold": raw.get("threshold"),
        # sections newer than this script (e.g. a baseline panel), kept verbatim
        "other_sections": {k: v for k, v in raw.items() if k not in _known_sections()},
    }
    if p.subset is not None:
        out["subset"] = _subset_metrics(p, run, list(results.data.classes))
    return out


def summarise_cv(results: Any, p: Protocol, run: Path) -> dict[str, Any]:
    """The numbers the table needs from a ``biodl cv`` run's typed results."""
    import pandas as pd

    from _realdata_classical import fold_interval

    metrics = list(dict.fromkeys([results.primary_metric, *p.metrics]))
    folds = pd.read_csv(run / "folds.csv")
    sizes = folds[folds["who"] == "model"]["n_test"].tolist()

    def over_folds(summary: Any) -> dict[str, Any]:
        out = {}
        for m in metrics:
            found = summary.metrics.get(m)
            values = [v for v in (found.values if found else []) if v is not None]
            out[m] = fold_interval(values, results.folds) if values else None
        return out

    return {
        "mode": "cv",
        "task": results.task,
        "primary": results.primary_metric,
        "metrics": metrics,
        "folds": results.folds,
        "n": results.data.n,
        "fold_sizes": sizes,
        "model_name": results.model.name,
        "baseline_name": results.baseline.name,
        "deep": over_folds(results.model),
        "baseline": over_folds(results.baseline),
        "extra_baselines": [],
        "verdict": results.comparison.verdict,
        "seconds": {"deep": results.model.seconds, "baseline": results.baseline.seconds},
    }


def stage_biodl(p: Protocol, folder: Path) -> dict[str, Any]:
    """Run biodl with every default on the protocol; summarise its results."""
    import biodl
    from biodl.errors import BiodlWarning

    run = folder / "run"
    load = os.getloadavg()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BiodlWarning)
        start = time.perf_counter()
        if p.cv_folds:
            biodl.cross_validate(
                p.train, folds=p.cv_folds, out=run, overwrite=True, progress=False, **p.options
            )
        else:
            biodl.train(p.train, out=run, overwrite=True, progress=False, **p.options)
        wall = time.perf_counter() - start
    results = biodl.load_results(run)
    summary = (summarise_cv if p.cv_folds else summarise_run)(results, p, run)
    said = [str(w.message) for w in caught if issubclass(w.category, BiodlWarning)]
    summary.update(
        status="ok",
        wall=wall,
        warnings=list(dict.fromkeys(said)),
        load_before=load,
        load_after=os.getloadavg(),
        biodl=biodl.__version__,
    )
    return summary


def stage_classical(p: Protocol, folder: Path) -> dict[str, Any]:
    """Fit the independent scikit-learn models on the protocol's split (or folds)."""
    from _realdata_classical import fit_folds, fit_split

    start = time.perf_counter()
    data = p.classical()
    features_seconds = time.perf_counter() - start
    metrics = list(p.metrics)
    out: dict[str, Any] = {
        "status": "ok",
        "features": data.features,
        "n_features": int(data.X.shape[1]),
        "notes": list(data.notes),
        "features_seconds": features_seconds,
    }
    if data.folds:
        out["models"] = fit_folds(data, metrics)
        out["folds"] = data.folds
    else:
        assert data.train is not None and data.test is not None
        subset_rows = None
        if p.subset is not None and data.ids is not None:
            subset = p.subset()
            subset_rows = np.flatnonzero(np.isin(data.ids, sorted(subset.ids)))
            out["subset"] = {"label": subset.label, "note": subset.note, "n": len(subset_rows)}
        out["models"] = fit_split(data, metrics, subset_rows)
        out["n_train"], out["n_test"] = len(data.train), len(data.test)
    out["wall"] = time.perf_counter() - start
    return out


def child(stage: str, name: str, data: Path, work: Path) -> int:
    """One stage of one dataset, in this (child) process; writes ``<stage>.json``."""
    folder = work / name
    p = DATASETS[name](data, folder)
    summary = (stage_biodl if stage == "biodl" else stage_classical)(p, folder)
    _write_json(folder / f"{stage}.json", summary)
    return 0


# --------------------------------------------------------------------------- parent


def _write_json(path: Path, content: Any, args: argparse.Namespace | None = None) -> None:
    """Write ``content``; with ``args`` (a record kept in git) this machine's data and work
    folders are written as ``../shared/data`` and ``<work>``, so records hold no local paths."""
    text = json.dumps(content, indent=1, default=float)
    if args is not None:
        folders = {str(Path(args.data).resolve()): "../shared/data"}
        folders[str(Path(args.work).resolve())] = "<work>"
        for folder in sorted(folders, key=len, reverse=True):  # /x/data2 before /x/data
            text = text.replace(json.dumps(folder)[1:-1], folders[folder])
    tmp = path.with_suffix(".json.partial")
    tmp.write_text(text)
    tmp.replace(path)


def _read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def run_stage(stage: str, name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one stage in a child process (own session, killed at the limit); its summary."""
    folder, kept = args.work / name, args.results / name
    result_file, record = folder / f"{stage}.json", kept / f"{stage}.json"
    earlier = _read_json(record)
    if earlier is not None and earlier.get("status") != "ok":  # keep the record of a failure
        with open(kept / "attempts.jsonl", "a") as history:
            history.write(json.dumps({"stage": stage, **earlier}, default=float) + "\n")
    result_file.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--stage", stage, "--only", name]
    command += ["--data", str(args.data), "--work", str(args.work)]
    env = {**os.environ, "BIODL_QUIET": "1"}
    commit = _commit()  # the code the child imports now, whatever HEAD is when it ends
    start = time.perf_counter()
    with open(folder / f"{stage}.log", "w") as log:
        proc = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
        code: int | None = None
        try:
            code = proc.wait(timeout=args.limit)
        except subprocess.TimeoutExpired:
            pass
        finally:  # the limit, Ctrl-C or SIGTERM: the child's whole session goes too
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    seconds = time.perf_counter() - start
    found = _read_json(result_file) if code == 0 else None
    if found is None:
        tail = (folder / f"{stage}.log").read_text(errors="replace").strip().splitlines()[-3:]
        found = {
            "status": "timeout" if code is None else "error",
            "seconds": seconds,
            "limit": args.limit,
            "log_tail": tail,
        }
    found["provenance"] = provenance(commit)
    _write_json(record, found, args)
    return found


def provenance(commit: str | None = None) -> dict[str, Any]:
    """Where and when a stage's numbers were made: commit, finishing time, load average."""
    return {
        "commit": commit or _commit(),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
        "load": [round(v, 1) for v in os.getloadavg()],
    }


def run_dataset(name: str, args: argparse.Namespace) -> None:
    folder, kept = args.work / name, args.results / name
    folder.mkdir(parents=True, exist_ok=True)
    kept.mkdir(parents=True, exist_ok=True)
    p = DATASETS[name](args.data, folder)
    meta = {
        k: getattr(p, k)
        for k in ("name", "group", "title", "task", "protocol", "metrics", "published", "notes")
    }
    meta["options"] = {k: v for k, v in p.options.items()}
    meta["cv_folds"] = p.cv_folds
    meta["limit"] = args.limit
    meta["started"] = datetime.datetime.now().isoformat(timespec="seconds")
    _write_json(kept / "protocol.json", meta, args)
    for stage in args.stages:
        print(f"{name}: {stage} ...", flush=True)
        found = run_stage(stage, name, args)
        took = found.get("wall") or found.get("seconds") or 0.0
        print(f"{name}: {stage} {found['status']} ({took:.0f} s)", flush=True)


# --------------------------------------------------------------------------- table


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _cell(estimate: dict[str, Any] | None) -> str:
    if not estimate:
        return "–"
    text = _num(estimate.get("value"))
    if estimate.get("low") is not None and estimate.get("high") is not None:
        text += f" [{_num(estimate['low'])}, {_num(estimate['high'])}]"
    return text


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _failed(found: dict[str, Any] | None, what: str) -> str | None:
    if found is None:
        return "not run"
    if found["status"] == "timeout":
        return f"{what} not finished within {found['limit']:,} s (limit hit)"
    if found["status"] == "error":
        return f"{what} failed: {' '.join(found.get('log_tail', []))[-300:]}"
    return None


def _sizes(deep: dict[str, Any] | None, classical: dict[str, Any] | None) -> str:
    if deep and deep.get("status") == "ok":
        if deep["mode"] == "cv":
            test = np.mean(deep["fold_sizes"]) if deep["fold_sizes"] else 0
            n, k = deep["n"], deep["folds"]
            return f"{n:,} in {k} folds (~{n - test:,.0f} / – / {test:,.0f})"
        s = deep["sizes"]
        return " / ".join(f"{s.get(k, 0):,}" for k in ("train", "valid", "test"))
    if classical and classical.get("status") == "ok" and "n_train" in classical:
        return f"{classical['n_train']:,} / – / {classical['n_test']:,}"
    if classical and classical.get("status") == "ok" and classical.get("folds"):
        sizes = classical["models"]["random forest"]["fold_sizes"]
        n, test = sum(sizes), np.mean(sizes)
        return f"{n:,} in {len(sizes)} folds (~{n - test:,.0f} / – / {test:,.0f})"
    return "–"


def _best_classical(deep: dict[str, Any], classical: dict[str, Any] | None, metric: str) -> Any:
    """(name, value) of the strongest classical model on ``metric`` among all fitted."""
    found = []
    if deep.get("baseline", {}).get(metric):
        found.append((f"biodl {deep['baseline_name']}", deep["baseline"][metric]["value"]))
    for extra in deep.get("extra_baselines", []):
        if extra["metrics"].get(metric):
            found.append((f"biodl {extra['name']}", extra["metrics"][metric]["value"]))
    if classical and classical.get("status") == "ok":
        for name, entry in classical["models"].items():
            if entry["metrics"].get(metric):
                found.append((f"sklearn {name}", entry["metrics"][metric]["value"]))
    found = [(n, v) for n, v in found if v is not None]
    if not found:
        return None
    return (min if metric in LOWER_IS_BETTER else max)(found, key=lambda item: item[1])


def dataset_rows(meta: dict[str, Any], deep: Any, classical: Any) -> list[list[str]]:
    """The table rows of one dataset: one per metric (the first carries the descriptions)."""
    deep_ok = deep is not None and deep.get("status") == "ok"
    classical_ok = classical is not None and classical.get("status") == "ok"
    metrics = deep["metrics"] if deep_ok else list(meta["metrics"])
    rows = []
    for i, metric in enumerate(metrics):
        first = i == 0
        if deep_ok:
            deep_cell, base_cell = _cell(deep["deep"].get(metric)), _cell(deep["baseline"][metric])
            if first:
                base_cell = f"{deep['baseline_name']}: {base_cell}"
            for extra in deep.get("extra_baselines", []):
                base_cell += f"; {extra['name']}: {_cell(extra['metrics'].get(metric))}"
        else:
            deep_cell = base_cell = _failed(deep, "biodl run") or "–"
        sk = []
        for name in ("random forest", "gradient boosting"):
            if classical_ok:
                entry = classical["models"][name]
                text = _cell(entry["metrics"].get(metric))
                sk.append(text + (f" ({entry['seconds']:,.0f} s)" if first else ""))
            else:
                sk.append(_failed(classical, "fit") or "–")
        label = metric + (" (primary)" if deep_ok and metric == deep["primary"] else "")
        if first:
            seconds = "–"
            if deep_ok:
                s, wall = deep["seconds"], _seconds(deep["wall"])
                seconds = f"{_seconds(s['deep'])} / {_seconds(s['baseline'])} ({wall})"
            elif deep and deep.get("status") == "timeout":
                seconds = f"> {deep['limit']:,} (limit)"
            head = [
                f"**{meta['name']}**<br>{meta['title']}",
                meta["protocol"],
                _sizes(deep, classical),
                meta["task"],
            ]
            tail = [meta["published"], deep["verdict"] if deep_ok else "–", seconds]
        else:
            head, tail = ["", "", "", ""], ["", "", ""]
        rows.append([*head, label, deep_cell, base_cell, *sk, *tail])
    sub = (deep or {}).get("subset") or (classical or {}).get("subset")
    if sub:
        for metric in [m for m in metrics if m != "auroc"]:
            sk = []
            for name in ("random forest", "gradient boosting"):
                entry = classical["models"][name].get("subset", {}) if classical_ok else {}
                sk.append(_cell(entry.get(metric)))
            label = f"{metric} on the {sub['label']}"
            if deep_ok and deep.get("subset"):
                ours = _cell(sub["deep"].get(metric)), _cell(sub["baseline"].get(metric))
            else:
                ours = ("–", "–")
            rows.append(["", "", "", "", label, *ours, *sk, "", "", ""])
    return rows


HEADER = [
    "dataset",
    "protocol",
    "n train / valid / test",
    "task",
    "metric",
    "deep model (default) [95% CI]",
    "baseline biodl chose [95% CI]",
    "random forest, sklearn (fit s)",
    "gradient boosting, sklearn (fit s)",
    "published (source)",
    "verdict (biodl)",
    "seconds: deep / baseline (whole run)",
]


def _machine() -> str:
    cores = os.cpu_count()
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.0f} GB RAM"
    except OSError:
        pass
    return f"{platform.machine()}, {cores} CPU cores, {mem}, no GPU used, {platform.system()}"


def _commit() -> str:
    def git(*a: str) -> str:
        done = subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        "src",
        "benchmarks/*.py",
        "pyproject.toml",
    )
    return head + (" (with uncommitted changes)" if dirty else "")


def _attempts(folder: Path) -> list[str]:
    """Earlier failed attempts of a stage (e.g. a time limit hit before a rerun)."""
    path = folder / "attempts.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        a = json.loads(line)
        what = f"limit of {a['limit']:,} s hit" if a["status"] == "timeout" else "failed"
        out.append(f"an earlier {a['stage']} attempt: {what} after {a['seconds']:,.0f} s")
    return out


def _stamp(found: dict[str, Any] | None) -> str | None:
    made = (found or {}).get("provenance")
    if not made:
        return None
    load = " / ".join(f"{v:.1f}" for v in made["load"])
    return f"commit {made['commit']}, finished {made['finished']}, load {load}"


def stamps(metas: list[dict[str, Any]], results: Path) -> str:
    """The commits and the span of dates the table's stages ran on, in one phrase."""
    made = [
        found["provenance"]
        for meta in metas
        for stage in STAGES
        if (found := _read_json(results / meta["name"] / f"{stage}.json"))
        and found.get("provenance")
    ]
    if not made:
        return "no stage records its commit"
    commits = sorted({m["commit"] for m in made})
    days = sorted(m["finished"][:10] for m in made)
    span = days[0] if days[0] == days[-1] else f"{days[0]} to {days[-1]}"
    return f"{len(made)} ran on {span}, on commit(s) {', '.join(commits)}"


def _notes(
    meta: dict[str, Any], deep: Any, classical: Any, folder: Path, limit: int | None = None
) -> list[str]:
    lines = list(meta.get("notes", [])) + _attempts(folder)
    for stage, found in (("biodl", deep), ("sklearn", classical)):
        if stamp := _stamp(found):
            lines.append(f"{stage} stage: {stamp}")
    if meta.get("limit") is not None and meta["limit"] != limit:
        lines.append(f"time limit per stage {meta['limit']:,} s")
    if deep and deep.get("status") == "ok":
        if deep["mode"] == "split":
            e = deep["epochs"]
            lines.append(
                f"network: {deep['model_name']}, {e['run']} epochs (best {e['best']}, stopped "
                f"early: {e['stopped_early']}, epoch chosen on validation: {e['chosen_on_valid']})"
            )
            if deep.get("baseline_features"):
                lines.append(f"biodl baseline features: {deep['baseline_features']}")
            leak = {k: v for k, v in deep.get("leakage", {}).items() if v}
            if leak:
                lines.append(f"leakage counted by biodl: {leak}")
            if deep.get("other_sections"):
                lines.append(f"further result sections: {', '.join(deep['other_sections'])}")
        else:
            sizes = deep["fold_sizes"]
            lines.append(f"network: {deep['model_name']}; biodl fold test sizes: {sizes}")
        if deep.get("subset"):
            lines.append(deep["subset"]["note"])
        for text in deep.get("warnings", [])[:3]:
            lines.append(f"biodl warned: {text[:300]}")
        load = deep.get("load_before"), deep.get("load_after")
        if all(load):
            lines.append(
                f"load average (1 min) before / after the biodl run: {load[0][0]:.1f} / "
                f"{load[1][0]:.1f}; biodl {deep.get('biodl')}, whole run {deep['wall']:,.0f} s"
            )
    if classical and classical.get("status") == "ok":
        lines.append(
            f"sklearn features: {classical['features']} ({classical['n_features']:,} columns)"
            + "".join(f"; {n}" for n in classical.get("notes", []))
        )
        for name, entry in classical["models"].items():
            if "n_train" in classical and entry["train_rows"] < classical["n_train"]:
                lines.append(
                    f"sklearn {name} fitted on a uniform random {entry['train_rows']:,} of the "
                    f"{classical['n_train']:,} training rows"
                )
        if classical.get("subset") and not (deep and deep.get("subset")):
            lines.append(classical["subset"]["note"])
        if classical.get("folds"):
            sizes = classical["models"]["random forest"]["fold_sizes"]
            lines.append(f"sklearn fold test sizes: {sizes}")
    return lines


def gaps(metas: list[dict[str, Any]], results: Path) -> list[str]:
    """Per dataset: the default network's primary score against the strongest classical one."""
    out = []
    for meta in metas:
        folder = results / meta["name"]
        deep, classical = _read_json(folder / "biodl.json"), _read_json(folder / "classical.json")
        if not deep or deep.get("status") != "ok":
            out.append(f"- {meta['name']}: {_failed(deep, 'biodl run') or 'no result'}")
            continue
        # the primary metric, and the protocol's first where that differs (e.g. RMSE)
        for metric in dict.fromkeys([deep["primary"], *meta["metrics"][:1]]):
            value = (deep["deep"].get(metric) or {}).get("value")
            best = _best_classical(deep, classical, metric)
            if value is None or best is None:
                continue
            gap = best[1] - value if metric in LOWER_IS_BETTER else value - best[1]
            word = "at or above" if gap >= 0 else "BELOW"
            if metric in LOWER_IS_BETTER:
                word = "at or better (lower error)" if gap >= 0 else "BELOW (higher error)"
            out.append(
                f"- {meta['name']} ({metric}): deep {value:.3f} vs strongest classical "
                f"{best[1]:.3f} ({best[0]}): {word} by {abs(gap):.3f}"
            )
    return out


def write_table(args: argparse.Namespace) -> None:
    metas = []
    for name in DATASETS:
        meta = _read_json(args.results / name / "protocol.json")
        if meta is not None:
            metas.append(meta)
    lines = [
        "# biodl on the shared datasets, with every default",
        "",
        "Written by `benchmarks/realdata.py` (run it from the repository root; `--list` names "
        "the datasets, `--only NAME` reruns one). Each dataset of `../shared/data` runs with "
        "its documented protocol (the published train/test split where there is one, else the "
        "cross-validation its `SOURCE.txt` describes) through the public API "
        "(`biodl.train` / `biodl.cross_validate`) with every default; the baseline's name and "
        "score are read from the run's results. Beside it, a random forest (300 trees, at most "
        "20,000 training rows) and histogram gradient boosting (scikit-learn defaults, at most "
        "50,000 rows), one thread each, are fitted directly with "
        "scikit-learn on the same split, on features built without biodl (k-mer frequencies "
        "with biodl's default k, plus position-wise one-hot for fixed-length sequences; Morgan "
        "bits plus RDKit 2D descriptors computed with RDKit directly for molecules; "
        "Weisfeiler-Lehman subtree counts "
        "computed in the script for TU graphs; the kind's features otherwise), so the verdict "
        "can be checked against an independent fit.",
        "",
        f"- Table written: {datetime.date.today().isoformat()}, commit {_commit()}",
        f"- Stages: {stamps(metas, args.results)}; each dataset's notes give the commit, the "
        "time (UTC) and the load average (1 / 5 / 15 min) of its stages, read from "
        "`benchmarks/realdata_results/`",
        f"- Machine: {_machine()}; the cores may have been shared with other jobs (the load "
        "average in the notes), so seconds are upper bounds of a quiet machine",
        f"- Python {platform.python_version()}; time limit per stage {args.limit:,} s unless a "
        "dataset's notes give another",
        "- Intervals: single split: 95% percentile bootstrap over the test records (biodl's "
        "own for its models, 1,000 resamples here for scikit-learn); cross-validation: mean "
        "over folds with a 95% t-interval using the corrected (Nadeau-Bengio) variance",
        "- The scikit-learn models are fitted on the training part (a given validation part is "
        "not used; where biodl holds out its own validation part from the training file they "
        "see the whole file), and predict the class of highest probability",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for meta in metas:
        folder = args.results / meta["name"]
        deep, classical = _read_json(folder / "biodl.json"), _read_json(folder / "classical.json")
        for row in dataset_rows(meta, deep, classical):
            lines.append("| " + " | ".join(c.replace("|", "/") for c in row) + " |")
    for u in UNSUPPORTED:
        row = [f"**{u.name}**<br>{u.title}", "–", "–", "–", "–", u.reason, *["–"] * 6]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Where the default network stands against the strongest classical model", ""]
    lines += [
        "Primary metric of each run (and the dataset's first listed metric where that is "
        "another, e.g. RMSE); the strongest of biodl's baseline(s) and the two "
        "scikit-learn fits (for RMSE and MAE the smallest). Differences without intervals: "
        "see the table.",
        "",
        *gaps(metas, args.results),
        "",
        "## Notes per dataset",
        "",
    ]
    for meta in metas:
        folder = args.results / meta["name"]
        deep, classical = _read_json(folder / "biodl.json"), _read_json(folder / "classical.json")
        notes = _notes(meta, deep, classical, folder, args.limit)
        lines.append(f"- **{meta['name']}**: " + ("; ".join(notes) or "no stage finished") + ".")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


# --------------------------------------------------------------------------- command line


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="List the datasets and exit.")
    parser.add_argument("--only", action="append", default=[], help="Run only NAME (repeat).")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="The shared data folder.")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="Runs and logs.")
    parser.add_argument(
        "--results", type=Path, default=DEFAULT_RESULTS, help="Stage summaries (kept in git)."
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="The Markdown table.")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="Seconds per stage.")
    parser.add_argument(
        "--stages", default=",".join(STAGES), help="Comma-separated: biodl, classical."
    )
    parser.add_argument("--table-only", action="store_true", help="Only rebuild the table.")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args(argv)
    args.only = [n for item in args.only for n in item.split(",") if n]
    unknown = [n for n in args.only if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; --list names them")
    args.stages = [s for s in args.stages.split(",") if s]
    return args


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    if args.stage:
        return child(args.stage, args.only[0], args.data, args.work)
    if args.list:
        with tempfile.TemporaryDirectory() as scratch:
            for name, make in DATASETS.items():
                p = make(args.data, Path(scratch))
                print(f"{name:32s} {p.group:11s} {p.title}; {p.protocol}")
        for u in UNSUPPORTED:
            print(f"{u.name:32s} {u.group:11s} {u.title}; {u.reason}")
        return 0
    if not args.table_only:
        for name in args.only or list(DATASETS):
            run_dataset(name, args)
    write_table(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
