"""Hypothesis settings of the fuzzed readers, and the count of cases read per reader.

The ``biodl-ci`` profile is what CI runs: a fixed seed (``derandomize``), a bounded number of
examples, no deadline and no example database (nothing written into the repository). Set
``BIODL_FUZZ_EXAMPLES`` to scale the number of examples of every reader (default 1.0 = the CI
numbers; e.g. ``BIODL_FUZZ_EXAMPLES=20`` runs twenty times as many), and
``BIODL_FUZZ_RANDOM=1`` to draw new random examples instead of the fixed ones. A failing case
is reported as found (not shrunk to a smaller one) unless ``BIODL_FUZZ_SHRINK=1``.
"""

from __future__ import annotations

import os

import pytest
from fuzz_inputs import CASES, OUTCOMES
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "biodl-ci",
    derandomize=not os.environ.get("BIODL_FUZZ_RANDOM"),
    deadline=None,
    database=None,
    print_blob=True,
    # Shrinking a failing file can take minutes: only on request (BIODL_FUZZ_SHRINK=1).
    phases=[p for p in Phase if os.environ.get("BIODL_FUZZ_SHRINK") or p is not Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
settings.load_profile("biodl-ci")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the cases read per reader and how preparation ended (read, or which error)."""
    if not CASES:
        return
    terminalreporter.section("fuzzed readers")
    for reader, n in sorted(CASES.items()):
        ends = ", ".join(f"{k} {v}" for k, v in sorted(OUTCOMES[reader].items()))
        terminalreporter.write_line(f"{reader:<24} {n:>5} cases ({ends})")
    terminalreporter.write_line(f"{'total':<24} {sum(CASES.values()):>5} cases")
