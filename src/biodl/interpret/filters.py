"""First-layer convolution filters turned into motifs, from the sub-sequences that activate them.

For each filter, every position whose activation exceeds ``threshold × (the filter's largest
activation over the data)`` contributes the one-hot sub-sequence under the filter's window;
their letter counts are the filter's position frequency matrix, and with a pseudocount its
letter probabilities (the approach of Kelley et al. 2016, Basset, and Koo & Eddy 2019).

Positions are mapped back to the input as a ``torch.nn.Conv1d`` does: activation position
``j`` reads input positions ``j*stride - padding ... j*stride - padding + width - 1``;
positions outside the sequence (padding) and unknown letters (all-zero rows) count nothing.

Examples
--------
>>> import numpy as np
>>> from biodl.interpret.motifs import one_hot
>>> x = one_hot(["ACGTGATAAG", "TTGATAAGCA"])
>>> w = np.transpose(one_hot(["GATA"])[0])[None] * 2 - 1     # one filter (1, 4, 4)
>>> act = np.maximum(first_layer_activations(x, w), 0)       # (2, 1, 7)
>>> [f.motif.consensus() for f in filter_motifs(x, act, width=4)]
['GATA']
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from biodl.errors import DataError
from biodl.interpret.motifs import DNA, Motif, motif_from_counts

__all__ = ["FilterMotif", "filter_motifs", "first_layer_activations"]


@dataclass(frozen=True, eq=False)
class FilterMotif:
    """The motif one filter responds to.

    Attributes
    ----------
    filter : int
        The filter's index (its output channel).
    motif : Motif
        Letter probabilities (id ``filter_<i>``); uniform when no site passed.
    counts : (width, A) float array
        Letter counts of the activating sub-sequences.
    n_sites : int
        Number of activating sub-sequences counted.
    n_sequences : int
        Number of input sequences holding at least one of them.
    max_activation : float
        The filter's largest activation over the data.
    """

    filter: int
    motif: Motif
    counts: np.ndarray
    n_sites: int
    n_sequences: int
    max_activation: float


def first_layer_activations(
    onehot: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    padding: int = 0,
    batch_size: int = 256,
) -> np.ndarray:
    """Cross-correlate one-hot sequences with convolution filters (``Conv1d``, stride 1).

    Parameters
    ----------
    onehot : (N, L, A) array
    weight : (F, A, W) array
        As ``torch.nn.Conv1d.weight`` (channels = letters).
    bias : (F,) array, optional
    padding : int, default 0
        Zero padding on both sides.
    batch_size : int, default 256
        Sequences per step (memory is ``batch_size × L × W × A``).

    Returns
    -------
    (N, F, L + 2*padding - W + 1) float array
        No non-linearity applied: apply the layer's own (e.g. ReLU) before
        :func:`filter_motifs`.
    """
    x = np.asarray(onehot, dtype=np.float32)
    w = np.asarray(weight, dtype=np.float32)
    if x.ndim != 3 or w.ndim != 3 or w.shape[1] != x.shape[2]:
        raise DataError(
            f"onehot must be (N, L, A) and weight (F, A, W) with the same A, got {x.shape} "
            f"and {w.shape}"
        )
    if padding:
        x = np.pad(x, ((0, 0), (padding, padding), (0, 0)))
    if x.shape[1] < w.shape[2]:
        raise DataError(f"sequences of length {x.shape[1]} are shorter than the filters")
    out = []
    for lo in range(0, len(x), batch_size):
        windows = np.lib.stride_tricks.sliding_window_view(x[lo : lo + batch_size], w.shape[2], 1)
        out.append(np.einsum("nlaw,faw->nfl", windows, w, optimize=True))
    result = np.concatenate(out) if out else np.zeros((0, w.shape[0], 0), np.float32)
    if bias is not None:
        result = result + np.asarray(bias, np.float32)[None, :, None]
    return result


def filter_motifs(
    onehot: np.ndarray,
    activations: np.ndarray,
    *,
    width: int,
    stride: int = 1,
    padding: int = 0,
    threshold: float = 0.5,
    pseudocount: float = 1.0,
    alphabet: str = DNA,
) -> list[FilterMotif]:
    """One motif per filter, from the sub-sequences that activate it most.

    Parameters
    ----------
    onehot : (N, L, A) array
        The input sequences.
    activations : (N, F, L') array
        The first layer's output after its non-linearity, before pooling.
    width : int
        The filters' width (kernel size).
    stride, padding : int, default 1 and 0
        The convolution's stride and (symmetric) zero padding.
    threshold : float, default 0.5
        Fraction of each filter's largest activation a position must exceed to count.
    pseudocount : float, default 1.0
        Total pseudocount per position when counts become probabilities.
    alphabet : str, default "ACGT"

    Returns
    -------
    list of FilterMotif
        One per filter, in filter order; filters that never exceed zero have ``n_sites`` 0.
    """
    x = np.asarray(onehot, dtype=np.float32)
    act = np.asarray(activations, dtype=np.float32)
    if x.ndim != 3 or act.ndim != 3 or len(x) != len(act) or x.shape[2] != len(alphabet):
        raise DataError(
            f"onehot must be (N, L, {len(alphabet)}) and activations (N, F, L') for the same N, "
            f"got {x.shape} and {act.shape}"
        )
    if not 0.0 <= threshold < 1.0:
        raise DataError(f"threshold must be in [0, 1), got {threshold}")
    length = x.shape[1]
    # Pad so that every window, including those over the padding, is a plain slice.
    left = padding
    right = max(0, (act.shape[2] - 1) * stride + width - padding - length)
    padded = np.pad(x, ((0, 0), (left, right), (0, 0)))
    result = []
    for f in range(act.shape[1]):
        values = act[:, f, :]
        peak = float(values.max()) if values.size else 0.0
        counts = np.zeros((width, x.shape[2]))
        n_sites = n_sequences = 0
        if peak > 0:
            seq, pos = np.nonzero(values > threshold * peak)
            starts = pos * stride  # in padded coordinates
            index = starts[:, None] + np.arange(width)[None, :]
            counts = padded[seq[:, None], index].sum(axis=0).astype(float)
            n_sites, n_sequences = len(seq), len(np.unique(seq))
        motif = motif_from_counts(counts, f"filter_{f}", alphabet=alphabet, pseudocount=pseudocount)
        motif = replace(motif, nsites=float(n_sites))
        result.append(FilterMotif(f, motif, counts, n_sites, n_sequences, peak))
    return result
