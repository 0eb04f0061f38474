"""Drawing sequences from a masked language model: iterative unmasking, then Gibbs sweeps.

A masked model (``--objective masked``) gives, for a hidden position, the distribution of its
letter given every other letter of the window; it defines no left-to-right order to draw in.
:func:`sample_masked_sequences` draws from it with the **Gibbs sampler of Wang & Cho (2019)**,
"BERT has a Mouth, and It Must Speak: BERT as a Markov Random Field Language Model":

1. **Start** every sample from its length (given, or drawn as for causal runs) as mask codes,
   the ``prefix`` letters in front.
2. **Unmask** iteratively: each step runs the model once on every window that still holds a
   mask code and draws ``per_step`` of its hidden positions from the model's distribution
   there (``temperature`` divides the logits, ``top_k`` keeps the K most likely letters). Which
   positions: ``"confident"`` (the hidden positions whose most likely letter the model is
   surest of, first; the default) or ``"random"`` (a seeded random order).
3. **Gibbs sweeps** (``gibbs_sweeps``, optional): each sweep visits every drawn position once,
   in a seeded random order, hides it again and redraws it given all the others: the Gibbs
   sampler of the masked model's conditionals. The prefix is never redrawn.

As in training, a sample is cut into windows of the run's ``context`` letters and each window
is drawn on its own (a window never reads its neighbours); windows of every sample are drawn
together, in batches of ``batch_size``.

**Cost.** A window of ``m`` hidden letters takes ``ceil(m / per_step)`` passes of the model to
unmask, plus ``m`` passes per Gibbs sweep: a sequence of ``L`` letters (no prefix) takes about
``ceil(L / context)`` windows x (``ceil(context / per_step)`` + ``gibbs_sweeps`` x ``context``)
passes, against the one pass per letter of a causal model's window-by-window draw. The count
is returned (:attr:`MaskedDraw.passes_per_sequence`).

A masked model's conditionals need not be those of one joint distribution; what the sampler
draws from is defined by the procedure (order, sweeps), not by a likelihood, and more sweeps
move it towards the stationary distribution of the Gibbs chain, when there is one.

Examples
--------
>>> import torch
>>> class Copy(torch.nn.Module):  # masked contract: a hidden letter is the one before it
...     objective, alphabet_name, mask_code, n_letters = "masked", "dna", 16, 4
...     def forward(self, codes):
...         logits = torch.zeros((*codes.shape, 4))  # uniform when the letter before is hidden
...         before = torch.roll(codes, 1, dims=1).clamp(max=5)
...         known = (before >= 1) & (before <= 4)
...         index = (before - 1).clamp(min=0, max=3).unsqueeze(2)
...         return torch.where(known.unsqueeze(2), logits.scatter(2, index, 20.0), logits)
>>> sample_masked_sequences(Copy(), [6, 4], prefix="C", order="confident").sequences
['CCCCCC', 'CCCC']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from biodl.config.generate import UNMASK_ORDER_HELP
from biodl.data.alphabet import ALPHABETS
from biodl.errors import ConfigError, DataError

__all__ = [
    "UNMASK_ORDERS",
    "MaskedDraw",
    "draw_letters",
    "sample_masked_sequences",
]

#: How the hidden positions are chosen at each unmasking step (the words of
#: ``--unmask-order``, described in :data:`biodl.config.generate.UNMASK_ORDER_HELP`).
UNMASK_ORDERS: tuple[str, ...] = tuple(UNMASK_ORDER_HELP)


@dataclass
class MaskedDraw:
    """What :func:`sample_masked_sequences` drew.

    Attributes
    ----------
    sequences : list of str
    window_passes : int
        Windows run through the model, counted one per window and pass (unmasking and Gibbs).
    model_calls : int
        Batched calls of the model.
    passes_per_sequence : float
        ``window_passes`` per sample: the cost of one sequence in model passes over a window.
    """

    sequences: list[str]
    window_passes: int
    model_calls: int
    passes_per_sequence: float


def draw_letters(
    logits: Tensor, temperature: float, top_k: int | None, generator: torch.Generator
) -> Tensor:
    """One letter index per row of ``logits (rows, n_letters)``: tempered, top-k, sampled."""
    logits = logits.float() / temperature
    if top_k is not None and top_k < logits.shape[1]:
        cut = logits.topk(top_k, dim=1).values[:, -1:]
        logits = logits.masked_fill(logits < cut, float("-inf"))
    return torch.multinomial(torch.softmax(logits, dim=1), 1, generator=generator)[:, 0]


class _Runner:
    """Runs the model over chosen windows in batches and counts the passes."""

    def __init__(self, model: nn.Module, batch_size: int) -> None:
        self.model, self.batch_size = model, batch_size
        self.window_passes = 0
        self.model_calls = 0

    def __call__(self, windows: Tensor) -> Tensor:
        out = []
        for start in range(0, len(windows), self.batch_size):
            piece = windows[start : start + self.batch_size]
            out.append(self.model(piece).float())
            self.model_calls += 1
            self.window_passes += len(piece)
        return torch.cat(out)


def _start_codes(
    lengths: np.ndarray, prefix: np.ndarray, context: int, mask_code: int
) -> tuple[Tensor, int]:
    """``(n, windows * context)`` codes: prefix letters, mask codes up to each length, 0 after."""
    n_windows = max(1, -(-int(lengths.max()) // context))
    codes = torch.zeros(len(lengths), n_windows * context, dtype=torch.long)
    for i, length in enumerate(lengths):
        codes[i, : int(length)] = mask_code
        codes[i, : len(prefix)] = torch.as_tensor(prefix)
    return codes, n_windows


def _unmask(
    run: _Runner,
    work: Tensor,
    mask_code: int,
    *,
    order: str,
    per_step: int,
    temperature: float,
    top_k: int | None,
    generator: torch.Generator,
) -> None:
    """Fill every mask code of ``work (windows, context)`` in place, ``per_step`` a pass."""
    priority = torch.rand(work.shape, generator=generator)
    while True:
        hidden = work == mask_code
        rows = hidden.any(dim=1).nonzero()[:, 0]
        if not len(rows):
            return
        logits = run(work[rows])  # (rows, context, letters)
        surest = order == "confident"
        key = -torch.softmax(logits, dim=2).amax(dim=2) if surest else priority[rows]
        key = key.masked_fill(~hidden[rows], float("inf"))
        k = min(per_step, work.shape[1])
        chosen = key.topk(k, dim=1, largest=False).indices  # (rows, k)
        valid = hidden[rows].gather(1, chosen)
        picked = logits.gather(1, chosen.unsqueeze(2).expand(-1, -1, logits.shape[2]))
        letters = draw_letters(picked.reshape(-1, logits.shape[2]), temperature, top_k, generator)
        letters = letters.view(len(rows), k) + 1
        current = work[rows].gather(1, chosen)
        work[rows.unsqueeze(1), chosen] = torch.where(valid, letters, current)


def _gibbs(
    run: _Runner,
    work: Tensor,
    drawn: Tensor,
    mask_code: int,
    *,
    sweeps: int,
    temperature: float,
    top_k: int | None,
    generator: torch.Generator,
) -> None:
    """``sweeps`` Gibbs sweeps over the ``drawn`` positions of ``work``, in place."""
    for _ in range(sweeps):
        for t in torch.randperm(work.shape[1], generator=generator).tolist():
            rows = drawn[:, t].nonzero()[:, 0]
            if not len(rows):
                continue
            windows = work[rows].clone()
            windows[:, t] = mask_code
            logits = run(windows)[:, t]
            work[rows, t] = draw_letters(logits, temperature, top_k, generator) + 1


def sample_masked_sequences(
    model: nn.Module,
    lengths: Sequence[int] | np.ndarray,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    prefix: str = "",
    seed: int = 0,
    context: int | None = None,
    order: str = "confident",
    per_step: int = 1,
    gibbs_sweeps: int = 0,
    batch_size: int = 256,
) -> MaskedDraw:
    """Draw one sequence per entry of ``lengths`` from a masked language model.

    Parameters
    ----------
    model : nn.Module
        A masked model of the language-model contract (``objective == "masked"``,
        ``alphabet_name``, ``mask_code``).
    lengths : sequence of int
        Letters of each sample, prefix included (at least the prefix's).
    temperature : float, default 1.0
        Logits are divided by it: below 1 sharper, above 1 flatter.
    top_k : int, optional
        Draw among the ``top_k`` most likely letters only.
    prefix : str, default ""
        Plain letters every sample starts with; never redrawn.
    seed : int, default 0
        Same seed, same sequences.
    context : int, optional
        The run's window length (default: the longest sample, one window each).
    order : {"confident", "random"}, default "confident"
        Which hidden positions each unmasking step draws: a seeded random order, or the
        hidden positions whose most likely letter is the most probable first.
    per_step : int, default 1
        Hidden positions drawn per pass of the model over a window.
    gibbs_sweeps : int, default 0
        Gibbs sweeps after unmasking (each redraws every drawn position once).
    batch_size : int, default 256
        Windows per call of the model.

    Returns
    -------
    MaskedDraw

    Raises
    ------
    ConfigError
        A model that is not masked, an unknown ``order``, ``temperature`` <= 0, ``top_k``,
        ``per_step`` or a length below 1, ``gibbs_sweeps`` below 0, a length below the prefix.
    DataError
        A prefix letter outside the model's plain letters.
    """
    if getattr(model, "objective", None) != "masked":
        raise ConfigError("this sampler needs a masked language model (--objective masked)")
    if order not in UNMASK_ORDERS:
        raise ConfigError(f"--unmask-order {order}: expected one of {', '.join(UNMASK_ORDERS)}")
    if temperature <= 0:
        raise ConfigError(f"--temperature {temperature}: expected a positive number")
    for flag, value, least in (("--top-k", top_k, 1), ("--unmask-per-step", per_step, 1)):
        if value is not None and value < least:
            raise ConfigError(f"{flag} {value}: expected {least} or more")
    if gibbs_sweeps < 0:
        raise ConfigError(f"--gibbs-sweeps {gibbs_sweeps}: expected 0 or more")
    alphabet = ALPHABETS[model.alphabet_name]  # type: ignore[index]
    mask_code = int(model.mask_code)  # type: ignore[arg-type]
    start = np.array([], dtype=np.int64)
    if prefix:
        start = alphabet.lut[np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)].astype(np.int64)
        if (start < 1).any() or (start > alphabet.n_channels).any():
            raise DataError(f"--prefix {prefix}: expected plain letters of {alphabet.letters} only")
    sizes = np.asarray(lengths, dtype=np.int64)
    if not len(sizes) or sizes.min() < max(1, len(start)):
        raise ConfigError(
            f"lengths down to {sizes.min() if len(sizes) else 0}: every sample needs at least "
            f"1 letter and the prefix's {len(start)}"
        )
    width = int(context) if context else int(sizes.max())
    codes, n_windows = _start_codes(sizes, start, width, mask_code)
    windows = codes.view(len(sizes) * n_windows, width)
    keep = (windows > 0).any(dim=1)
    work = windows[keep].clone()
    drawn = work == mask_code
    generator = torch.Generator().manual_seed(seed)
    run = _Runner(model, batch_size)
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            options = {"temperature": temperature, "top_k": top_k, "generator": generator}
            _unmask(run, work, mask_code, order=order, per_step=per_step, **options)  # type: ignore[arg-type]
            _gibbs(run, work, drawn, mask_code, sweeps=gibbs_sweeps, **options)  # type: ignore[arg-type]
    finally:
        model.train(training)
    windows[keep] = work
    rows = codes.numpy()
    sequences = [alphabet.decode(rows[i, : int(n)]) for i, n in enumerate(sizes)]
    return MaskedDraw(
        sequences=sequences,
        window_passes=run.window_passes,
        model_calls=run.model_calls,
        passes_per_sequence=run.window_passes / len(sizes),
    )
