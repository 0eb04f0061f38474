"""Score mutations with a sequence language model: marginals and (pseudo-)log-likelihoods.

Works with any module following the language-model contract (``biodl.models.language``):
``forward(codes (batch, length)) -> logits (batch, length, n_letters)`` over the alphabet's
integer codes (0 = padding, ``i + 1`` = ``alphabet.symbols[i]``; channel ``j`` of the output
is ``alphabet.letters[j]``), an ``objective`` of ``"causal"`` or ``"masked"``, an
``alphabet_name``, and for masked models a ``mask_code``.

The scores of a variant (all natural-log, higher = the model likes the mutant more):

``wt-marginals``
    One forward pass per distinct wild type. The score is
    ``sum over mutated sites i of log p(mut_i | wt) - log p(wt_i | wt)``, read from the
    wild-type pass. For a masked model ``p(. | wt)`` at site ``i`` is the output at ``i`` with
    nothing masked (the model sees the wild-type letter there). For a causal model it is the
    next-letter distribution at ``i`` given the wild-type letters *before* ``i`` only: the
    effect of the mutation on the letters after it is ignored, and every site of a
    multi-mutant is conditioned on the wild-type prefix (use ``pll`` for the exact ratio).
``masked-marginals`` (masked models)
    One forward pass per mutated *position* of each wild type (that position masked), batched,
    whatever the number of mutants: ``sum over sites of log p(mut_i | wt with i masked) -
    log p(wt_i | wt with i masked)``. Sites of a multi-mutant are masked one at a time and
    their terms added (an additive approximation).
``pll``
    The log-likelihood ratio ``LL(mutant) - LL(wild type)`` of whole sequences: for a causal
    model the exact log-likelihood (one pass per sequence); for a masked model the
    pseudo-log-likelihood ``sum_i log p(x_i | x with i masked)`` (one pass per position of
    every sequence: ``length`` passes per variant, the costly one).

Every result counts the sequences run through the model (``forward_passes``) and the batched
calls (``model_calls``), so a benchmark can report them.

Examples
--------
>>> import torch
>>> from biodl.data.mutations import VariantSet
>>> class Table(torch.nn.Module):  # site-independent: logits depend on the position only
...     objective, alphabet_name, mask_code = "masked", "dna", 16
...     def __init__(self, logits):
...         super().__init__()
...         self.logits = torch.nn.Parameter(logits)
...     def forward(self, codes):
...         return self.logits[: codes.shape[1]].expand(codes.shape[0], -1, -1)
>>> model = Table(torch.log(torch.tensor([[0.5, 0.25, 0.125, 0.125]] * 3)))
>>> variants = VariantSet.from_mutations("AAC", ["A1C", "A1C:A2G"], alphabet="dna")
>>> result = wild_type_marginals(model, variants)
>>> [round(float(s), 4) for s in result.scores], result.forward_passes
([-0.6931, -2.0794], 1)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from biodl.data.alphabet import ALPHABETS, Alphabet
from biodl.data.mutations import VariantSet
from biodl.errors import ConfigError, DataError

__all__ = [
    "SCORE_METHODS",
    "MutationScores",
    "ScoreMethod",
    "SequenceLogLikelihoods",
    "masked_marginals",
    "pll_scores",
    "score_variants",
    "sequence_log_likelihoods",
    "wild_type_marginals",
]

ScoreMethod = Literal["wt-marginals", "masked-marginals", "pll"]
#: The scores of a variant, in the order a report lists them.
SCORE_METHODS: tuple[ScoreMethod, ...] = ("wt-marginals", "masked-marginals", "pll")


@dataclass(frozen=True)
class MutationScores:
    """Scores of variants by a language model.

    Parameters
    ----------
    scores : (n,) float64
        One per variant (natural log; 0 for the wild type itself).
    method : {"wt-marginals", "masked-marginals", "pll"}
    forward_passes : int
        Sequences run through the model (rows of all batches).
    model_calls : int
        Batched calls of the model's forward.
    """

    scores: np.ndarray
    method: ScoreMethod
    forward_passes: int
    model_calls: int


@dataclass(frozen=True)
class SequenceLogLikelihoods:
    """Log-likelihoods of whole sequences (pseudo-log-likelihoods for a masked model).

    Parameters
    ----------
    values : (n,) float64
        Natural-log (pseudo-)log-likelihood of each sequence.
    objective : {"causal", "masked"}
        ``causal``: exact log-likelihood; ``masked``: pseudo-log-likelihood.
    forward_passes, model_calls : int
        As in :class:`MutationScores`.
    """

    values: np.ndarray
    objective: str
    forward_passes: int
    model_calls: int


class _Runner:
    """Runs the model in evaluation mode on batches of codes and counts what it ran."""

    def __init__(self, model: nn.Module, alphabet: Alphabet, batch_size: int) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size: expected a positive number, got {batch_size}.")
        name = getattr(model, "alphabet_name", None)
        if name != alphabet.name:
            raise ConfigError(
                f"the language model reads {name!r} sequences but the variants are "
                f"{alphabet.name}; score variants of the model's alphabet."
            )
        self.model, self.alphabet, self.batch_size = model, alphabet, batch_size
        param = next(model.parameters(), None)
        self.device = param.device if param is not None else torch.device("cpu")
        self.passes = self.calls = 0

    def log_probs(self, codes: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(first row, (b, length, n_letters) float64 log-probabilities)`` per batch."""
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                for start in range(0, len(codes), self.batch_size):
                    chunk = torch.as_tensor(
                        codes[start : start + self.batch_size], dtype=torch.long
                    ).to(self.device)
                    logits = self.model(chunk)
                    self._check(logits, chunk)
                    self.passes += chunk.shape[0]
                    self.calls += 1
                    yield start, torch.log_softmax(logits.double(), dim=-1).cpu().numpy()
        finally:
            self.model.train(was_training)

    def _check(self, logits: torch.Tensor, codes: torch.Tensor) -> None:
        expected = (*codes.shape, self.alphabet.n_channels)
        if tuple(logits.shape) != expected:
            raise ConfigError(
                f"the language model returned logits of shape {tuple(logits.shape)} for codes "
                f"of shape {tuple(codes.shape)}; the contract is (batch, length, "
                f"{self.alphabet.n_channels}) for the {self.alphabet.name} letters."
            )

    def encode(self, sequence: str) -> np.ndarray:
        return self.alphabet.lut[np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)].astype(
            np.int64
        )


def _mask_code(model: nn.Module, what: str) -> int:
    if getattr(model, "objective", None) != "masked":
        raise ConfigError(
            f"{what} needs a masked language model; this one is "
            f"{getattr(model, 'objective', None)!r}. Use wt-marginals or pll for a causal model."
        )
    code = getattr(model, "mask_code", None)
    if not isinstance(code, int):
        raise ConfigError("the masked language model has no integer mask_code attribute.")
    return code


def _site_scores(variants: VariantSet, tables: dict[int, np.ndarray]) -> np.ndarray:
    """Sum over each variant's sites of ``table[site, mutant] - table[site, wild]``."""
    site_wt = variants.wild_type_index[variants.site_variant()]
    values = np.zeros(len(variants.sites))
    for w, table in tables.items():
        sel = site_wt == w
        sites = variants.sites[sel]
        values[sel] = (
            table[sites, variants.mutant_letters[sel]] - table[sites, variants.wild_letters[sel]]
        )
    return np.bincount(variants.site_variant(), weights=values, minlength=len(variants))


def _used_wild_types(variants: VariantSet) -> list[int]:
    return [int(w) for w in np.unique(variants.wild_type_index)]


def wild_type_marginals(
    model: nn.Module, variants: VariantSet, *, batch_size: int = 64
) -> MutationScores:
    """Score variants from one forward pass per distinct wild type (see the module notes).

    Parameters
    ----------
    model : nn.Module
        A causal or masked language model (the contract in the module notes).
    variants : VariantSet
    batch_size : int, default 64
        Wild types of equal length run together, this many per call.

    Returns
    -------
    MutationScores
        ``forward_passes`` = number of distinct wild types scored.

    Raises
    ------
    ConfigError
        If the model's alphabet or output shape does not follow the contract.
    """
    runner = _Runner(model, variants.alphabet, batch_size)
    tables: dict[int, np.ndarray] = {}
    used = _used_wild_types(variants)
    by_length: dict[int, list[int]] = {}
    for w in used:
        by_length.setdefault(len(variants.wild_types[w]), []).append(w)
    for group in by_length.values():
        codes = np.stack([runner.encode(variants.wild_types[w]) for w in group])
        for start, logp in runner.log_probs(codes):
            for k, table in enumerate(logp):
                tables[group[start + k]] = table
    return MutationScores(
        _site_scores(variants, tables), "wt-marginals", runner.passes, runner.calls
    )


def masked_marginals(
    model: nn.Module, variants: VariantSet, *, batch_size: int = 64
) -> MutationScores:
    """Score variants with one masked pass per mutated position of each wild type.

    Parameters
    ----------
    model : nn.Module
        A masked language model.
    variants : VariantSet
    batch_size : int, default 64
        Masked copies of a wild type run this many per call.

    Returns
    -------
    MutationScores
        ``forward_passes`` = number of distinct (wild type, mutated position) pairs: at most
        the wild type's length, however many variants there are.

    Raises
    ------
    ConfigError
        If the model is not a masked model, or does not follow the contract.
    """
    mask = _mask_code(model, "masked-marginals")
    runner = _Runner(model, variants.alphabet, batch_size)
    site_wt = variants.wild_type_index[variants.site_variant()]
    tables: dict[int, np.ndarray] = {}
    for w in _used_wild_types(variants):
        wt_codes = runner.encode(variants.wild_types[w])
        positions = np.unique(variants.sites[site_wt == w])
        table = np.full((len(wt_codes), variants.alphabet.n_channels), np.nan)
        if positions.size:
            copies = np.repeat(wt_codes[None, :], len(positions), axis=0)
            copies[np.arange(len(positions)), positions] = mask
            for start, logp in runner.log_probs(copies):
                rows = positions[start : start + len(logp)]
                table[rows] = logp[np.arange(len(logp)), rows]
        tables[w] = table
    return MutationScores(
        _site_scores(variants, tables), "masked-marginals", runner.passes, runner.calls
    )


def sequence_log_likelihoods(
    model: nn.Module,
    sequences: Sequence[str],
    *,
    alphabet: Alphabet | None = None,
    batch_size: int = 64,
) -> SequenceLogLikelihoods:
    """Log-likelihood (causal) or pseudo-log-likelihood (masked) of whole sequences.

    Parameters
    ----------
    model : nn.Module
        A language model (the contract in the module notes).
    sequences : sequence of str
        Plain letters of the model's alphabet.
    alphabet : Alphabet, optional
        Default: the model's ``alphabet_name``.
    batch_size : int, default 64

    Returns
    -------
    SequenceLogLikelihoods
        Causal: ``sum_t log p(x_t | x_<t)``, one pass per sequence (equal lengths batched).
        Masked: ``sum_t log p(x_t | x with t masked)``, one pass per position of each sequence.

    Raises
    ------
    DataError
        A sequence with a letter that is not a plain letter of the alphabet (named).
    ConfigError
        If the model does not follow the contract.
    """
    abc = alphabet or ALPHABETS[getattr(model, "alphabet_name", "protein")]
    runner = _Runner(model, abc, batch_size)
    encoded = [runner.encode(s.upper()) for s in sequences]
    for k, codes in enumerate(encoded):
        bad = np.flatnonzero((codes < 1) | (codes > abc.n_channels))
        if bad.size:
            raise DataError(
                f"sequence {k + 1}: position {bad[0] + 1} holds {sequences[k][bad[0]]!r}, not a "
                f"plain {abc.name} letter ({abc.letters}); a likelihood needs plain letters."
            )
    values = np.zeros(len(encoded))
    if getattr(model, "objective", None) == "masked":
        mask = _mask_code(model, "a pseudo-log-likelihood")
        for k, codes in enumerate(encoded):
            copies = np.repeat(codes[None, :], len(codes), axis=0)
            np.fill_diagonal(copies, mask)
            for start, logp in runner.log_probs(copies):
                t = np.arange(start, start + len(logp))
                values[k] += logp[np.arange(len(logp)), t, codes[t] - 1].sum()
    else:
        by_length: dict[int, list[int]] = {}
        for k, codes in enumerate(encoded):
            by_length.setdefault(len(codes), []).append(k)
        for group in by_length.values():
            batch = np.stack([encoded[k] for k in group])
            for start, logp in runner.log_probs(batch):
                letters = batch[start : start + len(logp)] - 1
                picked = np.take_along_axis(logp, letters[:, :, None], axis=2)[:, :, 0]
                values[group[start : start + len(logp)]] = picked.sum(axis=1)
    return SequenceLogLikelihoods(
        values, str(getattr(model, "objective", "")), runner.passes, runner.calls
    )


def pll_scores(model: nn.Module, variants: VariantSet, *, batch_size: int = 64) -> MutationScores:
    """``LL(mutant) - LL(wild type)`` of whole sequences (pseudo-LL for a masked model).

    Each distinct wild type and each variant sequence is scored once with
    :func:`sequence_log_likelihoods`; a masked model needs ``length`` passes per sequence.

    Returns
    -------
    MutationScores
        ``method = "pll"``.
    """
    used = _used_wild_types(variants)
    sequences = [variants.wild_types[w] for w in used] + variants.sequences()
    ll = sequence_log_likelihoods(
        model, sequences, alphabet=variants.alphabet, batch_size=batch_size
    )
    wt_ll = np.zeros(len(variants.wild_types))
    wt_ll[used] = ll.values[: len(used)]
    scores = ll.values[len(used) :] - wt_ll[variants.wild_type_index]
    return MutationScores(scores, "pll", ll.forward_passes, ll.model_calls)


def score_variants(
    model: nn.Module, variants: VariantSet, method: ScoreMethod, *, batch_size: int = 64
) -> MutationScores:
    """Score variants by ``method`` (one of :data:`SCORE_METHODS`; see the module notes).

    Raises
    ------
    ConfigError
        An unknown method, or masked-marginals with a causal model.
    """
    if method == "wt-marginals":
        return wild_type_marginals(model, variants, batch_size=batch_size)
    if method == "masked-marginals":
        return masked_marginals(model, variants, batch_size=batch_size)
    if method == "pll":
        return pll_scores(model, variants, batch_size=batch_size)
    raise ConfigError(
        f"method: {method!r} is not a scoring method (valid: {', '.join(SCORE_METHODS)})."
    )
