"""Benchmark: peak memory of a default ``biodl train`` as the number of sequences grows.

Synthetic DNA of 200 bp from biodl's demo generator (:func:`biodl.data.demo.write_demo_fasta`:
planted GATA-like and E-box motifs, half "enhancer") with 100,000, 300,000 and 1,000,000
sequences. Two measurements, each in a fresh child process whose peak resident set size
(``ru_maxrss`` of that child, from ``os.wait4``) is reported with its wall and CPU seconds:

- ``train``: ``python -m biodl train FILE --epochs 1 --bootstrap 100 --quiet`` with every
  other option at its default (the default CNN, the default split, the baseline panel), and the
  same with ``--baseline fast`` (biodl's single earlier baseline) beside it. ``--epochs 1``
  keeps the network's share short; the network's memory does not depend on the epochs.
- ``baseline``: the child reads and splits the file as ``biodl train`` does, fits the
  baseline (:func:`biodl.pipeline.baselines.fit_baseline_for`) and scores every part with it,
  and nothing else. Besides the child's peak it prints the peak while reading and preparing
  (``read_peak_mb``: the split and the leakage check), the resident size after it (the data
  alone), and, the peak being reset then (``/proc/self/clear_refs``), the peak of the baseline
  phase alone (``baseline_peak_mb``), with each panel model's training rows and seconds.

- ``inspect``: the child runs what ``biodl inspect FILE`` runs (statistics, exact repeats) and
  prints its own peak (``VmHWM``: ``ru_maxrss`` of a child also counts the resident size of
  the parent it was forked from, here the one that generated the data).
- ``split``: the child reads the file and splits it with ``--split similarity`` as
  ``biodl train`` prepares it (clusters of near-identical sequences over the whole file, then
  the subsampled leakage check) and nothing else; ``read_peak_mb`` is that peak.

With ``--store`` each FASTA file is first converted to a memory-mapped store (``biodl convert
FILE FILE.biodl``, a child measured like the others: ``convert`` rows) and both modes read the
store instead of the FASTA file. ``--score-rows N`` (baseline mode) scores only the first N
rows of each part with the fitted baseline (for sizes where scoring every part takes hours on
the 2 shared cores; the rows are said in the output).

Run from the repository root (the data go to a temporary folder)::

    .venv/bin/python benchmarks/bench_baseline_memory.py --sizes 100000 300000 --mode train
    .venv/bin/python benchmarks/bench_baseline_memory.py --sizes 1000000 --mode baseline
    .venv/bin/python benchmarks/bench_baseline_memory.py --sizes 1000000 --store --baselines auto
    .venv/bin/python benchmarks/bench_baseline_memory.py --sizes 1000000 --store \
        --mode inspect split
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BIODL_QUIET", "1")
LENGTH = 200
CHUNK = 1_000_000  # larger files are generated in pieces of this many sequences


def _rss_mb(field: str = "VmRSS") -> float:
    """The process's resident size (``VmRSS``) or its peak since the last reset (``VmHWM``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Start the peak (``VmHWM``) again from the current size (Linux ``clear_refs`` 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _data(folder: Path, n: int) -> Path:
    from biodl.data.demo import write_demo_fasta

    path = folder / f"demo_{n}.fa"
    if not path.exists() and n > CHUNK:
        # written in pieces of 1,000,000 (seeds 0, 1, ...; ids prefixed c<piece>_) so that
        # generating the file does not need memory for all of it
        start = time.perf_counter()
        with open(path, "w", encoding="ascii") as out:
            for piece, first in enumerate(range(0, n, CHUNK)):
                part = folder / f".piece_{piece}.fa"
                write_demo_fasta(part, n=min(CHUNK, n - first), length=LENGTH, seed=piece)
                out.write(part.read_text().replace(">", f">c{piece}_"))
                part.unlink()
        print(f"  wrote {n:,} x {LENGTH} bp in {time.perf_counter() - start:.0f} s", flush=True)
    if not path.exists():
        start = time.perf_counter()
        write_demo_fasta(path, n=n, length=LENGTH, seed=0)
        print(f"  wrote {n:,} x {LENGTH} bp in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def _measure(command: list[str]) -> dict[str, object]:
    """Run ``command``; its peak RSS (MB), wall and CPU seconds, exit code and output."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "peak_mb": usage.ru_maxrss / 1024,
        "wall_s": time.perf_counter() - start,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "exit": child.returncode,
        "output": output,
    }


def _baseline_only(path: str, baseline: str, score_rows: int = 0) -> None:
    """Child of ``--mode baseline``: read, split, fit the baseline, score every part (or its
    first ``score_rows`` rows)."""
    import numpy as np

    from biodl.config import build_config
    from biodl.kinds import prepare_run_data
    from biodl.pipeline.baselines import fit_baseline_for

    cfg = build_config(train=path, baseline=baseline, seed=0)
    start = time.perf_counter()
    prepared = prepare_run_data(cfg)
    read = {
        "read_s": time.perf_counter() - start,
        "read_peak_mb": _rss_mb("VmHWM"),
        "rss_after_read_mb": _rss_mb(),
        "peak_reset": _reset_peak(),
    }
    start = time.perf_counter()
    fitted = fit_baseline_for(cfg, prepared)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    scored = {}
    for name in prepared.present():
        part = prepared.part(name)
        if score_rows and len(part) > score_rows:
            part = part.subset(np.arange(score_rows))
        scored[name] = len(part)
        fitted.predict(part)
    members = {
        key: {"n_fit": m.n_fit, "seconds": round(m.seconds, 1), "settings": m.settings}
        for key, m in fitted.members.items()
    }
    report = {
        **read,
        "baseline_peak_mb": _rss_mb("VmHWM"),
        "sizes": {name: len(prepared.part(name)) for name in prepared.present()},
        "scored_rows": scored,
        "leakage": prepared.leakage,
        "fit_s": fit_s,
        "score_s": time.perf_counter() - start,
        "chosen": fitted.chosen,
        "members": members,
    }
    print("RESULT " + json.dumps(report))


def _inspect_only(path: str) -> None:
    """Child of ``--mode inspect``: inspect the file as ``biodl inspect`` does."""
    from biodl.config import DataConfig
    from biodl.pipeline.inspect import inspect_data

    start = time.perf_counter()
    found = inspect_data(DataConfig(train=path))
    report = {
        "inspect_s": time.perf_counter() - start,
        "peak_mb": _rss_mb("VmHWM"),
        "parts": [p.n for p in found.parts],
    }
    print("RESULT " + json.dumps(report))


def _split_only(path: str) -> None:
    """Child of ``--mode split``: read and split with ``--split similarity``, nothing else."""
    from biodl.config import build_config
    from biodl.kinds import prepare_run_data

    cfg = build_config(train=path, split="similarity", seed=0)
    start = time.perf_counter()
    prepared = prepare_run_data(cfg)
    report = {
        "read_s": time.perf_counter() - start,
        "read_peak_mb": _rss_mb("VmHWM"),
        "rss_after_read_mb": _rss_mb(),
        "sizes": {name: len(prepared.part(name)) for name in prepared.present()},
        "leakage": prepared.leakage,
    }
    print("RESULT " + json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument(
        "--mode", choices=["train", "baseline", "inspect", "split"], nargs="+", default=["train"]
    )
    parser.add_argument("--baselines", nargs="+", default=["auto", "fast"])
    parser.add_argument("--data", type=Path, default=None, help="folder for the FASTA files")
    parser.add_argument("--store", action="store_true", help="convert first, read the store")
    parser.add_argument("--score-rows", type=int, default=0, help="baseline mode: rows scored")
    parser.add_argument("--keep", action="store_true", help="keep the data files")
    parser.add_argument(
        "--child", nargs=3, metavar=("FILE", "BASELINE", "ROWS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child and args.child[1] == "inspect":
        _inspect_only(args.child[0])
        return
    if args.child and args.child[1] == "split":
        _split_only(args.child[0])
        return
    if args.child:
        _baseline_only(args.child[0], args.child[1], int(args.child[2]))
        return
    folder = args.data or Path(tempfile.mkdtemp(prefix="bench_baseline_memory_"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f}; data in {folder}", flush=True)
    rows = []
    for n in args.sizes:
        path = _data(folder, n)
        if args.store:
            store = folder / f"demo_{n}.biodl"
            command = [sys.executable, "-m", "biodl", "convert", str(path), str(store)]
            result = _measure([*command, "--overwrite"])
            row = (
                f"| {n:,} | convert | - | {result['peak_mb']:,.0f} | "
                f"{result['wall_s']:,.0f} | {result['cpu_s']:,.0f} | {result['exit']} |"
            )
            rows.append(row)
            print(row, str(result["output"]).strip()[-2000:], sep="\n  ", flush=True)
            if not args.keep:
                path.unlink()
            path = store
        runs = [(m, b) for m in args.mode if m in ("train", "baseline") for b in args.baselines]
        runs += [(m, "-") for m in args.mode if m in ("inspect", "split")]
        for mode, baseline in runs:
            if mode in ("inspect", "split"):
                command = [sys.executable, __file__, "--child", str(path), mode, "0"]
            elif mode == "train":
                out = folder / f"run_{n}_{baseline}"
                command = [sys.executable, "-m", "biodl", "train", str(path), "--out", str(out)]
                command += ["--overwrite", "--epochs", "1", "--bootstrap", "100", "--quiet"]
                command += ["--baseline", baseline]
            else:
                command = [sys.executable, __file__, "--child", str(path), baseline]
                command.append(str(args.score_rows))
            result = _measure(command)
            detail = ""
            if mode in ("baseline", "split", "inspect"):
                line = next(
                    (x for x in str(result["output"]).splitlines() if x.startswith("RESULT ")), ""
                )
                detail = line[len("RESULT ") :]
            elif mode == "train" and result["exit"] == 0:
                metrics = json.loads((out / "metrics.json").read_text())
                panel = metrics.get("baseline_panel")
                detail = json.dumps(
                    {
                        "baseline": metrics["baseline"]["name"],
                        "baseline_seconds": metrics["training"]["baseline_seconds"],
                        "network_seconds": metrics["training"]["seconds"],
                        "leakage": metrics["data"]["leakage"],
                        "n_fit": {m["key"]: m["n_fit"] for m in panel["members"]} if panel else {},
                    }
                )
            if result["exit"] != 0:
                detail = str(result["output"])[-2000:]
            row = (
                f"| {n:,} | {mode} | {baseline} | {result['peak_mb']:,.0f} | "
                f"{result['wall_s']:,.0f} | {result['cpu_s']:,.0f} | {result['exit']} |"
            )
            rows.append(row)
            print(row, detail, sep="\n  ", flush=True)
    print("\n| sequences | mode | --baseline | peak RSS MB | wall s | CPU s | exit |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
