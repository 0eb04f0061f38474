"""The one number format of every report: three significant digits, intervals in brackets.

Every number a report shows goes through :func:`format_number`, :func:`format_interval` or
:func:`format_mean_sd`, so a page never shows ``0.994 ± 0.000653`` beside ``0.959 ± 0.011``:

- a number has three significant digits (``0.953``, ``12.3``, ``0.00123``), at most 6
  decimals; numbers of 100 and above show no decimals (``1234``), below 1e-4 (and at or above
  1e6) scientific notation (``6.53e-05``); whole numbers (counts) are shown whole;
- an interval's bounds have three significant digits too, but never more decimals than the
  value: ``0.953 [0.931, 0.970]``, ``0.0417 [-0.254, 0.330]``, ``0.500 [0.000, 0.005]``;
- a standard deviation takes the mean's decimals: ``0.994 ± 0.001``;
- NaN, None and infinities are an em dash.

Examples
--------
>>> format_number(0.95312), format_number(12.345), format_number(0.000653), format_number(3)
('0.953', '12.3', '0.000653', '3')
>>> format_interval(0.95312, 0.9311, 0.97)
'0.953 [0.931, 0.970]'
>>> format_mean_sd(0.99412, 0.000653)
'0.994 ± 0.001'
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["DASH", "decimals_for", "format_interval", "format_mean_sd", "format_number"]

#: Shown for a missing or undefined number.
DASH = "—"

#: Significant digits of every number in a report.
SIGNIFICANT = 3


def _finite(x: object) -> float | None:
    if x is None or isinstance(x, bool) or not isinstance(x, Real):
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _scientific(x: float) -> bool:
    return x != 0 and (abs(x) < 1e-4 or abs(x) >= 1e6)


def decimals_for(x: float) -> int:
    """Decimals that show ``x`` with three significant digits (0 to 6).

    Examples
    --------
    >>> decimals_for(0.953), decimals_for(1.5), decimals_for(123.4), decimals_for(0.0012)
    (3, 2, 0, 5)
    """
    if x == 0 or not math.isfinite(x):
        return SIGNIFICANT
    exponent = math.floor(math.log10(abs(x)))
    # Rounding can carry into the next power (0.9996 -> 1.000): judge the rounded value.
    rounded = float(f"{abs(x):.{SIGNIFICANT - 1}e}")
    exponent = math.floor(math.log10(rounded)) if rounded > 0 else exponent
    return min(6, max(0, SIGNIFICANT - 1 - exponent))


def format_number(x: object, decimals: int | None = None) -> str:
    """``x`` with three significant digits (or ``decimals`` when given); a dash when undefined.

    Parameters
    ----------
    x : number or None
        Integers (counts) are shown whole; floats with :func:`decimals_for` decimals.
    decimals : int, optional
        Fixed decimals (used for the bounds of an interval and for a standard deviation).

    Returns
    -------
    str
    """
    if isinstance(x, Integral) and not isinstance(x, bool):
        return str(int(x))
    value = _finite(x)
    if value is None:
        return DASH
    if decimals is None:
        if _scientific(value):
            return f"{value:.{SIGNIFICANT - 1}e}"
        if value == int(value) and abs(value) >= 10**SIGNIFICANT:
            return str(int(value))
        decimals = decimals_for(value)
    return f"{value:.{decimals}f}"


def format_interval(value: object, low: object, high: object) -> str:
    """``value [low, high]``, the bounds with the value's decimals; the value alone without
    finite bounds; a dash when the value is undefined.

    Examples
    --------
    >>> format_interval(1.5, 1.2, 1.8), format_interval(0.4, None, None)
    ('1.50 [1.20, 1.80]', '0.400')
    """
    v, lo, hi = _finite(value), _finite(low), _finite(high)
    if v is None:
        return DASH
    text = format_number(v)
    if lo is None or hi is None:
        return text
    if _scientific(v) or (v == 0 and (_scientific(lo) or _scientific(hi))):
        return f"{text} [{format_number(lo)}, {format_number(hi)}]"
    decimals = _shared_decimals(v, lo, hi)
    text = format_number(v, decimals)
    bounds = (format_number(b, min(decimals, decimals_for(b))) for b in (lo, hi))
    return f"{text} [{', '.join(bounds)}]"


def format_mean_sd(mean: object, sd: object) -> str:
    """``mean ± sd`` with the sd rounded to the mean's decimals; the mean alone without an sd.

    Examples
    --------
    >>> format_mean_sd(0.959, 0.0114), format_mean_sd(0.5, None), format_mean_sd(None, 0.1)
    ('0.959 ± 0.011', '0.500', '—')
    """
    m, s = _finite(mean), _finite(sd)
    if m is None:
        return DASH
    if s is None:
        return format_number(m)
    if _scientific(m):
        return f"{format_number(m)} ± {format_number(s)}"
    decimals = _shared_decimals(m, s)
    return f"{format_number(m, decimals)} ± {format_number(s, decimals)}"


def _shared_decimals(value: float, *others: float) -> int:
    # A zero value takes its decimals from the largest of the others (0 ± 0.05 -> "0.000").
    if value != 0:
        return decimals_for(value)
    largest = max((abs(o) for o in others), default=0.0)
    return decimals_for(largest)
