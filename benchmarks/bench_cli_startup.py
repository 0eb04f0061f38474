"""Benchmark: start-up time of the ``biodl`` command line (help must not import torch).

Times, as fresh subprocesses alternated ABAB (median of 10 each, after one warm-up run each):

- ``python -c pass`` with the same interpreter: the floor no command can beat;
- ``biodl --help`` (the console script next to the interpreter, else ``python -m biodl``);
  target: well under 0.5 s;
- ``biodl train --help`` (the largest help page, its options generated from the config
  declarations), for information.

Then runs ``python -X importtime -c "import biodl.cli"`` and prints the 10 imports with the
largest cumulative time, and checks in a fresh interpreter whether answering ``--help`` and
``train --help`` pulls in torch, Lightning, pandas or scikit-learn. Prints tables, exits 0.
Run it from the repository root (about 20 seconds)::

    .venv/bin/python benchmarks/bench_cli_startup.py [--repeats 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
_SCRIPT = Path(sys.executable).with_name("biodl")
BIODL = [str(_SCRIPT)] if _SCRIPT.is_file() else [PYTHON, "-m", "biodl"]
HEAVY = ("torch", "lightning", "pandas", "sklearn", "numpy", "matplotlib", "scipy")


def wall(cmd: list[str]) -> float:
    """Seconds for ``cmd`` to run to completion (output discarded; must exit 0)."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_times(module: str) -> list[tuple[int, int, str]]:
    """(self us, cumulative us, name) for every import made by ``import module``."""
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", f"import {module}"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(cumulative), name.rstrip()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    commands = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "biodl --help": [*BIODL, "--help"],
        "biodl train --help": [*BIODL, "train", "--help"],
    }
    load = os.getloadavg()[0]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():
        wall(cmd)  # warm-up: file cache, .pyc files
    for _ in range(args.repeats):
        for name, cmd in commands.items():
            times[name].append(wall(cmd))
    floor = statistics.median(times["python -c pass"])
    print(f"Python {sys.version.split()[0]}; {args.repeats} runs each, interleaved")
    print()
    print(f"{'command':<20} {'median s':>9} {'min s':>7} {'max s':>7} {'minus floor':>12}  target")
    for name, values in times.items():
        median = statistics.median(values)
        target = ""
        if name == "biodl --help":
            target = "< 0.50 s " + ("met" if median < 0.5 else "MISSED")
        print(
            f"{name:<20} {median:>9.3f} {min(values):>7.3f} {max(values):>7.3f} "
            f"{median - floor:>12.3f}  {target}"
        )

    rows = import_times("biodl.cli")
    print()
    print("python -X importtime -c 'import biodl.cli': top 10 by cumulative time")
    print(f"{'cumulative ms':>14} {'self ms':>8}  module")
    for own, cumulative, name in sorted(rows, key=lambda r: -r[1])[:10]:
        print(f"{cumulative / 1000:>14.1f} {own / 1000:>8.1f}  {name}")
    check = (
        "import sys\n"
        "from biodl.cli import app\n"
        "for args in (['--help'], ['train', '--help']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules) or 'none', file=sys.stderr)"
    )
    loaded = subprocess.run(
        [PYTHON, "-c", check], check=True, capture_output=True, text=True
    ).stderr.strip()
    print()
    print(f"heavy packages in sys.modules after '--help' and 'train --help': {loaded}")
    print(f"load average (1 min) at start {load:.2f}, at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
