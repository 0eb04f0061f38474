"""Seqlets: short windows of high absolute attribution, the units motifs are discovered from.

The per-position contribution is the attribution at the observed letter (``attributions ×
onehot`` summed over letters, so hypothetical and actual contributions both work). Its sum
over every window of ``width`` positions is compared with a Laplace null fitted to all window
sums (scale ``b`` = median absolute deviation from the median / ln 2, robust to the windows
holding motifs): a window is significant when ``|sum - median| > b × ln(1 / alpha)``, i.e. when
a Laplace variable would exceed it with probability ``alpha``, and when it reaches
``min_fraction`` of the 99th percentile of ``|sum - median|``. Seqlets are then picked greedily,
largest ``|sum|`` first, with cores that do not overlap within a sequence, and padded with
``flank`` positions on both sides.

TF-MoDISco also fits a Laplace null, but to the low-magnitude part of the window sums, with
separate thresholds for positive and negative windows and a target FDR; this module uses one
scale for both signs and a fixed tail probability, which is simpler and deterministic.

Examples
--------
>>> import numpy as np
>>> attr = np.zeros((2, 30, 4))
>>> attr[0, 10:16, 0] = 1.0
>>> onehot = np.zeros((2, 30, 4)); onehot[:, :, 0] = 1
>>> s = find_seqlets(attr, onehot, width=6, flank=2)
>>> s.example.tolist(), s.start.tolist(), s.score.round(1).tolist()
([0], [8], [6.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biodl.errors import DataError

__all__ = ["Seqlets", "contributions", "find_seqlets", "seqlet_windows"]


@dataclass(frozen=True)
class Seqlets:
    """Seqlets found in a set of sequences.

    Attributes
    ----------
    example : (n,) int array
        Index of the sequence holding each seqlet.
    start : (n,) int array
        First position of the flanked window (may be negative or run past the end: those
        positions read as zeros).
    score : (n,) float array
        Summed contribution over the core window (its sign is the seqlet's sign).
    width, flank : int
        Core width and flank on each side; a window spans ``width + 2*flank`` positions.
    threshold : float
        The ``|sum - median|`` a window needed.
    """

    example: np.ndarray
    start: np.ndarray
    score: np.ndarray
    width: int
    flank: int
    threshold: float

    def __len__(self) -> int:
        return len(self.example)

    @property
    def window(self) -> int:
        """Length of a flanked window."""
        return self.width + 2 * self.flank


def contributions(attributions: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Contribution of the observed letter at each position: ``(N, L)``."""
    attr = np.asarray(attributions, dtype=float)
    x = np.asarray(onehot, dtype=float)
    if attr.shape != x.shape or attr.ndim != 3:
        raise DataError(
            f"attributions and one-hot sequences must both be (N, L, A), got {attr.shape} and "
            f"{x.shape}"
        )
    return (attr * x).sum(axis=2)


def find_seqlets(
    attributions: np.ndarray,
    onehot: np.ndarray,
    *,
    width: int = 10,
    flank: int = 5,
    alpha: float = 0.01,
    min_fraction: float = 0.2,
    max_per_sequence: int | None = None,
) -> Seqlets:
    """Windows of high absolute contribution (module docstring).

    Parameters
    ----------
    attributions : (N, L, A) array
        Hypothetical or actual contributions (e.g. input × gradient, DeepLIFT, ISM).
    onehot : (N, L, A) array
        The sequences.
    width : int, default 10
        Core window length summed.
    flank : int, default 5
        Positions added on both sides of a core.
    alpha : float, default 0.01
        Laplace tail probability a window's sum must be below.
    min_fraction : float, default 0.2
        A window must also reach this fraction of the 99th percentile of ``|sum - median|``
        (so that, with near-noiseless attributions, the edge of a motif left beside a picked
        seqlet is not a seqlet of its own).
    max_per_sequence : int, optional
        Keep at most this many seqlets per sequence (strongest first).

    Returns
    -------
    Seqlets
        Ordered by sequence, then position.
    """
    contrib = contributions(attributions, onehot)
    n, length = contrib.shape
    if not 1 <= width <= length:
        raise DataError(f"seqlet width must be between 1 and the length {length}, got {width}")
    if not 0 < alpha < 1:
        raise DataError(f"alpha must be in (0, 1), got {alpha}")
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(contrib, axis=1)], axis=1)
    sums = cum[:, width:] - cum[:, :-width]  # (N, L - width + 1)
    centre = float(np.median(sums))
    strength = np.abs(sums - centre)
    # Laplace scale from the median absolute deviation (b = MAD / ln 2): robust to the windows
    # that do hold motifs, as long as they are fewer than half.
    scale = float(np.median(strength)) / float(np.log(2.0))
    floor = min_fraction * float(np.quantile(strength, 0.99)) if strength.size else 0.0
    threshold = max(scale * float(np.log(1.0 / alpha)), floor)
    live = strength > max(threshold, 1e-12)
    picked_seq: list[np.ndarray] = []
    picked_pos: list[np.ndarray] = []
    rounds = 0
    masked = np.where(live, strength, -1.0)
    rows = np.arange(n)
    while (max_per_sequence is None or rounds < max_per_sequence) and (masked > 0).any():
        best = masked.argmax(axis=1)
        ok = masked[rows, best] > 0
        picked_seq.append(rows[ok])
        picked_pos.append(best[ok])
        # No other core may overlap a picked one.
        lo = np.maximum(best - width + 1, 0)
        hi = np.minimum(best + width, masked.shape[1])
        cols = np.arange(masked.shape[1])[None, :]
        block = (cols >= lo[:, None]) & (cols < hi[:, None]) & ok[:, None]
        masked[block] = -1.0
        rounds += 1
    example = np.concatenate(picked_seq) if picked_seq else np.zeros(0, int)
    core = np.concatenate(picked_pos) if picked_pos else np.zeros(0, int)
    order = np.lexsort((core, example))
    example, core = example[order], core[order]
    return Seqlets(
        example=example.astype(int),
        start=(core - flank).astype(int),
        score=sums[example, core],
        width=width,
        flank=flank,
        threshold=threshold,
    )


def seqlet_windows(
    values: np.ndarray, example: np.ndarray, start: np.ndarray, window: int
) -> np.ndarray:
    """Cut ``(n, window, A)`` windows from ``values`` ``(N, L, A)``; outside positions are 0."""
    arr = np.asarray(values)
    length = arr.shape[1]
    pad = max(0, -int(start.min(initial=0)), int((start + window).max(initial=0)) - length)
    padded = np.pad(arr, ((0, 0), (pad, pad), (0, 0)))
    index = (start + pad)[:, None] + np.arange(window)[None, :]
    return padded[example[:, None], index]
