"""Benchmark: mutation scores vs the true energy differences of a synthetic Potts family.

A protein family (20 amino acids, ``--length`` positions, sparse couplings: ``--length``
random position pairs) is drawn from a seeded Potts model (:mod:`biodl.data.potts`, Gibbs
sampling, 100 chains, burn-in 200 sweeps, a sample every 10 sweeps) at two coupling strengths:
``weak`` (couplings N(0, 0.3²), fields N(0, 1)) and ``strong`` (couplings N(0, 2²)). The wild
type is the highest-energy training sequence. Every scorer gets the training sequences and
the variants (all single mutants of the wild type, and ``--doubles`` random double mutants)
and returns one score per variant; the table gives the Spearman correlation of the scores
with the true energy differences ``E(mutant) - E(wild type)``, with a 95 % bootstrap interval.

The issue's target: a language model's log-likelihood ratios correlate with the true energy
differences (Spearman >= 0.7) and beat the site-independent PSSM when couplings are strong.
This script ships the PSSM column; a language model is added as another scorer::

    from benchmarks.potts_scoring import run, pssm_scorer
    def lm_scorer(train, variants):
        model = ...  # train a language model on `train`
        return wild_type_marginals(model, variants).scores
    run({"PSSM": pssm_scorer, "LM (wt marginals)": lm_scorer})

Run it from the repository root::

    .venv/bin/python benchmarks/potts_scoring.py [--length 40] [--train 2000] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from biodl.data.mutations import VariantSet
from biodl.data.potts import PottsModel, random_potts, sample_potts
from biodl.evaluation.pssm import fit_pssm
from biodl.evaluation.score_correlation import spearman_interval

#: A scorer: (training sequences, variants) -> (n,) scores, higher = fitter.
Scorer = Callable[[list[str], VariantSet], np.ndarray]

#: Coupling strengths compared: name -> standard deviation of the couplings.
STRENGTHS = {"weak": 0.3, "strong": 2.0}


def pssm_scorer(train: list[str], variants: VariantSet) -> np.ndarray:
    """The site-independent baseline: PSSM (pseudocount 1) log-likelihood ratio."""
    return fit_pssm(train, alphabet=variants.alphabet).llr(variants)


@dataclass(frozen=True)
class Family:
    """A sampled family, its wild type and the variants scored."""

    model: PottsModel
    train: list[str]
    variants: VariantSet
    n_singles: int


def make_family(length: int, n_train: int, n_doubles: int, scale: float, seed: int) -> Family:
    """Sample a family at coupling scale ``scale`` and list its single and double mutants."""
    model = random_potts(length, n_pairs=length, coupling_scale=scale, seed=seed)
    train = sample_potts(model, n_train, seed=seed).sequences
    wt = train[int(np.argmax(model.energies(train)))]
    letters = model.alphabet.letters
    singles = [f"{wt[i]}{i + 1}{b}" for i in range(length) for b in letters if b != wt[i]]
    rng = np.random.default_rng(seed)
    doubles = []
    for _ in range(n_doubles):
        i, j = sorted(rng.choice(length, 2, replace=False).tolist())
        a = letters[(letters.index(wt[i]) + rng.integers(1, len(letters))) % len(letters)]
        b = letters[(letters.index(wt[j]) + rng.integers(1, len(letters))) % len(letters)]
        doubles.append(f"{wt[i]}{i + 1}{a}:{wt[j]}{j + 1}{b}")
    variants = VariantSet.from_mutations(wt, singles + doubles, alphabet=model.alphabet)
    return Family(model, train, variants, len(singles))


def run(
    scorers: Mapping[str, Scorer] | None = None,
    *,
    length: int = 40,
    n_train: int = 2000,
    n_doubles: int = 2000,
    seeds: Sequence[int] = (0,),
    n_boot: int = 500,
) -> list[dict[str, object]]:
    """Score every family with every scorer; one row per (strength, seed, scorer, mutants)."""
    scorers = scorers or {"PSSM": pssm_scorer}
    rows: list[dict[str, object]] = []
    for strength, scale in STRENGTHS.items():
        for seed in seeds:
            family = make_family(length, n_train, n_doubles, scale, seed)
            truth = family.model.delta_energy(family.variants)
            for name, scorer in scorers.items():
                t0 = time.process_time()
                scores = np.asarray(scorer(family.train, family.variants), dtype=float)
                cpu = time.process_time() - t0
                parts = {
                    "single": slice(0, family.n_singles),
                    "double": slice(family.n_singles, None),
                }
                for kind, part in parts.items():
                    est = spearman_interval(scores[part], truth[part], n_boot=n_boot).estimate
                    rows.append(
                        {
                            "couplings": strength,
                            "seed": seed,
                            "scorer": name,
                            "mutants": kind,
                            "n": len(truth[part]),
                            "spearman": est.value,
                            "low": est.low,
                            "high": est.high,
                            "cpu_s": cpu,
                        }
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--length", type=int, default=40)
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--doubles", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    t0 = time.process_time()
    rows = run(length=args.length, n_train=args.train, n_doubles=args.doubles, seeds=args.seeds)
    print(f"Potts family: {args.length} positions, {args.train} training sequences\n")
    print("| couplings | seed | scorer | mutants | n | Spearman vs true ΔE (95% CI) | CPU s |")
    print("| --- | ---: | --- | --- | ---: | --- | ---: |")
    for r in rows:
        print(
            f"| {r['couplings']} | {r['seed']} | {r['scorer']} | {r['mutants']} | {r['n']} | "
            f"{r['spearman']:.3f} ({r['low']:.3f} to {r['high']:.3f}) | {r['cpu_s']:.2f} |"
        )
    print(f"\ntotal CPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
