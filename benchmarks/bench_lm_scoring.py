"""Benchmark: scoring 10,000 single mutants of a 300-residue protein with a language model.

Target (issue 16): wild-type marginals take one forward pass per wild type, masked marginals
one pass per position (not per mutant). The model is a small masked transformer defined here
(2 layers, width 64, 4 heads, learned positions; random weights: only the cost is measured),
following the language-model contract. The 10,000 mutants are the 5,700 distinct single
mutants of a random 300-residue protein plus 4,300 of them drawn again (a table may repeat
rows), in a seeded random order.

Side by side in one run, single-threaded, CPU seconds (``time.process_time``), best of
``--repeats``:

- ``wt-marginals``: :func:`biodl.interpret.lm_scores.wild_type_marginals`;
- ``masked-marginals``: :func:`biodl.interpret.lm_scores.masked_marginals`;
- ``per-mutant masked (reference)``: what the two avoid, a plain loop that runs one masked
  pass per mutant (the wild type with the mutated site masked), batch 64; its scores must equal
  the masked marginals.

Run it from the repository root::

    .venv/bin/python benchmarks/bench_lm_scoring.py [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from torch import nn

from biodl.data.alphabet import ALPHABETS
from biodl.data.mutations import VariantSet
from biodl.interpret.lm_scores import masked_marginals, wild_type_marginals

PROTEIN = ALPHABETS["protein"]
LENGTH = 300
N_MUTANTS = 10_000


class TinyMaskedLM(nn.Module):
    """A masked transformer following the language-model contract."""

    objective = "masked"
    alphabet_name = "protein"

    def __init__(self, *, width: int = 64, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.mask_code = PROTEIN.n_codes
        self.embed = nn.Embedding(PROTEIN.n_codes + 1, width, padding_idx=0)
        self.position = nn.Embedding(1024, width)
        layer = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True)
        self.body = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(width, PROTEIN.n_channels)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(codes.shape[1], device=codes.device)
        return self.out(self.body(self.embed(codes) + self.position(positions)))


def mutants(seed: int = 0) -> VariantSet:
    """10,000 single mutants of a random 300-residue protein (see the module notes)."""
    rng = np.random.default_rng(seed)
    letters = PROTEIN.letters
    wt = "".join(rng.choice(list(letters), LENGTH))
    singles = [f"{wt[i]}{i + 1}{b}" for i in range(LENGTH) for b in letters if b != wt[i]]
    extra = rng.choice(len(singles), N_MUTANTS - len(singles), replace=False)
    rows = singles + [singles[k] for k in extra]
    order = rng.permutation(len(rows))
    return VariantSet.from_mutations(wt, [rows[k] for k in order])


def per_mutant(model: TinyMaskedLM, variants: VariantSet, batch_size: int = 64) -> np.ndarray:
    """The reference: one masked pass per mutant, read at the mutated site."""
    wt = PROTEIN.lut[np.frombuffer(variants.wild_types[0].encode(), dtype=np.uint8)]
    sites = variants.sites
    out = np.empty(len(variants))
    with torch.inference_mode():
        for start in range(0, len(variants), batch_size):
            idx = np.arange(start, min(start + batch_size, len(variants)))
            codes = torch.as_tensor(np.repeat(wt[None, :], len(idx), 0), dtype=torch.long)
            codes[torch.arange(len(idx)), torch.as_tensor(sites[idx])] = model.mask_code
            logp = torch.log_softmax(model(codes).double(), dim=-1).numpy()
            at = logp[np.arange(len(idx)), sites[idx]]
            rows = np.arange(len(idx))
            out[idx] = at[rows, variants.mutant_letters[idx]] - at[rows, variants.wild_letters[idx]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = TinyMaskedLM().eval()
    variants = mutants()
    print(
        f"{len(variants):,} single mutants of a {LENGTH}-residue protein; torch threads "
        f"{args.threads}; load average {os.getloadavg()[0]:.1f}\n"
    )
    best: dict[str, float] = {}
    passes: dict[str, int] = {}
    scores: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for name, fn in (
            ("wt-marginals", lambda: wild_type_marginals(model, variants)),
            ("masked-marginals", lambda: masked_marginals(model, variants)),
        ):
            t0 = time.process_time()
            result = fn()
            cpu = time.process_time() - t0
            best[name] = min(best.get(name, np.inf), cpu)
            passes[name], scores[name] = result.forward_passes, result.scores
        t0 = time.process_time()
        scores["per-mutant"] = per_mutant(model, variants)
        cpu = time.process_time() - t0
        best["per-mutant"] = min(best.get("per-mutant", np.inf), cpu)
        passes["per-mutant"] = len(variants)
    same = np.allclose(scores["per-mutant"], scores["masked-marginals"], atol=1e-5)
    reference = best["per-mutant"]
    print("| scoring | forward passes | CPU s | CPU vs per-mutant |")
    print("| --- | ---: | ---: | ---: |")
    for name in ("wt-marginals", "masked-marginals", "per-mutant"):
        label = "per-mutant masked (reference)" if name == "per-mutant" else name
        print(f"| {label} | {passes[name]:,} | {best[name]:.3f} | {best[name] / reference:.4f} |")
    print(f"\nmasked marginals equal the per-mutant scores: {same}")


if __name__ == "__main__":
    main()
