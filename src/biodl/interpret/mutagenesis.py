"""In-silico mutagenesis (ISM): every position of a sequence changed to every other letter.

:func:`mutagenesis` scores all single-letter mutants of a batch of one-hot sequences in a few
large forward passes (the mutants of several sequences together, at most ``max_rows`` rows
each), under ``torch.inference_mode``; :func:`mutagenesis_loop` scores one mutant at a time and
exists to check it (and to measure the speed-up, ``benchmarks/bench_explain.py``).

Examples
--------
>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4 * 5, 1))
>>> forward = lambda x, rows: net(x)
>>> x = torch.nn.functional.one_hot(torch.tensor([[0, 1, 2, 3, 0]]), 4).transpose(1, 2).float()
>>> effects = mutagenesis(forward, x, torch.tensor([0]))
>>> tuple(effects.shape), float(effects[0, 0, 0])
((1, 4, 5), 0.0)
"""

from __future__ import annotations

import torch
from torch import Tensor

from biodl.interpret.attribution import Forward, picked

__all__ = ["ism_attribution", "mutagenesis", "mutagenesis_loop"]

#: Mutants per forward pass.
MAX_ROWS = 512


def _reference(x: Tensor) -> Tensor:
    """The letter of each position ``(batch, length)``: the largest one-hot channel."""
    return x.argmax(dim=1)


def mutagenesis(forward: Forward, x: Tensor, target: Tensor, *, max_rows: int = MAX_ROWS) -> Tensor:
    """Effect of every single-letter change: ``f(mutant) - f(x)`` of the explained output.

    Parameters
    ----------
    forward : Forward
        ``forward(x, rows)`` (see :mod:`biodl.interpret.attribution`).
    x : Tensor (batch, letters, length)
        One-hot sequences.
    target : Tensor (batch,) int64
        The explained output column of each sequence.
    max_rows : int, default 512
        Mutants per forward pass.

    Returns
    -------
    Tensor (batch, letters, length)
        Zero at each sequence's own letter.
    """
    n, letters, length = x.shape
    ref = _reference(x)
    # every (example, position, other letter): the letter offset 1..letters-1 from the reference
    ex, pos, off = torch.meshgrid(
        torch.arange(n, device=x.device),
        torch.arange(length, device=x.device),
        torch.arange(1, letters, device=x.device),
        indexing="ij",
    )
    ex, pos = ex.reshape(-1), pos.reshape(-1)
    alt = (ref[ex, pos] + off.reshape(-1)) % letters
    effects = torch.zeros(n, letters, length, dtype=x.dtype, device=x.device)
    with torch.inference_mode():
        base = picked(forward(x, torch.arange(n, device=x.device)), target)
        for first in range(0, len(ex), max_rows):
            chunk = slice(first, first + max_rows)
            e, p, a = ex[chunk], pos[chunk], alt[chunk]
            mutants = x[e].clone()
            rows = torch.arange(len(e), device=x.device)
            mutants[rows, :, p] = 0.0
            mutants[rows, a, p] = 1.0
            scores = picked(forward(mutants, e), target[e])
            effects[e, a, p] = scores - base[e]
    return effects


def mutagenesis_loop(forward: Forward, x: Tensor, target: Tensor) -> Tensor:
    """:func:`mutagenesis` one mutant per forward pass (slow; the reference it is checked on)."""
    n, letters, length = x.shape
    ref = _reference(x)
    effects = torch.zeros(n, letters, length, dtype=x.dtype, device=x.device)
    with torch.inference_mode():
        for i in range(n):
            row = torch.tensor([i], device=x.device)
            base = picked(forward(x[i : i + 1], row), target[i : i + 1])
            for p in range(length):
                for a in range(letters):
                    if a == int(ref[i, p]):
                        continue
                    mutant = x[i : i + 1].clone()
                    mutant[0, :, p] = 0.0
                    mutant[0, a, p] = 1.0
                    score = picked(forward(mutant, row), target[i : i + 1])
                    effects[i, a, p] = (score - base)[0]
    return effects


def ism_attribution(effects: Tensor, x: Tensor) -> Tensor:
    """Per-position importance from ISM effects, at each sequence's own letter.

    The importance of the letter at a position is minus the mean effect of changing it (how
    much the output drops, on average, when that letter is replaced), so it reads like the
    gradient methods: positive where the letter supports the output.

    Parameters
    ----------
    effects : Tensor (batch, letters, length)
        From :func:`mutagenesis`.
    x : Tensor (batch, letters, length)
        The one-hot sequences.

    Returns
    -------
    Tensor (batch, letters, length)
        Non-zero only at each sequence's own letter.
    """
    letters = x.shape[1]
    importance = -effects.sum(dim=1, keepdim=True) / max(letters - 1, 1)
    return importance * (x > 0).to(effects.dtype)
