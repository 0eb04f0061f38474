"""The options of the toy kind of ``test_toy_kind.py``: a kind declares its own options.

Like biodl's own ``biodl.kinds.<kind>_options`` modules, this imports only ``biodl.options``,
so it can be read before the config is made (``biodl.options.add_kind``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from biodl.options import READING, describe, option

SCALING_HELP = {
    "zscore": "subtract the training mean and divide by the training sd of each dimension",
    "none": "vectors as read",
}


@dataclass
class VectorOptions:
    """How toy vectors are scaled."""

    vector_scaling: Literal["zscore", "none"] = option(
        "zscore",
        help="Vectors, scaling: " + describe(SCALING_HELP),
        panel="Vectors",
        commands=READING,
    )
